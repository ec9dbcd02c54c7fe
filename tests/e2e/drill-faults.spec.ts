/**
 * Failure drill: a flaky API during a 4-worker suite. 10 % of API requests answer 5xx, every
 * answer is late, and some connections drop (after the sandbox acted: a lease may be lost on
 * its way back). The suite must still pass, no test may pay for two numbers, and the shared
 * budget must never trip a 429.
 */
import { expectBooksClosed, reportedLeases, signupSpec } from '../helpers/drill-checks.ts';
import { expect, reportedTests, test } from '../helpers/run-inline-test.ts';

test.use({ sandboxTimeScale: 60 });

test('10 % 5xx, latency and dropped connections: the suite passes, nothing is leased twice, no 429', async ({
  runInlineTest,
  sandbox,
}) => {
  const rateLimitedBefore = sandbox.state().rateLimited;
  const setFaults = (faults: object) =>
    fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify(faults) });
  await setFaults({ errorRate: 0.1, errorStatus: 500, latencyMs: 30, dropRate: 0.05 });
  let result: Awaited<ReturnType<typeof runInlineTest>>;
  try {
    result = await runInlineTest(
      {
        'playwright.config.ts': `import { defineConfig } from '@playwright/test';
          export default defineConfig({ timeout: 60_000, workers: 4, retries: 0, fullyParallel: true });`,
        'a.spec.ts': signupSpec('signup a', 4, 'facebook'),
        'b.spec.ts': signupSpec('signup b', 4, 'instagram'),
        'c.spec.ts': signupSpec('signup c', 4, 'facebook'),
      },
      { timeoutMs: 120_000 },
    );
  } finally {
    await setFaults({});
  }
  expect(result.exitCode, result.output).toBe(0);
  const tests = reportedTests(result.report);
  expect(tests).toHaveLength(12);
  expect(tests.every((t) => t.status === 'expected')).toBe(true);
  await expectBooksClosed(result, sandbox, { leases: reportedLeases(result) });
  expect(reportedLeases(result)).toBe(12);
  expect(sandbox.state().rateLimited - rateLimitedBefore).toBe(0);
});
