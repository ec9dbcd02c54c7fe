/**
 * `npm run demo` end to end: the examples config starts the sandbox and the signup app on free
 * ports, the example specs run with 4 workers against the built package, and afterwards every
 * number they leased has been released on purpose.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { parseLedgerLine } from '../../src/broker/ledger.ts';
import { type ActivationRecord, isIntentId } from '../../src/contract/activation.ts';
import type { SandboxApi } from '../../src/sandbox/index.ts';
import { brokerPids, stopPid } from '../helpers/broker-test-env.ts';

/** The API the demo's sandbox speaks: a worker option, one Playwright project per API. */
const test = base.extend<object, { sandboxApi: SandboxApi }>({
  sandboxApi: ['tempnumber-v1', { scope: 'worker', option: true }],
});

const repoRoot = join(import.meta.dirname, '../..');
const examplesTestDir = join(repoRoot, 'examples/tests');

let workDir: string;

test.beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tn-demo-e2e-'));
});

test.afterEach(async () => {
  // The run started a broker in its private runtime dir; it would idle for minutes otherwise.
  for (const pid of await brokerPids(join(workDir, 'runtime'))) await stopPid(pid);
  await rm(workDir, { recursive: true, force: true });
});

test('npm run demo passes every example with 4 workers and releases every number', async ({ sandboxApi }) => {
  for (const built of ['dist/src/cli/main.js', 'dist/fixtures/index.js']) {
    expect(existsSync(join(repoRoot, built)), `${built} is missing: run \`npm run build\` first`).toBe(true);
  }
  const runtimeDir = join(workDir, 'runtime');
  const jsonReport = join(workDir, 'report.json');
  const summaryFile = join(workDir, 'tempnumber-summary.json');

  const run = await runDemo({
    SANDBOX_PORT: String(await freePort()),
    SANDBOX_API: sandboxApi,
    APP_PORT: String(await freePort()),
    TEMPNUMBER_RUNTIME_DIR: runtimeDir,
    PLAYWRIGHT_JSON_OUTPUT_NAME: jsonReport,
    DEMO_SUMMARY_FILE: summaryFile,
  });
  expect(run.code, `demo exited with ${run.code}:\n${run.output.slice(-6000)}`).toBe(0);

  // Every example spec file ran, and every test in it passed on the first try.
  const report = JSON.parse(await readFile(jsonReport, 'utf8')) as JsonReport;
  expect(report.config.metadata?.actualWorkers ?? report.config.workers).toBe(4);
  const tests = collectTests(report.suites);
  const exampleFiles = (await readdir(examplesTestDir)).filter((f) => f.endsWith('.spec.ts')).sort();
  expect(exampleFiles.length).toBeGreaterThanOrEqual(5);
  expect([...new Set(tests.map((t) => t.file))].sort()).toEqual(exampleFiles);
  for (const t of tests) expect(t.outcome, `${t.file} › ${t.title}`).toBe('expected');
  expect(report.stats).toMatchObject({ unexpected: 0, flaky: 0, skipped: 0, expected: tests.length });

  // The plugin's reporter printed its summary at the end.
  const printed =
    /TempNumber: (\d+) numbers? leased, (\d+) codes? received, (\d+) finalized, (\d+) cancelled/.exec(
      run.output,
    );
  expect(printed, `no TempNumber summary in the output:\n${run.output.slice(-3000)}`).not.toBeNull();
  const [, leased, , finalized] = printed!.map(Number);
  // Every example receives its SMS, so every number ends finalized; two-phones leases two.
  expect(leased).toBeGreaterThanOrEqual(tests.length);
  expect(finalized).toBe(leased);

  const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as {
    leased: number;
    activations: unknown[];
  };
  expect(summary.leased).toBe(leased);

  // The broker's ledger agrees: every activation released on purpose, none left waiting.
  const ledger = await readLedger(runtimeDir);
  expect(ledger.size).toBe(leased);
  for (const record of ledger.values()) {
    expect(record.outcome, `activation ${record.id} (${record.owner})`).toBe('finalized');
    expect(record.releasedAt, `activation ${record.id} was never released`).toBeDefined();
  }
});

/** Run the examples config the way `npm run demo` does (the build already exists). */
async function runDemo(extraEnv: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = {};
  // A clean environment: nothing of this (outer) Playwright worker or of a developer's own
  // TempNumber account may leak into the demo run.
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(TEMPNUMBER_|PLAYWRIGHT_|PW_|TEST_)/.test(name) || name === 'FORCE_COLOR') continue;
    env[name] = value;
  }
  Object.assign(env, extraEnv);
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'node_modules/@playwright/test/cli.js'),
      'test',
      '-c',
      'examples/playwright.config.ts',
      '--output',
      join(workDir, 'test-results'),
    ],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

/** A port nobody listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** The last record of each activation in every ledger under `runtimeDir`. */
async function readLedger(runtimeDir: string): Promise<Map<string, ActivationRecord>> {
  const records = new Map<string, ActivationRecord>();
  for (const account of await readdir(runtimeDir)) {
    const file = join(runtimeDir, account, 'ledger.jsonl');
    if (!existsSync(file)) continue;
    const intents = new Map<string, ActivationRecord>();
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      const record = parseLedgerLine(line);
      // Lease intents (ids `intent:…`) are bookkeeping; every one must be closed by now.
      if (record) (isIntentId(record.id) ? intents : records).set(record.id, record);
    }
    for (const intent of intents.values())
      expect(intent.outcome, `lease intent ${intent.id}`).not.toBe('unknown');
  }
  return records;
}

/** The parts of Playwright's JSON report this test reads. */
interface JsonReport {
  config: { workers?: number; metadata?: { actualWorkers?: number } };
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  suites: JsonSuite[];
}
interface JsonSuite {
  file: string;
  suites?: JsonSuite[];
  specs: Array<{ title: string; file: string; tests: Array<{ status: string }> }>;
}

function collectTests(suites: JsonSuite[]): Array<{ file: string; title: string; outcome: string }> {
  return suites.flatMap((suite) => [
    ...suite.specs.flatMap((spec) =>
      spec.tests.map((t) => ({
        file: spec.file.split('/').pop() ?? spec.file,
        title: spec.title,
        outcome: t.status,
      })),
    ),
    ...collectTests(suite.suites ?? []),
  ]);
}
