/**
 * The balance and price reads the balance guard needs, cached: `GET /user/balance` allows 10
 * calls a minute for the whole account, so the broker reads it at low priority at most once per
 * `cacheApiMs` and keeps it current in between by subtracting what it leases. Prices are learnt
 * from lease answers and price refusals; a pair never seen is looked up once
 * (`GET /services/{s}/countries/{c}`, low priority) and cached as long.
 *
 * A read that fails, or would wait long for the budget, answers undefined: the guard then lets
 * the lease through and the API's own 402 decides.
 */
import type { TempNumberClient } from '../../api/client.ts';

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
