/**
 * Reading a v1 answer: an error body into the contract's error classes (by the API's error
 * name), a 2xx body checked against its shape, and the retry policy — which failures are tried
 * again, after how long (the API's own retry hints first).
 */

import { redactSecret } from '../../config/redact.ts';
import type { ErrorFamily, TempNumberError } from '../../contract/errors.ts';
import {
  ApiError,
  NetworkError,
  PriceChangedError,
  RateLimitedError,
  type RequestInfo,
  UnexpectedResponseError,
} from '../../contract/errors.ts';
import type {
  Activation,
  ActivationData,
  ActivationsHistoryPage,
  PricelistByCountry,
  PricelistByService,
  SingleService,
  UserBalance,
} from './wire.ts';
import { canonicalErrorName, ERROR_NAMES } from './wire.ts';

/*
 * One HTTP answer → a checked value or the error that says what went wrong. Errors are classified
 * by `errorName`, case-insensitively, never by status alone (reference §5.2 and "Decisions": the
 * real API's statuses for several names are unknown). Anything unreadable becomes an
 * UnexpectedResponseError; nothing here can crash on a strange body.
 */

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

/*
 * Minimal checks of successful bodies at the edge: enough that callers can rely on the fields
 * they branch on (an activation's numeric `id` and string `status`, history's `activations`
 * array), without rejecting fields the API may add. Money is the exception: every amount
 * ({@link MONEY_FIELDS}) leaves here as a number or not at all. A failed check throws a
 * {@link ResponseShapeError}; the caller turns it into an UnexpectedResponseError.
 */

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectObject(value: unknown, what: string): Json {
  if (!isObject(value)) throw new ResponseShapeError(`${what} is not a JSON object`);
  return value;
}

function expectArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ResponseShapeError(`${what} is not an array`);
  return value;
}

/** A finite number, also from a numeric string (some gateways stringify decimals). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** What an amount of each kind may be. A balance may in principle go below zero; a price may not. */
const MONEY_KINDS = {
  price: { min: 0, expected: 'a non-negative number' },
  balance: { min: Number.NEGATIVE_INFINITY, expected: 'a number' },
} as const satisfies Record<string, { min: number; expected: string }>;

type MoneyField = { kind: keyof typeof MONEY_KINDS; required: boolean };

/**
 * Every amount of every shape read here, in USD. A gateway may send `"0.35"` for `0.35`; passed
 * through, the string is stored as is downstream and the broker's ledger drops that line on
 * reload (its price is not a number), so the spend is forgotten. Hence ONE table: each amount
 * becomes a number, or the whole answer is refused. Optional fields that are absent or `null`
 * are left out. (`newPrice` of an error body is read above, with the error body.)
 */
const MONEY_FIELDS = {
  activation: { price: { kind: 'price', required: false } },
  balance: {
    balance: { kind: 'balance', required: true },
    review_balance: { kind: 'balance', required: false },
  },
  priceListItem: { p: { kind: 'price', required: true } },
  serviceInCountry: { price: { kind: 'price', required: true } },
} as const satisfies Record<string, Record<string, MoneyField>>;

/** A decimal as a JSON encoder writes one (`12`, `0.35`, `1.0E-5`); not hex, `Infinity` or blanks. */
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** `body` with the money fields of `shape` as numbers; throws naming the first field that is not. */
function withMoney(body: Json, shape: keyof typeof MONEY_FIELDS, what: string): Json {
  const out: Json = { ...body };
  for (const [field, rule] of Object.entries(MONEY_FIELDS[shape]) as Array<[string, MoneyField]>) {
    const value = body[field];
    if (value === undefined || value === null) {
      if (rule.required) throw new ResponseShapeError(`${what} has no "${field}"`);
      delete out[field];
      continue;
    }
    const amount = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
    const { min, expected } = MONEY_KINDS[rule.kind];
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < min) {
      // Short: the value is server text, and this message is not scrubbed like the body is.
      const shown = JSON.stringify(value)?.slice(0, 24) ?? String(value);
      throw new ResponseShapeError(`${what} has "${field}": ${shown}, which is not ${expected}`);
    }
    out[field] = amount;
  }
  return out;
}

/** An activation: numeric `id` and string `status` required; `code` normalised to a string. */
export function parseActivation(value: unknown, what = 'the activation'): Activation {
  const body = expectObject(value, what);
  if (typeof body.id !== 'number' || !Number.isSafeInteger(body.id)) {
    throw new ResponseShapeError(`${what} has no numeric "id"`);
  }
  if (typeof body.status !== 'string') throw new ResponseShapeError(`${what} has no string "status"`);
  const { code, ...rest } = withMoney(body, 'activation', what) as unknown as ActivationData & {
    code?: unknown;
  };
  const activation: Activation = rest;
  if (typeof code === 'number' && Number.isFinite(code)) activation.code = String(code);
  else if (typeof code === 'string' && code !== '') activation.code = code;
  return activation;
}

/** GET /activations: an `activations` array of activations. */
export function parseActivationsHistory(value: unknown): ActivationsHistoryPage {
  const body = expectObject(value, 'the history');
  const activations = expectArray(body.activations, 'the history\'s "activations"').map((item, i) =>
    parseActivation(item, `activation #${i} of the history`),
  );
  const page: ActivationsHistoryPage = { activations };
  for (const key of ['page', 'limit', 'pages', 'total'] as const) {
    const n = toNumber(body[key]);
    if (n !== undefined) page[key] = n;
  }
  return page;
}

/** GET /user/balance: a numeric `balance`, and `review_balance` when sent. */
export function parseUserBalance(value: unknown): UserBalance {
  const body = expectObject(value, 'the balance');
  const { balance, review_balance } = withMoney(body, 'balance', 'the balance') as Partial<UserBalance>;
  return review_balance === undefined
    ? { balance: balance as number }
    : { balance: balance as number, review_balance };
}

/** GET /services/pricelistByCountry: `[{ c, services: [{ s, p }] }]`. */
export function parsePricelistByCountry(value: unknown): PricelistByCountry {
  return expectArray(value, 'the price list').map((item, i) => {
    const entry = expectObject(item, `price list entry #${i}`);
    if (typeof entry.c !== 'string') throw new ResponseShapeError(`price list entry #${i} has no string "c"`);
    const services = priceListItems(entry.services, `price list entry #${i}'s "services"`);
    return { ...entry, services } as unknown as PricelistByCountry[number];
  });
}

/** GET /services/pricelistByService: `[{ s, countries: [{ c, p }] }]`. */
export function parsePricelistByService(value: unknown): PricelistByService {
  return expectArray(value, 'the price list').map((item, i) => {
    const entry = expectObject(item, `price list entry #${i}`);
    if (typeof entry.s !== 'string') throw new ResponseShapeError(`price list entry #${i} has no string "s"`);
    const countries = priceListItems(entry.countries, `price list entry #${i}'s "countries"`);
    return { ...entry, countries } as unknown as PricelistByService[number];
  });
}

/** The inner `[{ …, p }]` of either price list. */
function priceListItems(value: unknown, what: string): Json[] {
  return expectArray(value, what).map((item, j) =>
    withMoney(expectObject(item, `${what} #${j}`), 'priceListItem', `${what} #${j}`),
  );
}

/** GET /services/{serviceId}/countries/{countryId}: an object with a `services` array. */
export function parseSingleService(value: unknown): SingleService {
  const body = expectObject(value, 'the service');
  const services = expectArray(body.services, 'the service\'s "services"').map((item, i) =>
    withMoney(expectObject(item, `service #${i}`), 'serviceInCountry', `service #${i}`),
  );
  return { ...body, services } as unknown as SingleService;
}

/**
 * PUT /activations/{id}: a 2xx already means the retry was accepted. `{"result":"success"}` is
 * the spec's body; an empty body or another object is accepted too rather than reporting a
 * state change that happened as a failure (which would invite a second PUT).
 */
export function parseUpdateResult(value: unknown): { result: 'success' } {
  if (value !== undefined) expectObject(value, 'the update result');
  return { result: 'success' };
}

/**
 * Internal: a successful body that does not have the shape v1 promises; `message` names what is
 * wrong. Never escapes the client — it becomes an UnexpectedResponseError with the request's
 * method, path, status and body.
 */
export class ResponseShapeError extends Error {
  override name = 'ResponseShapeError';
}

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
  /** Any other refusal by name: 4xx, and 429 `lowSuccessRateException`/`TooManyActivationsPendingException`, which are not request-rate limits. */
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
