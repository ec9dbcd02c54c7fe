/**
 * Keeping the API key out of everything an error carries (DESIGN §8). Server-provided text
 * (error messages, bodies) may echo the key back, and transport errors hold the whole Request
 * (headers included) — so errors get scrubbed copies, never the originals.
 */

const REDACTED = '[redacted]';

/** `text` with every occurrence of `secret` replaced by `[redacted]`. */
export function redactSecret(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join(REDACTED);
}

/**
 * A plain copy of a transport error fit to be an error's `cause`: name, scrubbed message and the
 * system `code` (ECONNRESET, …) down the cause chain, and nothing else — ky's errors carry the
 * `Request` with its `x-api-key` header, which `util.inspect` would print.
 */
export function sanitizeCause(error: unknown, secret: string, depth = 0): Error {
  if (!(error instanceof Error)) return new Error(redactSecret(String(error), secret));
  const options =
    depth < 4 && error.cause !== undefined ? { cause: sanitizeCause(error.cause, secret, depth + 1) } : {};
  const copy = new Error(redactSecret(error.message, secret), options);
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    Object.defineProperty(copy, 'code', { value: code, enumerable: true });
  }
  // The copy's stack points here, not at the transport internals; the original stack would
  // only show library frames, and its first line repeats an unscrubbed message.
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}

/** The innermost message of a cause chain: `fetch failed` → `connect ECONNREFUSED 127.0.0.1:9`. */
export function rootMessage(error: Error): string {
  let current: Error = error;
  for (let i = 0; i < 5 && current.cause instanceof Error; i++) current = current.cause;
  return current.message;
}
