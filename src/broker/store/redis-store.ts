import type { ActivationData } from '../../api/wire-types.ts';
import type { BucketUsage } from '../../limits/budget-store.ts';
import { type Clock, monotonicClock } from '../../limits/clock.ts';
import type { StoreDecision } from '../../limits/memory-budget.ts';
import { type BucketId, RATE_LIMITS } from '../../limits/rate-limits.ts';
import type { ScaledLimits } from '../../limits/scaled-limits.ts';
import { CONFIRM_REPOLL_MS } from '../../limits/sliding-window-log.ts';
import type { BrokerStore, DeliveryRecord } from './broker-store.ts';
import { SNAPSHOT_TTL_MS } from './memory-records.ts';
import { connectRedis } from './redis-connection.ts';
import { redisKeys } from './redis-keys.ts';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** `TEMPNUMBER_REDIS_URL`, e.g. `redis://:password@ci-redis:6379/0`. */
  url: string;
  /** Names the account's keys (`{tn:<accountId>}:…`); see `accountId()` in src/config. */
  accountId: string;
  /** Real limits per bucket (see `scaledLimits`); every broker of the account must use the same. */
  limits: ScaledLimits;
  /** How long a call waits for a (re)connection before it rejects with StoreUnavailableError. @default 1000 */
  connectTimeoutMs?: number;
  /** Local clock, only to tell whether this store touched Redis recently (data-loss check). @default monotonicClock */
  clock?: Clock;
}

/** {@link BrokerStore} over Redis; `reserve` also returns the slot on the Redis clock. */
export interface RedisStore extends BrokerStore {
  readonly kind: 'redis';
  reserve(request: Parameters<BrokerStore['reserve']>[0]): Promise<StoreDecision>;
}

/** Larger than any real max wait; Lua cannot parse "Infinity". */
const FOREVER_MS = 1e12;

/**
 * The store of brokers on several machines: every decision is one Lua script with Redis `TIME`
 * as the only clock, so clock skew between machines does not matter (research §2, §6.3–6.5).
 * Fails closed: when Redis is unreachable every method rejects within about
 * `connectTimeoutMs` with StoreUnavailableError and nothing is granted.
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const keys = redisKeys(options.accountId);
  const clock = options.clock ?? monotonicClock;
  const connection = connectRedis({
    url: options.url,
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  });
  const buckets = Object.keys(RATE_LIMITS) as BucketId[];
  // Whole milliseconds on the Redis side (see redis-scripts.ts), rounded in the safe direction.
  const spanMs = (bucket: BucketId) =>
    Math.ceil(options.limits[bucket].windowMs + options.limits[bucket].marginMs);
  const aliveTtlMs = Math.max(...buckets.map(spanMs));
  let lastAliveRefreshMs = Number.NEGATIVE_INFINITY;
  const { script } = connection;
  const budgetKeys = (bucket: BucketId) => [
    keys.log(bucket),
    keys.logTimes(bucket),
    keys.block(bucket),
    keys.alive,
    keys.lost,
  ];

  /** Run a script that refreshes `alive` and so notices a data loss; ARGV starts with expectAlive, aliveTtlMs. */
  const aliveScript = async (
    name: 'tnReserve' | 'tnConfirm',
    bucket: BucketId,
    args: Array<string | number>,
  ) => {
    // Our last refresh set `alive` for aliveTtlMs after it was sent; 10 % slack for clock rates.
    const expectAlive = clock.now() - lastAliveRefreshMs < aliveTtlMs * 0.9;
    const startedMs = clock.now();
    const reply = (await script(name, budgetKeys(bucket), [
      expectAlive ? 1 : 0,
      aliveTtlMs,
      ...args,
    ])) as unknown[];
    lastAliveRefreshMs = startedMs;
    return reply.map(Number);
  };

  return {
    kind: 'redis',
    accountWide: true,
    async reserve({ bucket, priority, maxWaitMs, member }) {
      const limit = options.limits[bucket];
      const [granted, ms, slotMs] = (await aliveScript('tnReserve', bucket, [
        member,
        Math.floor(Math.min(maxWaitMs, FOREVER_MS)),
        Math.ceil(limit.spacingMs),
        limit.limit,
        spanMs(bucket),
        limit.headroom[priority],
      ])) as [number, number, number];
      return granted === 1 ? { granted: true, waitMs: ms, slotMs } : { granted: false, retryInMs: ms };
    },
    async confirm(bucket, member, maxInFlightMs) {
      const [ok, retryInMs] = (await aliveScript('tnConfirm', bucket, [
        member,
        Math.ceil(Math.min(maxInFlightMs, FOREVER_MS)),
        options.limits[bucket].limit,
        spanMs(bucket),
        CONFIRM_REPOLL_MS,
      ])) as [number, number];
      return ok === 1 ? { ok: true } : { ok: false, retryInMs };
    },
    async settle(bucket, member) {
      await script('tnSettle', [keys.log(bucket), keys.logTimes(bucket)], [member]);
    },
    async unreserve(bucket, member) {
      await script('tnUnreserve', [keys.log(bucket), keys.logTimes(bucket)], [member]);
    },
    async block(bucket, ms) {
      await script('tnBlock', [keys.block(bucket)], [Math.ceil(ms)]);
    },
    async usage() {
      const scriptKeys = [keys.lost, ...buckets.flatMap((b) => [keys.log(b), keys.block(b)])];
      const reply = (await script('tnUsage', scriptKeys, buckets.map(spanMs))) as number[];
      const out = {} as Record<BucketId, BucketUsage>;
      buckets.forEach((bucket, i) => {
        out[bucket] = {
          used: Number(reply[2 * i]),
          limit: options.limits[bucket].limit,
          blockedForMs: Number(reply[2 * i + 1]),
        };
      });
      return out;
    },

    async admitPending(key, ttlMs, cap) {
      return (await script('tnAdmitPending', [keys.pending], [key, Math.ceil(ttlMs), cap])) === 1;
    },
    async releasePending(key) {
      await connection.call((r) => r.zrem(keys.pending, key));
    },
    async pendingCount() {
      return ((await script('tnLiveMembers', [keys.pending], [])) as string[]).length;
    },

    async recordActivation(pair, activationId, windowMs) {
      const pairKeys = [keys.deliveryExpiry(pair), keys.deliveryOutcome(pair)];
      await script('tnRecordActivation', pairKeys, [activationId, Math.ceil(windowMs)]);
    },
    async recordOutcome(pair, activationId, outcome) {
      await script(
        'tnRecordOutcome',
        [keys.deliveryExpiry(pair), keys.deliveryOutcome(pair)],
        [activationId, outcome],
      );
    },
    async deliveryRecords(pair) {
      const flat = (await script(
        'tnDeliveryRecords',
        [keys.deliveryExpiry(pair), keys.deliveryOutcome(pair)],
        [],
      )) as string[];
      return parseDeliveryRecords(flat);
    },
    async blockPair(pair, ms, reason) {
      await script('tnBlockPair', [keys.pairBlock(pair)], [Math.ceil(ms), reason]);
    },
    async pairBlock(pair) {
      const reply = (await script('tnPairBlock', [keys.pairBlock(pair)], [])) as [number, string] | [];
      return reply.length === 0 ? undefined : { remainingMs: Number(reply[0]), reason: String(reply[1]) };
    },

    async tryLead(brokerId, ttlMs) {
      return (await script('tnTryLead', [keys.leader], [brokerId, Math.ceil(ttlMs)])) === 1;
    },
    async addWaiting(activationId, ttlMs) {
      await script('tnAddExpiring', [keys.waiting], [activationId, Math.ceil(ttlMs)]);
    },
    async removeWaiting(activationId) {
      await connection.call((r) => r.zrem(keys.waiting, String(activationId)));
    },
    async listWaiting() {
      return ((await script('tnLiveMembers', [keys.waiting], [])) as string[]).map(Number);
    },
    async putSnapshots(activations) {
      if (activations.length === 0) return;
      const fields = activations.flatMap((a) => [String(a.id), JSON.stringify(a)]);
      await connection.call((r) =>
        r
          .multi()
          .hset(keys.snapshots, ...fields)
          .pexpire(keys.snapshots, SNAPSHOT_TTL_MS)
          .exec(),
      );
    },
    async getSnapshots(activationIds) {
      if (activationIds.length === 0) return [];
      const values = await connection.call((r) => r.hmget(keys.snapshots, ...activationIds.map(String)));
      return values.flatMap((v) => (v === null ? [] : [JSON.parse(v) as ActivationData]));
    },

    async openIntent(pair, intentId, ttlMs) {
      await script('tnAddExpiring', [keys.intents(pair)], [intentId, Math.ceil(ttlMs)]);
    },
    async closeIntent(pair, intentId) {
      await connection.call((r) => r.zrem(keys.intents(pair), intentId));
    },
    async liveIntents(pair, exceptId) {
      const open = (await script('tnLiveMembers', [keys.intents(pair)], [])) as string[];
      return open.filter((id) => id !== exceptId).length;
    },
    async claimActivation(activationId, owner, ttlMs) {
      // Same decision as poll leadership: take it if free, renew it if ours.
      return (await script('tnTryLead', [keys.claim(activationId)], [owner, Math.ceil(ttlMs)])) === 1;
    },

    close: () => connection.close(),
  };
}

/** `id, "sec:usec:outcome", …` → records, newest first. */
function parseDeliveryRecords(flat: string[]): DeliveryRecord[] {
  const records: Array<DeliveryRecord & { recordedUs: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const [sec, usec, outcome] = String(flat[i + 1]).split(':');
    records.push({
      activationId: Number(flat[i]),
      outcome: outcome as DeliveryRecord['outcome'],
      recordedUs: Number(sec) * 1e6 + Number(usec),
    });
  }
  records.sort((a, b) => b.recordedUs - a.recordedUs || b.activationId - a.activationId);
  return records.map(({ activationId, outcome }) => ({ activationId, outcome }));
}
