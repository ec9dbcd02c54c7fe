/**
 * One phase of a scenario: spawn the worker processes (broker-backed or naive), let them run
 * until the deadline, collect their JSON lines and what the sandbox saw.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runtimePaths } from '../src/broker/runtime-paths.ts';
import { accountId } from '../src/config/settings.ts';
import type { Sandbox } from '../src/sandbox/index.ts';
import { type BenchParams, LEASE_LIMIT, type Scenario } from './scenarios.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface WorkerLine {
  kind: 'cycle' | 'refused' | 'error' | 'lease-only';
  leaseStartedAt?: number;
  leasedAt?: number;
  deliveredAt?: number;
  codeAt?: number;
  budgetWaitMs?: number;
  leaseOverheadMs?: number;
  codeOverheadMs?: number;
  name?: string;
  message?: string;
}

export interface PhaseResult {
  lines: WorkerLine[];
  /** Real ms. */
  deadline: number;
  rateLimited: number;
  postsSeen: number;
}

/** Real milliseconds of one lease window at this time scale. */
export const windowRealMs = (params: BenchParams) => LEASE_LIMIT.windowMs / params.timeScale;

export async function runBrokerPhase(input: {
  scenario: Scenario;
  params: BenchParams;
  sandbox: Sandbox;
  apiKey: string;
  redisUrl: string | undefined;
  scratch: string;
}): Promise<PhaseResult> {
  const { scenario, params, sandbox, apiKey } = input;
  const deadline = Date.now() + 1500 + params.phaseWindows * windowRealMs(params);
  const runtimeDirs = Array.from({ length: scenario.brokers }, (_, i) => join(input.scratch, `machine-${i}`));
  const children = Array.from({ length: scenario.workers }, (_, i) =>
    runWorker('broker-worker.ts', {
      TEMPNUMBER_API_KEY: apiKey,
      TEMPNUMBER_BASE_URL: sandbox.apiUrl,
      TEMPNUMBER_TIME_SCALE: String(params.timeScale),
      TEMPNUMBER_RUNTIME_DIR: runtimeDirs[i % runtimeDirs.length] ?? input.scratch,
      ...(input.redisUrl ? { TEMPNUMBER_REDIS_URL: input.redisUrl } : {}),
      BENCH_SANDBOX_URL: sandbox.url,
      BENCH_DEADLINE_MS: String(deadline),
      BENCH_CONCURRENCY: String(params.loopsPerWorker),
      BENCH_FIRST_PAIR: String(i * params.loopsPerWorker),
    }),
  );
  const lines = (await Promise.all(children)).flat();
  await stopBrokers(runtimeDirs, apiKey, sandbox.apiUrl);
  return { lines, deadline, ...sandboxCounts(sandbox) };
}

export async function runNaivePhase(input: {
  scenario: Scenario;
  params: BenchParams;
  sandbox: Sandbox;
  apiKey: string;
}): Promise<PhaseResult> {
  const { scenario, params, sandbox, apiKey } = input;
  const deadline = Date.now() + 500 + params.phaseWindows * windowRealMs(params);
  const children = Array.from({ length: scenario.workers }, (_, i) =>
    runWorker('naive-worker.ts', {
      BENCH_API_URL: sandbox.apiUrl,
      BENCH_SANDBOX_URL: sandbox.url,
      BENCH_API_KEY: apiKey,
      BENCH_TIME_SCALE: String(params.timeScale),
      BENCH_DEADLINE_MS: String(deadline),
      BENCH_CONCURRENCY: String(params.loopsPerWorker),
      BENCH_FIRST_PAIR: String(i * params.loopsPerWorker),
    }),
  );
  const lines = (await Promise.all(children)).flat();
  return { lines, deadline, ...sandboxCounts(sandbox) };
}

function sandboxCounts(sandbox: Sandbox): { rateLimited: number; postsSeen: number } {
  const state = sandbox.state();
  return { rateLimited: state.rateLimited, postsSeen: state.requestsByBucket['POST /activations'] ?? 0 };
}

function runWorker(script: string, env: Record<string, string>): Promise<WorkerLine[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, script)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: WorkerLine[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as WorkerLine);
      } catch {
        // Not one of ours: ignore.
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve(lines));
  });
}

/** Brokers outlive their clients by design; the benchmark ends them so phases don't overlap. */
async function stopBrokers(runtimeDirs: string[], apiKey: string, baseUrl: string): Promise<void> {
  const account = accountId({ apiKey, baseUrl });
  for (const dir of runtimeDirs) {
    try {
      const info = JSON.parse(await readFile(runtimePaths(dir, account).discovery, 'utf8')) as {
        pid: number;
      };
      process.kill(info.pid, 'SIGTERM');
    } catch {
      // No broker left there.
    }
  }
}
