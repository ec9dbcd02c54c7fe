import { COUNTRIES, type CountryId, isCountryId } from './countries.ts';
import { PAIRS_WITHOUT_NUMBERS, PRICE_TABLE, VIRTUAL_PAIRS } from './price-table.ts';
import { isServiceId, SERVICES, type ServiceId } from './services.ts';

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
