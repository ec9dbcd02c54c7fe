import { GuardError } from '../../contract/errors/guard-error.ts';
import type { LeaseGuard } from './lease-guard.ts';

/**
 * Refuse a pair the store has blocked — after the API's `lowSuccessRateException`, TempNumber
 * refuses that service+country for 24 h, and asking again would only add failed requests.
 */
export const pairBlockGuard: LeaseGuard = async ({ pair, service, country, store }) => {
  const block = await store.pairBlock(pair);
  if (!block) return undefined;
  const minutes = Math.ceil(block.remainingMs / 60_000);
  return new GuardError({
    guard: 'lowSuccessRate',
    service,
    country,
    message:
      `Leasing ${service} in ${country} is blocked for another ${minutes} min (real time): ${block.reason}. ` +
      'Use another country, or check that the app under test really sends its SMS.',
  });
};
