/**
 * A sliding-window log for one rate-limit bucket of one account. Every arrival is recorded,
 * including the ones it rejects: the sandbox follows the stricter reading of the API (reference
 * "Decisions": rejected requests count against the limit), so a client that keeps hammering
 * stays blocked.
 */
export interface SlidingWindow {
  /** Record an arrival at API time `nowMs`; true when it is within the limit. */
  hit(nowMs: number): boolean;
  /** Forget every arrival. */
  clear(): void;
}

/** Allow at most `limit` arrivals in any window of `windowMs` (the window is `(now - windowMs, now]`). */
export function createSlidingWindow(limit: number, windowMs: number): SlidingWindow {
  let arrivals: number[] = [];
  return {
    hit(nowMs) {
      const horizon = nowMs - windowMs;
      // Arrivals are recorded in clock order, so the expired ones are a prefix.
      let expired = 0;
      while (expired < arrivals.length && (arrivals[expired] as number) <= horizon) expired++;
      if (expired > 0) arrivals = arrivals.slice(expired);
      const allowed = arrivals.length < limit;
      arrivals.push(nowMs);
      return allowed;
    },
    clear() {
      arrivals = [];
    },
  };
}
