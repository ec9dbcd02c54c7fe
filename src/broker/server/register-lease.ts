/**
 * Taking a freshly leased activation into the broker's books, in the order that keeps money
 * safe: the ledger first (fsync'd — whatever happens next, the number is on disk), then the
 * tracker (the poller watches it), then the store (pending slot, delivery records).
 */
import type { Activation } from '../../api/response-types.ts';
import { newSmsState } from '../poller/sms-detector.ts';
import type { ActivationRecord } from '../protocol.ts';
import { type BrokerContext, NO_CAP, pendingKeyOf } from './broker-context.ts';
import { brokerError } from './wire-error.ts';

/** The delivery-rate rule counts over 24 h of API time (reference §6.2). */
export const DELIVERY_WINDOW_API_MS = 24 * 3600_000;
/** The sandbox's (and reportedly the API's) lifetime, when an answer lacks the times. */
const DEFAULT_LIFETIME_API_S = 1200;
/** A pending slot outlives the number by this much (real ms), to cover clock granularity. */
const PENDING_MARGIN_MS = 2_000;

/**
 * Real ms until the number expires: `numberExpireAt - utc` (both API seconds, so clock skew
 * between us and the API cancels out), divided by the time scale.
 */
export function lifetimeRealMs(
  ctx: Pick<BrokerContext, 'timeScale'>,
  data: Pick<Activation, 'numberExpireAt' | 'utc'> | undefined,
): number {
  const seconds =
    data?.numberExpireAt !== undefined && data.utc !== undefined
      ? Math.max(0, data.numberExpireAt - data.utc)
      : DEFAULT_LIFETIME_API_S;
  return (seconds * 1000) / ctx.timeScale;
}

export interface NewLease {
  data: Activation;
  service: string;
  country: string;
  pair: string;
  owner: string;
  connectionId: number | undefined;
  /** The pending slot the guard took before the POST; swapped for the activation's own key. */
  tempPendingKey: string | undefined;
  /** Found only through history and not provably ours: never handed out (lease-intents.ts). */
  orphan?: true;
  /** Written in the same fsync'd ledger write as the record: the closed lease intent. */
  alsoWrite?: ActivationRecord[];
}

/** Book a leased activation: ledger (fsync), tracker, store; throws when the ledger write failed. */
export async function registerLease(ctx: BrokerContext, lease: NewLease): Promise<ActivationRecord> {
  const { data } = lease;
  const now = ctx.now();
  const lifetimeMs = lifetimeRealMs(ctx, data);
  const record: ActivationRecord = {
    id: data.id,
    number: `+${String(data.number ?? '').replace(/\D/g, '')}`,
    service: lease.service,
    country: lease.country,
    price: data.price ?? 0,
    status: data.status,
    outcome: 'waiting',
    refunded: undefined,
    owner: lease.owner,
    leasedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + lifetimeMs).toISOString(),
    releasedAt: undefined,
    smsAt: undefined,
    ...(lease.orphan ? { orphan: true as const } : {}),
  };
  let ledgerError: unknown;
  await ctx.ledger.append(record, ...(lease.alsoWrite ?? [])).catch((e: unknown) => {
    ledgerError = e;
  });
  // Without a ledger line nobody could find this paid number after a crash: do not hand it
  // out, but keep watching it until it expires so its refund is still recorded.
  if (ledgerError !== undefined) record.outcome = 'cancelled';
  ctx.tracker.add({
    record,
    pair: lease.pair,
    sms: newSmsState(),
    expiresAtMs: now + lifetimeMs,
    connectionId: ledgerError === undefined ? lease.connectionId : undefined,
    waitStartedAtMs: undefined,
    retriedAtMs: Number.NEGATIVE_INFINITY,
    lastPollError: undefined,
    releasedByOwner: ledgerError !== undefined,
    adoptUntilMs: undefined,
  });
  await storeBookkeeping(ctx, lease, lifetimeMs);
  ctx.poller.wake();
  if (ledgerError !== undefined) {
    throw brokerError(
      `Leased ${record.number} (activation ${record.id}, ${lease.pair}) but could not write the ledger ` +
        `${ctx.paths.ledger}: ${(ledgerError as Error).message}. The number is not handed out; the broker ` +
        'watches it until it expires. Free disk space or fix the permissions of the runtime dir.',
      { activationId: record.id },
    );
  }
  ctx.log(`leased activation ${record.id} (${lease.pair}) for ${record.owner}`);
  return { ...record };
}

async function storeBookkeeping(ctx: BrokerContext, lease: NewLease, lifetimeMs: number): Promise<void> {
  try {
    // No cap: the slot was already counted under the temporary key; this renames it.
    await ctx.store.admitPending(pendingKeyOf(lease.data.id), lifetimeMs + PENDING_MARGIN_MS, NO_CAP);
    if (lease.tempPendingKey !== undefined) await ctx.store.releasePending(lease.tempPendingKey);
    await ctx.store.recordActivation(lease.pair, lease.data.id, DELIVERY_WINDOW_API_MS / ctx.timeScale);
  } catch (error) {
    ctx.log(`store bookkeeping of activation ${lease.data.id} failed: ${(error as Error).message}`);
  }
}
