/**
 * `adopt`: a client that lost its broker (crash, restart) reconnects and takes its phones back.
 * An activation can be adopted while it is orphaned (left by a previous broker, or by a
 * connection that vanished) and the number has not expired; one its owner released cannot.
 */
import { isWaitingStatus } from '../../api/activation-statuses.ts';
import type { ActivationRecord } from '../protocol.ts';
import type { TrackedActivation } from './activation-tracker.ts';
import { type BrokerContext, type ClientConnection, NO_CAP, pendingKeyOf } from './broker-context.ts';
import { bestEffort } from './release.ts';

export interface AdoptResult {
  adopted: ActivationRecord[];
  /** Ids this broker cannot hand back, with why. */
  refused: Array<{ activationId: number; reason: string }>;
}

/** Give `connection` the activations it asks for back, where that is still possible. */
export async function adopt(
  ctx: BrokerContext,
  connection: ClientConnection,
  activationIds: number[],
): Promise<AdoptResult> {
  const result: AdoptResult = { adopted: [], refused: [] };
  for (const id of Array.isArray(activationIds) ? activationIds : []) {
    const t = ctx.tracker.get(id);
    const reason = t ? refusal(ctx, t, connection) : 'unknown to this broker';
    if (reason || !t) {
      result.refused.push({ activationId: id, reason: reason ?? 'unknown' });
      continue;
    }
    await take(ctx, t, connection);
    result.adopted.push({ ...t.record });
  }
  return result;
}

function refusal(ctx: BrokerContext, t: TrackedActivation, connection: ClientConnection): string | undefined {
  if (t.connectionId === connection.id) return undefined;
  if (t.releasedByOwner) return `released by its owner (${t.record.outcome})`;
  if (ctx.now() >= t.expiresAtMs) return 'the number has expired';
  if (t.record.outcome === 'waiting' && t.connectionId !== undefined)
    return `held by another client (${t.record.owner})`;
  if (t.record.outcome === 'cancelled' && t.record.refunded !== undefined) return 'already settled';
  return undefined;
}

async function take(ctx: BrokerContext, t: TrackedActivation, connection: ClientConnection): Promise<void> {
  const revived = t.record.outcome !== 'waiting';
  t.connectionId = connection.id;
  t.adoptUntilMs = undefined;
  if (!revived) return;
  t.record.outcome = 'waiting';
  t.record.releasedAt = undefined;
  await ctx.ledger.append(t.record);
  ctx.log(`activation ${t.record.id} adopted by ${connection.owner}`);
  if (isWaitingStatus(t.record.status)) {
    await bestEffort(ctx, t, async () => {
      await ctx.store.admitPending(
        pendingKeyOf(t.record.id),
        Math.max(t.expiresAtMs - ctx.now(), 0) + 2_000,
        NO_CAP,
      );
    });
  }
  ctx.poller.wake();
}
