/**
 * Settling `unknown` ledger entries: leases whose answer was lost while the history could not
 * be read either (see lost-lease.ts). The history is read again — a few times by the broker
 * that wrote them, and by every broker at start — and each entry is settled:
 * - an activation of the pair created around the request that nobody knows is adopted: booked
 *   like a lease and released at once as cancelled (nobody has its number, so no SMS can come;
 *   the broker watches it until the refund);
 * - none: nothing was bought; the entry is closed as `cancelled` with status `notLeased`.
 */
import type { ActivationRecord } from '../protocol.ts';
import type { BrokerContext } from './broker-context.ts';
import { readHistory } from './lost-lease.ts';
import { registerLease } from './register-lease.ts';
import { releaseActivation } from './release.ts';

/** A request answered after this long (real ms) had timed out on our side already. */
const ANSWER_WINDOW_MS = 30_000;
const SLACK_REAL_MS = 2_000;
/** Delays (real ms) of this broker's own retries after an unreadable history. */
const RETRY_DELAYS_MS = [5_000, 30_000, 120_000];

/** Look up every unknown entry once; resolves to how many are still unknown. Never throws. */
export async function reconcileUnknownLeases(ctx: BrokerContext): Promise<number> {
  const unknown = ctx.ledger.all().filter((r) => r.outcome === 'unknown' && r.id < 0);
  if (unknown.length === 0) return 0;
  const oldestMs = Math.min(...unknown.map((r) => Date.parse(r.leasedAt)));
  const maxAgeApiS = ((ctx.now() - oldestMs + SLACK_REAL_MS) * ctx.timeScale) / 1000;
  let history: Awaited<ReturnType<typeof readHistory>>;
  try {
    history = await readHistory(ctx, maxAgeApiS, 'low');
  } catch (error) {
    ctx.log(`${unknown.length} lease(s) of unknown outcome still unreconciled: ${(error as Error).message}`);
    return unknown.length;
  }
  for (const record of unknown) {
    const sentMs = Date.parse(record.leasedAt);
    const match = history.find((a) => {
      if (a.serviceId !== record.service || a.countryId !== record.country) return false;
      if (a.createdAt === undefined || a.utc === undefined) return false;
      if (ctx.tracker.get(a.id) || ctx.ledger.get(a.id) || ctx.guards.activity.isClaimed(a.id)) return false;
      const createdMs = ctx.now() - ((a.utc - a.createdAt) * 1000) / ctx.timeScale;
      return createdMs >= sentMs - SLACK_REAL_MS && createdMs <= sentMs + ANSWER_WINDOW_MS + SLACK_REAL_MS;
    });
    if (match && !ctx.guards.activity.claim(match.id)) continue;
    await settle(ctx, record, match?.id).catch((e: unknown) => {
      ctx.log(`could not settle unknown lease ${record.id}: ${(e as Error).message}`);
    });
    if (match) {
      const pair = `${record.service}/${record.country}`;
      const booked = await registerLease(ctx, {
        data: match,
        service: record.service,
        country: record.country,
        pair,
        owner: record.owner,
        connectionId: undefined,
        tempPendingKey: `unknown:${record.id}`,
        deliveryWindowMs: (24 * 3600_000) / ctx.timeScale,
      }).catch(() => undefined);
      const t = booked && ctx.tracker.get(booked.id);
      if (t) await releaseActivation(ctx, t, 'notAdopted').catch(() => {});
      ctx.log(`lease of ${pair} whose answer was lost turned out to be activation ${match.id}: cancelled`);
    }
  }
  return 0;
}

/** Try again later in this broker (timers never keep it alive). */
export function scheduleUnknownReconcile(ctx: BrokerContext, attempt = 0): void {
  const delay = RETRY_DELAYS_MS[attempt];
  if (delay === undefined) return;
  setTimeout(() => {
    void reconcileUnknownLeases(ctx).then((left) => {
      if (left > 0) scheduleUnknownReconcile(ctx, attempt + 1);
    });
  }, delay).unref();
}

async function settle(
  ctx: BrokerContext,
  record: ActivationRecord,
  foundId: number | undefined,
): Promise<void> {
  // Nothing was charged under this entry: the found activation (if any) carries its own money.
  await ctx.ledger.append({
    ...record,
    outcome: 'cancelled',
    refunded: true,
    status: foundId === undefined ? 'notLeased' : `leasedAs:${foundId}`,
  });
}
