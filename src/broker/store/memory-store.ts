import { type Clock, monotonicClock } from '../../limits/clock.ts';
import { createMemoryBudget, type StoreDecision } from '../../limits/memory-budget.ts';
import type { ScaledLimits } from '../../limits/scaled-limits.ts';
import type { BrokerStore } from './broker-store.ts';
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
  const budget = createMemoryBudget(limits, clock);
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
      budget.log(bucket).restore(toMono(wallMs), `journal:${index}`, times);
    });
    for (const { bucket, blockedUntilWallMs } of opened.loaded.blocks) {
      budget.log(bucket).block(nowMs, blockedUntilWallMs - wallNowMs);
    }
    return opened;
  }

  return {
    kind: 'memory',
    accountWide: false,
    async reserve(request) {
      const decision = await budget.reserve(request);
      if (decision.granted)
        journal?.appendGrant(request.bucket, wall.now() + decision.waitMs, request.member);
      return decision;
    },
    async confirm(bucket, member, maxInFlightMs) {
      const confirmation = await budget.confirm(bucket, member, maxInFlightMs);
      // On disk before the request leaves: a restarted broker must count it.
      if (confirmation.ok) journal?.appendSent(bucket, member, wall.now(), wall.now() + maxInFlightMs);
      return confirmation;
    },
    async settle(bucket, member) {
      if (budget.log(bucket).settle(clock.now(), member)) journal?.appendDone(bucket, member, wall.now());
    },
    // Not journaled: a reservation never sent is dropped on load anyway.
    unreserve: (bucket, member) => budget.unreserve(bucket, member),
    async block(bucket, ms) {
      await budget.block(bucket, ms);
      journal?.appendBlock(bucket, wall.now() + ms);
    },
    usage: () => budget.usage(),
    ...createMemoryRecords(clock),
    async close() {
      journal?.close();
    },
  };
}
