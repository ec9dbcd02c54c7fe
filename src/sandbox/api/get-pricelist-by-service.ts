import type { PricelistByService } from '../../api/wire-types.ts';
import { jsonReply } from '../core/responses.ts';
import type { ApiHandler } from './api-handler.ts';

/**
 * `GET /services/pricelistByService` → `[{s, countries:[{c, p}]}]`, current prices (the PHP
 * client's and spec 1.2.7's shape; reference §3.5).
 */
export const getPricelistByService: ApiHandler = ({ world }) => {
  const byService = new Map<string, Array<{ c: string; p: number }>>();
  for (const offer of world.catalog.offers()) {
    const list = byService.get(offer.serviceId) ?? [];
    list.push({ c: offer.countryId, p: offer.price });
    byService.set(offer.serviceId, list);
  }
  const body: PricelistByService = [...byService].map(([s, countries]) => ({ s, countries }));
  return jsonReply(200, body);
};
