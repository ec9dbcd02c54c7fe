/**
 * `playwright-tempnumber/preflight`: the checks `doctor` prints and the globalSetup helper
 * enforces, for users who run them from their own globalSetup or script. Also re-exported from
 * the package's main entry. Every export is named here (no `export *`).
 */
export type { SettingsOverrides } from '../config/settings.ts';
export { PreflightError } from '../contract/errors.ts';
export type { CheckId, CheckLevel, CheckResult } from '../contract/preflight-result.ts';
export { type PreflightOptions, type PreflightReport, runPreflight } from './run-preflight.ts';
