/**
 * Find the account's broker, or start one (DESIGN §4). Many processes may race here (8 workers
 * starting at once); the start lock makes exactly one of them spawn the broker while the others
 * wait for its discovery file, and the broker's own singleton lock backs that up.
 */
import type { ChildProcess } from 'node:child_process';
import { unlink } from 'node:fs/promises';
import { accountId, type Settings } from '../../config/settings.ts';
import { isAlive, lockHolder, tryAcquireLock } from '../lock-file.ts';
import { type RuntimePaths, runtimePaths } from '../runtime-paths.ts';
import { BrokerUnavailableError } from './broker-unavailable-error.ts';
import { type BrokerSession, readDiscovery, tryHello } from './discovery.ts';
import { ensureRuntimePaths } from './runtime-dir.ts';
import { readLogTail, spawnBroker } from './spawn-broker.ts';

/** Options of {@link findOrStartBroker}. */
export interface FindOrStartOptions {
  /** Who is asking, as the broker shows it (`status`, ledger `owner`). */
  owner: string;
  /** Give up when no broker answers within this long (real ms). @default 15000 */
  startTimeoutMs?: number;
}

/** How often a waiting client looks for the discovery file again (ms); bounded by the timeout. */
const RECHECK_MS = 50;

/** Connect to the running broker of the account, starting one first when none answers. */
export async function findOrStartBroker(
  settings: Settings,
  options: FindOrStartOptions,
): Promise<BrokerSession> {
  const account = accountId(settings);
  const paths = runtimePaths(settings.runtimeDir, account);
  await ensureRuntimePaths(settings.runtimeDir, paths);
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  let spawned: ChildProcess | undefined;
  while (true) {
    const session = await tryHello(paths, account, options.owner);
    if (session) return session;
    const lock = await tryAcquireLock(paths.startLock);
    if (lock) {
      try {
        // Someone may have finished starting one between our look and the lock.
        const again = await tryHello(paths, account, options.owner);
        if (again) return again;
        // A live holder of the broker lock is a broker still starting (or started by hand):
        // wait for it rather than start a second one that would only exit.
        if (!(await lockHolder(paths.brokerLock))) {
          await removeStaleFiles(paths);
          spawned = await spawnBroker(settings, paths);
        }
        const started = await waitForBroker(settings, paths, account, options.owner, deadline, spawned);
        if (started) return started;
        continue; // The broker we waited for died before answering: start one ourselves.
      } finally {
        await lock.release();
      }
    }
    // Another client is starting it: wait, but go back to the lock if that client died.
    const session2 = await waitWhileStarting(paths, account, options.owner, deadline);
    if (session2) return session2;
    if (Date.now() >= deadline) throw await startFailed(settings, paths, undefined);
  }
}

/**
 * Wait for discovery + `hello` of a broker being started (by us, `child`, or by someone).
 * Undefined when we did not start it and its holder of the broker lock died meanwhile (e.g. a
 * broker just killed, whose pid looked alive until it was reaped): the caller starts one.
 */
async function waitForBroker(
  settings: Settings,
  paths: RuntimePaths,
  account: string,
  owner: string,
  deadline: number,
  child: ChildProcess | undefined,
): Promise<BrokerSession | undefined> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child?.once('exit', (code, signal) => {
    exit = { code, signal };
  });
  while (Date.now() < deadline) {
    const session = await tryHello(paths, account, owner);
    if (session) return session;
    // Ours died; unless another broker holds the singleton lock, nothing is coming.
    if (exit && !(await lockHolder(paths.brokerLock))) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      throw await startFailed(settings, paths, `the broker ${how} before it answered`);
    }
    if (!child && !(await lockHolder(paths.brokerLock))) return undefined;
    await delay(RECHECK_MS);
  }
  const holder = await lockHolder(paths.brokerLock);
  // A recycled pid can make a dead broker's lock look held: say how to get out of that.
  const reason = holder
    ? `pid ${holder.pid} holds ${paths.brokerLock} but no broker answered in time (if pid ${holder.pid} is not a ` +
      'playwright-tempnumber broker, delete that file)'
    : undefined;
  throw await startFailed(settings, paths, reason);
}

/** Poll while the start lock is held by a live process; undefined once it is free again. */
async function waitWhileStarting(
  paths: RuntimePaths,
  account: string,
  owner: string,
  deadline: number,
): Promise<BrokerSession | undefined> {
  while (Date.now() < deadline) {
    await delay(RECHECK_MS);
    const session = await tryHello(paths, account, owner);
    if (session) return session;
    if (!(await lockHolder(paths.startLock))) return undefined;
  }
  return undefined;
}

/**
 * Files a dead broker left: its discovery file and socket. Only removed when the pid they name
 * is gone, so a live broker's files are never touched.
 */
async function removeStaleFiles(paths: RuntimePaths): Promise<void> {
  const discovery = await readDiscovery(paths);
  if (discovery && isAlive(discovery.pid)) return;
  await unlink(paths.discovery).catch(() => {});
  await unlink(discovery?.socketPath ?? paths.socket).catch(() => {});
  if (discovery && discovery.socketPath !== paths.socket) await unlink(paths.socket).catch(() => {});
}

async function startFailed(
  settings: Settings,
  paths: RuntimePaths,
  reason: string | undefined,
): Promise<BrokerUnavailableError> {
  const tail = await readLogTail(paths, settings.apiKey);
  const why = reason ?? 'no broker answered in time';
  return new BrokerUnavailableError(
    `Could not reach or start the TempNumber broker in ${paths.dir}: ${why}. ` +
      `Start one by hand with \`playwright-tempnumber broker\` to see its output. Last lines of ${paths.log}:\n${tail}`,
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
