/**
 * The lease journey (DESIGN §3.1, §5): for each country in order — the guards (guards.ts), then
 * `POST /activations` behind a durable lease intent (lease-intents.ts), then the books
 * (activations.ts) — until one gives a number. What a failed POST means is a table here too:
 * skip to the next country, try again, fail, or look the answer up in the history first.
 */
import { randomUUID } from 'node:crypto';
import type { ActivationId, LeaseRequest } from '../../contract/activation.ts';
import type { ApiError } from '../../contract/errors.ts';
import { isTempNumberError } from '../../contract/errors.ts';
import type { ProviderActivation } from '../../providers/provider.ts';
import type { LeaseResult } from '../protocol.ts';
import { lifetimeRealMs, registerLease, releaseActivation } from './activations.ts';
import type { BrokerContext, ClientConnection } from './context.ts';
import { brokerError, relay } from './context.ts';
import { BOOTSTRAP_WAIT_MS } from './guard-runtime.ts';
import { checkLease, GUARD_SCOPE, type GuardEnvironment } from './guards.ts';
import {
  claimActivation,
  closedIntent,
  closeIntent,
  forgetIntent,
  type LeaseIntent,
  markSent,
  openIntent,
  reconcileIntent,
  scheduleIntentReconcile,
} from './lease-intents.ts';

/*
 * `lease`: try each country in order — guards, then `POST /activations` with the max price as
 * `expectedPrice` — until one gives a number (DESIGN §3.1). The ledger has the activation,
 * fsync'd, before the answer leaves the broker. One country's attempt: `tryCountry` below.
 */

/** Lease a number for `connection`: countries in order, guards first, the ledger before the answer. */
export async function lease(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: LeaseRequest,
): Promise<LeaseResult> {
  const skipped: LeaseResult['skipped'] = [];
  let lastError: unknown;
  for (const [i, country] of request.countries.entries()) {
    const attemptId = `lease:${ctx.brokerId}:${randomUUID()}`;
    const isLast = i === request.countries.length - 1;
    const attempt = await tryCountry(ctx, connection, request, country, { attemptId, isLast });
    if ('leased' in attempt) return { record: attempt.leased, budgetWaitMs: attempt.budgetWaitMs, skipped };
    if ('fatal' in attempt) throw attempt.fatal;
    skipped.push({ country, reason: attempt.skip });
    lastError = attempt.error;
  }
  const reasons = skipped.map((s) => `${s.country}: ${s.reason.replace(/\.$/, '')}`).join('; ');
  throw relay(
    lastError,
    `No ${request.service} number could be leased in ${request.countries.join(', ')} — ${reasons}. ` +
      'Add countries to the list, raise the max price, or try again later.',
    { service: request.service, skipped },
  );
}

/*
 * One country of a lease: the guards, then `POST /activations` — at most {@link MAX_POSTS}
 * times, and never again before a lost answer was looked up in the history (DESIGN §5) — then
 * the books. A number that arrives after its client went away is booked and released at once.
 */

/** POSTs per country: the first, and up to two after a refusal or a lost answer ruled out. */
const MAX_POSTS = 3;
/** Pause before another POST (real ms, times the attempt number); the budget paces it too. */
const REPOST_PAUSE_MS = 250;

export type Attempt =
  | { leased: LeaseResult['record']; budgetWaitMs: number }
  | { skip: string; error: unknown }
  | { fatal: unknown };

interface AttemptInfo {
  ctx: BrokerContext;
  connection: ClientConnection;
  request: LeaseRequest;
  country: string;
  pair: string;
  attemptId: string;
  /** The last country of the list: a refusal worth another try is tried again here, not skipped. */
  isLast: boolean;
  owner: string;
}

/** Try one country; the in-flight mark of the attempt is removed whatever happens. */
export async function tryCountry(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: LeaseRequest,
  country: string,
  { attemptId, isLast }: { attemptId: string; isLast: boolean },
): Promise<Attempt> {
  const pair = `${request.service}/${country}`;
  const owner = request.owner ?? connection.owner;
  const info = { ctx, connection, request, country, pair, attemptId, isLast, owner };
  try {
    return await guardedLease(info);
  } finally {
    ctx.guards.activity.end(pair, attemptId);
  }
}

async function guardedLease(info: AttemptInfo): Promise<Attempt> {
  const { ctx, connection, request, country, pair, attemptId } = info;
  // The start-up history read of the delivery records, if still running (bounded).
  await Promise.race([ctx.guards.ready, new Promise((r) => setTimeout(r, BOOTSTRAP_WAIT_MS).unref())]);
  const refusal = await checkLease({
    service: request.service,
    country,
    pair,
    attemptId,
    maxPrice: request.maxPrice,
    store: ctx.store,
    pendingCap: ctx.pendingCap,
    pendingKey: attemptId,
    pendingTtlMs: lifetimeRealMs(ctx, undefined),
    env: guardEnvironment(ctx, connection),
  });
  if (refusal) {
    return GUARD_SCOPE[refusal.guard] === 'pair'
      ? { skip: refusal.message, error: refusal }
      : { fatal: refusal };
  }
  const dropSlot = () => ctx.store.releasePending(attemptId).catch(() => {});
  if (connection.closedSignal?.aborted) {
    await dropSlot();
    return { fatal: brokerError(`The client of this lease went away; nothing was leased for ${pair}.`) };
  }
  ctx.guards.activity.begin(pair, attemptId);
  const posted = await postUntilAnswered(info);
  if (!('value' in posted)) {
    await dropSlot();
    return posted;
  }
  return book(info, posted.value, posted.budgetWaitMs, posted.intent);
}

type Posted =
  | { value: ProviderActivation; budgetWaitMs: number; intent: LeaseIntent }
  | Exclude<Attempt, { leased: unknown }>;

/**
 * POST until a number is answered: each POST behind a durable lease intent (lease-intents.ts).
 * A lost answer is reconciled against the history before anything else; a number found there
 * goes to this test only when it is provably this broker's (Redis), else it is released as an
 * orphan and the next POST gets a fresh number.
 */
async function postUntilAnswered(info: AttemptInfo): Promise<Posted> {
  const { ctx, connection, request, country, pair, attemptId, owner } = info;
  const { maxPrice, quality, service } = request;
  const orphans: ActivationId[] = [];
  for (let post = 1; ; post++) {
    let intent: LeaseIntent;
    try {
      intent = await openIntent(ctx, { service, country, owner });
    } catch (error) {
      return {
        fatal: brokerError(
          `Leasing ${pair}: could not write the lease intent to the ledger ${ctx.paths.ledger} ` +
            `(${(error as Error).message}), so nothing was sent. Free disk space or fix the permissions of the runtime dir.`,
        ),
      };
    }
    ctx.guards.activity.begin(pair, attemptId);
    try {
      const leased = await ctx.budget.measure(() =>
        ctx.provider.lease(
          {
            service,
            country,
            ...(maxPrice === undefined ? {} : { maxPriceUsd: maxPrice }),
            ...(quality === undefined ? {} : { quality }),
          },
          { priority: 'normal', beforeSend: () => markSent(ctx, intent) },
        ),
      );
      ctx.guards.activity.answered(pair, attemptId);
      return { value: leased.value, budgetWaitMs: leased.budgetWaitMs, intent };
    } catch (error) {
      ctx.guards.activity.answered(pair, attemptId);
      const kind = intent.sentAtMs === undefined ? 'notSent' : postFailureKind(error);
      if (kind === 'notSent') {
        await closeIntent(ctx, intent, 'notSent').catch(logLedgerError(ctx));
        if (isTempNumberError(error, 'NetworkError')) {
          return {
            fatal: relay(
              error,
              `Leasing ${service} in ${country}: ${(error as Error).message} Nothing was leased.`,
              { service, country },
            ),
          };
        }
        return classifyFailure(info, error, false);
      }
      if (kind === 'uncertain') {
        // A store outage mid-lookup leaves the intent open, like an unreadable history.
        const verdict = await reconcileIntent(ctx, intent, {
          waitingTest: !connection.closedSignal?.aborted,
        }).catch((e: unknown) => ({ kind: 'unreadable' as const, error: e as Error }));
        const lost = `lease of ${pair} lost its answer (${(error as Error).name})`;
        if (verdict.kind === 'unreadable') {
          scheduleIntentReconcile(ctx);
          return { fatal: unknownOutcome(info, error, verdict.error, intent) };
        }
        if (verdict.kind === 'leased') {
          ctx.log(`${lost}; found activation ${verdict.activation.id} in history, claimed account-wide`);
          return { value: verdict.activation, budgetWaitMs: 0, intent };
        }
        if (verdict.kind === 'orphan') orphans.push(...verdict.activationIds);
        else ctx.log(`${lost}; the history shows nothing was leased`);
      } else {
        await closeIntent(ctx, intent, 'notLeased').catch(logLedgerError(ctx));
      }
      // "No numbers right now" and a passing outage look alike: the next country first, if any.
      const skipFirst = kind === 'transient' && !info.isLast && skipRuleFor(error) !== undefined;
      if (kind === 'final' || skipFirst || post >= MAX_POSTS) {
        return classifyFailure(info, error, kind === 'uncertain', orphans);
      }
      await new Promise((r) => setTimeout(r, REPOST_PAUSE_MS * post));
    }
  }
}

/**
 * Book the number with its intent closed in the same ledger write; if its client left
 * meanwhile, release it at once (cancelled). A booking refused for any reason leaves the
 * activation recorded and the intent closed, and says why.
 */
async function book(
  info: AttemptInfo,
  value: ProviderActivation,
  budgetWaitMs: number,
  intent: LeaseIntent,
): Promise<Attempt> {
  const { ctx, connection, request, country, pair, owner } = info;
  const known = ctx.tracker.get(value.id)?.record ?? ctx.ledger.get(value.id);
  if (known && sameNumber(known.number, value.number)) {
    // Never hand one number to two tests, whatever went wrong upstream.
    await closeIntent(ctx, intent, `leasedAs:${value.id} (already booked)`).catch(logLedgerError(ctx));
    return {
      fatal: brokerError(
        `Activation ${value.id} (${pair}, ${known.number}) is already booked by this broker; not handing it out twice. ` +
          'Its record stays in the ledger; lease again for a fresh number.',
        { activationId: value.id },
      ),
    };
  }
  if (known) {
    // Same id, another number: the record belongs to an earlier API instance (a restarted sandbox).
    ctx.log(
      `activation ${value.id} in the ledger was ${known.number}, an earlier API instance's; replacing it`,
    );
  }
  if (!(await claimActivation(ctx, value.id).catch(() => true))) {
    await closeIntent(ctx, intent, `leasedAs:${value.id} (claimed by another broker)`).catch(
      logLedgerError(ctx),
    );
    return {
      fatal: brokerError(
        `Activation ${value.id} (${pair}) was answered to this broker but is claimed by another broker of the account; ` +
          'it stays with that broker. Lease again for a fresh number.',
        { activationId: value.id },
      ),
    };
  }
  const record = await registerLease(ctx, {
    data: value,
    service: request.service,
    country,
    pair,
    owner,
    connectionId: connection.id,
    tempPendingKey: info.attemptId,
    alsoWrite: [closedIntent(ctx, intent, `leasedAs:${value.id}`)],
  });
  await forgetIntent(ctx, intent);
  ctx.guards.balance.spend(record.price);
  if (record.price > 0) ctx.guards.balance.learnPrice(pair, record.price);
  const tracked = ctx.tracker.get(record.id);
  if (connection.closedSignal?.aborted && tracked) {
    // The socket closed while the POST was out: its owner is gone, so the number is too.
    await releaseActivation(ctx, tracked, 'connectionClosed');
    return {
      fatal: brokerError(`The client of this lease went away; activation ${record.id} was cancelled.`),
    };
  }
  return { leased: record, budgetWaitMs };
}

function sameNumber(recorded: string, answered: ProviderActivation['number']): boolean {
  return recorded.replace(/\D/g, '') === answered.replace(/\D/g, '');
}

function logLedgerError(ctx: BrokerContext) {
  return (e: unknown) => ctx.log(`ledger write failed: ${(e as Error).message}`);
}

/** The answer was lost and the history unreadable: the intent stays open for reconciliation. */
function unknownOutcome(info: AttemptInfo, postError: unknown, readError: Error, intent: LeaseIntent) {
  const { ctx, request, country, pair } = info;
  ctx.log(
    `lease of ${pair} may have happened (answer lost, history unreadable): intent ${intent.record.id} stays open`,
  );
  return relay(
    postError,
    `Leasing ${request.service} in ${country}: the answer was lost (${(postError as Error).message}) and the ` +
      `history could not be read to check it (${readError.message}). A number may have been leased; its lease ` +
      `intent (entry ${intent.record.id} in ${ctx.paths.ledger}) stays open, and this broker or the next one ` +
      'looks it up in the history again. Not leasing again for this test, so it is never charged twice.',
    { service: request.service, country },
  );
}

async function classifyFailure(
  info: AttemptInfo,
  error: unknown,
  ruledOut: boolean,
  orphans: ActivationId[] = [],
): Promise<Exclude<Attempt, { leased: unknown }>> {
  const { ctx, request, country, pair } = info;
  if (isFamily(error, 'priceChanged') && typeof (error as ApiError).newPrice === 'number') {
    ctx.guards.balance.learnPrice(pair, (error as ApiError).newPrice as number);
  }
  const rule = skipRuleFor(error);
  if (rule) {
    const reason = rule.reason(error as ApiError, request.maxPrice);
    if (rule.blockPair) {
      // The API blocks the pair for as long as its delivery rule counts (v1: 24 h).
      const blockMs = ctx.provider.rules.delivery.windowMs / ctx.timeScale;
      await ctx.store.blockPair(pair, blockMs, reason).catch((e: unknown) => {
        ctx.log(`could not store the block of ${pair}: ${(e as Error).message}`);
      });
    }
    return { skip: reason, error };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isFamily(error, 'paymentRequired')) {
    ctx.guards.balance.invalidate();
    return {
      fatal: relay(
        error,
        `TempNumber refused to lease ${pair}: the account balance does not cover the price (${message}). ` +
          'Nothing was bought. Top up the account; numbers leased and not yet refunded stay reserved until they expire.',
        { service: request.service, country },
      ),
    };
  }
  const lost =
    orphans.length > 0
      ? ` The answer was lost; the history showed activation ${orphans.join(', ')}, which could not be proven ` +
        "this broker's (another broker or tool may use this API key; share a key through TEMPNUMBER_REDIS_URL), " +
        'so it was recorded as an orphan and released, never handed out.'
      : ruledOut
        ? ' The history shows no activation from this request, so nothing was leased.'
        : '';
  return {
    fatal: relay(error, `Leasing ${request.service} in ${country} failed: ${message}${lost}`, {
      service: request.service,
      country,
    }),
  };
}

function isFamily(error: unknown, family: string): boolean {
  return (error as { family?: unknown })?.family === family;
}

function guardEnvironment(ctx: BrokerContext, connection: ClientConnection): GuardEnvironment {
  return {
    settings: ctx.guards.settings,
    rules: ctx.provider.rules,
    timeScale: ctx.timeScale,
    activity: ctx.guards.activity,
    signal: connection.closedSignal,
    numberOf: (id) => ctx.tracker.get(id)?.record.number ?? ctx.ledger.get(id)?.number,
    balance: () => ctx.guards.balance.balance(),
    priceOf: (service, country) => ctx.guards.balance.priceOf(service, country),
    log: (line) => ctx.log(line),
  };
}

/*
 * What a failed `POST /activations` means, as data:
 * - {@link SKIP_ON_FAMILY}: API refusals that another country may not have: skip to the next
 *   country (with the reason the test report shows). Anything not listed fails the lease.
 * - {@link postFailureKind}: whether the request may have leased a number anyway (no usable
 *   answer: look in the history before anything else), was refused without spending money in a
 *   way worth another try, or is final.
 */

export interface SkipRule {
  /** The reason shown in `LeaseResult.skipped` and in the final error. */
  reason(error: ApiError, maxPrice: number | undefined): string;
  /** Stop leasing the pair for the API's 24 h block. */
  blockPair?: true;
}

export const SKIP_ON_FAMILY: Partial<Record<ApiError['family'], SkipRule>> = {
  notFound: { reason: (e) => `no numbers (${e.errorName})` },
  serviceUnavailable: { reason: (e) => `no numbers right now (${e.errorName})` },
  priceChanged: {
    reason: (e, maxPrice) =>
      `the price is now $${e.newPrice ?? 'unknown'}, above the max price $${maxPrice ?? 'expected'} ` +
      `(phoneMaxPrice); nothing was bought (${e.errorName})`,
  },
  lowSuccessRate: {
    reason: (e) =>
      `TempNumber blocked this service in this country for 24 h: too few of its numbers received an SMS (${e.errorName})`,
    blockPair: true,
  },
};

/** The skip rule for `error`, when it is an API refusal that another country may not have. */
export function skipRuleFor(error: unknown): SkipRule | undefined {
  if (!(error instanceof Error) || !('family' in error)) return undefined;
  return SKIP_ON_FAMILY[(error as ApiError).family];
}

/**
 * - `notSent`: the connection was never made (refused, DNS, TLS): nothing reached the server;
 * - `uncertain`: no usable answer — the lease may have happened (reconcile through history);
 * - `transient`: refused, nothing bought, and another try may work (after the budget allows);
 * - `final`: refused for a reason another try will not change (or one the skip rules handle).
 */
export type PostFailureKind = 'notSent' | 'uncertain' | 'transient' | 'final';

/** Families of API refusals worth another POST (nothing was bought). */
const TRANSIENT_FAMILIES: ReadonlySet<string> = new Set(['serviceUnavailable', 'rateLimited']);

/** Classify a failed `POST /activations`. */
export function postFailureKind(error: unknown): PostFailureKind {
  if (isTempNumberError(error, 'NetworkError')) {
    return (error as { requestSent?: unknown }).requestSent === false ? 'notSent' : 'uncertain';
  }
  const status = (error as { status?: unknown }).status;
  if (isTempNumberError(error, 'UnexpectedResponseError') && typeof status === 'number') {
    // A garbled 2xx, or a gateway's 5xx page: the API may have acted before the answer broke.
    return status < 300 || status >= 500 ? 'uncertain' : 'final';
  }
  const family = (error as { family?: unknown }).family;
  if (typeof family !== 'string') return 'final';
  if (family === 'unknown' && typeof status === 'number' && status >= 500) return 'uncertain';
  return TRANSIENT_FAMILIES.has(family) ? 'transient' : 'final';
}
