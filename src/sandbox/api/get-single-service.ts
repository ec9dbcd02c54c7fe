import type { SingleService } from '../../api/wire-types.ts';
import { COUNTRIES } from '../catalog/countries.ts';
import { SERVICES } from '../catalog/offers.ts';
import { errorReply, jsonReply } from '../core/responses.ts';
import type { ApiHandler } from './api-handler.ts';

/**
 * `GET /services/{serviceId}/countries/{countryId}` → `SingleService` with one entry.
 * Unknown ids → 404 `ResourceNotFoundException`. The `prx-lang` header is accepted; the
 * sandbox has English texts only, so every language gets them.
 */
export const getSingleService: ApiHandler = ({ world, params }) => {
  const serviceId = params.serviceId ?? '';
  const countryId = params.countryId ?? '';
  const offer = world.catalog.offer(serviceId, countryId);
  if (!offer) {
    return errorReply('ResourceNotFoundException', `Unknown service ${serviceId} or country ${countryId}`);
  }
  const service = SERVICES[offer.serviceId];
  const body: SingleService = {
    iconBaseUrl: world.iconBaseUrl,
    services: [
      {
        serviceId: offer.serviceId,
        serviceName: service.name,
        serviceIconPath: `services/${offer.serviceId}.svg`,
        countryId: offer.countryId,
        countryName: COUNTRIES[offer.countryId].name,
        countryIconPath: `countries/${offer.countryId}.svg`,
        isVirtual: offer.isVirtual,
        snippet: service.snippet,
        warning: service.warning,
        price: offer.price,
        hasNumbers: offer.hasNumbers,
      },
    ],
  };
  return jsonReply(200, body);
};
