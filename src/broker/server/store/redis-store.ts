/**
 * The Redis store (several machines of a sharded CI run share one account): the connection
 * (fail closed: StoreUnavailableError), the key names, and every decision as one Lua script.
 */

import { Redis, ReplyError } from 'ioredis';
import { type ActivationId, compareActivationIds } from '../../../contract/activation.ts';
import { redisAddress, StoreUnavailableError } from '../../../contract/errors.ts';
import type { BucketUsage, StoreDecision } from '../../../limits/budget.ts';
import { type Clock, monotonicClock } from '../../../limits/clock.ts';
import { bucketLimit, type ScaledLimits } from '../../../limits/rate-limits.ts';
import { CONFIRM_REPOLL_MS } from '../../../limits/sliding-window-log.ts';
import type { ProviderActivation } from '../../../providers/provider.ts';
import type { BrokerStore, DeliveryRecord } from './broker-store.ts';
import { SNAPSHOT_TTL_MS } from './memory-store.ts';
import { REDIS_SCRIPTS, type RedisScriptName } from './redis-scripts.ts';

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
  const buckets = Object.keys(options.limits);
  // Whole milliseconds on the Redis side (see redis-scripts.ts), rounded in the safe direction.
  const spanMs = (bucket: string) => {
    const { windowMs, marginMs } = bucketLimit(options.limits, bucket);
    return Math.ceil(windowMs + marginMs);
  };
  const aliveTtlMs = Math.max(...buckets.map(spanMs));
  let lastAliveRefreshMs = Number.NEGATIVE_INFINITY;
  const { script } = connection;
  const budgetKeys = (bucket: string) => [
    keys.log(bucket),
    keys.logTimes(bucket),
    keys.block(bucket),
    keys.alive,
    keys.lost,
  ];

  /** Run a script that refreshes `alive` and so notices a data loss; ARGV starts with expectAlive, aliveTtlMs. */
  const aliveScript = async (
    name: 'tnReserve' | 'tnConfirm',
    bucket: string,
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
      const limit = bucketLimit(options.limits, bucket);
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
        bucketLimit(options.limits, bucket).limit,
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
      const out = {} as Record<string, BucketUsage>;
      buckets.forEach((bucket, i) => {
        out[bucket] = {
          used: Number(reply[2 * i]),
          limit: bucketLimit(options.limits, bucket).limit,
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
      return (await script('tnLiveMembers', [keys.waiting], [])) as string[];
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
      // A snapshot in an older broker's shape (no neutral \`state\`) is skipped: it expires soon.
      return values.flatMap((v) => {
        const parsed = v === null ? undefined : (JSON.parse(v) as Partial<ProviderActivation>);
        return typeof parsed?.state === 'string' ? [parsed as ProviderActivation] : [];
      });
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
      activationId: String(flat[i]),
      outcome: outcome as DeliveryRecord['outcome'],
      recordedUs: Number(sec) * 1e6 + Number(usec),
    });
  }
  records.sort((a, b) => b.recordedUs - a.recordedUs || compareActivationIds(b.activationId, a.activationId));
  return records.map(({ activationId, outcome }) => ({ activationId, outcome }));
}

/**
 * Names of every key of one account. All share the hash tag `{tn:<accountId>}` so that every
 * script's keys live in one slot on Redis Cluster (research §8: CROSSSLOT); scripts get them
 * in KEYS and never build names themselves.
 */
export function redisKeys(accountId: string) {
  const tag = `{tn:${accountId}}`;
  return {
    /** ZSET of reservations and requests (member → end ms on the Redis clock; redis-scripts.ts). */
    log: (bucket: string) => `${tag}:log:${bucket}`,
    /** Hash of their times (member → `slot[:sent:until[:done]]`). */
    logTimes: (bucket: string) => `${tag}:logt:${bucket}`,
    /** String: blocked until (Redis ms), after a 429. */
    block: (bucket: string) => `${tag}:blk:${bucket}`,
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
    claim: (activationId: ActivationId) => `${tag}:claim:${activationId}`,
    /** Hash of activation snapshots (id → JSON). */
    snapshots: `${tag}:snap`,
  } as const;
}

/** A Redis connection that fails fast and closed. */
export interface RedisConnection {
  /** Run a script with its keys; rejects with {@link StoreUnavailableError} when Redis cannot answer. */
  script(
    name: RedisScriptName,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown>;
  /** Run plain commands; same failure rule. */
  call<T>(run: (redis: Redis) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Options of {@link connectRedis}. */
export interface RedisConnectionOptions {
  url: string;
  /** How long a call waits for a (re)connection before it rejects. @default 1000 */
  connectTimeoutMs?: number;
  /** How long a call waits for a reply. @default 2000 */
  commandTimeoutMs?: number;
}

/**
 * Open a lazy ioredis connection tuned to fail closed (DESIGN §4): no offline queue (a command
 * sent while disconnected would run later, after its caller gave up — and a reservation made
 * then could never be used), no resending after a dropped connection, a reply timeout, and
 * reconnection in the background so the store works again as soon as Redis is back. Scripts
 * are registered with `defineCommand`: EVALSHA with a transparent reload on NOSCRIPT, which
 * is what happens after a Redis restart.
 */
export function connectRedis(options: RedisConnectionOptions): RedisConnection {
  const address = redisAddress(options.url);
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    retryStrategy: (times) => Math.min(50 * times, 500),
  });
  for (const [name, lua] of Object.entries(REDIS_SCRIPTS)) redis.defineCommand(name, { lua });
  let lastError: unknown;
  // Without a listener ioredis reports every failed reconnect on the console; callers get errors instead.
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  let closed = false;

  const unavailable = (cause: unknown) => new StoreUnavailableError(address, { cause });

  // One wait per outage, shared by every call made meanwhile (a broker makes many at once).
  let pendingReady: Promise<void> | undefined;

  async function ready(): Promise<void> {
    if (closed) throw unavailable(new Error('The store was closed.'));
    if (redis.status === 'ready') return;
    if (redis.status === 'wait') redis.connect().catch(() => {});
    pendingReady ??= new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(unavailable(lastError ?? new Error(`no connection within ${connectTimeoutMs} ms`)));
      }, connectTimeoutMs);
      redis.once('ready', onReady);
    }).finally(() => {
      pendingReady = undefined;
    });
    return pendingReady;
  }

  async function call<T>(run: (r: Redis) => Promise<T>): Promise<T> {
    await ready();
    try {
      return await run(redis);
    } catch (error) {
      // A reply error is a bug or a misconfigured server, not an outage: keep it as it is.
      if (error instanceof ReplyError) throw error;
      throw unavailable(error);
    }
  }

  return {
    call,
    script(name, keys, args) {
      const command = (
        redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>
      )[name]!;
      return call((r) => command.call(r, keys.length, ...keys, ...args));
    },
    async close() {
      closed = true;
      redis.disconnect();
    },
  };
}
