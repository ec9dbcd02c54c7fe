/**
 * Base of every error this package throws. Messages say what failed, for which
 * number/activation, and what to do; they never contain the API key.
 *
 * Errors cross process boundaries (broker → worker → reporter) as plain data, so code that
 * tells them apart should compare `error.name` (see {@link isTempNumberError}) rather than rely
 * on `instanceof` alone.
 */
export class TempNumberError extends Error {
  override name: string = 'TempNumberError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True when `error` is (or was serialized from) a TempNumber error with the given class name. */
export function isTempNumberError(error: unknown, name?: string): error is TempNumberError {
  if (typeof error !== 'object' || error === null) return false;
  const errorName = (error as { name?: unknown }).name;
  if (typeof errorName !== 'string') return false;
  return name === undefined
    ? error instanceof TempNumberError || errorName.endsWith('Error')
    : errorName === name;
}
