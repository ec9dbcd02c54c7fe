/**
 * The broker's operations as data: protocol `op` → the types of its fields and its handler,
 * plus the two operator operations that are not journeys of their own: `read` (CLI and
 * preflight reads on the shared budget) and `status`.
 */
import { ACTIVATION_STATES, type ActivationId, toLeaseRequest } from '../../contract/activation.ts';
import type { ProviderCallOptions, SmsProvider } from '../../providers/provider.ts';
import { isListed } from '../ledger.ts';
import type { BrokerStatus, ReadQuery, ReadResults, ReadWhat } from '../protocol.ts';
import {
  type BrokerRequest,
  type HelloResult,
  MAX_WAIT_HOLD_MS,
  PROTOCOL_VERSION,
  type SettingsFingerprint,
  type StopResult,
  type WaitResult,
} from '../protocol.ts';
import { compareFingerprints, describeDifferences, settingsFingerprint } from '../settings-fingerprint.ts';
import { adopt, releaseActivation, retryActivation } from './activations.ts';
import type { BrokerContext, ClientConnection } from './context.ts';
import { brokerError, RelayedError } from './context.ts';
import { lease } from './lease.ts';
import type { TrackedActivation } from './tracker.ts';

/*
 * The broker's operations as data: protocol `op` → the types of its fields and its handler.
 * Every handler gets the broker context, the calling connection, its request (already checked
 * against the field table) and the broker's own controls, and resolves with the `result`.
 *
 * The socket is the broker's edge: anything may arrive on it, so a request is answered only
 * when its `op` is an own entry of the table (`{"op":"constructor"}` once answered with the
 * whole context, API key included) and its fields have the types the table says.
 */

type Op = BrokerRequest['op'];

/** What the handlers may do to the broker itself, beyond its context (wired by runBroker). */
export interface BrokerControl {
  /** Open client connections, the caller's included. */
  connections(): readonly ClientConnection[];
  /**
   * Connections being served: their `hello` was accepted with the broker's settings (or
   * without a fingerprint, from an older client). A connection told to replace the broker is not.
   */
  readonly served: WeakSet<ClientConnection>;
  /** Exit the way the idle exit does: stop listening, end the connections, close the ledger. */
  stop(): void;
}

type Handler<O extends Op> = (
  ctx: BrokerContext,
  connection: ClientConnection,
  request: Extract<BrokerRequest, { op: O }>,
  control: BrokerControl,
) => Promise<unknown>;

/** The type of one request field; a trailing `?` makes it optional. */
type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'string[]';
type FieldRule = FieldType | `${FieldType}?`;
type RequestFields = {
  readonly [O in Op]: {
    readonly [K in Exclude<keyof Extract<BrokerRequest, { op: O }>, 'id' | 'op'>]-?: FieldRule;
  };
};

/**
 * Every field of every request and its type. Handlers and the code behind them (the lease
 * journey, the ledger) may then trust the types; unknown extra fields are ignored, so a newer
 * client's additions reach an older broker harmlessly.
 */
export const REQUEST_FIELDS = {
  hello: { protocol: 'number', owner: 'string?', pid: 'integer?', settings: 'object?' },
  heartbeat: {},
  lease: {
    service: 'string',
    countries: 'string[]',
    maxPrice: 'number?',
    quality: 'integer?',
    owner: 'string?',
  },
  wait: { activationId: 'string', afterSequence: 'number?', holdMs: 'number?' },
  retry: { activationId: 'string' },
  release: { activationId: 'string' },
  adopt: { activationIds: 'string[]' },
  status: {},
  activations: {},
  read: {
    what: 'string',
    page: 'integer?',
    limit: 'integer?',
    service: 'string?',
    country: 'string?',
    timeoutMs: 'number?',
    retry: 'boolean?',
  },
  stop: { force: 'boolean?', ifIdle: 'boolean?' },
} as const satisfies RequestFields;

/** How each field type is checked, and how an error message names it. */
const FIELD_TYPES = {
  string: { is: (v) => typeof v === 'string', says: 'a string' },
  number: { is: (v) => typeof v === 'number' && Number.isFinite(v), says: 'a number' },
  integer: { is: (v) => Number.isSafeInteger(v), says: 'an integer' },
  boolean: { is: (v) => typeof v === 'boolean', says: 'true or false' },
  object: { is: (v) => typeof v === 'object' && v !== null && !Array.isArray(v), says: 'an object' },
  'string[]': {
    is: (v) => Array.isArray(v) && v.every((e) => typeof e === 'string'),
    says: 'a list of strings',
  },
} as const satisfies Record<FieldType, { is: (value: unknown) => boolean; says: string }>;

/** A lease's fields as the socket request names them, for the check's messages. */
const SOCKET_OPTION_NAMES = {
  service: 'service',
  country: 'countries',
  maxPrice: 'maxPrice',
  quality: 'quality',
} as const;

/** The handlers, frozen: nothing at run time adds an operation. */
export const HANDLERS: { readonly [O in Op]: Handler<O> } = Object.freeze({
  hello,
  heartbeat: async () => ({}),
  lease: async (ctx, connection, r) => {
    const measured = await ctx.budget.measure(() =>
      // THE lease check of the contract, as at every edge (the socket is one: any local process).
      lease(
        ctx,
        connection,
        toLeaseRequest(
          {
            service: r.service,
            country: r.countries,
            maxPrice: r.maxPrice,
            quality: r.quality,
            owner: r.owner,
          },
          SOCKET_OPTION_NAMES,
        ),
      ),
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
  activations: async (ctx) => ctx.ledger.all().filter(isListed),
  read: (ctx, connection, request) => read(ctx, connection, request),
  stop,
});

/**
 * Dispatch one request, or refuse it: an `op` that is not an own entry of the table (say
 * `constructor` or `__proto__`), or a field of the wrong type, is answered with an error that
 * says what was expected.
 */
export function handleRequest(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: BrokerRequest,
  control: BrokerControl,
): Promise<unknown> {
  try {
    const op = checkRequest(request);
    return (HANDLERS[op] as Handler<Op>)(ctx, connection, request, control);
  } catch (error) {
    // A handler that throws before its first await is answered like one that rejects.
    return Promise.reject(error);
  }
}

function checkRequest(request: BrokerRequest): Op {
  const op: unknown = request.op;
  if (typeof op !== 'string' || !Object.hasOwn(HANDLERS, op) || !Object.hasOwn(REQUEST_FIELDS, op)) {
    // The client tells an older broker by this prefix (BrokerClient.read): keep it.
    throw brokerError(
      `Unknown broker operation ${quoteReceived(op)}: expected one of ${Object.keys(HANDLERS).join(', ')}.`,
    );
  }
  const fields: Readonly<Record<string, FieldRule>> = REQUEST_FIELDS[op as Op];
  for (const [field, rule] of Object.entries(fields)) {
    const optional = rule.endsWith('?');
    const type = (optional ? rule.slice(0, -1) : rule) as FieldType;
    const value = Object.hasOwn(request, field) ? (request as Record<string, unknown>)[field] : undefined;
    if (value === undefined && optional) continue;
    if (!FIELD_TYPES[type].is(value)) {
      throw brokerError(
        `Expected \`${field}\` of a \`${op}\` request to be ${FIELD_TYPES[type].says}, got ${quoteReceived(value)}. ` +
          'Clients speak src/broker/protocol.ts; use the playwright-tempnumber client rather than writing to the socket.',
      );
    }
  }
  return op as Op;
}

/** A received value in an error message: short, since it came from anyone on the socket. */
function quoteReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * `hello`: check the protocol, learn who is calling, and compare the client's settings with
 * the broker's (a client is never served silently with other settings). On a difference, an
 * idle broker says so and lets the client replace it; a busy one refuses, naming the settings.
 */
async function hello(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: Extract<BrokerRequest, { op: 'hello' }>,
  control: BrokerControl,
): Promise<HelloResult> {
  if (request.protocol !== PROTOCOL_VERSION) {
    throw brokerError(
      `This broker (pid ${process.pid}) speaks protocol ${PROTOCOL_VERSION}, the client speaks ${request.protocol}: ` +
        'two versions of playwright-tempnumber share this account. Use one version.',
    );
  }
  if (typeof request.owner === 'string' && request.owner !== '') connection.owner = request.owner;
  if (typeof request.pid === 'number') connection.pid = request.pid;
  const answer: HelloResult = { pid: process.pid, protocol: PROTOCOL_VERSION, account: ctx.account };
  // An older client sends no fingerprint: served as before.
  const differences =
    request.settings === undefined ? [] : compareFingerprints(brokerFingerprint(ctx), request.settings);
  if (differences.length === 0) {
    control.served.add(connection);
    return answer;
  }
  const busy = busyWith(ctx, connection, control);
  if (busy === undefined) {
    ctx.log(
      `${connection.owner} has other settings (${describeDifferences(differences)}); this broker is idle: told to replace it`,
    );
    return { ...answer, settingsDiffer: differences };
  }
  // Named so the client rethrows it instead of taking the broker for absent (broker-connection.ts).
  throw new RelayedError({
    name: 'BrokerUnavailableError',
    message:
      `The running broker (pid ${process.pid}) of account ${ctx.account} uses other settings than this client: ` +
      `${describeDifferences(differences)}. It is busy (${busy}), so it cannot be restarted with yours now. ` +
      'Wait for the running suite to finish (the broker exits by itself when idle), or stop it with ' +
      '`playwright-tempnumber broker stop` and run again.',
    brokerPid: process.pid,
  });
}

/**
 * `stop`: answer, then exit the way the idle exit does (the ledger stays on disk and the next
 * broker reconciles it). Refused while activations wait for an SMS unless `force`, and with
 * `ifIdle` while any other client is served.
 */
async function stop(
  ctx: BrokerContext,
  connection: ClientConnection,
  request: Extract<BrokerRequest, { op: 'stop' }>,
  control: BrokerControl,
): Promise<StopResult> {
  const waiting = waitingActivations(ctx);
  if (request.ifIdle) {
    const busy = busyWith(ctx, connection, control);
    if (busy !== undefined) {
      throw new RelayedError({
        name: 'BrokerUnavailableError',
        message:
          `The broker (pid ${process.pid}) became busy (${busy}) before it could be restarted with this client's ` +
          'settings. Wait for the running suite to finish, or stop it with `playwright-tempnumber broker stop`.',
        brokerPid: process.pid,
      });
    }
  } else if (waiting.length > 0 && request.force !== true) {
    throw brokerError(
      `The broker (pid ${process.pid}) has ${plural(waiting.length, 'activation')} leased and waiting for an SMS ` +
        `(${waiting
          .slice(0, 3)
          .map((t) => `${t.record.id} of ${t.record.owner}`)
          .join('; ')}${waiting.length > 3 ? '; …' : ''}). ` +
        'Stopping it now would cut those tests short. Wait for them to finish, or add --force (the next broker ' +
        'reconciles them from the ledger).',
      { brokerPid: process.pid, waiting: waiting.length },
    );
  }
  ctx.log(
    `stop asked by ${connection.owner}${waiting.length > 0 ? ` with ${plural(waiting.length, 'activation')} waiting (forced)` : ''}: exiting`,
  );
  // After this answer is on its way: the shutdown ends every connection, this one included.
  setImmediate(() => control.stop());
  return { pid: process.pid, waiting: waiting.length };
}

/** Why the broker is busy for a client other than `connection`, or undefined when it is idle. */
function busyWith(
  ctx: BrokerContext,
  connection: ClientConnection,
  control: BrokerControl,
): string | undefined {
  const others = control.connections().filter((c) => c !== connection && control.served.has(c)).length;
  const waiting = waitingActivations(ctx).length;
  const reasons = [
    ...(others > 0 ? [`${plural(others, 'other client')} connected`] : []),
    ...(waiting > 0 ? [`${plural(waiting, 'activation')} waiting for an SMS`] : []),
    ...(waiting === 0 && ctx.tracker.waits.size() > 0 ? ['a wait in progress'] : []),
  ];
  return reasons.length > 0 ? reasons.join(', ') : undefined;
}

function waitingActivations(ctx: BrokerContext): TrackedActivation[] {
  return ctx.tracker.all().filter((t) => t.record.outcome === 'waiting');
}

/** The broker's own fingerprint (a handful of HMACs: cheap enough to compute per `hello`). */
function brokerFingerprint(ctx: BrokerContext): SettingsFingerprint {
  return settingsFingerprint(ctx.settings.apiKey, {
    api: ctx.settings.api,
    redisUrl: ctx.settings.redisUrl,
    timeScale: ctx.timeScale,
    requestTimeoutMs: ctx.settings.requestTimeoutMs,
    rateLimits: ctx.settings.rateLimits,
    guards: ctx.guards.settings,
  });
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
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
  if (t.record.outcome !== 'waiting' || ACTIVATION_STATES[t.record.state].final) return current;
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

function tracked(ctx: BrokerContext, activationId: ActivationId): TrackedActivation {
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

/*
 * The `read` operation: an operator's read of the API (CLI `balance`/`history`/`prices`, the
 * preflight) made by the broker, on the account's shared budget, so a `history` typed during a
 * saturated run waits for a slot instead of drawing a 429 that would block the suite (DESIGN §2).
 */

/** `what` → the provider call; every argument is checked by the provider itself. */
const READS: {
  readonly [W in ReadWhat]: (
    provider: SmsProvider,
    q: ReadQuery,
    opts: ProviderCallOptions,
  ) => Promise<ReadResults[W]>;
} = {
  balance: (provider, _q, opts) => provider.balance(opts),
  history: (provider, q, opts) => provider.history({ page: q.page ?? 1, limit: q.limit ?? 20 }, opts),
  priceList: (provider, _q, opts) => provider.priceList(opts),
  price: (provider, q, opts) => provider.price(q.service as string, q.country as string, opts),
};

/** Answer one `read` with the API client's result; its errors travel as WireError like any op's. */
export function read(ctx: BrokerContext, connection: ClientConnection, q: ReadQuery): Promise<unknown> {
  const call = Object.hasOwn(READS, q.what) ? READS[q.what] : undefined;
  if (!call) {
    return Promise.reject(
      brokerError(
        `Unknown read ${JSON.stringify(q.what)}: expected one of ${Object.keys(READS).join(', ')}.`,
      ),
    );
  }
  // The caller's timeout is per attempt and capped at the broker's request timeout, so it stays
  // inside the in-flight bound (2 × that) the budget's proof and the lease intents assume: an
  // attempt allowed to run longer could act at the server after the budget counted it done.
  const opts: ProviderCallOptions = {
    // Low: an operator's look never takes a slot a lease, poll or release needs (HEADROOM).
    priority: 'low',
    // A CLI that gave up (Ctrl-C) must not leave its read queued for budget.
    ...(connection.closedSignal ? { signal: connection.closedSignal } : {}),
    ...(typeof q.timeoutMs === 'number' && q.timeoutMs > 0
      ? { timeoutMs: Math.min(q.timeoutMs, ctx.settings.requestTimeoutMs) }
      : {}),
  };
  return call(q.retry === false ? ctx.providerOnce : ctx.provider, q, opts);
}

/* `status`: what `playwright-tempnumber status` prints. Never contains the key. */

/** The broker as `status` shows it, with the budget use of every bucket. */
export async function brokerStatus(ctx: BrokerContext): Promise<BrokerStatus> {
  const usage = await ctx.store.usage();
  const buckets: BrokerStatus['buckets'] = {};
  for (const [bucket, u] of Object.entries(usage)) {
    buckets[bucket] = { used: u.used, limit: u.limit, blockedForMs: Math.round(u.blockedForMs) };
  }
  return {
    pid: process.pid,
    account: ctx.account,
    api: ctx.settings.api,
    baseUrl: ctx.settings.baseUrl,
    store: ctx.store.kind,
    startedAt: ctx.startedAt,
    clients: ctx.clientCount(),
    waiting: ctx.tracker.all().filter((t) => t.record.outcome === 'waiting').length,
    pollLeader: ctx.poller.isLeader(),
    timeScale: ctx.timeScale,
    buckets,
  };
}
