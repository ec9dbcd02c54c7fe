/**
 * The Platfone Activation API client: one method per endpoint of PLATFONE_ENDPOINTS, wire names
 * kept, answers checked at the edge, error bodies read into the contract's errors by name. The
 * budget, retries, timeout and the key's redaction are the shared ../http.ts; the provider
 * (./provider.ts) translates the answers into neutral terms.
 */

import { ApiError, ConfigurationError, PriceChangedError, RateLimitedError } from '../../contract/errors.ts';
import { createLocalBudget, MAX_IN_FLIGHT_MS, type RequestBudget } from '../../limits/budget.ts';
import {
  callWithBudget,
  createKy,
  type ErrorFrom,
  expectArray,
  expectObject,
  fillPath,
  type HttpContext,
  interpretResponse,
  type Json,
  type RequestOptions,
  type ResolvedClientOptions,
  type ResponseContext,
  ResponseShapeError,
  resolveClientOptions,
  type TempNumberClientOptions,
  toNumber,
} from '../http.ts';
import { parseRetryHintMs } from '../retry-policy.ts';
import { centsToUsd, PLATFONE_LIMIT_POLICY } from './tables.ts';
import {
  bucketOfEndpoint,
  familyOfErrorName,
  type NewActivationBody,
  PLATFONE_ENDPOINTS,
  type PlatfoneActivation,
  type PlatfoneBalance,
  type PlatfoneCountry,
  type PlatfoneEndpointId,
  type PlatfoneErrorBody,
  type PlatfoneHistoryPage,
  type PlatfonePriceInfo,
  type PlatfonePriceListRow,
  type PlatfoneService,
} from './wire.ts';

/** Platfone's production API root (reference §1); its hosted sandbox is `…/test/api/v1`. */
export const PLATFONE_BASE_URL = 'https://temp-number-api.com/api/v1';

/** A catalog read with `If-None-Match`: the new list and its ETag, or "unchanged" (304). */
export type CatalogAnswer<T> =
  | { notModified: true }
  | { notModified: false; value: T; etag: string | undefined };

/**
 * A Platfone client. Every method waits for the rate-limit budget, then sends; GETs retry per
 * `RETRY_POLICY`; POST and PUT never retry. Failures are the contract's errors, as v1's client.
 */
export interface PlatfoneClient {
  /** `GET /activation/{id}`. */
  getActivation(id: string, opts?: RequestOptions): Promise<PlatfoneActivation>;
  /** `GET /activation/history` (PROBABLE path): one page, 1-based. */
  getHistory(query: { page: number; limit: number }, opts?: RequestOptions): Promise<PlatfoneHistoryPage>;
  /**
   * `POST /activation`: order a number (reserves money). Never retried. With `max_price`, a higher
   * price fails with PriceChangedError (`newPrice` in USD); nothing is re-ordered.
   */
  newActivation(body: NewActivationBody, opts?: RequestOptions): Promise<PlatfoneActivation>;
  /** `PUT /activation/{id}/cancel`: refunds; only before an SMS and from `cancelable_after`. */
  cancelActivation(id: string, opts?: RequestOptions): Promise<void>;
  /** `PUT /activation/{id}/retry`: one more SMS, free. */
  retryActivation(id: string, opts?: RequestOptions): Promise<void>;
  /** `PUT /activation/{id}/finalize` (PROBABLE path): end a billed activation early. */
  finalizeActivation(id: string, opts?: RequestOptions): Promise<void>;
  /** `GET /user/balance`: `{ total, reserved }` in cents. */
  getBalance(opts?: RequestOptions): Promise<PlatfoneBalance>;
  /** `GET /activation/prices/services/{service}/countries/{country}`: cents. */
  getPrice(serviceId: string, countryId: string, opts?: RequestOptions): Promise<PlatfonePriceInfo>;
  /** `GET /activation/prices/services` (PROBABLE path): every service with its countries. */
  getPriceList(opts?: RequestOptions): Promise<PlatfonePriceListRow[]>;
  /** `GET /activation/countries` with `If-None-Match: etag` when given. */
  getCountries(etag: string | undefined, opts?: RequestOptions): Promise<CatalogAnswer<PlatfoneCountry[]>>;
  /** `GET /activation/services` with `If-None-Match: etag` when given. */
  getServices(etag: string | undefined, opts?: RequestOptions): Promise<CatalogAnswer<PlatfoneService[]>>;
}

/**
 * Create a client for one Platfone account. The budget must be one built over PLATFONE_LIMIT_POLICY
 * (the default: this process only); decision 0020.
 *
 * @example
 * const client = createPlatfoneClient({ apiKey, baseUrl: 'https://temp-number-api.com/test/api/v1' });
 */
export function createPlatfoneClient(options: TempNumberClientOptions): PlatfoneClient {
  const resolved = resolveClientOptions(options, PLATFONE_BASE_URL);
  const budget: RequestBudget =
    options.budget ??
    createLocalBudget({
      policy: PLATFONE_LIMIT_POLICY,
      timeScale: resolved.timeScale,
      maxInFlightMs: Math.max(MAX_IN_FLIGHT_MS, 2 * resolved.timeoutMs),
    });
  const http: HttpContext = {
    budget,
    http: createKy(resolved),
    apiKey: resolved.apiKey,
    timeoutMs: resolved.timeoutMs,
    timeScale: resolved.timeScale,
    retries: resolved.retries,
  };
  const call = <T>(
    endpoint: PlatfoneEndpointId,
    c: Omit<PlatfoneCall<T>, 'endpoint'>,
    opts?: RequestOptions,
  ) => callEndpoint(resolved, http, { endpoint, ...c }, opts);
  const catalog =
    <T>(endpoint: 'getCountries' | 'getServices', parse: (json: unknown) => T) =>
    (etag: string | undefined, opts?: RequestOptions) =>
      call<CatalogAnswer<T>>(
        endpoint,
        {
          ...(etag === undefined ? {} : { headers: { 'if-none-match': etag } }),
          read: (raw, interpret) =>
            raw.status === 304
              ? { notModified: true }
              : {
                  notModified: false,
                  value: interpret(parse),
                  etag: raw.headers.get('x-etag') ?? raw.headers.get('etag') ?? undefined,
                },
        },
        opts,
      );

  return {
    getActivation: (id, opts) =>
      call(
        'getActivation',
        { pathParams: { id: checkText(id, 'id') }, read: parsed(parsePlatfoneActivation) },
        opts,
      ),
    getHistory: (query, opts) =>
      call(
        'getHistory',
        {
          searchParams: {
            page: checkPositiveInteger(query.page, 'page'),
            limit: checkPositiveInteger(query.limit, 'limit'),
          },
          read: parsed(parseHistory),
        },
        opts,
      ),
    newActivation: (body, opts) => {
      const json: NewActivationBody = {
        service_id: checkText(body?.service_id, 'service_id'),
        country_id: checkText(body?.country_id, 'country_id'),
      };
      if (body.max_price !== undefined) json.max_price = checkCents(body.max_price, 'max_price');
      if (body.order_id !== undefined) json.order_id = checkText(body.order_id, 'order_id');
      if (body.quality_factor !== undefined) json.quality_factor = checkQuality(body.quality_factor);
      return call(
        'newActivation',
        {
          json,
          maxPriceUsd: json.max_price === undefined ? undefined : centsToUsd(json.max_price),
          read: parsed(parsePlatfoneActivation),
        },
        opts,
      );
    },
    cancelActivation: (id, opts) =>
      call('cancelActivation', { pathParams: { id: checkText(id, 'id') }, read: parsed(parseSuccess) }, opts),
    retryActivation: (id, opts) =>
      call('retryActivation', { pathParams: { id: checkText(id, 'id') }, read: parsed(parseSuccess) }, opts),
    finalizeActivation: (id, opts) =>
      call(
        'finalizeActivation',
        { pathParams: { id: checkText(id, 'id') }, read: parsed(parseSuccess) },
        opts,
      ),
    getBalance: (opts) => call('getBalance', { read: parsed(parseBalance) }, opts),
    getPrice: (serviceId, countryId, opts) =>
      call(
        'getPrice',
        {
          pathParams: {
            serviceId: checkText(serviceId, 'serviceId'),
            countryId: checkText(countryId, 'countryId'),
          },
          read: parsed(parsePriceInfo),
        },
        opts,
      ),
    getPriceList: (opts) => call('getPriceList', { read: parsed(parsePriceList) }, opts),
    getCountries: catalog('getCountries', parseCountries),
    getServices: catalog('getServices', parseServices),
  };
}

/** One call of one endpoint: parameters, and how to read its answer. */
interface PlatfoneCall<T> {
  endpoint: PlatfoneEndpointId;
  pathParams?: Record<string, string>;
  searchParams?: Record<string, number>;
  json?: unknown;
  headers?: Record<string, string>;
  /** The max price sent (USD), named in a PriceChangedError. */
  maxPriceUsd?: number | undefined;
  /** How to read the answer: usually {@link parsed}; a catalog looks at the status first (304). */
  read: Reader<T>;
}

/** Reads one answer; `interpret` checks the body with a parser (or throws the contract's error). */
type Reader<T> = (
  raw: { status: number; headers: Headers },
  interpret: <U>(parse: (json: unknown) => U) => U,
) => T;

/** The usual reader: the body checked by `parse`. */
function parsed<T>(parse: (json: unknown) => T): Reader<T> {
  return (_raw, interpret) => interpret(parse);
}

// A lease whose answer was lost may have happened (DESIGN §5 "Never retried blindly").
const LEASE_HINT = 'find it in GET /activation/history (or GET /activations) before ordering again';

async function callEndpoint<T>(
  options: ResolvedClientOptions,
  http: HttpContext,
  call: PlatfoneCall<T>,
  opts: RequestOptions = {},
): Promise<T> {
  const endpoint = PLATFONE_ENDPOINTS[call.endpoint];
  const path = fillPath(endpoint.path, call.pathParams ?? {});
  const spendsMoney = call.endpoint === 'newActivation';
  const ctx: ResponseContext = {
    method: endpoint.method,
    path,
    apiKey: options.apiKey,
    leaseHint: spendsMoney ? LEASE_HINT : undefined,
  };
  const url = new URL(options.baseUrl + path);
  for (const [key, value] of Object.entries(call.searchParams ?? {}))
    url.searchParams.set(key, String(value));
  const errorFrom = platfoneErrorFrom(call.maxPriceUsd);
  return callWithBudget(
    http,
    {
      method: endpoint.method,
      path,
      url: url.href,
      bucket: bucketOfEndpoint(call.endpoint),
      autoRetry: endpoint.autoRetry,
      json: call.json,
      ...(call.headers ? { headers: call.headers } : {}),
      networkHint: spendsMoney
        ? `The order may have happened: ${LEASE_HINT}, or a second number may be billed.`
        : undefined,
      interpret: (raw) => {
        const interpret = <U>(parse: (json: unknown) => U) => interpretResponse(raw, ctx, parse, errorFrom);
        return call.read(raw, interpret);
      },
    },
    opts,
  );
}

/*
 * Error bodies (reference §6): `{ errorName, errorMessage }`, by name into the contract's classes.
 */

/** The reader of Platfone error bodies; `maxPriceUsd` is named in a PriceChangedError. */
function platfoneErrorFrom(maxPriceUsd: number | undefined): ErrorFrom {
  return (init, body, raw) => {
    const family = familyOfErrorName(body.errorName);
    if (family === 'rateLimited')
      return new RateLimitedError({ ...init, retryAfterMs: parseRetryHintMs(raw.headers) });
    if (family === 'priceChanged') {
      // `suggestedPrice` is cents (reference §5); never re-ordered here: the caller raises its max.
      const cents = toNumber((body as Partial<PlatfoneErrorBody>).suggestedPrice);
      return new PriceChangedError({
        ...init,
        newPrice: cents === undefined || cents < 0 ? undefined : centsToUsd(cents),
        expectedPrice: maxPriceUsd,
      });
    }
    return new ApiError({ ...init, family });
  };
}

/*
 * Minimal checks of successful bodies: the fields the provider branches on, amounts as numbers
 * (cents, non-negative for prices), ids as text. Unknown extra fields pass through.
 */

/** An activation: text `activation_id` (a number is written in decimal) and the three status words. */
export function parsePlatfoneActivation(value: unknown, what = 'the activation'): PlatfoneActivation {
  const body = expectObject(value, what);
  const id = body.activation_id;
  if (!((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isSafeInteger(id)))) {
    throw new ResponseShapeError(`${what} has no "activation_id"`);
  }
  for (const field of ['activation_status', 'sms_status', 'billing_status'] as const) {
    if (typeof body[field] !== 'string') throw new ResponseShapeError(`${what} has no string "${field}"`);
  }
  const out: Json = { ...body, activation_id: String(id) };
  const price = optionalAmount(body, 'price', what, 0);
  if (price === undefined) delete out.price;
  else out.price = price;
  for (const field of ['expire_at', 'created_at', 'updated_at'] as const) {
    const n = toNumber(body[field]);
    if (n === undefined) delete out[field];
    else out[field] = n;
  }
  // null is meaningful here: the activation cannot be cancelled (reference §3.1).
  const cancelable = body.cancelable_after === null ? null : toNumber(body.cancelable_after);
  if (cancelable === undefined) delete out.cancelable_after;
  else out.cancelable_after = cancelable;
  if (typeof body.phone === 'number') out.phone = String(body.phone);
  return out as unknown as PlatfoneActivation;
}

function parseHistory(value: unknown): PlatfoneHistoryPage {
  const body = expectObject(value, 'the history');
  const activations = expectArray(body.activations, 'the history\'s "activations"').map((item, i) =>
    parsePlatfoneActivation(item, `activation #${i} of the history`),
  );
  const page: PlatfoneHistoryPage = { activations };
  for (const key of ['page', 'limit', 'pages', 'total'] as const) {
    const n = toNumber(body[key]);
    if (n !== undefined) page[key] = n;
  }
  return page;
}

function parseBalance(value: unknown): PlatfoneBalance {
  const body = expectObject(value, 'the balance');
  const total = optionalAmount(body, 'total', 'the balance', Number.NEGATIVE_INFINITY);
  if (total === undefined) throw new ResponseShapeError('the balance has no "total"');
  return { total, reserved: optionalAmount(body, 'reserved', 'the balance', 0) ?? 0 };
}

function parsePriceInfo(value: unknown): PlatfonePriceInfo {
  const body = expectObject(value, 'the price');
  const out: PlatfonePriceInfo = {};
  if (body.price !== undefined && body.price !== null) {
    const price = expectObject(body.price, 'the price\'s "price"');
    out.price = {};
    for (const key of ['min', 'max', 'suggested'] as const) {
      const cents = optionalAmount(price, key, 'the price', 0);
      if (cents !== undefined) out.price[key] = cents;
    }
  }
  const count = toNumber(body.count);
  if (count !== undefined) out.count = count;
  return out;
}

// The web app reads `data[0].countries`, a sandbox client `data.countries` (reference §2.2
// CONFLICT): both are accepted.
function parsePriceList(value: unknown): PlatfonePriceListRow[] {
  const rows = Array.isArray(value) ? value : [value];
  return rows.map((item, i) => {
    const row = expectObject(item, `price list row #${i}`);
    if (typeof row.service_id !== 'string')
      throw new ResponseShapeError(`price list row #${i} has no "service_id"`);
    const countries = expectArray(row.countries, `price list row #${i}'s "countries"`).map((c, j) => {
      const country = expectObject(c, `price list row #${i} country #${j}`);
      if (typeof country.country_id !== 'string') {
        throw new ResponseShapeError(`price list row #${i} country #${j} has no "country_id"`);
      }
      const priceField = country.price;
      const cents = isJsonObject(priceField)
        ? optionalAmount(priceField, 'suggested', `price list row #${i} country #${j}`, 0)
        : optionalAmount(country, 'price', `price list row #${i} country #${j}`, 0);
      const count = toNumber(country.count);
      return {
        country_id: country.country_id,
        ...(cents === undefined ? {} : { price: cents }),
        ...(count === undefined ? {} : { count }),
      };
    });
    return { service_id: row.service_id, countries };
  });
}

function parseCountries(value: unknown): PlatfoneCountry[] {
  return expectArray(value, 'the countries').map((item, i) => {
    const row = expectObject(item, `country #${i}`);
    if (typeof row.country_id !== 'string') throw new ResponseShapeError(`country #${i} has no "country_id"`);
    return row as unknown as PlatfoneCountry;
  });
}

function parseServices(value: unknown): PlatfoneService[] {
  return expectArray(value, 'the services').map((item, i) => {
    const row = expectObject(item, `service #${i}`);
    if (typeof row.service_id !== 'string') throw new ResponseShapeError(`service #${i} has no "service_id"`);
    return row as unknown as PlatfoneService;
  });
}

/**
 * PUT cancel/retry/finalize: a 2xx already means the change was accepted. `{"result":"success"}`
 * is what the official clients see; an empty or other body is accepted too rather than reporting
 * a change that happened as a failure (decision 0014).
 */
function parseSuccess(value: unknown): void {
  if (value !== undefined) expectObject(value, 'the result');
}

function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An amount in cents (also from a numeric string); undefined when absent or null. */
function optionalAmount(body: Json, field: string, what: string, min: number): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  const n = toNumber(value);
  if (n === undefined || n < min) {
    const shown = JSON.stringify(value)?.slice(0, 24) ?? String(value);
    throw new ResponseShapeError(`${what} has "${field}": ${shown}, which is not an amount in cents`);
  }
  return n;
}

function checkText(value: string | undefined, name: string): string {
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

function checkCents(value: number, name: string): number {
  if (Number.isSafeInteger(value) && value >= 0) return value;
  throw new ConfigurationError(
    `Expected \`${name}\` to be a non-negative whole number of cents, got ${JSON.stringify(value)}.`,
  );
}

function checkQuality(value: number): number {
  if (Number.isInteger(value) && value >= 0 && value <= 100) return value;
  throw new ConfigurationError(
    `Expected \`quality_factor\` to be an integer from 0 to 100, got ${JSON.stringify(value)}.`,
  );
}
