/**
 * Opening the broker's services — store, API client on the store's budget, ledger, tracker,
 * poller — and wiring them into one {@link BrokerContext}. Each opened service registers its
 * cleanup (closing order is the reverse of opening).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createTempNumberClient } from '../../api/client.ts';
import { resolveGuardSettings } from '../../config/guard-settings.ts';
import { maxInFlightMs } from '../../config/settings.ts';
import { scaledMaxWaitMs } from '../../limits/max-wait.ts';
import { createStoreBudget } from '../../limits/request-budget.ts';
import { scaledLimits } from '../../limits/scaled-limits.ts';
import { createGuardRuntime } from '../guards/guard-runtime.ts';
import { openLedger } from '../ledger/ledger.ts';
import { createCentralPoller } from '../poller/central-poller.ts';
import { pollTiming } from '../poller/poll-timing.ts';
import type { RuntimePaths } from '../runtime-paths.ts';
import { createStore } from '../store/create-store.ts';
import { createActivationTracker } from './activation-tracker.ts';
import type { BrokerContext } from './broker-context.ts';
import { DEFAULT_PENDING_CAP, type RunBrokerOptions } from './broker-options.ts';
import { measureBudget } from './measured-budget.ts';
import { persistChange } from './persist-change.ts';

export interface ContextInit {
  options: RunBrokerOptions;
  account: string;
  paths: RuntimePaths;
  /** Cleanups run first-in-list first: each service is put in front. */
  cleanups: Array<() => Promise<void>>;
  clientCount(): number;
}

export async function createBrokerContext(init: ContextInit): Promise<BrokerContext> {
  const { options, account, paths, cleanups } = init;
  const { settings } = options;
  const now = () => (options.clock ?? Date).now();
  const limits = scaledLimits({ timeScale: settings.timeScale });
  const store = await createStore({
    redisUrl: settings.redisUrl,
    accountId: account,
    limits,
    journalPath: paths.journal,
  });
  cleanups.unshift(() => store.close());
  const budget = measureBudget(
    createStoreBudget(store, {
      limits,
      maxWaitMsByPriority: scaledMaxWaitMs(settings.timeScale),
      maxInFlightMs: maxInFlightMs(settings),
    }),
  );
  const apiOptions = {
    apiKey: settings.apiKey,
    baseUrl: settings.baseUrl,
    budget: budget.budget,
    timeScale: settings.timeScale,
    timeoutMs: settings.requestTimeoutMs,
  };
  const api = createTempNumberClient(apiOptions);
  const apiOnce = createTempNumberClient({ ...apiOptions, retries: 0 });
  const ledger = await openLedger(paths.ledger);
  cleanups.unshift(() => ledger.close());
  const timing = pollTiming(settings.timeScale);
  // The tracker reports changes to the context that contains it.
  const ref: { ctx?: BrokerContext } = {};
  const tracker = createActivationTracker({
    timing,
    now,
    onChange: (t, reason) => persistChange(ref.ctx!, t, reason),
  });
  const brokerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const poller = createCentralPoller({
    api,
    store,
    brokerId,
    timing,
    now,
    targets: () => tracker.watchTargets(),
    onSnapshot: (data, sentAtMs) => tracker.applySnapshot(data, sentAtMs),
    onPollError: (id, error) =>
      tracker.recordPollError(id, error instanceof Error ? error.message : String(error)),
  });
  const log = options.log ?? (() => {});
  const guards = createGuardRuntime({
    settings: options.guards ?? resolveGuardSettings(),
    api,
    store,
    timeScale: settings.timeScale,
    now,
    log,
  });
  ref.ctx = {
    settings,
    account,
    paths,
    store,
    api,
    apiOnce,
    budget,
    ledger,
    tracker,
    poller,
    timing,
    timeScale: settings.timeScale,
    pendingCap: options.pendingCap ?? DEFAULT_PENDING_CAP,
    guards,
    brokerId,
    startedAt: new Date(now()).toISOString(),
    now,
    log,
    clientCount: init.clientCount,
  };
  // The start-up history read of the delivery records; leases wait for it (bounded).
  guards.start();
  return ref.ctx;
}
