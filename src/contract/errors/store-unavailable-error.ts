import { TempNumberError } from './tempnumber-error.ts';

/**
 * The shared store (Redis, `TEMPNUMBER_REDIS_URL`) cannot be reached. The budget fails closed:
 * nothing is granted and no request is sent to TempNumber until the store answers again —
 * falling back to a local budget would let this machine overspend the account's shared one.
 */
export class StoreUnavailableError extends TempNumberError {
  override name = 'StoreUnavailableError';
  /** `host:port` of the store (never its password). */
  readonly address: string;

  constructor(address: string, options?: { cause?: unknown }) {
    super(
      `Redis at ${address} (TEMPNUMBER_REDIS_URL) is unreachable: no request is sent to TempNumber until it is back, ` +
        'because the rate-limit budget shared with other machines lives there. Check that Redis is running and ' +
        'reachable from this machine, or unset TEMPNUMBER_REDIS_URL to run on one machine only.',
      options,
    );
    this.address = address;
  }
}

/** `host:port` of a Redis URL, for messages: user name and password are dropped. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || '127.0.0.1'}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured address';
  }
}
