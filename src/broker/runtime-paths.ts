/**
 * Where one account's broker keeps its files: `<runtimeDir>/<accountId>/`, a per-user 0700
 * folder (DESIGN §4). One place, so the broker, its client and the CLI cannot disagree.
 *
 * The folder holds a Unix socket that spends money on the user's account and a ledger of paid
 * numbers, so it must be private: owned by the current user and writable by nobody else.
 */
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '../contract/errors.ts';

export interface RuntimePaths {
  /** `<runtimeDir>/<accountId>` (mode 0700). */
  dir: string;
  /** Unix domain socket the broker listens on. */
  socket: string;
  /** Discovery file, written by the broker once it listens: see {@link DiscoveryInfo}. */
  discovery: string;
  /** Broker singleton lock (pid + token), held by the running broker. */
  brokerLock: string;
  /** Start lock, held by the one client that is starting a broker while the others wait. */
  startLock: string;
  /** The ledger: one JSON line per activation change. */
  ledger: string;
  /** Grant journal of the memory budget store. */
  journal: string;
  /** stdout/stderr of a broker started in the background. */
  log: string;
}

/** Contents of the discovery file. Never contains the API key. */
export interface DiscoveryInfo {
  pid: number;
  socketPath: string;
  account: string;
  baseUrl: string;
  protocol: number;
  store: 'memory' | 'redis';
  startedAt: string;
}

export function runtimePaths(runtimeDir: string, accountId: string): RuntimePaths {
  const dir = join(runtimeDir, accountId);
  return {
    dir,
    socket: join(dir, 'broker.sock'),
    discovery: join(dir, 'broker.json'),
    brokerLock: join(dir, 'broker.pid'),
    startLock: join(dir, 'start.lock'),
    ledger: join(dir, 'ledger.jsonl'),
    journal: join(dir, 'journal.jsonl'),
    log: join(dir, 'broker.log'),
  };
}

/**
 * Create `dir` (and missing parents) with mode 0700, or check that an existing one is private.
 *
 * Throws a {@link ConfigurationError} that says how to fix it when `dir` is not a directory,
 * is a symbolic link, is owned by another user, or is writable by group or others.
 * Only `dir` itself is checked, not its parents (a shared `/tmp` parent is normal).
 */
export async function ensureRuntimeDir(dir: string): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      throw new ConfigurationError(
        `Cannot create the broker runtime dir ${dir} (${code ?? String(error)}). ` +
          'Set TEMPNUMBER_RUNTIME_DIR to a folder of your own.',
        { cause: error },
      );
    }
  }
  // mkdir's mode is filtered by the umask; a dir we just made is ours to tighten.
  if (created !== undefined) await chmod(dir, 0o700);
  const info = await lstat(dir);
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new ConfigurationError(
      `The broker runtime dir ${dir} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; ` +
        'refusing to use it. Remove it, or set TEMPNUMBER_RUNTIME_DIR to a private folder of your own.',
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new ConfigurationError(
      `The broker runtime dir ${dir} belongs to uid ${info.uid}, not to you (uid ${uid}); another user ` +
        'could read or replace the broker socket. Set TEMPNUMBER_RUNTIME_DIR to a folder of your own.',
    );
  }
  // Windows has no POSIX modes; named pipes and ACLs protect it instead.
  if (process.platform !== 'win32' && (info.mode & 0o022) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(3, '0');
    throw new ConfigurationError(
      `The broker runtime dir ${dir} has mode ${mode}, writable by ${describeWriters(info.mode)}; ` +
        'another user could replace the broker socket and receive your requests. ' +
        `Run \`chmod 700 ${dir}\`, or set TEMPNUMBER_RUNTIME_DIR to a private folder.`,
    );
  }
}

/** {@link ensureRuntimeDir} for the runtime root, then for the account's own folder in it. */
export async function ensureRuntimePaths(
  runtimeDir: string,
  paths: Pick<RuntimePaths, 'dir'>,
): Promise<void> {
  await ensureRuntimeDir(runtimeDir);
  await ensureRuntimeDir(paths.dir);
}

function describeWriters(mode: number): string {
  const group = (mode & 0o020) !== 0;
  const other = (mode & 0o002) !== 0;
  return group && other ? 'group and others' : group ? 'its group' : 'others';
}
