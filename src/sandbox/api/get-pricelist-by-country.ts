import type { PricelistByCountry } from '../../api/wire-types.ts';
import { jsonReply } from '../core/responses.ts';
import type { ApiHandler } from './api-handler.ts';

/** `GET /services/pricelistByCountry` → `[{c, services:[{s, p}]}]`, current prices. */
export const getPricelistByCountry: ApiHandler = ({ world }) => {
  const byCountry = new Map<string, Array<{ s: string; p: number }>>();
  for (const offer of world.catalog.offers()) {
    const list = byCountry.get(offer.countryId) ?? [];
    list.push({ s: offer.serviceId, p: offer.price });
    byCountry.set(offer.countryId, list);
  }
  const body: PricelistByCountry = [...byCountry].map(([c, services]) => ({ c, services }));
  return jsonReply(200, body);
};
