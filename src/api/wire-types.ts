/**
 * TempNumber v1 JSON shapes with the API's own (wire) names (reference §2–§3, spec 1.3.8).
 * Fields are optional where the spec does not require them; translate once, at the edge,
 * into the friendly shapes the broker and fixtures expose.
 */
import type { ActivationStatus } from './activation-statuses.ts';

/** `ActivationData`: one activation, as returned by GET/POST /activations and in history. */
export interface ActivationData {
  id: number;
  status: ActivationStatus | (string & {});
  countryId?: string;
  countryName?: string;
  countryIconPath?: string;
  serviceId?: string;
  serviceName?: string;
  serviceIconPath?: string;
  /** Digits including the country code, no `+` (e.g. 18454123223). */
  number?: number;
  countryCode?: number;
  formatNumber?: string;
  nationalNumber?: number;
  /** Full SMS text. */
  message?: string;
  /** Code the server extracted; a string in the spec, seen as a JSON number in examples. */
  code?: string | number;
  price?: number;
  /** Unix seconds. */
  createdAt?: number;
  /** Unix seconds. */
  numberExpireAt?: number;
  /** Server's "now", unix seconds. */
  utc?: number;
  retryAvailable?: boolean;
  iconBaseUrl?: string;
  rating?: number;
  reason?: number;
}

/** `ActivationsHistory`: GET /activations. */
export interface ActivationsHistory {
  activations: ActivationData[];
  page: number;
  limit: number;
  pages: number;
  total: number;
}

/** `NewActivation`: POST /activations body. */
export interface NewActivation {
  serviceId: string;
  countryId: string;
  /** Fail with `expectedPriceErrorException` (carrying `newPrice`) when the price is higher. */
  expectedPrice?: number;
}

/** `ActivationUpdate`: PUT /activations/{id} body. v1 knows exactly one value. */
export interface ActivationUpdate {
  status: 'retry';
}

/** `Response200`. */
export interface Response200 {
  result: 'success';
}

/** `UserBalance`: GET /user/balance. Note the snake_case `review_balance`. */
export interface UserBalance {
  balance: number;
  review_balance?: number;
}

/** GET /services/pricelistByCountry. */
export type PricelistByCountry = Array<{ c: string; services: Array<{ s: string; p: number }> }>;

/** GET /services/pricelistByService. */
export type PricelistByService = Array<{ s: string; countries: Array<{ c: string; p: number }> }>;

/** `Service` item of `SingleService`. */
export interface ServiceInCountry {
  serviceId: string;
  serviceName: string;
  serviceIconPath?: string;
  countryId: string;
  countryName: string;
  countryIconPath?: string;
  isVirtual: boolean;
  snippet?: string;
  warning?: string;
  price: number;
  hasNumbers: boolean;
}

/** `SingleService`: GET /services/{serviceId}/countries/{countryId}. */
export interface SingleService {
  iconBaseUrl: string;
  services: ServiceInCountry[];
}

/** Error body of every non-2xx answer (reference §5.1). */
export interface ErrorBody {
  errorName: string;
  errorMessage: string;
  /** Only with `expectedPriceErrorException`. */
  newPrice?: number;
}
