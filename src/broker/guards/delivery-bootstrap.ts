/**
 * At broker start the delivery records (memory store: empty; Redis: maybe older than this
 * broker's knowledge) learn the last 24 h of API time from the history endpoint, so a broker
 * restarted mid-day does not forget that a pair is close to TempNumber's 7 % rule. Low priority
 * (history allows 10 calls a minute and the poller needs it too), a bounded number of pages,
 * newest first (the sandbox's order; stops at the first page that reaches past the window).
 */
import { ACTIVATION_STATUSES, isActivationStatus } from '../../api/activation-statuses.ts';
import type { TempNumberClient } from '../../api/client.ts';
import type { Activation } from '../../api/response-types.ts';
import type { BrokerStore, DeliveryRecord } from '../store/broker-store.ts';
import { DELIVERY_RULE } from './delivery-rate-guard.ts';

export interface BootstrapOptions {
  api: Pick<TempNumberClient, 'getActivationsHistory'>;
  store: Pick<BrokerStore, 'recordActivation' | 'recordOutcome' | 'deliveryRecords'>;
  timeScale: number;
  /** @default 5 */
  maxPages?: number;
  /** @default 100 (the sandbox's maximum) */
  pageLimit?: number;
}

/** The outcome the delivery rule sees for an activation in the history. */
export function historyOutcome(a: Pick<Activation, 'status' | 'message'>): DeliveryRecord['outcome'] {
  if ((a.message ?? '') !== '') return 'sms';
  if (!isActivationStatus(a.status)) return 'pending';
  // A retry is only possible after an SMS: the activation already counts as delivered.
  if (ACTIVATION_STATUSES[a.status].hasSms || a.status === 'retryRequested') return 'sms';
  return ACTIVATION_STATUSES[a.status].final ? 'noSms' : 'pending';
}

/** Read the history and record what the store does not know yet. Returns how many were recorded. */
export async function bootstrapDeliveryRecords(options: BootstrapOptions): Promise<number> {
  const { api, store, timeScale } = options;
  const maxPages = options.maxPages ?? 5;
  const limit = options.pageLimit ?? 100;
  const inWindow: Array<{ a: Activation; ageApiMs: number }> = [];
  for (let page = 1; page <= maxPages; page++) {
    const answer = await api.getActivationsHistory({ page, limit }, { priority: 'low' });
    let reachedPast = false;
    for (const a of answer.activations) {
      if (a.createdAt === undefined || a.utc === undefined) continue;
      const ageApiMs = (a.utc - a.createdAt) * 1000;
      if (ageApiMs >= DELIVERY_RULE.windowApiMs) reachedPast = true;
      else inWindow.push({ a, ageApiMs });
    }
    if (reachedPast || answer.activations.length < limit || (answer.pages ?? page) <= page) break;
  }
  let recorded = 0;
  const known = new Map<string, Set<number>>();
  // Oldest first: the stores order records by when they were recorded, newest first.
  for (const { a, ageApiMs } of inWindow.sort((x, y) => y.ageApiMs - x.ageApiMs)) {
    if (!a.serviceId || !a.countryId) continue;
    const pair = `${a.serviceId}/${a.countryId}`;
    let ids = known.get(pair);
    if (!ids) {
      ids = new Set((await store.deliveryRecords(pair)).map((r) => r.activationId));
      known.set(pair, ids);
    }
    if (ids.has(a.id)) continue;
    await store.recordActivation(pair, a.id, (DELIVERY_RULE.windowApiMs - ageApiMs) / timeScale);
    const outcome = historyOutcome(a);
    if (outcome !== 'pending') await store.recordOutcome(pair, a.id, outcome);
    ids.add(a.id);
    recorded += 1;
  }
  return recorded;
}
