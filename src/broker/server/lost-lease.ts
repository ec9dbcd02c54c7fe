/**
 * DESIGN §5 "Never retried blindly": when `POST /activations` got no answer (timeout, reset),
 * the lease may still have happened and been paid for. Before anything else the history is
 * checked for an activation of the same service+country created since the request was sent
 * that nobody here knows of; if there is one, it is this lease.
 *
 * Limit: two brokers of one account (Redis mode) losing answers for the same pair at the same
 * moment could each claim the other's activation; both are still tracked and released.
 */
import type { Activation } from '../../api/response-types.ts';
import type { BrokerContext } from './broker-context.ts';

/** Real slack for clock granularity (the API reports whole seconds). */
const SLACK_REAL_MS = 2_000;

export async function findLostLease(
  ctx: Pick<BrokerContext, 'api' | 'tracker' | 'ledger' | 'now' | 'timeScale'>,
  service: string,
  country: string,
  sentAtMs: number,
): Promise<Activation | undefined> {
  const page = await ctx.api.getActivationsHistory({ page: 1, limit: 20 }, { priority: 'high' });
  const maxAgeApiS = ((ctx.now() - sentAtMs + SLACK_REAL_MS) * ctx.timeScale) / 1000;
  return page.activations.find(
    (a) =>
      a.serviceId === service &&
      a.countryId === country &&
      !ctx.tracker.get(a.id) &&
      !ctx.ledger.get(a.id) &&
      a.createdAt !== undefined &&
      a.utc !== undefined &&
      a.utc - a.createdAt <= maxAgeApiS,
  );
}
