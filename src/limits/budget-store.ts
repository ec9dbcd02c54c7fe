/**
 * The store port of the budget: what a sliding-window budget needs from wherever its log lives
 * — one process's memory ({@link createMemoryBudget}), or Redis for several machines (the broker's
 * stores implement it). Durations are relative real milliseconds: the store keeps its own clock
 * (performance.now in memory, Redis `TIME` in Redis), so callers never pass their timestamps.
 */
import type { Priority } from './priorities.ts';
import type { BucketId } from './rate-limits.ts';

/** Ask for a slot in a bucket's sliding window. */
export interface BudgetRequest {
  bucket: BucketId;
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
  confirm(bucket: BucketId, member: string, maxInFlightMs: number): Promise<ConfirmDecision>;
  /** The response or failure of a confirmed `member` came back: it is done now (idempotent). */
  settle(bucket: BucketId, member: string): Promise<void>;
  /** Give back a reservation not confirmed yet (always safe: removing never overfills). */
  unreserve(bucket: BucketId, member: string): Promise<void>;
  /** After a 429: nobody sends on `bucket` before now + `ms` (extends, never shortens). */
  block(bucket: BucketId, ms: number): Promise<void>;
  usage(): Promise<Record<BucketId, BucketUsage>>;
}
