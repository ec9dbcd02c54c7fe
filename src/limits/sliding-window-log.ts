import type { Headroom, Priority } from './rate-limits.ts';

/** One bucket's limits in the units of the clock that drives the log (real ms in the broker). */
export interface WindowSpec {
  /** At most this many grants in any window. */
  limit: number;
  windowMs: number;
  /** Added to the window: absorbs network jitter and server timestamp granularity (research §2). */
  marginMs: number;
  /** Minimum distance between consecutive grants, for even pacing. @default 0 */
  spacingMs?: number;
  /** Slots per window a class leaves free for the classes above it. @default no headroom */
  headroom?: Partial<Headroom>;
}

/** What a caller asks of {@link SlidingWindowLog.reserve}. */
export interface ReserveOptions {
  priority: Priority;
  /** Refuse instead of reserving a slot further away than this. */
  maxWaitMs: number;
  /** Unique per request; {@link SlidingWindowLog.cancel} gives the slot back by it. */
  member: string;
}

/** Granted: send at `slotMs` (= now + `waitMs`). Refused: the slot would have been `slotMs`. */
export type Reservation =
  | { granted: true; slotMs: number; waitMs: number }
  | { granted: false; slotMs: number; retryInMs: number };

/** Send-time confirmation: `ok`, or ask again in `retryInMs` (the request must not be sent yet). */
export type Confirmation = { ok: true } | { ok: false; retryInMs: number };

/** What the journal knows of a restored grant: when it was sent and when it was done. */
export interface RestoredTimes {
  sentMs: number;
  doneMs: number;
}

/**
 * Longest a refused confirmation waits before asking again while an entry it waits for is still
 * in flight: its real done time is unknown (counted at its worst case) and a settle may come any
 * moment, so the caller re-polls soon rather than sleeping out the worst case.
 */
export const CONFIRM_REPOLL_MS = 20;

/** A sliding-window log with reservations for one bucket. Pure: every call takes `nowMs`. */
export interface SlidingWindowLog {
  /** Reserve the earliest slot that keeps every window within its limit, or refuse. */
  reserve(nowMs: number, options: ReserveOptions): Reservation;
  /**
   * At send time: mark `member` as sent at `nowMs` unless that could put more than `limit`
   * arrivals in one server window (see {@link createSlidingWindowLog}); refused entries stay
   * unsent. An unknown member (pruned while its caller stalled) is added as a new sent entry.
   * Until it is settled the entry counts as done at `nowMs + maxInFlightMs`, its worst case.
   */
  confirm(nowMs: number, member: string, maxInFlightMs: number): Confirmation;
  /** The response (or failure) of a sent entry came back at `nowMs`; false when nothing changed. */
  settle(nowMs: number, member: string): boolean;
  /** Give back a reservation not sent yet; true when it was there. Sent entries stay. */
  cancel(member: string): boolean;
  /** Nobody gets a slot or is confirmed before `nowMs + ms` (extends a block, never shortens it). */
  block(nowMs: number, ms: number): void;
  /** How long the bucket stays blocked from `nowMs`; 0 when it is not. */
  blockedForMs(nowMs: number): number;
  /** Entries that still matter at `nowMs`: reservations, requests in flight, recent ones. */
  used(nowMs: number): number;
  /**
   * Put back a grant recorded earlier (a previous broker's grant journal). With `times` it is a
   * sent entry done at `times.doneMs`; without, an unsent reservation at `slotMs`.
   */
  restore(slotMs: number, member: string, times?: RestoredTimes): void;
  /** Slots still in the log, oldest first (for status output and tests). */
  slots(): readonly number[];
}

interface Entry {
  slotMs: number;
  member: string;
  /** Set by `confirm`: the request may leave from here on. */
  sentMs?: number;
  /** While in flight: the latest it can be done (send + maxInFlightMs). */
  untilMs?: number;
  /** Set by `settle`. */
  doneMs?: number;
}

/** When the request of a sent entry reached the server at the latest. */
const worstDone = (e: Entry) => e.doneMs ?? e.untilMs ?? Number.POSITIVE_INFINITY;
/** After this the entry can no longer share a window with anything from now on. */
const endOf = (e: Entry) => (e.sentMs === undefined ? e.slotMs : worstDone(e));
/** Where scheduling expects the entry's arrival: the slot, then the send, then the done time. */
const positionOf = (e: Entry) => e.doneMs ?? Math.max(e.slotMs, e.sentMs ?? e.slotMs);

/**
 * Create the log (research §2). The earliest slot is one formula:
 *
 *     t = max(now, blockedUntil, lastSlot + spacing, p[eff] + window + margin)
 *
 * where `eff = limit − headroom(priority)` and `p[eff]` is the eff-th latest position (slot of a
 * reservation, max(slot, send) of a request in flight, done time of a finished one): a window
 * ending at or after t then holds at most eff − 1 entries plus the new one. Slots are appended
 * in order (t ≥ lastSlot), which keeps reservations FIFO and lets the spacing apply.
 *
 * Scheduling alone is not enough: a request leaves later than its slot (timer lateness, event
 * loop stalls, GC) and reaches the server later still, so two slots W + m apart can arrive
 * less than W apart. `confirm` makes the guarantee independent of latency. Every sent request i
 * has send time s_i and done time d_i (its response or failure came back), so it arrives at
 * a_i ∈ [s_i, d_i]. Confirm lets j leave at t only if fewer than `limit` OTHER sent requests have
 * d_i > t − W − m (in flight: d_i = s_i + maxInFlight). Then no server window (x − W, x] holds more
 * than `limit` arrivals: let r be the last-sent among them; every other one was sent before r and
 * has d_i ≥ a_i > x − W ≥ a_r − W ≥ s_r − W, so all were counted when r was confirmed.
 */
export function createSlidingWindowLog(spec: WindowSpec): SlidingWindowLog {
  const spanMs = spec.windowMs + spec.marginMs;
  const spacingMs = spec.spacingMs ?? 0;
  // A handful of entries (≤ a few times the limit after pruning): arrays beat anything fancier.
  const entries: Entry[] = [];
  let blockedUntilMs = Number.NEGATIVE_INFINITY;

  // Entries ending at or before now − span can no longer share a window with anything from now on.
  const prune = (nowMs: number) => {
    for (let i = entries.length - 1; i >= 0; i--)
      if (endOf(entries[i]!) <= nowMs - spanMs) entries.splice(i, 1);
  };

  const effectiveLimit = (priority: Priority) => Math.max(1, spec.limit - (spec.headroom?.[priority] ?? 0));

  const earliestSlot = (nowMs: number, eff: number) => {
    let slot = Math.max(nowMs, blockedUntilMs);
    if (entries.length > 0) slot = Math.max(slot, Math.max(...entries.map((e) => e.slotMs)) + spacingMs);
    const pivot = entries.map(positionOf).sort((a, b) => b - a)[eff - 1];
    if (pivot !== undefined) slot = Math.max(slot, pivot + spanMs);
    return slot;
  };

  return {
    reserve(nowMs, { priority, maxWaitMs, member }) {
      prune(nowMs);
      const slotMs = earliestSlot(nowMs, effectiveLimit(priority));
      const waitMs = slotMs - nowMs;
      if (waitMs > maxWaitMs) return { granted: false, slotMs, retryInMs: waitMs - maxWaitMs };
      entries.push({ slotMs, member });
      return { granted: true, slotMs, waitMs };
    },
    confirm(nowMs, member, maxInFlightMs) {
      prune(nowMs);
      if (blockedUntilMs > nowMs) return { ok: false, retryInMs: blockedUntilMs - nowMs };
      // Full limit, not the class's: headroom is a scheduling preference, this is the server's rule.
      const counted = entries
        .filter((e) => e.member !== member && e.sentMs !== undefined && worstDone(e) > nowMs - spanMs)
        .sort((a, b) => worstDone(a) - worstDone(b));
      if (counted.length >= spec.limit) {
        const leaving = counted.slice(0, counted.length - spec.limit + 1);
        const retryInMs = worstDone(leaving.at(-1)!) + spanMs - nowMs;
        const settleMayComeFirst = leaving.some((e) => e.doneMs === undefined);
        return {
          ok: false,
          retryInMs: settleMayComeFirst ? Math.min(retryInMs, CONFIRM_REPOLL_MS) : retryInMs,
        };
      }
      let entry = entries.find((e) => e.member === member);
      if (!entry) {
        entry = { slotMs: nowMs, member };
        entries.push(entry);
      }
      entry.sentMs = nowMs;
      entry.untilMs = nowMs + maxInFlightMs;
      delete entry.doneMs;
      return { ok: true };
    },
    settle(nowMs, member) {
      const entry = entries.find((e) => e.member === member);
      if (entry?.sentMs === undefined || entry.doneMs !== undefined) return false;
      // Never later than the worst case it was counted with: past it the client had aborted.
      entry.doneMs = Math.min(nowMs, worstDone(entry));
      return true;
    },
    cancel(member) {
      const index = entries.findIndex((e) => e.member === member && e.sentMs === undefined);
      if (index < 0) return false;
      entries.splice(index, 1);
      return true;
    },
    block(nowMs, ms) {
      blockedUntilMs = Math.max(blockedUntilMs, nowMs + ms);
    },
    blockedForMs: (nowMs) => Math.max(0, blockedUntilMs - nowMs),
    used(nowMs) {
      prune(nowMs);
      return entries.length;
    },
    restore(slotMs, member, times) {
      entries.push(times ? { slotMs, member, ...times, untilMs: times.doneMs } : { slotMs, member });
    },
    slots: () => entries.map((e) => e.slotMs).sort((a, b) => a - b),
  };
}
