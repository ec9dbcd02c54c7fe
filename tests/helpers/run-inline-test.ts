/**
 * Run the real `playwright test` on a small project that uses `playwright-tempnumber` the way a
 * user does, like Playwright's own `runInlineTest`: the project is written to a fresh folder,
 * `node_modules/playwright-tempnumber` links to this repo (built `dist/`), and
 * `node_modules/@playwright/test` to the repo's copy, so fixtures and runner are one instance.
 *
 * A sandbox runs per worker (`sandbox` fixture). Each run gets its own sandbox account (a fresh
 * API key from a pool, so the delivery-rate history of one case never leaks into another) and
 * its own runtime dir, hence its own broker, which is stopped when the test ends.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base } from '@playwright/test';
import type { JSONReport } from '@playwright/test/reporter';
import { isListed, parseLedgerLine } from '../../src/broker/ledger.ts';
import { runtimePaths } from '../../src/broker/runtime-paths.ts';
import { accountId } from '../../src/config/settings.ts';
import { type ActivationRecord, compareActivationIds } from '../../src/contract/activation.ts';
import {
  accountHash,
  type Sandbox,
  type SandboxApi,
  type SandboxState,
  startSandbox,
} from '../../src/sandbox/index.ts';

/** The repo root (what `playwright-tempnumber` resolves to). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Distinctive part of every API key the e2e runs use; must never show up in any output. */
export const SECRET_MARKER = 'sk-test-SECRET-9c1f';

const KEY_POOL_SIZE = 40;
const PLAYWRIGHT_CLI = join(REPO_ROOT, 'node_modules/@playwright/test/cli.js');

/** Written when the files map has no config: one worker, no retries, short timeout. */
const DEFAULT_CONFIG = `import { defineConfig } from '@playwright/test';
export default defineConfig({ timeout: 30_000, workers: 1, retries: 0 });
`;

/** Stands in for the app's backend: sends an SMS through the sandbox carrier. */
const CARRIER_HELPER = `export async function sendSms(to: string, text: string): Promise<void> {
  const response = await fetch(process.env.SANDBOX_URL + '/sandbox/sms', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to, text }),
  });
  if (!response.ok) throw new Error('carrier refused: ' + response.status + ' ' + (await response.text()));
}
`;

/** Options of one run. */
export interface RunOptions {
  /** Extra CLI args after `test`. */
  args?: string[];
  /**
   * `--reporter` names besides `json` (always added, written to `report.json`); `'config'`
   * passes no `--reporter` so the project's config decides (it must then write `report.json`).
   * @default ['list']
   */
  reporters?: string[] | 'config';
  /** Extra env; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Leave TEMPNUMBER_API_KEY unset (the missing-key case). @default false */
  withoutApiKey?: boolean;
  /** Pass the run's key in this variable instead of TEMPNUMBER_API_KEY (for `tempnumberApiKey` options). */
  apiKeyEnv?: string;
  /** Kill the run after this long (real ms). @default 180_000 */
  timeoutMs?: number;
}

/** What one run produced. */
export interface RunResult {
  exitCode: number | null;
  /** stdout + stderr. */
  output: string;
  stdout: string;
  stderr: string;
  /** The JSON report, or undefined when the run did not write one. */
  report: JSONReport | undefined;
  /** Every activation of this run's account, last state per id, from the broker's ledger. */
  ledger: ActivationRecord[];
  /** Read the ledger again (it can still change after the run, e.g. a crashed worker's lease). */
  readLedger(): Promise<ActivationRecord[]>;
  /** The sandbox after the run. */
  sandboxState: SandboxState;
  /** Activations the sandbox holds for this run's account. */
  sandboxActivations: SandboxState['activations'];
  /** Folder the project was written to. */
  projectDir: string;
  /** The run's API key (for the secret checks; never print it). */
  apiKey: string;
  runtimeDir: string;
}

/** `runInlineTest(files, options)`. */
export type RunInlineTest = (files: Record<string, string>, options?: RunOptions) => Promise<RunResult>;

interface InlineTestFixtures {
  runInlineTest: RunInlineTest;
}

interface InlineWorkerFixtures {
  /** API ms per real ms of the sandbox: high where expiry and waits matter. @default 20 */
  sandboxTimeScale: number;
  /** The API the sandbox speaks, and the runs use (a Playwright project per API). @default 'tempnumber-v1' */
  sandboxApi: SandboxApi;
  sandbox: Sandbox;
  /** Hands out the next unused API key of the sandbox's pool. */
  _nextApiKey: () => string;
}

export const test = base.extend<InlineTestFixtures, InlineWorkerFixtures>({
  sandboxTimeScale: [20, { scope: 'worker', option: true }],
  sandboxApi: ['tempnumber-v1', { scope: 'worker', option: true }],
  _nextApiKey: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a pattern.
    async ({}, use, workerInfo) => {
      let next = 0;
      await use(() => {
        if (next >= KEY_POOL_SIZE) throw new Error('runInlineTest: the sandbox key pool is used up');
        return poolKey(workerInfo.workerIndex, next++);
      });
    },
    { scope: 'worker' },
  ],
  sandbox: [
    async ({ sandboxTimeScale, sandboxApi }, use, workerInfo) => {
      const apiKeys = Array.from({ length: KEY_POOL_SIZE }, (_, i) => poolKey(workerInfo.workerIndex, i));
      const sandbox = await startSandbox({ port: 0, timeScale: sandboxTimeScale, apiKeys, api: sandboxApi });
      await use(sandbox);
      await sandbox.close();
    },
    { scope: 'worker' },
  ],
  runInlineTest: async ({ sandbox, sandboxApi, _nextApiKey }, use, testInfo) => {
    const runtimeDirs: string[] = [];
    const outputs: string[] = [];
    const projectDirs: string[] = [];
    await use(async (files, options = {}) => {
      const apiKey = _nextApiKey();
      // Short path: the broker's Unix socket lives in it (sun_path is ~107 bytes).
      const runtimeDir = await mkdtemp(join(tmpdir(), 'tn-e2e-'));
      runtimeDirs.push(runtimeDir);
      // Outside the repo, as a user's project is, and out of reach of another run cleaning test-results/.
      const projectDir = await mkdtemp(join(tmpdir(), 'tn-e2e-project-'));
      projectDirs.push(projectDir);
      await writeProject(projectDir, files);
      const env = childEnv({
        SANDBOX_URL: sandbox.url,
        TEMPNUMBER_BASE_URL: sandbox.apiUrl,
        TEMPNUMBER_API: sandboxApi,
        TEMPNUMBER_RUNTIME_DIR: runtimeDir,
        TEMPNUMBER_TIME_SCALE: String(sandbox.state().timeScale),
        // A short request timeout keeps the in-flight bound (2 × it, real time) short, so a lease
        // intent left open by a killed broker is settled within a drill's patience.
        TEMPNUMBER_REQUEST_TIMEOUT_MS: '3000',
        ...(options.withoutApiKey ? {} : { [options.apiKeyEnv ?? 'TEMPNUMBER_API_KEY']: apiKey }),
        PLAYWRIGHT_JSON_OUTPUT_FILE: join(projectDir, 'report.json'),
        ...options.env,
      });
      const reporters = options.reporters ?? ['list'];
      const args = [
        PLAYWRIGHT_CLI,
        'test',
        ...(reporters === 'config' ? [] : [`--reporter=${[...reporters, 'json'].join(',')}`]),
        ...(options.args ?? []),
      ];
      const { exitCode, stdout, stderr } = await runProcess(
        args,
        projectDir,
        env,
        options.timeoutMs ?? 180_000,
      );
      const readLedger = () => readLedgerFile(runtimeDir, sandbox.apiUrl, apiKey, sandboxApi);
      const sandboxState = sandbox.state();
      const account = accountHash(apiKey);
      const result: RunResult = {
        exitCode,
        output: stdout + stderr,
        stdout,
        stderr,
        report: await readJson<JSONReport>(join(projectDir, 'report.json')),
        ledger: await readLedger(),
        readLedger,
        sandboxState,
        sandboxActivations: sandboxState.activations.filter((a) => a.account === account),
        projectDir,
        apiKey,
        runtimeDir,
      };
      outputs.push(`project: ${projectDir}\n\n${result.output}`);
      return result;
    });
    const failed = testInfo.status !== testInfo.expectedStatus;
    if (failed) {
      for (const [i, output] of outputs.entries()) {
        await testInfo.attach(`inline-output-${i + 1}.txt`, { body: output, contentType: 'text/plain' });
      }
    }
    // The broker outlives a run by design (idle exit after minutes); a test cleans up its own.
    for (const dir of runtimeDirs) await stopBrokers(dir);
    for (const dir of runtimeDirs) await rm(dir, { recursive: true, force: true });
    // A failed case keeps its project for a look (its path is in the attached output's header).
    if (!failed) for (const dir of projectDirs) await rm(dir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';
export {
  attachedActivations,
  errorOf,
  phoneAnnotations,
  type ReportedTest,
  reportedTest,
  reportedTests,
} from './inline-report.ts';

/** The `Nth` key of the pool of worker `w`. */
function poolKey(workerIndex: number, n: number): string {
  return `${SECRET_MARKER}-w${workerIndex}-${n}`;
}

/** Write `files` into `dir` as a user project that depends on this package and @playwright/test. */
export async function writeProject(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(join(dir, 'node_modules/@playwright'), { recursive: true });
  await symlink(REPO_ROOT, join(dir, 'node_modules/playwright-tempnumber'), 'dir');
  await symlink(
    join(REPO_ROOT, 'node_modules/@playwright/test'),
    join(dir, 'node_modules/@playwright/test'),
    'dir',
  );
  const all: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'inline-project', private: true, type: 'module' }),
    'playwright.config.ts': DEFAULT_CONFIG,
    'carrier.ts': CARRIER_HELPER,
    ...files,
  };
  for (const [name, content] of Object.entries(all)) {
    const file = join(dir, name);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** The parent's env minus whatever would leak the outer run into the inner one. */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(TEST_|PW_|PWDEBUG|PLAYWRIGHT_|TEMPNUMBER_|NODE_OPTIONS$|FORCE_COLOR$|E2E_)/.test(key)) continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Run `node <args>` in `cwd`; kill it after `timeoutMs`. */
export function runProcess(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n[runInlineTest] killed after ${timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolvePromise({ exitCode, stdout, stderr });
    });
  });
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function readLedgerFile(
  runtimeDir: string,
  baseUrl: string,
  apiKey: string,
  api: SandboxApi,
): Promise<ActivationRecord[]> {
  const paths = runtimePaths(runtimeDir, accountId({ baseUrl, apiKey, api }));
  let text: string;
  try {
    text = await readFile(paths.ledger, 'utf8');
  } catch {
    return [];
  }
  const byId = new Map<string, ActivationRecord>();
  for (const line of text.split('\n')) {
    const record = parseLedgerLine(line);
    if (record) byId.set(record.id, record);
  }
  // As `activations` lists it: activations, and lease intents only while open.
  return [...byId.values()].filter(isListed).sort((a, b) => compareActivationIds(a.id, b.id));
}

/** Stop the broker(s) a run started: SIGTERM by the pid in their discovery file, then wait. */
async function stopBrokers(runtimeDir: string): Promise<void> {
  let accounts: string[];
  try {
    accounts = await readdir(runtimeDir);
  } catch {
    return;
  }
  for (const account of accounts) {
    const info = await readJson<{ pid?: unknown }>(join(runtimeDir, account, 'broker.json'));
    const pid = typeof info?.pid === 'number' ? info.pid : undefined;
    if (pid === undefined || pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue; // already gone
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
