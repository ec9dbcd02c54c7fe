/**
 * The guards' share of the broker: settings, what the broker is doing per pair, the cached
 * balance and prices, and the start-up history read of the delivery records.
 */

import { ACTIVATION_STATUSES, isActivationStatus } from '../../api/activation-statuses.ts';
import type { TempNumberClient } from '../../api/client.ts';
import type { Activation } from '../../api/response-types.ts';
import type { GuardSettings } from '../../config/guard-settings.ts';
import { createPairActivity, DELIVERY_RULE, type PairActivity } from './guards.ts';
import type { BrokerStore, DeliveryRecord } from './store/broker-store.ts';

/*
 * The guards' share of the broker: settings, what the broker is doing per pair, the cached
 * balance and prices, and the start-up history read of the delivery records.
 */

export interface GuardRuntime {
  readonly settings: GuardSettings;
  readonly activity: PairActivity;
  readonly balance: BalanceCache;
  /** Resolves once the delivery records learnt the last 24 h from the history (never rejects). */
  ready: Promise<void>;
}

export interface GuardRuntimeInit {
  settings: GuardSettings;
  api: Pick<TempNumberClient, 'getUserBalance' | 'getSingleService' | 'getActivationsHistory'>;
  store: BrokerStore;
  timeScale: number;
  now(): number;
  log(line: string): void;
}

/** How long a lease waits for the start-up history read before deciding without it (real ms). */
export const BOOTSTRAP_WAIT_MS = 15_000;

/** Create the runtime; `start()` begins the history read (not at creation: no work until asked). */
export function createGuardRuntime(init: GuardRuntimeInit): GuardRuntime & { start(): void } {
  const runtime: GuardRuntime & { start(): void } = {
    settings: init.settings,
    activity: createPairActivity(),
    balance: createBalanceCache({
      api: init.api,
      cacheMs: init.settings.balanceCacheApiMs / init.timeScale,
      now: init.now,
      log: init.log,
    }),
    ready: Promise.resolve(),
    start() {
      if (!init.settings.deliveryRate && init.settings.breakerThreshold <= 0) return;
      runtime.ready = bootstrapDeliveryRecords({
        api: init.api,
        store: init.store,
        timeScale: init.timeScale,
      })
        .then((n) => {
          if (n > 0)
            init.log(`delivery records: ${n} activation(s) of the last 24 h learnt from the history`);
        })
        .catch((error: unknown) => {
          init.log(`delivery records: history read failed, counting from now: ${(error as Error).message}`);
        });
    },
  };
  return runtime;
}

/*
 * The balance and price reads the balance guard needs, cached: `GET /user/balance` allows 10
 * calls a minute for the whole account, so the broker reads it at low priority at most once per
 * `cacheApiMs` and keeps it current in between by subtracting what it leases. Prices are learnt
 * from lease answers and price refusals; a pair never seen is looked up once
 * (`GET /services/{s}/countries/{c}`, low priority) and cached as long.
 *
 * A read that fails, or would wait long for the budget, answers undefined: the guard then lets
 * the lease through and the API's own 402 decides.
 */

export interface BalanceCache {
  balance(): Promise<number | undefined>;
  priceOf(service: string, country: string): Promise<number | undefined>;
  /** A lease of `price` went through: the API reserved it. */
  spend(price: number): void;
  /** The price of a pair as an answer or refusal just told it. */
  learnPrice(pair: string, price: number): void;
  /** The API said 402: the cached balance is wrong; read it again next time. */
  invalidate(): void;
}

export interface BalanceCacheOptions {
  api: Pick<TempNumberClient, 'getUserBalance' | 'getSingleService'>;
  /** How long a read is trusted (real ms: the API-time setting divided by the time scale). */
  cacheMs: number;
  now(): number;
  log(line: string): void;
}

/** How long a guard read may wait for its budget before the guard gives up on it (real ms). */
const READ_TIMEOUT_MS = 5_000;
/**
 * How long a lease waits for a guard read it started (real ms). The API's own 402 and price
 * refusal stay the final word, so a cold cache never holds a lease for a budget slot: the read
 * goes on in the background and fills the cache for the next lease.
 */
const LEASE_WAIT_MS = 750;

/** `work`, or undefined if it takes longer than {@link LEASE_WAIT_MS}. */
function shortWait<T>(work: Promise<T | undefined>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), LEASE_WAIT_MS).unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function createBalanceCache(options: BalanceCacheOptions): BalanceCache {
  const { api, cacheMs, now, log } = options;
  let cached: { usd: number; atMs: number } | undefined;
  let reading: Promise<number | undefined> | undefined;
  const prices = new Map<string, { usd: number; atMs: number }>();

  const read = async (): Promise<number | undefined> => {
    try {
      const answer = await api.getUserBalance({
        priority: 'low',
        signal: AbortSignal.timeout(READ_TIMEOUT_MS),
      });
      cached = { usd: answer.balance, atMs: now() };
      return answer.balance;
    } catch (error) {
      log(`balance read for the balance guard failed (the API's 402 decides): ${(error as Error).message}`);
      return undefined;
    } finally {
      reading = undefined;
    }
  };

  return {
    async balance() {
      if (cached && now() - cached.atMs < cacheMs) return cached.usd;
      // Concurrent leases share one read.
      reading ??= read();
      return shortWait(reading);
    },
    async priceOf(service, country) {
      const pair = `${service}/${country}`;
      const known = prices.get(pair);
      if (known && now() - known.atMs < cacheMs * 10) return known.usd;
      const fresh = api
        .getSingleService(
          service,
          country,
          {},
          { priority: 'low', signal: AbortSignal.timeout(READ_TIMEOUT_MS) },
        )
        .then((answer) => {
          const price = answer.services[0]?.price;
          if (typeof price !== 'number') return undefined;
          prices.set(pair, { usd: price, atMs: now() });
          return price;
        })
        // Unknown pair, no budget, API down: the last price seen, if any; else unknown.
        .catch(() => undefined);
      return (await shortWait(fresh)) ?? known?.usd;
    },
    spend(price) {
      if (cached) cached.usd -= price;
    },
    learnPrice(pair, price) {
      prices.set(pair, { usd: price, atMs: now() });
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/*
 * At broker start the delivery records (memory store: empty; Redis: maybe older than this
 * broker's knowledge) learn the last 24 h of API time from the history endpoint, so a broker
 * restarted mid-day does not forget that a pair is close to TempNumber's 7 % rule. Low priority
 * (history allows 10 calls a minute and the poller needs it too), a bounded number of pages,
 * newest first (the sandbox's order; stops at the first page that reaches past the window).
 */

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
