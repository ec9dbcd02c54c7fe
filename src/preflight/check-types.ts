/**
 * The doctor's and globalSetup's checks as data: each check has an id, a title and a `run` that
 * returns a level and ONE actionable line (what is wrong and what to do, or what is fine).
 */
import type { Settings } from '../config/settings.ts';
import type { CheckId, CheckOutcome } from '../contract/preflight-result.ts';

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
