/**
 * The delivery-rate guard (DESIGN §5, reference §6.2): TempNumber refuses a service+country for
 * 24 h once at least 5 activations of the last 24 h exist and fewer than 7 % of them got an
 * SMS. The guard refuses the lease that could create that state — counting every activation
 * still waiting for its SMS (and every lease in flight) as one that may fail — so the API's
 * refusal is never reached.
 *
 * A burst of parallel leases must not be refused only because the first SMS have not come
 * yet: when the lease would be safe if some of the pending ones got their SMS, it is held (up
 * to `deliveryHoldMs`, real time, inside the lease's own allowance) and decided again each
 * time an outcome of the pair changes. A lease that cannot become safe is refused at once.
 */

import { GUARD_ENV } from '../../config/guard-settings.ts';
import { GuardError } from '../../contract/errors/guard-error.ts';
import type { DeliveryRecord } from '../store/broker-store.ts';
import { formatDuration } from './format-duration.ts';
import type { LeaseAttempt, LeaseGuard } from './lease-guard.ts';

/** The API's rule, as data (reference §6.2). */
export const DELIVERY_RULE = {
  /** Share of activations that must get an SMS. */
  minSmsShare: 0.07,
  /** The rule applies from this many activations in the window. */
  countedFrom: 5,
  /** Rolling window, API ms. */
  windowApiMs: 24 * 3600_000,
} as const;

/** Counts of one pair over the window, the candidate lease not included. */
export interface DeliveryCounts {
  /** Activations in the window (booked + in flight). */
  total: number;
  /** Those that got an SMS. */
  sms: number;
  /** Those that may still get one (waiting, or a lease in flight). */
  pending: number;
}

/** `pass`: safe whatever happens; `hold`: safe only if some pending get an SMS; `refuse`: never safe. */
export type DeliveryVerdict = 'pass' | 'hold' | 'refuse';

/** Decide one more lease of a pair with `counts`. Pure. */
export function deliveryVerdict(counts: DeliveryCounts): DeliveryVerdict {
  const next = counts.total + 1;
  if (next < DELIVERY_RULE.countedFrom) return 'pass';
  // Worst case: every pending one, and the new one, ends without an SMS.
  if (counts.sms / next >= DELIVERY_RULE.minSmsShare) return 'pass';
  return (counts.sms + counts.pending) / next >= DELIVERY_RULE.minSmsShare ? 'hold' : 'refuse';
}

/** Counts from the store's records plus this broker's leases in flight (other than this one). */
export function countDeliveries(records: DeliveryRecord[], inFlight: number): DeliveryCounts {
  let sms = 0;
  let pending = inFlight;
  for (const r of records) {
    if (r.outcome === 'sms') sms += 1;
    else if (r.outcome === 'pending') pending += 1;
  }
  return { total: records.length + inFlight, sms, pending };
}

/** How often a held lease looks again even without a signal (other brokers' outcomes, Redis mode). */
const RECHECK_MS = 1_000;

export const deliveryRateGuard: LeaseGuard = async (attempt) => {
  const { env, pair, attemptId } = attempt;
  if (!env.settings.deliveryRate) return undefined;
  const deadline = Date.now() + env.settings.deliveryHoldMs;
  let held = false;
  for (;;) {
    const records = await attempt.store.deliveryRecords(pair);
    // No await between this count and `begin`: leases of one broker cannot both slip through.
    const counts = countDeliveries(records, env.activity.inFlight(pair, attemptId));
    const verdict = deliveryVerdict(counts);
    const remainingMs = deadline - Date.now();
    if (verdict === 'pass') {
      env.activity.begin(pair, attemptId);
      if (held) env.log(`lease of ${pair} held by the delivery-rate guard went ahead`);
      return undefined;
    }
    if (verdict === 'refuse' || remainingMs <= 0 || env.signal?.aborted)
      return refusal(attempt, counts, held);
    if (!held) {
      env.log(`lease of ${pair} held: ${counts.pending} activation(s) of the pair still wait for an SMS`);
      held = true;
    }
    await env.activity.changed(pair, Math.min(remainingMs, RECHECK_MS), env.signal);
  }
};

function refusal(attempt: LeaseAttempt, counts: DeliveryCounts, held: boolean): GuardError {
  const { service, country, pair, env } = attempt;
  const { settings } = env;
  const pending =
    counts.pending > 0
      ? ` (${counts.pending} still waiting for theirs${held ? ` after ${formatDuration(settings.deliveryHoldMs)} of waiting` : ''}, counted as possible failures)`
      : '';
  return new GuardError({
    guard: 'deliveryRate',
    service,
    country,
    message:
      `${counts.sms} of the last ${counts.total} activations of ${pair} got an SMS${pending}. ` +
      `Leasing one more could put ${pair} under TempNumber's delivery rule (at least 7 % of the activations ` +
      'of a service in a country must get an SMS, counted from the 5th in 24 h); TempNumber would then refuse ' +
      `${pair} for this account for 24 h. Not leasing. Check that the app under test sends its SMS to the ` +
      `number. Tune: ${GUARD_ENV.deliveryHoldMs}=<ms> (how long a lease waits for pending SMS, now ` +
      `${settings.deliveryHoldMs}); disable: ${GUARD_ENV.deliveryRate}=off (the API's own block then decides).`,
  });
}
