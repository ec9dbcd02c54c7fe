/**
 * The preflight's checks as one table, in the order they run, and each check's rule: settings,
 * API key, reachability, balance (with what the suite may cost), broker, runtime dir, Redis, and
 * the browser. A check returns what it found; run-preflight.ts runs them and reports.
 */

import { readFile } from 'node:fs/promises';
import { isAlive } from '../broker/lock-file.ts';
import { PROTOCOL_VERSION } from '../broker/protocol.ts';
import { type DiscoveryInfo, runtimePaths } from '../broker/runtime-paths.ts';
import { resolveChromium } from '../config/chromium.ts';
import { displayUrl } from '../config/redact.ts';
import type { Settings } from '../config/settings.ts';
import type { ErrorFamily } from '../contract/errors.ts';
import { ApiError } from '../contract/errors.ts';
import { formatUsd as usd } from '../contract/money.ts';
import type { CheckId, CheckOutcome } from '../contract/preflight-result.ts';
import { inspectPrivateDir } from './inspect-private-dir.ts';

/*
 * The doctor's and globalSetup's checks as data: each check has an id, a title and a `run` that
 * returns a level and ONE actionable line (what is wrong and what to do, or what is fine).
 */

/** What the balance request answered; one request serves the reachable, key and balance checks. */
export type BalanceProbe = (
  | { ok: true; balance: number; reviewBalance: number; elapsedMs: number }
  /** `brokerFailed`: the broker the request goes through could not be reached or started (no API answer at all). */
  | { ok: false; error: unknown; elapsedMs: number; brokerFailed?: true }
) & {
  /** Pid of the broker that relayed the request, when one was reached. */
  brokerPid?: number;
};

/** How many numbers a run is expected to lease and at what price, for the balance check. */
export interface BalanceEstimate {
  tests: number;
  /** USD per number. */
  pricePerTest: number;
  /** Where the figures came from, for the line ("--tests/--price", "defaults", …). */
  source: string;
}

/** Everything a check may read. Built once per run by `runPreflight`. */
export interface PreflightContext {
  /** Undefined when settings could not be resolved (the `settings` check then failed). */
  settings: Settings | undefined;
  settingsError: unknown;
  /** Short hash of base URL + key; safe to print. */
  account: string | undefined;
  estimate: BalanceEstimate;
  /** Per-request / per-connection timeout, real ms. */
  timeoutMs: number;
  /** Environment for settings-like lookups that live outside Settings (CHROMIUM_PATH). */
  env: NodeJS.ProcessEnv | undefined;
  /** Chromium the user's config launches, if it names one (`launchOptions.executablePath`). */
  browserExecutablePath: string | undefined;
  /** GET /user/balance through the account's broker (started on demand), asked at most once per run. */
  balanceProbe(): Promise<BalanceProbe>;
  /** The probe, if a check has asked for it (never starts it: the broker check must not start a broker). */
  balanceProbeIfAsked(): Promise<BalanceProbe> | undefined;
  /** The account's broker as found before the probe connected to (and maybe started) one; asked once. */
  brokerBefore(): Promise<CheckOutcome & { running: boolean }>;
}

/** One check. */
export interface PreflightCheck {
  id: CheckId;
  title: string;
  /** Checks that must have passed (not failed, not skipped) for this one to be meaningful. */
  needs: readonly CheckId[];
  run(ctx: PreflightContext): Promise<CheckOutcome>;
}

/**
 * TEMPNUMBER_API_KEY and friends resolve (environment or `.env`). A time scale other than 1 off
 * loopback never gets here: resolveSettings refuses it, and that refusal is this check's failure.
 */
export const settingsCheck: PreflightCheck = {
  id: 'settings',
  title: 'settings',
  needs: [],
  async run(ctx) {
    if (!ctx.settings) {
      const message =
        ctx.settingsError instanceof Error ? ctx.settingsError.message : String(ctx.settingsError);
      return { level: 'fail', line: message };
    }
    const { api, baseUrl, timeScale } = ctx.settings;
    // Said on the line even when allowed: the same variable left set is refused once the base
    // URL points at the real API, and this is where a user looks first.
    const scale =
      timeScale === 1
        ? ''
        : `; time scale ${timeScale}× (TEMPNUMBER_TIME_SCALE, allowed only because the API is on loopback; unset it before using the real API)`;
    return {
      level: 'ok',
      line: `TEMPNUMBER_API_KEY is set (account ${ctx.account}); API ${displayUrl(baseUrl)} (${api})${scale}`,
    };
  },
};

/** The API accepts the key (GET /user/balance is not 401). */
export const apiKeyCheck: PreflightCheck = {
  id: 'api-key',
  title: 'API key',
  needs: ['reachable'],
  async run(ctx) {
    const probe = await ctx.balanceProbe();
    if (probe.ok) return { level: 'ok', line: `the API key was accepted (account ${ctx.account})` };
    const error = probe.error;
    if (error instanceof ApiError && error.family === 'unauthorized') {
      return {
        level: 'fail',
        line:
          `The API key was refused: check TEMPNUMBER_API_KEY (account ${ctx.account}; TempNumber answered ` +
          `${error.status} ${error.errorName}). Create a key in the TempNumber web app: side menu "API" → generate.`,
      };
    }
    if (error instanceof ApiError && error.family === 'rateLimited') {
      return { level: 'warn', line: `not verified: ${refusalHint(error)}` };
    }
    const message = error instanceof Error ? error.message : String(error);
    const hint = refusalHint(error);
    return { level: 'fail', line: hint ? `${message} ${hint}` : message };
  },
};

/** The base URL answers like the TempNumber API (any API answer counts, even a refusal). */
export const reachableCheck: PreflightCheck = {
  id: 'reachable',
  title: 'API reachable',
  needs: ['settings'],
  async run(ctx) {
    const url = displayUrl(ctx.settings?.baseUrl ?? '');
    const probe = await ctx.balanceProbe();
    if (!probe.ok && probe.brokerFailed) {
      // The API is only read through the broker; without one there is nothing to check with.
      const message = probe.error instanceof Error ? probe.error.message : String(probe.error);
      return {
        level: 'fail',
        line: `not checked: no broker could be reached or started to read ${url}: ${message}`,
      };
    }
    if (probe.ok || probe.error instanceof ApiError) {
      return { level: 'ok', line: `${url} answered in ${Math.round(probe.elapsedMs)} ms` };
    }
    const error = probe.error;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === 'UnexpectedResponseError') {
      return { level: 'fail', line: `${url} answered, but not like the TempNumber API: ${message}` };
    }
    return {
      level: 'fail',
      line:
        `Cannot reach ${url}: ${message} ` +
        'If you use the local sandbox, start it (`npx playwright-tempnumber sandbox`) and point TEMPNUMBER_BASE_URL at its /api/v1.',
    };
  },
};

/** The balance covers the estimated run (warn) and is above zero (fail). */
export const balanceCheck: PreflightCheck = {
  id: 'balance',
  title: 'balance',
  needs: ['api-key'],
  async run(ctx) {
    const probe = await ctx.balanceProbe();
    if (!probe.ok) {
      const message = probe.error instanceof Error ? probe.error.message : String(probe.error);
      return { level: 'warn', line: `not checked: the balance could not be read (${message})` };
    }
    return assessBalance(probe.balance, probe.reviewBalance, ctx.estimate);
  },
};

/**
 * Is a broker running for this account? Informational: none running is fine (one starts on
 * demand). A discovery file left by a dead broker, or a broker of another protocol version, is
 * worth a warning with what to do.
 */
export const brokerCheck: PreflightCheck = {
  id: 'broker',
  title: 'broker',
  needs: ['settings'],
  async run(ctx) {
    if (!ctx.settings || !ctx.account) return { level: 'warn', line: 'not checked: no settings' };
    // What was there BEFORE the API checks connected (and maybe started one).
    const before = await ctx.brokerBefore();
    const probe = ctx.balanceProbeIfAsked();
    const seen = probe ? await probe : undefined;
    if (seen && !seen.ok && seen.brokerFailed) {
      const message = seen.error instanceof Error ? seen.error.message : String(seen.error);
      return { level: 'fail', line: `no broker could be reached or started for the API checks: ${message}` };
    }
    if (seen?.brokerPid !== undefined && !before.running) {
      return {
        level: before.level,
        line: `${before.line}; the API checks started one (pid ${seen.brokerPid}), which exits when idle`,
      };
    }
    return { level: before.level, line: before.line };
  },
};

/** The account's broker as its discovery file shows it; `running` when a live one of this protocol answers for it. */
export async function inspectBroker(
  settings: Pick<Settings, 'runtimeDir'>,
  account: string,
): Promise<CheckOutcome & { running: boolean }> {
  const paths = runtimePaths(settings.runtimeDir, account);
  let raw: string;
  try {
    raw = await readFile(paths.discovery, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return {
        running: false,
        level: 'ok',
        line: `no broker running for account ${account}: one starts on demand when tests need it`,
      };
    }
    return {
      running: false,
      level: 'warn',
      line: `cannot read ${paths.discovery}: ${(error as Error).message}`,
    };
  }
  let info: Partial<DiscoveryInfo>;
  try {
    info = JSON.parse(raw) as Partial<DiscoveryInfo>;
  } catch {
    info = {};
  }
  if (typeof info.pid !== 'number') {
    return {
      running: false,
      level: 'warn',
      line: `${paths.discovery} is unreadable (half-written or corrupt): the next broker replaces it; delete it if this persists`,
    };
  }
  if (!isAlive(info.pid)) {
    return {
      running: false,
      level: 'warn',
      line:
        `the broker of pid ${info.pid} is gone without cleaning up (killed or crashed?): the next one starts on demand ` +
        `and reconciles its ledger; see ${paths.log} for why it stopped`,
    };
  }
  if (info.protocol !== PROTOCOL_VERSION) {
    return {
      running: false,
      level: 'warn',
      line:
        `the running broker (pid ${info.pid}) speaks protocol ${String(info.protocol)}, this package ${PROTOCOL_VERSION} ` +
        `(an older or newer playwright-tempnumber started it): clients will refuse it; stop it with \`kill ${info.pid}\``,
    };
  }
  const since = typeof info.startedAt === 'string' ? ` since ${info.startedAt}` : '';
  return {
    running: true,
    level: 'ok',
    line: `broker running for account ${account} (pid ${info.pid}, ${info.store ?? 'memory'} store${since})`,
  };
}

/** The runtime dir and the account's folder in it are private (0700, ours), or can be created. */
export const runtimeDirCheck: PreflightCheck = {
  id: 'runtime-dir',
  title: 'runtime dir',
  needs: ['settings'],
  async run(ctx) {
    if (!ctx.settings || !ctx.account) return { level: 'warn', line: 'not checked: no settings' };
    const root = await inspectPrivateDir(ctx.settings.runtimeDir);
    if (root.level !== 'ok' || !root.exists) return { level: root.level, line: root.line };
    const own = await inspectPrivateDir(runtimePaths(ctx.settings.runtimeDir, ctx.account).dir);
    // The account folder's verdict matters more; when it is fine, name the root (what the user set).
    return own.level === 'ok' ? { level: 'ok', line: root.line } : { level: own.level, line: own.line };
  },
};

/**
 * When TEMPNUMBER_REDIS_URL is set, Redis answers PING within the timeout. The broker fails
 * closed without it, so an unreachable Redis means every lease would be refused.
 */
export const redisCheck: PreflightCheck = {
  id: 'redis',
  title: 'Redis',
  needs: ['settings'],
  async run(ctx) {
    const url = ctx.settings?.redisUrl;
    if (!url) {
      return {
        level: 'ok',
        line: 'TEMPNUMBER_REDIS_URL is not set: the budget is shared by the runs on this machine (memory store)',
      };
    }
    const shown = displayUrl(url);
    const started = performance.now();
    try {
      await pingRedis(url, ctx.timeoutMs);
    } catch (error) {
      return {
        level: 'fail',
        line:
          `Redis at ${shown} did not answer PING: ${describeRedisError(error)}. The broker refuses leases without it: ` +
          'start Redis, fix TEMPNUMBER_REDIS_URL, or unset it to share the budget on this machine only.',
      };
    }
    const ms = Math.round(performance.now() - started);
    return {
      level: 'ok',
      line: `Redis at ${shown} answered PING in ${ms} ms: brokers on every machine share one budget`,
    };
  },
};

/** Connect once (no reconnects, no offline queue), PING, disconnect. */
async function pingRedis(url: string, timeoutMs: number): Promise<void> {
  // Loaded only when Redis is configured: the memory-store path never pays for ioredis.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis emits the cause ('connect ECONNREFUSED …') as an 'error' event and rejects with a
  // bare "Connection is closed"; keep the event's message, which says what went wrong.
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

function describeRedisError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
  if (/NOAUTH|WRONGPASS|invalid password/i.test(message)) {
    return `${message} (the password in TEMPNUMBER_REDIS_URL was refused)`;
  }
  return message;
}

/** A Chromium to launch exists: the config's own, Playwright's, CHROMIUM_PATH, or the system's. */
export const browserCheck: PreflightCheck = {
  id: 'browser',
  title: 'Chromium',
  needs: [],
  async run(ctx) {
    // resolveChromium reads only CHROMIUM_PATH from its env: the config's own path stands in for it.
    const env = ctx.browserExecutablePath ? { CHROMIUM_PATH: ctx.browserExecutablePath } : ctx.env;
    const choice = resolveChromium(await playwrightChromiumPath(), env);
    if (choice.found) return { level: 'ok', line: `${choice.description} is installed` };
    const missing = choice.description.startsWith('no Chromium')
      ? choice.description
      : `${choice.description} does not exist. Fix the path, or unset it to use Playwright's Chromium (\`npx playwright install chromium\`).`;
    return { level: 'fail', line: missing };
  },
};

/** Where Playwright's own Chromium would be; '' when @playwright/test cannot be loaded. */
async function playwrightChromiumPath(): Promise<string> {
  try {
    const { chromium } = await import('@playwright/test');
    return chromium.executablePath();
  } catch {
    return '';
  }
}

/*
 * What to do when the API refuses an operator's request, by error family: one table shared by
 * the CLI's error output and the doctor's lines, so both give the same advice.
 */

/** Advice per family of ApiError; families without an entry need none beyond the message. */
const REFUSAL_HINTS = {
  unauthorized:
    'The API key was refused: check TEMPNUMBER_API_KEY (and that TEMPNUMBER_BASE_URL is the API it belongs to).',
  accountOnHold: 'The account is on hold: contact TempNumber support (support@temp-number.org).',
  paymentRequired: 'The balance is too low: top up in the TempNumber web app.',
  rateLimited:
    'The request limit of this endpoint is used up (a running test suite may be using it): wait a minute and try again.',
  serviceUnavailable: 'TempNumber is temporarily unavailable: try again in a few minutes.',
} as const satisfies Partial<Record<ErrorFamily, string>>;

/** The hint for an error carrying a `family`, or undefined. */
export function refusalHint(error: unknown): string | undefined {
  const family =
    typeof error === 'object' && error !== null ? (error as { family?: unknown }).family : undefined;
  return typeof family === 'string' && Object.hasOwn(REFUSAL_HINTS, family)
    ? REFUSAL_HINTS[family as keyof typeof REFUSAL_HINTS]
    : undefined;
}

/*
 * Is the balance enough for the run ahead? Pure arithmetic over the balance and an estimate
 * (tests × price per number), with the shortfall stated as the amount to top up.
 */

/** Used when nothing better is known: ten numbers at one dollar. */
export const DEFAULT_ESTIMATE = { tests: 10, pricePerTest: 1, source: 'default estimate' } as const;

/** The balance check's verdict for `balance` (USD) against `estimate`. */
export function assessBalance(
  balance: number,
  reviewBalance: number,
  estimate: BalanceEstimate,
): CheckOutcome {
  const needed = roundCents(estimate.tests * estimate.pricePerTest);
  const est = `${estimate.tests} numbers × ${usd(estimate.pricePerTest)} = ${usd(needed)} (${estimate.source})`;
  const review = reviewBalance > 0 ? ` (${usd(reviewBalance)} more in review, not spendable yet)` : '';
  if (balance <= 0) {
    return {
      level: 'fail',
      line: `the balance is ${usd(balance)}${review}: every lease will be refused (402 paymentRequired). Top up at least ${usd(needed)} for ${est}.`,
    };
  }
  if (balance < needed) {
    return {
      level: 'warn',
      line: `${usd(balance)}${review} is less than the estimate of ${est}: top up at least ${usd(roundCents(needed - balance))}, or give a closer estimate.`,
    };
  }
  return { level: 'ok', line: `${usd(balance)}${review} covers the estimate of ${est}` };
}

function roundCents(amount: number): number {
  // Up, not to nearest: advice to top up must be enough.
  return Math.ceil(amount * 100 - 1e-9) / 100;
}

/*
 * The checks of `doctor` and of the globalSetup preflight, in the order they run: ONE table.
 * Order matters: the API checks share one balance request and each needs the one before it.
 */

/** Every check, in run order. */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  settingsCheck,
  reachableCheck,
  apiKeyCheck,
  balanceCheck,
  brokerCheck,
  runtimeDirCheck,
  redisCheck,
  browserCheck,
] satisfies ReadonlyArray<PreflightCheck & { id: CheckId }>;
