/**
 * The retry policy every provider's client shares, as ONE table (docs/decisions/0014): which
 * failures of an attempt are tried again, after how long, and the server's own hints
 * (`Retry-After`, `x-ratelimit-reset`), which come first.
 */

import { ApiError, NetworkError, RateLimitedError, UnexpectedResponseError } from '../contract/errors.ts';

/*
 * What the client does after a failed attempt: ONE table, read by the client and by the tests.
 * Only endpoints with `autoRetry` (idempotent GETs, see ENDPOINTS) ever retry; for the others
 * every failure surfaces at once, whatever this table says.
 */

/**
 * - `retry`: may an `autoRetry` endpoint try again?
 * - `wait`: `backoff` = exponential backoff with full jitter; `hintOrBackoff` = the server's
 *   `Retry-After`/`x-ratelimit-reset` if it sent one, else backoff; `hintOrBudget` = the hint if
 *   any, else only a small floor, because the budget (told by `reportRateLimited`) holds the
 *   next `acquire` until the window has passed.
 * - `reportRateLimited`: tell the budget so every caller of that bucket backs off.
 */
export const RETRY_POLICY = {
  /** Connection reset or closed mid-exchange: nothing was answered. */
  network: { retry: true, wait: 'backoff', reportRateLimited: false },
  /**
   * The connection was never made (refused, DNS, TLS; `NetworkError.requestSent` false): fail
   * fast with "nothing could be reached" — backing off for seconds will not make a server listen.
   */
  unreachable: { retry: false, wait: 'backoff', reportRateLimited: false },
  /** No answer within `timeoutMs`. */
  timeout: { retry: true, wait: 'backoff', reportRateLimited: false },
  /** 429 `TooManyRequestsException` (by name, any status), or a 429 without a known errorName. */
  rateLimited: { retry: true, wait: 'hintOrBudget', reportRateLimited: true },
  /** 5xx, with or without a readable body (includes 503 `ServiceUnavailableException`). */
  serverError: { retry: true, wait: 'hintOrBackoff', reportRateLimited: false },
  /** 2xx whose body is not the promised JSON: a truncated or garbled answer to a read. */
  malformedSuccess: { retry: true, wait: 'backoff', reportRateLimited: false },
  /**
   * Any other refusal by name: 4xx, and the 429s that are business rules, not request-rate limits
   * (v1 `lowSuccessRateException`/`TooManyActivationsPendingException`, Platfone
   * `LowSuccessRateException`/`TooManyActivationsException`).
   */
  refused: { retry: false, wait: 'backoff', reportRateLimited: false },
  /** A 3xx (never followed) or a 4xx other than 429 without an errorName (a proxy page, a wrong base URL). */
  unexpectedClientError: { retry: false, wait: 'backoff', reportRateLimited: false },
  /** Anything else (a bug, a budget store failure): never hidden behind retries. */
  internal: { retry: false, wait: 'backoff', reportRateLimited: false },
} as const satisfies Record<
  string,
  { retry: boolean; wait: 'backoff' | 'hintOrBackoff' | 'hintOrBudget'; reportRateLimited: boolean }
>;

export type FailureKind = keyof typeof RETRY_POLICY;

/** Which row of {@link RETRY_POLICY} an attempt's error falls in. */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof RateLimitedError) return 'rateLimited';
  if (error instanceof NetworkError) {
    if (error.timedOut) return 'timeout';
    return error.requestSent ? 'network' : 'unreachable';
  }
  if (error instanceof ApiError) {
    if (error.status >= 500) return 'serverError';
    // An unknown name on a 429 is still the server saying "slow down".
    if (error.status === 429 && error.family === 'unknown') return 'rateLimited';
    return 'refused';
  }
  if (error instanceof UnexpectedResponseError) {
    if (error.status === 429) return 'rateLimited';
    if (error.status >= 500) return 'serverError';
    if (error.status >= 200 && error.status < 300) return 'malformedSuccess';
    return 'unexpectedClientError';
  }
  return 'internal';
}

/** Backoff before retry n (1-based): full jitter over min(cap, base · 2^(n-1)), API milliseconds. */
export const BACKOFF_BASE_MS = 1000;
/** Upper bound of one backoff step, API milliseconds. */
export const BACKOFF_CAP_MS = 30_000;
/**
 * Smallest real wait between attempts, whatever the time scale: at 600× a backoff rounds to
 * ~0 ms, and a server fault must not turn into a busy loop.
 */
export const MIN_RETRY_DELAY_MS = 20;
/**
 * Longest server hint the client waits out on its own: the longest published window (2 min).
 * A longer `Retry-After` is not a request-rate window (more like a block), so the error surfaces
 * with `retryAfterMs` and the caller decides.
 */
export const MAX_HINTED_DELAY_MS = 120_000;

/**
 * Real milliseconds to wait before retry `retryNumber` (1-based) after a failure of `kind`.
 *
 * @param hintMs - the server's hint (real ms), if it sent one.
 * @param timeScale - how much faster than real time the API's clock runs; divides backoff, not hints.
 * @param random - a number in [0, 1). @default Math.random()
 */
export function retryDelayMs(init: {
  kind: FailureKind;
  retryNumber: number;
  hintMs: number | undefined;
  timeScale: number;
  random?: number;
}): number {
  const { wait } = RETRY_POLICY[init.kind];
  if (wait !== 'backoff' && init.hintMs !== undefined) return Math.max(MIN_RETRY_DELAY_MS, init.hintMs);
  if (wait === 'hintOrBudget') return MIN_RETRY_DELAY_MS;
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (init.retryNumber - 1));
  const jittered = (init.random ?? Math.random()) * ceiling;
  return Math.max(MIN_RETRY_DELAY_MS, jittered / init.timeScale);
}

/*
 * How long the server asks us to wait, from its response headers. TempNumber v1 publishes no such
 * header (its reference §5.2, "Decisions": the sandbox sends none); Platfone's web app reads
 * `x-ratelimit-reset` (unix seconds) on a 429 (Platfone reference §7), and other APIs send
 * `Retry-After`, so the client honours either when present.
 *
 * Hints are real time: they are never divided by a time scale.
 */

/** A reset value below this cannot be a unix timestamp (2001-09-09), so it is read as seconds from now. */
const UNIX_SECONDS_FLOOR = 1_000_000_000;

/**
 * Milliseconds to wait before the next request, from `Retry-After` (delay in seconds, or an HTTP
 * date) or else `x-ratelimit-reset` (unix seconds; small values as seconds from now). Past
 * moments give 0; absent or unreadable headers give undefined.
 *
 * @param nowMs - wall-clock now, unix milliseconds (HTTP dates and resets are wall-clock). @default Date.now()
 */
export function parseRetryHintMs(headers: Headers, nowMs: number = Date.now()): number | undefined {
  return (
    parseRetryAfter(headers.get('retry-after'), nowMs) ??
    parseRateLimitReset(headers.get('x-ratelimit-reset'), nowMs)
  );
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Only something that looks like a date: Date.parse would read '-5' or '1e3' as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** `x-ratelimit-reset: 1767225600` (unix seconds) or a small number of seconds from now. */
export function parseRateLimitReset(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const seconds = Number(text);
  if (seconds < UNIX_SECONDS_FLOOR) return Math.round(seconds * 1000);
  return Math.max(0, Math.round(seconds * 1000 - nowMs));
}
