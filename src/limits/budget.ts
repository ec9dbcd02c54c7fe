/**
 * The request budget: every API request takes a slot of its bucket before it is sent, from a
 * store port this layer defines (`BudgetStore`) — one process's memory here, Redis in the
 * broker's store — so the same algorithm serves a bare client and a fleet of brokers. Also the
 * abortable wait a budget-held request sleeps in.
 */

import { randomUUID } from 'node:crypto';
import { type Clock, monotonicClock } from './clock.ts';
import {
  bucketLimit,
  type LimitPolicy,
  type Priority,
  type ScaledLimits,
  scaledLimits,
  scaledMaxWaitMs,
  unknownBucket,
} from './rate-limits.ts';
import { createSlidingWindowLog, type SlidingWindowLog } from './sliding-window-log.ts';

/*
 * The store port of the budget: what a sliding-window budget needs from wherever its log lives
 * — one process's memory ({@link createMemoryBudget}), or Redis for several machines (the broker's
 * stores implement it). Durations are relative real milliseconds: the store keeps its own clock
 * (performance.now in memory, Redis `TIME` in Redis), so callers never pass their timestamps.
 */

/** Ask for a slot in a bucket's sliding window (a bucket id of the table the budget was built from). */
export interface BudgetRequest {
  bucket: string;
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
export interface BudgetStore {
  /** Reserve the earliest slot that keeps every window within its limit, or refuse. */
  reserve(request: BudgetRequest): Promise<BudgetDecision>;
  /**
   * At send time, after the slot of `member`: mark it sent now if fewer than `limit` (the full
   * limit) other sent requests of the bucket are done after now − window − margin — a request
   * in flight counts as done at its send + `maxInFlightMs`, the latest it can arrive (the HTTP
   * client aborts it after its timeout) — and while no 429 block lasts. Refused: not marked, nothing may be
   * sent; ask again in `retryInMs` (short while a settle could free the room sooner). This makes
   * the limit hold at the server whatever the latency (proof in sliding-window-log.ts). An
   * unknown member (pruned, or lost with Redis' data) is added as a new sent request.
   */
  confirm(bucket: string, member: string, maxInFlightMs: number): Promise<ConfirmDecision>;
  /** The response or failure of a confirmed `member` came back: it is done now (idempotent). */
  settle(bucket: string, member: string): Promise<void>;
  /** Give back a reservation not confirmed yet (always safe: removing never overfills). */
  unreserve(bucket: string, member: string): Promise<void>;
  /** After a 429: nobody sends on `bucket` before now + `ms` (extends, never shortens). */
  block(bucket: string, ms: number): Promise<void>;
  usage(): Promise<Record<string, BucketUsage>>;
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
export interface MemoryBudget extends BudgetStore {
  reserve(request: Parameters<BudgetStore['reserve']>[0]): Promise<StoreDecision>;
  /** The log of one bucket: the broker's journal restores into it and journals what it settles. */
  log(bucket: string): SlidingWindowLog;
}

/** Create the logs of every bucket of `limits` (real ms), on `clock`. A bucket it lacks is a RangeError. */
export function createMemoryBudget(limits: ScaledLimits, clock: Clock = monotonicClock): MemoryBudget {
  const buckets = Object.keys(limits);
  const logs = new Map<string, SlidingWindowLog>(
    buckets.map((b) => [b, createSlidingWindowLog(bucketLimit(limits, b))]),
  );
  const log = (bucket: string): SlidingWindowLog => logs.get(bucket) ?? unknownBucket(limits, bucket);
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
      const out = {} as Record<string, BucketUsage>;
      for (const bucket of buckets) {
        const l = log(bucket);
        out[bucket] = {
          used: l.used(now),
          limit: bucketLimit(limits, bucket).limit,
          blockedForMs: l.blockedForMs(now),
        };
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
export interface RequestBudget {
  /**
   * Resolves when a request on `bucket` may be sent now, with the permit to settle as soon as
   * its response (or failure) is back: until then the budget counts the request as possibly
   * still on its way to the server.
   */
  acquire(bucket: string, options?: AcquireOptions): Promise<BudgetPermit>;
  /**
   * Any 429: block `bucket` for everyone sharing the budget, for the server's hint (real ms)
   * plus the margin, or a full window + margin without a hint.
   */
  reportRateLimited(bucket: string, retryAfterMs?: number): Promise<void>;
}

/** A {@link RequestBudget} over a {@link BudgetStore}: `acquire` always resolves with a permit. */
export interface StoreBudget extends RequestBudget {
  acquire(bucket: string, options?: AcquireOptions): Promise<BudgetPermit>;
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

  const permit = (bucket: string, member: string): BudgetPermit => {
    let settled: Promise<void> | undefined;
    // An unreachable store keeps the request in flight until its worst case: safe, only slower.
    return {
      done: () =>
        (settled ??= Promise.resolve()
          .then(() => store.settle(bucket, member))
          .catch(() => {})),
    };
  };

  const confirm = async (bucket: string, member: string, signal: AbortSignal | undefined) => {
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
      const { windowMs, marginMs } = bucketLimit(options.limits, bucket);
      await store.block(bucket, retryAfterMs === undefined ? windowMs + marginMs : retryAfterMs + marginMs);
    },
  };
}

/** Options of {@link createLocalBudget}. */
export interface LocalBudgetOptions {
  /** How many times faster than real time the API's clock runs (sandbox only). @default 1 */
  timeScale?: number;
  /** @default monotonicClock */
  clock?: Clock;
  /** The API's published limits and how its buckets share them (e.g. v1's `V1_LIMIT_POLICY`). */
  policy: LimitPolicy;
  /** The limits in real ms. @default scaledLimits(policy, { timeScale }) */
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
export function createLocalBudget(options: LocalBudgetOptions): StoreBudget {
  const timeScale = options.timeScale ?? 1;
  const limits = options.limits ?? scaledLimits(options.policy, { timeScale });
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
