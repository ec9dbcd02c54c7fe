/**
 * The broker server: one process per machine per account, the only thing that calls
 * TempNumber (DESIGN §4). Every export is named here.
 */
export type { RunBrokerOptions } from './broker-options.ts';
export { DEFAULT_PENDING_CAP, defaultIdleExitMs } from './broker-options.ts';
export { BrokerStartError } from './broker-start-error.ts';
export type { RunningBroker } from './run-broker.ts';
export { runBroker } from './run-broker.ts';
