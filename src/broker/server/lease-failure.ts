/**
 * What a failed `POST /activations` means, as data:
 * - {@link SKIP_ON_FAMILY}: API refusals that another country may not have: skip to the next
 *   country (with the reason the test report shows). Anything not listed fails the lease.
 * - {@link postFailureKind}: whether the request may have leased a number anyway (no usable
 *   answer: look in the history before anything else), was refused without spending money in a
 *   way worth another try, or is final.
 */
import type { ApiError } from '../../contract/errors/api-error.ts';
import { isTempNumberError } from '../../contract/errors/tempnumber-error.ts';

export interface SkipRule {
  /** The reason shown in `LeaseResult.skipped` and in the final error. */
  reason(error: ApiError, maxPrice: number | undefined): string;
  /** Stop leasing the pair for the API's 24 h block. */
  blockPair?: true;
}

export const SKIP_ON_FAMILY: Partial<Record<ApiError['family'], SkipRule>> = {
  notFound: { reason: (e) => `no numbers (${e.errorName})` },
  serviceUnavailable: { reason: (e) => `no numbers right now (${e.errorName})` },
  priceChanged: {
    reason: (e, maxPrice) =>
      `the price is now $${e.newPrice ?? 'unknown'}, above the max price $${maxPrice ?? 'expected'} ` +
      `(phoneMaxPrice); nothing was bought (${e.errorName})`,
  },
  lowSuccessRate: {
    reason: (e) =>
      `TempNumber blocked this service in this country for 24 h: too few of its numbers received an SMS (${e.errorName})`,
    blockPair: true,
  },
};

/** The skip rule for `error`, when it is an API refusal that another country may not have. */
export function skipRuleFor(error: unknown): SkipRule | undefined {
  if (!(error instanceof Error) || !('family' in error)) return undefined;
  return SKIP_ON_FAMILY[(error as ApiError).family];
}

/**
 * - `notSent`: the connection was never made (refused, DNS, TLS): nothing reached the server;
 * - `uncertain`: no usable answer — the lease may have happened (reconcile through history);
 * - `transient`: refused, nothing bought, and another try may work (after the budget allows);
 * - `final`: refused for a reason another try will not change (or one the skip rules handle).
 */
export type PostFailureKind = 'notSent' | 'uncertain' | 'transient' | 'final';

/** Families of API refusals worth another POST (nothing was bought). */
const TRANSIENT_FAMILIES: ReadonlySet<string> = new Set(['serviceUnavailable', 'rateLimited']);

/** Classify a failed `POST /activations`. */
export function postFailureKind(error: unknown): PostFailureKind {
  if (isTempNumberError(error, 'NetworkError')) {
    return (error as { requestSent?: unknown }).requestSent === false ? 'notSent' : 'uncertain';
  }
  const status = (error as { status?: unknown }).status;
  if (isTempNumberError(error, 'UnexpectedResponseError') && typeof status === 'number') {
    // A garbled 2xx, or a gateway's 5xx page: the API may have acted before the answer broke.
    return status < 300 || status >= 500 ? 'uncertain' : 'final';
  }
  const family = (error as { family?: unknown }).family;
  if (typeof family !== 'string') return 'final';
  if (family === 'unknown' && typeof status === 'number' && status >= 500) return 'uncertain';
  return TRANSIENT_FAMILIES.has(family) ? 'transient' : 'final';
}
