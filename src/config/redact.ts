/**
 * Keeping the API key out of everything an error carries (DESIGN §8). Server-provided text
 * (error messages, bodies) may echo the key back, and transport errors hold the whole Request
 * (headers included) — so errors get scrubbed copies, never the originals.
 */

const REDACTED = '[redacted]';

/**
 * Shorter "secrets" are not redacted: the sandbox's public key `sandbox` would shred the word
 * wherever it appears ("start the [redacted] with …"), and real API keys are far longer.
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * `KEY=value` / `"KEY": "value"` assignments of secret variables, whatever the value — as long
 * as it is long enough to be one (the help text's `TEMPNUMBER_API_KEY=sandbox` stays readable).
 */
const SECRET_ASSIGNMENT = /((?:TEMPNUMBER_API_KEY|TEMPNUMBER_REDIS_URL)["']?\s*[:=]\s*["']?)[^\s"',]{8,}/g;

/**
 * `text` with every occurrence of `secret` replaced by `[redacted]` — the one redaction rule of
 * the package: secrets of at least {@link MIN_SECRET_LENGTH} characters.
 */
export function redactSecret(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length < MIN_SECRET_LENGTH ? text : text.split(secret).join(REDACTED);
}

/**
 * `text` without any of `secrets` (longest first, so one containing another goes whole) and
 * without the value of any `TEMPNUMBER_API_KEY=…` assignment: what every writer of logs and
 * command output runs its text through.
 */
export function redactSecrets(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  const sorted = [...secrets].filter((s): s is string => s !== undefined).sort((a, b) => b.length - a.length);
  for (const secret of sorted) out = redactSecret(out, secret);
  return out.replace(SECRET_ASSIGNMENT, `$1${REDACTED}`);
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

/*
 * URLs may carry credentials (`redis://:password@host`, `https://user:pass@proxy`). Anything
 * this package prints shows them without.
 */

/** `url` with any user name and password replaced by `***`; unparsable input is returned masked. */
export function displayUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: it may still hold a password, so show only that something was set.
    return '(unparsable URL)';
  }
  if (parsed.username || parsed.password) {
    parsed.username = parsed.username ? '***' : '';
    parsed.password = parsed.password ? '***' : '';
  }
  return parsed.toString().replace(/\/$/, '');
}

/** The password (or lone user name, as `redis://secret@host` means) of `url`, to redact it elsewhere. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [parsed.password, parsed.username]
      .filter((s) => s !== '')
      .flatMap((s) => [s, decodeURIComponent(s)]);
  } catch {
    return [];
  }
}
