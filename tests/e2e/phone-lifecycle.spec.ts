/**
 * The `phone` and `phones` fixtures as a user's suite meets them: the real `playwright test` on
 * small projects against the sandbox, asserting on the JSON report and the broker's ledger.
 * The inline specs play the app: they read `phone.number` and send the SMS through the carrier.
 */
import { WAITING_STATUS } from '../helpers/drill-checks.ts';
import {
  attachedActivations,
  errorOf,
  expect,
  phoneAnnotations,
  reportedTest,
  reportedTests,
  test,
} from '../helpers/run-inline-test.ts';

test.describe.configure({ mode: 'serial' });

test('a test that reads its code passes and its number is finalized', async ({ runInlineTest }) => {
  const result = await runInlineTest({
    'signup.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';
      import { sendSms } from './carrier.ts';

      test.use({ phoneService: 'facebook', phoneCountry: 'us' });

      test('sign up', async ({ phone }) => {
        expect(phone.number).toMatch(/^\\+1\\d{10}$/);
        await sendSms(phone.number, 'Your Facebook code is 482913');
        expect(await phone.code()).toBe('482913');
      });
    `,
  });
  expect(result.exitCode, result.output).toBe(0);
  const t = reportedTest(result.report, 'sign up');
  expect(t.status).toBe('expected');
  expect(phoneAnnotations(t)).toEqual([
    expect.stringMatching(/^\+1\d{10} facebook\/us \$0\.45 finalized, code in \d/),
  ]);
  const [activation] = attachedActivations(t);
  expect(activation).toMatchObject({ service: 'facebook', country: 'us', price: 0.45, outcome: 'finalized' });
  expect(activation?.codeLatenciesMs).toEqual([expect.any(Number)]);
  expect(result.ledger).toEqual([
    expect.objectContaining({
      id: activation?.id,
      outcome: 'finalized',
      owner: expect.stringContaining('signup.spec.ts › sign up'),
    }),
  ]);
  // The wait is a step titled with the number, so reports show what the test waited for.
  expect(JSON.stringify(t.results[0]?.steps)).toContain(`Wait for SMS code to ${activation?.number}`);
});

test('a test that fails before the SMS step still releases its number, as cancelled', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest({
    'broken.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';

      test('app crashes before sending the SMS', async ({ phone }) => {
        expect(phone.number).toBeTruthy();
        throw new Error('the signup page crashed');
      });
    `,
  });
  expect(result.exitCode).toBe(1);
  const t = reportedTest(result.report, 'app crashes before sending the SMS');
  expect(errorOf(t)).toContain('the signup page crashed');
  expect(phoneAnnotations(t)).toEqual([expect.stringMatching(/ other\/us \$0\.35 cancelled, no SMS$/)]);
  expect(attachedActivations(t)).toEqual([
    expect.objectContaining({ outcome: 'cancelled', codeLatenciesMs: [] }),
  ]);
  expect(result.ledger).toEqual([expect.objectContaining({ outcome: 'cancelled', smsAt: undefined })]);
});

test('no SMS within phoneCodeTimeout fails with the number, the activation and the last status', async ({
  runInlineTest,
  sandboxApi,
}) => {
  const result = await runInlineTest({
    'silent.spec.ts': `
      import { test } from 'playwright-tempnumber';

      test.use({ phoneCodeTimeout: 1500 });

      test('app never sends the SMS', async ({ phone }) => {
        await phone.code();
      });
    `,
  });
  expect(result.exitCode).toBe(1);
  const t = reportedTest(result.report, 'app never sends the SMS');
  const [activation] = attachedActivations(t);
  const message = errorOf(t);
  expect(message).toContain('SmsTimeoutError');
  expect(message).toContain(`No SMS arrived for ${activation?.number} (activation ${activation?.id})`);
  expect(message).toMatch(/within 1\d{3} ms; last status /);
  expect(message).toContain(`last status ${WAITING_STATUS[sandboxApi]}.`);
  // The failure points at the user's line, not inside the plugin (boxed step).
  expect(t.results[0]?.errors[0]?.location).toMatchObject({
    file: expect.stringContaining('silent.spec.ts'),
    line: 7,
  });
  expect(result.ledger).toEqual([expect.objectContaining({ id: activation?.id, outcome: 'cancelled' })]);
});

test('retry() asks for another SMS and the next code() waits for it', async ({ runInlineTest }) => {
  const result = await runInlineTest({
    'retry.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';
      import { sendSms } from './carrier.ts';

      test('resend the code', async ({ phone }) => {
        await sendSms(phone.number, 'Code: 1111');
        expect(await phone.code()).toBe('1111');
        await phone.retry();
        await sendSms(phone.number, 'Code: 2222');
        expect(await phone.code()).toBe('2222');
      });
    `,
  });
  expect(result.exitCode, result.output).toBe(0);
  const t = reportedTest(result.report, 'resend the code');
  const [activation] = attachedActivations(t);
  expect(activation).toMatchObject({
    outcome: 'finalized',
    codeLatenciesMs: [expect.any(Number), expect.any(Number)],
  });
  expect(phoneAnnotations(t)).toEqual([expect.stringMatching(/finalized, 2 codes, last in/)]);
  expect(JSON.stringify(t.results[0]?.steps)).toContain(`Ask for another SMS to ${activation?.number}`);
  expect(result.sandboxState.sms.filter((s) => String(s.activationId) === activation?.id)).toHaveLength(2);
});

test('phones.lease() leases more numbers; all are released and reported on the one test', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest({
    'two.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';
      import { sendSms } from './carrier.ts';

      test('invite a friend', async ({ phone, phones }) => {
        const friend = await phones.lease({ service: 'whatsapp', country: 'gb' });
        expect(friend.number).toMatch(/^\\+44/);
        expect(friend.number).not.toBe(phone.number);
        await sendSms(phone.number, 'Your code is 5150');
        expect(await phone.code()).toBe('5150');
      });
    `,
  });
  expect(result.exitCode, result.output).toBe(0);
  const t = reportedTest(result.report, 'invite a friend');
  expect(attachedActivations(t)).toEqual([
    expect.objectContaining({ service: 'other', country: 'us', outcome: 'finalized' }),
    expect.objectContaining({ service: 'whatsapp', country: 'gb', price: 1.45, outcome: 'cancelled' }),
  ]);
  expect(phoneAnnotations(t)).toEqual([
    expect.stringMatching(/ other\/us \$0\.35 finalized, code in /),
    expect.stringMatching(/^\+44\d+ whatsapp\/gb \$1\.45 cancelled, no SMS$/),
  ]);
  expect(result.ledger.map((r) => r.outcome).sort()).toEqual(['cancelled', 'finalized']);
});

test('a country without numbers is skipped for the next one in phoneCountry', async ({ runInlineTest }) => {
  // The sandbox catalog has no telegram numbers in ru (PAIRS_WITHOUT_NUMBERS).
  const result = await runInlineTest({
    'fallback.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';

      test.use({ phoneService: 'telegram', phoneCountry: ['ru', 'eg'] });

      test('falls back', async ({ phone }) => {
        expect(phone.country).toBe('eg');
        expect(phone.number).toMatch(/^\\+20/);
      });
    `,
  });
  expect(result.exitCode, result.output).toBe(0);
  const [activation] = attachedActivations(reportedTest(result.report, 'falls back'));
  expect(activation).toMatchObject({
    service: 'telegram',
    country: 'eg',
    skippedCountries: [{ country: 'ru' }],
  });
  expect(result.sandboxActivations.map((a) => a.countryId)).toEqual(['eg']);
});

test('options come from the config, are overridden per file and per describe, and per call', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest({
    'playwright.config.ts': `
      import { defineConfig } from '@playwright/test';
      import type { TempNumberOptions } from 'playwright-tempnumber';
      export default defineConfig<TempNumberOptions>({
        workers: 1,
        use: { phoneService: 'google', phoneCountry: 'gb', phoneCodePattern: /PIN (\\d{4})/ },
      });
    `,
    'a-config.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';
      import { sendSms } from './carrier.ts';

      test('uses the config', async ({ phone }) => {
        expect([phone.service, phone.country]).toEqual(['google', 'gb']);
        await sendSms(phone.number, 'PIN 4321, not 999999');
        expect(await phone.code()).toBe('4321');
      });
    `,
    'b-file.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';
      import { sendSms } from './carrier.ts';

      test.use({ phoneService: 'twitter' });

      test('file override', async ({ phone }) => {
        expect([phone.service, phone.country]).toEqual(['twitter', 'gb']);
      });

      test.describe('in France', () => {
        test.use({ phoneCountry: ['fr'], phoneMaxPrice: 0.7 });

        test('describe override and per-call pattern', async ({ phone }) => {
          expect([phone.service, phone.country, phone.price]).toEqual(['twitter', 'fr', 0.65]);
          await sendSms(phone.number, 'PIN 1234 - ref 987654');
          expect(await phone.code({ pattern: /ref (\\d+)/ })).toBe('987654');
        });
      });
    `,
  });
  expect(result.exitCode, result.output).toBe(0);
  expect(reportedTests(result.report).map((t) => [t.title, t.status])).toEqual([
    ['uses the config', 'expected'],
    ['file override', 'expected'],
    ['in France › describe override and per-call pattern', 'expected'],
  ]);
  expect(result.ledger.map((r) => `${r.service}/${r.country}`)).toEqual([
    'google/gb',
    'twitter/gb',
    'twitter/fr',
  ]);
});

test('the wait for an SMS is added to the test timeout, so a slow SMS does not time the test out', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest({
    'slow.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';
      import { sendSms } from './carrier.ts';

      test('slow SMS', async ({ phone }) => {
        test.setTimeout(1_000);
        // The app's SMS arrives after the test's own timeout would have passed.
        setTimeout(() => sendSms(phone.number, 'code 3141'), 1_500);
        expect(await phone.code({ timeout: 20_000 })).toBe('3141');
      });
    `,
  });
  expect(result.exitCode, result.output).toBe(0);
  expect(reportedTest(result.report, 'slow SMS').results[0]?.duration).toBeGreaterThan(1_000);
});

test('the fixtures compose with mergeTests and with base.extend({ ...phoneFixtures })', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest({
    'fixtures.ts': `
      import { test as base, mergeTests } from '@playwright/test';
      import { test as phoneTest, phoneFixtures, type TempNumberTestFixtures, type TempNumberWorkerFixtures } from 'playwright-tempnumber';

      const appTest = base.extend<{ appName: string }>({ appName: 'Acme' });
      export const merged = mergeTests(phoneTest, appTest);
      export const spread = base.extend<TempNumberTestFixtures & { appName: string }, TempNumberWorkerFixtures>({
        ...phoneFixtures,
        appName: 'Spread',
      });
    `,
    'compose.spec.ts': `
      import { expect } from '@playwright/test';
      import { merged, spread } from './fixtures.ts';
      import { sendSms } from './carrier.ts';

      merged.describe('in gb', () => {
        merged.use({ phoneCountry: 'gb' });

        merged('merged', async ({ phone, appName }) => {
          await sendSms(phone.number, appName + ' code 2468');
          expect([phone.country, await phone.code()]).toEqual(['gb', '2468']);
        });
      });

      spread('spread', async ({ phone, appName }) => {
        expect([appName, phone.country]).toEqual(['Spread', 'us']);
      });
    `,
  });
  expect(result.exitCode, result.output).toBe(0);
  expect(result.ledger.map((r) => [r.country, r.outcome])).toEqual([
    ['gb', 'finalized'],
    ['us', 'cancelled'],
  ]);
  expect(attachedActivations(reportedTest(result.report, 'spread'))).toHaveLength(1);
});
