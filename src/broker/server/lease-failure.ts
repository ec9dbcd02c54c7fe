/**
 * What a failed `POST /activations` means for the country fallback, as data: which API error
 * families skip to the next country (and why, in the words the test report shows), and which
 * fail the whole lease. Anything not listed fails the lease.
 */
import type { ApiError } from '../../api/errors/api-error.ts';

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
      `price ${e.newPrice ?? 'unknown'} is above the max price ${maxPrice ?? 'expected'} (${e.errorName})`,
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
