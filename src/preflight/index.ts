/**
 * The preflight: the checks `doctor` prints and the globalSetup helper enforces. Every export
 * is named here.
 */
export { assessBalance, DEFAULT_ESTIMATE } from './balance-estimate.ts';
export type {
  BalanceEstimate,
  CheckId,
  CheckLevel,
  CheckOutcome,
  CheckResult,
  PreflightCheck,
  PreflightContext,
} from './check-types.ts';
export { PREFLIGHT_CHECKS } from './preflight-checks.ts';
export { PreflightError } from './preflight-error.ts';
export { type PreflightOptions, type PreflightReport, runPreflight } from './run-preflight.ts';
