/**
 * Failure drills about money and account health: an app that never sends its SMS, a balance
 * that runs out mid-suite, a price raised mid-suite. The guards must stop the suite with a clear
 * error before TempNumber refuses anything or anything is bought above the max price.
 */
import { expectBooksClosed, LEASE_BUCKET } from '../helpers/drill-checks.ts';
import { errorOf, expect, reportedTests, test } from '../helpers/run-inline-test.ts';

test.use({ sandboxTimeScale: 60 });

const ONE_WORKER = `import { defineConfig } from '@playwright/test';
export default defineConfig({ timeout: 30_000, workers: 1, retries: 0 });`;

/** A spec whose "app" sets something up through the sandbox's control surface first. */
const control = (path: string, body: string) => `
  await fetch(process.env.SANDBOX_URL + '${path}', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': process.env.TEMPNUMBER_API_KEY! },
    body: JSON.stringify(${body}),
  });`;

test('an app that never sends its SMS trips the breaker after 3 numbers per pair; TempNumber never refuses', async ({
  runInlineTest,
  sandbox,
  sandboxApi,
}) => {
  const posts = () =>
    (sandbox.state().requestsByBucket as Record<string, number>)[LEASE_BUCKET[sandboxApi]] ?? 0;
  const postsBefore = posts();
  const silentSpec = (service: string) => `
    import { test } from 'playwright-tempnumber';
    test.use({ phoneService: '${service}', phoneCountry: 'us', phoneCodeTimeout: 1_000 });
    for (let i = 1; i <= 5; i++) {
      test('${service} signup ' + i, async ({ phone }) => {
        await phone.code();
      });
    }
  `;
  const result = await runInlineTest(
    {
      'playwright.config.ts': `import { defineConfig } from '@playwright/test';
        export default defineConfig({ timeout: 30_000, workers: 2, retries: 0 });`,
      'facebook.spec.ts': silentSpec('facebook'),
      'instagram.spec.ts': silentSpec('instagram'),
    },
    { env: { TEMPNUMBER_BREAKER_COOLDOWN_MS: String(24 * 3600_000) } },
  );
  expect(result.exitCode).toBe(1);
  for (const service of ['facebook', 'instagram']) {
    const tests = reportedTests(result.report).filter((t) => t.title.startsWith(service));
    const breaker = tests.filter((t) => errorOf(t).includes('GuardError'));
    expect(breaker.map((t) => t.title)).toEqual([`${service} signup 4`, `${service} signup 5`]);
    expect(errorOf(breaker[0]!)).toContain(
      `The app under test sent no SMS to the last 3 numbers for ${service}/us (+1`,
    );
  }
  // The sandbox holds exactly the 6 the ledger knows: no POST was refused (no lowSuccessRateException).
  const ledger = await expectBooksClosed(result, sandbox, { leases: 6 });
  expect(ledger.every((r) => r.outcome === 'cancelled')).toBe(true);
  expect(posts() - postsBefore).toBe(6);
});

test('a balance that runs out mid-suite stops leasing with a clear error and never goes negative', async ({
  runInlineTest,
  sandbox,
}) => {
  const result = await runInlineTest({
    'playwright.config.ts': `import { defineConfig } from '@playwright/test';
      export default defineConfig({ timeout: 30_000, workers: 1, retries: 0, globalSetup: './fund.ts' });`,
    // Once per run (a beforeAll would run again in the worker started after a failure).
    'fund.ts': `export default async () => {${control('/sandbox/balance', '{ balance: 1 }')}
    };`,
    'signup.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';
      import { sendSms } from './carrier.ts';
      test.use({ phoneService: 'facebook', phoneCountry: 'us' });
      for (let i = 1; i <= 4; i++) {
        test('signup ' + i, async ({ phone }) => {
          await sendSms(phone.number, 'Your code is 12345' + i);
          expect(await phone.code()).toBe('12345' + i);
        });
      }
    `,
  });
  expect(result.exitCode).toBe(1);
  const statuses = reportedTests(result.report).map((t) => `${t.title}: ${t.status}`);
  expect(statuses).toEqual([
    'signup 1: expected',
    'signup 2: expected',
    'signup 3: unexpected',
    'signup 4: unexpected',
  ]);
  const error = errorOf(reportedTests(result.report)[2]!);
  expect(error).toContain('GuardError');
  expect(error).toContain('The TempNumber balance is $0.10, less than the $0.45 a facebook/us number costs');
  await expectBooksClosed(result, sandbox, { leases: 2, initialBalance: 1 });
});

test('a price raised mid-suite above phoneMaxPrice fails with the new price; nothing is bought above the max', async ({
  runInlineTest,
  sandbox,
}) => {
  let result: Awaited<ReturnType<typeof runInlineTest>>;
  try {
    result = await runInlineTest({
      'playwright.config.ts': ONE_WORKER,
      'signup.spec.ts': `
        import { test, expect } from 'playwright-tempnumber';
        import { sendSms } from './carrier.ts';
        test.use({ phoneService: 'facebook', phoneCountry: 'us', phoneMaxPrice: 0.5 });
        test('signup before the price change', async ({ phone }) => {
          await sendSms(phone.number, 'Your code is 111111');
          expect(await phone.code()).toBe('111111');${control('/sandbox/prices', "{ serviceId: 'facebook', countryId: 'us', price: 0.9 }")}
        });
        test('signup after the price change', async ({ phone }) => {
          await sendSms(phone.number, 'Your code is 222222');
        });
      `,
    });
  } finally {
    sandbox.setPrice('facebook', 'us', 0.45);
  }
  expect(result.exitCode).toBe(1);
  const [before, after] = reportedTests(result.report);
  expect(before?.status).toBe('expected');
  const error = errorOf(after!);
  expect(error).toContain('PriceChangedError');
  expect(error).toContain('the price is now $0.9, above the max price $0.5 (phoneMaxPrice)');
  await expectBooksClosed(result, sandbox, { leases: 1, maxPrice: 0.5 });
});
