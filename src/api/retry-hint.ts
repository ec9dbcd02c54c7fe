/**
 * How long the server asks us to wait, from its response headers. TempNumber publishes no such
 * header (reference §5.2, "Decisions": the sandbox sends none), but adjacent APIs send
 * `Retry-After` or `x-ratelimit-reset`, so the client honours them when present.
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
