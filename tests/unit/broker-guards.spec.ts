import { expect, test } from '@playwright/test';
import type { LeaseAttempt } from '../../src/broker/server/guards.ts';
import { checkLease } from '../../src/broker/server/guards.ts';
import { guardWorld } from '../helpers/guard-attempt.ts';

const setup = () => {
  const world = guardWorld();
  const attempt = (key: string, pendingCap = 2): LeaseAttempt =>
    world.attempt({ pendingCap, pendingKey: key, attemptId: key });
  return { clock: world.clock, store: world.store, attempt };
};

test('a lease passes when the pair is not blocked and a pending slot is free, and takes the slot', async () => {
  const { store, attempt } = setup();
  expect(await checkLease(attempt('a'))).toBeUndefined();
  expect(await store.pendingCount()).toBe(1);
});

test('the pending cap refuses the lease beyond the cap, naming the cap', async () => {
  const { attempt } = setup();
  await checkLease(attempt('a'));
  await checkLease(attempt('b'));
  const refusal = await checkLease(attempt('c'));
  expect(refusal).toMatchObject({
    name: 'GuardError',
    guard: 'pendingCap',
    service: 'facebook',
    country: 'us',
  });
  expect(refusal?.message).toContain('2 activations');
});

test('a blocked pair is refused before any pending slot is taken, with the block reason', async () => {
  const { store, attempt, clock } = setup();
  await store.blockPair('facebook/us', 60_000, 'lowSuccessRateException from the API');
  const refusal = await checkLease(attempt('a'));
  expect(refusal).toMatchObject({ name: 'GuardError', guard: 'lowSuccessRate' });
  expect(refusal?.message).toContain('lowSuccessRateException from the API');
  expect(await store.pendingCount()).toBe(0);
  clock.advance(60_001);
  expect(await checkLease(attempt('a'))).toBeUndefined();
});
