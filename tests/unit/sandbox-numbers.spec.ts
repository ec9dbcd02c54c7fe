import { expect, test } from '@playwright/test';
import { COUNTRIES, type CountryId, drawPhoneNumber } from '../../src/sandbox/catalog/countries.ts';
import { createRandom } from '../../src/sandbox/core/world.ts';

const NATIONAL: Record<CountryId, RegExp> = {
  us: /^[2-9]\d{2}[2-9]\d{6}$/,
  gb: /^7\d{9}$/,
  de: /^1[5-7]\d{9}$/,
  nl: /^6\d{8}$/,
  fr: /^[67]\d{8}$/,
  ru: /^9\d{9}$/,
  eg: /^1[0125]\d{8}$/,
  be: /^4\d{8}$/,
  in: /^[6-9]\d{9}$/,
  br: /^[1-9]{2}9\d{8}$/,
};

for (const country of Object.keys(COUNTRIES) as CountryId[]) {
  test(`every ${country} number has the country code, a mobile prefix and the national length`, () => {
    const random = createRandom(42);
    const plan = COUNTRIES[country];
    for (let i = 0; i < 500; i++) {
      const phone = drawPhoneNumber(random, country, () => false);
      expect(phone.countryCode).toBe(plan.callingCode);
      expect(String(phone.nationalNumber)).toMatch(NATIONAL[country]);
      expect(String(phone.number)).toBe(`${plan.callingCode}${phone.nationalNumber}`);
      expect(phone.formatNumber).toBe(
        `+${plan.callingCode} ${phone.formatNumber.slice(`+${plan.callingCode} `.length)}`,
      );
      expect(phone.formatNumber.replace(/\D/g, '')).toBe(String(phone.number));
    }
  });
}

test('a number that is taken is never drawn', () => {
  const taken = new Set<number>();
  const random = createRandom(1);
  for (let i = 0; i < 200; i++) {
    const { number } = drawPhoneNumber(random, 'nl', (n) => taken.has(n));
    expect(taken.has(number)).toBe(false);
    taken.add(number);
  }
  expect(taken.size).toBe(200);
});

test('the same seed draws the same numbers', () => {
  const draw = (seed: number) => {
    const random = createRandom(seed);
    return Array.from({ length: 5 }, () => drawPhoneNumber(random, 'us', () => false).number);
  };
  expect(draw(9)).toEqual(draw(9));
  expect(draw(9)).not.toEqual(draw(10));
});
