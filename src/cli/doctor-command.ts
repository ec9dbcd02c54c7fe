/**
 * `playwright-tempnumber doctor [--tests N] [--price P]`: run every preflight check in order and
 * print one actionable line each. Exit 0 when nothing failed (warnings allowed), 1 otherwise.
 */

import type { CheckResult } from '../contract/preflight-result.ts';
import { DEFAULT_ESTIMATE } from '../preflight/checks.ts';
import { runPreflight } from '../preflight/run-preflight.ts';
import {
  type CommandSpec,
  type OptionsSpec,
  parseAmountOption,
  parseIntegerOption,
  runCliCommand,
} from './frame.ts';

const SPEC = {
  name: 'doctor',
  summary: 'Check that everything a test run needs is in place',
  description:
    'Checks, in order: settings, API reachable, API key, balance against an estimate, a broker for this account, ' +
    'runtime dir permissions, Redis (when TEMPNUMBER_REDIS_URL is set), Chromium. Each line says what to do. ' +
    'Uses one GET /user/balance request. Exit 0 when no check failed (warnings allowed), 1 otherwise.',
  options: {
    tests: {
      type: 'string',
      valueName: 'n',
      description: `Numbers the next run will lease, for the balance estimate (default ${DEFAULT_ESTIMATE.tests})`,
    },
    price: {
      type: 'string',
      valueName: 'usd',
      description: `Expected price per number in USD, e.g. your phoneMaxPrice (default ${DEFAULT_ESTIMATE.pricePerTest})`,
    },
  },
  examples: ['playwright-tempnumber doctor', 'playwright-tempnumber doctor --tests 40 --price 0.6 --json'],
} as const satisfies CommandSpec<OptionsSpec>;

const LABELS = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

/** Run `doctor`; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  return runCliCommand(SPEC, args, async ({ options, out }) => {
    const tests = parseIntegerOption(options.tests, 'tests', {
      min: 0,
      max: 1_000_000,
      fallback: DEFAULT_ESTIMATE.tests,
    });
    const pricePerTest = parseAmountOption(options.price, 'price', DEFAULT_ESTIMATE.pricePerTest);
    const given = options.tests !== undefined || options.price !== undefined;
    const report = await runPreflight({
      tests,
      pricePerTest,
      estimateSource: given ? '--tests/--price' : 'default estimate; pass --tests and --price for yours',
    });
    if (out.jsonMode) {
      out.json({ ok: report.ok, account: report.account ?? null, checks: report.results });
      return report.ok ? 'ok' : 'failure';
    }
    out.line(`playwright-tempnumber doctor${report.account ? ` (account ${report.account})` : ''}`);
    out.line();
    const width = Math.max(...report.results.map((r) => r.title.length));
    for (const r of report.results) out.line(`  ${label(r)}  ${r.title.padEnd(width)}  ${r.line}`);
    out.line();
    out.line(summary(report.results));
    return report.ok ? 'ok' : 'failure';
  });
}

function label(r: CheckResult): string {
  return r.skipped ? 'skip' : LABELS[r.level];
}

function summary(results: CheckResult[]): string {
  const failed = results.filter((r) => r.level === 'fail').length;
  const warned = results.filter((r) => r.level === 'warn' && !r.skipped).length;
  const skipped = results.filter((r) => r.skipped).length;
  const parts = [
    failed ? `${failed} failed` : '',
    warned ? `${warned} ${warned === 1 ? 'warning' : 'warnings'}` : '',
    skipped ? `${skipped} not checked` : '',
  ].filter(Boolean);
  return parts.length === 0 ? 'All checks passed.' : `${parts.join(', ')}.`;
}
