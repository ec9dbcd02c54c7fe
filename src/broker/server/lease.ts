/**
 * `lease`: try each country in order — guards, then `POST /activations` with the max price as
 * `expectedPrice` — until one gives a number (DESIGN §3.1). The ledger has the activation,
 * fsync'd, before the answer leaves the broker.
 */
import { randomUUID } from 'node:crypto';
import type { ApiError } from '../../api/errors/api-error.ts';
import { isTempNumberError } from '../../api/errors/tempnumber-error.ts';
import type { Activation } from '../../api/response-types.ts';
import { checkLease } from '../guards/check-lease.ts';
import { GUARD_SCOPE } from '../guards/lease-guard.ts';
import type { LeaseResult } from '../protocol.ts';
import type { BrokerContext, ClientConnection } from './broker-context.ts';
import { skipRuleFor } from './lease-failure.ts';
import { findLostLease } from './lost-lease.ts';
import { lifetimeRealMs, registerLease } from './register-lease.ts';
import { brokerError, relay } from './wire-error.ts';

/** The delivery-rate rule counts over 24 h of API time (reference §6.2). */
const DELIVERY_WINDOW_API_MS = 24 * 3600_000;

export interface LeaseRequest {
  service: string;
  countries: string[];
  maxPrice?: number | undefined;
  owner?: string | undefined;
}

type Attempt =
  | { leased: LeaseResult['record']; budgetWaitMs: number }
  | { skip: string; error: unknown }
  | { fatal: unknown };

/** Lease a number for `connection`: countries in order, guards first, the ledger before the answer. */
export async function lease(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: LeaseRequest,
): Promise<LeaseResult> {
  checkLeaseRequest(request);
  const skipped: LeaseResult['skipped'] = [];
  let lastError: unknown;
  for (const country of request.countries) {
    const attempt = await tryCountry(ctx, connection, request, country);
    if ('leased' in attempt) return { record: attempt.leased, budgetWaitMs: attempt.budgetWaitMs, skipped };
    if ('fatal' in attempt) throw attempt.fatal;
    skipped.push({ country, reason: attempt.skip });
    lastError = attempt.error;
  }
  const reasons = skipped.map((s) => `${s.country}: ${s.reason}`).join('; ');
  throw relay(
    lastError,
    `No ${request.service} number could be leased in ${request.countries.join(', ')} — ${reasons}. ` +
      'Add countries to the list, raise the max price, or try again later.',
    { service: request.service, skipped },
  );
}

async function tryCountry(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: LeaseRequest,
  country: string,
): Promise<Attempt> {
  const { service, maxPrice } = request;
  const pair = `${service}/${country}`;
  const tempKey = `lease:${ctx.brokerId}:${randomUUID()}`;
  const refusal = await checkLease({
    service,
    country,
    pair,
    store: ctx.store,
    pendingCap: ctx.pendingCap,
    pendingKey: tempKey,
    pendingTtlMs: lifetimeRealMs(ctx, undefined),
  });
  if (refusal) {
    return GUARD_SCOPE[refusal.guard] === 'pair'
      ? { skip: refusal.message, error: refusal }
      : { fatal: refusal };
  }
  const sentAtMs = ctx.now();
  let leased: { value: Activation; budgetWaitMs: number };
  try {
    leased = await ctx.budget.measure(() =>
      ctx.api.newActivation(
        {
          serviceId: service,
          countryId: country,
          ...(maxPrice === undefined ? {} : { expectedPrice: maxPrice }),
        },
        { priority: 'normal' },
      ),
    );
  } catch (error) {
    const recovered = await recoverLostLease(ctx, error, service, country, sentAtMs);
    if (!recovered) {
      await ctx.store.releasePending(tempKey).catch(() => {});
      return classifyFailure(ctx, error, request, country, pair);
    }
    leased = { value: recovered, budgetWaitMs: 0 };
  }
  const record = await registerLease(ctx, {
    data: leased.value,
    service,
    country,
    pair,
    owner: request.owner ?? connection.owner,
    connectionId: connection.id,
    tempPendingKey: tempKey,
    deliveryWindowMs: DELIVERY_WINDOW_API_MS / ctx.timeScale,
  });
  return { leased: record, budgetWaitMs: leased.budgetWaitMs };
}

/** A lease whose answer was lost may have happened: look in the history before giving up. */
async function recoverLostLease(
  ctx: BrokerContext,
  error: unknown,
  service: string,
  country: string,
  sentAtMs: number,
): Promise<Activation | undefined> {
  if (!isTempNumberError(error, 'NetworkError')) return undefined;
  const found = await findLostLease(ctx, service, country, sentAtMs).catch(() => undefined);
  if (found)
    ctx.log(`lease of ${service}/${country} lost its answer; found activation ${found.id} in history`);
  return found;
}

async function classifyFailure(
  ctx: BrokerContext,
  error: unknown,
  request: LeaseRequest,
  country: string,
  pair: string,
): Promise<Attempt> {
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
  const lost = isTempNumberError(error, 'NetworkError')
    ? ' The history shows no activation from this request, so nothing was leased.'
    : '';
  return {
    fatal: relay(error, `Leasing ${request.service} in ${country} failed: ${message}${lost}`, {
      service: request.service,
      country,
    }),
  };
}

function checkLeaseRequest(request: LeaseRequest): void {
  if (typeof request.service !== 'string' || request.service.trim() === '') {
    throw brokerError(
      `Expected \`service\` to be a non-empty string, got ${JSON.stringify(request.service)}.`,
    );
  }
  const countries = request.countries as unknown;
  if (
    !Array.isArray(countries) ||
    countries.length === 0 ||
    !countries.every((c) => typeof c === 'string' && c)
  ) {
    throw brokerError(
      `Expected \`countries\` to be a non-empty list of country ids, got ${JSON.stringify(countries)}.`,
    );
  }
  const { maxPrice } = request;
  if (
    maxPrice !== undefined &&
    (typeof maxPrice !== 'number' || !Number.isFinite(maxPrice) || maxPrice < 0)
  ) {
    throw brokerError(`Expected \`maxPrice\` to be a non-negative number, got ${JSON.stringify(maxPrice)}.`);
  }
}
