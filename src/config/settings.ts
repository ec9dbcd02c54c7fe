/**
 * Connection settings, resolved from explicit options first, then the environment, then a
 * `.env` file in the current directory (DESIGN §8). This folder is the only place that reads
 * `process.env`. Nothing here runs at import time.
 */
import { createHash } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { config as loadDotenvFile } from 'dotenv';
import { ConfigurationError } from '../api/errors/configuration-error.ts';

/** The production API. */
export const DEFAULT_BASE_URL = 'https://tn-api.com/api/v1';

/** Settings every component needs to reach one TempNumber account. */
export interface Settings {
  /** `TEMPNUMBER_API_KEY`. Never printed; use {@link accountId} to name the account. */
  apiKey: string;
  /** `TEMPNUMBER_BASE_URL`, without a trailing slash. @default 'https://tn-api.com/api/v1' */
  baseUrl: string;
  /** `TEMPNUMBER_REDIS_URL`: share the budget across machines. Unset: one machine. */
  redisUrl: string | undefined;
  /** `TEMPNUMBER_RUNTIME_DIR`: where the broker's socket, lock, ledger and journal live. */
  runtimeDir: string;
  /** `TEMPNUMBER_TIME_SCALE`: how many times faster than real time the API's clock runs (sandbox only). @default 1 */
  timeScale: number;
}

export type SettingsOverrides = Partial<{ [K in keyof Settings]: Settings[K] | undefined }>;

/** Where the variables come from; tests pass their own. */
export interface SettingsSources {
  env?: NodeJS.ProcessEnv;
  /** Load `.env` from this directory (dotenv) before reading `env`; false to skip. @default process.cwd() */
  dotenvDir?: string | false;
}

const MISSING_KEY_HELP =
  'TEMPNUMBER_API_KEY is not set. Put your key in the environment or in a .env file ' +
  '(create one in the TempNumber web app: side menu "API" → generate). ' +
  'To run without an account, start the local sandbox with `npx playwright-tempnumber sandbox --port 8787` ' +
  'and set TEMPNUMBER_BASE_URL=http://127.0.0.1:8787/api/v1 and TEMPNUMBER_API_KEY=sandbox. ' +
  'Nothing switches to the sandbox on its own, so a CI job with a missing secret cannot pass on fake numbers.';

/** Resolve settings, or throw a {@link ConfigurationError} that says what to set. */
export function resolveSettings(overrides: SettingsOverrides = {}, sources: SettingsSources = {}): Settings {
  const env = readEnv(sources);
  const apiKey = overrides.apiKey ?? nonEmpty(env.TEMPNUMBER_API_KEY);
  if (!apiKey) throw new ConfigurationError(MISSING_KEY_HELP);
  const baseUrl = (overrides.baseUrl ?? nonEmpty(env.TEMPNUMBER_BASE_URL) ?? DEFAULT_BASE_URL).replace(
    /\/+$/,
    '',
  );
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ConfigurationError(
      `TEMPNUMBER_BASE_URL must be an http(s) URL such as ${DEFAULT_BASE_URL}, got ${JSON.stringify(baseUrl)}.`,
    );
  }
  const timeScale = overrides.timeScale ?? parseTimeScale(env.TEMPNUMBER_TIME_SCALE);
  return {
    apiKey,
    baseUrl,
    redisUrl: overrides.redisUrl ?? nonEmpty(env.TEMPNUMBER_REDIS_URL),
    runtimeDir: overrides.runtimeDir ?? nonEmpty(env.TEMPNUMBER_RUNTIME_DIR) ?? defaultRuntimeDir(env),
    timeScale,
  };
}

/** A short, stable, non-reversible name for an account: base URL + key, hashed. Safe to print. */
export function accountId(settings: Pick<Settings, 'apiKey' | 'baseUrl'>): string {
  return createHash('sha256').update(`${settings.baseUrl}\n${settings.apiKey}`).digest('hex').slice(0, 12);
}

/** Per-user runtime dir: `$XDG_RUNTIME_DIR/playwright-tempnumber`, else `<tmp>/playwright-tempnumber-<uid>`. */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = nonEmpty(env.XDG_RUNTIME_DIR);
  if (xdg) return join(xdg, 'playwright-tempnumber');
  let user: string;
  try {
    // The uid where there is one (POSIX); the user name elsewhere (Windows reports uid -1).
    const info = userInfo();
    user = info.uid >= 0 ? String(info.uid) : info.username;
  } catch {
    user = 'user';
  }
  return join(tmpdir(), `playwright-tempnumber-${user}`);
}

/** Read one variable the same way as {@link resolveSettings} (env, then `.env`). */
export function readSetting(name: string, sources: SettingsSources = {}): string | undefined {
  return nonEmpty(readEnv(sources)[name]);
}

function readEnv(sources: SettingsSources): NodeJS.ProcessEnv {
  const env = { ...(sources.env ?? process.env) };
  const dir = sources.dotenvDir ?? process.cwd();
  if (dir !== false) {
    // processEnv: a copy, so loading .env never mutates the caller's environment; real env wins.
    const fromFile: NodeJS.ProcessEnv = {};
    loadDotenvFile({ path: join(dir, '.env'), processEnv: fromFile as Record<string, string>, quiet: true });
    for (const [k, v] of Object.entries(fromFile)) if (env[k] === undefined) env[k] = v;
  }
  return env;
}

function parseTimeScale(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(
      `TEMPNUMBER_TIME_SCALE must be a positive number, got ${JSON.stringify(raw)}.`,
    );
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
