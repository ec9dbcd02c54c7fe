/**
 * Starting a broker in the background: `node <cli main> broker --runtime-dir <dir>`, detached so
 * it outlives this process, output appended to the broker log. The API key travels in the
 * child's environment only, never in argv (which `ps` shows to every user).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactSecrets } from '../../api/redact.ts';
import { GUARD_ENV_NAMES } from '../../config/guard-settings.ts';
import { readSetting, type Settings } from '../../config/settings.ts';
import type { RuntimePaths } from '../runtime-paths.ts';

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
  env.TEMPNUMBER_BASE_URL = settings.baseUrl;
  env.TEMPNUMBER_TIME_SCALE = String(settings.timeScale);
  env.TEMPNUMBER_REQUEST_TIMEOUT_MS = String(settings.requestTimeoutMs);
  if (settings.redisUrl !== undefined) env.TEMPNUMBER_REDIS_URL = settings.redisUrl;

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
