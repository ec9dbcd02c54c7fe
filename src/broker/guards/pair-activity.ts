/**
 * What this broker is doing right now per service+country, for the guards: lease attempts past
 * their guards (they will count at the API as soon as their POST lands, so the delivery-rate
 * guard counts them as possible failures), whether their POST is still on the wire, and a
 * signal whenever any of that, a delivery outcome or a lease intent changes — what a held lease
 * and a lost-answer lookup wait on. Which activation belongs to whom is the store's
 * (`claimActivation`, lease-intents.ts).
 *
 * In-process only: brokers of one account on other machines (Redis mode) see each other's
 * activations through the store once booked, not while their POST is in flight.
 */

/** Per-pair activity of one broker. */
export interface PairActivity {
  /** Count `attemptId` as a lease of `pair` in flight, its POST about to go out (idempotent). */
  begin(pair: string, attemptId: string): void;
  /** Its POST was answered (or failed): it is no longer on the wire. */
  answered(pair: string, attemptId: string): void;
  /** The attempt is over (booked or failed): forget it and wake waiters. */
  end(pair: string, attemptId: string): void;
  /** Attempts in flight for `pair`, other than `exceptId`. */
  inFlight(pair: string, exceptId?: string): number;
  /** Attempts of `pair` whose POST is unanswered, other than `exceptId`. */
  posting(pair: string, exceptId?: string): number;
  /** Something changed for `pair` (an outcome was recorded, an attempt ended): wake waiters. */
  notify(pair: string): void;
  /** Resolves at the next {@link notify} of `pair`, after `ms`, or when `signal` aborts. */
  changed(pair: string, ms: number, signal?: AbortSignal): Promise<void>;
}

/** Create an empty activity register. */
export function createPairActivity(): PairActivity {
  const attempts = new Map<string, Map<string, { posting: boolean }>>();
  const waiters = new Map<string, Set<() => void>>();

  const of = (pair: string) => attempts.get(pair) ?? new Map<string, { posting: boolean }>();
  const count = (pair: string, exceptId: string | undefined, onlyPosting: boolean) => {
    let n = 0;
    for (const [id, a] of of(pair)) if (id !== exceptId && (!onlyPosting || a.posting)) n += 1;
    return n;
  };
  const notify = (pair: string) => {
    const set = waiters.get(pair);
    waiters.delete(pair);
    for (const wake of set ?? []) wake();
  };

  return {
    begin(pair, attemptId) {
      const map = of(pair);
      map.set(attemptId, { posting: true });
      attempts.set(pair, map);
    },
    answered(pair, attemptId) {
      const a = attempts.get(pair)?.get(attemptId);
      if (a) a.posting = false;
      notify(pair);
    },
    end(pair, attemptId) {
      const map = attempts.get(pair);
      if (map?.delete(attemptId) && map.size === 0) attempts.delete(pair);
      notify(pair);
    },
    inFlight: (pair, exceptId) => count(pair, exceptId, false),
    posting: (pair, exceptId) => count(pair, exceptId, true),
    notify,
    changed(pair, ms, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const set = waiters.get(pair) ?? new Set<() => void>();
        waiters.set(pair, set);
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        set.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}
