/**
 * The TempNumber v1 HTTP client: one method per endpoint, each a call of ../http.ts (options,
 * the rate-limit budget, retries by ../retry-policy.ts, one attempt on the wire) with v1's paths
 * and error reader. The provider (./provider.ts) wraps it in neutral terms;
 * `playwright-tempnumber/client` exports it on its own.
 */

import { DEFAULT_BASE_URL } from '../../config/settings.ts';
import { ConfigurationError } from '../../contract/errors.ts';
import { createLocalBudget, MAX_IN_FLIGHT_MS } from '../../limits/budget.ts';
import { V1_LIMIT_POLICY } from '../../limits/rate-limits.ts';
import {
  callWithBudget,
  createKy,
  fillPath,
  type HttpContext,
  interpretResponse,
  type RequestOptions,
  type ResolvedClientOptions,
  type ResponseContext,
  resolveClientOptions,
  type TempNumberClientOptions,
} from '../http.ts';
import {
  parseActivation,
  parseActivationsHistory,
  parsePricelistByCountry,
  parsePricelistByService,
  parseSingleService,
  parseUpdateResult,
  parseUserBalance,
  v1ErrorFrom,
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
  const resolved = resolveClientOptions(options, DEFAULT_BASE_URL);
  const ctx: ClientContext = {
    options: resolved,
    http: {
      budget:
        options.budget ??
        createLocalBudget({
          timeScale: resolved.timeScale,
          policy: V1_LIMIT_POLICY,
          maxInFlightMs: Math.max(MAX_IN_FLIGHT_MS, 2 * resolved.timeoutMs),
        }),
      http: createKy(resolved),
      apiKey: resolved.apiKey,
      timeoutMs: resolved.timeoutMs,
      timeScale: resolved.timeScale,
      retries: resolved.retries,
    },
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
 * One call of one endpoint: its path, bucket and retry rule from ENDPOINTS, its answer read by
 * ./responses.ts; the budget, retries and the wire are ../http.ts (shared by every provider).
 */

/** What every call of one client shares. */
export interface ClientContext {
  options: ResolvedClientOptions;
  http: HttpContext;
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
  const spendsMoney = call.endpoint === 'newActivation';
  const responseContext: ResponseContext = {
    method: endpoint.method,
    path,
    apiKey: ctx.options.apiKey,
    leaseHint: spendsMoney ? 'find it in GET /activations (history) before leasing again' : undefined,
  };
  const url = new URL(ctx.options.baseUrl + path);
  for (const [key, value] of Object.entries(call.searchParams ?? {}))
    url.searchParams.set(key, String(value));
  return callWithBudget(
    ctx.http,
    {
      method: endpoint.method,
      path,
      url: url.href,
      bucket: endpoint.bucket,
      autoRetry: endpoint.autoRetry,
      json: call.json,
      ...(call.headers ? { headers: call.headers } : {}),
      networkHint: spendsMoney ? LEASE_UNCERTAIN : undefined,
      interpret: (raw) =>
        interpretResponse(raw, responseContext, call.parse, v1ErrorFrom(call.expectedPrice)),
    },
    opts,
  );
}
