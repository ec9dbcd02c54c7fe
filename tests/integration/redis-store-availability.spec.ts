import { expect, test } from '@playwright/test';
import { createRedisStore } from '../../src/broker/server/store/redis-store.ts';
import { isTempNumberError, StoreUnavailableError } from '../../src/contract/errors.ts';
import { scaledLimits, V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts';
import { v1Snapshot } from '../helpers/v1-snapshot.ts';

// Windows of 3 s (PUT: 60 s at scale 20): long enough that a stop + restart happens inside one.
const limits = scaledLimits(V1_LIMIT_POLICY, { timeScale: 20 });
const bucket = 'PUT /activations/:id' as const;
const spanMs = limits[bucket].windowMs + limits[bucket].marginMs;
const put = (member: string, maxWaitMs = 0) => ({ bucket, priority: 'critical' as const, maxWaitMs, member });

let server: RedisServer;
test.beforeEach(async () => {
  server = await startRedisServer();
});
test.afterEach(async () => {
  await server?.stop();
});

/** Every method of the store, called once. */
function everyMethod(store: ReturnType<typeof createRedisStore>) {
  return {
    reserve: () => store.reserve(put('x', 60_000)),
    confirm: () => store.confirm(bucket, 'x', 30_000),
    settle: () => store.settle(bucket, 'x'),
    unreserve: () => store.unreserve(bucket, 'x'),
    block: () => store.block(bucket, 1000),
    usage: () => store.usage(),
    admitPending: () => store.admitPending('k', 1000, 5),
    releasePending: () => store.releasePending('k'),
    pendingCount: () => store.pendingCount(),
    recordActivation: () => store.recordActivation('tg/us', '1', 1000),
    recordOutcome: () => store.recordOutcome('tg/us', '1', 'sms'),
    deliveryRecords: () => store.deliveryRecords('tg/us'),
    blockPair: () => store.blockPair('tg/us', 1000, 'r'),
    pairBlock: () => store.pairBlock('tg/us'),
    tryLead: () => store.tryLead('me', 1000),
    addWaiting: () => store.addWaiting('1', 1000),
    removeWaiting: () => store.removeWaiting('1'),
    listWaiting: () => store.listWaiting(),
    putSnapshots: () => store.putSnapshots([v1Snapshot({ id: 1, status: 'numberRequested' })]),
    getSnapshots: () => store.getSnapshots(['1']),
  };
}

test.describe('Redis store: fails closed', () => {
  test('with Redis down every method rejects quickly with StoreUnavailableError and nothing is granted', async () => {
    const store = createRedisStore({ url: server.url, accountId: `down-${Date.now()}`, limits });
    expect((await store.reserve(put('before'))).granted).toBe(true);
    await server.stop();
    // All at once: each must give up within the bound on its own.
    const started = performance.now();
    const outcomes = await Promise.all(
      Object.entries(everyMethod(store)).map(async ([name, call]) => {
        const error = await call().then(
          (value) => ({ resolved: value }),
          (e: unknown) => e,
        );
        return { name, error, ms: performance.now() - started };
      }),
    );
    expect(outcomes).toHaveLength(20);
    for (const { name, error, ms } of outcomes) {
      expect(error, name).toBeInstanceOf(StoreUnavailableError);
      expect(isTempNumberError(error, 'StoreUnavailableError'), name).toBe(true);
      expect(ms, name).toBeLessThan(2500);
    }
    await store.close();
  });

  test('the error names TEMPNUMBER_REDIS_URL’s host and port but never its password', async () => {
    await server.stop();
    const store = createRedisStore({
      url: `redis://user:s3cret-pw@127.0.0.1:${server.port}/0`,
      accountId: 'pw',
      limits,
    });
    const error = await store.reserve(put('a')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    const { message, name } = error as StoreUnavailableError;
    expect(name).toBe('StoreUnavailableError');
    expect(message).toContain(`127.0.0.1:${server.port}`);
    expect(message).toContain('TEMPNUMBER_REDIS_URL');
    expect(message).toMatch(/no request is sent .* until it is back/);
    expect(message).not.toContain('s3cret');
    expect(JSON.stringify(error)).not.toContain('s3cret');
    await store.close();
  });

  test('after Redis restarts empty the store works again, and waits out the window it lost', async () => {
    const accountId = `restart-${Date.now()}`;
    const store = createRedisStore({ url: server.url, accountId, limits });
    for (let i = 0; i < limits[bucket].limit; i++)
      expect((await store.reserve(put(`m${i}`))).granted).toBe(true);
    await server.restart();
    // The server still counts the lost grants: the first slot after the restart is a window away.
    const d = await store.reserve(put('after', 60_000));
    expect(d.granted).toBe(true);
    expect(d.granted && d.waitMs).toBeGreaterThan(spanMs - 1000);
    // Other brokers of the account learn it from Redis, even one that had no grants of its own.
    const other = createRedisStore({ url: server.url, accountId, limits });
    const o = await other.reserve(put('other', 60_000));
    expect(o.granted && o.waitMs).toBeGreaterThan(spanMs - 1500);
    expect((await other.usage())['GET /user/balance']?.blockedForMs).toBeGreaterThan(0);
    await other.close();
    expect(await store.admitPending('k', 1000, 1)).toBe(true);
    await store.close();
  });

  test('a store that has been idle longer than every window starts fresh after a restart', async () => {
    const quick = scaledLimits(V1_LIMIT_POLICY, { timeScale: 1000 });
    const store = createRedisStore({ url: server.url, accountId: `idle-${Date.now()}`, limits: quick });
    expect((await store.reserve(put('a'))).granted).toBe(true);
    const idleMs = 2 * Math.max(...Object.values(quick).map((l) => l.windowMs + l.marginMs));
    await new Promise((r) => setTimeout(r, idleMs));
    await server.restart();
    expect(await store.reserve(put('b'))).toMatchObject({ granted: true, waitMs: 0 });
    await store.close();
  });
});
