/**
 * The budget hammer: many real OS processes (tests/helpers/broker-hammer-worker.ts) leasing,
 * waiting and releasing through their machine's broker at once, and the measures the budget
 * tests assert on — computed from what the sandbox saw, never from the clients' own counts.
 */
import { RATE_LIMITS } from '../../src/limits/rate-limits.ts';
import { accountHash, type Sandbox } from '../../src/sandbox/index.ts';
import { type BrokerTestMachine, helperScript, runScript } from './broker-test-env.ts';
import { maxInSlidingWindow } from './window-counts.ts';

/** What one hammer process reports when it ends. */
export interface WorkerCounts {
  leases: number;
  codes: number;
  wrongCodes: number;
  releases: number;
  errors: string[];
  maxReleaseMs: number;
  leaseMs: number;
  deliverMs: number;
  codeMs: number;
  releaseMs: number;
}

/** Run `processes` hammer processes per machine for `durationMs` (real), all starting together. */
export async function runHammer(init: {
  machines: ReadonlyArray<{ machine: BrokerTestMachine; processes: number }>;
  durationMs: number;
  loops: number;
  /** Runs once every process is connected and leasing has started. */
  during?: () => Promise<void>;
}): Promise<WorkerCounts[]> {
  const startAt = Date.now() + 4_000;
  let worker = 0;
  const scripts = init.machines.flatMap(({ machine, processes }) =>
    Array.from({ length: processes }, () =>
      runScript(helperScript('broker-hammer-worker.ts'), {
        ...machine.env,
        HAMMER_START_AT: String(startAt),
        HAMMER_DURATION_MS: String(init.durationMs),
        HAMMER_LOOPS: String(init.loops),
        HAMMER_PAIR_OFFSET: String(worker++ * init.loops),
      }),
    ),
  );
  await Promise.all(scripts.map((s) => s.waitForLine((l) => l === 'ready', 20_000)));
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  await init.during?.();
  const results = await Promise.all(scripts.map((s) => s.exited));
  return results.map((r) => {
    const last = r.lines.at(-1);
    if (r.code !== 0 || last === undefined || !last.startsWith('{')) {
      throw new Error(`hammer process failed (${r.code ?? r.signal}): ${r.stderr || r.lines.join('\n')}`);
    }
    return JSON.parse(last) as WorkerCounts;
  });
}

/** Lease throughput as the sandbox saw it, against the published POST /activations limit. */
export interface LeaseThroughput {
  leases: number;
  /** Whole windows between the first and the last lease (API time). */
  windows: number;
  /** Leases inside those windows. */
  leasesInWindows: number;
  /** leasesInWindows / (limit × windows): 1 is the published maximum. */
  ratio: number;
  /** Most leases the sandbox saw in any window of the published length (must be ≤ limit). */
  maxInAnyWindow: number;
}

/** Measure from the sandbox's activation list (API clock, `createdAt` in unix seconds). */
export function leaseThroughput(sandbox: Sandbox, apiKey: string): LeaseThroughput {
  const { limit, windowMs } = RATE_LIMITS['POST /activations'];
  const account = accountHash(apiKey);
  const times = sandbox
    .state()
    .activations.filter((a) => a.account === account && typeof a.createdAt === 'number')
    .map((a) => (a.createdAt as number) * 1000)
    .sort((a, b) => a - b);
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  const windows = Math.floor((last - first) / windowMs);
  const leasesInWindows = times.filter((t) => t < first + windows * windowMs).length;
  const maxInAnyWindow = maxInSlidingWindow(times, windowMs);
  return {
    leases: times.length,
    windows,
    leasesInWindows,
    ratio: windows > 0 ? leasesInWindows / (limit * windows) : 0,
    maxInAnyWindow,
  };
}

/** Sum of a field over the workers. */
export function total(
  results: WorkerCounts[],
  field: 'leases' | 'codes' | 'wrongCodes' | 'releases',
): number {
  return results.reduce((sum, r) => sum + r[field], 0);
}
