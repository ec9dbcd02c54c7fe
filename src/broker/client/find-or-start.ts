/**
 * Find the account's broker, or start one (DESIGN §4). Many processes may race here (8 workers
 * starting at once); the start lock makes exactly one of them spawn the broker while the others
 * wait for its discovery file, and the broker's own singleton lock backs that up. A broker is
 * started in the background (`node <cli main> broker --runtime-dir <dir>`), detached so it
 * outlives this process, its output appended to the broker log; the API key travels in the
 * child's environment only, never in argv (which `ps` shows to every user). Readers that must not
 * leave a daemon behind (`status`, `activations`) only look: {@link connectRunningBroker}.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { open, readFile, unlink } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GUARD_ENV_NAMES } from '../../config/guard-settings.ts';
import { redactSecrets } from '../../config/redact.ts';
import { accountId, readSetting, type Settings } from '../../config/settings.ts';
import type { ActivationRecord } from '../../contract/activation.ts';
import { type ActivationId, compareActivationIds } from '../../contract/activation.ts';
import { BrokerUnavailableError, ConnectionLostError } from '../../contract/errors.ts';
import { isListed, parseLedgerLine } from '../ledger.ts';
import { isAlive, lockHolder, tryAcquireLock, waitForRelease } from '../lock-file.ts';
import type { SettingsFingerprint } from '../protocol.ts';
import { ensureRuntimePaths, type RuntimePaths, runtimePaths } from '../runtime-paths.ts';
import { clientFingerprint, describeDifferences } from '../settings-fingerprint.ts';
import { type BrokerSession, readDiscovery, tryHello } from './broker-connection.ts';

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

/** Variables a detached Node process may need that are not ours to decide. */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'SYSTEMROOT', 'LANG', 'TZ'] as const;

/**
 * The CLI entry next to this module: `src/cli/main.ts` when running from source, and
 * `dist/src/cli/main.js` once built (the extension of this very file decides).
 */
export function cliMainPath(): string {
  const ext = extname(fileURLToPath(import.meta.url));
  return fileURLToPath(new URL(`../../cli/main${ext}`, import.meta.url));
}

/**
 * Spawn a broker for `settings` and return its process (already unref'd). The environment is
 * built from scratch: a worker's NODE_OPTIONS (say `--inspect`) or test variables must not leak
 * into a daemon that outlives the run.
 */
export async function spawnBroker(settings: Settings, paths: RuntimePaths): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = {};
  // The guard settings are the client's to choose (docs/guards.md), like the account is.
  for (const name of [...PASSED_THROUGH, ...GUARD_ENV_NAMES]) {
    const value = readSetting(name, { dotenvDir: false });
    if (value !== undefined) env[name] = value;
  }
  env.TEMPNUMBER_API_KEY = settings.apiKey;
  env.TEMPNUMBER_API = settings.api;
  env.TEMPNUMBER_BASE_URL = settings.baseUrl;
  env.TEMPNUMBER_TIME_SCALE = String(settings.timeScale);
  env.TEMPNUMBER_REQUEST_TIMEOUT_MS = String(settings.requestTimeoutMs);
  if (settings.redisUrl !== undefined) env.TEMPNUMBER_REDIS_URL = settings.redisUrl;
  if (settings.rateLimits !== undefined) env.TEMPNUMBER_RATE_LIMITS = settings.rateLimits;

  const log = await open(paths.log, 'a', 0o600);
  try {
    await log.write(`--- ${new Date().toISOString()} starting broker (requested by pid ${process.pid})\n`);
    const child = spawn(process.execPath, [cliMainPath(), 'broker', '--runtime-dir', settings.runtimeDir], {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env,
      // The account dir: no project `.env` is picked up and no user folder is held open.
      cwd: paths.dir,
      windowsHide: true,
    });
    child.unref();
    return child;
  } finally {
    // The child has its own copy of the descriptor by now.
    await log.close();
  }
}

/**
 * The last `lines` lines of the broker log, for an error message. Anything that looks like the
 * key is masked, in case some library ever printed its environment.
 */
export async function readLogTail(
  paths: Pick<RuntimePaths, 'log'>,
  apiKey: string,
  lines = 20,
): Promise<string> {
  let text: string;
  try {
    text = await readFile(paths.log, 'utf8');
  } catch {
    return '(no broker log)';
  }
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return redactKey(tail, apiKey);
}

/** The API key, and any `TEMPNUMBER_API_KEY=…` assignment, redacted (the shared rule of api/redact.ts). */
export function redactKey(text: string, apiKey: string): string {
  return redactSecrets(text, [apiKey]);
}

/** The account's runtime paths for `settings`. */
export function accountPaths(settings: Pick<Settings, 'apiKey' | 'baseUrl' | 'runtimeDir'>): RuntimePaths {
  return runtimePaths(settings.runtimeDir, accountId(settings));
}

/** A `hello`'d session with the running broker, or undefined when none answers. */
export function connectRunningBroker(
  settings: Pick<Settings, 'apiKey' | 'baseUrl' | 'runtimeDir'>,
  owner: string,
): Promise<BrokerSession | undefined> {
  return tryHello(accountPaths(settings), accountId(settings), owner);
}

/**
 * The ledger file read directly (no broker running): JSON Lines, the last line per id wins,
 * newest lease first, as `activations` lists it ({@link isListed}). A missing ledger is an empty one.
 */
export async function readLedgerFile(path: string): Promise<ActivationRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const byId = new Map<ActivationId, ActivationRecord>();
  for (const line of text.split('\n')) {
    const record = parseLedgerLine(line);
    if (record) byId.set(record.id, record);
  }
  return [...byId.values()]
    .filter(isListed)
    .sort((a, b) => Date.parse(b.leasedAt) - Date.parse(a.leasedAt) || compareActivationIds(b.id, a.id));
}
