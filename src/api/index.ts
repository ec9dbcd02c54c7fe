/**
 * `playwright-tempnumber/client`: the TempNumber v1 client on its own, with its types, tables and
 * errors. Every export is named here (no `export *`), so the public surface is this file.
 */

export { DEFAULT_BASE_URL } from '../config/settings.ts';
export type { ErrorFamily, RequestInfo } from '../contract/errors/api-error.ts';
export { ApiError } from '../contract/errors/api-error.ts';
export { ConfigurationError } from '../contract/errors/configuration-error.ts';
export type { GuardName } from '../contract/errors/guard-error.ts';
export { GuardError } from '../contract/errors/guard-error.ts';
export { NetworkError } from '../contract/errors/network-error.ts';
export { PriceChangedError } from '../contract/errors/price-changed-error.ts';
export { RateLimitedError } from '../contract/errors/rate-limited-error.ts';
export { SmsTimeoutError } from '../contract/errors/sms-timeout-error.ts';
export { isTempNumberError, TempNumberError } from '../contract/errors/tempnumber-error.ts';
export { UnexpectedResponseError } from '../contract/errors/unexpected-response-error.ts';
export type { RequestBudget } from '../limits/budget.ts';
export type { BucketId, Priority, RateLimit } from '../limits/rate-limits.ts';
export { PRIORITIES, RATE_LIMITS } from '../limits/rate-limits.ts';
export type { ActivationStatus } from './activation-statuses.ts';
export {
  ACTIVATION_STATUSES,
  isActivationStatus,
  isFinalStatus,
  isWaitingStatus,
} from './activation-statuses.ts';
export type { TempNumberClient } from './client.ts';
export { createTempNumberClient } from './client.ts';
export type { RequestOptions, TempNumberClientOptions } from './client-options.ts';
export type { EndpointId } from './endpoints.ts';
export { ENDPOINTS } from './endpoints.ts';
export type { ErrorName } from './error-names.ts';
export { canonicalErrorName, ERROR_NAMES } from './error-names.ts';
export type { Activation, ActivationsHistoryPage } from './response-types.ts';
export { parseRetryHintMs } from './retry-hint.ts';
export type { FailureKind } from './retry-policy.ts';
export { failureKind, RETRY_POLICY } from './retry-policy.ts';
export type {
  ActivationData,
  ActivationsHistory,
  ActivationUpdate,
  ErrorBody,
  NewActivation,
  PricelistByCountry,
  PricelistByService,
  Response200,
  ServiceInCountry,
  SingleService,
  UserBalance,
} from './wire-types.ts';
