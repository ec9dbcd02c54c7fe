/**
 * A virtual-time simulation of callers sharing a request budget, with the latencies that break
 * a slot-only budget: timers firing late, stalls between the budget's "go" and the write, the
 * network before the server counts the request, and the way back before the client learns it
 * is done. Everything runs on one manual clock; arrival times are what a server would count.
 */

import type { BrokerStore } from '../../src/broker/server/store/broker-store.ts';
import { createMemoryStore } from '../../src/broker/server/store/memory-store.ts';
import { type BudgetPermit, createStoreBudget } from '../../src/limits/budget.ts';
import { createManualClock } from '../../src/limits/clock.ts';
import type { BucketId } from '../../src/limits/rate-limits.ts';
import { PRIORITIES, type Priority, scaledLimits, V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';

/** A seeded PRNG (mulberry32): fast-check picks the seed, so a failing run replays exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Timers on a manual clock, fired in time order, each after every pending promise has settled. */
function createVirtualTimers(startMs: number) {
  const clock = createManualClock(startMs);
  const timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  let seq = 0;
  const at = (timeMs: number, fire: () => void) => {
    const timer = { at: timeMs, seq: seq++, fire };
    timers.push(timer);
    return timer;
  };
  const delay = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = at(clock.now() + ms, resolve);
      signal?.addEventListener('abort', () => {
        const index = timers.indexOf(timer);
        if (index < 0) return; // already fired
        timers.splice(index, 1);
        reject(signal.reason);
      });
    });
  async function runUntil(endMs: number) {
    for (;;) {
      // One macrotask turn lets every promise chain run as far as it can without a timer.
      await new Promise((resolve) => setImmediate(resolve));
      let next = -1;
      timers.forEach((t, i) => {
        const best = timers[next];
        if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) next = i;
      });
      const timer = timers[next];
      if (!timer || timer.at > endMs) return;
      timers.splice(next, 1);
      clock.set(Math.max(clock.now(), timer.at));
      timer.fire();
    }
  }
  return { clock, at, delay, runUntil };
}

/** One simulated run. */
export interface LatencySimOptions {
  seed: number;
  limit: number;
  windowMs: number;
  marginMs: number;
  /** Headroom per class (slots a class leaves to the ones above). */
  headroom?: Partial<Record<Priority, number>>;
  callers: number;
  /** Timer lateness of every budget sleep, and the stall between "go" and the write: 0..maxLateMs each. */
  maxLateMs: number;
  /** Network each way: arrival = write + 0..maxLatencyMs, done = arrival + 0..maxLatencyMs. */
  maxLatencyMs: number;
  /** Pause of a caller between its requests: 0..maxThinkMs (it does not wait for its answers). */
  maxThinkMs: number;
  /** Share of requests whose caller never calls `done()` (they arrive within maxInFlightMs). */
  ignoreShare: number;
  maxInFlightMs: number;
  durationMs: number;
  /** Wrap the store, e.g. to switch the send-time confirmation off. */
  wrapStore?: (store: BrokerStore) => BrokerStore;
}

/** A bucket whose limits the run chooses; its published numbers do not matter here. */
const BUCKET: BucketId = 'PUT /activations/:id';

/** Run the callers for `durationMs` of virtual time; returns the server-side arrival times. */
export async function simulateLatency(o: LatencySimOptions): Promise<{ arrivals: number[] }> {
  const random = seededRandom(o.seed);
  const vt = createVirtualTimers(0);
  const bucketLimits = {
    limit: o.limit,
    windowMs: o.windowMs,
    marginMs: o.marginMs,
    spacingMs: 0,
    headroom: { critical: 0, high: 0, normal: 0, low: 0, ...o.headroom },
  };
  const limits = { ...scaledLimits(V1_LIMIT_POLICY), [BUCKET]: bucketLimits };
  const memory = createMemoryStore({ limits, clock: vt.clock });
  const store = o.wrapStore ? o.wrapStore(memory) : memory;
  const span = o.windowMs + o.marginMs;
  const budget = createStoreBudget(store, {
    limits,
    // Every sleep of the budget fires late, like a busy event loop's timers.
    sleep: (ms, signal) => vt.delay(ms + random() * o.maxLateMs, signal),
    maxWaitMsByPriority: { critical: 10 * span, high: span / 2, normal: span / 5, low: span / 10 },
    retryCapMs: span / 2,
    maxJitterMs: span / 20,
    random,
    maxInFlightMs: o.maxInFlightMs,
  });
  const stop = new AbortController();
  const arrivals: number[] = [];

  const send = (permit: BudgetPermit) => {
    const writeMs = vt.clock.now() + random() * o.maxLateMs;
    if (random() < o.ignoreShare) {
      // Never settled: the client's timeout bounds when it can still arrive.
      arrivals.push(vt.clock.now() + random() * o.maxInFlightMs);
      return;
    }
    const arrivalMs = writeMs + random() * o.maxLatencyMs;
    arrivals.push(arrivalMs);
    vt.at(arrivalMs + random() * o.maxLatencyMs, () => void permit.done());
  };
  const caller = async (index: number) => {
    const priority = PRIORITIES[index % PRIORITIES.length]!;
    while (!stop.signal.aborted) {
      try {
        await vt.delay(random() * o.maxThinkMs, stop.signal);
        send(await budget.acquire(BUCKET, { priority, signal: stop.signal }));
      } catch {
        return;
      }
    }
  };
  const running = Array.from({ length: o.callers }, (_, i) => caller(i));
  await vt.runUntil(o.durationMs);
  stop.abort(new Error('simulation over'));
  await vt.runUntil(Number.POSITIVE_INFINITY);
  await Promise.all(running);
  await store.close();
  return { arrivals };
}
