import { expect, test } from '@playwright/test';
import { createRedisStore, type RedisStore } from '../../src/broker/server/store/redis-store.ts';
import { scaledLimits, V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts';
import { v1Snapshot } from '../helpers/v1-snapshot.ts';

const limits = scaledLimits(V1_LIMIT_POLICY, { timeScale: 200 });
let server: RedisServer;
let a: RedisStore;
let b: RedisStore;

test.beforeAll(async () => {
  server = await startRedisServer();
});
test.afterAll(async () => {
  await server?.stop();
});
test.beforeEach(() => {
  // Two brokers on two "machines", one account per test.
  const accountId = `state-${test.info().testId}-${Date.now()}`;
  a = createRedisStore({ url: server.url, accountId, limits });
  b = createRedisStore({ url: server.url, accountId, limits });
});
test.afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
});

test.describe('Redis store: state shared by brokers of one account', () => {
  test('the pending cap counts activations of every broker and frees on release or expiry', async () => {
    expect(await a.admitPending('act-1', 60_000, 2)).toBe(true);
    expect(await b.admitPending('act-2', 300, 2)).toBe(true);
    expect(await b.admitPending('act-3', 60_000, 2)).toBe(false);
    expect(await b.admitPending('act-1', 60_000, 2)).toBe(true);
    expect(await a.pendingCount()).toBe(2);
    await a.releasePending('act-1');
    expect(await b.pendingCount()).toBe(1);
    await expect.poll(() => a.pendingCount(), { timeout: 3000 }).toBe(0);
  });

  test('delivery records written by one broker are read, newest first, by another', async () => {
    await a.recordActivation('tg/us', '11', 60_000);
    await b.recordActivation('tg/us', '12', 60_000);
    await a.recordActivation('tg/gb', '13', 60_000);
    await b.recordOutcome('tg/us', '11', 'noSms');
    await a.recordOutcome('tg/us', '99', 'sms');
    expect(await b.deliveryRecords('tg/us')).toEqual([
      { activationId: '12', outcome: 'pending' },
      { activationId: '11', outcome: 'noSms' },
    ]);
    expect(await a.deliveryRecords('tg/gb')).toEqual([{ activationId: '13', outcome: 'pending' }]);
  });

  test('delivery records leave the window when it has passed', async () => {
    await a.recordActivation('wa/de', '1', 200);
    await a.recordActivation('wa/de', '2', 60_000);
    await expect
      .poll(() => b.deliveryRecords('wa/de'), { timeout: 3000 })
      .toEqual([{ activationId: '2', outcome: 'pending' }]);
  });

  test('a pair block set by one broker stops the other, keeps its reason and is never shortened', async () => {
    await a.blockPair('tg/us', 60_000, 'lowSuccessRateException');
    await b.blockPair('tg/us', 10, 'shorter');
    const block = await b.pairBlock('tg/us');
    expect(block?.reason).toBe('lowSuccessRateException');
    expect(block?.remainingMs).toBeGreaterThan(59_000);
    expect(await a.pairBlock('tg/gb')).toBeUndefined();
  });

  test('only one broker leads the polling; leadership passes when the leader stops renewing', async () => {
    expect(await a.tryLead('broker-a', 1000)).toBe(true);
    expect(await b.tryLead('broker-b', 1000)).toBe(false);
    // While A renews, B never gets it.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      expect(await a.tryLead('broker-a', 1000)).toBe(true);
      expect(await b.tryLead('broker-b', 1000)).toBe(false);
    }
    await expect.poll(() => b.tryLead('broker-b', 1000), { timeout: 3000 }).toBe(true);
    expect(await a.tryLead('broker-a', 1000)).toBe(false);
  });

  test('the waiting set and activation snapshots are shared', async () => {
    await a.addWaiting('101', 60_000);
    await b.addWaiting('102', 60_000);
    await b.addWaiting('103', 60_000);
    await a.removeWaiting('103');
    expect((await b.listWaiting()).sort()).toEqual(['101', '102']);
    const received = v1Snapshot({
      id: 101,
      status: 'smsReceived',
      code: '4242',
      message: 'Your code is 4242',
    });
    const requested = v1Snapshot({ id: 102, status: 'numberRequested' });
    await a.putSnapshots([received, requested]);
    await a.putSnapshots([]);
    expect(await b.getSnapshots(['102', '101', '999'])).toEqual([requested, received]);
    expect(await b.getSnapshots([])).toEqual([]);
  });

  test('waiting activations drop out when their time to live has passed', async () => {
    await a.addWaiting('7', 200);
    await a.addWaiting('8', 60_000);
    await expect.poll(() => b.listWaiting(), { timeout: 3000 }).toEqual(['8']);
  });
});
