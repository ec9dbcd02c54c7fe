/**
 * The preflight: the checks `doctor` prints and the globalSetup helper enforces. Re-exported
 * from the package's main entry for users who run it from their own globalSetup.
 */
export type { CheckId, CheckLevel, CheckResult } from './check-types.ts';
export { PreflightError } from './preflight-error.ts';
export { type PreflightOptions, type PreflightReport, runPreflight } from './run-preflight.ts';
