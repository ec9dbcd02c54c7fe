import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type FullConfig, test } from '@playwright/test';
import { createPreflightGlobalSetup } from '../../fixtures/global-setup.ts';
import { PreflightError } from '../../src/preflight/index.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { brokerPids, stopPid } from '../helpers/broker-test-env.ts';
import { closedPort, makeCliWorkdir } from '../helpers/cli-process.ts';

const KEY = 'tn_preflight_KEY_a1b2c3d4e5f6';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let sandbox: Sandbox;
let work: Awaited<ReturnType<typeof makeCliWorkdir>>;

test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKeys: [KEY], balance: 25 });
  work = await makeCliWorkdir();
});

test.afterEach(async () => {
  // The commands read through a broker started on demand: stop it before removing its dir.
  for (const pid of await brokerPids(work.runtimeDir)) await stopPid(pid);
  await sandbox.close();
  await work.remove();
});

/** The parts of a resolved Playwright config the global setup reads. */
function fakeConfig(init: { workers?: number; use?: Record<string, unknown>[] } = {}): FullConfig {
  const uses = init.use ?? [{}];
  return {
    workers: init.workers ?? 2,
    projects: uses.map((use) => ({ use: { launchOptions: { executablePath: process.execPath }, ...use } })),
  } as unknown as FullConfig;
}

function envFor(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    TEMPNUMBER_API_KEY: KEY,
    TEMPNUMBER_BASE_URL: sandbox.apiUrl,
    TEMPNUMBER_RUNTIME_DIR: work.runtimeDir,
    ...overrides,
  };
}

test('passes quietly when the key, balance, runtime dir and browser are fine', async () => {
  const warnings: string[] = [];
  const setup = createPreflightGlobalSetup({
    sources: { env: envFor(), dotenvDir: false },
    onWarning: (line) => warnings.push(line),
  });
  await expect(setup(fakeConfig())).resolves.toBeUndefined();
  expect(warnings).toEqual([]);
  expect(sandbox.state().requestsByBucket['GET /user/balance']).toBe(1);
});

test('throws one PreflightError naming the refused key, without the key', async () => {
  const wrong = 'tn_preflight_WRONG_99aa88bb77';
  const setup = createPreflightGlobalSetup({
    sources: { env: envFor({ TEMPNUMBER_API_KEY: wrong }), dotenvDir: false },
  });
  const error = await setup(fakeConfig()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PreflightError);
  const message = (error as Error).message;
  expect(message).toContain('preflight failed (1 check)');
  expect(message).toContain('API key: ');
  expect(message).toContain('The API key was refused: check TEMPNUMBER_API_KEY');
  expect(message).toContain('npx playwright-tempnumber doctor');
  expect(message).not.toContain(wrong);
});

test('lists every failed check at once', async () => {
  const url = `http://127.0.0.1:${await closedPort()}/api/v1`;
  const setup = createPreflightGlobalSetup({
    sources: { env: envFor({ TEMPNUMBER_BASE_URL: url }), dotenvDir: false },
  });
  const config = fakeConfig({ use: [{ launchOptions: { executablePath: '/nonexistent/chrome' } }] });
  await expect(setup(config)).rejects.toThrow(
    /preflight failed \(2 checks\)[\s\S]*API reachable: .*Cannot reach[\s\S]*Chromium: .*\/nonexistent\/chrome does not exist/,
  );
});

test('estimates one number per worker at the projects’ phoneMaxPrice, and only warns when short', async () => {
  sandbox.setBalance(KEY, 2);
  const warnings: string[] = [];
  const setup = createPreflightGlobalSetup({
    sources: { env: envFor(), dotenvDir: false },
    onWarning: (line) => warnings.push(line),
  });
  await setup(fakeConfig({ workers: 4, use: [{ phoneMaxPrice: 0.6 }, { phoneMaxPrice: 0.8 }] }));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('4 numbers × $0.80 = $3.20');
  expect(warnings[0]).toContain('top up at least $1.20');
});

test('TEMPNUMBER_PREFLIGHT_TESTS and TEMPNUMBER_PREFLIGHT_PRICE set the estimate', async () => {
  const warnings: string[] = [];
  const setup = createPreflightGlobalSetup({
    sources: {
      env: envFor({ TEMPNUMBER_PREFLIGHT_TESTS: '100', TEMPNUMBER_PREFLIGHT_PRICE: '0.5' }),
      dotenvDir: false,
    },
    onWarning: (line) => warnings.push(line),
  });
  await setup(fakeConfig());
  expect(warnings.join('\n')).toContain(
    '100 numbers × $0.50 = $50.00 (TEMPNUMBER_PREFLIGHT_TESTS; TEMPNUMBER_PREFLIGHT_PRICE)',
  );
});

test('checks the account the projects configure in use:, not only the environment', async () => {
  const url = `http://127.0.0.1:${await closedPort()}/api/v1`;
  const setup = createPreflightGlobalSetup({
    sources: { env: envFor({ TEMPNUMBER_BASE_URL: url, TEMPNUMBER_API_KEY: undefined }), dotenvDir: false },
  });
  await expect(
    setup(fakeConfig({ use: [{ tempnumberApiKey: KEY, tempnumberBaseUrl: sandbox.apiUrl }] })),
  ).resolves.toBeUndefined();
});

test('as the globalSetup of a real `playwright test` run, a refused key stops the run before any test', async () => {
  await mkdir(join(ROOT, '.tmp'), { recursive: true });
  // Inside the repo, so the project resolves @playwright/test from the repo's node_modules.
  const project = await mkdtemp(join(ROOT, '.tmp', 'preflight-'));
  try {
    const setupPath = JSON.stringify(join(ROOT, 'fixtures/global-setup.ts'));
    await writeFile(
      join(project, 'playwright.config.ts'),
      `import { defineConfig } from '@playwright/test';
export default defineConfig({
  globalSetup: ${setupPath},
  use: { launchOptions: { executablePath: ${JSON.stringify(process.execPath)} } },
});
`,
    );
    await writeFile(
      join(project, 'a.spec.ts'),
      `import { test } from '@playwright/test';
test('body', () => { console.log('TEST BODY RAN'); });
`,
    );
    const run = async (apiKey: string) => {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'node_modules/@playwright/test/cli.js'), 'test', '--reporter=line'],
        {
          cwd: project,
          env: { ...process.env, ...envFor({ TEMPNUMBER_API_KEY: apiKey }), CI: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      return { code, output };
    };

    const refused = await run('tn_preflight_REFUSED_0f0e0d0c');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('The API key was refused: check TEMPNUMBER_API_KEY');
    expect(refused.output).not.toContain('TEST BODY RAN');
    expect(refused.output).not.toContain('tn_preflight_REFUSED_0f0e0d0c');

    const accepted = await run(KEY);
    expect(accepted.code, accepted.output).toBe(0);
    expect(accepted.output).toContain('TEST BODY RAN');
  } finally {
    await rm(project, { recursive: true, force: true });
  }
});
