import { expect, test } from '@playwright/test';
import { balanceGuard } from '../../src/broker/server/guards.ts';
import { guardWorld } from '../helpers/guard-attempt.ts';

test('a balance below the price of the pair refuses the lease, naming both', async () => {
  const world = guardWorld();
  world.balance.usd = 0.2;
  world.balance.price = 0.45;
  const refusal = await balanceGuard(world.attempt());
  expect(refusal).toMatchObject({ name: 'GuardError', guard: 'balance', service: 'facebook', country: 'us' });
  expect(refusal?.message).toContain(
    'The TempNumber balance is $0.20, less than the $0.45 a facebook/us number costs',
  );
  expect(refusal?.message).toContain('TEMPNUMBER_BALANCE_GUARD=off');
});

const PASSING: Array<[string, number | undefined, number | undefined]> = [
  ['the balance covers the price', 0.45, 0.45],
  ['the balance is unknown (the API decides)', undefined, 0.45],
  ['the price is unknown and the balance is not empty', 0.1, undefined],
];
for (const [title, usd, price] of PASSING) {
  test(`a lease goes ahead when ${title}`, async () => {
    const world = guardWorld();
    world.balance.usd = usd;
    world.balance.price = price;
    expect(await balanceGuard(world.attempt())).toBeUndefined();
  });
}

test('an empty account is refused even when the price is unknown; off turns the check off', async () => {
  const world = guardWorld();
  world.balance.usd = 0;
  expect((await balanceGuard(world.attempt()))?.message).toContain('less than any number');
  const off = guardWorld({ balance: false });
  off.balance.usd = 0;
  expect(await balanceGuard(off.attempt())).toBeUndefined();
});
