/**
 * A lease attempt for guard unit tests: a memory store on a manual clock, guard settings with
 * overrides, and a recorded log; every field a guard reads is real, nothing is mocked.
 */
import type { LeaseAttempt } from '../../src/broker/server/guards.ts';
import { createPairActivity, type PairActivity } from '../../src/broker/server/guards.ts';
import { createMemoryStore, type MemoryStore } from '../../src/broker/server/store/memory-store.ts';
import { DEFAULT_GUARD_SETTINGS, type GuardSettings } from '../../src/config/guard-settings.ts';
import type { ActivationId } from '../../src/contract/activation.ts';
import { createManualClock } from '../../src/limits/clock.ts';
import { scaledLimits, V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import { V1_RULES } from '../../src/providers/tempnumber-v1/tables.ts';

export interface GuardWorld {
  clock: ReturnType<typeof createManualClock>;
  store: MemoryStore;
  activity: PairActivity;
  log: string[];
  numbers: Map<ActivationId, string>;
  /** What the balance cache answers (undefined: unknown). */
  balance: { usd: number | undefined; price: number | undefined };
  attempt(overrides?: Partial<Omit<LeaseAttempt, 'env'>>): LeaseAttempt;
}

/** A fresh world; `settings` override the defaults for every attempt. */
export function guardWorld(settings: Partial<GuardSettings> = {}, timeScale = 1): GuardWorld {
  const clock = createManualClock(0);
  const store = createMemoryStore({ limits: scaledLimits(V1_LIMIT_POLICY), clock });
  const activity = createPairActivity();
  const log: string[] = [];
  const numbers = new Map<ActivationId, string>();
  const balance: GuardWorld['balance'] = { usd: undefined, price: undefined };
  let next = 0;
  return {
    clock,
    store,
    activity,
    log,
    numbers,
    balance,
    attempt: (overrides = {}) => {
      next += 1;
      return {
        service: 'facebook',
        country: 'us',
        pair: 'facebook/us',
        attemptId: `attempt-${next}`,
        store,
        pendingCap: V1_RULES.pendingCap,
        pendingKey: `attempt-${next}`,
        pendingTtlMs: 1_200_000,
        ...overrides,
        env: {
          settings: { ...DEFAULT_GUARD_SETTINGS, ...settings },
          rules: V1_RULES,
          timeScale,
          activity,
          numberOf: (id) => numbers.get(id),
          balance: async () => balance.usd,
          priceOf: async () => balance.price,
          log: (line) => void log.push(line),
        },
      };
    },
  };
}
