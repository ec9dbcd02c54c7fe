/**
 * The Redis side of central polling (DESIGN §4 "In Redis mode one leader polls for all
 * machines"): every broker registers the activations it waits on; the leader (renewed lease in
 * the store) polls them all; the others read the leader's snapshots. With the memory store
 * this broker is the only one, always the leader, and nothing is registered.
 */
import type { ActivationData } from '../../api/wire-types.ts';
import type { BrokerStore } from '../store/broker-store.ts';
import type { PollTiming } from './poll-timing.ts';
import type { WakeableSleep } from './wakeable-sleep.ts';
import type { WatchTarget } from './watch-target.ts';

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
