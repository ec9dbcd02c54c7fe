/**
 * The 8 endpoints of TempNumber v1 (reference §2) as data. `bucket` names the rate-limit bucket
 * of src/limits/rate-limits.ts: one bucket per method + path template, so `/activations/1` and
 * `/activations/2` share one budget while GET and PUT on the same path do not.
 *
 * `autoRetry`: may the client repeat the call on its own after a network error, 5xx or 429?
 * Only idempotent reads. POST /activations spends money and PUT (retry) changes state, so
 * neither is ever repeated automatically (DESIGN §5 "Never retried blindly").
 */
import type { BucketId } from '../limits/rate-limits.ts';

export const ENDPOINTS = {
  getActivation: { method: 'GET', path: '/activations/:id', bucket: 'GET /activations/:id', autoRetry: true },
  getActivationsHistory: { method: 'GET', path: '/activations', bucket: 'GET /activations', autoRetry: true },
  newActivation: { method: 'POST', path: '/activations', bucket: 'POST /activations', autoRetry: false },
  updateActivation: {
    method: 'PUT',
    path: '/activations/:id',
    bucket: 'PUT /activations/:id',
    autoRetry: false,
  },
  getPricelistByCountry: {
    method: 'GET',
    path: '/services/pricelistByCountry',
    bucket: 'GET /services/pricelistByCountry',
    autoRetry: true,
  },
  getPricelistByService: {
    method: 'GET',
    path: '/services/pricelistByService',
    bucket: 'GET /services/pricelistByService',
    autoRetry: true,
  },
  getSingleService: {
    method: 'GET',
    path: '/services/:serviceId/countries/:countryId',
    bucket: 'GET /services/:serviceId/countries/:countryId',
    autoRetry: true,
  },
  getUserBalance: { method: 'GET', path: '/user/balance', bucket: 'GET /user/balance', autoRetry: true },
} as const satisfies Record<
  string,
  { method: 'GET' | 'POST' | 'PUT'; path: string; bucket: BucketId; autoRetry: boolean }
>;

export type EndpointId = keyof typeof ENDPOINTS;
