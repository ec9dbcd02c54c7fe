import type { Clock } from './clock.ts';
import { scaledMaxWaitMs } from './max-wait.ts';
import { createMemoryBudget } from './memory-budget.ts';
import { createStoreBudget, type Sleep, type StoreBudget } from './request-budget.ts';
import { type ScaledLimits, scaledLimits } from './scaled-limits.ts';

/** Options of {@link createLocalBudget}. */
export interface LocalBudgetOptions {
  /** How many times faster than real time the API's clock runs (sandbox only). @default 1 */
  timeScale?: number;
  /** @default monotonicClock */
  clock?: Clock;
  /** @default scaledLimits({ timeScale }) */
  limits?: ScaledLimits;
  /** @default real timers */
  sleep?: Sleep;
  /** The latest a sent request can arrive; ≥ the client's per-request timeout. @default 30000 */
  maxInFlightMs?: number;
}

/**
 * The budget of an API client used bare, in one process: the published limits in memory, no
 * journal. It keeps that process within the limits; it cannot see other processes — that is
 * what the broker is for.
 */
export function createLocalBudget(options: LocalBudgetOptions = {}): StoreBudget {
  const timeScale = options.timeScale ?? 1;
  const limits = options.limits ?? scaledLimits({ timeScale });
  return createStoreBudget(createMemoryBudget(limits, options.clock), {
    limits,
    maxWaitMsByPriority: scaledMaxWaitMs(timeScale),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.maxInFlightMs === undefined ? {} : { maxInFlightMs: options.maxInFlightMs }),
  });
}
