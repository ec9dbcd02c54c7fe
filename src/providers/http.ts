/**
 * What every provider's HTTP client shares, whatever its dialect: its options, one call on the
 * rate-limit budget with retries by the policy of ./retry-policy.ts (docs/decisions/0014), one
 * attempt on the wire with its timeout and the key kept in, and reading an answer into a checked
 * value or the contract's errors (each dialect says how its error bodies map to them).
 */

import type { KyInstance } from 'ky';
import ky from 'ky';
import pRetry, { AbortError } from 'p-retry';
import { redactSecret, rootMessage, sanitizeCause } from '../config/redact.ts';
import type { RequestInfo } from '../contract/errors.ts';
import {
  type ApiError,
  ConfigurationError,
  NetworkError,
  type TempNumberError,
  UnexpectedResponseError,
} from '../contract/errors.ts';
import type { RequestBudget } from '../limits/budget.ts';
import { abortableDelay, raceAbort } from '../limits/budget.ts';
import type { Priority } from '../limits/rate-limits.ts';
import {
  type FailureKind,
  failureKind,
  MAX_HINTED_DELAY_MS,
  parseRetryHintMs,
  RETRY_POLICY,
  retryDelayMs,
} from './retry-policy.ts';

/** Options of an API client (and of a provider, which wraps one): the account, the API root, the budget. */
export interface TempNumberClientOptions {
  /**
   * The account's API key, sent as the `x-api-key` header (`X-Api-Key`: header names are case-insensitive). It never appears in an error's
   * message, properties or `cause`.
   */
  apiKey: string;
  /**
   * API root, up to and including `/api/v1`; a trailing slash is ignored.
   * @default the provider's own (TempNumber v1: 'https://tn-api.com/api/v1')
   * @example 'http://127.0.0.1:8787/api/v1' // a local sandbox
   */
  baseUrl?: string;
  /**
   * How long one attempt may take, from sending the request to the end of the body, in real
   * milliseconds. Waiting for the rate-limit budget is not counted.
   * @default 15000
   */
  timeoutMs?: number;
  /**
   * The rate-limit budget every attempt (retries included) waits for. Pass the broker's budget
   * to share one account's limits across processes.
   * @default createLocalBudget({ timeScale }) — this process only, the published limits
   */
  budget?: RequestBudget;
  /**
   * How many times faster than real time the API's clock runs: a sandbox at 600× passes a
   * 2-minute window in 200 ms. Divides retry backoff (never below a small real floor) and the
   * default budget's windows. Server `Retry-After` hints are real time and are not divided.
   * @default 1
   */
  timeScale?: number;
  /**
   * Retries of an idempotent GET after a network error, timeout, 5xx, 429 or garbled body
   * (see `RETRY_POLICY`). A lease (POST) and PUT are never retried.
   * @default 4
   */
  retries?: number;
  /**
   * The `fetch` the transport (ky) uses, e.g. to add a proxy dispatcher.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * `User-Agent` header.
   * @default 'playwright-tempnumber'
   */
  userAgent?: string;
}

/** The client's options with defaults applied and values checked. */
export interface ResolvedClientOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  timeScale: number;
  retries: number;
  fetch: typeof fetch | undefined;
  userAgent: string;
}

/** Apply defaults and check every value; throws a ConfigurationError naming the bad one. */
export function resolveClientOptions(
  options: TempNumberClientOptions,
  defaultBaseUrl: string,
): ResolvedClientOptions {
  if (typeof options?.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new ConfigurationError(
      'Expected `apiKey` to be a non-empty string. Set TEMPNUMBER_API_KEY or pass `apiKey` to the client.',
    );
  }
  const baseUrl = (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/i.test(baseUrl) || !URL.canParse(baseUrl)) {
    throw new ConfigurationError(
      `Expected \`baseUrl\` to be an http(s) URL such as ${defaultBaseUrl}, got ${JSON.stringify(redactSecret(baseUrl, options.apiKey.trim()))}.`,
    );
  }
  const timeoutMs = checkTimeoutMs(options.timeoutMs ?? 15_000, 'timeoutMs');
  const timeScale = options.timeScale ?? 1;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0) {
    throw new ConfigurationError(`Expected \`timeScale\` to be a positive number, got ${String(timeScale)}.`);
  }
  const retries = options.retries ?? 4;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) {
    throw new ConfigurationError(
      `Expected \`retries\` to be a non-negative integer, got ${String(retries)}.`,
    );
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new ConfigurationError(`Expected \`fetch\` to be a function, got ${typeof options.fetch}.`);
  }
  return {
    apiKey: options.apiKey.trim(),
    baseUrl,
    timeoutMs,
    timeScale,
    retries,
    fetch: options.fetch,
    userAgent: options.userAgent ?? 'playwright-tempnumber',
  };
}

/**
 * The transport of one client: ky with its own retry and timeout off (p-retry in
 * {@link callWithBudget} is the one owner of retries, and our timeout covers the body too), the
 * key in `x-api-key` on every request, and redirects not followed.
 */
export function createKy(options: ResolvedClientOptions): KyInstance {
  return ky.create({
    retry: 0,
    timeout: false,
    throwHttpErrors: false,
    // fetch would repeat the x-api-key header to whatever host a redirect names.
    redirect: 'manual',
    headers: { 'x-api-key': options.apiKey, accept: 'application/json', 'user-agent': options.userAgent },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** Options of one call. */
export interface RequestOptions {
  /** Abort the call: it rejects promptly with `signal.reason` and is never retried. */
  signal?: AbortSignal;
  /**
   * Class of the request inside its rate-limit bucket; higher classes keep headroom.
   * @default the budget's default
   */
  priority?: Priority;
  /** Per-attempt timeout for this call, real milliseconds. @default the client's `timeoutMs` */
  timeoutMs?: number;
  /**
   * Awaited after the budget granted an attempt and right before its request leaves; when it
   * throws, nothing is sent. The broker opens a lease intent here (lease-intents.ts).
   */
  beforeSend?: () => Promise<void>;
}

/** A positive, finite number of milliseconds that a timer can hold. */
export function checkTimeoutMs(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2_147_483_647) {
    throw new ConfigurationError(
      `Expected \`${name}\` to be a positive number of milliseconds, got ${String(value)}.`,
    );
  }
  return value;
}

/*
 * One call with retries: every attempt waits for the budget first, 429s are reported to it, and
 * `RETRY_POLICY` decides what is retried (only `autoRetry` calls: idempotent reads). p-retry
 * owns the loop; `AbortError` is how an attempt says "stop".
 */

/** What every call of one client shares. */
export interface HttpContext {
  http: KyInstance;
  budget: RequestBudget;
  apiKey: string;
  /** Per-attempt timeout unless the call sets one, real ms. */
  timeoutMs: number;
  timeScale: number;
  retries: number;
}

/** One call, ready to send: where, on which bucket, and how to read its answer. */
export interface HttpCall<B extends string, T> extends Omit<AttemptRequest, 'path'> {
  /** Path with ids filled in, relative to the API root (for messages). */
  path: string;
  bucket: B;
  /** May the client repeat it on its own (idempotent reads only)? */
  autoRetry: boolean;
  /** The value of a readable answer; throws the contract's error otherwise. */
  interpret: (raw: RawResponse) => T;
}

/** Run `call` with the budget, the per-attempt timeout and the retry policy. */
export async function callWithBudget<B extends string, T>(
  ctx: HttpContext,
  call: HttpCall<B, T>,
  opts: RequestOptions = {},
): Promise<T> {
  const timeoutMs =
    opts.timeoutMs === undefined ? ctx.timeoutMs : checkTimeoutMs(opts.timeoutMs, 'timeoutMs');
  const { signal } = opts;
  const acquireOptions = {
    ...(opts.priority === undefined ? {} : { priority: opts.priority }),
    ...(signal === undefined ? {} : { signal }),
  };
  let lastFailure: { kind: FailureKind; hintMs: number | undefined } = {
    kind: 'internal',
    hintMs: undefined,
  };

  const attempt = async (): Promise<T> => {
    let raw: RawResponse | undefined;
    try {
      const permit = await raceAbort(ctx.budget.acquire(call.bucket, acquireOptions), signal);
      try {
        await opts.beforeSend?.();
      } catch (error) {
        await permit.done();
        throw error;
      }
      // The permit's done time is the latest the request can have reached the server; the
      // budget counts it against the window until then (send-time confirmation, decision 0006).
      raw = await sendAttempt(
        ctx.http,
        {
          method: call.method,
          path: call.path,
          url: call.url,
          json: call.json,
          ...(call.headers ? { headers: call.headers } : {}),
          networkHint: call.networkHint,
        },
        { apiKey: ctx.apiKey, timeoutMs, signal },
      ).finally(() => permit.done());
      return call.interpret(raw);
    } catch (error) {
      // p-retry answers an abort with the signal's reason whatever we throw here.
      if (signal?.aborted) throw error;
      const kind = failureKind(error);
      const hintMs = raw ? parseRetryHintMs(raw.headers) : undefined;
      if (RETRY_POLICY[kind].reportRateLimited) {
        try {
          await ctx.budget.reportRateLimited(call.bucket, hintMs);
        } catch (budgetError) {
          throw new AbortError(asError(budgetError));
        }
      }
      const retry = call.autoRetry && RETRY_POLICY[kind].retry && (hintMs ?? 0) <= MAX_HINTED_DELAY_MS;
      if (!retry) throw new AbortError(asError(error));
      lastFailure = { kind, hintMs };
      throw error;
    }
  };

  return pRetry(attempt, {
    retries: call.autoRetry ? ctx.retries : 0,
    // p-retry's own delay is off: the wait depends on the failure (hint, budget, jittered backoff).
    minTimeout: 0,
    signal,
    onFailedAttempt: async ({ retriesLeft, retriesConsumed }) => {
      if (retriesLeft <= 0) return;
      const delay = retryDelayMs({
        kind: lastFailure.kind,
        retryNumber: retriesConsumed + 1,
        hintMs: lastFailure.hintMs,
        timeScale: ctx.timeScale,
      });
      await abortableDelay(delay, signal);
    },
  });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** `/activations/:id` + `{ id: 7 }` → `/activations/7`, each value URI-encoded. */
export function fillPath(template: string, params: Record<string, string | number>): string {
  return template.replace(/:(\w+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined)
      throw new ConfigurationError(`Missing path parameter \`${name}\` for ${template}.`);
    return encodeURIComponent(String(value));
  });
}

/*
 * One HTTP exchange through ky: send, read the whole body, or fail as a NetworkError. ky's own
 * retry is off (p-retry in `callEndpoint` above is the one owner of retries, STYLE "one owner") and
 * so is its timeout: ours covers the body read too and tells a timeout from the caller's abort.
 */

/** One request, ready to send. */
export interface AttemptRequest extends RequestInfo {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** Appended to a NetworkError's message (POST /activations: how to reconcile). */
  networkHint?: string | undefined;
}

/**
 * Send `request` and read its body within `timeoutMs` real milliseconds. Rejects with
 * `signal.reason` if the caller aborts, else with a NetworkError (`timedOut` for the timeout).
 */
export async function sendAttempt(
  http: KyInstance,
  request: AttemptRequest,
  init: { apiKey: string; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<RawResponse> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), init.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
  try {
    const response = await http(request.url, {
      method: request.method,
      signal,
      ...(request.json === undefined ? {} : { json: request.json }),
      ...(request.headers ? { headers: request.headers } : {}),
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    const info = { method: request.method, path: request.path, hint: request.networkHint };
    if (timeout.signal.aborted) {
      const cause = new Error(`no complete answer within ${init.timeoutMs} ms`);
      throw new NetworkError({ ...info, timedOut: true, cause });
    }
    throw new NetworkError({
      ...info,
      timedOut: false,
      cause: transportCause(error, init.apiKey),
      baseUrl: URL.canParse(request.url) ? new URL(request.url).origin : undefined,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A scrubbed copy of the transport error whose own message is the root reason
 * (`connect ECONNREFUSED 127.0.0.1:9`), not ky's generic "Request failed due to a network error".
 */
function transportCause(error: unknown, apiKey: string): Error {
  const cause = sanitizeCause(error, apiKey);
  cause.message = redactSecret(rootMessage(cause), apiKey);
  cause.stack = `${cause.name}: ${cause.message}`;
  return cause;
}

/** What came back for one attempt: status, headers and the whole body as text. */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

/*
 * One HTTP answer → a checked value or the error that says what went wrong. A body with an
 * `errorName` is an error whatever the status (both dialects); the dialect's `errorFrom` turns it
 * into the contract's class by its own name table. Anything unreadable becomes an
 * UnexpectedResponseError; nothing here can crash on a strange body.
 */

/** The request an answer belongs to, and what the errors need to know about it. */
export interface ResponseContext extends RequestInfo {
  /** Scrubbed from every server-provided string. */
  apiKey: string;
  /**
   * Set for the call that leases (spends money): where to look before leasing again, appended
   * when a 2xx cannot be read (the server accepted, so a number was probably leased).
   */
  leaseHint?: string | undefined;
}

/** An error body: `errorName` always, the rest as the dialect sends it. */
export interface RawErrorBody {
  errorName: string;
  errorMessage?: unknown;
  [field: string]: unknown;
}

/** What every ApiError of an answer carries, already scrubbed. */
export type ErrorInit = RequestInfo & { status: number; errorName: string; errorMessage: string };

/** A dialect's error-body reader: the contract's error for `body` (by its error-name table). */
export type ErrorFrom = (init: ErrorInit, body: RawErrorBody, raw: RawResponse) => ApiError;

/**
 * Parse and check a response: the value of `parse` for a 2xx with the expected shape; otherwise
 * throws an ApiError (or subclass) for an `errorName` body, else an UnexpectedResponseError.
 */
export function interpretResponse<T>(
  raw: RawResponse,
  ctx: ResponseContext,
  parse: (json: unknown) => T,
  errorFrom: ErrorFrom,
): T {
  const ok = raw.status >= 200 && raw.status < 300;
  const json = parseJson(raw.body);
  if (json.ok && hasErrorName(json.value)) throw errorFrom(errorInit(raw, json.value, ctx), json.value, raw);
  if (raw.status >= 300 && raw.status < 400) {
    const location = serverText(raw.headers.get('location') ?? 'nowhere', ctx, 200);
    throw unexpected(
      raw,
      ctx,
      `a redirect to ${location}, which the client does not follow (the API key must not travel to another host); set the base URL to the final one`,
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

// Any body with an `errorName` is an error, whatever the status (v1 reference §5.1; Platfone §6.1).
function hasErrorName(value: unknown): value is RawErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { errorName?: unknown }).errorName === 'string' &&
    (value as { errorName: string }).errorName !== ''
  );
}

function errorInit(raw: RawResponse, body: RawErrorBody, ctx: ResponseContext): ErrorInit {
  return {
    method: ctx.method,
    path: ctx.path,
    status: raw.status,
    errorName: serverText(body.errorName, ctx, 100),
    errorMessage: typeof body.errorMessage === 'string' ? serverText(body.errorMessage, ctx) : '',
  };
}

/** Longest server-provided text kept in an error (a misbehaving server could send megabytes). */
const MAX_SERVER_TEXT = 500;

/** Server text as errors may keep it: the key scrubbed, cut to `max` characters. */
export function serverText(text: string, ctx: ResponseContext, max = MAX_SERVER_TEXT): string {
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
  if (ctx.leaseHint === undefined) return problem;
  return `${problem}. The server accepted the request, so a number was probably leased (and may be billed): ${ctx.leaseHint}`;
}

/*
 * Helpers for the minimal checks of successful bodies at the edge: enough that callers can rely
 * on the fields they branch on, without rejecting fields the API may add. A failed check throws
 * a {@link ResponseShapeError}; `interpretResponse` turns it into an UnexpectedResponseError.
 */

/** A JSON object. */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, what: string): Json {
  if (!isObject(value)) throw new ResponseShapeError(`${what} is not a JSON object`);
  return value;
}

export function expectArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ResponseShapeError(`${what} is not an array`);
  return value;
}

/** A finite number, also from a numeric string (some gateways stringify decimals). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/**
 * Internal: a successful body that does not have the promised shape; `message` names what is
 * wrong. Never escapes the client — it becomes an UnexpectedResponseError with the request's
 * method, path, status and body.
 */
export class ResponseShapeError extends Error {
  override name = 'ResponseShapeError';
}
