/**
 * Environment of the demo (`npm run demo`): ports, and the explicit choice to run the example
 * specs against the local sandbox unless the user points them somewhere else. Read by
 * `examples/playwright.config.ts` only — the library never switches to the sandbox by itself.
 *
 * Playwright evaluates the config in the runner and again in every worker. The runner sets the
 * variables first and the workers inherit them, so every process sees the same values.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Ports the demo uses unless `SANDBOX_PORT` / `APP_PORT` say otherwise. */
export const DEFAULT_PORTS = { sandbox: 8787, app: 3100 } as const;

/** API key the demo's sandbox accepts (a fake account; nothing real is spent). */
export const SANDBOX_API_KEY = 'sandbox';

/** A port from the environment, or `fallback`; a clear error for anything else. */
export function portFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${name} must be a port number from 1 to 65535, got ${JSON.stringify(raw)}.`);
  }
  return port;
}

/** A positive number from the environment, or `fallback`. */
export function positiveFromEnv(
  name: string,
  fallback: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}.`);
  }
  return value;
}

/**
 * Point the workers at the demo's sandbox — unless the user chose a server themselves
 * (`TEMPNUMBER_BASE_URL` set), in which case their settings are used untouched, runtime dir
 * included, so a real account's runs keep sharing one broker and one budget.
 *
 * The URL and key go together: a `TEMPNUMBER_API_KEY` exported for a real account, with no
 * `TEMPNUMBER_BASE_URL`, is not sent to the local sandbox (it would only be refused) and the demo
 * does not spend real money either (the demo app's SMS go to the sandbox's carrier, so a real
 * number would never receive them).
 */
/** The APIs the demo's sandbox can speak (`SANDBOX_API`). */
export const DEMO_APIS = ['tempnumber-v1', 'platfone'] as const;
export type DemoApi = (typeof DEMO_APIS)[number];

/** `SANDBOX_API` when set (one of {@link DEMO_APIS}), else TempNumber v1; anything else is an error. */
export function apiFromEnv(env: NodeJS.ProcessEnv = process.env): DemoApi {
  const value = env.SANDBOX_API?.trim() || 'tempnumber-v1';
  if ((DEMO_APIS as readonly string[]).includes(value)) return value as DemoApi;
  throw new Error(`Expected SANDBOX_API to be one of ${DEMO_APIS.join(', ')}, got ${JSON.stringify(value)}.`);
}

export function useSandboxUnlessConfigured(
  sandboxApiUrl: string,
  timeScale: number,
  env: NodeJS.ProcessEnv = process.env,
  api: DemoApi = 'tempnumber-v1',
): void {
  if (env.TEMPNUMBER_BASE_URL?.trim()) return;
  if (env.TEMPNUMBER_API_KEY?.trim()) {
    console.log(
      `Demo: using the local sandbox at ${sandboxApiUrl}; your TEMPNUMBER_API_KEY is not used ` +
        '(set TEMPNUMBER_BASE_URL as well to run the examples against that account).',
    );
  }
  env.TEMPNUMBER_BASE_URL = sandboxApiUrl;
  env.TEMPNUMBER_API_KEY = SANDBOX_API_KEY;
  // The sandbox speaks this API; the workers must too (its loopback host says nothing about it).
  env.TEMPNUMBER_API = api;
  // The sandbox's clock and the broker's must agree, or the broker's rate windows drift.
  env.TEMPNUMBER_TIME_SCALE = String(timeScale);
  if (!env.TEMPNUMBER_RUNTIME_DIR?.trim()) env.TEMPNUMBER_RUNTIME_DIR = createDemoRunDir();
}

/** Demo runs older than this lost their broker long ago (it exits after minutes of idling). */
const STALE_RUN_DIR_MS = 24 * 60 * 60_000;

/** `<tmp>/playwright-tempnumber-demo-<uid>`: the parent of every demo run's runtime dir. */
function demoRoot(): string {
  let user: string;
  try {
    user = String(userInfo().uid);
  } catch {
    user = 'user';
  }
  return join(tmpdir(), `playwright-tempnumber-demo-${user}`);
}

/** True for a runtime dir made by {@link createDemoRunDir}: the demo's own, safe to stop its broker. */
export function isDemoRunDir(dir: string): boolean {
  return dirname(dir) === demoRoot() && basename(dir).startsWith('run-');
}

/**
 * A fresh broker runtime dir for this run. Never the user's default runtime dir, so the demo
 * cannot touch the broker of a real account. Fresh per run because each demo starts a fresh
 * sandbox whose activation ids start over: a broker left idling by the previous run must not
 * mistake the new activations for the old ones it still watches. Kept after the run so
 * `playwright-tempnumber activations` can show its ledger; removed after a day.
 */
function createDemoRunDir(): string {
  const root = demoRoot();
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const before = Date.now() - STALE_RUN_DIR_MS;
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    try {
      if (name.startsWith('run-') && statSync(dir).mtimeMs < before)
        rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: another run may be pruning the same folder.
    }
  }
  return mkdtempSync(join(root, 'run-'));
}
