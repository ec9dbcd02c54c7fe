import { expect, test } from '@playwright/test';
import { createMemoryStore } from '../../src/broker/server/store/memory-store.ts';
import { createLocalBudget, createStoreBudget, type Sleep } from '../../src/limits/budget.ts';
import { createManualClock } from '../../src/limits/clock.ts';
import { scaledLimits, V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import { CONFIRM_REPOLL_MS } from '../../src/limits/sliding-window-log.ts';

/** A budget over a memory store whose sleeps move a manual clock instead of waiting. */
function setup(overrides = {}) {
  const clock = createManualClock(1000);
  const limits = scaledLimits(V1_LIMIT_POLICY, { overrides });
  const store = createMemoryStore({ clock, limits });
  const sleeps: number[] = [];
  const sleep: Sleep = async (ms, signal) => {
    signal?.throwIfAborted();
    sleeps.push(ms);
    clock.advance(ms);
  };
  const budget = createStoreBudget(store, { limits, sleep, random: () => 0.5 });
  return { clock, limits, store, sleeps, budget };
}

test.describe('request budget over a store', () => {
  test('acquire resolves at once while the window has room, then sleeps exactly until the next slot', async () => {
    const { budget, sleeps, clock } = setup({ 'PUT /activations/:id': { limit: 2 } });
    // Answered at once (the manual clock does not move): done at their send time.
    await (await budget.acquire('PUT /activations/:id', { priority: 'critical' })).done();
    await (await budget.acquire('PUT /activations/:id', { priority: 'critical' })).done();
    expect(sleeps).toEqual([]);
    await budget.acquire('PUT /activations/:id', { priority: 'critical' });
    expect(sleeps).toEqual([62_000]);
    expect(clock.now()).toBe(63_000);
  });

  test('a class whose slot is further than its max wait backs off with jitter and asks again', async () => {
    const { budget, sleeps } = setup({ 'POST /activations': { limit: 1 } });
    await (await budget.acquire('POST /activations')).done();
    await budget.acquire('POST /activations', { priority: 'normal' });
    // 122 s away, max wait 1 s: back-offs of ≤ 2 s (+ jitter) until the slot is within reach.
    expect(sleeps.length).toBeGreaterThan(50);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(2000 + 250);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(122_000);
  });

  test('reportRateLimited blocks the bucket for a full window + margin without a hint', async () => {
    const { budget, store, limits } = setup();
    await budget.reportRateLimited('GET /user/balance');
    const usage = await store.usage();
    expect(usage['GET /user/balance']?.blockedForMs).toBe(limits['GET /user/balance'].windowMs + 2000);
    expect(usage['GET /activations']?.blockedForMs).toBe(0);
  });

  test('reportRateLimited uses the server hint plus the margin, and the next acquire waits for it', async () => {
    const { budget, sleeps } = setup();
    await budget.reportRateLimited('GET /activations/:id', 5000);
    await budget.acquire('GET /activations/:id', { priority: 'critical' });
    expect(sleeps).toEqual([7000]);
  });

  test('an abort while waiting for a slot rejects with the reason and gives the slot back', async () => {
    const clock = createManualClock(0);
    const limits = scaledLimits(V1_LIMIT_POLICY, { overrides: { 'PUT /activations/:id': { limit: 1 } } });
    const store = createMemoryStore({ clock, limits });
    const controller = new AbortController();
    const sleep: Sleep = (_ms, signal) =>
      new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    const budget = createStoreBudget(store, { limits, sleep });
    await budget.acquire('PUT /activations/:id', { priority: 'critical' });
    const waiting = budget.acquire('PUT /activations/:id', {
      priority: 'critical',
      signal: controller.signal,
    });
    await expect.poll(async () => (await store.usage())['PUT /activations/:id']?.used).toBe(2);
    controller.abort(new Error('test over'));
    await expect(waiting).rejects.toThrow('test over');
    expect((await store.usage())['PUT /activations/:id']?.used).toBe(1);
  });

  test('an already aborted signal rejects before anything is reserved', async () => {
    const { budget, store } = setup();
    await expect(
      budget.acquire('GET /user/balance', { signal: AbortSignal.abort(new Error('no')) }),
    ).rejects.toThrow('no');
    expect((await store.usage())['GET /user/balance']?.used).toBe(0);
  });

  test('a request never settled holds its place until send + maxInFlightMs; the next one re-polls in short steps', async () => {
    const clock = createManualClock(1000);
    const limits = scaledLimits(V1_LIMIT_POLICY, { overrides: { 'PUT /activations/:id': { limit: 1 } } });
    const store = createMemoryStore({ clock, limits });
    const sleeps: number[] = [];
    const sleep: Sleep = async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    };
    const budget = createStoreBudget(store, { limits, sleep, maxInFlightMs: 5000 });
    await budget.acquire('PUT /activations/:id', { priority: 'critical' });
    await budget.acquire('PUT /activations/:id', { priority: 'critical' });
    // The slot is a window + margin after the send; the first request may still arrive until 6000.
    expect(sleeps[0]).toBe(62_000);
    expect(new Set(sleeps.slice(1))).toEqual(new Set([CONFIRM_REPOLL_MS]));
    expect(clock.now()).toBe(1000 + 5000 + 62_000);
  });

  test('done() settles once, and never throws even when the store cannot be reached', async () => {
    const { budget, store } = setup();
    let settles = 0;
    const counting = { ...store, settle: async () => void settles++ };
    const permit = await createStoreBudget(counting, { limits: scaledLimits(V1_LIMIT_POLICY) }).acquire(
      'GET /user/balance',
    );
    await Promise.all([permit.done(), permit.done()]);
    expect(settles).toBe(1);
    const broken = {
      ...store,
      settle: () => {
        throw new Error('store down');
      },
    };
    await expect(
      (
        await createStoreBudget(broken, { limits: scaledLimits(V1_LIMIT_POLICY) }).acquire(
          'GET /user/balance',
        )
      ).done(),
    ).resolves.toBeUndefined();
    await (await budget.acquire('GET /user/balance')).done();
  });

  test('a bare local budget keeps one process within the published limits', async () => {
    const clock = createManualClock(0);
    const sleeps: number[] = [];
    const budget = createLocalBudget({
      policy: V1_LIMIT_POLICY,
      clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
    });
    for (let i = 0; i < 10; i++) await (await budget.acquire('GET /user/balance')).done();
    expect(sleeps).toEqual([]);
    await budget.acquire('GET /user/balance', { priority: 'critical' });
    expect(sleeps).toEqual([62_000]);
  });
});
