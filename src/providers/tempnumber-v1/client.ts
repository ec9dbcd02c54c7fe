/**
 * The TempNumber v1 HTTP client: its options (checked once, the key never printed), one call to
 * an endpoint on the rate-limit budget with retries by the retry policy, and one attempt on the
 * wire. The provider (./provider.ts) wraps it in neutral terms; `playwright-tempnumber/client`
 * exports it on its own.
 */

import type { KyInstance } from 'ky';
import ky from 'ky';
import pRetry, { AbortError } from 'p-retry';
import { redactSecret, rootMessage, sanitizeCause } from '../../config/redact.ts';
import { DEFAULT_BASE_URL } from '../../config/settings.ts';
import type { RequestInfo } from '../../contract/errors.ts';
import { ConfigurationError, NetworkError } from '../../contract/errors.ts';
import type { RequestBudget } from '../../limits/budget.ts';
import { abortableDelay, createLocalBudget, MAX_IN_FLIGHT_MS, raceAbort } from '../../limits/budget.ts';
import { type Priority, V1_LIMIT_POLICY } from '../../limits/rate-limits.ts';
import {
  type FailureKind,
  failureKind,
  interpretResponse,
  MAX_HINTED_DELAY_MS,
  parseActivation,
  parseActivationsHistory,
  parsePricelistByCountry,
  parsePricelistByService,
  parseRetryHintMs,
  parseSingleService,
  parseUpdateResult,
  parseUserBalance,
  type RawResponse,
  RETRY_POLICY,
  type ResponseContext,
  retryDelayMs,
} from './responses.ts';
import type {
  Activation,
  ActivationsHistoryPage,
  ActivationUpdate,
  NewActivation,
  PricelistByCountry,
  PricelistByService,
  Response200,
  SingleService,
  UserBalance,
} from './wire.ts';
import { ENDPOINTS, type EndpointId } from './wire.ts';

/*
 * The TempNumber v1 client: one method per endpoint of ENDPOINTS, wire names kept, answers
 * checked at the edge. Usable on its own (`playwright-tempnumber/client`) or inside the broker
 * with its shared budget injected.
 */

/**
 * A TempNumber v1 client. Every method waits for the rate-limit budget, then sends; GETs retry
 * per `RETRY_POLICY`; POST and PUT never retry. Failures are TempNumberErrors: ApiError (and
 * RateLimitedError, PriceChangedError) when the API refused, UnexpectedResponseError for an
 * unreadable answer, NetworkError when none came; an abort rejects with the signal's reason.
 */
export interface TempNumberClient {
  /** `GET /activations/{id}`: one activation, to poll its status and SMS. */
  getActivation(id: number, opts?: RequestOptions): Promise<Activation>;
  /** `GET /activations`: one page of history, newest first on the sandbox. @param query.page 1-based. @param query.limit items per page. */
  getActivationsHistory(
    query?: { page?: number; limit?: number },
    opts?: RequestOptions,
  ): Promise<ActivationsHistoryPage>;
  /**
   * `POST /activations`: lease a number (spends money). Never retried: on a NetworkError the
   * lease may have happened — reconcile through history before trying again. With
   * `expectedPrice`, a higher price fails with PriceChangedError (carrying `newPrice`).
   */
  newActivation(body: NewActivation, opts?: RequestOptions): Promise<Activation>;
  /** `PUT /activations/{id}` `{status:"retry"}`: ask for another SMS (free). Never retried. */
  updateActivation(id: number, body: ActivationUpdate, opts?: RequestOptions): Promise<Response200>;
  /** `GET /services/pricelistByCountry`: `[{ c, services: [{ s, p }] }]`. Limited to 3/minute. */
  getPricelistByCountry(opts?: RequestOptions): Promise<PricelistByCountry>;
  /** `GET /services/pricelistByService`: `[{ s, countries: [{ c, p }] }]`. Limited to 3/minute. */
  getPricelistByService(opts?: RequestOptions): Promise<PricelistByService>;
  /**
   * `GET /services/{serviceId}/countries/{countryId}`: price and availability of one service in
   * one country. @param query.lang language of display texts (header `prx-lang`). @default 'en' (server)
   */
  getSingleService(
    serviceId: string,
    countryId: string,
    query?: { lang?: string },
    opts?: RequestOptions,
  ): Promise<SingleService>;
  /** `GET /user/balance`: `{ balance, review_balance }` in USD. Limited to 10/minute. */
  getUserBalance(opts?: RequestOptions): Promise<UserBalance>;
}

/**
 * Create a client for one TempNumber account.
 *
 * @example
 * const client = createTempNumberClient({ apiKey: process.env.TEMPNUMBER_API_KEY! });
 * const activation = await client.newActivation({ serviceId: 'facebook', countryId: 'us', expectedPrice: 0.8 });
 */
export function createTempNumberClient(options: TempNumberClientOptions): TempNumberClient {
  const resolved = resolveClientOptions(options);
  const ctx: ClientContext = {
    options: resolved,
    budget:
      options.budget ??
      createLocalBudget({
        timeScale: resolved.timeScale,
        policy: V1_LIMIT_POLICY,
        maxInFlightMs: Math.max(MAX_IN_FLIGHT_MS, 2 * resolved.timeoutMs),
      }),
    http: ky.create({
      retry: 0,
      timeout: false,
      throwHttpErrors: false,
      // fetch would repeat the x-api-key header to whatever host a redirect names.
      redirect: 'manual',
      headers: { 'x-api-key': resolved.apiKey, accept: 'application/json', 'user-agent': resolved.userAgent },
      ...(resolved.fetch ? { fetch: resolved.fetch } : {}),
    }),
  };

  return {
    getActivation: async (id, opts) =>
      callEndpoint(
        ctx,
        { endpoint: 'getActivation', pathParams: { id: checkId(id) }, parse: parseActivation },
        opts,
      ),

    getActivationsHistory: async (query = {}, opts) => {
      const searchParams: Record<string, number> = {};
      if (query.page !== undefined) searchParams.page = checkPositiveInteger(query.page, 'page');
      if (query.limit !== undefined) searchParams.limit = checkPositiveInteger(query.limit, 'limit');
      return callEndpoint(
        ctx,
        { endpoint: 'getActivationsHistory', searchParams, parse: parseActivationsHistory },
        opts,
      );
    },

    newActivation: async (body, opts) => {
      const json: NewActivation = {
        serviceId: checkText(body?.serviceId, 'serviceId'),
        countryId: checkText(body?.countryId, 'countryId'),
      };
      if (body.expectedPrice !== undefined) json.expectedPrice = checkPrice(body.expectedPrice);
      return callEndpoint(
        ctx,
        { endpoint: 'newActivation', json, expectedPrice: json.expectedPrice, parse: parseActivation },
        opts,
      );
    },

    updateActivation: async (id, body, opts) => {
      if (body?.status !== 'retry') {
        throw new ConfigurationError(
          `Expected \`status\` to be 'retry' (the only v1 update), got ${String(body?.status)}.`,
        );
      }
      const json: ActivationUpdate = { status: 'retry' };
      return callEndpoint(
        ctx,
        { endpoint: 'updateActivation', pathParams: { id: checkId(id) }, json, parse: parseUpdateResult },
        opts,
      );
    },

    getPricelistByCountry: async (opts) =>
      callEndpoint(ctx, { endpoint: 'getPricelistByCountry', parse: parsePricelistByCountry }, opts),

    getPricelistByService: async (opts) =>
      callEndpoint(ctx, { endpoint: 'getPricelistByService', parse: parsePricelistByService }, opts),

    getSingleService: async (serviceId, countryId, query = {}, opts) =>
      callEndpoint(
        ctx,
        {
          endpoint: 'getSingleService',
          pathParams: {
            serviceId: checkText(serviceId, 'serviceId'),
            countryId: checkText(countryId, 'countryId'),
          },
          ...(query.lang === undefined ? {} : { headers: { 'prx-lang': query.lang } }),
          parse: parseSingleService,
        },
        opts,
      ),

    getUserBalance: async (opts) =>
      callEndpoint(ctx, { endpoint: 'getUserBalance', parse: parseUserBalance }, opts),
  };
}

function checkId(value: number): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw new ConfigurationError(`Expected \`id\` to be a positive integer, got ${JSON.stringify(value)}.`);
}

function checkText(value: string, name: string): string {
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw new ConfigurationError(
    `Expected \`${name}\` to be a non-empty string, got ${JSON.stringify(value)}.`,
  );
}

function checkPositiveInteger(value: number, name: string): number {
  if (Number.isSafeInteger(value) && value > 0) return value;
  throw new ConfigurationError(
    `Expected \`${name}\` to be a positive integer, got ${JSON.stringify(value)}.`,
  );
}

function checkPrice(value: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new ConfigurationError(
    `Expected \`expectedPrice\` to be a non-negative number, got ${JSON.stringify(value)}.`,
  );
}

/*
 * Options of {@link createTempNumberClient} and of each call, with their defaults and checks.
 */

/** Options of {@link createTempNumberClient}. */
export interface TempNumberClientOptions {
  /**
   * The account's API key, sent as the `x-api-key` header. It never appears in an error's
   * message, properties or `cause`.
   */
  apiKey: string;
  /**
   * API root, up to and including `/api/v1`; a trailing slash is ignored.
   * @default 'https://tn-api.com/api/v1'
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
   * @default createLocalBudget over v1's published limits (RATE_LIMITS) — this process only
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
   * (see `RETRY_POLICY`). POST /activations and PUT are never retried.
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
export function resolveClientOptions(options: TempNumberClientOptions): ResolvedClientOptions {
  if (typeof options?.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new ConfigurationError(
      'Expected `apiKey` to be a non-empty string. Set TEMPNUMBER_API_KEY or pass `apiKey` to createTempNumberClient.',
    );
  }
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/i.test(baseUrl) || !URL.canParse(baseUrl)) {
    throw new ConfigurationError(
      `Expected \`baseUrl\` to be an http(s) URL such as ${DEFAULT_BASE_URL}, got ${JSON.stringify(redactSecret(baseUrl, options.apiKey.trim()))}.`,
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
 * One call of one endpoint, with retries: every attempt waits for the budget first, 429s are
 * reported to it, and `RETRY_POLICY` decides what is retried (only `autoRetry` endpoints, see
 * ENDPOINTS). p-retry owns the loop; `AbortError` is how an attempt says "stop".
 */

/** What every call of one client shares. */
export interface ClientContext {
  options: ResolvedClientOptions;
  budget: RequestBudget;
  http: KyInstance;
}

/** One call: which endpoint, its parameters, and how to check the answer. */
export interface EndpointCall<T> {
  endpoint: EndpointId;
  pathParams?: Record<string, string | number>;
  searchParams?: Record<string, number>;
  json?: unknown;
  headers?: Record<string, string>;
  /** Sent `expectedPrice`, named in a PriceChangedError. */
  expectedPrice?: number | undefined;
  parse: (json: unknown) => T;
}

// A lease whose answer was lost may have happened (DESIGN §5 "Never retried blindly").
const LEASE_UNCERTAIN =
  'The lease may have happened: reconcile through GET /activations (history) before trying again, ' +
  'or a second number will be leased and may be billed.';

/** Run `call` with the budget, the per-attempt timeout and the retry policy. */
export async function callEndpoint<T>(
  ctx: ClientContext,
  call: EndpointCall<T>,
  opts: RequestOptions = {},
): Promise<T> {
  const endpoint = ENDPOINTS[call.endpoint];
  const path = fillPath(endpoint.path, call.pathParams ?? {});
  const timeoutMs =
    opts.timeoutMs === undefined ? ctx.options.timeoutMs : checkTimeoutMs(opts.timeoutMs, 'timeoutMs');
  const { signal } = opts;
  const spendsMoney = call.endpoint === 'newActivation';
  const responseContext: ResponseContext = {
    method: endpoint.method,
    path,
    apiKey: ctx.options.apiKey,
    spendsMoney,
    expectedPrice: call.expectedPrice,
  };
  const url = new URL(ctx.options.baseUrl + path);
  for (const [key, value] of Object.entries(call.searchParams ?? {}))
    url.searchParams.set(key, String(value));
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
      const permit = await raceAbort(ctx.budget.acquire(endpoint.bucket, acquireOptions), signal);
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
          method: endpoint.method,
          path,
          url: url.href,
          json: call.json,
          ...(call.headers ? { headers: call.headers } : {}),
          networkHint: spendsMoney ? LEASE_UNCERTAIN : undefined,
        },
        { apiKey: ctx.options.apiKey, timeoutMs, signal },
      ).finally(() => permit.done());
      return interpretResponse(raw, responseContext, call.parse);
    } catch (error) {
      // p-retry answers an abort with the signal's reason whatever we throw here.
      if (signal?.aborted) throw error;
      const kind = failureKind(error);
      const hintMs = raw ? parseRetryHintMs(raw.headers) : undefined;
      if (RETRY_POLICY[kind].reportRateLimited) {
        try {
          await ctx.budget.reportRateLimited(endpoint.bucket, hintMs);
        } catch (budgetError) {
          throw new AbortError(asError(budgetError));
        }
      }
      const retry = endpoint.autoRetry && RETRY_POLICY[kind].retry && (hintMs ?? 0) <= MAX_HINTED_DELAY_MS;
      if (!retry) throw new AbortError(asError(error));
      lastFailure = { kind, hintMs };
      throw error;
    }
  };

  return pRetry(attempt, {
    retries: endpoint.autoRetry ? ctx.options.retries : 0,
    // p-retry's own delay is off: the wait depends on the failure (hint, budget, jittered backoff).
    minTimeout: 0,
    signal,
    onFailedAttempt: async ({ retriesLeft, retriesConsumed }) => {
      if (retriesLeft <= 0) return;
      const delay = retryDelayMs({
        kind: lastFailure.kind,
        retryNumber: retriesConsumed + 1,
        hintMs: lastFailure.hintMs,
        timeScale: ctx.options.timeScale,
      });
      await abortableDelay(delay, signal);
    },
  });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** `/activations/:id` + `{ id: 7 }` → `/activations/7`, each value URI-encoded. */
function fillPath(template: string, params: Record<string, string | number>): string {
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
