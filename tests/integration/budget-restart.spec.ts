import { expect, test } from '@playwright/test';
import { connectBroker } from '../../src/broker/index.ts';
import { isAlive } from '../../src/broker/lock-file.ts';
import { RATE_LIMITS } from '../../src/limits/rate-limits.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerTestMachine,
  createMachine,
  destroyMachine,
  makeApiKey,
} from '../helpers/broker-test-env.ts';
import { leaseThroughput } from '../helpers/budget-hammer.ts';
import { runLeaseLoops } from '../helpers/lease-loops.ts';

// A window of 12 s real: the restart (kill, spawn, guard bootstrap) surely happens inside it, even on a
// loaded CI box, so the new broker must find the old grants in the journal and wait.
const TIME_SCALE = 10;
const LIMIT = RATE_LIMITS['POST /activations'].limit;

let sandbox: Sandbox;
let machine: BrokerTestMachine;
const apiKey = makeApiKey();

// No delivery-history bootstrap at broker start: it may wait for the history budget longer than
// a window, and this test is about the lease budget carried over by the grant journal.
const GUARDS_OFF = { TEMPNUMBER_DELIVERY_GUARD: 'off', TEMPNUMBER_BREAKER_THRESHOLD: '0' };
const savedEnv = Object.fromEntries(Object.keys(GUARDS_OFF).map((k) => [k, process.env[k]]));

test.beforeAll(async () => {
  Object.assign(process.env, GUARDS_OFF);
  sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey], balance: 1_000_000 });
  machine = await createMachine({ apiKey, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
});

test.afterAll(async () => {
  if (machine) await destroyMachine(machine);
  await sandbox?.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

test('a broker SIGKILLed with a full lease window is replaced by one that does not overspend', async () => {
  const posts = () => sandbox.state().requestsByBucket['POST /activations'];
  const first = await connectBroker({ ...machine.connectOptions, owner: 'filler' });
  const oldPid = first.brokerPid;
  // Fill the window: stop as soon as the sandbox has seen the whole limit.
  const filled = await runLeaseLoops(first, sandbox, {
    loops: 16,
    pairOffset: 0,
    until: () => posts() >= LIMIT,
  });
  process.kill(oldPid, 'SIGKILL');
  await expect.poll(() => isAlive(oldPid)).toBe(false);
  await first.close().catch(() => {});
  expect(filled.leases).toBeGreaterThanOrEqual(LIMIT - 16);
  const before = posts();
  const lastOfFirstMs = Math.max(...createdAtMs());

  // Back to back: a new client starts a new broker at once and keeps leasing.
  const second = await connectBroker({ ...machine.connectOptions, owner: 'next run' });
  const restartedAtMs = sandbox.now();
  try {
    expect(second.brokerPid).not.toBe(oldPid);
    const more = await runLeaseLoops(second, sandbox, {
      loops: 16,
      pairOffset: 16,
      until: () => posts() >= before + LIMIT / 2,
    });
    expect(more.errors).toEqual([]);
  } finally {
    await second.close();
  }
  // The new broker was up while the old grants were still inside the window (so the run did
  // test a restart into a full window) …
  expect(restartedAtMs - lastOfFirstMs).toBeLessThan(RATE_LIMITS['POST /activations'].windowMs / 2);
  // … and yet the API never saw more than the limit in any window: the grant journal carried
  // the old grants over, so the new broker did not start with a "fresh" budget.
  expect(sandbox.state().rateLimited).toBe(0);
  expect(leaseThroughput(sandbox, apiKey).maxInAnyWindow).toBeLessThanOrEqual(LIMIT);
});

/** Creation times of this account's activations, API-clock ms. */
function createdAtMs(): number[] {
  return sandbox
    .state()
    .activations.filter((a) => typeof a.createdAt === 'number')
    .map((a) => (a.createdAt as number) * 1000);
}
