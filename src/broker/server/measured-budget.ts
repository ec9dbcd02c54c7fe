/**
 * How long a call waited for the rate-limit budget, told apart from the HTTP time: the lease
 * reports it (`LeaseResult.budgetWaitMs`) so a slow test can be blamed on the budget, not the
 * API. The client calls `acquire` inside the caller's async context, which carries the tally.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestBudget } from '../../limits/request-budget.ts';

export interface MeasuredBudget {
  /** Give this to the API client. */
  budget: RequestBudget;
  /** Run `call`; also return the real ms its requests waited in `acquire`. */
  measure<T>(call: () => Promise<T>): Promise<{ value: T; budgetWaitMs: number }>;
}

/** Wrap `inner` so the time calls spend in `acquire` can be measured per call. */
export function measureBudget(inner: RequestBudget): MeasuredBudget {
  const tally = new AsyncLocalStorage<{ waitedMs: number }>();
  return {
    budget: {
      async acquire(bucket, options) {
        const started = performance.now();
        try {
          return await inner.acquire(bucket, options);
        } finally {
          const current = tally.getStore();
          if (current) current.waitedMs += performance.now() - started;
        }
      },
      reportRateLimited: (bucket, retryAfterMs) => inner.reportRateLimited(bucket, retryAfterMs),
    },
    async measure(call) {
      const current = { waitedMs: 0 };
      const value = await tally.run(current, call);
      return { value, budgetWaitMs: Math.round(current.waitedMs) };
    },
  };
}
