/**
 * Connection settings, resolved from explicit options first, then the environment, then a
 * `.env` file in the current directory (DESIGN §8). This folder is the only place that reads
 * `process.env`. Nothing here runs at import time.
 */
import { createHash } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { config as loadDotenvFile } from 'dotenv';
import { ConfigurationError } from '../contract/errors.ts';

/** The production API of TempNumber v1. */
export const DEFAULT_BASE_URL = 'https://tn-api.com/api/v1';

/**
 * The SMS-activation APIs `TEMPNUMBER_API` can name, with what settings need of each: the API
 * root used when no base URL is set, and the hosts of its production and hosted sandbox. This
 * layer may not import the provider registry (src/providers/index.ts), so these rows restate its
 * `defaultBaseUrl` and `hosts`; a unit test holds the two equal.
 */
export const KNOWN_APIS = {
  'tempnumber-v1': { defaultBaseUrl: DEFAULT_BASE_URL, hosts: ['tn-api.com', 'mock.temp-number.org'] },
  platfone: { defaultBaseUrl: 'https://temp-number-api.com/api/v1', hosts: ['temp-number-api.com'] },
} as const satisfies Record<string, { defaultBaseUrl: string; hosts: readonly string[] }>;

/** A name `TEMPNUMBER_API` accepts. */
export type ApiId = keyof typeof KNOWN_APIS;

/** The API of a base URL that names none: the one that was the only API before the setting. */
const FALLBACK_API: ApiId = 'tempnumber-v1';

/** True for the names of {@link KNOWN_APIS}. */
export function isApiId(value: unknown): value is ApiId {
  return typeof value === 'string' && Object.hasOwn(KNOWN_APIS, value);
}

/**
 * The API `TEMPNUMBER_API` defaults to for a base URL: the one whose hosts include its host
 * (`temp-number-api.com` → `platfone`), else `tempnumber-v1` — a local sandbox or a proxy has any
 * host, and every such setup predates Platfone. No base URL: `tempnumber-v1`.
 */
export function inferApi(baseUrl: string | undefined): ApiId {
  let host: string;
  try {
    host = new URL(baseUrl ?? '').hostname;
  } catch {
    return FALLBACK_API;
  }
  for (const [id, api] of Object.entries(KNOWN_APIS) as Array<[ApiId, (typeof KNOWN_APIS)[ApiId]]>) {
    if ((api.hosts as readonly string[]).includes(host)) return id;
  }
  return FALLBACK_API;
}

/** Settings every component needs to reach one TempNumber account. */
export interface Settings {
  /** `TEMPNUMBER_API_KEY`. Never printed; use {@link accountId} to name the account. */
  apiKey: string;
  /**
   * `TEMPNUMBER_API`: which SMS-activation API the base URL speaks, `tempnumber-v1` or
   * `platfone`. Part of the account: two APIs never share a broker, ledger or budget.
   * @default {@link inferApi}(TEMPNUMBER_BASE_URL): `platfone` on temp-number-api.com, else `tempnumber-v1`
   */
  api: ApiId;
  /**
   * `TEMPNUMBER_BASE_URL`, in its {@link canonicalBaseUrl} form (lower-case scheme and host, no
   * default port, no trailing slash).
   * @default the API's own: 'https://tn-api.com/api/v1' (tempnumber-v1), 'https://temp-number-api.com/api/v1' (platfone)
   */
  baseUrl: string;
  /** `TEMPNUMBER_REDIS_URL`: share the budget across machines. Unset: one machine. */
  redisUrl: string | undefined;
  /** `TEMPNUMBER_RUNTIME_DIR`: where the broker's socket, lock, ledger and journal live. */
  runtimeDir: string;
  /**
   * `TEMPNUMBER_TIME_SCALE`: how many times faster than real time the API's clock runs. Only a
   * loopback base URL (a local sandbox) may use another value than 1; see {@link isLoopbackUrl}.
   * @default 1
   */
  timeScale: number;
  /**
   * `TEMPNUMBER_REQUEST_TIMEOUT_MS`: how long one API request may take (real ms) before it
   * counts as lost. Twice this is the in-flight bound ({@link maxInFlightMs}). @default 15000
   */
  requestTimeoutMs: number;
  /**
   * `TEMPNUMBER_RATE_LIMITS`: tighter limits than the API publishes, as
   * `<bucket>=<limit>[/<windowMs>]` separated by `;` (bucket ids are the API's, e.g. v1's
   * `GET /activations/:id=40;PUT /activations/:id=5/90000`). The broker applies them to its
   * budget and refuses looser values or unknown buckets. Unset: the published limits.
   */
  rateLimits: string | undefined;
}

/**
 * The longest a request can still act at the server after it was sent (real ms): twice its
 * timeout, since a server may start on a request late and finish it after the client gave up.
 * The budget counts an unanswered request for this long, and a lease whose answer was lost is
 * looked up in the history only after it (lease-intents.ts). 30 s at the default timeout.
 */
export function maxInFlightMs(settings: Pick<Settings, 'requestTimeoutMs'>): number {
  return 2 * settings.requestTimeoutMs;
}

/** Explicit settings (options); each undefined one comes from the environment. `api` is checked. */
export type SettingsOverrides = Partial<{
  [K in Exclude<keyof Settings, 'api'>]: Settings[K] | undefined;
}> & {
  api?: string | undefined;
};

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
  const chosenApi = overrides.api ?? nonEmpty(env.TEMPNUMBER_API);
  if (chosenApi !== undefined && !isApiId(chosenApi)) {
    throw new ConfigurationError(
      `TEMPNUMBER_API (tempnumberApi) must be one of ${Object.keys(KNOWN_APIS).join(', ')}, got ${JSON.stringify(chosenApi)}. ` +
        'Unset, it follows the base URL: platfone on temp-number-api.com, else tempnumber-v1.',
    );
  }
  const typed = overrides.baseUrl ?? nonEmpty(env.TEMPNUMBER_BASE_URL);
  // Canonical once, here: the account id (hence the broker, its runtime dir and its budget)
  // derives from it, so two spellings of one API must not make two brokers with two budgets.
  const typedBaseUrl = typed === undefined ? undefined : canonicalBaseUrl(typed);
  if (typed !== undefined && typedBaseUrl === undefined) {
    throw new ConfigurationError(
      `TEMPNUMBER_BASE_URL must be an http(s) URL such as ${KNOWN_APIS[chosenApi ?? FALLBACK_API].defaultBaseUrl}, got ${JSON.stringify(typed)}.`,
    );
  }
  // An explicit API wins; else the base URL's host says which API it is (docs/decisions/0019).
  const api = chosenApi ?? inferApi(typedBaseUrl);
  const baseUrl = typedBaseUrl ?? KNOWN_APIS[api].defaultBaseUrl;
  const timeScale =
    overrides.timeScale === undefined
      ? parseTimeScale(env.TEMPNUMBER_TIME_SCALE)
      : checkTimeScale(overrides.timeScale, 'The timeScale option');
  if (timeScale !== 1 && !isLoopbackUrl(baseUrl)) {
    throw new ConfigurationError(
      timeScaleOffLoopbackHelp(timeScale, baseUrl, overrides.timeScale === undefined),
    );
  }
  return {
    apiKey,
    api,
    baseUrl,
    redisUrl: overrides.redisUrl ?? nonEmpty(env.TEMPNUMBER_REDIS_URL),
    runtimeDir: overrides.runtimeDir ?? nonEmpty(env.TEMPNUMBER_RUNTIME_DIR) ?? defaultRuntimeDir(env),
    timeScale,
    requestTimeoutMs: requestTimeout(overrides.requestTimeoutMs, env.TEMPNUMBER_REQUEST_TIMEOUT_MS),
    rateLimits: overrides.rateLimits ?? nonEmpty(env.TEMPNUMBER_RATE_LIMITS),
  };
}

/**
 * A short, stable, non-reversible name for an account: API, base URL + key, hashed. Safe to print.
 * The URL is taken in its {@link canonicalBaseUrl} form, so spellings of one API
 * (`https://TN-API.com:443/api/v1/`) name one account, one broker and one budget. `api` defaults
 * as in {@link resolveSettings} (from the base URL's host).
 */
export function accountId(
  settings: Pick<Settings, 'apiKey' | 'baseUrl'> & { api?: ApiId | undefined },
): string {
  const baseUrl = canonicalBaseUrl(settings.baseUrl) ?? settings.baseUrl;
  const api = settings.api ?? inferApi(baseUrl);
  // v1 keeps the input it had before the setting existed, so an upgrade finds its broker,
  // ledger, grant journal and Redis keys; any other API is named first, so no two APIs collide.
  const input =
    api === 'tempnumber-v1' ? `${baseUrl}\n${settings.apiKey}` : `${api}\n${baseUrl}\n${settings.apiKey}`;
  return createHash('sha256').update(input).digest('hex').slice(0, 12);
}

/**
 * The one spelling of an http(s) base URL: scheme and host lower-cased and the default port
 * dropped (WHATWG URL does both), trailing slashes dropped; the path is otherwise kept as typed
 * (it may be case-sensitive on the server). Undefined when `url` is not an http(s) URL.
 *
 * @example canonicalBaseUrl('HTTPS://TN-API.com:443/api/v1/') // 'https://tn-api.com/api/v1'
 */
export function canonicalBaseUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const { href, pathname, search, hash } = parsed;
  const origin = href.slice(0, href.length - pathname.length - search.length - hash.length);
  return `${origin}${pathname.replace(/\/+$/, '')}${search}${hash}`;
}

/**
 * True when `url` is an http(s) URL on this machine: `localhost`, 127.0.0.0/8 or `[::1]`, the
 * only places a sandbox runs. Hosts are read the WHATWG way, so `127.1` and `[0:0::1]` count and
 * `127.0.0.1.example.com` does not.
 */
export function isLoopbackUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
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
  return checkTimeScale(Number(raw), 'TEMPNUMBER_TIME_SCALE', raw);
}

function checkTimeScale(value: number, source: string, raw: unknown = value): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`${source} must be a positive number, got ${JSON.stringify(raw)}.`);
  }
  return value;
}

// Every rate-limit window and lifetime is divided by the scale (docs/decisions/0004-time-scale.md):
// a value left over from sandbox work would make the broker send that many times the published
// rate to a real API. Names the host, never the whole URL: it may carry credentials.
function timeScaleOffLoopbackHelp(timeScale: number, baseUrl: string, fromEnv: boolean): string {
  const source = fromEnv ? 'TEMPNUMBER_TIME_SCALE' : 'The timeScale option';
  const unset = fromEnv
    ? 'Unset TEMPNUMBER_TIME_SCALE (or set it to 1) in the environment and .env'
    : 'Drop the timeScale option';
  return (
    `${source} is ${timeScale}, but the API at ${new URL(baseUrl).host} is not on this machine. ` +
    `A time scale divides every rate-limit window and lifetime, so the broker would call that API at ${timeScale}× ` +
    'its published rate limits; it is meant for the local sandbox only. ' +
    `${unset} to use this API, or point TEMPNUMBER_BASE_URL at a local sandbox ` +
    '(e.g. http://127.0.0.1:8787/api/v1, started with `npx playwright-tempnumber sandbox --port 8787`).'
  );
}

/** The request timeout from the override or the environment, checked either way. */
function requestTimeout(override: number | undefined, raw: string | undefined): number {
  if (override === undefined && (raw === undefined || raw.trim() === '')) return 15_000;
  const value = override ?? Number(raw);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 100 || value > 600_000) {
    throw new ConfigurationError(
      `TEMPNUMBER_REQUEST_TIMEOUT_MS (requestTimeoutMs) must be a number of milliseconds between 100 and 600000, got ${JSON.stringify(override ?? raw)}.`,
    );
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
