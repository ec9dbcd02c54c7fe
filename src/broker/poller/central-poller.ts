/**
 * The broker's ONE SMS poll loop (DESIGN §4): every activation a test waits on is watched here,
 * never by the workers. Two lanes run side by side because they spend different buckets:
 * - the history lane (`GET /activations`, one call covers every waiting activation) runs while
 *   more than a few wait, so code latency does not grow with the number of workers;
 * - the per-id lane (`GET /activations/:id`) serves the few-waiting case, activations missing
 *   from the history page, the burst right after a wait starts, and the cheap refund watch.
 * In Redis mode only the poll leader runs the SMS lanes and publishes snapshots; the other
 * brokers register what they wait on and read the leader's snapshots (see waiting-sync.ts).
 */
import type { ActivationData } from '../../api/wire-types.ts';
import type { BrokerStore } from '../store/broker-store.ts';
import type { PollApi } from './poll-api.ts';
import { historyLimit, nextPerIdPoll, type PollBookEntry, useHistory } from './poll-plan.ts';
import type { PollTiming } from './poll-timing.ts';
import { createWaitingSync } from './waiting-sync.ts';
import { createWakeableSleep } from './wakeable-sleep.ts';
import type { WatchTarget } from './watch-target.ts';

export type PollerStore = Pick<
  BrokerStore,
  'kind' | 'tryLead' | 'addWaiting' | 'removeWaiting' | 'listWaiting' | 'putSnapshots' | 'getSnapshots'
>;

export interface CentralPollerOptions {
  api: PollApi;
  store: PollerStore;
  /** Unique per broker process (leadership owner in Redis). */
  brokerId: string;
  timing: PollTiming;
  /** What this broker watches right now. Called often; keep it cheap. */
  targets(): WatchTarget[];
  /** A fresh snapshot. `sentAtMs`: wall ms the request was sent; undefined for another broker's. */
  onSnapshot(data: ActivationData, sentAtMs: number | undefined): void;
  /** A poll failed: for one activation, or (id undefined) the history call. */
  onPollError(activationId: number | undefined, error: unknown): void;
  /** Wall clock. @default Date.now */
  now?: () => number;
}

export interface CentralPoller {
  start(): void;
  /** Something changed (a new wait, a release): re-plan now instead of after the current sleep. */
  wake(): void;
  stop(): Promise<void>;
  /** Whether this broker polls for everyone (always true with the memory store). */
  isLeader(): boolean;
}

/** Create the poll loop (not started: call `start()`). */
export function createCentralPoller(options: CentralPollerOptions): CentralPoller {
  const { api, timing } = options;
  const now = options.now ?? Date.now;
  const sleeper = createWakeableSleep();
  const abort = new AbortController();
  const book = new Map<number, PollBookEntry>();
  const perIdCalls: number[] = [];
  const sync = createWaitingSync({ ...options, now, sleeper });
  let loops: Promise<void>[] = [];

  const entry = (id: number): PollBookEntry => {
    let e = book.get(id);
    if (!e) {
      e = { lastPolledAtMs: Number.NEGATIVE_INFINITY, lastSeenInHistoryAtMs: Number.NEGATIVE_INFINITY };
      book.set(id, e);
    }
    return e;
  };

  // Forget activations no longer watched, so the book cannot grow without bound.
  const prune = (targets: WatchTarget[]) => {
    if (book.size <= targets.length + 100) return;
    const live = new Set(targets.map((x) => x.id));
    for (const id of book.keys()) if (!live.has(id)) book.delete(id);
  };

  const publish = async (activations: ActivationData[], sentAtMs: number) => {
    for (const data of activations) options.onSnapshot(data, sentAtMs);
    if (options.store.kind !== 'memory' && activations.length > 0) {
      await options.store.putSnapshots(activations).catch((e: unknown) => options.onPollError(undefined, e));
    }
  };

  const smsTargets = () => (sync.leader ? sync.leaderTargets() : []);

  async function historyLane(): Promise<void> {
    while (!sleeper.stopped) {
      const targets = smsTargets();
      if (!useHistory(targets.length, timing)) {
        await sleeper.sleep(timing.historySpacingMs);
        continue;
      }
      const sentAtMs = now();
      try {
        const page = await api.getActivationsHistory(
          { page: 1, limit: historyLimit(targets.length) },
          { priority: 'normal', signal: abort.signal },
        );
        const watched = new Set(targets.map((t) => t.id));
        const ours = page.activations.filter((a) => watched.has(a.id));
        for (const a of ours) entry(a.id).lastSeenInHistoryAtMs = sentAtMs;
        await publish(ours, sentAtMs);
      } catch (error) {
        if (sleeper.stopped) return;
        options.onPollError(undefined, error);
      }
      await sleeper.sleep(timing.historySpacingMs);
    }
  }

  async function perIdLane(): Promise<void> {
    while (!sleeper.stopped) {
      const t = now();
      while (perIdCalls.length > 0 && perIdCalls[0]! <= t - timing.perIdWindowMs) perIdCalls.shift();
      const sms = smsTargets();
      const targets = [...sms, ...options.targets().filter((x) => x.kind === 'refund')];
      prune(targets);
      const choice = nextPerIdPoll({
        targets,
        book,
        nowMs: t,
        timing,
        historyActive: useHistory(sms.length, timing),
        recentPerIdCalls: perIdCalls.length,
      });
      if (!choice) {
        await sleeper.sleep(timing.steadySpacingMs);
        continue;
      }
      entry(choice.id).lastPolledAtMs = t;
      perIdCalls.push(t);
      try {
        const data = await api.getActivation(choice.id, { priority: choice.priority, signal: abort.signal });
        await publish([data], t);
      } catch (error) {
        if (sleeper.stopped) return;
        options.onPollError(choice.id, error);
      }
      await sleeper.sleep(choice.burst ? timing.burstSpacingMs : timing.steadySpacingMs);
    }
  }

  return {
    start() {
      loops = [sync.run(), historyLane(), perIdLane()];
    },
    wake: () => sleeper.wake(),
    async stop() {
      sleeper.stop();
      abort.abort();
      await Promise.allSettled(loops);
    },
    isLeader: () => sync.leader,
  };
}
