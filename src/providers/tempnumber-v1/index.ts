/**
 * `playwright-tempnumber/client`: the TempNumber v1 client on its own, with its types, tables and
 * errors. Every export is named here (no `export *`), so the public surface is this file.
 */

export { DEFAULT_BASE_URL } from '../../config/settings.ts';
export type { ErrorFamily, GuardName, RequestInfo } from '../../contract/errors.ts';
export {
  ApiError,
  ConfigurationError,
  GuardError,
  isTempNumberError,
  NetworkError,
  PriceChangedError,
  RateLimitedError,
  SmsTimeoutError,
  TempNumberError,
  UnexpectedResponseError,
} from '../../contract/errors.ts';
export type { RequestBudget } from '../../limits/budget.ts';
export type { BucketId, Priority, RateLimit } from '../../limits/rate-limits.ts';
export { PRIORITIES, RATE_LIMITS } from '../../limits/rate-limits.ts';
export type { RequestOptions, TempNumberClientOptions } from '../http.ts';
export type { FailureKind } from '../retry-policy.ts';
export { failureKind, parseRetryHintMs, RETRY_POLICY } from '../retry-policy.ts';
export type { TempNumberClient } from './client.ts';
export { createTempNumberClient } from './client.ts';
export type {
  Activation,
  ActivationData,
  ActivationStatus,
  ActivationsHistory,
  ActivationsHistoryPage,
  ActivationUpdate,
  EndpointId,
  ErrorBody,
  ErrorName,
  NewActivation,
  PricelistByCountry,
  PricelistByService,
  Response200,
  ServiceInCountry,
  SingleService,
  UserBalance,
} from './wire.ts';
export {
  ACTIVATION_STATUSES,
  canonicalErrorName,
  ENDPOINTS,
  ERROR_NAMES,
  isActivationStatus,
  isFinalStatus,
  isWaitingStatus,
} from './wire.ts';
