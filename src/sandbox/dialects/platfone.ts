/**
 * The Platfone Activation API dialect (temp-number-api.com, reference
 * `platfone-activation-api.md`): the sandbox's route table for `/api/v1` with the `X-Api-Key`
 * header — snake_case, string ids, cents, unix seconds, three status fields and a real cancel and
 * finalize. It runs over the same world as TempNumber v1 and translates at its edge: the world
 * keeps v1's status words and USD; this module states `activation_status`, `sms_status` and
 * `billing_status` from a world record, and keeps what only Platfone has (price orders from a
 * 409, pair blocks of the delivery rule) per account. Choices where the reference is silent:
 * docs/decisions/0019-platfone-sandbox.md.
 *
 * The wire shapes are declared here until `src/providers/platfone/wire.ts` exists; then they
 * move there and this module imports them, as the v1 dialect does.
 */
import { createHash } from 'node:crypto';
import { PLATFONE_RATE_LIMITS } from '../../providers/platfone/wire.ts';
import type { ActivationStatus } from '../../providers/tempnumber-v1/wire.ts';
import { COUNTRIES, type CountryId } from '../catalog/countries.ts';
import { type Offer, SERVICES } from '../catalog/offers.ts';
import type { ApiContext, ApiRoute, ApiRouteTable, CoreReply } from '../core/route-table.ts';
import { jsonReply, parseJsonObject } from '../core/route-table.ts';
import {
  type Account,
  endActivation,
  isLive,
  isRetryAvailable,
  leaseNumber,
  requestRetry,
  roundMoney,
  type World,
  type WorldActivation,
} from '../core/world.ts';

// ---------------------------------------------------------------------------------------------
// Wire shapes (reference §3, §6)

/** `activation_status` (reference §3.1; US spelling `canceled`). */
type PlatfoneActivationStatus = 'active' | 'finalized' | 'expired' | 'canceled';
/** `sms_status`. */
type PlatfoneSmsStatus = 'smsRequested' | 'smsReceived' | 'retryRequested' | 'retryReceived';
/** `billing_status`; `refunded` follows an approved report, which the sandbox never has. */
type PlatfoneBillingStatus = 'reserved' | 'released' | 'billed' | 'refunded';

/** The Activation object (reference §3.1): cents, unix seconds, a phone without `+`. */
interface PlatfoneActivation {
  activation_id: string;
  phone: string;
  country_id: string;
  service_id: string;
  activation_status: PlatfoneActivationStatus;
  sms_status: PlatfoneSmsStatus;
  billing_status: PlatfoneBillingStatus;
  report_status: 'inReview' | 'declined' | 'approved' | null;
  sms_code: string | null;
  sms_text: string | null;
  price: number;
  expire_at: number;
  created_at: number;
  updated_at: number;
  is_retriable: boolean;
  cancelable_after: number | null;
}

interface PlatfoneCountry {
  country_id: string;
  name: string;
  alt_name: string;
  codes: string[];
}

interface PlatfoneService {
  service_id: string;
  name: string;
  alt_name: string;
  has_description: boolean;
  has_warning: boolean;
  prohibited: boolean;
}

/** `GET /activation/prices/services/{s}/countries/{c}` (reference §3.4), cents. */
interface PlatfonePriceInfo {
  price: { min: number; max: number; suggested: number };
  quality: { avg: number };
  count: number;
}

/** One entry of the price lists (reference §2.2, the web app's array shape). */
interface PlatfonePriceEntry {
  price: number;
  quality: number;
  count: number;
}

interface PlatfoneHistory {
  activations: PlatfoneActivation[];
  page: number;
  limit: number;
  pages: number;
  total: number;
}

/**
 * Every error the dialect answers, by `errorName`, with its HTTP status (reference §6.2). Names
 * the reference has not seen on the Activation API are the predecessor's (marked); decision 0019.
 */
const PLATFONE_ERRORS = {
  InvalidRequestParamsException: { status: 400 }, // legacy name
  UnauthorizedException: { status: 401 },
  PaymentRequiredException: { status: 402 },
  ResourceNotFoundException: { status: 404 }, // legacy name; generic not-found, "Order not found"
  NoNumbersAvailableException: { status: 404 },
  MaxPriceExceededException: { status: 409 },
  ResourceBadStateException: { status: 409 }, // legacy name
  GoneException: { status: 410 }, // legacy name
  TooManyRequestsException: { status: 429 },
  LowSuccessRateException: { status: 429 },
  TooManyActivationsException: { status: 429 },
  ServiceUnavailableException: { status: 503 }, // legacy name
} as const satisfies Record<string, { status: number }>;

type PlatfoneErrorName = keyof typeof PLATFONE_ERRORS;

/** The error body (reference §6.1); a 409 price conflict adds `suggestedPrice` and `orderId`. */
interface PlatfoneErrorBody {
  errorName: PlatfoneErrorName;
  errorMessage: string;
  suggestedPrice?: number;
  orderId?: string;
}

// ---------------------------------------------------------------------------------------------
// Rules and limits

/**
 * Platfone's account rules as the sandbox applies them (reference §7; decision 0019 for the
 * values no source gives), as one table so tests and docs can quote them.
 */
export const PLATFONE_SANDBOX_RULES = {
  /** Live (`active`) activations per account before `TooManyActivationsException`. */
  activeCap: 20,
  /** The minimum success rate, per account + service + country. */
  deliveryRule: {
    /** Counted once at least this many numbers were ordered in the window ("after the 10th"). */
    minActivations: 10,
    /** Below this share of numbers with a first SMS the pair is blocked. */
    minSuccessRatio: 0.07,
    /** Rolling window, API milliseconds (24 h). */
    windowMs: 24 * 60 * 60 * 1000,
    /** How long a tripped pair stays blocked, API milliseconds (24 h), whatever arrives later. */
    blockMs: 24 * 60 * 60 * 1000,
  },
  /** Default delay from `created_at` to `cancelable_after`, API milliseconds. */
  cancelableAfterMs: 120_000,
  /** How long an `orderId` from a 409 holds its `suggestedPrice`, API milliseconds. */
  orderTtlMs: 5 * 60 * 1000,
  /** History paging. */
  history: { defaultLimit: 10, maxLimit: 100 },
  /** `quality_factor` when none is sent (0 cheapest … 100 best). */
  defaultQualityFactor: 50,
  /** `count` of a pair with numbers; 0 for the pairs without. */
  numbersPerPair: 100,
} as const;

// The limits it enforces are the ones the Platfone provider assumes: ONE table (decision 0020).

type PlatfoneBucket = keyof typeof PLATFONE_RATE_LIMITS;

/** Options of {@link createPlatfoneRoutes}. */
export interface PlatfoneRouteOptions {
  /**
   * API milliseconds from an order to its `cancelable_after`; `null` makes cancel unsupported
   * (`cancelable_after: null` on every activation: it can only run to expiry).
   * @default 120_000
   */
  cancelableAfterMs?: number | null;
}

// ---------------------------------------------------------------------------------------------
// The edge: world record → wire

const cents = (usd: number) => Math.round(usd * 100);

/** A world status (v1's words) as `sms_status`: which SMS the activation is at. */
const SMS_STATUS_OF = {
  numberRequested: 'smsRequested',
  numberReceived: 'smsRequested',
  smsRequested: 'smsRequested',
  smsReceived: 'smsReceived',
  retryRequested: 'retryRequested',
  retryReceived: 'retryReceived',
  // Final words never reach here: an ended record is read through `endedFrom`.
  serviceConsumed: 'smsReceived',
  refunded: 'smsRequested',
  error: 'smsRequested',
} as const satisfies Record<ActivationStatus, PlatfoneSmsStatus>;

function activationStatusOf(record: WorldActivation): PlatfoneActivationStatus {
  if (record.endedBy === 'cancel') return 'canceled';
  if (record.endedBy === 'finalize') return 'finalized';
  return isLive(record) ? 'active' : 'expired';
}

/**
 * Money follows the world: reserved while waiting for the first SMS, billed from it on, and
 * released (back on the balance) when it ended without one — by cancel or by expiry.
 */
function billingStatusOf(record: WorldActivation): PlatfoneBillingStatus {
  if (record.smsReceived) return 'billed';
  return isLive(record) ? 'reserved' : 'released';
}

// ---------------------------------------------------------------------------------------------
// Errors and lookups

/** An error answer; the status always comes from PLATFONE_ERRORS. */
function errorReply(
  errorName: PlatfoneErrorName,
  errorMessage: string,
  extra: Pick<PlatfoneErrorBody, 'suggestedPrice' | 'orderId'> = {},
  headers: Record<string, string> = {},
): CoreReply {
  const body: PlatfoneErrorBody = { errorName, errorMessage, ...extra };
  const reply = jsonReply(PLATFONE_ERRORS[errorName].status, body);
  return { ...reply, headers: { ...reply.headers, ...headers } };
}

function isReply(value: unknown): value is CoreReply {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/**
 * The caller's activation named by `:id`. Ids are text on this API, so an id that is not one of
 * the sandbox's is just unknown (404), and so is another account's.
 */
function findOwnActivation({ world, account, params }: ApiContext): WorldActivation | CoreReply {
  const raw = params.id ?? '';
  const record = /^\d{1,16}$/.test(raw)
    ? world.activations.find((a) => a.id === Number(raw) && a.account === account)
    : undefined;
  return record ?? errorReply('ResourceNotFoundException', `Activation ${JSON.stringify(raw)} not found`);
}

/** A positive integer query parameter, its default when absent, or undefined when invalid. */
function positiveInt(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  return /^\d{1,9}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : undefined;
}

const pairKey = (serviceId: string, countryId: string) => `${serviceId}/${countryId}`;

// ---------------------------------------------------------------------------------------------
// The route table

/** A price held for an account and pair by the 409 that handed out its id. */
interface PriceOrder {
  serviceId: string;
  countryId: string;
  /** Cents. */
  price: number;
  /** API unix ms after which the order is gone ("Order not found"). */
  expiresAtMs: number;
}

/** What only Platfone keeps per account. A reset makes new accounts, so it starts empty again. */
interface PlatfoneAccountState {
  orders: Map<string, PriceOrder>;
  /** Pair → API unix ms at which its delivery-rule block ends. */
  blocks: Map<string, number>;
}

/** What the handlers of one Platfone table share: its setting and its per-account state. */
interface Dialect {
  /** API ms from an order to `cancelable_after`; null when cancel is unsupported. */
  readonly cancelableAfterMs: number | null;
  /** The account's Platfone-only state, created on first use. */
  stateOf(account: Account): PlatfoneAccountState;
  /** A fresh `orderId` for a 409. */
  newOrderId(): string;
}

/** A handler that also gets its table's {@link Dialect}. */
type DialectHandler = (dialect: Dialect, context: ApiContext) => CoreReply;

/**
 * Platfone's Activation API under `/api/v1` as a route table for the sandbox core. Each call makes
 * a table with its own per-account state (orders, blocks): one per sandbox.
 */
export function createPlatfoneRoutes(options: PlatfoneRouteOptions = {}): ApiRouteTable {
  const { cancelableAfterMs = PLATFONE_SANDBOX_RULES.cancelableAfterMs } = options;
  if (cancelableAfterMs !== null && !(Number.isFinite(cancelableAfterMs) && cancelableAfterMs >= 0)) {
    throw new RangeError(
      `Expected \`cancelableAfterMs\` to be a non-negative number of API milliseconds or null, got ${cancelableAfterMs}`,
    );
  }
  const accounts = new WeakMap<Account, PlatfoneAccountState>();
  let nextOrder = 1;
  const dialect: Dialect = {
    cancelableAfterMs,
    stateOf(account) {
      let state = accounts.get(account);
      if (!state) {
        state = { orders: new Map(), blocks: new Map() };
        accounts.set(account, state);
      }
      return state;
    },
    newOrderId: () => `order-${nextOrder++}`,
  };
  return {
    prefix: '/api/v1',
    routes: (Object.keys(HANDLERS) as PlatfoneBucket[]).map((bucket): ApiRoute => {
      const [method, path] = bucket.split(' ') as [string, string];
      const handler = HANDLERS[bucket];
      return { method, path, bucket, handler: (context) => handler(dialect, context) };
    }),
    limits: PLATFONE_RATE_LIMITS,
    apiKeyOf: (request) => request.headers['x-api-key'],
    refusals: {
      unauthorized: () => errorReply('UnauthorizedException', 'Invalid or missing X-Api-Key'),
      notFound: (message) => errorReply('ResourceNotFoundException', message),
      rateLimited: () => errorReply('TooManyRequestsException', 'Too many requests'),
      injectedError: () => errorReply('ServiceUnavailableException', 'Service Unavailable (injected fault)'),
    },
  };
}

/** `cancelable_after` of a record: seconds while it is active; null once it ended, or without cancel. */
function cancelableAfterOf({ cancelableAfterMs }: Dialect, record: WorldActivation): number | null {
  return cancelableAfterMs === null || !isLive(record)
    ? null
    : record.createdAt + Math.ceil(cancelableAfterMs / 1000);
}

/** A world record as Platfone's Activation object: the one place the dialect translates it. */
function toWire(dialect: Dialect, record: WorldActivation): PlatfoneActivation {
  return {
    activation_id: String(record.id),
    phone: String(record.phone.number),
    country_id: record.countryId,
    service_id: record.serviceId,
    activation_status: activationStatusOf(record),
    sms_status: SMS_STATUS_OF[isLive(record) ? record.status : (record.endedFrom ?? record.status)],
    billing_status: billingStatusOf(record),
    report_status: null,
    sms_code: record.code === '' ? null : record.code,
    sms_text: record.message === '' ? null : record.message,
    price: cents(record.price),
    expire_at: record.numberExpireAt,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    is_retriable: isRetryAvailable(record),
    cancelable_after: cancelableAfterOf(dialect, record),
  };
}

/**
 * `POST /activation` `{service_id, country_id, max_price?, quality_factor?, order_id?}`. Checks
 * in this order: 400 body → 404 unknown ids → 404 "Order not found" → 429
 * `LowSuccessRateException` (pair blocked, or the order trips the rule) → 429
 * `TooManyActivationsException` → 404 `NoNumbersAvailableException` → 409
 * `MaxPriceExceededException` (with `suggestedPrice`, `orderId`) → 402 `PaymentRequiredException`.
 */
function orderActivation(dialect: Dialect, { world, account, body, nowMs }: ApiContext): CoreReply {
  const request = parseOrder(body);
  if (isReply(request)) return request;
  const offer = world.catalog.offer(request.serviceId, request.countryId);
  if (!offer) {
    return errorReply(
      'ResourceNotFoundException',
      `Unknown service_id ${JSON.stringify(request.serviceId)} or country_id ${JSON.stringify(request.countryId)}`,
    );
  }
  const state = dialect.stateOf(account);
  const order = request.orderId === undefined ? undefined : state.orders.get(request.orderId);
  if (request.orderId !== undefined && !isOrderFor(order, offer, nowMs)) {
    return errorReply('ResourceNotFoundException', 'Order not found');
  }
  const refusal = refuseForDeliveryRate(world, account, state, offer, nowMs) ?? refuseForCap(world, account);
  if (refusal) return refusal;
  if (!offer.hasNumbers) {
    return errorReply(
      'NoNumbersAvailableException',
      `No numbers available for ${offer.serviceId} in ${offer.countryId} right now; try another country or service`,
    );
  }
  // An order holds the price its 409 quoted; without one the market price applies.
  const price = order?.price ?? cents(offer.price);
  if (request.maxPrice !== undefined && price > request.maxPrice) {
    const orderId = request.orderId ?? dialect.newOrderId();
    state.orders.set(orderId, {
      serviceId: offer.serviceId,
      countryId: offer.countryId,
      price,
      expiresAtMs: order?.expiresAtMs ?? nowMs + PLATFONE_SANDBOX_RULES.orderTtlMs,
    });
    return errorReply(
      'MaxPriceExceededException',
      `The price is ${price} cents, above max_price ${request.maxPrice}; order again with max_price ${price} and order_id ${orderId}`,
      { suggestedPrice: price, orderId },
    );
  }
  const available = cents(account.balance);
  if (available < price) {
    return errorReply(
      'PaymentRequiredException',
      `Available ${available} cents is below the price ${price}; top up`,
    );
  }
  if (request.orderId !== undefined) state.orders.delete(request.orderId);
  const record = leaseNumber(world, account, offer, roundMoney(price / 100), nowMs);
  return jsonReply(200, toWire(dialect, record));
}

/** Is `order` still valid, and for this offer's pair? */
function isOrderFor(order: PriceOrder | undefined, offer: Offer, nowMs: number): order is PriceOrder {
  return (
    order !== undefined &&
    order.expiresAtMs > nowMs &&
    pairKey(order.serviceId, order.countryId) === pairKey(offer.serviceId, offer.countryId)
  );
}

/**
 * The delivery rule: a pair already blocked stays blocked until its block ends; else, once
 * 10 numbers of the pair were ordered in 24 h, a share with a first SMS below 7 % blocks it
 * for 24 h from now. Canceled and expired numbers count: they were ordered.
 */
function refuseForDeliveryRate(
  world: World,
  account: Account,
  state: PlatfoneAccountState,
  offer: Offer,
  nowMs: number,
): CoreReply | undefined {
  const rule = PLATFONE_SANDBOX_RULES.deliveryRule;
  const key = pairKey(offer.serviceId, offer.countryId);
  let until = state.blocks.get(key);
  if (until === undefined || until <= nowMs) {
    const since = (nowMs - rule.windowMs) / 1000;
    const recent = world.activations.filter(
      (a) =>
        a.account === account &&
        a.serviceId === offer.serviceId &&
        a.countryId === offer.countryId &&
        a.createdAt > since,
    );
    const delivered = recent.filter((a) => a.smsReceived).length;
    if (recent.length < rule.minActivations || delivered / recent.length >= rule.minSuccessRatio) {
      state.blocks.delete(key);
      return undefined;
    }
    until = nowMs + rule.blockMs;
    state.blocks.set(key, until);
  }
  const untilS = Math.ceil(until / 1000);
  return errorReply(
    'LowSuccessRateException',
    `Too many numbers for ${offer.serviceId}/${offer.countryId} received no SMS; blocked until ${new Date(until).toISOString()} (${untilS}). Try another country, or again in 24 hours`,
    {},
    { 'x-ratelimit-reset': String(untilS) },
  );
}

/** The active cap: every live activation counts, with an SMS or without. */
function refuseForCap(world: World, account: Account): CoreReply | undefined {
  const active = world.activations.filter((a) => a.account === account && isLive(a)).length;
  return active >= PLATFONE_SANDBOX_RULES.activeCap
    ? errorReply(
        'TooManyActivationsException',
        `Too many active activations (${active} of ${PLATFONE_SANDBOX_RULES.activeCap}); cancel or finalize one first`,
      )
    : undefined;
}

/** `GET /activation/{id}`. */
function getActivation(dialect: Dialect, context: ApiContext): CoreReply {
  const found = findOwnActivation(context);
  return isReply(found) ? found : jsonReply(200, toWire(dialect, found));
}

/**
 * A PUT that runs `change` on the caller's activation if it is still `active` (else 410
 * `GoneException`); `refuse` names why the call is not allowed in its current state (409).
 */
function stateChange(
  call: string,
  refuse: (dialect: Dialect, record: WorldActivation, nowMs: number) => string | undefined,
  change: (record: WorldActivation, nowMs: number) => void,
): DialectHandler {
  return (dialect, context) => {
    const found = findOwnActivation(context);
    if (isReply(found)) return found;
    const status = activationStatusOf(found);
    if (status !== 'active') {
      return errorReply('GoneException', `Activation ${found.id} is ${status}; it can no longer ${call}`);
    }
    const why = refuse(dialect, found, context.nowMs);
    if (why !== undefined) {
      return errorReply('ResourceBadStateException', `Activation ${found.id} cannot ${call}: ${why}`);
    }
    change(found, context.nowMs);
    return jsonReply(200, { result: 'success' });
  };
}

/** Cancel: no SMS yet and at or past `cancelable_after`; the reserved price comes back at once. */
const cancelActivation = stateChange(
  'be canceled',
  (dialect, record, nowMs) => {
    const after = cancelableAfterOf(dialect, record);
    if (after === null) return 'cancel is not supported for this number; it will expire';
    if (record.smsReceived) return 'an SMS was received (finalize it instead)';
    if (nowMs < after * 1000) return `cancel is possible from ${after} (cancelable_after)`;
    return undefined;
  },
  (record, nowMs) => endActivation(record, 'cancel', nowMs),
);

/** Finalize: after an SMS (billed), ends it early; no refund, no more SMS. */
const finalizeActivation = stateChange(
  'be finalized',
  (_dialect, record) => (record.smsReceived ? undefined : 'no SMS was received yet (cancel it instead)'),
  (record, nowMs) => endActivation(record, 'finalize', nowMs),
);

/** Retry: after an SMS (smsReceived / retryReceived) and while `is_retriable`; free. */
const retryActivation = stateChange(
  'be retried',
  (_dialect, record) =>
    isRetryAvailable(record)
      ? undefined
      : `sms_status is ${SMS_STATUS_OF[record.status]}; a retry needs a received SMS`,
  (record, nowMs) => requestRetry(record, nowMs),
);

/** `GET /activations?with_data=true`: the caller's active activations, oldest first. */
function getActiveActivations(dialect: Dialect, { world, account }: ApiContext): CoreReply {
  const active = world.activations.filter((a) => a.account === account && isLive(a));
  return jsonReply(
    200,
    active.map((a) => toWire(dialect, a)),
  );
}

/** `GET /activation/history?exclude_active&page&limit`: newest first, `limit` at most 100. */
function getHistory(dialect: Dialect, { world, account, query }: ApiContext): CoreReply {
  const { defaultLimit, maxLimit } = PLATFONE_SANDBOX_RULES.history;
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
  const excludeActive = query.get('exclude_active') === 'true';
  const own = world.activations
    .filter((a) => a.account === account && !(excludeActive && isLive(a)))
    .sort((a, b) => b.id - a.id);
  const body: PlatfoneHistory = {
    activations: own.slice((page - 1) * limit, page * limit).map((a) => toWire(dialect, a)),
    page,
    limit,
    pages: Math.ceil(own.length / limit),
    total: own.length,
  };
  return jsonReply(200, body);
}

/**
 * `GET /user/balance` → `{total, reserved}` in cents: `reserved` is the price of every active
 * activation still waiting for its first SMS; available = total − reserved.
 */
function getBalance(_dialect: Dialect, { world, account }: ApiContext): CoreReply {
  const reserved = world.activations
    .filter((a) => a.account === account && isLive(a) && !a.smsReceived)
    .reduce((sum, a) => sum + cents(a.price), 0);
  return jsonReply(200, { total: cents(account.balance) + reserved, reserved });
}

/** `GET /activation/prices/services/{s}/countries/{c}` → PriceInfo in cents. */
function getPrice(_dialect: Dialect, { world, params }: ApiContext): CoreReply {
  const offer = world.catalog.offer(params.serviceId ?? '', params.countryId ?? '');
  if (!offer) {
    return errorReply(
      'ResourceNotFoundException',
      `Unknown service_id ${JSON.stringify(params.serviceId)} or country_id ${JSON.stringify(params.countryId)}`,
    );
  }
  const { price, count } = priceEntry(offer);
  const body: PlatfonePriceInfo = {
    price: { min: price, max: price, suggested: price },
    quality: { avg: PLATFONE_SANDBOX_RULES.defaultQualityFactor },
    count,
  };
  return jsonReply(200, body);
}

/** `GET /activation/prices/services?service_id=` → `[{service_id, countries:[…]}]`. */
function getPricesByService(_dialect: Dialect, { world, query }: ApiContext): CoreReply {
  const wanted = query.get('service_id');
  const services = Object.keys(SERVICES).filter((s) => wanted === null || s === wanted);
  return jsonReply(
    200,
    services.map((service_id) => ({
      service_id,
      countries: world.catalog
        .offers()
        .filter((o) => o.serviceId === service_id)
        .map((o) => ({ country_id: o.countryId, ...priceEntry(o) })),
    })),
  );
}

/** `GET /activation/prices/countries?country_id=` → `[{country_id, services:[…]}]`. */
function getPricesByCountry(_dialect: Dialect, { world, query }: ApiContext): CoreReply {
  const wanted = query.get('country_id');
  const countries = Object.keys(COUNTRIES).filter((c) => wanted === null || c === wanted);
  return jsonReply(
    200,
    countries.map((country_id) => ({
      country_id,
      services: world.catalog
        .offers()
        .filter((o) => o.countryId === country_id)
        .map((o) => ({ service_id: o.serviceId, ...priceEntry(o) })),
    })),
  );
}

/**
 * The handler of every bucket of PLATFONE_RATE_LIMITS, in match order: literal paths before
 * `/activation/:id`, since the first matching row answers. `satisfies` makes a new bucket a type
 * error here until it has a handler.
 */
const HANDLERS = {
  'POST /activation': orderActivation,
  'GET /activation/countries': catalogReply(countryList),
  'GET /activation/services': catalogReply(serviceList),
  'GET /activation/services/popular': catalogReply(serviceList),
  'GET /activation/history': getHistory,
  'GET /activation/:id': getActivation,
  'PUT /activation/:id/cancel': cancelActivation,
  'PUT /activation/:id/retry': retryActivation,
  'PUT /activation/:id/finalize': finalizeActivation,
  'GET /activations': getActiveActivations,
  'GET /user/balance': getBalance,
  'GET /activation/prices/services/:serviceId/countries/:countryId': getPrice,
  'GET /activation/prices/services': getPricesByService,
  'GET /activation/prices/countries': getPricesByCountry,
} as const satisfies Record<PlatfoneBucket, DialectHandler>;

function parseOrder(
  body: string,
):
  | { serviceId: string; countryId: string; maxPrice: number | undefined; orderId: string | undefined }
  | CoreReply {
  const json = parseJsonObject(body);
  if (!json) return errorReply('InvalidRequestParamsException', 'Body must be a JSON object');
  const { service_id, country_id, max_price, order_id, quality_factor } = json;
  if (typeof service_id !== 'string' || service_id === '') {
    return errorReply(
      'InvalidRequestParamsException',
      'service_id is required (a string such as "whatsapp")',
    );
  }
  if (typeof country_id !== 'string' || country_id === '') {
    return errorReply('InvalidRequestParamsException', 'country_id is required (a string such as "us")');
  }
  if (max_price !== undefined && !(Number.isInteger(max_price) && (max_price as number) >= 0)) {
    return errorReply('InvalidRequestParamsException', 'max_price must be a non-negative integer of cents');
  }
  if (
    quality_factor !== undefined &&
    !(
      Number.isInteger(quality_factor) &&
      (quality_factor as number) >= 0 &&
      (quality_factor as number) <= 100
    )
  ) {
    return errorReply('InvalidRequestParamsException', 'quality_factor must be an integer from 0 to 100');
  }
  if (order_id !== undefined && (typeof order_id !== 'string' || order_id === '')) {
    return errorReply('InvalidRequestParamsException', 'order_id must be the non-empty orderId of a 409');
  }
  return {
    serviceId: service_id,
    countryId: country_id,
    maxPrice: max_price as number | undefined,
    orderId: order_id as string | undefined,
  };
}

/** A pair's list entry: price in cents, the sandbox's quality, numbers available now. */
function priceEntry(offer: Offer): PlatfonePriceEntry {
  return {
    price: cents(offer.price),
    quality: PLATFONE_SANDBOX_RULES.defaultQualityFactor,
    count: offer.hasNumbers ? PLATFONE_SANDBOX_RULES.numbersPerPair : 0,
  };
}

function countryList(): PlatfoneCountry[] {
  return (Object.keys(COUNTRIES) as CountryId[]).map((country_id) => ({
    country_id,
    name: COUNTRIES[country_id].name,
    alt_name: COUNTRIES[country_id].name,
    codes: [String(COUNTRIES[country_id].callingCode)],
  }));
}

function serviceList(): PlatfoneService[] {
  return Object.entries(SERVICES).map(([service_id, service]) => ({
    service_id,
    name: service.name,
    alt_name: service.name,
    // Every sandbox service has a description (its snippet).
    has_description: true,
    has_warning: service.warning !== '',
    prohibited: false,
  }));
}

/**
 * A catalog endpoint with its ETag: the answer carries `x-etag` (a hash of the body, so it
 * changes exactly when the catalog does); a request whose `If-None-Match` names it gets 304
 * with no body (reference §2.1).
 */
function catalogReply(list: () => unknown[]): DialectHandler {
  return (_dialect, { headers }) => {
    const reply = jsonReply(200, list());
    const etag = `"${createHash('sha256').update(reply.body).digest('hex').slice(0, 16)}"`;
    const asked = (headers['if-none-match'] ?? '').split(',').map((tag) => tag.trim());
    if (asked.includes(etag)) return { kind: 'reply', status: 304, headers: { 'x-etag': etag }, body: '' };
    return { ...reply, headers: { ...reply.headers, 'x-etag': etag } };
  };
}
