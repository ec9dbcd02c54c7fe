/**
 * TempNumber v1 on the wire: the answer shapes as the API sends them (and as the client returns
 * them), the status words and what each means, the endpoints with their rate-limit buckets, and the
 * error names with the neutral family each maps to. Shared by the client and the sandbox's v1
 * dialect, so the two sides of the wire cannot drift apart.
 */

import type { ErrorFamily } from '../../contract/errors.ts';
import type { BucketId } from '../../limits/rate-limits.ts';

/*
 * TempNumber v1 JSON shapes with the API's own (wire) names (reference §2–§3, spec 1.3.8).
 * Fields are optional where the spec does not require them; translate once, at the edge,
 * into the friendly shapes the broker and fixtures expose.
 */

/** `ActivationData`: one activation, as returned by GET/POST /activations and in history. */
export interface ActivationData {
  id: number;
  status: ActivationStatus | (string & {});
  countryId?: string;
  countryName?: string;
  countryIconPath?: string;
  serviceId?: string;
  serviceName?: string;
  serviceIconPath?: string;
  /** Digits including the country code, no `+` (e.g. 18454123223). */
  number?: number;
  countryCode?: number;
  formatNumber?: string;
  nationalNumber?: number;
  /** Full SMS text. */
  message?: string;
  /** Code the server extracted; a string in the spec, seen as a JSON number in examples. */
  code?: string | number;
  price?: number;
  /** Unix seconds. */
  createdAt?: number;
  /** Unix seconds. */
  numberExpireAt?: number;
  /** Server's "now", unix seconds. */
  utc?: number;
  retryAvailable?: boolean;
  iconBaseUrl?: string;
  rating?: number;
  reason?: number;
}

/** `ActivationsHistory`: GET /activations. */
export interface ActivationsHistory {
  activations: ActivationData[];
  page: number;
  limit: number;
  pages: number;
  total: number;
}

/** `NewActivation`: POST /activations body. */
export interface NewActivation {
  serviceId: string;
  countryId: string;
  /** Fail with `expectedPriceErrorException` (carrying `newPrice`) when the price is higher. */
  expectedPrice?: number;
}

/** `ActivationUpdate`: PUT /activations/{id} body. v1 knows exactly one value. */
export interface ActivationUpdate {
  status: 'retry';
}

/** `Response200`. */
export interface Response200 {
  result: 'success';
}

/** `UserBalance`: GET /user/balance. Note the snake_case `review_balance`. */
export interface UserBalance {
  balance: number;
  review_balance?: number;
}

/** GET /services/pricelistByCountry. */
export type PricelistByCountry = Array<{ c: string; services: Array<{ s: string; p: number }> }>;

/** GET /services/pricelistByService. */
export type PricelistByService = Array<{ s: string; countries: Array<{ c: string; p: number }> }>;

/** `Service` item of `SingleService`. */
export interface ServiceInCountry {
  serviceId: string;
  serviceName: string;
  serviceIconPath?: string;
  countryId: string;
  countryName: string;
  countryIconPath?: string;
  isVirtual: boolean;
  snippet?: string;
  warning?: string;
  price: number;
  hasNumbers: boolean;
}

/** `SingleService`: GET /services/{serviceId}/countries/{countryId}. */
export interface SingleService {
  iconBaseUrl: string;
  services: ServiceInCountry[];
}

/** Error body of every non-2xx answer (reference §5.1). */
export interface ErrorBody {
  errorName: string;
  errorMessage: string;
  /** Only with `expectedPriceErrorException`. */
  newPrice?: number;
}

/*
 * What the client's methods resolve to: the wire shapes above, checked at the edge,
 * with the few normalisations the API's looser variants need (reference "Decisions").
 */

/**
 * An activation as the client returns it. Same wire names as {@link ActivationData}, except
 * `code`: always a string when present (the API has sent it as a JSON number), and absent when
 * the server extracted none (absent, null or empty on the wire).
 */
export interface Activation extends Omit<ActivationData, 'code'> {
  code?: string;
}

/**
 * One page of GET /activations. `activations` is always present; the paging numbers are passed
 * through when the server sends them as numbers.
 */
export interface ActivationsHistoryPage extends Partial<Omit<ActivationsHistory, 'activations'>> {
  activations: Activation[];
}

/**
 * Every activation status of TempNumber v1 and what it means for us: ONE table, read by the
 * client, the broker's poller, the sandbox and the reporter (reference §4).
 *
 * - `waiting`: the number is live and an SMS is expected (keep polling).
 * - `hasSms`: an SMS can be read (`message`/`code` filled).
 * - `final`: nothing will change any more.
 */
export const ACTIVATION_STATUSES = {
  numberRequested: { waiting: true, hasSms: false, final: false },
  numberReceived: { waiting: true, hasSms: false, final: false },
  smsRequested: { waiting: true, hasSms: false, final: false },
  smsReceived: { waiting: false, hasSms: true, final: false },
  retryRequested: { waiting: true, hasSms: false, final: false },
  retryReceived: { waiting: false, hasSms: true, final: false },
  // Not in the 1.3.8 enum; the PHP client knows it as the final state after a billed SMS.
  serviceConsumed: { waiting: false, hasSms: true, final: true },
  refunded: { waiting: false, hasSms: false, final: true },
  error: { waiting: false, hasSms: false, final: true },
} as const satisfies Record<string, { waiting: boolean; hasSms: boolean; final: boolean }>;

export type ActivationStatus = keyof typeof ACTIVATION_STATUSES;

/** True for the statuses of {@link ACTIVATION_STATUSES}; unknown strings from the wire are false. */
export function isActivationStatus(value: unknown): value is ActivationStatus {
  return typeof value === 'string' && Object.hasOwn(ACTIVATION_STATUSES, value);
}

/** Is an SMS still expected for an activation in this status? Unknown statuses are not waiting. */
export function isWaitingStatus(status: string): boolean {
  return isActivationStatus(status) && ACTIVATION_STATUSES[status].waiting;
}

/** Has the activation reached a status that never changes again? Unknown statuses are not final. */
export function isFinalStatus(status: string): boolean {
  return isActivationStatus(status) && ACTIVATION_STATUSES[status].final;
}

/*
 * The 8 endpoints of TempNumber v1 (reference §2) as data. `bucket` names the rate-limit bucket
 * of src/limits/rate-limits.ts: one bucket per method + path template, so `/activations/1` and
 * `/activations/2` share one budget while GET and PUT on the same path do not.
 *
 * `autoRetry`: may the client repeat the call on its own after a network error, 5xx or 429?
 * Only idempotent reads. POST /activations spends money and PUT (retry) changes state, so
 * neither is ever repeated automatically (DESIGN §5 "Never retried blindly").
 */

export const ENDPOINTS = {
  getActivation: { method: 'GET', path: '/activations/:id', bucket: 'GET /activations/:id', autoRetry: true },
  getActivationsHistory: { method: 'GET', path: '/activations', bucket: 'GET /activations', autoRetry: true },
  newActivation: { method: 'POST', path: '/activations', bucket: 'POST /activations', autoRetry: false },
  updateActivation: {
    method: 'PUT',
    path: '/activations/:id',
    bucket: 'PUT /activations/:id',
    autoRetry: false,
  },
  getPricelistByCountry: {
    method: 'GET',
    path: '/services/pricelistByCountry',
    bucket: 'GET /services/pricelistByCountry',
    autoRetry: true,
  },
  getPricelistByService: {
    method: 'GET',
    path: '/services/pricelistByService',
    bucket: 'GET /services/pricelistByService',
    autoRetry: true,
  },
  getSingleService: {
    method: 'GET',
    path: '/services/:serviceId/countries/:countryId',
    bucket: 'GET /services/:serviceId/countries/:countryId',
    autoRetry: true,
  },
  getUserBalance: { method: 'GET', path: '/user/balance', bucket: 'GET /user/balance', autoRetry: true },
} as const satisfies Record<
  string,
  { method: 'GET' | 'POST' | 'PUT'; path: string; bucket: BucketId; autoRetry: boolean }
>;

export type EndpointId = keyof typeof ENDPOINTS;

/*
 * The `errorName` values of TempNumber v1 (reference §5.2), the HTTP status the sandbox answers
 * with, and the family that decides which error class a client throws. ONE table, read by the
 * client (classification), the sandbox (responses) and tests.
 *
 * Names are compared case-insensitively: the API spells some with a lower-case first letter and
 * has changed spelling between spec versions (reference §5.2 notes).
 *
 * `status` is the sandbox's choice where the API is silent (reference "Decisions": 429 for the
 * three throttling names, 409 for the price change). A client must classify by name, not status.
 */

export const ERROR_NAMES = {
  InvalidRequestParamsException: { status: 400, family: 'invalidRequest' },
  UnauthorizedException: { status: 401, family: 'unauthorized' },
  paymentRequired: { status: 402, family: 'paymentRequired' },
  AccountOnHoldException: { status: 403, family: 'accountOnHold' },
  ResourceNotFoundException: { status: 404, family: 'notFound' },
  ResourceBadStateException: { status: 409, family: 'badState' },
  expectedPriceErrorException: { status: 409, family: 'priceChanged' },
  GoneException: { status: 410, family: 'gone' },
  ServiceUnavailableException: { status: 503, family: 'serviceUnavailable' },
  lowSuccessRateException: { status: 429, family: 'lowSuccessRate' },
  TooManyActivationsPendingException: { status: 429, family: 'tooManyPending' },
  TooManyRequestsException: { status: 429, family: 'rateLimited' },
} as const satisfies Record<string, { status: number; family: ErrorFamily }>;

export type ErrorName = keyof typeof ERROR_NAMES;

const BY_LOWER_NAME = new Map<string, ErrorName>(
  (Object.keys(ERROR_NAMES) as ErrorName[]).map((name) => [name.toLowerCase(), name]),
);

/** The canonical spelling of a wire `errorName`, compared case-insensitively; undefined if unknown. */
export function canonicalErrorName(errorName: string): ErrorName | undefined {
  return BY_LOWER_NAME.get(errorName.toLowerCase());
}
