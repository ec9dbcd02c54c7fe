/**
 * Start-up reconciliation (DESIGN §3.5, research §6.7): activations a previous broker left
 * unsettled in the ledger are taken back into the books and watched again through the API.
 * - `waiting` ones lost their owner with the old broker: a client that survived may `adopt`
 *   them within a grace period (it reconnects at once); after that, or at expiry, they are
 *   released — cancelled, or finalized when an SMS had arrived.
 * - `cancelled` ones whose refund is not known yet go back on the cheap refund watch.
 */
import { isFinalStatus } from '../../api/activation-statuses.ts';
import type { SmsState } from '../poller/sms-detector.ts';
import type { ActivationRecord } from '../protocol.ts';
import type { BrokerContext } from './broker-context.ts';
import { refundVerdict } from './release.ts';

/** Returns how many activations were taken back. */
export function reconcileLedger(ctx: BrokerContext, adoptGraceMs: number): number {
  const now = ctx.now();
  let count = 0;
  for (const record of ctx.ledger.all()) {
    settleFinal(ctx, record);
    if (!needsWatching(record)) continue;
    const expiresAtMs = Date.parse(record.expiresAt);
    if (!Number.isFinite(expiresAtMs) || now > expiresAtMs + ctx.timing.refundGiveUpMs) continue;
    ctx.tracker.add({
      record,
      pair: `${record.service}/${record.country}`,
      sms: recoveredSmsState(record),
      expiresAtMs,
      connectionId: undefined,
      waitStartedAtMs: undefined,
      retriedAtMs: Number.NEGATIVE_INFINITY,
      lastPollError: undefined,
      releasedByOwner: record.outcome !== 'waiting',
      adoptUntilMs: record.outcome === 'waiting' ? Math.min(now + adoptGraceMs, expiresAtMs) : undefined,
    });
    count += 1;
  }
  if (count > 0) ctx.log(`reconciling ${count} activation(s) left by a previous broker`);
  return count;
}

/** A cancelled record whose final status came in without a verdict gets it now. */
function settleFinal(ctx: BrokerContext, record: ActivationRecord): void {
  if (record.outcome !== 'cancelled' || record.refunded !== undefined || !isFinalStatus(record.status))
    return;
  record.refunded = refundVerdict(record.status);
  if (record.refunded !== undefined) {
    ctx.ledger.append(record).catch((e: unknown) => ctx.log(`ledger write failed: ${(e as Error).message}`));
  }
}

function needsWatching(record: ActivationRecord): boolean {
  if (record.outcome === 'waiting') return true;
  return record.outcome === 'cancelled' && record.refunded === undefined && !isFinalStatus(record.status);
}

/** The ledger keeps when the first SMS came, not its text: the next snapshot fills that in. */
function recoveredSmsState(record: ActivationRecord): SmsState {
  const hadSms = record.smsAt !== undefined;
  return {
    sequence: hadSms ? 1 : 0,
    lastSms: undefined,
    expectingSms: !hadSms,
    staleMessage: undefined,
    sawWaitingSinceRetry: false,
  };
}
