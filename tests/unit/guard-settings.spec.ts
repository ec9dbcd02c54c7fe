import { expect, test } from '@playwright/test';
import { DEFAULT_GUARD_SETTINGS, resolveGuardSettings } from '../../src/config/guard-settings.ts';

const read = (env: Record<string, string>) => resolveGuardSettings({ env, dotenvDir: false });

test('with no variables set the guards run with their defaults', () => {
  expect(read({})).toEqual(DEFAULT_GUARD_SETTINGS);
  expect(DEFAULT_GUARD_SETTINGS).toMatchObject({ breakerThreshold: 3, breakerCooldownApiMs: 600_000 });
});

test('every guard is tuned or switched off by its variable', () => {
  expect(
    read({
      TEMPNUMBER_DELIVERY_GUARD: 'off',
      TEMPNUMBER_DELIVERY_HOLD_MS: '0',
      TEMPNUMBER_BREAKER_THRESHOLD: '5',
      TEMPNUMBER_BREAKER_COOLDOWN_MS: '60_000',
      TEMPNUMBER_BALANCE_GUARD: 'OFF',
      TEMPNUMBER_BALANCE_CACHE_MS: '10000',
    }),
  ).toEqual({
    deliveryRate: false,
    deliveryHoldMs: 0,
    breakerThreshold: 5,
    breakerCooldownApiMs: 60_000,
    balance: false,
    balanceCacheApiMs: 10_000,
  });
});

for (const [name, value, expected] of [
  [
    'TEMPNUMBER_BREAKER_THRESHOLD',
    '-1',
    'TEMPNUMBER_BREAKER_THRESHOLD must be a non-negative integer, got "-1"',
  ],
  ['TEMPNUMBER_DELIVERY_GUARD', 'maybe', 'TEMPNUMBER_DELIVERY_GUARD must be `on` or `off`, got "maybe"'],
] as const) {
  test(`a malformed ${name} is a configuration error naming it`, () => {
    expect(() => read({ [name]: value })).toThrow(expected);
  });
}
