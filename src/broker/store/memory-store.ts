import { type Clock, monotonicClock } from '../../limits/clock.ts';
import { type BucketId, RATE_LIMITS } from '../../limits/rate-limits.ts';
import type { ScaledLimits } from '../../limits/scaled-limits.ts';
import { createSlidingWindowLog, type SlidingWindowLog } from '../../limits/sliding-window-log.ts';
import type { BrokerStore, BucketUsage } from './broker-store.ts';
import { type GrantJournal, openGrantJournal } from './grant-journal.ts';
import { createMemoryRecords } from './memory-records.ts';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Real limits per bucket (see `scaledLimits`). */
  limits: ScaledLimits;
  /** @default monotonicClock (performance.now: an NTP step cannot shrink a window) */
  clock?: Clock;
  /**
   * Grant journal file (e.g. `<runtimeDir>/grants-<accountId>.jsonl`). Set it in the broker so a
   * restarted broker does not believe its budget is fresh; leave it out for a bare client.
   */
  journalPath?: string;
  /** Wall clock of the journal (tests inject one). @default Date.now */
  wallClock?: Clock;
}

/** A memory store also reports the slot it granted, on its own clock (for logs and tests). */
export type StoreDecision =
  | { granted: true; waitMs: number; slotMs: number }
  | { granted: false; retryInMs: number };

/** {@link BrokerStore} in one process; `reserve` also returns the slot. */
export interface MemoryStore extends BrokerStore {
  readonly kind: 'memory';
  reserve(request: Parameters<BrokerStore['reserve']>[0]): Promise<StoreDecision>;
}

/**
 * The store of a single machine: one sliding-window log per bucket on one event loop (every
 * method runs to completion, so decisions are atomic), plus the grant journal (reservations,
 * sends and settles, so a restarted broker counts what was sent and when it was done).
 */
export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const clock = options.clock ?? monotonicClock;
  const wall = options.wallClock ?? { now: () => Date.now() };
  const { limits } = options;
  const buckets = Object.keys(RATE_LIMITS) as BucketId[];
  const logs = new Map<BucketId, SlidingWindowLog>(
    buckets.map((b) => [b, createSlidingWindowLog(limits[b])]),
  );
  const log = (bucket: BucketId) => logs.get(bucket)!;
  const journal = options.journalPath ? restoreJournal(options.journalPath) : undefined;

  function restoreJournal(path: string): GrantJournal {
    const opened = openGrantJournal(path, {
      keepMs: (bucket) => limits[bucket].windowMs + limits[bucket].marginMs,
      wallClock: wall,
    });
    // Map wall time onto this process's monotonic clock through one shared "now".
    const nowMs = clock.now();
    const wallNowMs = wall.now();
    const toMono = (wallMs: number) => nowMs - (wallNowMs - wallMs);
    opened.loaded.grants.forEach(({ bucket, wallMs, sentWallMs, doneWallMs }, index) => {
      const times = { sentMs: toMono(sentWallMs), doneMs: toMono(doneWallMs) };
      log(bucket).restore(toMono(wallMs), `journal:${index}`, times);
    });
    for (const { bucket, blockedUntilWallMs } of opened.loaded.blocks) {
      log(bucket).block(nowMs, blockedUntilWallMs - wallNowMs);
    }
    return opened;
  }

  return {
    kind: 'memory',
    accountWide: false,
    async reserve({ bucket, priority, maxWaitMs, member }) {
      const reservation = log(bucket).reserve(clock.now(), { priority, maxWaitMs, member });
      if (!reservation.granted) return { granted: false, retryInMs: reservation.retryInMs };
      journal?.appendGrant(bucket, wall.now() + reservation.waitMs, member);
      return { granted: true, waitMs: reservation.waitMs, slotMs: reservation.slotMs };
    },
    async confirm(bucket, member, maxInFlightMs) {
      const confirmation = log(bucket).confirm(clock.now(), member, maxInFlightMs);
      // On disk before the request leaves: a restarted broker must count it.
      if (confirmation.ok) journal?.appendSent(bucket, member, wall.now(), wall.now() + maxInFlightMs);
      return confirmation;
    },
    async settle(bucket, member) {
      if (log(bucket).settle(clock.now(), member)) journal?.appendDone(bucket, member, wall.now());
    },
    async unreserve(bucket, member) {
      // Not journaled: a reservation never sent is dropped on load anyway.
      log(bucket).cancel(member);
    },
    async block(bucket, ms) {
      log(bucket).block(clock.now(), ms);
      journal?.appendBlock(bucket, wall.now() + ms);
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
    ...createMemoryRecords(clock),
    async close() {
      journal?.close();
    },
  };
}
