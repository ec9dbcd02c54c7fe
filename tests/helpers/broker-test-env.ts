/**
 * A private world for one broker-client test: a fresh 0700 runtime dir, a unique API key, the
 * environment a child process needs to reach the broker, and cleanup that stops every broker
 * the test started (by pid, from their own lock/discovery files) and removes the dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../src/broker/lock-file.ts';
import { type RuntimePaths, runtimePaths } from '../../src/broker/runtime-paths.ts';
import { accountId } from '../../src/config/settings.ts';

/** Settings of one simulated machine. */
export interface BrokerTestMachine {
  runtimeDir: string;
  paths: RuntimePaths;
  /** Options for `connectBroker` in the test process. */
  connectOptions: {
    apiKey: string;
    baseUrl: string;
    runtimeDir: string;
    timeScale: number;
    redisUrl?: string;
  };
  /** Environment for a child process (helper script or CLI) on this machine. */
  env: NodeJS.ProcessEnv;
}

/** A fresh API key that looks like a real one (long enough to be redacted, unique per test). */
export function makeApiKey(): string {
  return `tn_test_${randomBytes(12).toString('hex')}`;
}

/** Create a machine: its own runtime dir (0700, under the OS temp dir). */
export async function createMachine(init: {
  apiKey: string;
  baseUrl: string;
  timeScale: number;
  redisUrl?: string;
  sandboxUrl?: string;
}): Promise<BrokerTestMachine> {
  const runtimeDir = await mkdtemp(join(tmpdir(), 'tn-broker-client-'));
  const paths = runtimePaths(runtimeDir, accountId({ apiKey: init.apiKey, baseUrl: init.baseUrl }));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPNUMBER_API_KEY: init.apiKey,
    TEMPNUMBER_BASE_URL: init.baseUrl,
    TEMPNUMBER_RUNTIME_DIR: runtimeDir,
    TEMPNUMBER_TIME_SCALE: String(init.timeScale),
    ...(init.redisUrl ? { TEMPNUMBER_REDIS_URL: init.redisUrl } : {}),
    ...(init.sandboxUrl ? { SANDBOX_URL: init.sandboxUrl } : {}),
  };
  return {
    runtimeDir,
    paths,
    connectOptions: {
      apiKey: init.apiKey,
      baseUrl: init.baseUrl,
      runtimeDir,
      timeScale: init.timeScale,
      ...(init.redisUrl ? { redisUrl: init.redisUrl } : {}),
    },
    env,
  };
}

/** Pids of brokers that left a trace (lock or discovery file) in any account dir of `runtimeDir`. */
export async function brokerPids(runtimeDir: string): Promise<number[]> {
  const pids = new Set<number>();
  const accounts = await readdir(runtimeDir).catch(() => [] as string[]);
  for (const account of accounts) {
    for (const file of ['broker.pid', 'broker.json']) {
      try {
        const pid = (JSON.parse(await readFile(join(runtimeDir, account, file), 'utf8')) as { pid?: unknown })
          .pid;
        if (typeof pid === 'number' && pid !== process.pid) pids.add(pid);
      } catch {
        // absent or half-written: nothing to stop
      }
    }
  }
  return [...pids];
}

/** Stop the brokers this test started (SIGTERM, then SIGKILL after 3 s) and remove the dir. */
export async function destroyMachine(machine: BrokerTestMachine): Promise<void> {
  for (const pid of await brokerPids(machine.runtimeDir)) await stopPid(pid);
  await rm(machine.runtimeDir, { recursive: true, force: true });
}

/** Stop one process by pid and wait until it is gone. */
export async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + 3_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
  }
}

/** A child `node` process running a helper script, with its stdout as lines. */
export interface ScriptProcess {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves with the first stdout line matching `predicate`. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves once the process exits, with its code, stdout lines and stderr. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[]; stderr: string }>;
}

/** Start `node <script> ...args` with `env`; the script lives under tests/helpers. */
export function runScript(script: string, env: NodeJS.ProcessEnv, args: string[] = []): ScriptProcess {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l !== ''));
    for (const l of listeners) l();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    lines: string[];
    stderr: string;
  }>((resolve) =>
    child.once('close', (code, signal) => {
      if (buffer !== '') lines.push(buffer);
      for (const l of listeners) l();
      resolve({ code, signal, lines, stderr });
    }),
  );
  return {
    child,
    lines,
    exited,
    waitForLine(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(predicate);
          if (found !== undefined) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(
              new Error(
                `script exited (${child.exitCode ?? child.signalCode}) before the line came: ${stderr}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `no matching line within ${timeoutMs} ms; stdout: ${lines.join(' | ')}; stderr: ${stderr}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

/** Run the CLI (`src/cli/main.ts`) to completion. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = process.execPath;
  const child = spawn(script, [new URL('../../src/cli/main.ts', import.meta.url).pathname, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/** Absolute path of a helper script in this folder. */
export function helperScript(name: string): string {
  return new URL(`./${name}`, import.meta.url).pathname;
}
