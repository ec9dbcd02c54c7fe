/**
 * Platfone in the seam's neutral terms, as data: which neutral state each combination of the
 * three status fields is, which endpoint each operation calls, the rate-limit buckets (assumed:
 * Platfone publishes none), the account rules, and the wire's units with their conversions.
 * docs/decisions/0020 says why each value is what it is.
 */

import type { ActivationState } from '../../contract/activation.ts';
import type { ErrorFamily } from '../../contract/errors.ts';
import type { Headroom, LimitPolicy, Pacing, RateLimit } from '../../limits/rate-limits.ts';
import type { ProviderOperation, ProviderRules } from '../provider.ts';
import {
  bucketOfEndpoint,
  PLATFONE_ERROR_NAMES,
  PLATFONE_RATE_LIMITS,
  type PlatfoneActivationStatus,
  type PlatfoneBillingStatus,
  type PlatfoneBucket,
  type PlatfoneEndpointId,
  type PlatfoneErrorName,
  type PlatfoneSmsStatus,
} from './wire.ts';

/** The key of {@link PLATFONE_STATES}: `activation_status/sms_status/billing_status`. */
export type StatusKey = `${PlatfoneActivationStatus}/${PlatfoneSmsStatus}/${PlatfoneBillingStatus}`;

/**
 * Every combination of the three status fields that the sources show or that follows from the
 * transitions (reference §4.1, §4.2) → the one neutral state it is. A combination not listed —
 * one no source shows, or a moment between two writes (`expired` while still `reserved`) — is
 * `unknown`: the broker neither waits on it nor treats it as final.
 *
 * `refunded` billing after an SMS (an approved report, reference §4.2) is the state `refunded`:
 * the money came back, which is what the ledger and the reporter must show. The state then says
 * "not delivered", so the delivery-rate guard counts one success too few — the cautious side.
 */
export const PLATFONE_STATES = {
  // Live.
  'active/smsRequested/reserved': 'waitingForSms',
  'active/smsReceived/billed': 'smsReceived',
  'active/retryRequested/billed': 'waitingForNextSms',
  'active/retryReceived/billed': 'smsReceived',
  // Live, refunded by an approved report (reports open within the first hour, reference §2.2).
  'active/smsReceived/refunded': 'smsReceived',
  'active/retryRequested/refunded': 'waitingForNextSms',
  'active/retryReceived/refunded': 'smsReceived',
  // Ended after an SMS, charged: finalize, or expiry.
  'finalized/smsReceived/billed': 'finalized',
  'finalized/retryRequested/billed': 'finalized',
  'finalized/retryReceived/billed': 'finalized',
  'expired/smsReceived/billed': 'finalized',
  'expired/retryRequested/billed': 'finalized',
  'expired/retryReceived/billed': 'finalized',
  // Ended after an SMS, refunded by an approved report.
  'finalized/smsReceived/refunded': 'refunded',
  'finalized/retryRequested/refunded': 'refunded',
  'finalized/retryReceived/refunded': 'refunded',
  'expired/smsReceived/refunded': 'refunded',
  'expired/retryRequested/refunded': 'refunded',
  'expired/retryReceived/refunded': 'refunded',
  // Ended without an SMS: the reservation came back (`released`; `refunded` is open question 5).
  'expired/smsRequested/released': 'refunded',
  'expired/smsRequested/refunded': 'refunded',
  'canceled/smsRequested/released': 'refunded',
  'canceled/smsRequested/refunded': 'refunded',
} as const satisfies Partial<Record<StatusKey, ActivationState>>;

/** The one status word kept for people and logs: the three fields joined by '/'. */
export function wireStatusOf(a: {
  activation_status: string;
  sms_status: string;
  billing_status: string;
}): string {
  return `${a.activation_status}/${a.sms_status}/${a.billing_status}`;
}

/** The neutral state of an activation's three status fields; `unknown` for a combination not listed. */
export function stateOfStatuses(a: {
  activation_status: string;
  sms_status: string;
  billing_status: string;
}): ActivationState {
  const key = wireStatusOf(a);
  return Object.hasOwn(PLATFONE_STATES, key)
    ? PLATFONE_STATES[key as keyof typeof PLATFONE_STATES]
    : 'unknown';
}

/** Each operation → the endpoint it calls (reference §2). */
export const PLATFONE_OPERATIONS = {
  lease: 'newActivation',
  read: 'getActivation',
  history: 'getHistory',
  retry: 'retryActivation',
  cancel: 'cancelActivation',
  finalize: 'finalizeActivation',
  balance: 'getBalance',
  price: 'getPrice',
  priceList: 'getPriceList',
} as const satisfies Record<ProviderOperation, PlatfoneEndpointId>;

/** The rate-limit bucket of each operation, read off the endpoint table. */
export const PLATFONE_BUCKETS = Object.fromEntries(
  Object.entries(PLATFONE_OPERATIONS).map(([operation, endpoint]) => [operation, bucketOfEndpoint(endpoint)]),
) as Readonly<Record<ProviderOperation, PlatfoneBucket>>;

const minute = 60_000;
/** One row of the table below: the limit, the headroom each class leaves, the pacing. */
interface LimitRow extends RateLimit {
  headroom: Headroom;
  pacing: Pacing;
}

/** Release traffic (cancel, finalize) is `critical` and keeps the most of its bucket. */
const RELEASE_HEADROOM = { critical: 0, high: 2, normal: 4, low: 6 } as const;
/** Reads whose one user is the broker: a little left for `low` bookkeeping reads only. */
const SINGLE_USER_HEADROOM = { critical: 0, high: 0, normal: 0, low: 1 } as const;

/** How each bucket the provider uses is shared between classes and paced; the limits are the wire's. */
const SHARING: Readonly<Record<PlatfoneBucket, Omit<LimitRow, keyof RateLimit>>> = {
  'GET /user/balance': { headroom: { critical: 0, high: 0, normal: 0, low: 3 }, pacing: 'burst' },
  'GET /activation/countries': { headroom: SINGLE_USER_HEADROOM, pacing: 'burst' },
  'GET /activation/services': { headroom: SINGLE_USER_HEADROOM, pacing: 'burst' },
  'GET /activation/prices/services/:serviceId/countries/:countryId': {
    headroom: { critical: 0, high: 0, normal: 0, low: 5 },
    pacing: 'burst',
  },
  'GET /activation/prices/services': { headroom: SINGLE_USER_HEADROOM, pacing: 'burst' },
  'POST /activation': { headroom: { critical: 0, high: 0, normal: 0, low: 3 }, pacing: 'burst' },
  'GET /activation/:id': { headroom: { critical: 0, high: 0, normal: 6, low: 10 }, pacing: 'burst' },
  // The list poller's value is steady latency: even pacing, as v1's list.
  'GET /activation/history': { headroom: { critical: 0, high: 0, normal: 0, low: 2 }, pacing: 'even' },
  'PUT /activation/:id/cancel': { headroom: RELEASE_HEADROOM, pacing: 'burst' },
  'PUT /activation/:id/finalize': { headroom: RELEASE_HEADROOM, pacing: 'burst' },
  'PUT /activation/:id/retry': { headroom: { critical: 0, high: 1, normal: 3, low: 5 }, pacing: 'burst' },
};

/**
 * The buckets the provider uses, each with the assumed limit of PLATFONE_RATE_LIMITS (./wire.ts,
 * which the sandbox enforces too) and its sharing. Tighter than needed costs latency, never a
 * block; a 429 says when its block ends (`x-ratelimit-reset`) and the budget honours it for every
 * caller of the bucket.
 */
export const PLATFONE_LIMITS = Object.fromEntries(
  (Object.keys(SHARING) as PlatfoneBucket[]).map((bucket) => [
    bucket,
    { ...PLATFONE_RATE_LIMITS[bucket], ...SHARING[bucket] },
  ]),
) as Readonly<Record<PlatfoneBucket, LimitRow>>;

/** Each Platfone `errorName` → its neutral family, read off PLATFONE_ERROR_NAMES. */
export const PLATFONE_ERROR_FAMILIES = Object.fromEntries(
  Object.entries(PLATFONE_ERROR_NAMES).map(([name, row]) => [name, row.family]),
) as Readonly<Record<PlatfoneErrorName, ErrorFamily>>;

/**
 * The largest history page asked for: 10, the only page size seen (the web app's, reference §2.2);
 * the API's maximum is not known (open question 1).
 */
export const PLATFONE_MAX_HISTORY_LIMIT = 10;

/**
 * Platfone's account rules (reference §7): below 7 % of numbers with a first SMS over 24 h,
 * counted once the 10th number was ordered, the pair is blocked for 24 h; 20 active activations
 * at once by default. A number lives "up to 20 minutes" (reference §4.2; `expire_at` decides).
 */
export const PLATFONE_RULES = {
  delivery: { minSmsShare: 0.07, countedFrom: 10, windowMs: 24 * 3600_000 },
  pendingCap: 20,
  defaultLifetimeMs: 20 * minute,
} as const satisfies ProviderRules;

/*
 * The wire's units (reference §1): money in integer US-dollar cents, times in unix seconds,
 * numbers as digits without '+'.
 */

/** Cents on the wire → USD, exact to the cent (no float noise such as 0.35000000000000003). */
export function centsToUsd(cents: number): number {
  return Math.round(cents) / 100;
}

/**
 * A max price in USD → whole cents for `max_price`, rounded DOWN so the order can never be filled
 * above the caller's max. A float's noise is ignored first (0.29 × 100 is 28.999…, meant as 29).
 */
export function usdToMaxCents(usd: number): number {
  return Math.floor(Number((usd * 100).toFixed(6)));
}

/** Unix seconds on the wire → unix ms. */
export function wireTimeMs(seconds: number | null | undefined): number | undefined {
  return seconds === undefined || seconds === null ? undefined : seconds * 1000;
}

/** A wire phone (digits with the country code, no '+'; tolerated: '+', spaces, dashes) → `+E.164`; '' when none. */
export function toE164(phone: string | number | null | undefined): string {
  const digits = phone === undefined || phone === null ? '' : String(phone).replace(/\D/g, '');
  return digits === '' ? '' : `+${digits}`;
}

/** {@link PLATFONE_LIMITS} as the budget takes it: the table, the headroom and the pacing per bucket. */
export const PLATFONE_LIMIT_POLICY: LimitPolicy<PlatfoneBucket> = {
  table: mapRows((row) => ({ limit: row.limit, windowMs: row.windowMs })),
  headroom: mapRows((row) => row.headroom),
  pacing: mapRows((row) => row.pacing),
};

function mapRows<T>(pick: (row: LimitRow) => T): Record<PlatfoneBucket, T> {
  const rows: Readonly<Record<PlatfoneBucket, LimitRow>> = PLATFONE_LIMITS;
  return Object.fromEntries(
    Object.entries(rows).map(([bucket, row]) => [bucket, pick(row as LimitRow)]),
  ) as Record<PlatfoneBucket, T>;
}
