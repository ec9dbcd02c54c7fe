/**
 * One country of a lease: the guards, then `POST /activations` — at most {@link MAX_POSTS}
 * times, and never again before a lost answer was looked up in the history (DESIGN §5) — then
 * the books. A number that arrives after its client went away is booked and released at once.
 */
import type { ApiError } from '../../api/errors/api-error.ts';
import type { Activation } from '../../api/response-types.ts';
import { checkLease } from '../guards/check-lease.ts';
import { BOOTSTRAP_WAIT_MS } from '../guards/guard-runtime.ts';
import { GUARD_SCOPE, type GuardEnvironment } from '../guards/lease-guard.ts';
import type { LeaseResult } from '../protocol.ts';
import type { BrokerContext, ClientConnection } from './broker-context.ts';
import type { LeaseRequest } from './lease.ts';
import { postFailureKind, skipRuleFor } from './lease-failure.ts';
import { findLostLease, unknownLeaseRecord } from './lost-lease.ts';
import { lifetimeRealMs, registerLease } from './register-lease.ts';
import { releaseActivation } from './release.ts';
import { scheduleUnknownReconcile } from './unknown-leases.ts';
import { brokerError, relay } from './wire-error.ts';

/** The delivery-rate rule counts over 24 h of API time (reference §6.2). */
export const DELIVERY_WINDOW_API_MS = 24 * 3600_000;
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
  return book(info, posted.value, posted.budgetWaitMs);
}

type Posted = { value: Activation; budgetWaitMs: number } | Exclude<Attempt, { leased: unknown }>;

async function postUntilAnswered(info: AttemptInfo): Promise<Posted> {
  const { ctx, request, country, pair, attemptId } = info;
  const { maxPrice, service } = request;
  const budgetWaitMs = 0;
  for (let post = 1; ; post++) {
    const sentAtMs = ctx.now();
    ctx.guards.activity.begin(pair, attemptId);
    try {
      const leased = await ctx.budget.measure(() =>
        ctx.api.newActivation(
          {
            serviceId: service,
            countryId: country,
            ...(maxPrice === undefined ? {} : { expectedPrice: maxPrice }),
          },
          { priority: 'normal' },
        ),
      );
      ctx.guards.activity.claim(leased.value.id);
      ctx.guards.activity.answered(pair, attemptId);
      return { value: leased.value, budgetWaitMs: budgetWaitMs + leased.budgetWaitMs };
    } catch (error) {
      ctx.guards.activity.answered(pair, attemptId);
      const kind = postFailureKind(error);
      if (kind === 'uncertain') {
        const lookup = await findLostLease(ctx, { service, country, attemptId, sentAtMs });
        if ('unreadable' in lookup)
          return { fatal: await recordUnknown(info, error, lookup.unreadable, sentAtMs) };
        if (lookup.found) {
          ctx.log(
            `lease of ${pair} lost its answer (${(error as Error).name}); found activation ${lookup.found.id} in history`,
          );
          return { value: lookup.found, budgetWaitMs };
        }
        ctx.log(
          `lease of ${pair} lost its answer (${(error as Error).name}); the history shows nothing was leased`,
        );
      }
      // "No numbers right now" and a passing outage look alike: the next country first, if any.
      const skipFirst = kind === 'transient' && !info.isLast && skipRuleFor(error) !== undefined;
      if (kind === 'final' || skipFirst || post >= MAX_POSTS) {
        return classifyFailure(info, error, kind === 'uncertain');
      }
      await new Promise((r) => setTimeout(r, REPOST_PAUSE_MS * post));
    }
  }
}

/** Book the number; if its client left meanwhile, release it at once (cancelled). */
async function book(info: AttemptInfo, value: Activation, budgetWaitMs: number): Promise<Attempt> {
  const { ctx, connection, request, country, pair, attemptId, owner } = info;
  if (ctx.tracker.get(value.id) || ctx.ledger.get(value.id)) {
    // Never hand one number to two tests, whatever went wrong upstream.
    return {
      fatal: brokerError(`Activation ${value.id} (${pair}) is already booked; not handing it out twice.`),
    };
  }
  const record = await registerLease(ctx, {
    data: value,
    service: request.service,
    country,
    pair,
    owner,
    connectionId: connection.id,
    tempPendingKey: attemptId,
    deliveryWindowMs: DELIVERY_WINDOW_API_MS / ctx.timeScale,
  });
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

async function recordUnknown(info: AttemptInfo, postError: unknown, readError: Error, sentAtMs: number) {
  const { ctx, request, country, pair, owner } = info;
  const record = unknownLeaseRecord(ctx, { service: request.service, country, owner, sentAtMs });
  await ctx.ledger
    .append(record)
    .catch((e: unknown) => ctx.log(`ledger write failed: ${(e as Error).message}`));
  // Counted as an activation without an SMS: if it happened, nobody has its number.
  await ctx.store
    .recordActivation(pair, record.id, DELIVERY_WINDOW_API_MS / ctx.timeScale)
    .then(() => ctx.store.recordOutcome(pair, record.id, 'noSms'))
    .catch(() => {});
  scheduleUnknownReconcile(ctx);
  ctx.log(`lease of ${pair} may have happened (answer lost, history unreadable): recorded as ${record.id}`);
  return relay(
    postError,
    `Leasing ${request.service} in ${country}: the answer was lost (${(postError as Error).message}) and the ` +
      `history could not be read to check it (${readError.message}). A number may have been leased; it is ` +
      `recorded for reconciliation in ${ctx.paths.ledger} (entry ${record.id}) and the broker will look it up ` +
      'again. Not leasing again for this test, so it is never charged twice.',
    { service: request.service, country },
  );
}

async function classifyFailure(
  info: AttemptInfo,
  error: unknown,
  ruledOut: boolean,
): Promise<Exclude<Attempt, { leased: unknown }>> {
  const { ctx, request, country, pair } = info;
  if (isFamily(error, 'priceChanged') && typeof (error as ApiError).newPrice === 'number') {
    ctx.guards.balance.learnPrice(pair, (error as ApiError).newPrice as number);
  }
  const rule = skipRuleFor(error);
  if (rule) {
    const reason = rule.reason(error as ApiError, request.maxPrice);
    if (rule.blockPair) {
      await ctx.store.blockPair(pair, DELIVERY_WINDOW_API_MS / ctx.timeScale, reason).catch((e: unknown) => {
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
  const lost = ruledOut ? ' The history shows no activation from this request, so nothing was leased.' : '';
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
    timeScale: ctx.timeScale,
    activity: ctx.guards.activity,
    signal: connection.closedSignal,
    numberOf: (id) => ctx.tracker.get(id)?.record.number ?? ctx.ledger.get(id)?.number,
    balance: () => ctx.guards.balance.balance(),
    priceOf: (service, country) => ctx.guards.balance.priceOf(service, country),
    log: (line) => ctx.log(line),
  };
}
