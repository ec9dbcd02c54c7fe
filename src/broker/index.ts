/**
 * `playwright-tempnumber/broker`: connect to the account's shared broker, lease numbers and
 * read their SMS codes from any process. Every export is named here (no `export *`).
 */

export { readSetting } from '../config/settings.ts';
export type {
  ActivationRecord,
  CheckedLeaseRequest,
  LeaseOptions,
  Outcome,
  SkippedCountry,
} from '../contract/activation.ts';
export { FIXTURE_OPTION_NAMES, LEASE_OPTION_NAMES, toLeaseRequest } from '../contract/activation.ts';
export { BrokerUnavailableError, CodeNotFoundError, rebuildError, toWireError } from '../contract/errors.ts';
export type {
  CodeOptions,
  Phone,
  /** @deprecated The same shape as {@link Sms}, under its former name. */
  Sms as ReceivedSms,
  Sms,
  SmsMessage,
  WaitPlan,
} from '../contract/phone.ts';
export {
  DEFAULT_CODE_TIMEOUT_MS,
  validateCodePattern,
  validateTimeoutMs,
} from '../contract/phone.ts';
export type { CodeSource } from '../contract/sms-code.ts';
export { compileCodePattern, DEFAULT_CODE_PATTERN, extractCode } from '../contract/sms-code.ts';
export type { BrokerClient, ConnectBrokerOptions } from './client/broker-client.ts';
export { connectBroker } from './client/broker-client.ts';
export type { BrokerStatus, LeaseResult, WaitResult } from './protocol.ts';
export { HEARTBEAT_INTERVAL_MS, MAX_WAIT_HOLD_MS, PROTOCOL_VERSION } from './protocol.ts';
export type { DiscoveryInfo, RuntimePaths } from './runtime-paths.ts';
export { ensureRuntimeDir, runtimePaths } from './runtime-paths.ts';
