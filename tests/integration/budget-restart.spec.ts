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

const TIME_SCALE = 40;
const LIMIT = RATE_LIMITS['POST /activations'].limit;

let sandbox: Sandbox;
let machine: BrokerTestMachine;
const apiKey = makeApiKey();

test.beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey], balance: 1_000_000 });
  machine = await createMachine({ apiKey, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
});

test.afterAll(async () => {
  if (machine) await destroyMachine(machine);
  await sandbox?.close();
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

  // Back to back: a new client starts a new broker at once and keeps leasing.
  const second = await connectBroker({ ...machine.connectOptions, owner: 'next run' });
  try {
    expect(second.brokerPid).not.toBe(oldPid);
    const more = await runLeaseLoops(second, sandbox, {
      loops: 16,
      pairOffset: 16,
      until: () => posts() >= before + LIMIT / 2,
    });
    expect(more.errors).toEqual([]);
    // The new broker knew the window was full (grant journal) and waited for budget.
    expect(more.maxBudgetWaitMs).toBeGreaterThan(0);
  } finally {
    await second.close();
  }
  const state = sandbox.state();
  expect(state.rateLimited).toBe(0);
  expect(leaseThroughput(sandbox, apiKey).maxInAnyWindow).toBeLessThanOrEqual(LIMIT);
});
