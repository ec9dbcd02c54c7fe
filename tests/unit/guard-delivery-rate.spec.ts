import { expect, test } from '@playwright/test';
import { historyOutcome } from '../../src/broker/server/guard-runtime.ts';
import {
  countDeliveries,
  type DeliveryCounts,
  deliveryRateGuard,
  deliveryVerdict,
} from '../../src/broker/server/guards.ts';
import { V1_RULES } from '../../src/providers/tempnumber-v1/tables.ts';
import { guardWorld } from '../helpers/guard-attempt.ts';
import { v1Snapshot } from '../helpers/v1-snapshot.ts';

const VERDICTS: Array<[DeliveryCounts, ReturnType<typeof deliveryVerdict>, string]> = [
  [{ total: 0, sms: 0, pending: 0 }, 'pass', 'the first lease of a pair'],
  [{ total: 3, sms: 0, pending: 3 }, 'pass', 'the 4th lease: the rule counts from the 5th'],
  [{ total: 4, sms: 0, pending: 4 }, 'hold', 'the 5th while 4 wait: safe only if one of them gets its SMS'],
  [{ total: 4, sms: 0, pending: 0 }, 'refuse', 'the 5th after 4 without an SMS'],
  [{ total: 4, sms: 1, pending: 3 }, 'pass', 'the 5th after one SMS (1 of 5 = 20 %)'],
  [{ total: 13, sms: 1, pending: 0 }, 'pass', 'the 14th with one SMS (1 of 14 = 7.1 %)'],
  [{ total: 14, sms: 1, pending: 0 }, 'refuse', 'the 15th with one SMS (1 of 15 = 6.7 %)'],
  [{ total: 13, sms: 0, pending: 1 }, 'hold', 'the 14th when the one pending could still make it 7.1 %'],
  [{ total: 14, sms: 0, pending: 1 }, 'refuse', 'the 15th: even an SMS for the pending one would not do'],
];

for (const [counts, verdict, title] of VERDICTS) {
  test(`delivery verdict: ${title} → ${verdict}`, () => {
    expect(deliveryVerdict(counts, V1_RULES.delivery)).toBe(verdict);
  });
}

test('the delivery verdict follows the rule it is given, not a fixed 7 % from the 5th', () => {
  const strict = { minSmsShare: 0.5, countedFrom: 2, windowMs: 3_600_000 };
  expect(deliveryVerdict({ total: 0, sms: 0, pending: 0 }, strict)).toBe('pass');
  expect(deliveryVerdict({ total: 1, sms: 1, pending: 0 }, strict)).toBe('pass');
  expect(deliveryVerdict({ total: 1, sms: 0, pending: 1 }, strict)).toBe('hold');
  expect(deliveryVerdict({ total: 1, sms: 0, pending: 0 }, strict)).toBe('refuse');
  // 1 of 5 = 20 % passes v1's 7 % but not a 50 % rule.
  expect(deliveryVerdict({ total: 4, sms: 1, pending: 0 }, V1_RULES.delivery)).toBe('pass');
  expect(deliveryVerdict({ total: 4, sms: 1, pending: 0 }, strict)).toBe('refuse');
});

test('leases in flight count as pending activations', () => {
  expect(
    countDeliveries(
      [
        { activationId: '1', outcome: 'sms' },
        { activationId: '2', outcome: 'noSms' },
        { activationId: '3', outcome: 'pending' },
      ],
      2,
    ),
  ).toEqual({ total: 5, sms: 1, pending: 3 });
});

async function record(world: ReturnType<typeof guardWorld>, outcomes: Array<'sms' | 'noSms' | 'pending'>) {
  for (const [i, outcome] of outcomes.entries()) {
    await world.store.recordActivation('facebook/us', String(i + 1), 86_400_000);
    if (outcome !== 'pending') await world.store.recordOutcome('facebook/us', String(i + 1), outcome);
  }
}

test('the lease that could break the 7 % rule is refused with the numbers, the consequence and the knobs', async () => {
  const world = guardWorld({ deliveryHoldMs: 0 });
  await record(world, ['noSms', 'noSms', 'pending', 'noSms']);
  const refusal = await deliveryRateGuard(world.attempt());
  expect(refusal).toMatchObject({
    name: 'GuardError',
    guard: 'deliveryRate',
    service: 'facebook',
    country: 'us',
  });
  expect(refusal?.message).toContain(
    '0 of the last 4 activations of facebook/us got an SMS (1 still waiting',
  );
  expect(refusal?.message).toContain('refuse facebook/us for this account for 24 h');
  expect(refusal?.message).toContain('TEMPNUMBER_DELIVERY_HOLD_MS');
  expect(refusal?.message).toContain('TEMPNUMBER_DELIVERY_GUARD=off');
});

test('a burst lease waits for the pending ones and goes ahead as soon as one gets its SMS', async () => {
  const world = guardWorld({ deliveryHoldMs: 60_000 });
  await record(world, ['pending', 'pending', 'pending', 'pending']);
  const fifth = deliveryRateGuard(world.attempt({ attemptId: 'fifth' }));
  await expect.poll(() => world.log.join('\n')).toContain('held: 4 activation(s)');
  await world.store.recordOutcome('facebook/us', '2', 'sms');
  world.activity.notify('facebook/us');
  expect(await fifth).toBeUndefined();
  // It now counts as in flight for the next decision.
  expect(world.activity.inFlight('facebook/us')).toBe(1);
});

test('a held lease is refused once the pending ones end without an SMS', async () => {
  const world = guardWorld({ deliveryHoldMs: 60_000 });
  await record(world, ['pending', 'noSms', 'noSms', 'noSms']);
  const fifth = deliveryRateGuard(world.attempt());
  await expect.poll(() => world.log.length).toBe(1);
  await world.store.recordOutcome('facebook/us', '1', 'noSms');
  world.activity.notify('facebook/us');
  expect((await fifth)?.message).toContain('0 of the last 4 activations of facebook/us got an SMS.');
});

test('a lease no SMS could make safe is refused at once, without waiting', async () => {
  const world = guardWorld({ deliveryHoldMs: 600_000 });
  await record(world, [...Array<'noSms'>(14).fill('noSms'), 'pending']);
  const started = Date.now();
  expect(await deliveryRateGuard(world.attempt())).toMatchObject({ guard: 'deliveryRate' });
  expect(Date.now() - started).toBeLessThan(5_000);
});

test('two leases of one broker cannot both take the last safe place', async () => {
  const world = guardWorld({ deliveryHoldMs: 0 });
  await record(world, ['noSms', 'noSms', 'noSms']);
  const [a, b] = await Promise.all([deliveryRateGuard(world.attempt()), deliveryRateGuard(world.attempt())]);
  expect([a, b].filter((r) => r === undefined)).toHaveLength(1);
});

test('TEMPNUMBER_DELIVERY_GUARD=off lets every lease through', async () => {
  const world = guardWorld({ deliveryRate: false });
  await record(world, Array<'noSms'>(10).fill('noSms'));
  expect(await deliveryRateGuard(world.attempt())).toBeUndefined();
});

const HISTORY: Array<[string, { status: string; message?: string }, 'sms' | 'noSms' | 'pending']> = [
  ['still waiting', { status: 'smsRequested' }, 'pending'],
  ['an SMS received', { status: 'smsReceived', message: 'code 1234' }, 'sms'],
  ['a retry requested (only possible after an SMS)', { status: 'retryRequested' }, 'sms'],
  ['billed and over', { status: 'serviceConsumed' }, 'sms'],
  ['refunded at expiry', { status: 'refunded' }, 'noSms'],
  ['an error', { status: 'error' }, 'noSms'],
  ['an unknown status', { status: 'somethingNew' }, 'pending'],
];
for (const [title, activation, outcome] of HISTORY) {
  test(`the start-up history read counts an activation ${title} as ${outcome}`, () => {
    expect(historyOutcome(v1Snapshot(activation))).toBe(outcome);
  });
}
