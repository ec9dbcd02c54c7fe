import { randomUUID } from 'node:crypto';
import { abortableDelay } from './abortable.ts';
import type { BudgetStore } from './budget-store.ts';
import { scaledMaxWaitMs } from './max-wait.ts';
import type { Priority } from './priorities.ts';
import type { BucketId } from './rate-limits.ts';
import type { ScaledLimits } from './scaled-limits.ts';

/**
 * The longest a sent request may be in flight by default (real ms): twice the client's default
 * 15 s timeout, since a server may start on a request late and finish it after the client gave
 * up. The broker derives its own from its request timeout (`maxInFlightMs` in config/settings).
 */
export const MAX_IN_FLIGHT_MS = 30_000;

/** Options of {@link RequestBudget.acquire}. */
export interface AcquireOptions {
  /** @default 'normal' */
  priority?: Priority;
  /** Stop waiting; the promise rejects with `signal.reason` and the slot is given back. */
  signal?: AbortSignal;
}

/**
 * Proof of a confirmed send. Call `done()` as soon as the response or the failure of the request
 * came back: until then the request counts as in flight for `maxInFlightMs` after its send, its
 * worst case, and holds back the next requests of the bucket. Idempotent; never throws.
 */
export interface BudgetPermit {
  done(): Promise<void>;
}

/**
 * The seam the HTTP client calls before EVERY attempt, retries included (research §8: retries,
 * timeouts and 429s all count at the server).
 */
export interface RequestBudget {
  /**
   * Resolves when a request on `bucket` may be sent now, with the permit to settle as soon as
   * its response (or failure) is back: until then the budget counts the request as possibly
   * still on its way to the server.
   */
  acquire(bucket: BucketId, options?: AcquireOptions): Promise<BudgetPermit>;
  /**
   * Any 429: block `bucket` for everyone sharing the budget, for the server's hint (real ms)
   * plus the margin, or a full window + margin without a hint.
   */
  reportRateLimited(bucket: BucketId, retryAfterMs?: number): Promise<void>;
}

/** A {@link RequestBudget} over a {@link BudgetStore}: `acquire` always resolves with a permit. */
export interface StoreBudget extends RequestBudget {
  acquire(bucket: BucketId, options?: AcquireOptions): Promise<BudgetPermit>;
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
  /**
   * The latest a sent request can reach the server (real ms): until its permit is `done()`, a
   * request counts as done this long after its send. Must be ≥ the HTTP client's per-request
   * timeout (default 15 s), which aborts a request that has not finished by then. @default 30000
   */
  maxInFlightMs?: number;
}

/**
 * A {@link RequestBudget} over a {@link BudgetStore}: reserve a slot, sleep until it (one exact
 * sleep, no re-polling), then confirm at send time — the store checks against the send and done
 * times of the requests already sent, so timer lateness and network latency cannot put more than
 * the limit into one server window; a refused confirmation waits as told and asks again. When a
 * reservation is refused (the slot is further than the class may reserve), back off
 * `min(retryInMs, cap)` plus jitter — so refused callers do not return in one herd. An abort
 * before the send gives the slot back.
 */
export function createStoreBudget(store: BudgetStore, options: StoreBudgetOptions): StoreBudget {
  const sleep = options.sleep ?? abortableDelay;
  const maxWait = { ...scaledMaxWaitMs(1), ...options.maxWaitMsByPriority };
  const retryCapMs = options.retryCapMs ?? 2000;
  const maxJitterMs = options.maxJitterMs ?? 250;
  const random = options.random ?? Math.random;
  const maxInFlightMs = options.maxInFlightMs ?? MAX_IN_FLIGHT_MS;

  const permit = (bucket: BucketId, member: string): BudgetPermit => {
    let settled: Promise<void> | undefined;
    // An unreachable store keeps the request in flight until its worst case: safe, only slower.
    return {
      done: () =>
        (settled ??= Promise.resolve()
          .then(() => store.settle(bucket, member))
          .catch(() => {})),
    };
  };

  const confirm = async (bucket: BucketId, member: string, signal: AbortSignal | undefined) => {
    for (;;) {
      signal?.throwIfAborted();
      const decision = await store.confirm(bucket, member, maxInFlightMs);
      if (decision.ok) return;
      await sleep(decision.retryInMs, signal);
    }
  };

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
            await confirm(bucket, member, signal);
          } catch (error) {
            // Not sent: give the slot back (best effort; an unreachable store keeps it, which is safe).
            await store.unreserve(bucket, member).catch(() => {});
            throw error;
          }
          const granted = permit(bucket, member);
          // Aborted while confirming: the caller will not send, and may no longer be listening.
          if (signal?.aborted) {
            await granted.done();
            throw signal.reason;
          }
          return granted;
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
