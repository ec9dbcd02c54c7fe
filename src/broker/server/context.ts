/**
 * What every journey of the broker shares: the `BrokerContext` a request handler may use, the
 * broker's options and defaults (its budget from the provider's limits), where the time of an
 * operation goes (budget wait vs request), and errors in the protocol's wire form.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { GuardSettings } from '../../config/guard-settings.ts';
import type { Settings } from '../../config/settings.ts';
import type { ActivationId } from '../../contract/activation.ts';
import { ConfigurationError, toWireError, type WireError } from '../../contract/errors.ts';
import type { RequestBudget } from '../../limits/budget.ts';
import {
  type LimitOverrides,
  longestWindowMs,
  parseLimitOverrides,
  type RateLimitTable,
  type ScaledLimits,
  scaledLimits,
} from '../../limits/rate-limits.ts';
import type { ProviderLimits, SmsProvider } from '../../providers/provider.ts';
import type { Ledger } from '../ledger.ts';
import { HEARTBEAT_INTERVAL_MS } from '../protocol.ts';
import type { RuntimePaths } from '../runtime-paths.ts';
import type { GuardRuntime } from './guard-runtime.ts';
import type { PollBuckets, PollTiming } from './poll-plan.ts';
import type { CentralPoller } from './poller.ts';
import type { BrokerStore } from './store/broker-store.ts';
import type { ActivationTracker } from './tracker.ts';

/* Everything a request handler of the broker may use; built once by runBroker. */

export interface BrokerContext {
  readonly settings: Settings;
  /** Short hash naming the account (never the key). */
  readonly account: string;
  readonly paths: RuntimePaths;
  readonly store: BrokerStore;
  /** The API, in the provider's neutral terms: the broker's only way to it (docs/decisions/0016). */
  readonly provider: SmsProvider;
  /** The same provider on the same budget without retries, for reads whose caller wants one attempt (`read` with `retry: false`). */
  readonly providerOnce: SmsProvider;
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
export function pendingKeyOf(activationId: ActivationId): string {
  return `activation:${activationId}`;
}

/** `cap` for re-admitting a slot that is already counted (a finite number: Redis reads it as text). */
export const NO_CAP = Number.MAX_SAFE_INTEGER;

/* Options of {@link runBroker} and their defaults. */

export interface RunBrokerOptions {
  /** Account, base URL, Redis URL, runtime dir and time scale (see `resolveSettings`). */
  settings: Settings;
  /**
   * Exit after this long (real ms) with no client connected and nothing waiting.
   * @default {@link defaultIdleExitMs}(settings.timeScale)
   */
  idleExitMs?: number;
  /** Wall clock (ms since the epoch) for records, expiries and timeouts. @default Date.now */
  clock?: { now(): number };
  /**
   * Account-wide cap of activations waiting for an SMS (TempNumber refuses more than 20).
   * @default 20
   */
  pendingCap?: number;
  /** Drop a client silent for this long (real ms). @default 3 × HEARTBEAT_INTERVAL_MS */
  clientTimeoutMs?: number;
  /**
   * How long an activation left by a previous broker waits for its client to `adopt` it before
   * it is released as cancelled (real ms; never past the number's expiry).
   * @default 3 × HEARTBEAT_INTERVAL_MS
   */
  adoptGraceMs?: number;
  /** Delivery-rate guard, circuit breaker, balance guard. @default resolveGuardSettings() (TEMPNUMBER_* env) */
  guards?: GuardSettings;
  /** Where the broker's log lines go (the CLI prints them on stderr). @default nowhere */
  log?: (line: string) => void;
}

/**
 * Default idle time before the broker exits: longer than the longest window of the provider's
 * rate-limit `table` (so a run
 * started right after it still finds the budget's memory — the memory store's journal covers
 * a restart too, but a live broker is cheaper) plus a margin of a minute of API time, never
 * below 5 real seconds so a scaled sandbox does not make it flap between test files.
 * At time scale 1 that is 3 minutes for TempNumber v1.
 */
export function defaultIdleExitMs(timeScale: number, table: RateLimitTable): number {
  return longestWindowMs(table) / timeScale + Math.max(5_000, 60_000 / timeScale);
}

/**
 * The broker's budget from the provider's table (docs/decisions/0019): tightened by
 * `TEMPNUMBER_RATE_LIMITS` (looser values are refused), its headroom rows, and the `history`
 * bucket paced evenly — the poller's steady heartbeat (decision 0006). Also the buckets the
 * poller plans on. A malformed or looser override is a ConfigurationError naming the variable.
 */
export function brokerLimits(
  provider: ProviderLimits,
  settings: { api: string; timeScale: number; rateLimits?: string | undefined },
): { limits: ScaledLimits; pollBuckets: PollBuckets } {
  const { read, history } = provider.bucketOf;
  if (read === null || history === null) {
    throw new ConfigurationError(
      `The ${settings.api} provider names no rate-limit bucket for reading an activation or the history; the broker polls with both.`,
    );
  }
  try {
    const overrides: LimitOverrides =
      settings.rateLimits === undefined ? {} : parseLimitOverrides(settings.rateLimits, provider.table);
    const limits = scaledLimits(
      { table: provider.table, headroom: provider.headroom ?? {}, pacing: { [history]: 'even' } },
      { timeScale: settings.timeScale, overrides },
    );
    return { limits, pollBuckets: { read, history } };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ConfigurationError(`TEMPNUMBER_RATE_LIMITS for the ${settings.api} API: ${error.message}.`, {
      cause: error,
    });
  }
}

export const DEFAULT_CLIENT_TIMEOUT_MS = 3 * HEARTBEAT_INTERVAL_MS;

/*
 * Where the time of a broker operation goes: waiting for the rate-limit budget, inside API
 * requests (from the grant until the response is back), and the rest — the broker's own
 * overhead. The lease reports the budget wait (`LeaseResult.budgetWaitMs`) so a slow test can
 * be blamed on the budget, not the API; the benchmark reports the overhead. The client calls
 * `acquire` inside the caller's async context, which carries the tallies (nested measurements
 * all see the calls made inside them).
 */

interface Tally {
  waitedMs: number;
  apiMs: number;
  parent: Tally | undefined;
}

/** Time of one measured call, real ms. */
export interface Measured<T> {
  value: T;
  /** Waiting in `acquire` for budget. */
  budgetWaitMs: number;
  /** Inside API requests: from each grant until its response (or failure) was back. */
  apiMs: number;
  /** Everything else: the broker's own work. */
  overheadMs: number;
}

export interface MeasuredBudget {
  /** Give this to the API client. */
  budget: RequestBudget;
  /** Run `call`, measuring where its time went. */
  measure<T>(call: () => Promise<T>): Promise<Measured<T>>;
}

/** Wrap `inner` so the time calls spend in `acquire` and in requests can be measured per call. */
export function measureBudget(inner: RequestBudget): MeasuredBudget {
  const tallies = new AsyncLocalStorage<Tally>();
  const addTo = (tally: Tally | undefined, field: 'waitedMs' | 'apiMs', ms: number) => {
    for (let t = tally; t; t = t.parent) t[field] += ms;
  };
  return {
    budget: {
      async acquire(bucket, options) {
        const tally = tallies.getStore();
        const started = performance.now();
        let permit: Awaited<ReturnType<RequestBudget['acquire']>>;
        try {
          permit = await inner.acquire(bucket, options);
        } finally {
          addTo(tally, 'waitedMs', performance.now() - started);
        }
        const granted = performance.now();
        let settled = false;
        return {
          done: () => {
            if (!settled) addTo(tally, 'apiMs', performance.now() - granted);
            settled = true;
            return permit.done();
          },
        };
      },
      reportRateLimited: (bucket, retryAfterMs) => inner.reportRateLimited(bucket, retryAfterMs),
    },
    async measure(call) {
      const tally: Tally = { waitedMs: 0, apiMs: 0, parent: tallies.getStore() };
      const started = performance.now();
      const value = await tallies.run(tally, call);
      const totalMs = performance.now() - started;
      return {
        value,
        budgetWaitMs: Math.round(tally.waitedMs),
        apiMs: Math.round(tally.apiMs),
        overheadMs: Math.max(0, round3(totalMs - tally.waitedMs - tally.apiMs)),
      };
    },
  };
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/*
 * Errors as the protocol sends them ({@link WireError}): the class `name` and its fields, so
 * the client rebuilds the same class. A handler that wants another message on an API error
 * (naming the service and country, say) relays it: same name and fields, new message.
 */

/** An error to send as `wire`, word for word. */
export class RelayedError extends Error {
  readonly wire: WireError;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.wire = wire;
  }
}

/** `error`'s class and fields with a new message (and extra fields). */
export function relay(error: unknown, message: string, extra: Record<string, unknown> = {}): RelayedError {
  return new RelayedError({ ...errorToWire(error), ...extra, message });
}

/** What to send for `error`. */
export function errorToWire(error: unknown): WireError {
  return error instanceof RelayedError ? { ...error.wire } : toWireError(error);
}

/** A plain TempNumberError on the wire (no class of its own is needed). */
export function brokerError(message: string, fields: Record<string, unknown> = {}): RelayedError {
  return new RelayedError({ name: 'TempNumberError', message, ...fields });
}
