/**
 * Countries the sandbox offers, each with a numbering plan realistic enough that a sign-up form's
 * phone validation accepts the numbers (right calling code, mobile prefixes, national length),
 * and the drawing of numbers from those plans.
 */

/** One country's display name and numbering plan. */
export interface CountryPlan {
  /** Display name (`countryName`). */
  name: string;
  /** Country calling code (`countryCode`), e.g. 44. */
  callingCode: number;
  /** Mobile prefixes of the national number (without a trunk `0`). */
  prefixes: readonly string[];
  /** Digits allowed right after the prefix; any digit when absent. */
  nextDigits?: string;
  /** Length of the national number, prefix included. */
  nationalLength: number;
  /** Digit groups of `formatNumber` after `+<code>`, summing to `nationalLength`. */
  groups: readonly number[];
}

/** The country table, by ISO-3166-1 alpha-2 id (lower-case, as the API uses them). */
export const COUNTRIES = {
  us: {
    name: 'United States',
    callingCode: 1,
    // Real area codes; the exchange after them never starts with 0 or 1 (NANP).
    prefixes: [
      '201',
      '212',
      '213',
      '305',
      '312',
      '347',
      '415',
      '512',
      '646',
      '702',
      '718',
      '845',
      '917',
      '929',
    ],
    nextDigits: '23456789',
    nationalLength: 10,
    groups: [3, 3, 4],
  },
  gb: {
    name: 'United Kingdom',
    callingCode: 44,
    prefixes: ['74', '75', '77', '78', '79'],
    nationalLength: 10,
    groups: [4, 6],
  },
  de: {
    name: 'Germany',
    callingCode: 49,
    prefixes: [
      '151',
      '152',
      '157',
      '159',
      '160',
      '162',
      '163',
      '170',
      '171',
      '172',
      '173',
      '175',
      '176',
      '177',
      '178',
      '179',
    ],
    nationalLength: 11,
    groups: [3, 8],
  },
  nl: {
    name: 'Netherlands',
    callingCode: 31,
    prefixes: ['6'],
    nextDigits: '12345',
    nationalLength: 9,
    groups: [1, 8],
  },
  fr: { name: 'France', callingCode: 33, prefixes: ['6', '7'], nationalLength: 9, groups: [1, 2, 2, 2, 2] },
  ru: {
    name: 'Russia',
    callingCode: 7,
    prefixes: ['900', '901', '903', '905', '909', '915', '916', '925', '926', '977', '985', '999'],
    nationalLength: 10,
    groups: [3, 3, 2, 2],
  },
  eg: {
    name: 'Egypt',
    callingCode: 20,
    prefixes: ['10', '11', '12', '15'],
    nationalLength: 10,
    groups: [2, 4, 4],
  },
  be: {
    name: 'Belgium',
    callingCode: 32,
    prefixes: [
      '456',
      '460',
      '468',
      '470',
      '471',
      '472',
      '473',
      '474',
      '475',
      '476',
      '477',
      '478',
      '479',
      '484',
      '485',
      '486',
      '487',
      '488',
      '489',
      '490',
      '491',
      '492',
      '493',
      '494',
      '495',
      '496',
      '497',
      '498',
      '499',
    ],
    nationalLength: 9,
    groups: [3, 2, 2, 2],
  },
  in: { name: 'India', callingCode: 91, prefixes: ['6', '7', '8', '9'], nationalLength: 10, groups: [5, 5] },
  br: {
    name: 'Brazil',
    callingCode: 55,
    // Area code + the mobile `9`.
    prefixes: ['119', '219', '319', '419', '519', '619', '719', '819', '859', '919'],
    nationalLength: 11,
    groups: [2, 5, 4],
  },
} as const satisfies Record<string, CountryPlan>;

/** A country id the sandbox knows. */
export type CountryId = keyof typeof COUNTRIES;

/** True when `id` is a country of {@link COUNTRIES}. */
export function isCountryId(id: string): id is CountryId {
  return Object.hasOwn(COUNTRIES, id);
}

/** A phone number in the shapes `ActivationData` carries. */
export interface PhoneNumber {
  /** Digits with the country code, no `+` (e.g. 18454123223). */
  number: number;
  countryCode: number;
  /** National digits without the country code (e.g. 8454123223). */
  nationalNumber: number;
  /** `+1 845 412 3223`. */
  formatNumber: string;
}

/** Draws as many times as this before giving up on finding a number nobody holds. */
const MAX_DRAWS = 10_000;

/**
 * Draw a realistic number for `countryId` that `isTaken` does not reject (the sandbox passes
 * "held by a live activation", so two live activations never share a number and the carrier
 * knows whom an SMS is for). `random` is the world's seeded generator, so numbers repeat for a
 * given seed.
 */
export function drawPhoneNumber(
  random: () => number,
  countryId: CountryId,
  isTaken: (number: number) => boolean,
): PhoneNumber {
  const plan = COUNTRIES[countryId];
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    let national: string = pick(random, plan.prefixes);
    if ('nextDigits' in plan) national += pick(random, [...plan.nextDigits]);
    while (national.length < plan.nationalLength) national += String(Math.floor(random() * 10));
    const number = Number(`${plan.callingCode}${national}`);
    if (isTaken(number)) continue;
    const parts: string[] = [];
    let at = 0;
    for (const size of plan.groups) {
      parts.push(national.slice(at, at + size));
      at += size;
    }
    return {
      number,
      countryCode: plan.callingCode,
      nationalNumber: Number(national),
      formatNumber: `+${plan.callingCode} ${parts.join(' ')}`,
    };
  }
  throw new Error(`No free ${countryId} number left after ${MAX_DRAWS} draws`);
}

/** One element of `items`, chosen with `random`. */
function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('Cannot pick from an empty list');
  return item;
}
