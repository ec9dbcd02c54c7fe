/**
 * What one preflight check found, as the doctor prints it, the globalSetup collects it and
 * {@link PreflightError} carries it: shared by the preflight, the CLI and the fixtures.
 */

/** `fail` blocks (doctor exits 1, globalSetup throws); `warn` is worth reading; `ok` is fine. */
export type CheckLevel = 'ok' | 'warn' | 'fail';

/** Ids of the checks, in the order they run. */
export type CheckId =
  | 'settings'
  | 'reachable'
  | 'api-key'
  | 'balance'
  | 'broker'
  | 'runtime-dir'
  | 'redis'
  | 'browser';

/** What one check found. */
export interface CheckOutcome {
  level: CheckLevel;
  /** One actionable line; never contains the API key or a password. */
  line: string;
}

/** A check's outcome as reported: with its id and title, and `ok` for quick filtering. */
export interface CheckResult extends CheckOutcome {
  id: CheckId;
  title: string;
  /** False only for `fail`: a warning does not block a run. */
  ok: boolean;
  /** True when the check did not run because a check it needs failed (level `warn`). */
  skipped?: true;
}
