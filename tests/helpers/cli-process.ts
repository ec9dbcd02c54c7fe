/**
 * Run the real `playwright-tempnumber` CLI (`node src/cli/main.ts …`) as a child process, in a
 * fresh temp folder (so no `.env` of the repo is picked up) with only the TEMPNUMBER_* variables
 * the test gives — nothing inherited from the developer's shell.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.ts';
import { brokerPids, stopPid } from './broker-test-env.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** What one CLI run printed and returned. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws with the output when it is not). */
  json<T = Record<string, unknown>>(): T;
}

/** Run the CLI with `args` and exactly these extra variables (`undefined` removes one). */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<CliRun> {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('TEMPNUMBER_') && k !== 'CHROMIUM_PATH' && k !== 'XDG_RUNTIME_DIR') childEnv[k] = v;
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  return {
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

/** A temp folder for one test: cwd of the CLI and parent of its runtime dir. */
export async function makeCliWorkdir(): Promise<{
  dir: string;
  runtimeDir: string;
  remove(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'pwtn-cli-'));
  return { dir, runtimeDir: join(dir, 'runtime'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A port nothing listens on: bound, then released (for "the API is unreachable"). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** What each CLI test gets: its own sandbox, temp folder and TEMPNUMBER_* variables. */
export interface CliWorld {
  sandbox: Sandbox;
  work: Awaited<ReturnType<typeof makeCliWorkdir>>;
  env: Record<string, string>;
}

/**
 * Register beforeEach/afterEach hooks giving every test of the file a fresh sandbox (accepting
 * `apiKey`), a temp folder and the env to run the CLI against them; after the test, the broker
 * the commands started on demand is stopped before its folder is removed.
 */
export function useCliWorld(
  apiKey: string,
  sandboxOptions: Omit<SandboxOptions, 'apiKeys' | 'port'> = {},
): CliWorld {
  const world = {} as CliWorld;
  test.beforeEach(async () => {
    world.sandbox = await startSandbox({ ...sandboxOptions, port: 0, apiKeys: [apiKey] });
    world.work = await makeCliWorkdir();
    world.env = {
      TEMPNUMBER_API_KEY: apiKey,
      TEMPNUMBER_BASE_URL: world.sandbox.apiUrl,
      TEMPNUMBER_RUNTIME_DIR: world.work.runtimeDir,
      ...(sandboxOptions.timeScale ? { TEMPNUMBER_TIME_SCALE: String(sandboxOptions.timeScale) } : {}),
    };
  });
  test.afterEach(async () => {
    for (const pid of await brokerPids(world.work.runtimeDir)) await stopPid(pid);
    await world.sandbox.close();
    await world.work.remove();
  });
  return world;
}
