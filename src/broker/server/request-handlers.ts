/**
 * The broker's operations as data: protocol `op` → handler. Every handler gets the broker
 * context, the calling connection and its request, and resolves with the `result`.
 */
import { isFinalStatus } from '../../api/activation-statuses.ts';
import { type BrokerRequest, MAX_WAIT_HOLD_MS, PROTOCOL_VERSION, type WaitResult } from '../protocol.ts';
import type { TrackedActivation } from './activation-tracker.ts';
import { adopt } from './adopt.ts';
import type { BrokerContext, ClientConnection } from './broker-context.ts';
import { brokerStatus } from './broker-status.ts';
import { lease } from './lease.ts';
import { read } from './read.ts';
import { releaseActivation } from './release.ts';
import { retryActivation } from './retry.ts';
import { brokerError } from './wire-error.ts';

type Op = BrokerRequest['op'];
type Handler<O extends Op> = (
  ctx: BrokerContext,
  connection: ClientConnection,
  request: Extract<BrokerRequest, { op: O }>,
) => Promise<unknown>;

export const HANDLERS: { readonly [O in Op]: Handler<O> } = {
  hello: async (ctx, connection, request) => {
    if (request.protocol !== PROTOCOL_VERSION) {
      throw brokerError(
        `This broker (pid ${process.pid}) speaks protocol ${PROTOCOL_VERSION}, the client speaks ${request.protocol}: ` +
          'two versions of playwright-tempnumber share this account. Use one version.',
      );
    }
    if (typeof request.owner === 'string' && request.owner !== '') connection.owner = request.owner;
    if (typeof request.pid === 'number') connection.pid = request.pid;
    return { pid: process.pid, protocol: PROTOCOL_VERSION, account: ctx.account };
  },
  heartbeat: async () => ({}),
  lease: async (ctx, connection, r) => {
    const measured = await ctx.budget.measure(() =>
      lease(ctx, connection, {
        service: r.service,
        countries: r.countries,
        maxPrice: r.maxPrice,
        owner: r.owner,
      }),
    );
    return { ...measured.value, brokerOverheadMs: measured.overheadMs };
  },
  wait: waitForSms,
  retry: (ctx, _connection, request) => retryActivation(ctx, tracked(ctx, request.activationId)),
  release: async (ctx, _connection, request) => ({
    record: await releaseActivation(ctx, tracked(ctx, request.activationId), 'owner'),
  }),
  adopt: (ctx, connection, request) => adopt(ctx, connection, request.activationIds),
  status: (ctx) => brokerStatus(ctx),
  activations: async (ctx) => ctx.ledger.all(),
  read: (ctx, connection, request) => read(ctx, connection, request),
};

/** Dispatch one request. */
export function handleRequest(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: BrokerRequest,
): Promise<unknown> {
  const handler = HANDLERS[request.op] as Handler<Op> | undefined;
  if (!handler) return Promise.reject(brokerError(`Unknown broker operation ${JSON.stringify(request.op)}.`));
  return handler(ctx, connection, request);
}

async function waitForSms(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: Extract<BrokerRequest, { op: 'wait' }>,
): Promise<WaitResult> {
  const t = tracked(ctx, request.activationId);
  const receivedAtMs = performance.now();
  const after = Number.isInteger(request.afterSequence) ? request.afterSequence : 0;
  const current = ctx.tracker.waitResult(t, after);
  // Answer at once when there is news, or when nothing can come any more.
  if (current.sms) return withOverhead(current, t, receivedAtMs);
  if (t.record.outcome !== 'waiting' || isFinalStatus(t.record.status)) return current;
  const holdMs = Math.min(Math.max(Number(request.holdMs) || 0, 0), MAX_WAIT_HOLD_MS);
  if (t.sms.expectingSms && t.waitStartedAtMs === undefined) {
    t.waitStartedAtMs = ctx.now();
    ctx.poller.wake();
  }
  const result = await ctx.tracker.waits.hold(
    { activationId: t.record.id, connectionId: connection.id, afterSequence: after, holdMs },
    () => ctx.tracker.waitResult(t, after),
  );
  return result.sms ? withOverhead(result, t, receivedAtMs) : result;
}

/** The broker's own time on the way from the poll answer that showed the SMS to this reply. */
function withOverhead(result: WaitResult, t: TrackedActivation, requestAtMs: number): WaitResult {
  const since = Math.max(t.sms.detectedAtMs ?? requestAtMs, requestAtMs);
  return { ...result, brokerOverheadMs: Math.round((performance.now() - since) * 1000) / 1000 };
}

function tracked(ctx: BrokerContext, activationId: number): TrackedActivation {
  const t = ctx.tracker.get(activationId);
  if (!t) {
    throw brokerError(
      `Activation ${activationId} is not known to this broker (pid ${process.pid}). ` +
        'It was leased by another broker, or its record was dropped from the ledger.',
      { activationId },
    );
  }
  return t;
}
