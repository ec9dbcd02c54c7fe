/**
 * The broker's ONE SMS poll loop (DESIGN §4): every activation a test waits on is watched here,
 * never by the workers. Two lanes run side by side because they spend different buckets:
 * - the per-id lane (`GET /activations/:id`) looks at every wait as soon as it starts (the
 *   "first poll"), then re-polls with whatever budget the next window's first polls will not
 *   need, and runs the cheap refund watch (rules: poll-plan.ts);
 * - the history lane (`GET /activations`, one call covers every waiting activation) runs at the
 *   budget's even spacing while more than a few wait, or any wait and per-id has nothing to
 *   spare — at saturation it carries detection, so code latency does not grow with the workers.
 * In Redis mode only the poll leader runs the SMS lanes and publishes snapshots; the other
 * brokers register what they wait on and read the leader's snapshots (see waiting-sync.ts).
 */
import type { ActivationData } from '../../api/wire-types.ts';
import type { BrokerStore } from '../store/broker-store.ts';
import { createPerIdCallLog } from './per-id-calls.ts';
import type { PollApi } from './poll-api.ts';
import {
  historyLimit,
  needsFirstPoll,
  nextPerIdPoll,
  type PerIdChoice,
  type PollBookEntry,
  perIdSpare,
  useHistory,
} from './poll-plan.ts';
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
  // Answers of the lane's own calls wake only the lane, not the history and sync loops.
  const laneSleeper = createWakeableSleep();
  const abort = new AbortController();
  const book = new Map<number, PollBookEntry>();
  const calls = createPerIdCallLog(timing);
  const inFlight = new Map<number, Promise<void>>();
  const sync = createWaitingSync({ ...options, now, sleeper });
  let loops: Promise<void>[] = [];
  let nextRepollAtMs = Number.NEGATIVE_INFINITY;
  let lastHistoryAtMs = Number.NEGATIVE_INFINITY;

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

  /** The per-id budget share: re-polls in the window, first polls expected, and whether any is spare. */
  const perIdShare = (sms: WatchTarget[], nowMs: number) => {
    const due = sms.filter((t) => needsFirstPoll(t, book.get(t.id))).length;
    const recent = calls.recentRepolls(nowMs);
    const expected = calls.recentFirstPolls(nowMs) + due;
    return { recent, expected, scarce: !perIdSpare(recent, expected, 'normal', timing) };
  };

  async function historyLane(): Promise<void> {
    while (!sleeper.stopped) {
      const targets = smsTargets();
      const t = now();
      if (!useHistory(targets.length, timing, perIdShare(targets, t).scarce)) {
        await sleeper.sleep(timing.historySpacingMs);
        continue;
      }
      // Evenly spaced, as the budget grants them: an early call would only queue in the budget.
      const dueAtMs = lastHistoryAtMs + timing.historySpacingMs;
      if (t < dueAtMs) {
        await sleeper.sleep(dueAtMs - t);
        continue;
      }
      lastHistoryAtMs = t;
      try {
        const page = await api.getActivationsHistory(
          { page: 1, limit: historyLimit(targets.length) },
          { priority: 'normal', signal: abort.signal },
        );
        // Waits that started while the call was out count too: the page shows them.
        const watched = new Set([...targets, ...smsTargets()].map((x) => x.id));
        const ours = page.activations.filter((a) => watched.has(a.id));
        for (const a of ours) entry(a.id).lastSeenInHistoryAtMs = t;
        await publish(ours, t);
      } catch (error) {
        if (sleeper.stopped) return;
        options.onPollError(undefined, error);
      }
    }
  }

  function launch(choice: PerIdChoice, t: number): void {
    entry(choice.id).lastPolledAtMs = t;
    const call = calls.start(t, choice.first === true);
    const done = api
      .getActivation(choice.id, { priority: choice.priority, signal: abort.signal })
      .then((data) => publish([data], t))
      .catch((error: unknown) => {
        if (!sleeper.stopped) options.onPollError(choice.id, error);
      })
      .finally(() => {
        call.doneAtMs = now();
        inFlight.delete(choice.id);
        laneSleeper.wake();
      });
    inFlight.set(choice.id, done);
  }

  async function perIdLane(): Promise<void> {
    while (!sleeper.stopped) {
      const t = now();
      const sms = smsTargets();
      const targets = [...sms, ...options.targets().filter((x) => x.kind === 'refund')];
      prune(targets);
      const share = perIdShare(sms, t);
      const choice = nextPerIdPoll({
        targets,
        book,
        nowMs: t,
        timing,
        historyActive: useHistory(sms.length, timing, share.scarce),
        recentPerIdCalls: share.recent,
        expectedFirstPolls: share.expected,
        inFlight: new Set(inFlight.keys()),
      });
      // First polls go at once; re-polls keep their pace; nobody asks the budget for a slot it
      // has not got (a new wait arriving meanwhile must still be able to go first).
      const atMs = !choice
        ? t + timing.steadySpacingMs
        : inFlight.size >= timing.perIdMaxInFlight
          ? t + timing.perIdWindowMs
          : Math.max(calls.nextSlotAtMs(t, choice.priority), choice.first ? t : nextRepollAtMs);
      if (choice && atMs <= t) {
        if (!choice.first)
          nextRepollAtMs = t + (choice.burst ? timing.burstSpacingMs : timing.steadySpacingMs);
        launch(choice, t);
        continue;
      }
      await laneSleeper.sleep(Math.min(atMs - t, timing.perIdWindowMs));
    }
  }

  return {
    start() {
      loops = [sync.run(), historyLane(), perIdLane()];
    },
    wake() {
      sleeper.wake();
      laneSleeper.wake();
    },
    async stop() {
      sleeper.stop();
      laneSleeper.stop();
      abort.abort();
      await Promise.allSettled([...loops, ...inFlight.values()]);
    },
    isLeader: () => sync.leader,
  };
}
