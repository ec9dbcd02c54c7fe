import { Redis, ReplyError } from 'ioredis';
import { redisAddress, StoreUnavailableError } from '../../contract/errors/store-unavailable-error.ts';
import { REDIS_SCRIPTS, type RedisScriptName } from './redis-scripts.ts';

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
