import type { CheckResult } from '../preflight-result.ts';
import { TempNumberError } from './tempnumber-error.ts';

/**
 * The preflight found problems: the message lists every failed check with what to do, so one
 * run of the suite shows all of them at once instead of one per attempt.
 */
export class PreflightError extends TempNumberError {
  override name = 'PreflightError';
  /** Every check's result, failed ones included. */
  readonly results: CheckResult[];

  constructor(results: CheckResult[]) {
    const failed = results.filter((r) => r.level === 'fail');
    super(
      `playwright-tempnumber preflight failed (${failed.length} ${failed.length === 1 ? 'check' : 'checks'}); ` +
        'no test ran and no number was leased:\n' +
        failed.map((r) => `  ✗ ${r.title}: ${r.line}`).join('\n') +
        '\nRun `npx playwright-tempnumber doctor` for the full report.',
    );
    this.results = results;
  }
}
