import { expect, test } from '@playwright/test';
import { RATE_LIMITS } from '../../src/limits/rate-limits.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerTestMachine,
  createMachine,
  destroyMachine,
  makeApiKey,
} from '../helpers/broker-test-env.ts';
import { leaseThroughput, runHammer, total } from '../helpers/budget-hammer.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts';

const TIME_SCALE = 40;
const LIMIT = RATE_LIMITS['POST /activations'].limit;

test.describe.configure({ mode: 'serial' });

let sandbox: Sandbox;
let redis: RedisServer;
const machines: BrokerTestMachine[] = [];
const apiKey = makeApiKey();

test.beforeAll(async () => {
  redis = await startRedisServer();
  sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey], balance: 1_000_000 });
  for (let i = 0; i < 2; i++) {
    machines.push(
      await createMachine({
        apiKey,
        baseUrl: sandbox.apiUrl,
        timeScale: TIME_SCALE,
        redisUrl: redis.url,
        sandboxUrl: sandbox.url,
      }),
    );
  }
});

test.afterAll(async () => {
  for (const m of machines) await destroyMachine(m);
  await sandbox?.close();
  await redis?.stop();
});

test('two brokers on two machines sharing one Redis stay within the one account budget', async () => {
  test.setTimeout(90_000);
  const results = await runHammer({
    machines: machines.map((machine) => ({ machine, processes: 4 })),
    durationMs: 13_000,
    loops: 2,
  });
  const throughput = leaseThroughput(sandbox, apiKey);
  const state = sandbox.state();
  console.log(
    `two brokers + Redis: ${throughput.leases} leases in ${throughput.windows} windows, ratio ${throughput.ratio.toFixed(3)}, ` +
      `max ${throughput.maxInAnyWindow}/window, 429s ${state.rateLimited}, requests ${JSON.stringify(state.requestsByBucket)}`,
  );
  for (const r of results) expect(r.errors).toEqual([]);
  expect(total(results, 'codes')).toBe(total(results, 'leases'));
  expect(state.rateLimited).toBe(0);
  expect(throughput.maxInAnyWindow).toBeLessThanOrEqual(LIMIT);
  // Both brokers really leased (the budget was shared, not won by one of them).
  const perMachine = [results.slice(0, 4), results.slice(4)].map((r) => total(r, 'leases'));
  for (const leases of perMachine) expect(leases).toBeGreaterThan(0);
  expect(throughput.ratio).toBeGreaterThanOrEqual(0.7);
});
