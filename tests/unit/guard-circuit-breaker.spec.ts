import { expect, test } from '@playwright/test';
import { circuitBreakerGuard, noSmsStreak } from '../../src/broker/server/guards.ts';
import { guardWorld } from '../helpers/guard-attempt.ts';

type Outcome = 'sms' | 'noSms' | 'pending';

/** Record activations oldest first (ids 1, 2, …), each with its number for the messages. */
async function record(world: ReturnType<typeof guardWorld>, outcomes: Outcome[], firstId = 1) {
  for (const [i, outcome] of outcomes.entries()) {
    const id = String(firstId + i);
    world.numbers.set(id, `+1555000000${id}`);
    await world.store.recordActivation('facebook/us', id, 86_400_000);
    if (outcome !== 'pending') await world.store.recordOutcome('facebook/us', id, outcome);
    world.clock.advance(1);
  }
}

test('the streak counts releases without an SMS back to the last SMS, skipping pending ones', () => {
  expect(
    noSmsStreak([
      { activationId: '5', outcome: 'noSms' },
      { activationId: '4', outcome: 'pending' },
      { activationId: '3', outcome: 'noSms' },
      { activationId: '2', outcome: 'sms' },
      { activationId: '1', outcome: 'noSms' },
    ]).map((r) => r.activationId),
  ).toEqual(['5', '3']);
});

test('after 3 numbers without an SMS the breaker fails fast, naming the numbers and the cool-down', async () => {
  const world = guardWorld();
  await record(world, ['sms', 'noSms', 'noSms', 'noSms']);
  const refusal = await circuitBreakerGuard(world.attempt());
  expect(refusal).toMatchObject({
    name: 'GuardError',
    guard: 'circuitBreaker',
    service: 'facebook',
    country: 'us',
  });
  expect(refusal?.message).toContain(
    'The app under test sent no SMS to the last 3 numbers for facebook/us (+15550000004, +15550000003, +15550000002)',
  );
  expect(refusal?.message).toContain('check that the app submits the number and that its SMS gateway works');
  expect(refusal?.message).toContain('for 10 min');
  expect(refusal?.message).toContain('TEMPNUMBER_BREAKER_THRESHOLD');
});

test('two numbers without an SMS, or an SMS after them, keep the breaker closed', async () => {
  const world = guardWorld();
  await record(world, ['noSms', 'noSms']);
  expect(await circuitBreakerGuard(world.attempt())).toBeUndefined();
  await record(world, ['noSms', 'sms'], 3);
  expect(await circuitBreakerGuard(world.attempt())).toBeUndefined();
});

test('after the cool-down one trial lease goes through; its failure opens the breaker again', async () => {
  const world = guardWorld({ breakerCooldownApiMs: 60_000 }, 10);
  await record(world, ['noSms', 'noSms', 'noSms']);
  const first = await circuitBreakerGuard(world.attempt());
  expect(first?.message).toContain('60 s of API time (6 s real at time scale 10)');
  world.clock.advance(6_001);
  const trial = world.attempt({ attemptId: 'trial' });
  expect(await circuitBreakerGuard(trial)).toBeUndefined();
  expect((await circuitBreakerGuard(world.attempt()))?.message).toContain('until the trial lease');
  await record(world, ['noSms'], 4);
  world.activity.end('facebook/us', 'trial');
  const reopened = await circuitBreakerGuard(world.attempt());
  expect(reopened?.message).toContain('the last 4 numbers');
  expect(reopened?.message).toContain('60 s of API time');
});

test('an SMS for the trial closes the breaker', async () => {
  const world = guardWorld({ breakerCooldownApiMs: 1_000 });
  await record(world, ['noSms', 'noSms', 'noSms']);
  await circuitBreakerGuard(world.attempt());
  world.clock.advance(1_001);
  expect(await circuitBreakerGuard(world.attempt({ attemptId: 'trial' }))).toBeUndefined();
  world.activity.end('facebook/us', 'trial');
  await record(world, ['sms'], 4);
  expect(await circuitBreakerGuard(world.attempt())).toBeUndefined();
  expect(await circuitBreakerGuard(world.attempt())).toBeUndefined();
});

test('TEMPNUMBER_BREAKER_THRESHOLD=0 disables the breaker; another threshold moves it', async () => {
  const off = guardWorld({ breakerThreshold: 0 });
  await record(off, ['noSms', 'noSms', 'noSms', 'noSms', 'noSms']);
  expect(await circuitBreakerGuard(off.attempt())).toBeUndefined();
  const five = guardWorld({ breakerThreshold: 5 });
  await record(five, ['noSms', 'noSms', 'noSms', 'noSms']);
  expect(await circuitBreakerGuard(five.attempt())).toBeUndefined();
  await record(five, ['noSms'], 5);
  expect(await circuitBreakerGuard(five.attempt())).toMatchObject({ guard: 'circuitBreaker' });
});
