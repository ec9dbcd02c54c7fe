/**
 * DESIGN §5 "Never retried blindly": when `POST /activations` got no usable answer (timeout,
 * reset, a garbled 2xx, a 5xx without an API error name) the lease may still have happened and
 * been paid for. Before anything else the history is read: an activation of the same
 * service+country created since the request was sent that neither the ledger nor another
 * attempt knows of is this lease's number, and is adopted as its result.
 *
 * Ordering that matters: the lookup first waits until no other POST of the pair from this
 * broker is still unanswered — otherwise it could claim a number whose answer is on its way to
 * another test. Ids are claimed synchronously after the read, so two lookups never pick the
 * same one.
 *
 * When the history itself cannot be read, nobody can say whether a number was bought: the
 * attempt is written to the ledger as `unknown` (a negative placeholder id) and looked up again
 * later — by this broker a few times, and by the next broker at start.
 *
 * Limit: brokers on other machines (Redis mode) losing answers for the same pair at the same
 * moment could still claim each other's numbers; both are then tracked and released.
 */
import type { Activation } from '../../api/response-types.ts';
import type { ActivationRecord } from '../protocol.ts';
import type { BrokerContext } from './broker-context.ts';

/** Real slack for clock granularity (the API reports whole seconds). */
const SLACK_REAL_MS = 2_000;
/** How long a lookup waits for this broker's other POSTs of the pair to be answered (real ms). */
const POSTING_WAIT_MS = 30_000;
/** History pages read per lookup (newest first; a lost lease is among the newest). */
const PAGES = 2;
const PAGE_LIMIT = 50;

type LostLeaseContext = Pick<BrokerContext, 'api' | 'tracker' | 'ledger' | 'now' | 'timeScale' | 'guards'>;

/** What the history says about a lease whose answer was lost. */
export type LostLeaseLookup = { found: Activation } | { found: undefined } | { unreadable: Error };

/**
 * Look for the activation a lost `POST /activations` of `service`/`country`, sent at `sentAtMs`
 * (wall ms), may have created. Never throws.
 */
export async function findLostLease(
  ctx: LostLeaseContext,
  attempt: { service: string; country: string; attemptId: string; sentAtMs: number },
): Promise<LostLeaseLookup> {
  const { service, country, attemptId, sentAtMs } = attempt;
  const pair = `${service}/${country}`;
  const { activity } = ctx.guards;
  const waitUntil = Date.now() + POSTING_WAIT_MS;
  while (activity.posting(pair, attemptId) > 0 && Date.now() < waitUntil) {
    await activity.changed(pair, waitUntil - Date.now());
  }
  const maxAgeApiS = ((ctx.now() - sentAtMs + SLACK_REAL_MS) * ctx.timeScale) / 1000;
  let history: Activation[];
  try {
    history = await readHistory(ctx, maxAgeApiS);
  } catch (error) {
    return { unreadable: error instanceof Error ? error : new Error(String(error)) };
  }
  const candidates = history.filter(
    (a) =>
      a.serviceId === service &&
      a.countryId === country &&
      isUnknown(ctx, a.id) &&
      a.createdAt !== undefined &&
      a.utc !== undefined &&
      a.utc - a.createdAt <= maxAgeApiS,
  );
  // The oldest candidate is the one closest to when this request was sent.
  const found = candidates.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))[0];
  if (found && activity.claim(found.id)) return { found };
  return { found: undefined };
}

/** A ledger placeholder for a lease that may have happened (outcome `unknown`, negative id). */
export function unknownLeaseRecord(
  ctx: Pick<BrokerContext, 'now'>,
  lease: { service: string; country: string; owner: string; sentAtMs: number },
): ActivationRecord {
  return {
    id: -(lease.sentAtMs * 1000 + Math.floor(Math.random() * 1000)),
    number: '',
    service: lease.service,
    country: lease.country,
    price: 0,
    status: 'unknown',
    outcome: 'unknown',
    refunded: undefined,
    owner: lease.owner,
    leasedAt: new Date(lease.sentAtMs).toISOString(),
    expiresAt: new Date(lease.sentAtMs).toISOString(),
    releasedAt: new Date(ctx.now()).toISOString(),
    smsAt: undefined,
  };
}

/**
 * Newest history pages, at high priority (a lease is waiting on this answer); the next page only
 * when this one holds nothing older than `maxAgeApiS` (history allows 10 calls a minute).
 */
export async function readHistory(
  ctx: Pick<BrokerContext, 'api'>,
  maxAgeApiS: number,
  priority: 'high' | 'low' = 'high',
): Promise<Activation[]> {
  const out: Activation[] = [];
  for (let page = 1; page <= PAGES; page++) {
    const answer = await ctx.api.getActivationsHistory({ page, limit: PAGE_LIMIT }, { priority });
    out.push(...answer.activations);
    const reachedOlder = answer.activations.some(
      (a) => a.createdAt !== undefined && a.utc !== undefined && a.utc - a.createdAt > maxAgeApiS,
    );
    if (reachedOlder || answer.activations.length < PAGE_LIMIT) break;
  }
  return out;
}

function isUnknown(ctx: LostLeaseContext, id: number): boolean {
  return !ctx.tracker.get(id) && !ctx.ledger.get(id) && !ctx.guards.activity.isClaimed(id);
}
