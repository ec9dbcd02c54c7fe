/**
 * What the sandbox sells: its services, the seeded price of every service in every country, which
 * pairs have no numbers or virtual ones, and the catalog that serves offers with the price
 * changes made through the control surface on top.
 */
import { COUNTRIES, type CountryId, isCountryId } from './countries.ts';

/** Display texts of one service (`SingleService.services[]`). */
export interface ServiceInfo {
  name: string;
  snippet: string;
  warning: string;
}

/** The services the sandbox offers, by service id (lower-case, as the API uses them). */
export const SERVICES = {
  facebook: { name: 'Facebook', snippet: 'Facebook and Messenger sign-up', warning: '' },
  instagram: { name: 'Instagram', snippet: 'Instagram sign-up', warning: '' },
  twitter: { name: 'Twitter', snippet: 'Twitter / X sign-up', warning: '' },
  whatsapp: {
    name: 'WhatsApp',
    snippet: 'WhatsApp registration',
    warning: 'WhatsApp may ask for a voice call on some numbers.',
  },
  telegram: { name: 'Telegram', snippet: 'Telegram registration', warning: '' },
  google: { name: 'Google', snippet: 'Google, Gmail and YouTube', warning: '' },
  other: {
    name: 'Any other',
    snippet: 'Any service not listed',
    warning: 'No guarantee that a given service delivers SMS to these numbers.',
  },
} as const satisfies Record<string, ServiceInfo>;

/** A service id the sandbox knows. */
export type ServiceId = keyof typeof SERVICES;

/** True when `id` is a service of {@link SERVICES}. */
export function isServiceId(id: string): id is ServiceId {
  return Object.hasOwn(SERVICES, id);
}

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

/** What the catalog says about one service in one country. */
export interface Offer {
  serviceId: ServiceId;
  countryId: CountryId;
  price: number;
  hasNumbers: boolean;
  isVirtual: boolean;
}

/** The seeded catalog plus the price changes made through the control surface. */
export interface Catalog {
  /** The offer for a pair, or undefined when either id is unknown. */
  offer(serviceId: string, countryId: string): Offer | undefined;
  /** Change the current price of a pair (e.g. a "price raised mid-suite" drill). */
  setPrice(serviceId: ServiceId, countryId: CountryId, price: number): void;
  /** Every offer, services in table order, countries in table order. */
  offers(): Offer[];
  /** Forget price changes. */
  reset(): void;
}

const pairKey = (s: string, c: string) => `${s}/${c}`;
const WITHOUT_NUMBERS = new Set(PAIRS_WITHOUT_NUMBERS.map(([s, c]) => pairKey(s, c)));
const VIRTUAL = new Set(VIRTUAL_PAIRS.map(([s, c]) => pairKey(s, c)));

/** Create the catalog from {@link PRICE_TABLE}. */
export function createCatalog(): Catalog {
  const overrides = new Map<string, number>();
  const offer = (serviceId: string, countryId: string): Offer | undefined => {
    if (!isServiceId(serviceId) || !isCountryId(countryId)) return undefined;
    const key = pairKey(serviceId, countryId);
    return {
      serviceId,
      countryId,
      price: overrides.get(key) ?? PRICE_TABLE[serviceId][countryId],
      hasNumbers: !WITHOUT_NUMBERS.has(key),
      isVirtual: VIRTUAL.has(key),
    };
  };
  return {
    offer,
    setPrice(serviceId, countryId, price) {
      overrides.set(pairKey(serviceId, countryId), price);
    },
    offers() {
      const all: Offer[] = [];
      for (const s of Object.keys(SERVICES)) {
        for (const c of Object.keys(COUNTRIES)) {
          const o = offer(s, c);
          if (o) all.push(o);
        }
      }
      return all;
    },
    reset() {
      overrides.clear();
    },
  };
}
