import type { BucketId } from '../../limits/rate-limits.ts';

/**
 * Names of every key of one account. All share the hash tag `{tn:<accountId>}` so that every
 * script's keys live in one slot on Redis Cluster (research §8: CROSSSLOT); scripts get them
 * in KEYS and never build names themselves.
 */
export function redisKeys(accountId: string) {
  const tag = `{tn:${accountId}}`;
  return {
    /** ZSET of reservations and requests (member → end ms on the Redis clock; redis-budget-scripts.ts). */
    log: (bucket: BucketId) => `${tag}:log:${bucket}`,
    /** Hash of their times (member → `slot[:sent:until[:done]]`). */
    logTimes: (bucket: BucketId) => `${tag}:logt:${bucket}`,
    /** String: blocked until (Redis ms), after a 429. */
    block: (bucket: BucketId) => `${tag}:blk:${bucket}`,
    /** Refreshed by every reservation; missing while a store expects it ⇒ Redis lost its data. */
    alive: `${tag}:alive`,
    /** String: Redis ms when a data loss was noticed; every bucket waits a full window after it. */
    lost: `${tag}:lost`,
    /** ZSET of pending-cap holders (key → expiry ms). */
    pending: `${tag}:pending`,
    /** ZSET of a pair's delivery records (activation id → expiry ms). */
    deliveryExpiry: (pair: string) => `${tag}:dlv:${pair}`,
    /** Hash of a pair's delivery records (activation id → `sec:usec:outcome`). */
    deliveryOutcome: (pair: string) => `${tag}:dlvh:${pair}`,
    /** String: reason a pair is blocked, expiring with the block. */
    pairBlock: (pair: string) => `${tag}:pairblk:${pair}`,
    /** String: id of the broker that polls for all (SET NX PX). */
    leader: `${tag}:leader`,
    /** ZSET of waiting activations (id → expiry ms). */
    waiting: `${tag}:waiting`,
    /** ZSET of a pair's open lease intents (intent id → end of its in-flight bound, ms). */
    intents: (pair: string) => `${tag}:intents:${pair}`,
    /** String: the broker that booked or claimed an activation (SET NX PX). */
    claim: (activationId: number) => `${tag}:claim:${activationId}`,
    /** Hash of activation snapshots (id → JSON). */
    snapshots: `${tag}:snap`,
  } as const;
}
