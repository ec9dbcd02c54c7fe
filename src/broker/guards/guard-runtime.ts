/**
 * The guards' share of the broker: settings, what the broker is doing per pair, the cached
 * balance and prices, and the start-up history read of the delivery records.
 */
import type { TempNumberClient } from '../../api/client.ts';
import type { GuardSettings } from '../../config/guard-settings.ts';
import type { BrokerStore } from '../store/broker-store.ts';
import { type BalanceCache, createBalanceCache } from './balance-cache.ts';
import { bootstrapDeliveryRecords } from './delivery-bootstrap.ts';
import { createPairActivity, type PairActivity } from './pair-activity.ts';

export interface GuardRuntime {
  readonly settings: GuardSettings;
  readonly activity: PairActivity;
  readonly balance: BalanceCache;
  /** Resolves once the delivery records learnt the last 24 h from the history (never rejects). */
  ready: Promise<void>;
}

export interface GuardRuntimeInit {
  settings: GuardSettings;
  api: Pick<TempNumberClient, 'getUserBalance' | 'getSingleService' | 'getActivationsHistory'>;
  store: BrokerStore;
  timeScale: number;
  now(): number;
  log(line: string): void;
}

/** How long a lease waits for the start-up history read before deciding without it (real ms). */
export const BOOTSTRAP_WAIT_MS = 15_000;

/** Create the runtime; `start()` begins the history read (not at creation: no work until asked). */
export function createGuardRuntime(init: GuardRuntimeInit): GuardRuntime & { start(): void } {
  const runtime: GuardRuntime & { start(): void } = {
    settings: init.settings,
    activity: createPairActivity(),
    balance: createBalanceCache({
      api: init.api,
      cacheMs: init.settings.balanceCacheApiMs / init.timeScale,
      now: init.now,
      log: init.log,
    }),
    ready: Promise.resolve(),
    start() {
      if (!init.settings.deliveryRate && init.settings.breakerThreshold <= 0) return;
      runtime.ready = bootstrapDeliveryRecords({
        api: init.api,
        store: init.store,
        timeScale: init.timeScale,
      })
        .then((n) => {
          if (n > 0)
            init.log(`delivery records: ${n} activation(s) of the last 24 h learnt from the history`);
        })
        .catch((error: unknown) => {
          init.log(`delivery records: history read failed, counting from now: ${(error as Error).message}`);
        });
    },
  };
  return runtime;
}
