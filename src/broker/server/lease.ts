/**
 * `lease`: try each country in order — guards, then `POST /activations` with the max price as
 * `expectedPrice` — until one gives a number (DESIGN §3.1). The ledger has the activation,
 * fsync'd, before the answer leaves the broker. One country's attempt: lease-attempt.ts.
 */
import { randomUUID } from 'node:crypto';
import type { LeaseRequest, LeaseResult } from '../protocol.ts';
import type { BrokerContext, ClientConnection } from './broker-context.ts';
import { tryCountry } from './lease-attempt.ts';
import { brokerError, relay } from './wire-error.ts';

/** Lease a number for `connection`: countries in order, guards first, the ledger before the answer. */
export async function lease(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: LeaseRequest,
): Promise<LeaseResult> {
  checkLeaseRequest(request);
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
