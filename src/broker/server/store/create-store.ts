import type { Clock } from '../../../limits/clock.ts';
import type { ScaledLimits } from '../../../limits/rate-limits.ts';
import type { BrokerStore } from './broker-store.ts';
import { createMemoryStore } from './memory-store.ts';
import { createRedisStore } from './redis-store.ts';

/** Options of {@link createStore}. */
export interface CreateStoreOptions {
  /** `TEMPNUMBER_REDIS_URL`: set → Redis (several machines share the budget); unset → memory. */
  redisUrl?: string | undefined;
  /** Names the account in Redis keys. */
  accountId: string;
  /** Real limits per bucket (see `scaledLimits`). */
  limits: ScaledLimits;
  /** Grant journal of the memory store (ignored with Redis, which outlives brokers itself). */
  journalPath?: string | undefined;
  /** Clock of the memory store. @default monotonicClock */
  clock?: Clock | undefined;
  /** Redis only: how long a call waits for a connection before failing closed. @default 1000 */
  connectTimeoutMs?: number | undefined;
}

/** The store the broker runs on: Redis when a URL is configured, else memory (+ journal). */
export function createStore(options: CreateStoreOptions): BrokerStore {
  if (options.redisUrl) {
    return createRedisStore({
      url: options.redisUrl,
      accountId: options.accountId,
      limits: options.limits,
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }
  return createMemoryStore({
    limits: options.limits,
    ...(options.journalPath ? { journalPath: options.journalPath } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
