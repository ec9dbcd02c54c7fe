/**
 * Platfone's Activation API (temp-number-api.com) on the wire: the answer shapes with the API's own
 * snake_case names, its three status enums, the endpoints with their rate-limit buckets, and the
 * error names with the neutral family each maps to. Facts and their trust levels:
 * /work/shared/reference/platfone-activation-api.md (cited below as "reference §n").
 */

import type { ErrorFamily } from '../../contract/errors.ts';
import type { RateLimit } from '../../limits/rate-limits.ts';

/*
 * JSON shapes (reference §3). Amounts are integer US-dollar CENTS; times are unix SECONDS.
 * Fields are optional where no source shows them always present.
 */

/** `activation_status` (reference §3.1; note the US spelling `canceled`). */
export const PLATFONE_ACTIVATION_STATUSES = ['active', 'finalized', 'expired', 'canceled'] as const;
export type PlatfoneActivationStatus = (typeof PLATFONE_ACTIVATION_STATUSES)[number];

/** `sms_status` (reference §3.1). */
export const PLATFONE_SMS_STATUSES = [
  'smsRequested',
  'smsReceived',
  'retryRequested',
  'retryReceived',
] as const;
export type PlatfoneSmsStatus = (typeof PLATFONE_SMS_STATUSES)[number];

/** `billing_status` (reference §3.1). */
export const PLATFONE_BILLING_STATUSES = ['reserved', 'released', 'billed', 'refunded'] as const;
export type PlatfoneBillingStatus = (typeof PLATFONE_BILLING_STATUSES)[number];

/** One activation: POST /activation, GET /activation/{id}, and the history's items. */
export interface PlatfoneActivation {
  /** Text; passed URL-encoded in paths. */
  activation_id: string;
  /** Digits with the country code, no '+' (reference §11, INFERRED). */
  phone?: string;
  service_id?: string;
  country_id?: string;
  activation_status: PlatfoneActivationStatus | (string & {});
  sms_status: PlatfoneSmsStatus | (string & {});
  billing_status: PlatfoneBillingStatus | (string & {});
  report_status?: 'inReview' | 'declined' | 'approved' | null;
  /** The parsed one-time code; a retry overwrites it with the next message's. */
  sms_code?: string | null;
  sms_text?: string | null;
  /** Cents (INFERRED, reference §1). */
  price?: number;
  /** Unix seconds. */
  expire_at?: number;
  created_at?: number;
  updated_at?: number;
  is_retriable?: boolean;
  /** Unix seconds; null: this activation cannot be cancelled, it just expires (reference §4.3). */
  cancelable_after?: number | null;
}

/** POST /activation body (reference §2.1, §5). */
export interface NewActivationBody {
  service_id: string;
  country_id: string;
  /** Cents: the API answers 409 `MaxPriceExceededException` when the price is higher. */
  max_price?: number;
  /** The `orderId` of a 409, to repeat that order at a raised `max_price`. */
  order_id?: string;
  /** 0 cheapest … 100 best quality; the API's default is 50. */
  quality_factor?: number;
}

/** GET /user/balance: cents; what a lease can spend is `total − reserved`. */
export interface PlatfoneBalance {
  total: number;
  reserved: number;
}

/** GET /activation/countries item (reference §3.2). `_v` ids are virtual numbers only. */
export interface PlatfoneCountry {
  country_id: string;
  name?: string;
  alt_name?: string;
  codes?: string[];
}

/** GET /activation/services item (reference §3.3). */
export interface PlatfoneService {
  service_id: string;
  name?: string;
  alt_name?: string;
  has_description?: boolean;
  has_warning?: boolean;
  prohibited?: boolean;
}

/** GET /activation/prices/services/{service_id}/countries/{country_id} (reference §3.4), cents. */
export interface PlatfonePriceInfo {
  price?: { min?: number; max?: number; suggested?: number };
  quality?: { avg?: number };
  /** Numbers available right now; 0: none. */
  count?: number;
}

/** One row of GET /activation/prices/services (PROBABLE, reference §2.2): cents. */
export interface PlatfonePriceListRow {
  service_id: string;
  countries: Array<{ country_id: string; price?: number | { suggested?: number }; count?: number }>;
}

/** GET /activation/history (PROBABLE, reference §2.2). */
export interface PlatfoneHistoryPage {
  activations: PlatfoneActivation[];
  page?: number;
  limit?: number;
  pages?: number;
  total?: number;
}

/** Error body (reference §6.1); a 409 price conflict adds `suggestedPrice` (cents) and `orderId`. */
export interface PlatfoneErrorBody {
  errorName: string;
  errorMessage: string;
  suggestedPrice?: number;
  orderId?: string;
}

/*
 * The endpoints as data (reference §2). `bucket` names a row of PLATFONE_RATE_LIMITS (below):
 * one bucket per method + path template. `confirmed`: the official client calls it against
 * temp-number-api.com (§2.1); otherwise the path is PROBABLE, seen only in the web app's
 * white-label mode (§2.2, §2.3). `autoRetry`: only idempotent reads; POST spends money and PUT
 * changes state, so neither is ever repeated automatically (decision 0014).
 */
export const PLATFONE_ENDPOINTS = {
  getBalance: { method: 'GET', path: '/user/balance', confirmed: true, autoRetry: true },
  getCountries: { method: 'GET', path: '/activation/countries', confirmed: true, autoRetry: true },
  getServices: { method: 'GET', path: '/activation/services', confirmed: true, autoRetry: true },
  getPrice: {
    method: 'GET',
    path: '/activation/prices/services/:serviceId/countries/:countryId',
    confirmed: true,
    autoRetry: true,
  },
  getPriceList: { method: 'GET', path: '/activation/prices/services', confirmed: false, autoRetry: true },
  newActivation: { method: 'POST', path: '/activation', confirmed: true, autoRetry: false },
  getActivation: { method: 'GET', path: '/activation/:id', confirmed: true, autoRetry: true },
  getHistory: { method: 'GET', path: '/activation/history', confirmed: false, autoRetry: true },
  cancelActivation: { method: 'PUT', path: '/activation/:id/cancel', confirmed: true, autoRetry: false },
  retryActivation: { method: 'PUT', path: '/activation/:id/retry', confirmed: true, autoRetry: false },
  finalizeActivation: { method: 'PUT', path: '/activation/:id/finalize', confirmed: false, autoRetry: false },
} as const satisfies Record<
  string,
  { method: 'GET' | 'POST' | 'PUT'; path: string; confirmed: boolean; autoRetry: boolean }
>;

export type PlatfoneEndpointId = keyof typeof PLATFONE_ENDPOINTS;

/** An endpoint's rate-limit bucket: its method and path template. */
export type PlatfoneBucket = {
  [K in PlatfoneEndpointId]: `${(typeof PLATFONE_ENDPOINTS)[K]['method']} ${(typeof PLATFONE_ENDPOINTS)[K]['path']}`;
}[PlatfoneEndpointId];

/** The bucket of `endpoint`. */
export function bucketOfEndpoint(endpoint: PlatfoneEndpointId): PlatfoneBucket {
  const { method, path } = PLATFONE_ENDPOINTS[endpoint];
  return `${method} ${path}` as PlatfoneBucket;
}

/**
 * The per-endpoint limits per account (API time) that BOTH sides of the wire assume: the
 * provider's budget stays under them, and the sandbox's Platfone dialect enforces them. Platfone
 * publishes none (reference §7, open question 6), so these are conservative picks, below what the
 * official clients do without trouble (the web app polls its active list every 5 s, the MCP
 * server an activation every 5–10 s). ONE table: a client that keeps to it never meets a 429 from
 * the sandbox, which the drills check (the provider and the sandbox, written apart, had first
 * picked different values, and the drill met that 429).
 */
export const PLATFONE_RATE_LIMITS = {
  'POST /activation': { limit: 30, windowMs: 60_000 },
  'GET /activation/:id': { limit: 40, windowMs: 60_000 },
  'PUT /activation/:id/cancel': { limit: 10, windowMs: 60_000 },
  'PUT /activation/:id/retry': { limit: 10, windowMs: 60_000 },
  'PUT /activation/:id/finalize': { limit: 10, windowMs: 60_000 },
  'GET /activations': { limit: 10, windowMs: 60_000 },
  'GET /activation/history': { limit: 10, windowMs: 60_000 },
  'GET /user/balance': { limit: 10, windowMs: 60_000 },
  'GET /activation/countries': { limit: 5, windowMs: 60_000 },
  'GET /activation/services': { limit: 5, windowMs: 60_000 },
  'GET /activation/services/popular': { limit: 5, windowMs: 60_000 },
  'GET /activation/prices/services/:serviceId/countries/:countryId': { limit: 30, windowMs: 60_000 },
  'GET /activation/prices/services': { limit: 3, windowMs: 60_000 },
  'GET /activation/prices/countries': { limit: 3, windowMs: 60_000 },
} as const satisfies Record<string, RateLimit>;

/*
 * The error names (reference §6.2) and the neutral family each maps to: the same families v1
 * gives the same rules, so the broker decides alike (no numbers → the next country; the delivery
 * rule → block the pair; the pending cap; the price). Compared case-insensitively, never by status
 * alone. `seen`: `official` names appear in Platfone's own code or docs; `legacy` names are the
 * predecessor's (reference §13), kept because the new API may still send them (open question 3).
 */
export const PLATFONE_ERROR_NAMES = {
  UnauthorizedException: { status: 401, family: 'unauthorized', seen: 'official' },
  PaymentRequiredException: { status: 402, family: 'paymentRequired', seen: 'official' },
  // "Temporarily no numbers for this service/country": the rule v1's sandbox answers with
  // ServiceUnavailableException, so the broker tries the next country first, then re-posts.
  NoNumbersAvailableException: { status: 404, family: 'serviceUnavailable', seen: 'official' },
  MaxPriceExceededException: { status: 409, family: 'priceChanged', seen: 'official' },
  TooManyRequestsException: { status: 429, family: 'rateLimited', seen: 'official' },
  LowSuccessRateException: { status: 429, family: 'lowSuccessRate', seen: 'official' },
  TooManyActivationsException: { status: 429, family: 'tooManyPending', seen: 'official' },
  InvalidRequestParamsException: { status: 400, family: 'invalidRequest', seen: 'legacy' },
  AccountOnHoldException: { status: 403, family: 'accountOnHold', seen: 'legacy' },
  ResourceNotFoundException: { status: 404, family: 'notFound', seen: 'legacy' },
  ResourceBadStateException: { status: 409, family: 'badState', seen: 'legacy' },
  GoneException: { status: 410, family: 'gone', seen: 'legacy' },
  ServiceUnavailableException: { status: 503, family: 'serviceUnavailable', seen: 'legacy' },
} as const satisfies Record<string, { status: number; family: ErrorFamily; seen: 'official' | 'legacy' }>;

export type PlatfoneErrorName = keyof typeof PLATFONE_ERROR_NAMES;

const BY_LOWER_NAME = new Map<string, PlatfoneErrorName>(
  (Object.keys(PLATFONE_ERROR_NAMES) as PlatfoneErrorName[]).map((name) => [name.toLowerCase(), name]),
);

/** The family of a wire `errorName`, compared case-insensitively; `unknown` for a name not listed. */
export function familyOfErrorName(errorName: string): ErrorFamily | 'unknown' {
  const name = BY_LOWER_NAME.get(errorName.toLowerCase());
  return name === undefined ? 'unknown' : PLATFONE_ERROR_NAMES[name].family;
}
