/**
 * The request budget: every API request takes a slot of its bucket before it is sent, from a
 * store port this layer defines (`BudgetStore`) — one process's memory here, Redis in the
 * broker's store — so the same algorithm serves a bare client and a fleet of brokers. Also the
 * abortable wait a budget-held request sleeps in.
 */

import { randomUUID } from 'node:crypto';
import { type Clock, monotonicClock } from './clock.ts';
import {
  type BucketId,
  type Priority,
  type ScaledLimits,
  scaledLimits,
  scaledMaxWaitMs,
} from './rate-limits.ts';
import { createSlidingWindowLog, type SlidingWindowLog } from './sliding-window-log.ts';

/*
 * Every shape below is generic over the bucket ids `B` of the table it is handed, defaulting to
 * TempNumber v1's (`BucketId`): each provider declares its own table (docs/decisions/0016).
 *
 * The store port of the budget: what a sliding-window budget needs from wherever its log lives
 * — one process's memory ({@link createMemoryBudget}), or Redis for several machines (the broker's
 * stores implement it). Durations are relative real milliseconds: the store keeps its own clock
 * (performance.now in memory, Redis `TIME` in Redis), so callers never pass their timestamps.
 */

/** Ask for a slot in a bucket's sliding window. */
export interface BudgetRequest<B extends string = BucketId> {
  bucket: B;
  priority: Priority;
  /** Refuse instead of reserving a slot further away than this. */
  maxWaitMs: number;
  /** Unique per request (ZSET member in Redis); used to give an unused slot back. */
  member: string;
}

/** `granted`: send after `waitMs` (relative). Refused: ask again in about `retryInMs`. */
export type BudgetDecision = { granted: true; waitMs: number } | { granted: false; retryInMs: number };

/** Send-time check: `ok` → send now; refused → do not send, ask again in `retryInMs`. */
export type ConfirmDecision = { ok: true } | { ok: false; retryInMs: number };

/** Use of one bucket right now, for `playwright-tempnumber status`. */
export interface BucketUsage {
  /** Requests that still count: reservations, requests in flight and those done within the window. */
  used: number;
  limit: number;
  /** > 0 while a 429 blocks the bucket. */
  blockedForMs: number;
}

/** The budget's decisions, each atomic in its store. */
export interface BudgetStore<B extends string = BucketId> {
  /** Reserve the earliest slot that keeps every window within its limit, or refuse. */
  reserve(request: BudgetRequest<B>): Promise<BudgetDecision>;
  /**
   * At send time, after the slot of `member`: mark it sent now if fewer than `limit` (the full
   * limit) other sent requests of the bucket are done after now − window − margin — a request
   * in flight counts as done at its send + `maxInFlightMs`, the latest it can arrive (the HTTP
   * client aborts it after its timeout) — and while no 429 block lasts. Refused: not marked, nothing may be
   * sent; ask again in `retryInMs` (short while a settle could free the room sooner). This makes
   * the limit hold at the server whatever the latency (proof in sliding-window-log.ts). An
   * unknown member (pruned, or lost with Redis' data) is added as a new sent request.
   */
  confirm(bucket: B, member: string, maxInFlightMs: number): Promise<ConfirmDecision>;
  /** The response or failure of a confirmed `member` came back: it is done now (idempotent). */
  settle(bucket: B, member: string): Promise<void>;
  /** Give back a reservation not confirmed yet (always safe: removing never overfills). */
  unreserve(bucket: B, member: string): Promise<void>;
  /** After a 429: nobody sends on `bucket` before now + `ms` (extends, never shortens). */
  block(bucket: B, ms: number): Promise<void>;
  usage(): Promise<Record<B, BucketUsage>>;
}

/*
 * The budget's store in one process's memory: one sliding-window log per bucket on one event
 * loop (every method runs to completion, so each decision is atomic). No files: the broker's
 * memory store adds its grant journal around it; an API client used bare takes it as it is.
 */

/** A memory store also reports the slot it granted, on its own clock (for logs and tests). */
export type StoreDecision =
  | { granted: true; waitMs: number; slotMs: number }
  | { granted: false; retryInMs: number };

/** {@link BudgetStore} in memory; `reserve` also returns the slot. */
export interface MemoryBudget<B extends string = BucketId> extends BudgetStore<B> {
  reserve(request: BudgetRequest<B>): Promise<StoreDecision>;
  /** The log of one bucket: the broker's journal restores into it and journals what it settles. */
  log(bucket: B): SlidingWindowLog;
}

/** Create the logs of every bucket of `limits` (real ms), on `clock`. */
export function createMemoryBudget<B extends string = BucketId>(
  limits: ScaledLimits<B>,
  clock: Clock = monotonicClock,
): MemoryBudget<B> {
  const buckets = Object.keys(limits) as B[];
  const logs = new Map<B, SlidingWindowLog>(buckets.map((b) => [b, createSlidingWindowLog(limits[b])]));
  const log = (bucket: B) => {
    const found = logs.get(bucket);
    // A bucket of another table: a provider handed a budget built for another provider's limits.
    if (!found) throw new RangeError(`No rate-limit bucket \`${bucket}\` in this budget's table`);
    return found;
  };
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
      const out = {} as Record<B, BucketUsage>;
      for (const bucket of buckets) {
        const l = log(bucket);
        out[bucket] = { used: l.used(now), limit: limits[bucket].limit, blockedForMs: l.blockedForMs(now) };
      }
      return out;
    },
  };
}

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
export interface RequestBudget<B extends string = BucketId> {
  /**
   * Resolves when a request on `bucket` may be sent now, with the permit to settle as soon as
   * its response (or failure) is back: until then the budget counts the request as possibly
   * still on its way to the server.
   */
  acquire(bucket: B, options?: AcquireOptions): Promise<BudgetPermit>;
  /**
   * Any 429: block `bucket` for everyone sharing the budget, for the server's hint (real ms)
   * plus the margin, or a full window + margin without a hint.
   */
  reportRateLimited(bucket: B, retryAfterMs?: number): Promise<void>;
}

/** A {@link RequestBudget} over a {@link BudgetStore}: `acquire` always resolves with a permit. */
export interface StoreBudget<B extends string = BucketId> extends RequestBudget<B> {
  acquire(bucket: B, options?: AcquireOptions): Promise<BudgetPermit>;
}

/** Waits `ms`; rejects with `signal.reason` on abort. Tests inject one that moves a manual clock. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Options of {@link createStoreBudget}. */
export interface StoreBudgetOptions<B extends string = BucketId> {
  /** The limits the store enforces (for the block length after a 429 without a hint). */
  limits: ScaledLimits<B>;
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
export function createStoreBudget<B extends string = BucketId>(
  store: BudgetStore<B>,
  options: StoreBudgetOptions<B>,
): StoreBudget<B> {
  const sleep = options.sleep ?? abortableDelay;
  const maxWait = { ...scaledMaxWaitMs(1), ...options.maxWaitMsByPriority };
  const retryCapMs = options.retryCapMs ?? 2000;
  const maxJitterMs = options.maxJitterMs ?? 250;
  const random = options.random ?? Math.random;
  const maxInFlightMs = options.maxInFlightMs ?? MAX_IN_FLIGHT_MS;

  const permit = (bucket: B, member: string): BudgetPermit => {
    let settled: Promise<void> | undefined;
    // An unreachable store keeps the request in flight until its worst case: safe, only slower.
    return {
      done: () =>
        (settled ??= Promise.resolve()
          .then(() => store.settle(bucket, member))
          .catch(() => {})),
    };
  };

  const confirm = async (bucket: B, member: string, signal: AbortSignal | undefined) => {
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

/** Options of {@link createLocalBudget}. */
export interface LocalBudgetOptions<B extends string = BucketId> {
  /** How many times faster than real time the API's clock runs (sandbox only). @default 1 */
  timeScale?: number;
  /** @default monotonicClock */
  clock?: Clock;
  /** @default scaledLimits({ timeScale }) — TempNumber v1's table */
  limits?: ScaledLimits<B>;
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
export function createLocalBudget<B extends string = BucketId>(
  options: LocalBudgetOptions<B> = {},
): StoreBudget<B> {
  const timeScale = options.timeScale ?? 1;
  const limits = options.limits ?? (scaledLimits({ timeScale }) as unknown as ScaledLimits<B>);
  return createStoreBudget(createMemoryBudget(limits, options.clock), {
    limits,
    maxWaitMsByPriority: scaledMaxWaitMs(timeScale),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.maxInFlightMs === undefined ? {} : { maxInFlightMs: options.maxInFlightMs }),
  });
}

/*
 * Waiting that an AbortSignal can cut short. An abort always rejects with the signal's own
 * `reason`, so the caller sees exactly what they aborted with (never a wrapped error).
 */

/** Resolve after `ms` real milliseconds, or reject with `signal.reason` as soon as it aborts. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
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

/**
 * Settle with `promise`, or reject with `signal.reason` as soon as the signal aborts, whichever
 * comes first. Used around an injected budget so an abort is prompt even if an implementation
 * forgets to honour the signal it was given.
 */
export function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
