/** `status`: what `playwright-tempnumber status` prints. Never contains the key. */
import type { BucketId } from '../../limits/rate-limits.ts';
import type { BrokerStatus } from '../protocol.ts';
import type { BrokerContext } from './broker-context.ts';

/** The broker as `status` shows it, with the budget use of every bucket. */
export async function brokerStatus(ctx: BrokerContext): Promise<BrokerStatus> {
  const usage = await ctx.store.usage();
  const buckets: BrokerStatus['buckets'] = {};
  for (const [bucket, u] of Object.entries(usage) as Array<[BucketId, (typeof usage)[BucketId]]>) {
    buckets[bucket] = { used: u.used, limit: u.limit, blockedForMs: Math.round(u.blockedForMs) };
  }
  return {
    pid: process.pid,
    account: ctx.account,
    baseUrl: ctx.settings.baseUrl,
    store: ctx.store.kind,
    startedAt: ctx.startedAt,
    clients: ctx.clientCount(),
    waiting: ctx.tracker.all().filter((t) => t.record.outcome === 'waiting').length,
    pollLeader: ctx.poller.isLeader(),
    timeScale: ctx.timeScale,
    buckets,
  };
}
