/**
 * The circuit breaker (DESIGN §5, anchors §7.4): after `breakerThreshold` consecutive
 * activations of a pair released without an SMS, the app under test is most likely not sending
 * its SMS — stop buying numbers for that pair long before the API's 7 % rule would.
 *
 * Derived from the shared delivery records (so every broker of the account agrees on the
 * streak), with its open period kept in the store as a pair block under its own key:
 * - closed: the streak (newest released outcomes, pending ones skipped) is below the threshold;
 *   any SMS ends a streak, so an SMS resets the breaker;
 * - open: a streak reached the threshold; refused for `breakerCooldownApiMs` (API time) from the
 *   moment a broker first saw it;
 * - half-open: after the cool-down, ONE trial lease goes ahead; while it (or any other lease of
 *   the pair) is in flight or waiting, others are refused. The trial ending without an SMS
 *   lengthens the streak, which opens the breaker again; an SMS closes it.
 */

import { GUARD_ENV } from '../../config/guard-settings.ts';
import { GuardError } from '../../contract/errors/guard-error.ts';
import type { DeliveryRecord } from '../store/broker-store.ts';
import { formatApiDuration } from './format-duration.ts';
import type { LeaseAttempt, LeaseGuard } from './lease-guard.ts';

/** The streak of releases without an SMS, newest first; pending records are skipped. */
export function noSmsStreak(records: DeliveryRecord[]): DeliveryRecord[] {
  const streak: DeliveryRecord[] = [];
  for (const r of records) {
    if (r.outcome === 'sms') break;
    // Negative ids stand for leases whose answer was lost: not the app's fault.
    if (r.outcome === 'noSms' && r.activationId > 0) streak.push(r);
  }
  return streak;
}

/** Store keys of the breaker's state (pair blocks under names no real pair can have). */
const openKey = (pair: string, tripId: number) => `breaker-open:${pair}#${tripId}`;
const trippedKey = (pair: string, tripId: number) => `breaker-tripped:${pair}#${tripId}`;

export const circuitBreakerGuard: LeaseGuard = async (attempt) => {
  const { env, pair, store } = attempt;
  const { breakerThreshold, breakerCooldownApiMs } = env.settings;
  if (breakerThreshold <= 0) return undefined;
  const records = await store.deliveryRecords(pair);
  const streak = noSmsStreak(records);
  const newest = streak[0];
  if (streak.length < breakerThreshold || !newest) return undefined;
  const tripId = newest.activationId;
  const cooldownMs = breakerCooldownApiMs / env.timeScale;
  if (!(await store.pairBlock(trippedKey(pair, tripId)))) {
    // First broker to see this streak: open now. The "tripped" mark outlives the cool-down so
    // the same streak is not opened twice; it lives as long as the records it stands for.
    await store.blockPair(openKey(pair, tripId), cooldownMs, 'circuit breaker open');
    await store.blockPair(trippedKey(pair, tripId), cooldownMs + (24 * 3600_000) / env.timeScale, 'tripped');
    env.log(`circuit breaker for ${pair} opened after ${streak.length} activations without an SMS`);
    return refusal(attempt, streak, breakerCooldownApiMs);
  }
  const open = await store.pairBlock(openKey(pair, tripId));
  if (open) return refusal(attempt, streak, open.remainingMs * env.timeScale);
  // Half-open: only one trial at a time. No await between this check and `begin`.
  const newer = records.slice(0, records.indexOf(newest));
  const trialRunning =
    env.activity.inFlight(pair, attempt.attemptId) > 0 || newer.some((r) => r.outcome === 'pending');
  if (trialRunning) return refusal(attempt, streak, undefined);
  env.activity.begin(pair, attempt.attemptId);
  env.log(`circuit breaker for ${pair} half-open: one trial lease`);
  return undefined;
};

function refusal(
  attempt: LeaseAttempt,
  streak: DeliveryRecord[],
  remainingApiMs: number | undefined,
): GuardError {
  const { service, country, pair, env } = attempt;
  const numbers = streak
    .slice(0, 5)
    .map((r) => env.numberOf(r.activationId) ?? `activation ${r.activationId}`)
    .join(', ')
    .concat(streak.length > 5 ? ', …' : '');
  const when =
    remainingApiMs === undefined
      ? 'until the trial lease of this pair that is running now gets an SMS'
      : `for ${formatApiDuration(remainingApiMs, env.timeScale)}; then one trial lease is let through`;
  return new GuardError({
    guard: 'circuitBreaker',
    service,
    country,
    message:
      `The app under test sent no SMS to the last ${streak.length} numbers for ${pair} (${numbers}): check ` +
      'that the app submits the number and that its SMS gateway works. Not leasing more numbers for this pair ' +
      `${when}. Tune: ${GUARD_ENV.breakerThreshold}=<n> (now ${env.settings.breakerThreshold}; 0 disables), ` +
      `${GUARD_ENV.breakerCooldownApiMs}=<ms>.`,
  });
}
