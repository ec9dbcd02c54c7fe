/**
 * The memory store (one machine; the default): the budget with its grant journal, and the
 * non-budget records every broker of the account must agree on.
 */

import type { ActivationId } from '../../../contract/activation.ts';
import { createMemoryBudget, type StoreDecision } from '../../../limits/budget.ts';
import { type Clock, monotonicClock } from '../../../limits/clock.ts';
import { bucketLimit, type ScaledLimits } from '../../../limits/rate-limits.ts';
import type { ProviderActivation } from '../../../providers/provider.ts';
import type { BrokerStore, DeliveryRecord } from './broker-store.ts';
import { type GrantJournal, openGrantJournal } from './grant-journal.ts';

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
      buckets: Object.keys(limits),
      keepMs: (bucket) => {
        const { windowMs, marginMs } = bucketLimit(limits, bucket);
        return windowMs + marginMs;
      },
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

/** The non-budget parts of {@link BrokerStore}, in memory. */
export type MemoryRecords = Omit<
  BrokerStore,
  'kind' | 'accountWide' | 'reserve' | 'confirm' | 'settle' | 'unreserve' | 'block' | 'usage' | 'close'
>;

/** How long the latest state of an activation is kept for other readers (real ms). */
export const SNAPSHOT_TTL_MS = 30 * 60_000;

interface Delivery {
  outcome: DeliveryRecord['outcome'];
  recordedMs: number;
  expiresMs: number;
}

/**
 * Pending cap, delivery records, pair blocks, waiting set and snapshots on one event loop: each
 * method runs to completion before another starts, so check-then-act is atomic without locks.
 * Everything expires on the injected clock, like the Redis keys do.
 */
export function createMemoryRecords(clock: Clock): MemoryRecords {
  const pending = new Map<string, number>();
  const deliveries = new Map<string, Map<ActivationId, Delivery>>();
  const pairBlocks = new Map<string, { untilMs: number; reason: string }>();
  const waiting = new Map<ActivationId, number>();
  const snapshots = new Map<ActivationId, { data: ProviderActivation; expiresMs: number }>();
  const intents = new Map<string, Map<string, number>>();
  const claims = new Map<ActivationId, { owner: string; expiresMs: number }>();

  const dropExpired = <K, V>(map: Map<K, V>, expiresMs: (v: V) => number) => {
    const now = clock.now();
    for (const [key, value] of map) if (expiresMs(value) <= now) map.delete(key);
  };
  const pairRecords = (pair: string) => {
    const records = deliveries.get(pair);
    if (records) dropExpired(records, (d) => d.expiresMs);
    return records;
  };

  return {
    async admitPending(key, ttlMs, cap) {
      dropExpired(pending, (expiresMs) => expiresMs);
      // Re-admitting a key it already holds renews it instead of taking a second slot.
      if (!pending.has(key) && pending.size >= cap) return false;
      pending.set(key, clock.now() + ttlMs);
      return true;
    },
    async releasePending(key) {
      pending.delete(key);
    },
    async pendingCount() {
      dropExpired(pending, (expiresMs) => expiresMs);
      return pending.size;
    },
    async recordActivation(pair, activationId, windowMs) {
      const records = pairRecords(pair) ?? new Map<ActivationId, Delivery>();
      deliveries.set(pair, records);
      const now = clock.now();
      records.set(activationId, { outcome: 'pending', recordedMs: now, expiresMs: now + windowMs });
    },
    async recordOutcome(pair, activationId, outcome) {
      const record = pairRecords(pair)?.get(activationId);
      if (record) record.outcome = outcome;
    },
    async deliveryRecords(pair) {
      const records = [...(pairRecords(pair) ?? new Map<ActivationId, Delivery>())];
      // Newest first; equal times keep the later insertion first.
      return records
        .map(([activationId, d], index) => ({ activationId, d, index }))
        .sort((a, b) => b.d.recordedMs - a.d.recordedMs || b.index - a.index)
        .map(({ activationId, d }) => ({ activationId, outcome: d.outcome }));
    },
    async blockPair(pair, ms, reason) {
      const untilMs = clock.now() + ms;
      const current = pairBlocks.get(pair);
      if (!current || current.untilMs < untilMs) pairBlocks.set(pair, { untilMs, reason });
    },
    async pairBlock(pair) {
      dropExpired(pairBlocks, (b) => b.untilMs);
      const block = pairBlocks.get(pair);
      return block && { remainingMs: block.untilMs - clock.now(), reason: block.reason };
    },
    // One broker per machine in memory mode: it is always the poll leader.
    tryLead: async () => true,
    async addWaiting(activationId, ttlMs) {
      waiting.set(activationId, clock.now() + ttlMs);
    },
    async removeWaiting(activationId) {
      waiting.delete(activationId);
    },
    async listWaiting() {
      dropExpired(waiting, (expiresMs) => expiresMs);
      return [...waiting.keys()];
    },
    async putSnapshots(activations) {
      const expiresMs = clock.now() + SNAPSHOT_TTL_MS;
      for (const data of activations) snapshots.set(data.id, { data, expiresMs });
    },
    async openIntent(pair, intentId, ttlMs) {
      const open = intents.get(pair) ?? new Map<string, number>();
      intents.set(pair, open.set(intentId, clock.now() + ttlMs));
    },
    async closeIntent(pair, intentId) {
      intents.get(pair)?.delete(intentId);
    },
    async liveIntents(pair, exceptId) {
      const open = intents.get(pair);
      if (!open) return 0;
      dropExpired(open, (expiresMs) => expiresMs);
      return [...open.keys()].filter((id) => id !== exceptId).length;
    },
    async claimActivation(activationId, owner, ttlMs) {
      dropExpired(claims, (c) => c.expiresMs);
      const current = claims.get(activationId);
      if (current && current.owner !== owner) return false;
      claims.set(activationId, { owner, expiresMs: clock.now() + ttlMs });
      return true;
    },
    async getSnapshots(activationIds) {
      dropExpired(snapshots, (s) => s.expiresMs);
      return activationIds.flatMap((id) => {
        const snapshot = snapshots.get(id);
        return snapshot ? [snapshot.data] : [];
      });
    },
  };
}
