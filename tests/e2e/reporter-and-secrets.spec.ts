/**
 * The run-level view: the reporter's summary and its JSON file; and the promise that the API
 * key never shows up in anything a run produces.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JSONReport } from '@playwright/test/reporter';
import { expect, reportedTests, SECRET_MARKER, test } from '../helpers/run-inline-test.ts';

test.describe.configure({ mode: 'serial' });

const REPORTER_CONFIG = `
  import { defineConfig } from '@playwright/test';
  export default defineConfig({
    workers: 1,
    retries: 1,
    reporter: [
      ['list'],
      ['json', { outputFile: 'report.json' }],
      ['playwright-tempnumber/reporter', { outputFile: 'results/tempnumber-summary.json' }],
    ],
  });
`;

test('the reporter prints a run summary and writes it as JSON', async ({ runInlineTest }) => {
  const result = await runInlineTest(
    {
      'playwright.config.ts': REPORTER_CONFIG,
      'suite.spec.ts': `
        import { test, expect } from 'playwright-tempnumber';
        import { sendSms } from './carrier.ts';

        test('passes', async ({ phone }) => {
          await sendSms(phone.number, 'Your code is 1234');
          expect(await phone.code()).toBe('1234');
        });

        // Every retry of a test buys another number: the summary shows it.
        test('flaky', async ({ phone }) => {
          if (test.info().retry === 0) throw new Error('flaked before sending the SMS');
          await sendSms(phone.number, 'Your code is 5678');
          expect(await phone.code()).toBe('5678');
        });

        test('no phone here', async () => {});
      `,
    },
    { reporters: 'config' },
  );
  expect(result.exitCode, result.output).toBe(0);
  expect(reportedTests(result.report).map((t) => [t.title, t.status])).toEqual([
    ['passes', 'expected'],
    ['flaky', 'flaky'],
    ['no phone here', 'expected'],
  ]);
  expect(result.stdout).toContain(
    'TempNumber: 3 numbers leased, 2 codes received, 2 finalized, 1 cancelled (0 refunds confirmed); $0.70 spent, $0.35 awaiting refund.',
  );
  expect(result.stdout).toMatch(
    /code latency p50 \d+(\.\d)? m?s, p95 \d+(\.\d)? m?s; rate-limit budget waits/,
  );

  const summary = JSON.parse(
    await readFile(join(result.projectDir, 'results/tempnumber-summary.json'), 'utf8'),
  );
  expect(summary).toMatchObject({
    leased: 3,
    codes: 2,
    finalized: 2,
    cancelled: 1,
    refundsConfirmed: 0,
    spentUsd: 0.7,
    codeLatencyMs: { p50: expect.any(Number), p95: expect.any(Number) },
    budgetWaitMs: { total: expect.any(Number), p95: expect.any(Number) },
  });
  expect(summary.activations.map((a: { id: string }) => a.id).sort()).toEqual(
    result.ledger.map((r) => r.id).sort(),
  );
  expect(summary.activations.map((a: { owner: string }) => a.owner)).toEqual([
    expect.stringContaining('suite.spec.ts › passes'),
    expect.stringContaining('suite.spec.ts › flaky'),
    expect.stringContaining('suite.spec.ts › flaky (retry #1)'),
  ]);
});

/** Every text a run leaves behind that a user or CI could see: output, report, attachments, ledger, runtime files. */
async function everythingARunShows(result: {
  output: string;
  projectDir: string;
  runtimeDir: string;
  report: JSONReport | undefined;
}): Promise<Map<string, string>> {
  const texts = new Map<string, string>([['stdout+stderr', result.output]]);
  texts.set('report.json', JSON.stringify(result.report ?? {}));
  for (const t of reportedTests(result.report)) {
    for (const r of t.results) {
      for (const a of r.attachments) {
        if (a.body)
          texts.set(`attachment ${a.name} of ${t.title}`, Buffer.from(a.body, 'base64').toString('utf8'));
        if (a.path)
          texts.set(`attachment ${a.name} of ${t.title}`, await readFile(a.path, 'utf8').catch(() => ''));
      }
    }
  }
  for (const dir of [result.runtimeDir, join(result.projectDir, 'test-results')]) {
    for (const file of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
      if (file.endsWith('.sock')) continue;
      const text = await readFile(join(dir, file), 'utf8').catch(() => undefined);
      if (text !== undefined) texts.set(join(dir, file), text);
    }
  }
  return texts;
}

function leaksOf(texts: Map<string, string>, secret: string): string[] {
  return [...texts].filter(([, text]) => text.includes(secret)).map(([where]) => where);
}

test('the API key appears nowhere: output, report, annotations, attachments, ledger, broker files', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest({
    'secret.spec.ts': `
      import { test, expect } from 'playwright-tempnumber';
      import { sendSms } from './carrier.ts';

      test.use({ phoneCodeTimeout: 1000 });

      test('passes', async ({ phone }) => {
        await sendSms(phone.number, 'code 4242');
        expect(await phone.code()).toBe('4242');
      });

      test('times out', async ({ phone }) => {
        await phone.code();
      });
    `,
  });
  expect(result.apiKey).toContain(SECRET_MARKER);
  expect(result.exitCode).toBe(1);
  expect(result.ledger).toHaveLength(2);
  const texts = await everythingARunShows(result);
  expect(texts.size).toBeGreaterThan(3);
  expect(leaksOf(texts, SECRET_MARKER)).toEqual([]);
});

test('a key given as an option wrapped in tempnumberSecret() leaks nowhere, even when the API refuses it', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest(
    {
      'playwright.config.ts': `
        import { defineConfig } from '@playwright/test';
        import { tempnumberSecret, type TempNumberWorkerOptions } from 'playwright-tempnumber';
        export default defineConfig<TempNumberWorkerOptions>({
          use: { tempnumberApiKey: tempnumberSecret(process.env.MY_TEAM_KEY!) },
        });
      `,
      'refused.spec.ts': `
        import { test } from 'playwright-tempnumber';

        test('refused', async ({ phone }) => {
          console.log(phone.number);
        });
      `,
    },
    // A key the sandbox does not know: the API answers 401, and that message must not echo it.
    { withoutApiKey: true, env: { MY_TEAM_KEY: `${SECRET_MARKER}-not-an-account` } },
  );
  expect(result.exitCode).toBe(1);
  const message = reportedTests(result.report)[0]?.results[0]?.error?.message ?? '';
  expect(message).toMatch(/401|Unauthorized/i);
  expect(result.output).not.toContain('warning');
  const texts = await everythingARunShows(result);
  expect(JSON.stringify(result.report?.config)).toContain('[redacted]');
  expect(leaksOf(texts, SECRET_MARKER)).toEqual([]);
});

test('a key given as a plain-text option works, and the fixture warns that reports copy `use`', async ({
  runInlineTest,
}) => {
  const result = await runInlineTest(
    {
      'plain.spec.ts': `
        import { test, expect } from 'playwright-tempnumber';

        test.use({ tempnumberApiKey: process.env.MY_TEAM_KEY });

        test('plain', async ({ phone }) => {
          expect(phone.number).toMatch(/^\\+1/);
        });
      `,
    },
    { apiKeyEnv: 'MY_TEAM_KEY' },
  );
  expect(result.exitCode, result.output).toBe(0);
  expect(result.ledger).toHaveLength(1);
  expect(result.stderr).toContain('[tempnumber] warning: `tempnumberApiKey` is set as plain text;');
  expect(result.stderr).toContain('tempnumberSecret(');
  expect(result.output).not.toContain(SECRET_MARKER);
});
