/** Everything a request handler of the broker may use; built once by runBroker. */
import type { TempNumberClient } from '../../api/client.ts';
import type { Settings } from '../../config/settings.ts';
import type { GuardRuntime } from '../guards/guard-runtime.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { CentralPoller } from '../poller/central-poller.ts';
import type { PollTiming } from '../poller/poll-timing.ts';
import type { RuntimePaths } from '../runtime-paths.ts';
import type { BrokerStore } from '../store/broker-store.ts';
import type { ActivationTracker } from './activation-tracker.ts';
import type { MeasuredBudget } from './measured-budget.ts';

/** The API calls the broker makes. */
export type BrokerApi = Pick<
  TempNumberClient,
  | 'getActivation'
  | 'getActivationsHistory'
  | 'newActivation'
  | 'updateActivation'
  | 'getUserBalance'
  | 'getSingleService'
  | 'getPricelistByCountry'
>;

export interface BrokerContext {
  readonly settings: Settings;
  /** Short hash naming the account (never the key). */
  readonly account: string;
  readonly paths: RuntimePaths;
  readonly store: BrokerStore;
  readonly api: BrokerApi;
  /** The same API on the same budget without retries, for reads whose caller wants one attempt (`read` with `retry: false`). */
  readonly apiOnce: BrokerApi;
  readonly budget: MeasuredBudget;
  readonly ledger: Ledger;
  readonly tracker: ActivationTracker;
  readonly poller: CentralPoller;
  readonly timing: PollTiming;
  readonly timeScale: number;
  readonly pendingCap: number;
  /** Settings and shared state of the lease guards. */
  readonly guards: GuardRuntime;
  /** Unique per broker process (poll leadership, pending keys). */
  readonly brokerId: string;
  readonly startedAt: string;
  /** Wall clock, ms. */
  now(): number;
  /** One line for the broker log (stderr of the CLI). Never pass the key. */
  log(line: string): void;
  /** Open client connections. */
  clientCount(): number;
}

/** One client connection as the handlers see it. */
export interface ClientConnection {
  readonly id: number;
  /** From `hello`; `connection <id>` before it. */
  owner: string;
  pid: number | undefined;
  /** Wall ms of the last request (any request counts as a heartbeat). */
  lastSeenMs: number;
  /** Aborts when the connection closes: a lease held for it gives up. */
  closedSignal?: AbortSignal;
}

/** The pending-cap key of a leased activation (the same for every broker of the account). */
export function pendingKeyOf(activationId: number): string {
  return `activation:${activationId}`;
}

/** `cap` for re-admitting a slot that is already counted (a finite number: Redis reads it as text). */
export const NO_CAP = Number.MAX_SAFE_INTEGER;
