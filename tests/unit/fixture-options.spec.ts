import { expect, test } from '@playwright/test';
import { PHONE_OPTION_DEFAULTS } from '../../fixtures/options.ts';
import { LEASE_OPTION_NAMES, toLeaseRequest } from '../../src/contract/activation.ts';
import { validateCodePattern, validateTimeoutMs } from '../../src/contract/phone.ts';

test.describe('option validation', () => {
  test('the defaults make a valid lease request', () => {
    expect(
      toLeaseRequest({
        service: PHONE_OPTION_DEFAULTS.phoneService,
        country: PHONE_OPTION_DEFAULTS.phoneCountry,
        maxPrice: PHONE_OPTION_DEFAULTS.phoneMaxPrice,
      }),
    ).toEqual({ service: 'other', countries: ['us'], maxPrice: undefined });
  });

  test('ids are trimmed and lower-cased, and a country list keeps its order without duplicates', () => {
    expect(toLeaseRequest({ service: ' Facebook ', country: ['GB', 'us', 'gb'], maxPrice: 0.8 })).toEqual({
      service: 'facebook',
      countries: ['gb', 'us'],
      maxPrice: 0.8,
    });
  });

  const invalid: Array<[string, { service: unknown; country: unknown; maxPrice: unknown }, RegExp]> = [
    ['an empty service', { service: '', country: 'us', maxPrice: undefined }, /`phoneService`.*got ""/],
    ['a numeric service', { service: 42, country: 'us', maxPrice: undefined }, /`phoneService`.*got 42/],
    [
      'an empty country list',
      { service: 'other', country: [], maxPrice: undefined },
      /`phoneCountry`.*got \[\]/,
    ],
    ['a blank country', { service: 'other', country: ['us', ' '], maxPrice: undefined }, /`phoneCountry`/],
    ['a negative max price', { service: 'other', country: 'us', maxPrice: -1 }, /`phoneMaxPrice`.*got -1/],
    [
      'a NaN max price',
      { service: 'other', country: 'us', maxPrice: Number.NaN },
      /`phoneMaxPrice`.*got NaN/,
    ],
    ['a string max price', { service: 'other', country: 'us', maxPrice: '1' }, /`phoneMaxPrice`.*got "1"/],
  ];
  for (const [what, input, message] of invalid) {
    test(`${what} is a ConfigurationError naming the option`, () => {
      expect(() => toLeaseRequest(input)).toThrow(message);
      try {
        toLeaseRequest(input);
      } catch (error) {
        expect((error as Error).name).toBe('ConfigurationError');
      }
    });
  }

  test('a quality factor is an integer from 0 to 100, named as the option that gave it', () => {
    expect(toLeaseRequest({ service: 'other', country: 'us', quality: 80 })).toMatchObject({ quality: 80 });
    expect(toLeaseRequest({ service: 'other', country: 'us', quality: 0 })).toMatchObject({ quality: 0 });
    expect(toLeaseRequest({ service: 'other', country: 'us' })).not.toHaveProperty('quality');
    for (const quality of [101, -1, 50.5, '80', Number.NaN]) {
      expect(() => toLeaseRequest({ service: 'other', country: 'us', quality })).toThrow(/`phoneQuality`/);
    }
    expect(() =>
      toLeaseRequest({ service: 'other', country: 'us', quality: 101 }, LEASE_OPTION_NAMES),
    ).toThrow(/`quality` to be an integer from 0/);
  });

  test('phones.lease() messages name its own fields', () => {
    expect(() =>
      toLeaseRequest({ service: 'other', country: 'us', maxPrice: 0 }, LEASE_OPTION_NAMES),
    ).toThrow(/Expected `maxPrice`/);
  });

  test('a timeout must be a non-negative number of ms; 0 is allowed (until expiry)', () => {
    expect(validateTimeoutMs(0, 'phoneCodeTimeout')).toBe(0);
    expect(validateTimeoutMs(1500, 'phoneCodeTimeout')).toBe(1500);
    expect(() => validateTimeoutMs(-5, 'phoneCodeTimeout')).toThrow(/`phoneCodeTimeout`.*got -5/);
    expect(() => validateTimeoutMs(Number.POSITIVE_INFINITY, 'timeout')).toThrow(/`timeout`.*got Infinity/);
    expect(() => validateTimeoutMs('60s', 'timeout')).toThrow(/got "60s"/);
  });

  test('a code pattern may be undefined, a RegExp or a valid string; an invalid one names the option', () => {
    expect(validateCodePattern(undefined, 'phoneCodePattern')).toBeUndefined();
    expect(validateCodePattern(/code (\d+)/, 'phoneCodePattern')).toEqual(/code (\d+)/);
    expect(validateCodePattern('code (\\d+)', 'phoneCodePattern')).toBe('code (\\d+)');
    expect(() => validateCodePattern('code (\\d+', 'phoneCodePattern')).toThrow(
      /Invalid `phoneCodePattern`: The code pattern "code \(\\\\d\+" is not a valid regular expression/,
    );
    expect(() => validateCodePattern(7, 'phoneCodePattern')).toThrow(/Expected `phoneCodePattern`.*got 7/);
  });
});
