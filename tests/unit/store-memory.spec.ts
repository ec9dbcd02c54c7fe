import { expect, test } from '@playwright/test';
import { createMemoryStore } from '../../src/broker/server/store/memory-store.ts';
import { createManualClock } from '../../src/limits/clock.ts';
import { RATE_LIMITS, scaledLimits, V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import { v1Snapshot } from '../helpers/v1-snapshot.ts';

function setup() {
  const clock = createManualClock(0);
  const store = createMemoryStore({
    clock,
    limits: scaledLimits(V1_LIMIT_POLICY, { overrides: { 'PUT /activations/:id': { limit: 3 } } }),
  });
  return { clock, store };
}

test.describe('memory store', () => {
  test('reserves from one log per bucket and reports usage of every bucket', async () => {
    const { store } = setup();
    const req = (member: string) => ({
      bucket: 'PUT /activations/:id' as const,
      priority: 'critical' as const,
      maxWaitMs: 0,
      member,
    });
    expect(await store.reserve(req('a'))).toEqual({ granted: true, waitMs: 0, slotMs: 0 });
    await store.reserve(req('b'));
    await store.reserve(req('c'));
    expect(await store.reserve(req('d'))).toEqual({ granted: false, retryInMs: 62_000 });
    await store.unreserve('PUT /activations/:id', 'b');
    expect((await store.reserve(req('d'))).granted).toBe(true);
    await store.block('GET /user/balance', 5000);
    const usage = await store.usage();
    expect(Object.keys(usage).sort()).toEqual(Object.keys(RATE_LIMITS).sort());
    expect(usage['PUT /activations/:id']).toEqual({ used: 3, limit: 3, blockedForMs: 0 });
    expect(usage['GET /user/balance']).toEqual({ used: 0, limit: 10, blockedForMs: 5000 });
  });

  test('the pending cap admits up to the cap, renews a key it holds, and frees slots on release or expiry', async () => {
    const { store, clock } = setup();
    expect(await store.admitPending('a', 1000, 2)).toBe(true);
    expect(await store.admitPending('b', 5000, 2)).toBe(true);
    expect(await store.admitPending('c', 1000, 2)).toBe(false);
    expect(await store.admitPending('a', 1000, 2)).toBe(true);
    expect(await store.pendingCount()).toBe(2);
    await store.releasePending('b');
    expect(await store.admitPending('c', 1000, 2)).toBe(true);
    clock.advance(1000);
    expect(await store.pendingCount()).toBe(0);
  });

  test('delivery records list the pair’s activations newest first with outcomes, until they expire', async () => {
    const { store, clock } = setup();
    await store.recordActivation('tg/us', '1', 10_000);
    clock.advance(10);
    await store.recordActivation('tg/us', '2', 10_000);
    await store.recordActivation('tg/gb', '3', 10_000);
    await store.recordOutcome('tg/us', '1', 'sms');
    await store.recordOutcome('tg/us', '99', 'noSms');
    expect(await store.deliveryRecords('tg/us')).toEqual([
      { activationId: '2', outcome: 'pending' },
      { activationId: '1', outcome: 'sms' },
    ]);
    clock.advance(9990);
    expect(await store.deliveryRecords('tg/us')).toEqual([{ activationId: '2', outcome: 'pending' }]);
    expect(await store.deliveryRecords('wa/de')).toEqual([]);
  });

  test('a pair block reports its remaining time and reason, is extended but never shortened, and lapses', async () => {
    const { store, clock } = setup();
    await store.blockPair('tg/us', 1000, 'lowSuccessRate');
    await store.blockPair('tg/us', 10, 'other');
    clock.advance(400);
    expect(await store.pairBlock('tg/us')).toEqual({ remainingMs: 600, reason: 'lowSuccessRate' });
    expect(await store.pairBlock('tg/gb')).toBeUndefined();
    clock.advance(600);
    expect(await store.pairBlock('tg/us')).toBeUndefined();
  });

  test('the single machine is always the poll leader; waiting activations and snapshots expire', async () => {
    const { store, clock } = setup();
    expect(await store.tryLead('a', 1000)).toBe(true);
    expect(await store.tryLead('b', 1000)).toBe(true);
    await store.addWaiting('1', 1000);
    await store.addWaiting('2', 5000);
    await store.addWaiting('3', 5000);
    await store.removeWaiting('3');
    expect((await store.listWaiting()).sort()).toEqual(['1', '2']);
    clock.advance(1000);
    expect(await store.listWaiting()).toEqual(['2']);
    const snapshot = v1Snapshot({ id: 7, status: 'smsReceived', message: 'code 1234', code: '1234' });
    await store.putSnapshots([snapshot]);
    expect(await store.getSnapshots(['7', '8'])).toEqual([snapshot]);
    clock.advance(30 * 60_000);
    expect(await store.getSnapshots(['7'])).toEqual([]);
  });
});
