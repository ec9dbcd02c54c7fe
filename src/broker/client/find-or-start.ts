/**
 * Find the account's broker, or start one (DESIGN §4). Many processes may race here (8 workers
 * starting at once); the start lock makes exactly one of them spawn the broker while the others
 * wait for its discovery file, and the broker's own singleton lock backs that up.
 */
import type { ChildProcess } from 'node:child_process';
import { unlink } from 'node:fs/promises';
import { accountId, type Settings } from '../../config/settings.ts';
import { BrokerUnavailableError } from '../../contract/errors/broker-unavailable-error.ts';
import { ConnectionLostError } from '../../contract/errors/connection-lost-error.ts';
import { isAlive, lockHolder, tryAcquireLock, waitForRelease } from '../lock-file.ts';
import type { SettingsFingerprint } from '../protocol.ts';
import { ensureRuntimePaths, type RuntimePaths, runtimePaths } from '../runtime-paths.ts';
import { clientFingerprint, describeDifferences } from '../settings-fingerprint.ts';
import { type BrokerSession, readDiscovery, tryHello } from './discovery.ts';
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

/** How long an idle broker with other settings may take to answer `stop` (ms). */
const STOP_TIMEOUT_MS = 5_000;

/** Says `hello` (with this client's settings) to whatever broker runs; see {@link helloOrReplace}. */
type Hello = () => Promise<BrokerSession | undefined>;

/** Connect to the running broker of the account, starting one first when none answers. */
export async function findOrStartBroker(
  settings: Settings,
  options: FindOrStartOptions,
): Promise<BrokerSession> {
  const account = accountId(settings);
  const paths = runtimePaths(settings.runtimeDir, account);
  await ensureRuntimePaths(settings.runtimeDir, paths);
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  // Never served silently with other settings: the broker compares these with its own.
  const fingerprint = clientFingerprint(settings);
  const hello: Hello = () => helloOrReplace(paths, account, options.owner, fingerprint, deadline);
  let spawned: ChildProcess | undefined;
  while (true) {
    const session = await hello();
    if (session) return session;
    const lock = await tryAcquireLock(paths.startLock);
    if (lock) {
      try {
        // Someone may have finished starting one between our look and the lock.
        const again = await hello();
        if (again) return again;
        // A live holder of the broker lock is a broker still starting (or started by hand):
        // wait for it rather than start a second one that would only exit.
        if (!(await lockHolder(paths.brokerLock))) {
          await removeStaleFiles(paths);
          spawned = await spawnBroker(settings, paths);
        }
        const started = await waitForBroker(settings, paths, hello, deadline, spawned);
        if (started) return started;
        continue; // The broker we waited for died before answering: start one ourselves.
      } finally {
        await lock.release();
      }
    }
    // Another client is starting it: wait, but go back to the lock if that client died.
    const session2 = await waitWhileStarting(paths, hello, deadline);
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
  hello: Hello,
  deadline: number,
  child: ChildProcess | undefined,
): Promise<BrokerSession | undefined> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child?.once('exit', (code, signal) => {
    exit = { code, signal };
  });
  while (Date.now() < deadline) {
    const session = await hello();
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
  hello: Hello,
  deadline: number,
): Promise<BrokerSession | undefined> {
  while (Date.now() < deadline) {
    await delay(RECHECK_MS);
    const session = await hello();
    if (session) return session;
    if (!(await lockHolder(paths.startLock))) return undefined;
  }
  return undefined;
}

/**
 * `hello` with this client's settings. When the running broker has other settings and is
 * idle, ask it to exit and wait until it let go of its lock, then answer undefined ("no broker"),
 * so the caller starts one with ours. A busy broker's refusal (it names the settings) propagates.
 */
async function helloOrReplace(
  paths: RuntimePaths,
  account: string,
  owner: string,
  fingerprint: SettingsFingerprint,
  deadline: number,
): Promise<BrokerSession | undefined> {
  const session = await tryHello(paths, account, owner, fingerprint);
  if (!session?.settingsDiffer) return session;
  try {
    // `ifIdle`: the broker checks again, in case a client of its own settings connected meanwhile.
    await session.connection.request({ op: 'stop', ifIdle: true }, STOP_TIMEOUT_MS);
  } catch (error) {
    // Closed under us: another client with our settings asked first, and it is exiting.
    if (!(error instanceof ConnectionLostError)) throw error;
  } finally {
    session.connection.close();
  }
  if (!(await waitForRelease(paths.brokerLock, session.pid, deadline))) {
    throw new BrokerUnavailableError(
      `The idle broker (pid ${session.pid}) runs with other settings (${describeDifferences(session.settingsDiffer)}) ` +
        `and was asked to exit, but it still runs. Stop it (\`playwright-tempnumber broker stop --force\`, or ` +
        `kill ${session.pid}) and run again.`,
      { brokerPid: session.pid },
    );
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
