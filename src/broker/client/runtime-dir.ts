/**
 * The broker's runtime dir holds a Unix socket that spends money on the user's account and a
 * ledger of paid numbers, so it must be private: owned by the current user and writable by
 * nobody else (DESIGN §4). Used by the broker client and by the broker server alike.
 */
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { ConfigurationError } from '../../api/errors/configuration-error.ts';
import type { RuntimePaths } from '../runtime-paths.ts';

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
