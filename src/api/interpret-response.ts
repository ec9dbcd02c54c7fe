/**
 * One HTTP answer → a checked value or the error that says what went wrong. Errors are classified
 * by `errorName`, case-insensitively, never by status alone (reference §5.2 and "Decisions": the
 * real API's statuses for several names are unknown). Anything unreadable becomes an
 * UnexpectedResponseError; nothing here can crash on a strange body.
 */
import type { ErrorFamily } from '../contract/errors/api-error.ts';
import { ApiError, type RequestInfo } from '../contract/errors/api-error.ts';
import { PriceChangedError } from '../contract/errors/price-changed-error.ts';
import { RateLimitedError } from '../contract/errors/rate-limited-error.ts';
import type { TempNumberError } from '../contract/errors/tempnumber-error.ts';
import { UnexpectedResponseError } from '../contract/errors/unexpected-response-error.ts';
import { canonicalErrorName, ERROR_NAMES } from './error-names.ts';
import { redactSecret } from './redact.ts';
import { ResponseShapeError } from './response-shape-error.ts';
import { parseRetryHintMs } from './retry-hint.ts';

/** What came back for one attempt: status, headers and the whole body as text. */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** The request an answer belongs to, and what the errors need to know about it. */
export interface ResponseContext extends RequestInfo {
  /** Scrubbed from every server-provided string. */
  apiKey: string;
  /** True for POST /activations: a 2xx that cannot be read still leased (and may bill) a number. */
  spendsMoney: boolean;
  /** The `expectedPrice` sent, named in a PriceChangedError. */
  expectedPrice?: number | undefined;
}

/** Longest server-provided text kept in an error (a misbehaving server could send megabytes). */
const MAX_SERVER_TEXT = 500;

/**
 * Parse and check a response: the value of `parse` for a 2xx with the expected shape; otherwise
 * throws an ApiError (or subclass) for an `errorName` body, else an UnexpectedResponseError.
 */
export function interpretResponse<T>(raw: RawResponse, ctx: ResponseContext, parse: (json: unknown) => T): T {
  const ok = raw.status >= 200 && raw.status < 300;
  const json = parseJson(raw.body);
  if (json.ok && hasErrorName(json.value)) throw apiErrorFrom(raw, json.value, ctx);
  if (raw.status >= 300 && raw.status < 400) {
    const location = serverText(raw.headers.get('location') ?? 'nowhere', ctx, 200);
    throw unexpected(
      raw,
      ctx,
      `a redirect to ${location}, which the client does not follow (the API key must not travel to another host); set TEMPNUMBER_BASE_URL to the final URL`,
    );
  }
  if (!ok) {
    const problem = json.ok
      ? 'an error status without an "errorName"'
      : 'an error status with a body that is not JSON';
    throw unexpected(raw, ctx, problem);
  }
  if (!json.ok) throw unexpected(raw, ctx, leaseNote(ctx, 'the body is not JSON'));
  try {
    return parse(json.value);
  } catch (error) {
    // The shape error quotes a server value: scrubbed like any server text (it may echo the key).
    if (error instanceof ResponseShapeError)
      throw unexpected(raw, ctx, leaseNote(ctx, serverText(error.message, ctx)));
    throw error;
  }
}

type ParsedJson = { ok: true; value: unknown } | { ok: false };

function parseJson(body: string): ParsedJson {
  // An empty 2xx body is "no content", not garbage (PUT may answer 204).
  if (body.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

interface ErrorBodyLike {
  errorName: string;
  errorMessage?: unknown;
  newPrice?: unknown;
}

// The PHP client treats any body with an `errorName` as an error, whatever the status
// (reference §5.1); so does this client.
function hasErrorName(value: unknown): value is ErrorBodyLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { errorName?: unknown }).errorName === 'string' &&
    (value as { errorName: string }).errorName !== ''
  );
}

type ErrorInit = RequestInfo & { status: number; errorName: string; errorMessage: string };

/** Which class each family gets; families not listed are a plain ApiError. */
const CLASS_BY_FAMILY: Partial<
  Record<
    ErrorFamily,
    (init: ErrorInit, body: ErrorBodyLike, raw: RawResponse, ctx: ResponseContext) => ApiError
  >
> = {
  rateLimited: (init, _body, raw) =>
    new RateLimitedError({ ...init, retryAfterMs: parseRetryHintMs(raw.headers) }),
  priceChanged: (init, body, _raw, ctx) =>
    new PriceChangedError({ ...init, newPrice: toPrice(body.newPrice), expectedPrice: ctx.expectedPrice }),
};

function apiErrorFrom(raw: RawResponse, body: ErrorBodyLike, ctx: ResponseContext): ApiError {
  const canonical = canonicalErrorName(body.errorName);
  const init: ErrorInit = {
    method: ctx.method,
    path: ctx.path,
    status: raw.status,
    errorName: serverText(body.errorName, ctx, 100),
    errorMessage: typeof body.errorMessage === 'string' ? serverText(body.errorMessage, ctx) : '',
  };
  if (canonical === undefined) return new ApiError({ ...init, family: 'unknown' });
  const family = ERROR_NAMES[canonical].family;
  const build = CLASS_BY_FAMILY[family];
  return build ? build(init, body, raw, ctx) : new ApiError({ ...init, family });
}

function toPrice(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function serverText(text: string, ctx: ResponseContext, max = MAX_SERVER_TEXT): string {
  return redactSecret(text, ctx.apiKey).slice(0, max);
}

function unexpected(raw: RawResponse, ctx: ResponseContext, problem: string): TempNumberError {
  return new UnexpectedResponseError({
    method: ctx.method,
    path: ctx.path,
    status: raw.status,
    body: serverText(raw.body, ctx),
    problem,
  });
}

function leaseNote(ctx: ResponseContext, problem: string): string {
  if (!ctx.spendsMoney) return problem;
  return (
    `${problem}. The server accepted the request, so a number was probably leased (and may be billed): ` +
    'find it in GET /activations (history) before leasing again'
  );
}
