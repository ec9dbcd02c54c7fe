import type { CountryId } from './countries.ts';
import type { ServiceId } from './services.ts';

/**
 * The seeded catalog: price in USD of every service in every country, as data. Deterministic, so
 * tests can name the price they expect.
 */
export const PRICE_TABLE = {
  facebook: {
    us: 0.45,
    gb: 0.6,
    de: 0.85,
    nl: 0.9,
    fr: 0.75,
    ru: 0.25,
    eg: 0.3,
    be: 0.95,
    in: 0.28,
    br: 0.35,
  },
  instagram: { us: 0.5, gb: 0.65, de: 0.8, nl: 0.85, fr: 0.7, ru: 0.3, eg: 0.3, be: 0.9, in: 0.3, br: 0.4 },
  twitter: { us: 0.4, gb: 0.55, de: 0.7, nl: 0.8, fr: 0.65, ru: 0.25, eg: 0.25, be: 0.85, in: 0.25, br: 0.3 },
  whatsapp: {
    us: 1.25,
    gb: 1.45,
    de: 2.15,
    nl: 1.95,
    fr: 1.8,
    ru: 0.95,
    eg: 0.6,
    be: 1.9,
    in: 0.55,
    br: 0.85,
  },
  telegram: { us: 1.1, gb: 1.3, de: 1.75, nl: 1.6, fr: 1.5, ru: 0.8, eg: 0.5, be: 1.7, in: 0.45, br: 0.7 },
  google: { us: 0.6, gb: 0.75, de: 0.95, nl: 0.9, fr: 0.85, ru: 0.35, eg: 0.35, be: 1.0, in: 0.3, br: 0.45 },
  other: { us: 0.35, gb: 0.45, de: 0.6, nl: 0.65, fr: 0.55, ru: 0.25, eg: 0.25, be: 0.7, in: 0.25, br: 0.3 },
} as const satisfies Record<ServiceId, Record<CountryId, number>>;

/**
 * Pairs that are listed (with a price) but have no numbers right now: a lease answers 503
 * `ServiceUnavailableException` and the single-service call says `hasNumbers: false`. Listed in
 * the price lists on purpose — the stricter case, where the client learns it only at lease time.
 */
export const PAIRS_WITHOUT_NUMBERS: ReadonlyArray<readonly [ServiceId, CountryId]> = [
  ['whatsapp', 'de'],
  ['telegram', 'ru'],
  ['instagram', 'eg'],
];

/** Pairs served by virtual (non-SIM) numbers: `isVirtual: true`. */
export const VIRTUAL_PAIRS: ReadonlyArray<readonly [ServiceId, CountryId]> = [
  ['google', 'us'],
  ['other', 'us'],
  ['other', 'gb'],
];
