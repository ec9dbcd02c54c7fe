/**
 * The TempNumber v1 dialect: the sandbox's route table for `/api/v1` (reference §2) — one handler
 * per endpoint of ENDPOINTS, the limits of RATE_LIMITS, the `x-api-key` header and the API's
 * error body. The core runs it as a value; a second dialect is a module like this one.
 */

import { RATE_LIMITS } from '../../limits/rate-limits.ts';
import type {
  ActivationsHistory,
  ErrorBody,
  PricelistByCountry,
  PricelistByService,
  Response200,
  SingleService,
  UserBalance,
} from '../../providers/tempnumber-v1/wire.ts';
import {
  ENDPOINTS,
  type EndpointId,
  ERROR_NAMES,
  type ErrorName,
} from '../../providers/tempnumber-v1/wire.ts';
import { COUNTRIES } from '../catalog/countries.ts';
import { type Offer, SERVICES } from '../catalog/offers.ts';
import type { ApiContext, ApiHandler, ApiRouteTable, CoreReply } from '../core/route-table.ts';
import { jsonReply, parseJsonObject } from '../core/route-table.ts';
import { toActivationData } from '../core/sandbox-core.ts';
import {
  type Account,
  isLive,
  isRetryAvailable,
  isWaiting,
  leaseNumber,
  requestRetry,
  roundMoney,
  SANDBOX_RULES,
  type World,
  type WorldActivation,
} from '../core/world.ts';

/**
 * An API error answer: the HTTP status always comes from ERROR_NAMES, so the sandbox and the
 * client's classification cannot drift apart. The control surface answers with it too, so one
 * parser reads both.
 */
export function errorReply(
  errorName: ErrorName,
  errorMessage: string,
  extra: { newPrice?: number } = {},
): CoreReply {
  const body: ErrorBody = { errorName, errorMessage, ...extra };
  return jsonReply(ERROR_NAMES[errorName].status, body);
}

/**
 * The activation named by the `:id` segment, if it belongs to the caller's account. A
 * non-numeric id is 400 `InvalidRequestParamsException`; another account's activation is 404
 * like an unknown one, so ids reveal nothing about other accounts.
 */
function findOwnActivation({ world, account, params }: ApiContext): WorldActivation | CoreReply {
  const raw = params.id ?? '';
  // Up to 16 digits: the sandbox's own ids (wall-clock ms × 1000) have 16 until they pass 2^53.
  const id = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id)) {
    return errorReply(
      'InvalidRequestParamsException',
      `activation_id must be an integer, got ${JSON.stringify(raw)}`,
    );
  }
  const record = world.activations.find((a) => a.id === id && a.account === account);
  return record ?? errorReply('ResourceNotFoundException', `Activation ${id} not found`);
}

/** Narrow the result of {@link findOwnActivation}. */
function isReply(value: WorldActivation | CoreReply): value is CoreReply {
  return 'kind' in value;
}

/**
 * `POST /activations` `{serviceId, countryId, expectedPrice?}` → `ActivationData` in
 * `smsRequested`, price reserved. Checks, in this order (the first that fails answers):
 * 400 bad body → 404 unknown service/country → 429 `lowSuccessRateException` →
 * 429 `TooManyActivationsPendingException` → 503 no numbers → 409 `expectedPriceErrorException`
 * (with `newPrice`) → 402 `paymentRequired`.
 */
const newActivation: ApiHandler = ({ world, account, body, nowMs }) => {
  const request = parseLeaseRequest(body);
  if ('kind' in request) return request;
  const offer = world.catalog.offer(request.serviceId, request.countryId);
  if (!offer) {
    return errorReply(
      'ResourceNotFoundException',
      `Unknown service ${JSON.stringify(request.serviceId)} or country ${JSON.stringify(request.countryId)}`,
    );
  }
  const refusal = refuseLease(world, account, offer, request.expectedPrice, nowMs);
  if (refusal) return refusal;

  const record = leaseNumber(world, account, offer, offer.price, nowMs);
  return jsonReply(200, toActivationData(record, nowMs, world.iconBaseUrl));
};

function parseLeaseRequest(
  body: string,
): { serviceId: string; countryId: string; expectedPrice: number | undefined } | CoreReply {
  const json = parseJsonObject(body);
  if (!json) return errorReply('InvalidRequestParamsException', 'Body must be a JSON object');
  const { serviceId, countryId, expectedPrice } = json;
  if (typeof serviceId !== 'string' || serviceId === '') {
    return errorReply('InvalidRequestParamsException', 'serviceId is required (a string such as "facebook")');
  }
  if (typeof countryId !== 'string' || countryId === '') {
    return errorReply('InvalidRequestParamsException', 'countryId is required (a string such as "us")');
  }
  if (expectedPrice !== undefined && (typeof expectedPrice !== 'number' || !(expectedPrice >= 0))) {
    return errorReply('InvalidRequestParamsException', 'expectedPrice must be a non-negative number');
  }
  return { serviceId, countryId, expectedPrice };
}

/** The answer that refuses this lease, or undefined when it may go ahead. */
function refuseLease(
  world: World,
  account: Account,
  offer: Offer,
  expectedPrice: number | undefined,
  nowMs: number,
): CoreReply | undefined {
  const rule = SANDBOX_RULES.deliveryRule;
  const since = (nowMs - rule.windowMs) / 1000;
  const recent = world.activations.filter(
    (a) =>
      a.account === account &&
      a.serviceId === offer.serviceId &&
      a.countryId === offer.countryId &&
      a.createdAt > since,
  );
  const delivered = recent.filter((a) => a.smsReceived).length;
  if (recent.length >= rule.minActivations && delivered / recent.length < rule.minSuccessRatio) {
    return errorReply(
      'lowSuccessRateException',
      `Low success rate: ${delivered} of the last ${recent.length} ${offer.serviceId}/${offer.countryId} activations received an SMS`,
    );
  }
  const pending = world.activations.filter((a) => a.account === account && isWaiting(a)).length;
  if (pending >= SANDBOX_RULES.pendingCap) {
    return errorReply('TooManyActivationsPendingException', `Too many activations pending (${pending})`);
  }
  if (!offer.hasNumbers) {
    return errorReply(
      'ServiceUnavailableException',
      `No numbers available for ${offer.serviceId} in ${offer.countryId} right now`,
    );
  }
  if (expectedPrice !== undefined && offer.price > expectedPrice) {
    return errorReply('expectedPriceErrorException', `Price has changed to ${offer.price}`, {
      newPrice: offer.price,
    });
  }
  if (account.balance < offer.price) {
    return errorReply('paymentRequired', `Balance ${account.balance} is below the price ${offer.price}`);
  }
  return undefined;
}

/** `GET /activations/{id}` → `ActivationData`. */
const getActivation: ApiHandler = (context) => {
  const found = findOwnActivation(context);
  if (isReply(found)) return found;
  return jsonReply(200, toActivationData(found, context.nowMs, context.world.iconBaseUrl));
};

/** A positive integer query parameter, its default when absent, or undefined when invalid. */
function positiveInt(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  return /^\d{1,9}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : undefined;
}

/**
 * `GET /activations?page&limit` → `ActivationsHistory` of the caller's account, newest first,
 * `limit` at most 100 (reference "Decisions": history order and limit). A page past the end is
 * an empty list, not an error.
 */
const getActivationsHistory: ApiHandler = ({ world, account, query, nowMs }) => {
  const { defaultLimit, maxLimit } = SANDBOX_RULES.history;
  const page = positiveInt(query.get('page'), 1);
  const limit = positiveInt(query.get('limit'), defaultLimit);
  if (page === undefined) {
    return errorReply(
      'InvalidRequestParamsException',
      `page must be a positive integer, got ${query.get('page')}`,
    );
  }
  if (limit === undefined || limit > maxLimit) {
    return errorReply(
      'InvalidRequestParamsException',
      `limit must be an integer from 1 to ${maxLimit}, got ${query.get('limit')}`,
    );
  }
  // Ids grow with creation time, so "newest first" is "highest id first".
  const own = world.activations.filter((a) => a.account === account).sort((a, b) => b.id - a.id);
  const history: ActivationsHistory = {
    activations: own
      .slice((page - 1) * limit, page * limit)
      .map((a) => toActivationData(a, nowMs, world.iconBaseUrl)),
    page,
    limit,
    pages: Math.ceil(own.length / limit),
    total: own.length,
  };
  return jsonReply(200, history);
};

/**
 * `PUT /activations/{id}` `{"status":"retry"}` → `{"result":"success"}`: ask for another SMS on
 * the same number. Allowed before expiry after an SMS (smsReceived / retryReceived); the previous
 * SMS can no longer be read afterwards (reference §2). Expired → 410 `GoneException`; any other
 * state → 409 `ResourceBadStateException`. Retry is free and does not extend the lifetime.
 */
const updateActivation: ApiHandler = (context) => {
  const body = parseJsonObject(context.body);
  if (body?.status !== 'retry') {
    return errorReply('InvalidRequestParamsException', 'Body must be {"status":"retry"}');
  }
  const found = findOwnActivation(context);
  if (isReply(found)) return found;
  if (!isLive(found)) {
    return errorReply('GoneException', `Activation ${found.id} has expired (${found.status})`);
  }
  if (!isRetryAvailable(found)) {
    return errorReply(
      'ResourceBadStateException',
      `Activation ${found.id} is ${found.status}; a retry needs a received SMS`,
    );
  }
  requestRetry(found, context.nowMs);
  const result: Response200 = { result: 'success' };
  return jsonReply(200, result);
};

/**
 * `GET /user/balance` → `{balance, review_balance}`. `balance` already has the reserved prices
 * taken off. The API does not define "balance in review"; the sandbox reports the money
 * reserved by live activations that have not received an SMS yet (it either comes back as a
 * refund or is billed), which is 0 whenever nothing is pending.
 */
const getUserBalance: ApiHandler = ({ world, account }) => {
  const inReview = world.activations
    .filter((a) => a.account === account && isWaiting(a) && !a.smsReceived)
    .reduce((sum, a) => sum + a.price, 0);
  const body: UserBalance = { balance: account.balance, review_balance: roundMoney(inReview) };
  return jsonReply(200, body);
};

/** `GET /services/pricelistByCountry` → `[{c, services:[{s, p}]}]`, current prices. */
const getPricelistByCountry: ApiHandler = ({ world }) => {
  const byCountry = groupOffers(
    world,
    (o) => o.countryId,
    (o) => ({ s: o.serviceId, p: o.price }),
  );
  const body: PricelistByCountry = [...byCountry].map(([c, services]) => ({ c, services }));
  return jsonReply(200, body);
};

/**
 * `GET /services/pricelistByService` → `[{s, countries:[{c, p}]}]`, current prices (the PHP
 * client's and spec 1.2.7's shape; reference §3.5).
 */
const getPricelistByService: ApiHandler = ({ world }) => {
  const byService = groupOffers(
    world,
    (o) => o.serviceId,
    (o) => ({ c: o.countryId, p: o.price }),
  );
  const body: PricelistByService = [...byService].map(([s, countries]) => ({ s, countries }));
  return jsonReply(200, body);
};

/** Every current offer, grouped by `keyOf` in catalog order, each shaped by `entryOf`. */
function groupOffers<T>(
  world: World,
  keyOf: (offer: Offer) => string,
  entryOf: (offer: Offer) => T,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const offer of world.catalog.offers()) {
    const list = groups.get(keyOf(offer)) ?? [];
    list.push(entryOf(offer));
    groups.set(keyOf(offer), list);
  }
  return groups;
}

/**
 * `GET /services/{serviceId}/countries/{countryId}` → `SingleService` with one entry.
 * Unknown ids → 404 `ResourceNotFoundException`. The `prx-lang` header is accepted; the
 * sandbox has English texts only, so every language gets them.
 */
const getSingleService: ApiHandler = ({ world, params }) => {
  const serviceId = params.serviceId ?? '';
  const countryId = params.countryId ?? '';
  const offer = world.catalog.offer(serviceId, countryId);
  if (!offer) {
    return errorReply('ResourceNotFoundException', `Unknown service ${serviceId} or country ${countryId}`);
  }
  const service = SERVICES[offer.serviceId];
  const body: SingleService = {
    iconBaseUrl: world.iconBaseUrl,
    services: [
      {
        serviceId: offer.serviceId,
        serviceName: service.name,
        serviceIconPath: `services/${offer.serviceId}.svg`,
        countryId: offer.countryId,
        countryName: COUNTRIES[offer.countryId].name,
        countryIconPath: `countries/${offer.countryId}.svg`,
        isVirtual: offer.isVirtual,
        snippet: service.snippet,
        warning: service.warning,
        price: offer.price,
        hasNumbers: offer.hasNumbers,
      },
    ],
  };
  return jsonReply(200, body);
};

/**
 * The handler of every endpoint of ENDPOINTS. `satisfies` makes a new endpoint in the shared
 * table a type error here until the sandbox implements it.
 */
const HANDLERS = {
  getActivation,
  getActivationsHistory,
  newActivation,
  updateActivation,
  getPricelistByCountry,
  getPricelistByService,
  getSingleService,
  getUserBalance,
} as const satisfies Record<EndpointId, ApiHandler>;

/** TempNumber v1 under `/api/v1`, as a route table for the sandbox core. */
export const TEMPNUMBER_V1_ROUTES: ApiRouteTable = {
  prefix: '/api/v1',
  routes: (Object.keys(ENDPOINTS) as EndpointId[]).map((endpoint) => {
    const { method, path, bucket } = ENDPOINTS[endpoint];
    return { method, path, bucket, handler: HANDLERS[endpoint] };
  }),
  limits: RATE_LIMITS,
  apiKeyOf: (request) => request.headers['x-api-key'],
  refusals: {
    unauthorized: () => errorReply('UnauthorizedException', 'Missing or unknown x-api-key'),
    notFound: (message) => errorReply('ResourceNotFoundException', message),
    rateLimited: () => errorReply('TooManyRequestsException', 'Too many requests'),
    injectedError: () => errorReply('ServiceUnavailableException', 'Service Unavailable (injected fault)'),
  },
};
