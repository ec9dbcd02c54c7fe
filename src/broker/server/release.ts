/**
 * Ending an activation on purpose (DESIGN §3.4): `finalized` when an SMS arrived (billing
 * already happened at the SMS), else `cancelled` — v1 has no cancel call, so a cancelled one
 * is watched cheaply until it expires to learn whether it was refunded.
 *
 * The pending slot is NOT given back on a cancel: the API keeps counting the activation as
 * pending until it leaves the waiting statuses (SMS, refund at expiry), so the slot follows
 * the API's status (see persist.ts) and its TTL ends at expiry at the latest.
 */
import { ACTIVATION_STATUSES, isActivationStatus, isWaitingStatus } from '../../api/activation-statuses.ts';
import type { ActivationRecord } from '../protocol.ts';
import type { TrackedActivation } from './activation-tracker.ts';
import { type BrokerContext, pendingKeyOf } from './broker-context.ts';

/** How the activation came to be released. */
export type ReleaseCause = 'owner' | 'connectionClosed' | 'heartbeatLost' | 'notAdopted';

/** Release one activation (idempotent): outcome, ledger, delivery record, waits answered. */
export async function releaseActivation(
  ctx: BrokerContext,
  t: TrackedActivation,
  cause: ReleaseCause,
): Promise<ActivationRecord> {
  if (t.record.outcome !== 'waiting') {
    if (cause === 'owner') t.releasedByOwner = true;
    return { ...t.record };
  }
  const sms = t.sms.sequence > 0;
  t.record.outcome = sms ? 'finalized' : 'cancelled';
  t.record.releasedAt = new Date(ctx.now()).toISOString();
  t.connectionId = undefined;
  t.waitStartedAtMs = undefined;
  t.adoptUntilMs = undefined;
  t.releasedByOwner = cause === 'owner';
  // Already final (e.g. an orphan released after its expiry): the verdict is known now.
  if (!sms) t.record.refunded = refundVerdict(t.record.status);
  ctx.tracker.waits.flush(t.record.id, () => ctx.tracker.waitResult(t, t.sms.sequence));
  await ctx.ledger.append(t.record);
  ctx.poller.wake();
  if (cause !== 'owner') ctx.log(`released activation ${t.record.id} as ${t.record.outcome} (${cause})`);
  await bestEffort(ctx, t, async () => {
    await ctx.store.recordOutcome(t.pair, t.record.id, sms ? 'sms' : 'noSms');
    // A lease held by the delivery-rate guard decides again now.
    ctx.guards.activity.notify(t.pair);
    await ctx.store.removeWaiting(t.record.id);
    if (!isWaitingStatus(t.record.status)) await ctx.store.releasePending(pendingKeyOf(t.record.id));
  });
  return { ...t.record };
}

/** What a final status says about the money of a cancelled activation; undefined while unknown. */
export function refundVerdict(status: string): boolean | undefined {
  if (status === 'refunded') return true;
  if (isActivationStatus(status) && ACTIVATION_STATUSES[status].final && ACTIVATION_STATUSES[status].hasSms)
    return false;
  return undefined;
}

/** Release every activation a vanished connection still held, as cancelled (or finalized). */
export async function releaseOwnedBy(
  ctx: BrokerContext,
  connectionId: number,
  cause: ReleaseCause,
): Promise<void> {
  const owned = ctx.tracker
    .all()
    .filter((t) => t.connectionId === connectionId && t.record.outcome === 'waiting');
  for (const t of owned) {
    await releaseActivation(ctx, t, cause).catch((e: unknown) => {
      ctx.log(`could not release activation ${t.record.id}: ${(e as Error).message}`);
    });
  }
}

/** Store calls after the ledger is written: a store outage must not fail a release. */
export async function bestEffort(
  ctx: BrokerContext,
  t: TrackedActivation,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    ctx.log(`store update of activation ${t.record.id} failed: ${(error as Error).message}`);
  }
}
