/**
 * The budget's store in one process's memory: one sliding-window log per bucket on one event
 * loop (every method runs to completion, so each decision is atomic). No files: the broker's
 * memory store adds its grant journal around it; an API client used bare takes it as it is.
 */
import type { BucketUsage, BudgetStore } from './budget-store.ts';
import { type Clock, monotonicClock } from './clock.ts';
import { type BucketId, RATE_LIMITS } from './rate-limits.ts';
import type { ScaledLimits } from './scaled-limits.ts';
import { createSlidingWindowLog, type SlidingWindowLog } from './sliding-window-log.ts';

/** A memory store also reports the slot it granted, on its own clock (for logs and tests). */
export type StoreDecision =
  | { granted: true; waitMs: number; slotMs: number }
  | { granted: false; retryInMs: number };

/** {@link BudgetStore} in memory; `reserve` also returns the slot. */
export interface MemoryBudget extends BudgetStore {
  reserve(request: Parameters<BudgetStore['reserve']>[0]): Promise<StoreDecision>;
  /** The log of one bucket: the broker's journal restores into it and journals what it settles. */
  log(bucket: BucketId): SlidingWindowLog;
}

/** Create the logs of every bucket for `limits` (real ms), on `clock`. */
export function createMemoryBudget(limits: ScaledLimits, clock: Clock = monotonicClock): MemoryBudget {
  const buckets = Object.keys(RATE_LIMITS) as BucketId[];
  const logs = new Map<BucketId, SlidingWindowLog>(
    buckets.map((b) => [b, createSlidingWindowLog(limits[b])]),
  );
  const log = (bucket: BucketId) => logs.get(bucket) as SlidingWindowLog;
  return {
    log,
    async reserve({ bucket, priority, maxWaitMs, member }) {
      const reservation = log(bucket).reserve(clock.now(), { priority, maxWaitMs, member });
      if (!reservation.granted) return { granted: false, retryInMs: reservation.retryInMs };
      return { granted: true, waitMs: reservation.waitMs, slotMs: reservation.slotMs };
    },
    async confirm(bucket, member, maxInFlightMs) {
      return log(bucket).confirm(clock.now(), member, maxInFlightMs);
    },
    async settle(bucket, member) {
      log(bucket).settle(clock.now(), member);
    },
    async unreserve(bucket, member) {
      log(bucket).cancel(member);
    },
    async block(bucket, ms) {
      log(bucket).block(clock.now(), ms);
    },
    async usage() {
      const now = clock.now();
      const out = {} as Record<BucketId, BucketUsage>;
      for (const bucket of buckets) {
        const l = log(bucket);
        out[bucket] = { used: l.used(now), limit: limits[bucket].limit, blockedForMs: l.blockedForMs(now) };
      }
      return out;
    },
  };
}
