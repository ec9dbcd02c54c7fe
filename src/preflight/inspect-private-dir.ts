/**
 * Read-only twin of the broker's `ensureRuntimeDir`: says whether a folder is private (a real
 * directory, owned by us, not writable by group or others) without creating or changing it,
 * so `doctor` can report before anything runs.
 */
import { constants } from 'node:fs';
import { access, lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckOutcome } from '../contract/preflight-result.ts';

/** The verdict on one folder, and whether it exists at all. */
export async function inspectPrivateDir(dir: string): Promise<CheckOutcome & { exists: boolean }> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { exists: false, level: 'fail', line: `cannot inspect ${dir}: ${(error as Error).message}` };
    }
    return inspectMissing(dir);
  }
  if (info.isSymbolicLink() || !info.isDirectory()) {
    return {
      exists: true,
      level: 'fail',
      line:
        `${dir} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; the broker refuses it. ` +
        'Remove it, or set TEMPNUMBER_RUNTIME_DIR to a private folder of your own.',
    };
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    return {
      exists: true,
      level: 'fail',
      line:
        `${dir} belongs to uid ${info.uid}, not to you (uid ${uid}); the broker refuses it. ` +
        'Set TEMPNUMBER_RUNTIME_DIR to a folder of your own.',
    };
  }
  if (process.platform === 'win32') return { exists: true, level: 'ok', line: `${dir} exists` };
  const mode = (Number(info.mode) & 0o777).toString(8).padStart(3, '0');
  if ((Number(info.mode) & 0o022) !== 0) {
    return {
      exists: true,
      level: 'fail',
      line: `${dir} has mode ${mode}: others could replace the broker socket, so the broker refuses it. Run \`chmod 700 ${dir}\`.`,
    };
  }
  if ((Number(info.mode) & 0o077) !== 0) {
    return {
      exists: true,
      level: 'warn',
      line: `${dir} has mode ${mode}: others can list it (ledger of numbers, broker log). Run \`chmod 700 ${dir}\`.`,
    };
  }
  return { exists: true, level: 'ok', line: `${dir} is private (mode ${mode}, yours)` };
}

/** A folder that does not exist yet is fine when it can be created. */
async function inspectMissing(dir: string): Promise<CheckOutcome & { exists: boolean }> {
  let parent = dirname(dir);
  // Find the nearest existing ancestor: that is where mkdir -p will start.
  for (;;) {
    try {
      await lstat(parent);
      break;
    } catch {
      const up = dirname(parent);
      if (up === parent) break;
      parent = up;
    }
  }
  try {
    await access(parent, constants.W_OK | constants.X_OK);
  } catch {
    return {
      exists: false,
      level: 'fail',
      line: `${dir} does not exist and cannot be created (${parent} is not writable by you). Set TEMPNUMBER_RUNTIME_DIR to a folder of your own.`,
    };
  }
  return {
    exists: false,
    level: 'ok',
    line: `${dir} does not exist yet; it is created with mode 0700 on first use`,
  };
}
