/**
 * The broker's budget and poll timing for TempNumber v1, derived as `createBrokerContext` derives
 * them: from the v1 provider's declared limits, through `brokerLimits`.
 */
import { brokerLimits } from '../../src/broker/server/context.ts';
import { type PollTiming, pollTiming } from '../../src/broker/server/poll-plan.ts';
import { createTempNumberV1Provider } from '../../src/providers/tempnumber-v1/provider.ts';

/** v1's declared limits (creating the provider sends nothing). */
export const V1_PROVIDER_LIMITS = createTempNumberV1Provider({ apiKey: 'limits-only-0123456789' }).limits;

/** What a v1 broker at `timeScale` budgets on, with `rateLimits` as TEMPNUMBER_RATE_LIMITS. */
export function v1BrokerLimits(timeScale: number, rateLimits?: string) {
  return brokerLimits(V1_PROVIDER_LIMITS, { api: 'tempnumber-v1', timeScale, rateLimits });
}

/** The poll timing of a v1 broker at `timeScale`. */
export function v1PollTiming(timeScale: number): PollTiming {
  const { limits, pollBuckets } = v1BrokerLimits(timeScale);
  return pollTiming(timeScale, limits, pollBuckets);
}
