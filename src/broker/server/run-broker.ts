import { unlink } from 'node:fs/promises';
import { accountId } from '../../config/settings.ts';
import { BrokerStartError } from '../../contract/errors/broker-start-error.ts';
import { type HeldLock, lockHolder, tryAcquireLock } from '../lock-file.ts';
import { PROTOCOL_VERSION } from '../protocol.ts';
import { ensureRuntimePaths, type RuntimePaths, runtimePaths } from '../runtime-paths.ts';
import type { BrokerContext } from './broker-context.ts';
import { DEFAULT_CLIENT_TIMEOUT_MS, defaultIdleExitMs, type RunBrokerOptions } from './broker-options.ts';
import { createBrokerContext } from './create-broker-context.ts';
import { removeDiscovery, writeDiscovery } from './discovery-file.ts';
import { startHousekeeping } from './housekeeping.ts';
import { reconcileOpenIntents, scheduleIntentReconcile } from './lease-intents.ts';
import { reconcileLedger } from './reconcile.ts';
import { releaseOwnedBy } from './release.ts';
import { type BrokerControl, handleRequest } from './request-handlers.ts';
import { listenSocket, type SocketServer } from './socket-server.ts';
import { brokerError } from './wire-error.ts';

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
    idleExitMs: options.idleExitMs ?? defaultIdleExitMs(ctx.timeScale),
    onIdle: () => void close(),
  });
  return { socketPath: ctx.paths.socket, account: ctx.account, close, closed };
}

async function runCleanups(cleanups: Array<() => Promise<void>>): Promise<void> {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => {});
}
