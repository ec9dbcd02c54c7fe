import { expect, test } from '@playwright/test';
import { assessBalance } from '../../src/preflight/checks.ts';

const ESTIMATE = { tests: 10, pricePerTest: 0.45, source: 'test' };

const CASES: Array<{ balance: number; level: 'ok' | 'warn' | 'fail'; says: string }> = [
  { balance: 100, level: 'ok', says: '$100.00 covers the estimate of 10 numbers × $0.45 = $4.50 (test)' },
  { balance: 4.5, level: 'ok', says: 'covers' },
  { balance: 4.49, level: 'warn', says: 'top up at least $0.01' },
  { balance: 1, level: 'warn', says: 'top up at least $3.50' },
  { balance: 0, level: 'fail', says: '402 paymentRequired' },
  { balance: -2, level: 'fail', says: 'the balance is -$2.00' },
];

for (const { balance, level, says } of CASES) {
  test(`a balance of $${balance} against $4.50 is ${level}`, () => {
    const outcome = assessBalance(balance, 0, ESTIMATE);
    expect(outcome.level).toBe(level);
    expect(outcome.line).toContain(says);
  });
}

test('money in review is named but not counted as spendable', () => {
  const outcome = assessBalance(2, 10, ESTIMATE);
  expect(outcome.level).toBe('warn');
  expect(outcome.line).toContain('($10.00 more in review, not spendable yet)');
});

test('the top-up advice rounds up to the cent, never down', () => {
  expect(assessBalance(0.99, 0, { tests: 3, pricePerTest: 0.333, source: 'x' }).line).toContain(
    'top up at least $0.01',
  );
  expect(assessBalance(0.5, 0, { tests: 3, pricePerTest: 0.335, source: 'x' }).line).toContain(
    'top up at least $0.51',
  );
});
