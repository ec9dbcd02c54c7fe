import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createRedisStore, type RedisStore } from '../../src/broker/server/store/redis-store.ts';
import { PRIORITIES, scaledLimits, scaledMaxWaitMs, V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts';
import { v1Snapshot } from '../helpers/v1-snapshot.ts';
import { maxInFixedWindows, maxInSlidingWindow } from '../helpers/window-counts.ts';

// PUT /activations/:id: 10 per 60 s → 10 per 300 ms at this scale, with the 50 ms margin floor.
const TIME_SCALE = 200;
const limits = scaledLimits(V1_LIMIT_POLICY, { timeScale: TIME_SCALE });
const bucket = 'PUT /activations/:id' as const;
const { limit, windowMs, marginMs } = limits[bucket];
const spanMs = Math.ceil(windowMs + marginMs);

let server: RedisServer;
test.beforeAll(async () => {
  server = await startRedisServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test.describe('Redis store: one budget for several machines', () => {
  test('slots granted to several stores hammering at once never exceed the limit in any window', async () => {
    const accountId = `hammer-${Date.now()}`;
    // Four "machines", each with five concurrent callers of random classes.
    const stores: RedisStore[] = Array.from({ length: 4 }, () =>
      createRedisStore({ url: server.url, accountId, limits }),
    );
    const maxWait = scaledMaxWaitMs(TIME_SCALE);
    const granted = new Map<string, number>();
    const stopAt = performance.now() + 2500;
    let counter = 0;
    let refused = 0;
    const caller = async (store: RedisStore, index: number) => {
      while (performance.now() < stopAt) {
        const priority = PRIORITIES[(index + counter) % PRIORITIES.length]!;
        const member = `${index}:${counter++}`;
        const d = await store.reserve({ bucket, priority, maxWaitMs: maxWait[priority], member });
        if (!d.granted) {
          refused++;
          await new Promise((r) => setTimeout(r, Math.min(d.retryInMs, 100) * Math.random()));
          continue;
        }
        granted.set(member, d.slotMs);
        // Now and then a caller gives its slot back or a 429 blocks the bucket for everyone.
        if (counter % 17 === 0) {
          await store.unreserve(bucket, member);
          granted.delete(member);
        } else if (counter % 41 === 0) {
          await store.block(bucket, 100);
        }
        await new Promise((r) => setTimeout(r, d.waitMs));
      }
    };
    await Promise.all(
      stores.flatMap((store, s) => Array.from({ length: 5 }, (_, c) => caller(store, s * 5 + c))),
    );
    await Promise.all(stores.map((s) => s.close()));

    const slots = [...granted.values()];
    expect(refused).toBeGreaterThan(0);
    expect(maxInSlidingWindow(slots, spanMs)).toBeLessThanOrEqual(limit);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: windowMs - 1 }), (offset) => {
        expect(maxInFixedWindows(slots, windowMs, offset)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 200 },
    );
    // Not starved by sharing: the slots fill most windows of the span they cover.
    const windows = (Math.max(...slots) - Math.min(...slots)) / spanMs;
    expect(slots.length).toBeGreaterThanOrEqual(Math.floor(windows * limit * 0.5));
  });

  test('a full bucket refuses every store, and a block from one store delays the others', async () => {
    const accountId = `shared-${Date.now()}`;
    const [a, b] = [
      createRedisStore({ url: server.url, accountId, limits }),
      createRedisStore({ url: server.url, accountId, limits }),
    ];
    for (let i = 0; i < limit; i++) {
      const store = i % 2 === 0 ? a : b;
      expect(
        (await store.reserve({ bucket, priority: 'critical', maxWaitMs: 0, member: `m${i}` })).granted,
      ).toBe(true);
    }
    const refused = await b.reserve({ bucket, priority: 'critical', maxWaitMs: 0, member: 'x' });
    expect(refused.granted).toBe(false);
    expect((await a.usage())[bucket]?.used).toBe(limit);

    await a.block('GET /user/balance', 5000);
    const d = await b.reserve({
      bucket: 'GET /user/balance',
      priority: 'critical',
      maxWaitMs: 60_000,
      member: 'y',
    });
    expect(d.granted && d.waitMs).toBeGreaterThan(4000);
    expect((await b.usage())['GET /user/balance']?.blockedForMs).toBeGreaterThan(4000);
    await Promise.all([a.close(), b.close()]);
  });

  test('headroom is shared: a normal request is refused where a critical one from another machine still fits', async () => {
    const accountId = `headroom-${Date.now()}`;
    const [a, b] = [
      createRedisStore({ url: server.url, accountId, limits }),
      createRedisStore({ url: server.url, accountId, limits }),
    ];
    const normalLimit = limit - limits[bucket].headroom.normal;
    for (let i = 0; i < normalLimit; i++) {
      expect((await a.reserve({ bucket, priority: 'normal', maxWaitMs: 0, member: `n${i}` })).granted).toBe(
        true,
      );
    }
    expect((await a.reserve({ bucket, priority: 'normal', maxWaitMs: 0, member: 'n-last' })).granted).toBe(
      false,
    );
    expect((await b.reserve({ bucket, priority: 'critical', maxWaitMs: 0, member: 'c' })).granted).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  test('the list poller is paced evenly across machines: each slot queues one spacing behind the last', async () => {
    const accountId = `paced-${Date.now()}`;
    const [a, b] = [
      createRedisStore({ url: server.url, accountId, limits }),
      createRedisStore({ url: server.url, accountId, limits }),
    ];
    const list = 'GET /activations' as const;
    const slots: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = await (i % 2 === 0 ? a : b).reserve({
        bucket: list,
        priority: 'critical',
        maxWaitMs: 60_000,
        member: `p${i}`,
      });
      if (d.granted) slots.push(d.slotMs);
    }
    const spacing = Math.ceil(limits[list].spacingMs);
    expect(slots.slice(1).map((s, i) => s - slots[i]!)).toEqual([spacing, spacing, spacing]);
    await Promise.all([a.close(), b.close()]);
  });

  test('scripts flushed from Redis are loaded again on the next call', async () => {
    const store = createRedisStore({ url: server.url, accountId: `flush-${Date.now()}`, limits });
    expect((await store.reserve({ bucket, priority: 'critical', maxWaitMs: 0, member: 'a' })).granted).toBe(
      true,
    );
    const admin = new Redis(server.url);
    await admin.script('FLUSH');
    await admin.quit();
    expect((await store.reserve({ bucket, priority: 'critical', maxWaitMs: 0, member: 'b' })).granted).toBe(
      true,
    );
    await store.close();
  });

  test('every key of the account shares one hash tag and expires on its own', async () => {
    const accountId = `keys-${Date.now()}`;
    const store = createRedisStore({ url: server.url, accountId, limits });
    await store.reserve({ bucket, priority: 'critical', maxWaitMs: 0, member: 'a' });
    await store.confirm(bucket, 'a', 30_000);
    await store.settle(bucket, 'a');
    await store.block(bucket, 1000);
    await store.admitPending('k', 1000, 5);
    await store.recordActivation('tg/us', '1', 1000);
    await store.blockPair('tg/us', 1000, 'r');
    await store.tryLead('me', 1000);
    await store.addWaiting('1', 1000);
    await store.putSnapshots([v1Snapshot({ id: 1, status: 'numberRequested' })]);
    const admin = new Redis(server.url);
    const names = await admin.keys(`*${accountId}*`);
    expect(names.length).toBeGreaterThanOrEqual(11);
    for (const name of names) {
      expect(name.startsWith(`{tn:${accountId}}:`)).toBe(true);
      expect(await admin.pttl(name)).toBeGreaterThan(0);
    }
    await admin.quit();
    await store.close();
  });
});
