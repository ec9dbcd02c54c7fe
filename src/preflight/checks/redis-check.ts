import type { PreflightCheck } from '../check-types.ts';
import { displayUrl } from '../display-url.ts';

/**
 * When TEMPNUMBER_REDIS_URL is set, Redis answers PING within the timeout. The broker fails
 * closed without it, so an unreachable Redis means every lease would be refused.
 */
export const redisCheck: PreflightCheck = {
  id: 'redis',
  title: 'Redis',
  needs: ['settings'],
  async run(ctx) {
    const url = ctx.settings?.redisUrl;
    if (!url) {
      return {
        level: 'ok',
        line: 'TEMPNUMBER_REDIS_URL is not set: the budget is shared by the runs on this machine (memory store)',
      };
    }
    const shown = displayUrl(url);
    const started = performance.now();
    try {
      await pingRedis(url, ctx.timeoutMs);
    } catch (error) {
      return {
        level: 'fail',
        line:
          `Redis at ${shown} did not answer PING: ${describeRedisError(error)}. The broker refuses leases without it: ` +
          'start Redis, fix TEMPNUMBER_REDIS_URL, or unset it to share the budget on this machine only.',
      };
    }
    const ms = Math.round(performance.now() - started);
    return {
      level: 'ok',
      line: `Redis at ${shown} answered PING in ${ms} ms: brokers on every machine share one budget`,
    };
  },
};

/** Connect once (no reconnects, no offline queue), PING, disconnect. */
async function pingRedis(url: string, timeoutMs: number): Promise<void> {
  // Loaded only when Redis is configured: the memory-store path never pays for ioredis.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis emits the cause ('connect ECONNREFUSED …') as an 'error' event and rejects with a
  // bare "Connection is closed"; keep the event's message, which says what went wrong.
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

function describeRedisError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
  if (/NOAUTH|WRONGPASS|invalid password/i.test(message)) {
    return `${message} (the password in TEMPNUMBER_REDIS_URL was refused)`;
  }
  return message;
}
