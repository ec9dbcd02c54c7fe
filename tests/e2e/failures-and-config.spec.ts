/**
 * What a user sees when things go wrong: a crashed worker, bad options, a missing key, an
 * unknown service, a price over the limit — and what a person watching a headed run sees.
 */
import {
  attachedActivations,
  errorOf,
  expect,
  phoneAnnotations,
  reportedTest,
  test,
} from '../helpers/run-inline-test.ts';

test.describe.configure({ mode: 'serial' });

test('a worker killed while waiting for an SMS gets its number cancelled by the broker', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest({
    'crash.spec.ts': `
      import { test } from 'playwright-tempnumber';
      import { writeFileSync } from 'node:fs';

      test('worker dies mid-wait', async ({ phone }) => {
        writeFileSync('leased.txt', phone.number);
        const waiting = phone.code({ timeout: 20_000 });
        // The wait is in flight; now the worker dies the hard way (OOM killer, CI timeout, kill -9).
        setTimeout(() => process.kill(process.pid, 'SIGKILL'), 200);
        await waiting;
      });
    `,
  });
  expect(result.exitCode).toBe(1);
  expect(result.output).toMatch(/worker process exited unexpectedly|Worker process exited/i);
  // The worker never reached its teardown: only the broker can have released the number.
  await expect
    .poll(async () => (await result.readLedger()).map((r) => r.outcome), { timeout: 30_000 })
    .toEqual(['cancelled']);
  const [record] = await result.readLedger();
  expect(record?.owner).toContain('crash.spec.ts › worker dies mid-wait');
  expect(record?.smsAt).toBeUndefined();
});

test('an invalid phoneCodePattern fails the test with a message naming it, before any number is leased', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest({
    'pattern.spec.ts': `
      import { test } from 'playwright-tempnumber';

      test.use({ phoneCodePattern: 'code: (\\\\d{6}' });

      test('bad pattern', async ({ phone }) => {
        await phone.code();
      });
    `,
  });
  expect(result.exitCode).toBe(1);
  const t = reportedTest(result.report, 'bad pattern');
  expect(errorOf(t)).toContain(
    'ConfigurationError: Invalid `phoneCodePattern`: The code pattern "code: (\\\\d{6}"',
  );
  expect(errorOf(t)).toContain('is not a valid regular expression');
  expect(attachedActivations(t)).toEqual([]);
  expect(result.ledger).toEqual([]);
  expect(result.sandboxActivations).toEqual([]);
});

test('without an API key the test fails with how to set one, and nothing is leased', async ({
  runInlineTest,
  sandbox,
}) => {
  const activationsBefore = sandbox.state().activations.length;
  const result = await runInlineTest(
    {
      'nokey.spec.ts': `
        import { test } from 'playwright-tempnumber';

        test('needs a key', async ({ phone }) => {
          console.log(phone.number);
        });
      `,
    },
    { withoutApiKey: true },
  );
  expect(result.exitCode).toBe(1);
  const message = errorOf(reportedTest(result.report, 'needs a key'));
  expect(message).toContain('ConfigurationError: TEMPNUMBER_API_KEY is not set.');
  expect(message).toContain('start the local sandbox');
  expect(message).toContain('Nothing switches to the sandbox on its own');
  expect(result.ledger).toEqual([]);
  expect(result.sandboxState.activations).toHaveLength(activationsBefore);
});

test('an unknown service fails the test with the broker error naming it', async ({ runInlineTest }) => {
  const result = await runInlineTest({
    'unknown.spec.ts': `
      import { test } from 'playwright-tempnumber';

      test.use({ phoneService: 'myspace' });

      test('unknown service', async ({ phone }) => {
        console.log(phone.number);
      });
    `,
  });
  expect(result.exitCode).toBe(1);
  const t = reportedTest(result.report, 'unknown service');
  expect(errorOf(t)).toMatch(/^ApiError: .*myspace/);
  // The failure points at the lease in the fixture, not at the socket code that rebuilt the error.
  expect(t.results[0]?.errors[0]?.location?.file ?? '').not.toContain('contract/errors/wire');
  expect(phoneAnnotations(t)).toEqual([]);
  expect(result.sandboxActivations).toEqual([]);
});

test('a price over phoneMaxPrice fails the lease with the price, and nothing is bought', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest({
    'price.spec.ts': `
      import { test } from 'playwright-tempnumber';

      // facebook/us costs $0.45 in the sandbox catalog.
      test.use({ phoneService: 'facebook', phoneCountry: 'us', phoneMaxPrice: 0.3 });

      test('too expensive', async ({ phone }) => {
        console.log(phone.number);
      });
    `,
  });
  expect(result.exitCode).toBe(1);
  const message = errorOf(reportedTest(result.report, 'too expensive'));
  expect(message).toContain('0.45');
  expect(message).toMatch(/phoneMaxPrice|max price/i);
  expect(result.sandboxActivations).toEqual([]);
  expect(result.ledger).toEqual([]);
});

test('a headed run prints the leased number and what the test waits for; a headless one stays quiet', async ({
  runInlineTest,
}) => {
  const spec = (headless: boolean) => `
    import { test, expect } from 'playwright-tempnumber';
    import { sendSms } from './carrier.ts';

    test.use({ headless: ${headless} });

    test('watch it', async ({ phone }) => {
      await sendSms(phone.number, 'code 7777');
      expect(await phone.code()).toBe('7777');
    });
  `;
  const headed = await runInlineTest({ 'headed.spec.ts': spec(false) });
  expect(headed.exitCode, headed.output).toBe(0);
  const [record] = headed.ledger;
  expect(headed.stderr + headed.stdout).toContain(`[tempnumber] leased ${record?.number} (other/us, $0.35`);
  // At the sandbox's time scale the number lives less than phoneCodeTimeout, so the wait is cut at expiry.
  expect(headed.output).toMatch(
    new RegExp(
      `\\[tempnumber\\] waiting (up to \\d+ s|until the number expires) \\(.*\\) for an SMS to \\${record?.number}`,
    ),
  );
  expect(headed.output).toContain(`[tempnumber] released ${record?.number}: finalized`);
  expect(headed.output).toContain(`[tempnumber] code 7777 received for ${record?.number}`);

  const headless = await runInlineTest({ 'headless.spec.ts': spec(true) });
  expect(headless.exitCode, headless.output).toBe(0);
  expect(headless.output).not.toContain('[tempnumber]');
});
