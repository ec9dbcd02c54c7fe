/**
 * The broker process, wired: one per machine per account, the only thing that calls TempNumber
 * (DESIGN §4). Read top-down: `runBroker` takes the singleton lock, opens the services into one
 * `BrokerContext` (store, API client on the store's budget, ledger, tracker, poller, guards),
 * reconciles what a previous broker left, then listens on the Unix socket (NDJSON, answered by
 * `id`), publishes the discovery file, and runs the housekeeping timer until it exits idle.
 * The journeys it serves: lease.ts (+ lease-intents.ts), activations.ts, poller.ts, guards.ts.
 */

import { randomUUID } from 'node:crypto';
import { chmod, open, readFile, rename, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { resolveGuardSettings } from '../../config/guard-settings.ts';
import { accountId, maxInFlightMs } from '../../config/settings.ts';
import { BrokerStartError } from '../../contract/errors.ts';
import { createStoreBudget, type RequestBudget } from '../../limits/budget.ts';
import { scaledMaxWaitMs } from '../../limits/rate-limits.ts';
import { createProvider } from '../../providers/index.ts';
import { openLedger } from '../ledger.ts';
import { type HeldLock, lockHolder, tryAcquireLock } from '../lock-file.ts';
import type { BrokerRequest, BrokerResponse } from '../protocol.ts';
import { PROTOCOL_VERSION } from '../protocol.ts';
import type { DiscoveryInfo } from '../runtime-paths.ts';
import { ensureRuntimePaths, type RuntimePaths, runtimePaths } from '../runtime-paths.ts';
import {
  endPendingAtProvider,
  persistChange,
  reconcileLedger,
  releaseActivation,
  releaseOwnedBy,
} from './activations.ts';
import type { BrokerContext, ClientConnection } from './context.ts';
import {
  brokerError,
  brokerLimits,
  DEFAULT_CLIENT_TIMEOUT_MS,
  defaultIdleExitMs,
  errorToWire,
  measureBudget,
  type RunBrokerOptions,
} from './context.ts';
import { createGuardRuntime } from './guard-runtime.ts';
import { type BrokerControl, handleRequest } from './handlers.ts';
import { isSettlingIntents, reconcileOpenIntents, scheduleIntentReconcile } from './lease-intents.ts';
import { pollTiming } from './poll-plan.ts';
import { createCentralPoller } from './poller.ts';
import { createStore } from './store/create-store.ts';
import { createActivationTracker } from './tracker.ts';

/** A broker that listens. */
export interface RunningBroker {
  readonly socketPath: string;
  /** Short hash naming the account. */
  readonly account: string;
  /** Stop: answer held waits with an error, close the socket, remove socket + discovery, unlock. */
  close(): Promise<void>;
  /** Resolves once the broker stopped (after `close()` or the idle exit). */
  readonly closed: Promise<void>;
}

/**
 * Start the account's broker: see the file comment for the order of the steps. Rejects with a
 * {@link BrokerStartError} when another broker of the account runs, or a ConfigurationError
 * when the runtime dir is not private.
 */
export async function runBroker(options: RunBrokerOptions): Promise<RunningBroker> {
  const { settings } = options;
  const account = accountId(settings);
  const paths = runtimePaths(settings.runtimeDir, account);
  await ensureRuntimePaths(settings.runtimeDir, paths);
  const lock = await acquireSingleton(paths, account);
  const cleanups: Array<() => Promise<void>> = [() => lock.release()];
  try {
    return await start(options, account, paths, cleanups);
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  }
}

async function acquireSingleton(paths: RuntimePaths, account: string): Promise<HeldLock> {
  const lock = await tryAcquireLock(paths.brokerLock);
  if (lock) {
    // The lock is ours, so a socket file left here belongs to a dead broker.
    await unlink(paths.socket).catch(() => {});
    return lock;
  }
  const holder = await lockHolder(paths.brokerLock);
  throw new BrokerStartError(
    `A broker for account ${account} is already running (pid ${holder?.pid ?? 'unknown'}); ` +
      `it listens on ${paths.socket}. Use it, or stop it first ` +
      `(\`playwright-tempnumber broker stop\`, or kill ${holder?.pid ?? '<pid>'}).`,
    holder ? { runningPid: holder.pid } : {},
  );
}

async function start(
  options: RunBrokerOptions,
  account: string,
  paths: RuntimePaths,
  cleanups: Array<() => Promise<void>>,
): Promise<RunningBroker> {
  let server: SocketServer | undefined;
  // The `stop` op ends the broker the way its idle exit does; `close` exists once the lifecycle does.
  let stopBroker: () => void = () => {};
  const control: BrokerControl = {
    connections: () => server?.connections() ?? [],
    served: new WeakSet(),
    stop: () => stopBroker(),
  };
  const ctx = await createBrokerContext({
    options,
    account,
    paths,
    cleanups,
    clientCount: () => server?.connectionCount() ?? 0,
  });
  reconcileLedger(ctx, options.adoptGraceMs ?? DEFAULT_CLIENT_TIMEOUT_MS);
  // Lease intents a previous broker left open: settled in the background once their requests
  // can no longer act at the server (lease-intents.ts).
  void reconcileOpenIntents(ctx).then((left) => {
    if (left > 0) scheduleIntentReconcile(ctx);
  });
  server = await listenSocket({
    path: paths.socket,
    now: ctx.now,
    clientTimeoutMs: options.clientTimeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS,
    handle: (connection, request) => handleRequest(ctx, connection, request, control),
    onDisconnect: (connection, cause) => {
      ctx.tracker.waits.dropConnection(connection.id);
      void releaseOwnedBy(ctx, connection.id, cause);
    },
  });
  const listening = server;
  cleanups.unshift(async () => {
    await listening.close();
    await unlink(paths.socket).catch(() => {});
  });
  await writeDiscovery(paths, {
    pid: process.pid,
    socketPath: paths.socket,
    account,
    baseUrl: ctx.settings.baseUrl,
    protocol: PROTOCOL_VERSION,
    store: ctx.store.kind,
    startedAt: ctx.startedAt,
  });
  cleanups.unshift(() => removeDiscovery(paths));
  ctx.poller.start();
  cleanups.unshift(() => ctx.poller.stop());
  const running = lifecycle(ctx, options, cleanups);
  stopBroker = () => void running.close();
  return running;
}

function lifecycle(
  ctx: BrokerContext,
  options: RunBrokerOptions,
  cleanups: Array<() => Promise<void>>,
): RunningBroker {
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      housekeeping.stop();
      // Before the sockets end, so the clients read why their wait ended.
      ctx.tracker.waits.failAll(
        brokerError(`The broker (pid ${process.pid}) is shutting down; the wait was cut short.`),
      );
      await runCleanups(cleanups);
      ctx.log('broker stopped');
      resolveClosed();
    })();
    return closing;
  };
  const housekeeping = startHousekeeping(ctx, {
    idleExitMs: options.idleExitMs ?? defaultIdleExitMs(ctx.timeScale, ctx.provider.limits.table),
    onIdle: () => void close(),
  });
  return { socketPath: ctx.paths.socket, account: ctx.account, close, closed };
}

async function runCleanups(cleanups: Array<() => Promise<void>>): Promise<void> {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => {});
}

/*
 * Opening the broker's services — store, API client on the store's budget, ledger, tracker,
 * poller — and wiring them into one {@link BrokerContext}. Each opened service registers its
 * cleanup (closing order is the reverse of opening).
 */

export interface ContextInit {
  options: RunBrokerOptions;
  account: string;
  paths: RuntimePaths;
  /** Cleanups run first-in-list first: each service is put in front. */
  cleanups: Array<() => Promise<void>>;
  clientCount(): number;
}

export async function createBrokerContext(init: ContextInit): Promise<BrokerContext> {
  const { options, account, paths, cleanups } = init;
  const { settings } = options;
  const now = () => (options.clock ?? Date).now();
  // The provider declares the limits the budget enforces, and waits on that budget for every
  // request: it is created first, on a budget that forwards to the store's once that exists
  // (creating a provider sends nothing).
  let storeBudget: RequestBudget | undefined;
  const budget = measureBudget({
    acquire: (bucket, acquireOptions) => budgetOrThrow(storeBudget).acquire(bucket, acquireOptions),
    reportRateLimited: (bucket, retryAfterMs) =>
      budgetOrThrow(storeBudget).reportRateLimited(bucket, retryAfterMs),
  });
  const apiOptions = {
    apiKey: settings.apiKey,
    baseUrl: settings.baseUrl,
    budget: budget.budget,
    timeScale: settings.timeScale,
    timeoutMs: settings.requestTimeoutMs,
  };
  const provider = createProvider(settings.api, apiOptions);
  const providerOnce = createProvider(settings.api, { ...apiOptions, retries: 0 });
  const { limits, pollBuckets } = brokerLimits(provider.limits, settings);
  const store = await createStore({
    redisUrl: settings.redisUrl,
    accountId: account,
    limits,
    journalPath: paths.journal,
  });
  cleanups.unshift(() => store.close());
  storeBudget = createStoreBudget(store, {
    limits,
    maxWaitMsByPriority: scaledMaxWaitMs(settings.timeScale),
    maxInFlightMs: maxInFlightMs(settings),
  });
  const ledger = await openLedger(paths.ledger);
  cleanups.unshift(() => ledger.close());
  const timing = pollTiming(settings.timeScale, limits, pollBuckets);
  const log = options.log ?? (() => {});
  const guards = createGuardRuntime({
    settings: options.guards ?? resolveGuardSettings(),
    api: provider,
    store,
    timeScale: settings.timeScale,
    now,
    log,
  });
  // What the poller learns goes to the ledger and the store (the activation journey).
  const tracker = createActivationTracker({
    timing,
    now,
    onChange: (t, reason) => persistChange({ ledger, store, guards, log }, t, reason),
  });
  const brokerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const poller = createCentralPoller({
    api: provider,
    store,
    brokerId,
    timing,
    now,
    targets: () => tracker.watchTargets(),
    onSnapshot: (data, sentAtMs) => tracker.applySnapshot(data, sentAtMs),
    onPollError: (id, error) =>
      tracker.recordPollError(id, error instanceof Error ? error.message : String(error)),
  });
  const ctx: BrokerContext = {
    settings,
    account,
    paths,
    store,
    provider,
    providerOnce,
    budget,
    ledger,
    tracker,
    poller,
    timing,
    timeScale: settings.timeScale,
    pendingCap: options.pendingCap ?? provider.rules.pendingCap,
    guards,
    brokerId,
    startedAt: new Date(now()).toISOString(),
    now,
    log,
    clientCount: init.clientCount,
  };
  // The start-up history read of the delivery records; leases wait for it (bounded).
  guards.start();
  return ctx;
}

function budgetOrThrow(budget: RequestBudget | undefined): RequestBudget {
  if (!budget) throw new Error('The broker budget was used before its store was open.');
  return budget;
}

/*
 * The broker's Unix socket: newline-delimited JSON, one request per line, answered by `id`,
 * possibly out of order (a held `wait` does not block a `lease`). It keeps the list of client
 * connections and drops the ones that go silent for 3 heartbeat intervals — a worker frozen
 * or killed without its socket closing (e.g. a suspended VM) releases its phones that way.
 */

/**
 * A line longer than this (UTF-16 units, about bytes) is not a protocol request: the longest
 * real one, an `adopt` of every activation a client holds, is a few KB. The connection is
 * answered with an error and closed, so a peer cannot make the broker buffer without bound.
 */
export const MAX_LINE_LENGTH = 1 << 20;

/** How long a connection closed for a bad line may take to read its error before it is cut (ms). */
const CLOSE_GRACE_MS = 1_000;

export interface SocketServerOptions {
  path: string;
  now: () => number;
  /** A connection silent this long is dropped (real ms). */
  clientTimeoutMs: number;
  handle(connection: ClientConnection, request: BrokerRequest): Promise<unknown>;
  /** The connection is gone: closed by the client, dropped for silence, or the broker closing. */
  onDisconnect(connection: ClientConnection, cause: 'connectionClosed' | 'heartbeatLost'): void;
}

export interface SocketServer {
  connectionCount(): number;
  /** The open connections. */
  connections(): ClientConnection[];
  /** Stop accepting; end every connection. */
  close(): Promise<void>;
}

/** Listen on `options.path` (mode 0600) and serve the protocol; resolves once it accepts connections. */
export async function listenSocket(options: SocketServerOptions): Promise<SocketServer> {
  const sockets = new Map<Socket, ClientConnection>();
  let nextId = 1;
  let closing = false;
  const server: Server = createServer((socket) => {
    if (closing) return void socket.destroy();
    const closed = new AbortController();
    const connection: ClientConnection = {
      id: nextId,
      owner: `connection ${nextId}`,
      pid: undefined,
      lastSeenMs: options.now(),
      closedSignal: closed.signal,
    };
    nextId += 1;
    sockets.set(socket, connection);
    serve(socket, connection, options);
    socket.on('close', () => {
      const cause = (socket as Socket & { dropCause?: 'heartbeatLost' }).dropCause ?? 'connectionClosed';
      sockets.delete(socket);
      closed.abort();
      if (!closing) options.onDisconnect(connection, cause);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The folder is 0700 already; the socket itself is made private too, belt and braces.
  await chmod(options.path, 0o600);

  const sweep = setInterval(
    () => {
      const cutoff = options.now() - options.clientTimeoutMs;
      for (const [socket, connection] of sockets) {
        if (connection.lastSeenMs >= cutoff) continue;
        (socket as Socket & { dropCause?: 'heartbeatLost' }).dropCause = 'heartbeatLost';
        socket.destroy();
      }
    },
    Math.max(50, Math.min(options.clientTimeoutMs / 3, 5_000)),
  );
  sweep.unref();

  return {
    connectionCount: () => sockets.size,
    connections: () => [...sockets.values()],
    async close() {
      closing = true;
      clearInterval(sweep);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets.keys()) socket.end();
      // Give well-behaved clients a moment to read the last answers, then cut.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 500).unref())]);
      for (const socket of sockets.keys()) socket.destroy();
      await closed;
    },
  };
}

function serve(socket: Socket, connection: ClientConnection, options: SocketServerOptions): void {
  let buffer = '';
  let refused = false;
  socket.setEncoding('utf8');
  socket.on('error', () => {}); // a peer reset is a close like any other
  socket.on('data', (chunk: string) => {
    if (refused) return;
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.length > MAX_LINE_LENGTH) {
        refused = refuseLongLine(socket, line.length);
        return;
      }
      const trimmed = line.trim();
      if (trimmed !== '') void answer(socket, connection, trimmed, options);
      newline = buffer.indexOf('\n');
    }
    // No newline yet: checked here, before the next chunk, so the buffer never grows past the cap.
    if (buffer.length > MAX_LINE_LENGTH) refused = refuseLongLine(socket, buffer.length);
  });
}

/** Answer a line over the cap with an error, stop reading, and close; returns true. */
function refuseLongLine(socket: Socket, length: number): true {
  socket.pause();
  const error = {
    name: 'TempNumberError',
    message:
      `Request line of ${length > MAX_LINE_LENGTH + 1 ? 'over ' : ''}${length} characters is longer than the ` +
      `broker accepts (${MAX_LINE_LENGTH}): not a broker request. The connection is closed; requests are one ` +
      'JSON object per line (src/broker/protocol.ts).',
  };
  send(socket, { id: -1, ok: false, error });
  socket.end();
  // A peer that keeps writing never lets `end` finish: cut it after a moment to read the error.
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  return true;
}

async function answer(
  socket: Socket,
  connection: ClientConnection,
  line: string,
  options: SocketServerOptions,
) {
  connection.lastSeenMs = options.now();
  let request: BrokerRequest;
  try {
    request = JSON.parse(line) as BrokerRequest;
    if (typeof request !== 'object' || request === null || typeof request.id !== 'number')
      throw new Error('no id');
  } catch {
    return send(socket, {
      id: -1,
      ok: false,
      error: {
        name: 'TempNumberError',
        message:
          `Not a broker request: ${JSON.stringify(line.slice(0, 80))}. Requests are one JSON object per line ` +
          'with a numeric `id` and an `op` (src/broker/protocol.ts).',
      },
    });
  }
  let response: BrokerResponse;
  try {
    response = { id: request.id, ok: true, result: (await options.handle(connection, request)) ?? null };
  } catch (error) {
    response = { id: request.id, ok: false, error: errorToWire(error) };
  }
  send(socket, response);
}

function send(socket: Socket, response: BrokerResponse): void {
  if (socket.destroyed || !socket.writable) return;
  let line: string;
  try {
    line = JSON.stringify(response);
  } catch (error) {
    // A result that is not JSON (a cycle, a BigInt) is a bug; the caller still gets an answer.
    line = JSON.stringify({
      id: response.id,
      ok: false,
      error: {
        name: 'TempNumberError',
        message: `The broker could not encode its answer: ${(error as Error).message}`,
      },
    } satisfies BrokerResponse);
  }
  socket.write(`${line}\n`);
}

/*
 * The discovery file tells clients where the broker listens. It is written atomically (temp
 * file + rename), so a client never reads half of it, and only once the socket accepts
 * connections. Mode 0600; it never contains the API key.
 */

/** Write the discovery file atomically (temp + rename), mode 0600. */
export async function writeDiscovery(
  paths: Pick<RuntimePaths, 'discovery'>,
  info: DiscoveryInfo,
): Promise<void> {
  const temp = `${paths.discovery}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, paths.discovery);
}

/** Remove the discovery file if it still names this process (a successor may have replaced it). */
export async function removeDiscovery(paths: Pick<RuntimePaths, 'discovery'>): Promise<void> {
  try {
    const info = JSON.parse(await readFile(paths.discovery, 'utf8')) as Partial<DiscoveryInfo>;
    if (info.pid === process.pid) await unlink(paths.discovery);
  } catch {
    // Gone already, or unreadable: nothing of ours to remove.
  }
}

/*
 * The broker's slow timer: releases orphans nobody adopted, forgets settled activations, and
 * ends the broker after `idleExitMs` with no client and nothing waiting.
 */

export interface HousekeepingOptions {
  idleExitMs: number;
  onIdle(): void;
}

export interface Housekeeping {
  stop(): void;
}

/** Start the timer; `stop()` ends it. */
export function startHousekeeping(ctx: BrokerContext, options: HousekeepingOptions): Housekeeping {
  let idleSinceMs: number | undefined;
  const tickMs = Math.max(50, Math.min(1_000, options.idleExitMs / 5));
  const timer = setInterval(() => {
    const now = ctx.now();
    for (const t of ctx.tracker.all()) {
      endPendingAtProvider(ctx, t);
      if (t.adoptUntilMs !== undefined && now >= t.adoptUntilMs && t.connectionId === undefined) {
        t.adoptUntilMs = undefined;
        void releaseActivation(ctx, t, 'notAdopted').catch((e: unknown) => {
          ctx.log(`could not release orphan ${t.record.id}: ${(e as Error).message}`);
        });
      }
    }
    ctx.tracker.prune();
    if (!isIdle(ctx)) {
      idleSinceMs = undefined;
      return;
    }
    idleSinceMs ??= now;
    if (now - idleSinceMs >= options.idleExitMs) {
      clearInterval(timer);
      ctx.log(`idle for ${Math.round((now - idleSinceMs) / 1000)} s with no client: exiting`);
      options.onIdle();
    }
  }, tickMs);
  return { stop: () => clearInterval(timer) };
}

/** No client connected, no wait held, no activation a test may still use, no intent being settled. */
function isIdle(ctx: BrokerContext): boolean {
  return (
    ctx.clientCount() === 0 &&
    ctx.tracker.waits.size() === 0 &&
    !ctx.tracker.all().some((t) => t.record.outcome === 'waiting') &&
    !isSettlingIntents(ctx)
  );
}
