/**
 * The broker's one SMS poll loop (DESIGN §4) and what it needs: the per-id lane and the history
 * lane, the Redis side (one leader polls for every machine), the per-id call log, and the
 * wakeable sleep its loops share. Which id to poll next: poll-plan.ts.
 */
import type { ActivationData } from '../../api/wire-types.ts';
import type { Priority } from '../../limits/rate-limits.ts';
import type { PollTiming, WatchTarget } from './poll-plan.ts';
import {
  historyLimit,
  needsFirstPoll,
  nextPerIdPoll,
  type PerIdChoice,
  type PollBookEntry,
  perIdSpare,
  useHistory,
} from './poll-plan.ts';
import type { BrokerStore } from './store/broker-store.ts';

/*
 * The broker's ONE SMS poll loop (DESIGN §4): every activation a test waits on is watched here,
 * never by the workers. Two lanes run side by side because they spend different buckets:
 * - the per-id lane (`GET /activations/:id`) looks at every wait as soon as it starts (the
 *   "first poll"), then re-polls with whatever budget the next window's first polls will not
 *   need, and runs the cheap refund watch (rules: poll-plan.ts);
 * - the history lane (`GET /activations`, one call covers every waiting activation) runs at the
 *   budget's even spacing while more than a few wait, or any wait and per-id has nothing to
 *   spare — at saturation it carries detection, so code latency does not grow with the workers.
 * In Redis mode only the poll leader runs the SMS lanes and publishes snapshots; the other
 * brokers register what they wait on and read the leader's snapshots (below).
 */

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

/* The two reads the poller makes, as the TempNumber client offers them (src/api). */

export interface PollCallOptions {
  priority?: Priority;
  signal?: AbortSignal;
}

export interface PollApi {
  getActivation(id: number, options?: PollCallOptions): Promise<ActivationData>;
  getActivationsHistory(
    query: { page?: number; limit?: number },
    options?: PollCallOptions,
  ): Promise<{ activations: ActivationData[] }>;
}

/*
 * The per-id lane's own log of its `GET /activations/:id` calls over the last window: how many
 * re-polls and first polls it made (the planner's budget share) and when the budget will have
 * a slot for the next one. Only the poll leader calls this endpoint, so the log predicts the
 * budget closely — the lane waits HERE, where a new wait can still change its choice, instead
 * of inside the budget with a choice that went stale (the budget stays the guarantee).
 */

export interface PerIdCall {
  /** Real ms the call was started. */
  atMs: number;
  /** Real ms its answer (or failure) came back; undefined while in flight. */
  doneAtMs: number | undefined;
  first: boolean;
}

export interface PerIdCallLog {
  /** Record a call started at `nowMs`; returns it, to mark it done. */
  start(nowMs: number, first: boolean): PerIdCall;
  /** Re-polls (calls other than first polls) still counting against the window. */
  recentRepolls(nowMs: number): number;
  /** First polls still counting against the window: the recent rate of new waits. */
  recentFirstPolls(nowMs: number): number;
  /** Calls in flight now. */
  inFlight(): number;
  /** When the budget will next grant `priority` a slot: `nowMs` when it has one now. */
  nextSlotAtMs(nowMs: number, priority: Priority): number;
}

export function createPerIdCallLog(timing: PollTiming): PerIdCallLog {
  const calls: PerIdCall[] = [];
  // The budget counts a call until window + margin after its answer (in flight: indefinitely).
  const endOf = (c: PerIdCall) => (c.doneAtMs ?? Number.POSITIVE_INFINITY) + timing.perIdWindowMs;
  const live = (nowMs: number) => {
    for (let i = calls.length - 1; i >= 0; i--) if (endOf(calls[i]!) <= nowMs) calls.splice(i, 1);
    return calls;
  };
  return {
    start(nowMs, first) {
      const call: PerIdCall = { atMs: nowMs, doneAtMs: undefined, first };
      calls.push(call);
      return call;
    },
    recentRepolls: (nowMs) => live(nowMs).filter((c) => !c.first).length,
    recentFirstPolls: (nowMs) => live(nowMs).filter((c) => c.first).length,
    inFlight: () => calls.filter((c) => c.doneAtMs === undefined).length,
    nextSlotAtMs(nowMs, priority) {
      const ends = live(nowMs)
        .map(endOf)
        .sort((a, b) => a - b);
      const over = ends.length - timing.perIdClassLimit[priority];
      return over < 0 ? nowMs : ends[over]!;
    },
  };
}

/*
 * The Redis side of central polling (DESIGN §4 "In Redis mode one leader polls for all
 * machines"): every broker registers the activations it waits on; the leader (renewed lease in
 * the store) polls them all; the others read the leader's snapshots. With the memory store
 * this broker is the only one, always the leader, and nothing is registered.
 */

/** Leadership lease (real ms); renewed every third of it, so one missed renewal is harmless. */
const LEAD_TTL_MS = 15_000;
/** A registration outlives the number's expiry by this much (real ms) before Redis drops it. */
const REGISTRATION_MARGIN_MS = 5_000;

export interface WaitingSyncOptions {
  store: Pick<
    BrokerStore,
    'kind' | 'tryLead' | 'addWaiting' | 'removeWaiting' | 'listWaiting' | 'getSnapshots'
  >;
  brokerId: string;
  timing: PollTiming;
  targets(): WatchTarget[];
  onSnapshot(data: ActivationData, sentAtMs: number | undefined): void;
  onPollError(activationId: number | undefined, error: unknown): void;
  now: () => number;
  sleeper: WakeableSleep;
}

export interface WaitingSync {
  run(): Promise<void>;
  readonly leader: boolean;
  /** SMS targets the leader polls: this broker's and (Redis) every other broker's. */
  leaderTargets(): WatchTarget[];
}

/** Create the waiting-set sync; `run()` returns at once with the memory store. */
export function createWaitingSync(o: WaitingSyncOptions): WaitingSync {
  const shared = o.store.kind !== 'memory';
  // Also how often a non-leader reads the leader's snapshots: part of its code latency. A new
  // wait wakes the loop, so registration is immediate.
  const intervalMs = Math.min(250, Math.max(10, o.timing.steadySpacingMs / 4));
  const registered = new Set<number>();
  let leader = !shared;
  let nextLeadAtMs = 0;
  let remote: WatchTarget[] = [];
  /** When the leader first saw each remote registration: the wait's start, for its first poll. */
  const remoteSince = new Map<number, number>();
  const localSms = () => o.targets().filter((t) => t.kind === 'sms');

  async function register(local: WatchTarget[]): Promise<void> {
    const ids = new Set(local.map((t) => t.id));
    for (const t of local) {
      if (registered.has(t.id)) continue;
      const ttl = Number.isFinite(t.expiresAtMs) ? t.expiresAtMs - o.now() : 0;
      await o.store.addWaiting(t.id, Math.max(ttl, 0) + REGISTRATION_MARGIN_MS);
      registered.add(t.id);
    }
    for (const id of registered) {
      if (ids.has(id)) continue;
      await o.store.removeWaiting(id);
      registered.delete(id);
    }
  }

  async function step(): Promise<void> {
    const local = localSms();
    // Registered once a test waits: the leader takes that as the wait's start.
    await register(local.filter((t) => t.waitStartedAtMs !== undefined));
    if (o.now() >= nextLeadAtMs) {
      leader = await o.store.tryLead(o.brokerId, LEAD_TTL_MS);
      nextLeadAtMs = o.now() + LEAD_TTL_MS / 3;
    }
    const localIds = new Set(local.map((t) => t.id));
    if (leader) {
      const ids = (await o.store.listWaiting()).filter((id) => !localIds.has(id));
      const since = new Map(ids.map((id) => [id, remoteSince.get(id) ?? o.now()]));
      remoteSince.clear();
      for (const [id, atMs] of since) remoteSince.set(id, atMs);
      remote = ids.map((id) => ({
        id,
        kind: 'sms',
        expiresAtMs: Number.POSITIVE_INFINITY,
        waitStartedAtMs: remoteSince.get(id),
      }));
    } else if (localIds.size > 0) {
      for (const data of await o.store.getSnapshots([...localIds])) o.onSnapshot(data, undefined);
    }
  }

  return {
    async run() {
      if (!shared) return;
      while (!o.sleeper.stopped) {
        try {
          await step();
        } catch (error) {
          // Fail closed: without the store nobody may poll on its budget.
          leader = false;
          nextLeadAtMs = 0;
          o.onPollError(undefined, error);
        }
        await o.sleeper.sleep(intervalMs);
      }
      for (const id of registered) await o.store.removeWaiting(id).catch(() => {});
    },
    get leader() {
      return leader;
    },
    leaderTargets: () => [...localSms(), ...remote],
  };
}

/**
 * A sleep that ends early when woken (new work arrived) or stopped. One instance serves every
 * loop of the poller: `wake()` ends all current sleeps.
 */
export interface WakeableSleep {
  /** Resolve after `ms`, on `wake()`, or on `stop()` — whichever comes first. */
  sleep(ms: number): Promise<void>;
  wake(): void;
  stop(): void;
  readonly stopped: boolean;
}

export function createWakeableSleep(): WakeableSleep {
  let wakers = new Set<() => void>();
  let stopped = false;
  const wakeAll = () => {
    const current = wakers;
    wakers = new Set();
    for (const w of current) w();
  };
  return {
    sleep(ms) {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        wakers.add(done);
      });
    },
    wake: wakeAll,
    stop() {
      stopped = true;
      wakeAll();
    },
    get stopped() {
      return stopped;
    },
  };
}
