import { expect, test } from '@playwright/test';
import { createRedisStore, type RedisStore } from '../../src/broker/server/store/redis-store.ts';
import { StoreUnavailableError } from '../../src/contract/errors.ts';
import { type BudgetPermit, createStoreBudget } from '../../src/limits/budget.ts';
import { PRIORITIES, scaledLimits, V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import { CONFIRM_REPOLL_MS } from '../../src/limits/sliding-window-log.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts';
import { maxInFixedWindows, maxInSlidingWindow } from '../helpers/window-counts.ts';

// PUT /activations/:id: 10 per 60 s → 10 per 600 ms at this scale, with the 50 ms margin floor.
const TIME_SCALE = 100;
const limits = scaledLimits(V1_LIMIT_POLICY, { timeScale: TIME_SCALE });
const bucket = 'PUT /activations/:id' as const;
const { limit, windowMs, marginMs } = limits[bucket];
const spanMs = Math.ceil(windowMs + marginMs);

let server: RedisServer;
test.beforeEach(async () => {
  server = await startRedisServer();
});
test.afterEach(async () => {
  await server?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test.describe('Redis store: send-time confirmation', () => {
  test('confirms up to the full limit across stores; in flight re-polls soon, settled waits exactly', async () => {
    const accountId = `confirm-${Date.now()}`;
    const [a, b] = [
      createRedisStore({ url: server.url, accountId, limits }),
      createRedisStore({ url: server.url, accountId, limits }),
    ];
    for (let i = 0; i < limit; i++) {
      expect(await (i % 2 === 0 ? a : b).confirm(bucket, `m${i}`, 30_000)).toEqual({ ok: true });
    }
    expect(await b.confirm(bucket, 'late', 30_000)).toEqual({ ok: false, retryInMs: CONFIRM_REPOLL_MS });
    // A sent request always counts: it cannot be given back.
    await a.unreserve(bucket, 'm0');
    expect((await a.usage())[bucket]?.used).toBe(limit);
    for (let i = 0; i < limit; i++) await (i % 2 === 0 ? b : a).settle(bucket, `m${i}`);
    await a.settle(bucket, 'm0');
    const refused = await b.confirm(bucket, 'late', 30_000);
    expect(refused.ok).toBe(false);
    const retryInMs = refused.ok ? 0 : refused.retryInMs;
    expect(retryInMs).toBeGreaterThan(CONFIRM_REPOLL_MS);
    expect(retryInMs).toBeLessThanOrEqual(spanMs);
    await sleep(retryInMs + 5);
    expect(await b.confirm(bucket, 'late', 30_000)).toEqual({ ok: true });
    await Promise.all([a.close(), b.close()]);
  });

  test('three stores hammering through real Redis with real latency never overfill a server window', async () => {
    test.setTimeout(60_000);
    const accountId = `latency-${Date.now()}`;
    const stores: RedisStore[] = Array.from({ length: 3 }, () =>
      createRedisStore({ url: server.url, accountId, limits }),
    );
    const maxInFlightMs = 1000;
    const budgets = stores.map((store) =>
      createStoreBudget(store, { limits, maxInFlightMs, retryCapMs: spanMs / 2, maxJitterMs: 20 }),
    );
    // Lateness after the budget's "go" reaches three times the margin; then network both ways.
    const maxLateMs = 3 * marginMs;
    const maxLatencyMs = 40;
    const arrivals: number[] = [];
    const inFlight: Promise<void>[] = [];
    const stopAt = performance.now() + 3000;

    const send = async (permit: BudgetPermit) => {
      await sleep(Math.random() * maxLateMs);
      if (Math.random() < 0.05) {
        // Never settled: it may still arrive until its timeout.
        arrivals.push(performance.now() + Math.random() * maxInFlightMs * 0.9);
        return;
      }
      await sleep(Math.random() * maxLatencyMs);
      arrivals.push(performance.now());
      await sleep(Math.random() * maxLatencyMs);
      await permit.done();
    };
    const caller = async (index: number) => {
      const priority = PRIORITIES[index % PRIORITIES.length]!;
      while (performance.now() < stopAt) {
        const permit = await budgets[index % budgets.length]!.acquire(bucket, { priority });
        inFlight.push(send(permit));
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => caller(i)));
    await Promise.all(inFlight);
    await Promise.all(stores.map((s) => s.close()));

    expect(maxInSlidingWindow(arrivals, windowMs)).toBeLessThanOrEqual(limit);
    for (let i = 0; i < 50; i++) {
      expect(maxInFixedWindows(arrivals, windowMs, Math.random() * windowMs)).toBeLessThanOrEqual(limit);
    }
    // Not starved by the checks: at least a few windows' worth went out.
    expect(arrivals.length).toBeGreaterThanOrEqual(2 * limit);
  });

  test('after Redis restarts empty, a confirmation waits out the window it lost; settling a lost request is harmless', async () => {
    const accountId = `restart-${Date.now()}`;
    const store = createRedisStore({ url: server.url, accountId, limits });
    const budget = createStoreBudget(store, { limits });
    const permit = await budget.acquire(bucket, { priority: 'critical' });
    await server.restart();
    await permit.done();
    const refused = await store.confirm(bucket, 'after', 30_000);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? 0 : refused.retryInMs).toBeGreaterThan(spanMs - 200);
    await store.close();
  });

  test('with Redis down acquire fails closed and a permit’s done() still resolves', async () => {
    const store = createRedisStore({ url: server.url, accountId: `down-${Date.now()}`, limits });
    const budget = createStoreBudget(store, { limits });
    const permit = await budget.acquire(bucket, { priority: 'critical' });
    await server.stop();
    await expect(permit.done()).resolves.toBeUndefined();
    await expect(budget.acquire(bucket, { priority: 'critical' })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(store.confirm(bucket, 'x', 30_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
  });
});
