/**
 * TempNumber v1 in the seam's neutral terms, as data: which neutral state each wire status is,
 * which endpoint each operation calls (and so which rate-limit bucket it draws on), what ending
 * an activation on purpose does on the wire, and the wire's units. The v1 tables themselves
 * (ACTIVATION_STATUSES, ENDPOINTS, ERROR_NAMES, RATE_LIMITS) stay where the standalone client
 * and the sandbox read them; these rows only point at them.
 */

import type { ActivationState } from '../../contract/activation.ts';
import type { ErrorFamily } from '../../contract/errors.ts';
import type { BucketId } from '../../limits/rate-limits.ts';
import type { ProviderOperation, ProviderRules, ReleaseEffect } from '../provider.ts';
import type { ActivationStatus } from './wire.ts';
import { ENDPOINTS, type EndpointId, ERROR_NAMES, isActivationStatus } from './wire.ts';

/** Every v1 status (reference §4) → the one neutral state it is. */
export const V1_STATES = {
  // Never seen by an API client in practice; the broker has always treated both as waiting.
  numberRequested: 'waitingForSms',
  numberReceived: 'waitingForSms',
  smsRequested: 'waitingForSms',
  smsReceived: 'smsReceived',
  // A retry is only possible after an SMS: that one was delivered (and billed).
  retryRequested: 'waitingForNextSms',
  retryReceived: 'smsReceived',
  // The final state after a billed SMS (PHP client; not in the 1.3.8 enum).
  serviceConsumed: 'finalized',
  // "Cancelled and refunded": how an activation without an SMS ends at expiry.
  refunded: 'refunded',
  error: 'failed',
} as const satisfies Record<ActivationStatus, ActivationState>;

/** The neutral state of a v1 wire status; a status the table does not know is `unknown`. */
export function stateOfV1Status(status: string): ActivationState {
  return isActivationStatus(status) ? V1_STATES[status] : 'unknown';
}

/**
 * Each operation → the v1 endpoint it calls; null: v1 has no such call (reference §2: no cancel,
 * no finish — `PUT /activations/{id}` knows only `retry`).
 */
export const V1_OPERATIONS = {
  lease: 'newActivation',
  read: 'getActivation',
  history: 'getActivationsHistory',
  retry: 'updateActivation',
  cancel: null,
  finalize: null,
  balance: 'getUserBalance',
  price: 'getSingleService',
  priceList: 'getPricelistByCountry',
} as const satisfies Record<ProviderOperation, EndpointId | null>;

/** The rate-limit bucket of each operation, read off the endpoint table. */
export const V1_BUCKETS = Object.fromEntries(
  Object.entries(V1_OPERATIONS).map(([operation, endpoint]) => [
    operation,
    endpoint === null ? null : ENDPOINTS[endpoint].bucket,
  ]),
) as Readonly<Record<ProviderOperation, BucketId | null>>;

/**
 * What ending an activation on purpose does in v1: nothing goes on the wire (DESIGN §3.4).
 * A cancelled one runs until it expires and ends `refunded` (or `serviceConsumed` if a late SMS
 * was billed); a finalized one was billed at its SMS and ends `serviceConsumed` at expiry.
 */
export const V1_RELEASE = {
  cancel: { kind: 'runsToExpiry' },
  finalize: { kind: 'runsToExpiry' },
} as const satisfies Record<'cancel' | 'finalize', ReleaseEffect>;

/**
 * The wire's units: prices and balances are USD (credits = USD 1:1, reference §3.3), times are
 * unix seconds (§3.1).
 */
export const V1_UNITS = { usdPerMoneyUnit: 1, msPerTimeUnit: 1000 } as const;

/** Each v1 `errorName` → its neutral family, read off ERROR_NAMES. */
export const V1_ERROR_FAMILIES = Object.fromEntries(
  Object.entries(ERROR_NAMES).map(([name, row]) => [name, row.family]),
) as Readonly<Record<keyof typeof ERROR_NAMES, ErrorFamily>>;

/**
 * The largest history page the broker asks v1 for: the sandbox's maximum (reference
 * "Decisions"; the real API's is not published).
 */
export const V1_MAX_HISTORY_LIMIT = 100;

/**
 * v1's account rules: the delivery rule as published (reference §6.2: 7 %, counted after the 5th,
 * 24 h); the pending cap and lifetime are not published — these are the values the sandbox and the
 * broker already assume (reference "Decisions").
 */
export const V1_RULES = {
  delivery: { minSmsShare: 0.07, countedFrom: 5, windowMs: 24 * 3600_000 },
  pendingCap: 20,
  defaultLifetimeMs: 1_200_000,
} as const satisfies ProviderRules;
