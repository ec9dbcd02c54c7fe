/**
 * Waits and the number's lifetime: at 600× API time a number lives 20 min / 600 = 2 s, so the
 * cases where the expiry, not the timeout, ends a wait run in seconds.
 */
import { errorOf, expect, reportedTest, test } from '../helpers/run-inline-test.ts';

test.describe.configure({ mode: 'serial' });
test.use({ sandboxTimeScale: 600 });

test('a wait never outlives the number, even with a longer timeout', async ({ runInlineTest }) => {
  const result = await runInlineTest({
    'expiry.spec.ts': `
      import { test } from 'playwright-tempnumber';

      test('expires', async ({ phone }) => {
        await phone.code({ timeout: 120_000 });
      });
    `,
  });
  expect(result.exitCode).toBe(1);
  const t = reportedTest(result.report, 'expires');
  expect(errorOf(t)).toContain('SmsTimeoutError: No SMS arrived for');
  // Far below the 120 s asked for: the wait ended with the number.
  expect(t.results[0]?.duration).toBeLessThan(20_000);
  expect(result.ledger).toEqual([expect.objectContaining({ outcome: 'cancelled' })]);
});

test('with no test timeout (--debug) the wait lasts until the number expires, and says so', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest(
    {
      'debug.spec.ts': `
        import { test } from 'playwright-tempnumber';

        test('debugging', async ({ phone }) => {
          await phone.code({ timeout: 500 });
        });
      `,
    },
    { args: ['--timeout=0'] },
  );
  expect(result.exitCode).toBe(1);
  const [record] = result.ledger;
  expect(result.output).toContain(`[tempnumber] leased ${record?.number}`);
  expect(result.output).toContain(`[tempnumber] waiting until the number expires`);
  expect(errorOf(reportedTest(result.report, 'debugging'))).toContain(`No SMS arrived for ${record?.number}`);
});
