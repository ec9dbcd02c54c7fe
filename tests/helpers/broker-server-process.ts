/**
 * A broker started exactly as the client starts one: `node src/cli/main.ts broker
 * --runtime-dir <dir>` with the settings in the environment only. Its output is collected so a
 * test can assert on it (and on the absence of the API key).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RuntimePaths, runtimePaths } from '../../src/broker/runtime-paths.ts';
import { accountId } from '../../src/config/settings.ts';

export interface BrokerWorld {
  apiKey: string;
  baseUrl: string;
  timeScale: number;
  runtimeDir: string;
  paths: RuntimePaths;
  account: string;
  env: NodeJS.ProcessEnv;
}

/** A fresh 0700 runtime dir and the environment of a broker for `apiKey` on `baseUrl`. */
export async function createBrokerWorld(init: {
  apiKey: string;
  baseUrl: string;
  timeScale: number;
}): Promise<BrokerWorld> {
  const runtimeDir = await mkdtemp(join(tmpdir(), 'tn-broker-server-'));
  const account = accountId(init);
  return {
    ...init,
    runtimeDir,
    account,
    paths: runtimePaths(runtimeDir, account),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPNUMBER_API_KEY: init.apiKey,
      TEMPNUMBER_BASE_URL: init.baseUrl,
      TEMPNUMBER_TIME_SCALE: String(init.timeScale),
    },
  };
}

export interface BrokerProcess {
  child: ChildProcess;
  pid: number;
  /** Everything printed so far (stdout + stderr). */
  output(): string;
  /** Resolves with the ready line, or rejects with the output if the process exits first. */
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startBrokerProcess(world: BrokerWorld, extraArgs: string[] = []): BrokerProcess {
  const child = spawn(
    process.execPath,
    ['src/cli/main.ts', 'broker', '--runtime-dir', world.runtimeDir, ...extraArgs],
    { env: world.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const line = output.split('\n').find((l) => l.includes(' listening on '));
      if (line) resolve(line);
    };
    child.stdout?.on('data', onData);
    exited.then(({ code, signal }) =>
      reject(new Error(`broker exited (${code ?? signal}) before ready:\n${output}`)),
    );
  });
  ready.catch(() => {});
  return { child, pid: child.pid ?? -1, output: () => output, ready, exited };
}

/** Stop a broker process we started (SIGTERM, then SIGKILL), by its pid. */
export async function stopBrokerProcess(broker: BrokerProcess): Promise<void> {
  if (broker.child.exitCode !== null || broker.child.signalCode !== null) return;
  broker.child.kill('SIGTERM');
  const timer = setTimeout(() => broker.child.kill('SIGKILL'), 5_000);
  await broker.exited;
  clearTimeout(timer);
}
