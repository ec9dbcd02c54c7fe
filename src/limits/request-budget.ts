import { randomUUID } from 'node:crypto';
import type { BrokerStore } from '../broker/store/broker-store.ts';
import { scaledMaxWaitMs } from './max-wait.ts';
import type { Priority } from './priorities.ts';
import type { BucketId } from './rate-limits.ts';
import type { ScaledLimits } from './scaled-limits.ts';

/** Options of {@link RequestBudget.acquire}. */
export interface AcquireOptions {
  /** @default 'normal' */
  priority?: Priority;
  /** Stop waiting; the promise rejects with `signal.reason` and the slot is given back. */
  signal?: AbortSignal;
}

/**
 * The seam the HTTP client calls before EVERY attempt, retries included (research §8: retries,
 * timeouts and 429s all count at the server).
 */
export interface RequestBudget {
  /** Resolves when a request on `bucket` may be sent now. */
  acquire(bucket: BucketId, options?: AcquireOptions): Promise<void>;
  /**
   * Any 429: block `bucket` for everyone sharing the budget, for the server's hint (real ms)
   * plus the margin, or a full window + margin without a hint.
   */
  reportRateLimited(bucket: BucketId, retryAfterMs?: number): Promise<void>;
}

/** Waits `ms`; rejects with `signal.reason` on abort. Tests inject one that moves a manual clock. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Options of {@link createStoreBudget}. */
export interface StoreBudgetOptions {
  /** The limits the store enforces (for the block length after a 429 without a hint). */
  limits: ScaledLimits;
  /** @default real timers */
  sleep?: Sleep;
  /** How far ahead each class may reserve (real ms). @default scaledMaxWaitMs(1) */
  maxWaitMsByPriority?: Partial<Record<Priority, number>>;
  /** Upper bound of one back-off after a refusal, before jitter (real ms). @default 2000 */
  retryCapMs?: number;
  /** Upper bound of the random jitter added to each back-off (real ms). @default 250 */
  maxJitterMs?: number;
  /** @default Math.random */
  random?: () => number;
}

/**
 * A {@link RequestBudget} over a {@link BrokerStore}: reserve a slot, sleep until it (one exact
 * sleep, no re-polling); when refused (the slot is further than the class may reserve), back
 * off `min(retryInMs, cap)` plus jitter — so refused callers do not return in one herd — and
 * ask again. An abort while sleeping on a reservation gives the slot back.
 */
export function createStoreBudget(store: BrokerStore, options: StoreBudgetOptions): RequestBudget {
  const sleep = options.sleep ?? defaultSleep;
  const maxWait = { ...scaledMaxWaitMs(1), ...options.maxWaitMsByPriority };
  const retryCapMs = options.retryCapMs ?? 2000;
  const maxJitterMs = options.maxJitterMs ?? 250;
  const random = options.random ?? Math.random;

  return {
    async acquire(bucket, { priority = 'normal', signal } = {}) {
      for (;;) {
        signal?.throwIfAborted();
        const member = randomUUID();
        const decision = await store.reserve({ bucket, priority, maxWaitMs: maxWait[priority], member });
        if (decision.granted) {
          try {
            signal?.throwIfAborted();
            if (decision.waitMs > 0) await sleep(decision.waitMs, signal);
            return;
          } catch (error) {
            // Unused reservation: give it back (best effort; an unreachable store keeps it, which is safe).
            await store.unreserve(bucket, member).catch(() => {});
            throw error;
          }
        }
        const backoffMs = Math.min(decision.retryInMs, retryCapMs);
        await sleep(backoffMs + random() * Math.min(backoffMs, maxJitterMs), signal);
      }
    },
    async reportRateLimited(bucket, retryAfterMs) {
      const { windowMs, marginMs } = options.limits[bucket];
      await store.block(bucket, retryAfterMs === undefined ? windowMs + marginMs : retryAfterMs + marginMs);
    },
  };
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
