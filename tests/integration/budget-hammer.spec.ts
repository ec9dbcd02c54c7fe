import { expect, test } from '@playwright/test';
import { type BrokerClient, connectBroker } from '../../src/broker/index.ts';
import { RATE_LIMITS } from '../../src/limits/rate-limits.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerTestMachine,
  createMachine,
  destroyMachine,
  makeApiKey,
} from '../helpers/broker-test-env.ts';
import {
  type LeaseThroughput,
  leaseThroughput,
  runHammer,
  total,
  type WorkerCounts,
} from '../helpers/budget-hammer.ts';

// The 2-minute lease window passes in 3 s: the run below covers about four of them. (At a
// higher scale a loaded 2-core box cannot lease fast enough to saturate the budget.)
const TIME_SCALE = 40;
const WINDOW_REAL_MS = RATE_LIMITS['POST /activations'].windowMs / TIME_SCALE;
const DURATION_MS = 13_000;
const PROCESSES = 8;
const LOOPS = 2;

test.describe.configure({ mode: 'serial' });

let sandbox: Sandbox;
let machine: BrokerTestMachine;
let probe: BrokerClient;
const apiKey = makeApiKey();
let results: WorkerCounts[];
let throughput: LeaseThroughput;
/** Release times of a phone the test process itself leased while the hammer ran (real ms). */
const probeReleaseMs: number[] = [];
let probeLeaseWaitMs = 0;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey], balance: 1_000_000 });
  machine = await createMachine({
    apiKey,
    baseUrl: sandbox.apiUrl,
    timeScale: TIME_SCALE,
    sandboxUrl: sandbox.url,
  });
  probe = await connectBroker({ ...machine.connectOptions, owner: 'release probe' });
  results = await runHammer({
    machines: [{ machine, processes: PROCESSES }],
    durationMs: DURATION_MS,
    loops: LOOPS,
    // While the hammer keeps the lease and poll budgets full, release our own phones and time it.
    during: async () => {
      const deadline = Date.now() + DURATION_MS - 1_500;
      while (Date.now() < deadline) {
        const phone = await probe.lease({ service: 'twitter', country: 'us' });
        probeLeaseWaitMs = Math.max(probeLeaseWaitMs, phone.budgetWaitMs);
        await sandbox.deliverSms(phone.number, 'Your code is 777777');
        await phone.code({ timeout: 20_000 });
        const started = Date.now();
        await phone.release();
        probeReleaseMs.push(Date.now() - started);
      }
    },
  });
  throughput = leaseThroughput(sandbox, apiKey);
  console.log(
    `budget hammer: ${throughput.leases} leases in ${throughput.windows} windows, ratio ${throughput.ratio.toFixed(3)}, ` +
      `max ${throughput.maxInAnyWindow}/window, 429s ${sandbox.state().rateLimited}, ` +
      `requests ${JSON.stringify(sandbox.state().requestsByBucket)}, ` +
      `probe releases ${JSON.stringify(probeReleaseMs)} ms, probe lease wait ${probeLeaseWaitMs} ms, ` +
      `worker max release ${Math.max(...results.map((r) => r.maxReleaseMs))} ms`,
  );
});

test.afterAll(async () => {
  await probe?.close();
  if (machine) await destroyMachine(machine);
  await sandbox?.close();
});

test('many processes leasing and waiting at once through one broker never get a 429', () => {
  expect(results).toHaveLength(PROCESSES);
  for (const r of results) expect(r.errors).toEqual([]);
  expect(sandbox.state().rateLimited).toBe(0);
  expect(throughput.maxInAnyWindow).toBeLessThanOrEqual(RATE_LIMITS['POST /activations'].limit);
});

test('every lease got its code and was released', () => {
  expect(total(results, 'wrongCodes')).toBe(0);
  expect(total(results, 'codes')).toBe(total(results, 'leases'));
  expect(total(results, 'releases')).toBe(total(results, 'leases'));
});

test('saturated, the broker leases at least 80 % of the published 80 per 2 minutes', () => {
  // Saturated: the lease queue made the probe wait for budget.
  expect(probeLeaseWaitMs).toBeGreaterThan(0);
  expect(throughput.windows).toBeGreaterThanOrEqual(4);
  expect(throughput.ratio).toBeGreaterThanOrEqual(0.8);
});

test('releases are not starved by saturated lease and poll budgets', () => {
  expect(probeReleaseMs.length).toBeGreaterThan(0);
  // A release that had to queue behind leases or polls would take about a window.
  expect(Math.max(...probeReleaseMs)).toBeLessThan(WINDOW_REAL_MS / 2);
  for (const r of results) expect(r.maxReleaseMs).toBeLessThan(WINDOW_REAL_MS / 2);
});
