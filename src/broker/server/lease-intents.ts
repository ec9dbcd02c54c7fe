/**
 * Lease intents: how a paid number is never lost track of and never handed to two tests
 * (DESIGN §3.1, §5 "never retried blindly"; docs/decisions/0015).
 *
 * Before `POST /activations` leaves, its *intent* is in the ledger (fsync'd; id `intent:…`,
 * outcome `unknown`), and right before the send it is opened in the store for the in-flight
 * bound. The intent is closed in the same ledger write that books the answered activation
 * (`leasedAs:<id>`), as `notLeased` when the API refused, or as `notSent` when nothing reached
 * the server. An intent left open — its answer was lost or came after the timeout, or the broker
 * died — is reconciled against the history:
 *
 * 1. only once the request can no longer act at the server: its send + the in-flight bound (the
 *    bound the budget counts with; after a crash, the new broker's start + the bound);
 * 2. only once no other intent of the pair — this broker's, or in Redis any broker's — is still
 *    within its bound: its answer may be on the way, and its number is not ours to take;
 * 3. a candidate is an activation of the pair created between the intent's writing and the
 *    moment of step 2 (minus a slack for the API's whole seconds), that nobody booked or claimed;
 * 4. the candidate is claimed in the store. In Redis the claim is account-wide, so the number is
 *    provably nobody else's and goes to the waiting test (numbers of one pair are
 *    interchangeable). In memory another broker or tool may share the key and own it, so it is
 *    booked as an `orphan`, released at once and watched until it ends; the test gets a fresh
 *    number. An intent of a dead broker never hands its number out either.
 *
 * When the history cannot be read the intent stays open and is tried again later — by this
 * broker a few times, and by every broker at start.
 */
import { maxInFlightMs } from '../../config/settings.ts';
import {
  type ActivationId,
  type ActivationRecord,
  compareActivationIds,
  INTENT_ID_PREFIX,
  isIntentId,
} from '../../contract/activation.ts';
import type { ProviderActivation } from '../../providers/provider.ts';
import { registerLease, releaseActivation } from './activations.ts';
import type { BrokerContext } from './context.ts';

/** Real slack for the API's whole-second timestamps and the latency of the history read. */
const SLACK_REAL_MS = 2_000;
/** History pages read per lookup, newest first (history allows 10 calls a minute). */
const MAX_PAGES = 4;
const PAGE_LIMIT = 50;
/** Delays (real ms) of this broker's own retries after an unreadable history. */
const RETRY_DELAYS_MS = [5_000, 30_000, 120_000];
/** A claim outlives any activation (20 min) with room to spare (real ms at time scale 1). */
const CLAIM_TTL_API_MS = 2 * 3600_000;

/** One `POST /activations` on its way, as the ledger and the store know it. */
export interface LeaseIntent {
  /** The ledger record: id `intent:…`, outcome `unknown` while open. */
  readonly record: ActivationRecord;
  readonly pair: string;
  /** The store's name for it, unique per broker. */
  readonly key: string;
  /** Real ms when the request left (set by {@link markSent}); undefined: never sent. */
  sentAtMs: number | undefined;
}

/** What reconciling an intent found. */
export type IntentVerdict =
  /** Ours and provably nobody else's (Redis): hand it to the waiting test. */
  | { kind: 'leased'; activation: ProviderActivation }
  /** Found, booked as an orphan and released: not handed out. */
  | { kind: 'orphan'; activationIds: ActivationId[] }
  | { kind: 'notLeased' }
  /** The history could not be read: the intent stays open and is tried again later. */
  | { kind: 'unreadable'; error: Error };

let lastIntentId = 0;

/** Write the intent of a lease to the ledger (fsync) before anything is sent; throws when it cannot. */
export async function openIntent(
  ctx: BrokerContext,
  lease: { service: string; country: string; owner: string },
): Promise<LeaseIntent> {
  const now = ctx.now();
  // Unique and ordered within this process; the prefix keeps it apart from activation ids.
  lastIntentId = Math.max(lastIntentId + 1, now * 1000 + Math.floor(Math.random() * 1000));
  const record: ActivationRecord = {
    id: `${INTENT_ID_PREFIX}${lastIntentId}`,
    number: '',
    service: lease.service,
    country: lease.country,
    price: 0,
    state: 'unknown',
    status: 'posting',
    outcome: 'unknown',
    refunded: undefined,
    owner: lease.owner,
    leasedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + maxInFlightMs(ctx.settings)).toISOString(),
    releasedAt: undefined,
    smsAt: undefined,
  };
  await ctx.ledger.append(record);
  const pair = `${lease.service}/${lease.country}`;
  return { record, pair, key: `${ctx.brokerId}:${lastIntentId}`, sentAtMs: undefined };
}

/**
 * The request is about to leave (its budget slot is confirmed): open the intent in the store so
 * other lookups of the pair wait for its answer. A store failure stops the send.
 */
export async function markSent(ctx: BrokerContext, intent: LeaseIntent): Promise<void> {
  await ctx.store.openIntent(intent.pair, intent.key, maxInFlightMs(ctx.settings) + SLACK_REAL_MS);
  intent.sentAtMs = ctx.now();
}

/** The intent's closing record, to write with whatever settled it. */
export function closedIntent(ctx: BrokerContext, intent: LeaseIntent, status: string): ActivationRecord {
  return {
    ...intent.record,
    // Nothing is charged under an intent: a number it leased carries its own record.
    outcome: 'cancelled',
    refunded: true,
    status,
    releasedAt: new Date(ctx.now()).toISOString(),
  };
}

/** Close the intent in the ledger and the store (`notLeased`, `notSent`, …). */
export async function closeIntent(ctx: BrokerContext, intent: LeaseIntent, status: string): Promise<void> {
  await ctx.ledger.append(closedIntent(ctx, intent, status));
  await forgetIntent(ctx, intent);
}

/** Drop the intent from the store (after its ledger line is closed). Never throws. */
export async function forgetIntent(ctx: BrokerContext, intent: LeaseIntent): Promise<void> {
  await ctx.store.closeIntent(intent.pair, intent.key).catch(() => {});
  // A lookup of the pair may be waiting for this intent to end.
  ctx.guards.activity.notify(intent.pair);
}

/**
 * Claim `activationId` for this broker in the store: false when another broker has it. Every
 * booked activation is claimed, so no lookup (here or, in Redis, elsewhere) takes it.
 */
export function claimActivation(ctx: BrokerContext, activationId: ActivationId): Promise<boolean> {
  return ctx.store.claimActivation(activationId, ctx.brokerId, CLAIM_TTL_API_MS / ctx.timeScale);
}

/**
 * Settle an open intent against the history (steps 1–4 of the file comment). `waitingTest`:
 * a test is waiting for this lease, so a provably-ours number goes to it (booked by the caller);
 * else (a dead broker's intent) anything found is booked as an orphan and released.
 */
export async function reconcileIntent(
  ctx: BrokerContext,
  intent: LeaseIntent,
  options: { waitingTest: boolean; notBeforeMs?: number },
): Promise<IntentVerdict> {
  const boundMs = maxInFlightMs(ctx.settings);
  // Step 1 (+2 slacks, so a number created by a request sent after step 2 falls outside step 3).
  const sentAtMs = intent.sentAtMs ?? Date.parse(intent.record.leasedAt);
  await sleepUntil(ctx, Math.max(sentAtMs + boundMs, options.notBeforeMs ?? 0) + 2 * SLACK_REAL_MS);
  // Step 2: other intents of the pair still on the wire end within their bound.
  const giveUpAtMs = ctx.now() + boundMs + SLACK_REAL_MS;
  while ((await liveIntents(ctx, intent)) > 0 && ctx.now() < giveUpAtMs) {
    await ctx.guards.activity.changed(intent.pair, Math.min(1_000, giveUpAtMs - ctx.now()));
  }
  const quietSinceMs = ctx.now();
  let history: Array<{ activation: ProviderActivation; createdMs: number }>;
  try {
    history = await readRecentHistory(ctx, Date.parse(intent.record.leasedAt) - SLACK_REAL_MS);
  } catch (error) {
    return { kind: 'unreadable', error: error instanceof Error ? error : new Error(String(error)) };
  }
  // Step 3: activations of the pair inside the intent's span that nobody booked, oldest first.
  const fromMs = Date.parse(intent.record.leasedAt) - SLACK_REAL_MS;
  const candidates = history
    .filter(
      ({ activation: a, createdMs }) =>
        `${a.service}/${a.country}` === intent.pair &&
        createdMs >= fromMs &&
        createdMs <= quietSinceMs - SLACK_REAL_MS &&
        !ctx.tracker.get(a.id) &&
        !ctx.ledger.get(a.id),
    )
    .sort((a, b) => a.createdMs - b.createdMs || compareActivationIds(a.activation.id, b.activation.id));
  // Step 4. In Redis one claimed candidate settles the intent. In memory nobody can tell ours from
  // another broker's, so every candidate is booked as an orphan: ours is then surely in a ledger,
  // and another broker's is recorded twice at worst, never handed out.
  const orphans: ActivationId[] = [];
  for (const { activation } of candidates) {
    if (!(await claimActivation(ctx, activation.id))) continue;
    if (ctx.store.accountWide && options.waitingTest) return { kind: 'leased', activation };
    await bookOrphan(ctx, intent, activation, orphans.length === 0);
    orphans.push(activation.id);
    if (ctx.store.accountWide) break;
  }
  if (orphans.length > 0) return { kind: 'orphan', activationIds: orphans };
  await closeIntent(ctx, intent, 'notLeased');
  return { kind: 'notLeased' };
}

/** Book an activation found for `intent` as an orphan (the first closes the intent) and release it. */
async function bookOrphan(
  ctx: BrokerContext,
  intent: LeaseIntent,
  activation: ProviderActivation,
  closesIntent: boolean,
): Promise<void> {
  const { service, country, owner } = intent.record;
  const record = await registerLease(ctx, {
    data: activation,
    service,
    country,
    pair: intent.pair,
    owner: `orphan of a lost lease answer (${owner})`,
    orphan: true,
    connectionId: undefined,
    tempPendingKey: undefined,
    alsoWrite: closesIntent ? [closedIntent(ctx, intent, `leasedAs:${activation.id}`)] : [],
  });
  if (closesIntent) await forgetIntent(ctx, intent);
  const tracked = ctx.tracker.get(record.id);
  if (tracked) await releaseActivation(ctx, tracked, 'notAdopted');
  ctx.log(
    `lease of ${intent.pair} whose answer was lost turned out to be activation ${activation.id}: ` +
      `${ctx.store.accountWide ? 'its test is gone' : 'not provably this broker’s (no Redis)'}; released as an orphan`,
  );
}

/** Brokers with a settlement of open intents running or scheduled, and how many. */
const settling = new WeakMap<BrokerContext, number>();

/**
 * Whether open intents are being settled, now or on a timer: the broker is not idle then (a
 * broker that exits first leaves a possibly paid number in no ledger until another starts).
 */
export function isSettlingIntents(ctx: BrokerContext): boolean {
  return (settling.get(ctx) ?? 0) > 0;
}

/** Count one settlement as pending until the returned function is called. */
function pendingSettlement(ctx: BrokerContext): () => void {
  settling.set(ctx, (settling.get(ctx) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    settling.set(ctx, (settling.get(ctx) ?? 1) - 1);
  };
}

/** Open intents left in the ledger by a previous broker (or an unreadable history): settle each. */
export async function reconcileOpenIntents(ctx: BrokerContext): Promise<number> {
  const done = pendingSettlement(ctx);
  try {
    return await settleOpenIntents(ctx);
  } finally {
    done();
  }
}

async function settleOpenIntents(ctx: BrokerContext): Promise<number> {
  const open = ctx.ledger.all().filter((r) => r.outcome === 'unknown' && isIntentId(r.id));
  if (open.length === 0) return 0;
  ctx.log(`reconciling ${open.length} lease intent(s) whose answer is not known`);
  // A dead broker sent nothing after our start: its requests are past their bound by then.
  const notBeforeMs = Date.parse(ctx.startedAt);
  let left = 0;
  for (const record of open) {
    const intent: LeaseIntent = {
      record,
      pair: `${record.service}/${record.country}`,
      key: `${ctx.brokerId}:reconcile:${record.id}`,
      sentAtMs: undefined,
    };
    const verdict = await reconcileIntent(ctx, intent, { waitingTest: false, notBeforeMs }).catch(
      (error: unknown) => ({ kind: 'unreadable' as const, error: error as Error }),
    );
    if (verdict.kind === 'unreadable') {
      left += 1;
      ctx.log(`lease intent ${record.id} (${intent.pair}) still unreconciled: ${verdict.error.message}`);
    }
  }
  return left;
}

/** Try the open intents again later in this broker (timers never keep it alive). */
export function scheduleIntentReconcile(ctx: BrokerContext, attempt = 0): void {
  const delay = RETRY_DELAYS_MS[attempt];
  if (delay === undefined) return;
  const done = pendingSettlement(ctx);
  setTimeout(() => {
    void reconcileOpenIntents(ctx)
      .then((left) => {
        if (left > 0) scheduleIntentReconcile(ctx, attempt + 1);
      })
      .finally(done);
  }, delay).unref();
}

async function liveIntents(ctx: BrokerContext, intent: LeaseIntent): Promise<number> {
  return ctx.store.liveIntents(intent.pair, intent.key);
}

/**
 * History pages, newest first, until one reaches back before `fromMs` (real wall ms). Creation
 * times are converted with each answer's own "now", so clock skew between us and the API cancels.
 */
async function readRecentHistory(
  ctx: BrokerContext,
  fromMs: number,
): Promise<Array<{ activation: ProviderActivation; createdMs: number }>> {
  const out: Array<{ activation: ProviderActivation; createdMs: number }> = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await ctx.provider.history({ page, limit: PAGE_LIMIT }, { priority: 'high' });
    const readAtMs = ctx.now();
    let reachedOlder = false;
    for (const activation of answer.activations) {
      const { createdAtMs, serverNowMs } = activation;
      if (createdAtMs === undefined || serverNowMs === undefined) continue;
      const createdMs = readAtMs - (serverNowMs - createdAtMs) / ctx.timeScale;
      if (createdMs < fromMs) reachedOlder = true;
      else out.push({ activation, createdMs });
    }
    if (reachedOlder || answer.activations.length < PAGE_LIMIT) return out;
  }
  ctx.log(`history: ${MAX_PAGES} pages did not reach back to ${new Date(fromMs).toISOString()}`);
  return out;
}

async function sleepUntil(ctx: BrokerContext, atMs: number): Promise<void> {
  const ms = atMs - ctx.now();
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}
