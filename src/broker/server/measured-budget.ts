/**
 * Where the time of a broker operation goes: waiting for the rate-limit budget, inside API
 * requests (from the grant until the response is back), and the rest — the broker's own
 * overhead. The lease reports the budget wait (`LeaseResult.budgetWaitMs`) so a slow test can
 * be blamed on the budget, not the API; the benchmark reports the overhead. The client calls
 * `acquire` inside the caller's async context, which carries the tallies (nested measurements
 * all see the calls made inside them).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestBudget } from '../../limits/request-budget.ts';

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
