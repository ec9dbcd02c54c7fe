import { ENDPOINTS, type EndpointId } from '../../api/endpoints.ts';
import type { BucketId } from '../../limits/rate-limits.ts';
import { matchPath } from '../core/match-path.ts';
import type { ApiHandler } from './api-handler.ts';
import { getActivation } from './get-activation.ts';
import { getActivationsHistory } from './get-activations-history.ts';
import { getPricelistByCountry } from './get-pricelist-by-country.ts';
import { getPricelistByService } from './get-pricelist-by-service.ts';
import { getSingleService } from './get-single-service.ts';
import { getUserBalance } from './get-user-balance.ts';
import { newActivation } from './new-activation.ts';
import { updateActivation } from './update-activation.ts';

/**
 * The handler of every endpoint of ENDPOINTS: the sandbox's route table. `satisfies` makes a
 * new endpoint in the shared table a type error here until the sandbox implements it.
 */
const API_HANDLERS = {
  getActivation,
  getActivationsHistory,
  newActivation,
  updateActivation,
  getPricelistByCountry,
  getPricelistByService,
  getSingleService,
  getUserBalance,
} as const satisfies Record<EndpointId, ApiHandler>;

/** A request matched to an endpoint. */
export interface ApiRouteMatch {
  endpoint: EndpointId;
  bucket: BucketId;
  handler: ApiHandler;
  params: Record<string, string>;
}

/** Find the endpoint for `method` and a path relative to `/api/v1`. */
export function matchApiRoute(method: string, path: string): ApiRouteMatch | undefined {
  for (const endpoint of Object.keys(ENDPOINTS) as EndpointId[]) {
    const spec = ENDPOINTS[endpoint];
    if (spec.method !== method) continue;
    const params = matchPath(spec.path, path);
    if (params) return { endpoint, bucket: spec.bucket, handler: API_HANDLERS[endpoint], params };
  }
  return undefined;
}
