/**
 * The package as a TypeScript user's compiler sees it: the built `.d.ts` of `playwright-tempnumber`
 * and `/reporter` resolve through the exports map and type the documented usage, under strict
 * settings and without `skipLibCheck`.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, REPO_ROOT, runProcess, test, writeProject } from '../helpers/run-inline-test.ts';

test('the public types check in a strict user project', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tn-e2e-types-'));
  await writeProject(dir, {
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      include: ['*.ts'],
    }),
    'signup.spec.ts': `
      import { test as base, mergeTests } from '@playwright/test';
      import {
        expect,
        phoneFixtures,
        SmsTimeoutError,
        test,
        tempnumberSecret,
        type Phone,
        type TempNumberTestFixtures,
        type TempNumberWorkerFixtures,
      } from 'playwright-tempnumber';
      import type TempNumberReporter from 'playwright-tempnumber/reporter';
      import type { RunSummary, TempNumberReporterOptions } from 'playwright-tempnumber/reporter';

      export const withApp = base.extend<TempNumberTestFixtures & { app: string }, TempNumberWorkerFixtures>({
        ...phoneFixtures,
        app: 'https://example.test',
      });
      const merged = mergeTests(test, base.extend<{ other: number }>({ other: 1 }));

      test.use({ phoneService: 'facebook', phoneCountry: ['us', 'gb'], phoneMaxPrice: 0.8, phoneCodePattern: /(\\d{6})/ });
      test.use({ tempnumberApiKey: tempnumberSecret('k'), phoneCodeTimeout: 90_000 });

      merged('merged', async ({ phone, other }) => {
        const p: Phone = phone;
        const code: string = await p.code({ timeout: 1_000, pattern: 'code (\\\\d+)' });
        const sms = await p.sms();
        await p.retry();
        expect([code, sms.text, p.expiresAt.getTime(), p.price, p.id, other]).toBeTruthy();
      });

      withApp('spread', async ({ phone, phones, app }) => {
        const friend: Phone = await phones.lease({ service: 'whatsapp', country: ['gb'], maxPrice: 2 });
        expect([phone.number, friend.number, app, new SmsTimeoutError({ activationId: '1', number: '+1', lastStatus: 's', waitedMs: 1, likelyCause: 'c' }).name]).toBeTruthy();
      });

      export const options: TempNumberReporterOptions = { outputFile: 'summary.json', quiet: true };
      export type Summary = RunSummary;
      export type Reporter = TempNumberReporter;
    `,
  });
  await symlink(join(REPO_ROOT, 'node_modules/@types'), join(dir, 'node_modules/@types'), 'dir');
  const { exitCode, stdout, stderr } = await runProcess(
    [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'],
    dir,
    process.env,
    120_000,
  );
  expect(stdout + stderr).toBe('');
  expect(exitCode).toBe(0);
  await rm(dir, { recursive: true, force: true });
});
