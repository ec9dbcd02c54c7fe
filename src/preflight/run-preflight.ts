/**
 * Running the preflight: every check in order, one reading of the API through the broker, and
 * the report (URLs shown without credentials).
 */

import { connectBroker } from '../broker/client/broker-client.ts';
import { redactSecret, urlSecrets } from '../config/redact.ts';
import {
  accountId,
  resolveSettings,
  type Settings,
  type SettingsOverrides,
  type SettingsSources,
} from '../config/settings.ts';
import type { CheckId, CheckResult } from '../contract/preflight-result.ts';
import type { BalanceProbe, PreflightContext } from './checks.ts';
import { DEFAULT_ESTIMATE, inspectBroker, PREFLIGHT_CHECKS } from './checks.ts';

/*
 * Run the preflight checks against the resolved settings and collect one result per check.
 * Never throws for a problem it finds (that is a `fail` result); see `PreflightError` for the
 * throwing form globalSetup uses.
 */

/** Options of {@link runPreflight}. */
export interface PreflightOptions {
  /** Run only these checks (in table order); a check whose prerequisite is not listed runs anyway. @default every check */
  checks?: readonly CheckId[];
  /** Explicit settings; unset fields come from the environment and `.env`. */
  settings?: SettingsOverrides;
  /** Where settings are read from; tests pass their own env. @default process.env and ./.env */
  sources?: SettingsSources;
  /** How many numbers the run is expected to lease, for the balance check. @default 10 */
  tests?: number;
  /** Expected price per number, USD. @default 1 */
  pricePerTest?: number;
  /** Where `tests`/`pricePerTest` came from, shown in the balance line. @default 'default estimate' or 'given' */
  estimateSource?: string;
  /** Timeout of the API request and the Redis connection, real milliseconds. @default 5000 */
  timeoutMs?: number;
  /** Chromium the user's config launches (`use.launchOptions.executablePath`), checked instead of the defaults. */
  browserExecutablePath?: string;
}

/** What {@link runPreflight} found. */
export interface PreflightReport {
  /** True when no check failed (warnings allowed). */
  ok: boolean;
  /** Short hash of the account, when settings resolved; never the key. */
  account: string | undefined;
  results: CheckResult[];
}

/**
 * Run the checks in order. A check whose prerequisite failed (or was skipped) is reported as
 * skipped, with a `warn` level and a line naming what it waited for.
 *
 * @example
 * const report = await runPreflight({ tests: 40, pricePerTest: 0.6 });
 * if (!report.ok) throw new PreflightError(report.results);
 */
export async function runPreflight(options: PreflightOptions = {}): Promise<PreflightReport> {
  const ctx = createContext(options);
  const wanted = new Set(options.checks ?? PREFLIGHT_CHECKS.map((c) => c.id));
  const results: CheckResult[] = [];
  for (const check of PREFLIGHT_CHECKS) {
    if (!wanted.has(check.id)) continue;
    const blocker = results.find((r) => check.needs.includes(r.id) && (r.level === 'fail' || r.skipped));
    if (blocker) {
      results.push({
        id: check.id,
        title: check.title,
        level: 'warn',
        ok: true,
        skipped: true,
        line: `not checked: needs "${blocker.title}", which ${blocker.skipped ? 'was not checked' : 'failed'}`,
      });
      continue;
    }
    let outcome: Awaited<ReturnType<typeof check.run>>;
    try {
      outcome = await check.run(ctx);
    } catch (error) {
      // A check that throws is a bug in the check, but the report must still come out whole.
      outcome = {
        level: 'fail',
        line: `the check itself failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    results.push({ id: check.id, title: check.title, ...outcome, ok: outcome.level !== 'fail' });
  }
  const secrets = secretsOf(ctx.settings);
  for (const r of results) for (const secret of secrets) r.line = redactSecret(r.line, secret);
  return { ok: results.every((r) => r.ok), account: ctx.account, results };
}

function createContext(options: PreflightOptions): PreflightContext {
  let settings: Settings | undefined;
  let settingsError: unknown;
  try {
    settings = resolveSettings(options.settings ?? {}, options.sources ?? {});
  } catch (error) {
    settingsError = error;
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const given = options.tests !== undefined || options.pricePerTest !== undefined;
  let probe: Promise<BalanceProbe> | undefined;
  let before: ReturnType<PreflightContext['brokerBefore']> | undefined;
  const brokerBefore = () => {
    before ??= settings
      ? inspectBroker(settings, accountId(settings))
      : Promise.resolve({ running: false, level: 'warn' as const, line: 'not checked: no settings' });
    return before;
  };
  return {
    settings,
    settingsError,
    account: settings ? accountId(settings) : undefined,
    estimate: {
      tests: options.tests ?? DEFAULT_ESTIMATE.tests,
      pricePerTest: options.pricePerTest ?? DEFAULT_ESTIMATE.pricePerTest,
      source: options.estimateSource ?? (given ? 'given' : DEFAULT_ESTIMATE.source),
    },
    timeoutMs,
    env: options.sources?.env,
    browserExecutablePath: options.browserExecutablePath,
    balanceProbe: () => {
      // Look at the broker before the probe may start one: the broker check reports what was there.
      probe ??= brokerBefore().then(() => probeBalance(settings, timeoutMs));
      return probe;
    },
    balanceProbeIfAsked: () => probe,
    brokerBefore,
  };
}

/**
 * One GET /user/balance through the account's broker (only the broker calls TempNumber; one
 * starts on demand and exits when idle), no retries: a preflight reports what it sees, quickly.
 */
async function probeBalance(settings: Settings | undefined, timeoutMs: number): Promise<BalanceProbe> {
  let broker: Awaited<ReturnType<typeof connectBroker>>;
  try {
    if (!settings) throw new Error('no settings');
    broker = await connectBroker({
      apiKey: settings.apiKey,
      baseUrl: settings.baseUrl,
      runtimeDir: settings.runtimeDir,
      timeScale: settings.timeScale,
      ...(settings.redisUrl === undefined ? {} : { redisUrl: settings.redisUrl }),
      owner: `preflight (pid ${process.pid})`,
    });
  } catch (error) {
    return { ok: false, error, elapsedMs: 0, brokerFailed: true };
  }
  // Timed from the request, so "answered in N ms" does not count starting the broker.
  const started = performance.now();
  const brokerPid = broker.brokerPid;
  try {
    const { availableUsd: balance, heldUsd: reviewBalance } = await broker.read({
      what: 'balance',
      timeoutMs,
      retry: false,
    });
    return { ok: true, balance, reviewBalance, elapsedMs: performance.now() - started, brokerPid };
  } catch (error) {
    return { ok: false, error, elapsedMs: performance.now() - started, brokerPid };
  } finally {
    await broker.close();
  }
}

function secretsOf(settings: Settings | undefined): string[] {
  if (!settings) return [];
  return [settings.apiKey, ...(settings.redisUrl ? urlSecrets(settings.redisUrl) : [])]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
}
