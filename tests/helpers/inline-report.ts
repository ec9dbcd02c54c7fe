/**
 * Reading the JSON report of an inline run: its tests by title, their `tempnumber` annotations,
 * their activations attachment and their errors.
 */
import type { JSONReport, JSONReportSuite, JSONReportTest } from '@playwright/test/reporter';

/** A test of a JSON report with its spec's title path. */
export interface ReportedTest extends JSONReportTest {
  title: string;
  file: string;
}

/** Every test of a JSON report, in file order. */
export function reportedTests(report: JSONReport | undefined): ReportedTest[] {
  if (!report) throw new Error('the run wrote no JSON report');
  const out: ReportedTest[] = [];
  const walk = (suite: JSONReportSuite, prefix: string[]) => {
    const path = suite.title === suite.file ? prefix : [...prefix, suite.title];
    for (const spec of suite.specs) {
      for (const t of spec.tests)
        out.push({ ...t, title: [...path, spec.title].join(' › '), file: spec.file });
    }
    for (const child of suite.suites ?? []) walk(child, path);
  };
  for (const suite of report.suites) walk(suite, []);
  return out;
}

/** The one test titled `title` (error when missing, so a typo fails loudly). */
export function reportedTest(report: JSONReport | undefined, title: string): ReportedTest {
  const found = reportedTests(report).filter((t) => t.title === title);
  if (found.length !== 1) {
    throw new Error(
      `expected one test titled ${JSON.stringify(title)}, found ${found.length}: ${reportedTests(report)
        .map((t) => t.title)
        .join(', ')}`,
    );
  }
  return found[0]!;
}

/** The `tempnumber-activations.json` entries of the last result of `t`. */
export function attachedActivations(
  t: JSONReportTest,
): Array<Record<string, unknown> & { id: string; number: string }> {
  const attachments =
    t.results.at(-1)?.attachments.filter((a) => a.name === 'tempnumber-activations.json') ?? [];
  if (attachments.length > 1)
    throw new Error(`expected one activations attachment, got ${attachments.length}`);
  const body = attachments[0]?.body;
  if (!body) return [];
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8')).activations;
}

/** The `tempnumber` annotation texts of `t`. */
export function phoneAnnotations(t: JSONReportTest): string[] {
  return t.annotations.filter((a) => a.type === 'tempnumber').map((a) => a.description ?? '');
}

/** The first error message of the last result of `t`. */
export function errorOf(t: JSONReportTest): string {
  const result = t.results.at(-1);
  return [result?.error?.message, ...(result?.errors ?? []).map((e) => e.message)].filter(Boolean).join('\n');
}
