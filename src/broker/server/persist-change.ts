/**
 * What happens when the poller learns something about an activation: the ledger gets the new
 * snapshot, the delivery records learn about an SMS (late ones too: the API counts them), and
 * the pending slot follows the API — held while the status is a waiting one, given back once
 * it is not (SMS received, refunded at expiry).
 */
import { isWaitingStatus } from '../../api/activation-statuses.ts';
import type { ChangeReason, TrackedActivation } from './activation-tracker.ts';
import { type BrokerContext, pendingKeyOf } from './broker-context.ts';
import { bestEffort } from './release.ts';

/** Record what the poller learned about `t` (ledger, store); errors are logged, never thrown. */
export function persistChange(ctx: BrokerContext, t: TrackedActivation, reason: ChangeReason): void {
  const { record } = t;
  ctx.ledger.append(record).catch((error: unknown) => {
    ctx.log(`could not write activation ${record.id} to the ledger: ${(error as Error).message}`);
  });
  if (reason === 'refund') {
    ctx.log(`activation ${record.id} ended ${record.refunded ? 'refunded' : 'billed (a late SMS arrived)'}`);
  }
  void bestEffort(ctx, t, async () => {
    const smsArrived = reason === 'sms' || (reason === 'refund' && record.refunded === false);
    if (smsArrived) {
      await ctx.store.recordOutcome(t.pair, record.id, 'sms');
      ctx.guards.activity.notify(t.pair);
    }
    if (!isWaitingStatus(record.status)) await ctx.store.releasePending(pendingKeyOf(record.id));
  });
}
