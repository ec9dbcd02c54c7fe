/**
 * The activation journey after the lease: booking a leased number (ledger first, fsync'd),
 * persisting what the poller learns, ending it on purpose (finalize or cancel), asking for
 * another SMS (`retry`), a reconnected client taking its phones back (`adopt`), and start-up
 * reconciliation of what a previous broker left in the ledger.
 */

import type { ActivationRecord } from '../../contract/activation.ts';
import { ACTIVATION_STATES, type ActivationId, type ActivationState } from '../../contract/activation.ts';
import type { ApiError } from '../../contract/errors.ts';
import { isTempNumberError } from '../../contract/errors.ts';
import type { ProviderActivation } from '../../providers/provider.ts';
import {
  type BrokerContext,
  brokerError,
  type ClientConnection,
  NO_CAP,
  pendingKeyOf,
  relay,
} from './context.ts';
import type { ChangeReason, SmsState, TrackedActivation } from './tracker.ts';
import { markRetried, newSmsState } from './tracker.ts';

/*
 * Taking a freshly leased activation into the broker's books, in the order that keeps money
 * safe: the ledger first (fsync'd — whatever happens next, the number is on disk), then the
 * tracker (the poller watches it), then the store (pending slot, delivery records).
 */

/** A pending slot outlives the number by this much (real ms), to cover clock granularity. */
const PENDING_MARGIN_MS = 2_000;

/**
 * Real ms until the number expires: `expiresAtMs - serverNowMs` (both on the API's clock, so
 * clock skew between us and the API cancels out), divided by the time scale; the provider's
 * default lifetime when the answer lacks the times.
 */
export function lifetimeRealMs(
  ctx: Pick<BrokerContext, 'timeScale' | 'provider'>,
  data: Pick<ProviderActivation, 'expiresAtMs' | 'serverNowMs'> | undefined,
): number {
  const apiMs =
    data?.expiresAtMs !== undefined && data.serverNowMs !== undefined
      ? Math.max(0, data.expiresAtMs - data.serverNowMs)
      : ctx.provider.rules.defaultLifetimeMs;
  return apiMs / ctx.timeScale;
}

export interface NewLease {
  data: ProviderActivation;
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
    number: data.number,
    service: lease.service,
    country: lease.country,
    price: data.priceUsd ?? 0,
    state: data.state,
    status: data.wireStatus,
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
    // Kept as long as the provider's delivery rule counts it (v1: 24 h of API time).
    const windowMs = ctx.provider.rules.delivery.windowMs;
    await ctx.store.recordActivation(lease.pair, lease.data.id, windowMs / ctx.timeScale);
  } catch (error) {
    ctx.log(`store bookkeeping of activation ${lease.data.id} failed: ${(error as Error).message}`);
  }
}

/*
 * What happens when the poller learns something about an activation: the ledger gets the new
 * snapshot, the delivery records learn about an SMS (late ones too: the API counts them), and
 * the pending slot follows the API — held while the status is a waiting one, given back once
 * it is not (SMS received, refunded at expiry).
 */

/** Record what the poller learned about `t` (ledger, store); errors are logged, never thrown. */
export function persistChange(
  ctx: Pick<BrokerContext, 'ledger' | 'store' | 'guards' | 'log'>,
  t: TrackedActivation,
  reason: ChangeReason,
): void {
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
    if (!ACTIVATION_STATES[record.state].waiting) await ctx.store.releasePending(pendingKeyOf(record.id));
  });
}

/*
 * Ending an activation on purpose (DESIGN §3.4): `finalized` when an SMS arrived, else
 * `cancelled`. The ledger has the outcome first; then the provider's finalize or cancel call
 * (v1 has neither: its activations run to expiry, `runsToExpiry`). A cancelled one is watched
 * cheaply until the API shows its money verdict (refunded, or billed for a late SMS).
 *
 * The pending slot is NOT given back on a cancel: the API keeps counting the activation as
 * pending until it leaves the waiting statuses (SMS, refund at expiry), so the slot follows
 * the API's status (see persist.ts) and its TTL ends at expiry at the latest.
 */

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
  if (!sms) t.record.refunded = refundVerdict(t.record.state);
  ctx.tracker.waits.flush(t.record.id, () => ctx.tracker.waitResult(t, t.sms.sequence));
  await ctx.ledger.append(t.record);
  ctx.poller.wake();
  if (cause !== 'owner') ctx.log(`released activation ${t.record.id} as ${t.record.outcome} (${cause})`);
  await bestEffort(ctx, t, async () => {
    await ctx.store.recordOutcome(t.pair, t.record.id, sms ? 'sms' : 'noSms');
    // A lease held by the delivery-rate guard decides again now.
    ctx.guards.activity.notify(t.pair);
    await ctx.store.removeWaiting(t.record.id);
    if (!ACTIVATION_STATES[t.record.state].waiting) await ctx.store.releasePending(pendingKeyOf(t.record.id));
  });
  await endAtProvider(ctx, t, sms);
  return { ...t.record };
}

/**
 * The provider's finalize or cancel, after the ledger has the outcome. The test never waits for
 * it beyond one call: a refusal for now (`notYet`, Platfone before `cancelable_after`) or a failed
 * call leaves it pending, and housekeeping sends it again once due ({@link endPendingAtProvider});
 * meanwhile the refund watch covers the money. An orphan found without Redis is never ended: it
 * may be another broker's number (another tool on the same key), and ending it would take a
 * number from under that broker's test.
 */
export async function endAtProvider(ctx: BrokerContext, t: TrackedActivation, sms: boolean): Promise<void> {
  if (t.record.orphan && !ctx.store.accountWide) return;
  const operation = sms ? 'finalize' : 'cancel';
  if (!ctx.provider.capabilities[operation]) return;
  const attempts = (t.endPending?.attempts ?? 0) + 1;
  try {
    const effect = await ctx.provider[operation](t.record.id, { priority: 'high' });
    if (effect.kind === 'notYet') {
      t.endPending = { operation, dueAtApiMs: effect.retryAtMs, attempts };
      ctx.log(`${operation} of activation ${t.record.id} not accepted yet; sent again when allowed`);
      return;
    }
    t.endPending = undefined;
    if (effect.kind === 'ended') ctx.poller.wake();
  } catch (error) {
    // Tried again by housekeeping a few times (a passing outage); then the activation runs to expiry.
    t.endPending = attempts < MAX_END_ATTEMPTS ? { operation, dueAtApiMs: undefined, attempts } : undefined;
    ctx.log(
      `${operation} of activation ${t.record.id} failed (${(error as Error).message}); ` +
        (t.endPending ? 'sent again later' : 'it runs to expiry'),
    );
  }
}

/** Calls of a failing cancel or finalize before the activation is left to run to its expiry. */
const MAX_END_ATTEMPTS = 5;
/** Pause before the next call after a failed one, and at least between two calls (API ms). */
const END_RETRY_GAP_MS = 2_000;

/** {@link END_RETRY_GAP_MS} in real ms, never below a quarter second however fast the clock. */
function endRetryGapMs(ctx: Pick<BrokerContext, 'timeScale'>): number {
  return Math.max(END_RETRY_GAP_MS / ctx.timeScale, 250);
}
const lastEndCallAtMs = new WeakMap<TrackedActivation, number>();

/**
 * Send a pending cancel or finalize whose time has come (called by housekeeping): due once the
 * API's clock, as the last snapshot showed it, has passed the time the API named.
 */
export function endPendingAtProvider(ctx: BrokerContext, t: TrackedActivation): void {
  const pending = t.endPending;
  if (!pending || ACTIVATION_STATES[t.record.state].final) return;
  const now = ctx.now();
  if (now - (lastEndCallAtMs.get(t) ?? Number.NEGATIVE_INFINITY) < endRetryGapMs(ctx)) return;
  // Due once the API's clock, as the last snapshot showed it, has passed the time the API named;
  // with that clock unknown (a restarted broker on a faster sandbox clock), the API decides.
  const apiNow = t.apiClock ? t.apiClock.serverNowMs + (now - t.apiClock.atMs) * ctx.timeScale : undefined;
  if (pending.dueAtApiMs !== undefined && apiNow !== undefined && apiNow < pending.dueAtApiMs) return;
  lastEndCallAtMs.set(t, now);
  void endAtProvider(ctx, t, pending.operation === 'finalize');
}

/** What a final state says about the money of a cancelled activation; undefined while unknown. */
export function refundVerdict(state: ActivationState): boolean | undefined {
  return ACTIVATION_STATES[state].refunded;
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
  ctx: Pick<BrokerContext, 'log'>,
  t: TrackedActivation,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    ctx.log(`store update of activation ${t.record.id} failed: ${(error as Error).message}`);
  }
}

/*
 * `retry`: ask the API for another SMS on the same number (free). The previous SMS can no
 * longer be read afterwards (API rule); the next `wait` gets the next sequence.
 */

/** Extra words for the refusals a retry can meet (by API error family). */
const RETRY_HINTS: Partial<Record<ApiError['family'], string>> = {
  badState: 'A retry is only possible after an SMS arrived and before the number expires.',
  gone: 'The number has expired; lease a new one.',
  notFound: 'The API does not know this activation.',
};

/** Ask the API for the next SMS of a leased activation; errors say when a retry is possible. */
export async function retryActivation(
  ctx: BrokerContext,
  t: TrackedActivation,
): Promise<{ record: ActivationRecord }> {
  const { record } = t;
  if (record.outcome !== 'waiting') {
    throw brokerError(
      `Activation ${record.id} (${record.number}) was already released (${record.outcome}); it cannot be retried.`,
      {
        activationId: record.id,
      },
    );
  }
  const requestedAtMs = ctx.now();
  try {
    await ctx.provider.retry(record.id, { priority: 'normal' });
  } catch (error) {
    const family = isTempNumberError(error) ? (error as Partial<ApiError>).family : undefined;
    const hint = family === undefined ? '' : (RETRY_HINTS[family] ?? '');
    const message = error instanceof Error ? error.message : String(error);
    throw relay(
      error,
      `Retry of ${record.number} (activation ${record.id}) failed: ${message} ${hint}`.trim(),
      {
        activationId: record.id,
      },
    );
  }
  markRetried(t.sms);
  // Snapshots of polls sent before the retry still show the old SMS: ignore them.
  t.retriedAtMs = requestedAtMs;
  t.waitStartedAtMs = undefined;
  record.state = 'waitingForNextSms';
  await ctx.ledger.append(record);
  await bestEffort(ctx, t, async () => {
    const remainingMs = Math.max(t.expiresAtMs - ctx.now(), 0);
    await ctx.store.admitPending(pendingKeyOf(record.id), remainingMs + 2_000, NO_CAP);
  });
  ctx.poller.wake();
  return { record: { ...record } };
}

/*
 * `adopt`: a client that lost its broker (crash, restart) reconnects and takes its phones back.
 * An activation can be adopted while it is orphaned (left by a previous broker, or by a
 * connection that vanished) and the number has not expired; one its owner released cannot.
 */

export interface AdoptResult {
  adopted: ActivationRecord[];
  /** Ids this broker cannot hand back, with why. */
  refused: Array<{ activationId: ActivationId; reason: string }>;
}

/** Give `connection` the activations it asks for back, where that is still possible. */
export async function adopt(
  ctx: BrokerContext,
  connection: ClientConnection,
  activationIds: ActivationId[],
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
  if (ACTIVATION_STATES[t.record.state].waiting) {
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

/*
 * Start-up reconciliation (DESIGN §3.5, research §6.7): activations a previous broker left
 * unsettled in the ledger are taken back into the books and watched again through the API.
 * - `waiting` ones lost their owner with the old broker: a client that survived may `adopt`
 *   them within a grace period (it reconnects at once); after that, or at expiry, they are
 *   released — cancelled, or finalized when an SMS had arrived.
 * - `cancelled` ones whose refund is not known yet go back on the cheap refund watch.
 */

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
      // Released by the previous broker, whose cancel may never have gone out (refused for now,
      // or the broker died first): send it again, so the money comes back now, not at expiry.
      ...(record.outcome === 'cancelled' && ctx.provider.capabilities.cancel
        ? { endPending: { operation: 'cancel' as const, dueAtApiMs: undefined, attempts: 0 } }
        : {}),
    });
    count += 1;
  }
  if (count > 0) ctx.log(`reconciling ${count} activation(s) left by a previous broker`);
  return count;
}

/** A cancelled record whose final status came in without a verdict gets it now. */
function settleFinal(ctx: BrokerContext, record: ActivationRecord): void {
  if (
    record.outcome !== 'cancelled' ||
    record.refunded !== undefined ||
    !ACTIVATION_STATES[record.state].final
  )
    return;
  record.refunded = refundVerdict(record.state);
  if (record.refunded !== undefined) {
    ctx.ledger.append(record).catch((e: unknown) => ctx.log(`ledger write failed: ${(e as Error).message}`));
  }
}

function needsWatching(record: ActivationRecord): boolean {
  if (record.outcome === 'waiting') return true;
  return (
    record.outcome === 'cancelled' && record.refunded === undefined && !ACTIVATION_STATES[record.state].final
  );
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
