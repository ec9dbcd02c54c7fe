/**
 * `playwright-tempnumber/broker`: connect to the account's shared broker, lease numbers and
 * read their SMS codes from any process. Every export is named here (no `export *`).
 */

export { BrokerUnavailableError } from '../contract/errors/broker-unavailable-error.ts';
export { CodeNotFoundError } from '../contract/errors/code-not-found-error.ts';
export { rebuildError, toWireError } from '../contract/errors/wire.ts';
export type { BrokerClient, ConnectBrokerOptions, LeaseOptions } from './client/broker-client.ts';
export { connectBroker } from './client/broker-client.ts';
export type { CodeSource } from './client/extract-code.ts';
export { compileCodePattern, DEFAULT_CODE_PATTERN, extractCode } from './client/extract-code.ts';
export { DEFAULT_CODE_TIMEOUT_MS } from './client/phone-handle.ts';
export type { CodeOptions, Phone, ReceivedSms, SkippedCountry } from './client/phone-types.ts';
export type {
  ActivationRecord,
  BrokerStatus,
  LeaseResult,
  Outcome,
  SmsMessage,
  WaitResult,
} from './protocol.ts';
export { HEARTBEAT_INTERVAL_MS, MAX_WAIT_HOLD_MS, PROTOCOL_VERSION } from './protocol.ts';
export type { DiscoveryInfo, RuntimePaths } from './runtime-paths.ts';
export { ensureRuntimeDir, runtimePaths } from './runtime-paths.ts';
