import type { Headroom } from './headroom.ts';
import type { Priority } from './priorities.ts';

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

/** A sliding-window log with reservations for one bucket. Pure: every call takes `nowMs`. */
export interface SlidingWindowLog {
  /** Reserve the earliest slot that keeps every window within its limit, or refuse. */
  reserve(nowMs: number, options: ReserveOptions): Reservation;
  /** Give a reservation back; true when it was there. Always safe: removing never overfills. */
  cancel(member: string): boolean;
  /** Nobody gets a slot before `nowMs + ms` (extends a block, never shortens it). */
  block(nowMs: number, ms: number): void;
  /** How long the bucket stays blocked from `nowMs`; 0 when it is not. */
  blockedForMs(nowMs: number): number;
  /** Slots inside the window ending at `nowMs`, reservations in the future included. */
  used(nowMs: number): number;
  /**
   * Put back a grant recorded earlier (a previous broker's grant journal), in time order. Meant
   * for start-up, before any `reserve`: a slot put between later ones could overfill their windows.
   */
  restore(slotMs: number, member: string): void;
  /** Slots still in the log, oldest first (for status output and tests). */
  slots(): readonly number[];
}

interface Entry {
  slotMs: number;
  member: string;
}

/**
 * Create the log (research §2). Grants are appended in non-decreasing slot order, so the
 * earliest slot is one formula:
 *
 *     t = max(now, blockedUntil, last + spacing, s[k − eff + 1] + window + margin)
 *
 * where `eff = limit − headroom(priority)` and `s[k − eff + 1]` is the eff-th most recent slot
 * (future reservations included): every window containing t starts after t − window − margin,
 * where at most eff − 1 slots lie, so it holds at most eff ≤ limit with the new one. Slots are
 * appended in order (t ≥ last), which keeps reservations FIFO and lets the spacing apply.
 */
export function createSlidingWindowLog(spec: WindowSpec): SlidingWindowLog {
  const spanMs = spec.windowMs + spec.marginMs;
  const spacingMs = spec.spacingMs ?? 0;
  // Sorted by slot; a handful of entries (≤ limit after pruning), so arrays beat anything fancier.
  const entries: Entry[] = [];
  let blockedUntilMs = Number.NEGATIVE_INFINITY;

  // Entries at or before now − span can no longer share a window with any slot t ≥ now.
  const prune = (nowMs: number) => {
    let drop = 0;
    while (drop < entries.length && entries[drop]!.slotMs <= nowMs - spanMs) drop++;
    if (drop > 0) entries.splice(0, drop);
  };

  const effectiveLimit = (priority: Priority) => Math.max(1, spec.limit - (spec.headroom?.[priority] ?? 0));

  const earliestSlot = (nowMs: number, eff: number) => {
    let slot = Math.max(nowMs, blockedUntilMs);
    const last = entries.at(-1);
    if (last) slot = Math.max(slot, last.slotMs + spacingMs);
    const pivot = entries[entries.length - eff];
    if (pivot) slot = Math.max(slot, pivot.slotMs + spanMs);
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
    cancel(member) {
      const index = entries.findIndex((e) => e.member === member);
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
    restore(slotMs, member) {
      let index = entries.length;
      while (index > 0 && entries[index - 1]!.slotMs > slotMs) index--;
      entries.splice(index, 0, { slotMs, member });
    },
    slots: () => entries.map((e) => e.slotMs),
  };
}
