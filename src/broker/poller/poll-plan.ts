/**
 * Which activation the per-id lane polls next — a pure function of the watch list, what was
 * polled or seen when, the recent per-id calls and the clock, so the rules are unit-testable.
 *
 * At saturation leases come at up to 80 per 2 min and the per-id budget is also 80 per 2 min:
 * it affords about ONE poll per activation. So the rules, in order (research §5):
 * - first poll: a wait that started and was not observed since (per id or in history) is polled
 *   at once, oldest wait first — most SMS are there by then (the app sent it before `code()`);
 * - about-to-expire activations next (priority 'high'), then round-robin (least recently
 *   observed first), earliest expiry breaking ties — no activation starves another;
 * - re-polls spend only budget the next window's first polls will not need (the recent rate of
 *   new waits): in a burst right after a wait starts while that leaves room under `burstCap`,
 *   otherwise at the steady pace — and not while a fresh history sighting covers it (nor,
 *   while the history lane runs, one nobody waits on that the history has not listed yet);
 * - refund watches are polled rarely, at priority 'low', and once right after expiry.
 * The history endpoint (one call covers every activation) carries whatever per-id cannot.
 */
import type { Priority } from '../../limits/priorities.ts';
import type { PollTiming } from './poll-timing.ts';
import type { WatchTarget } from './watch-target.ts';

/** The poller's memory of one activation. */
export interface PollBookEntry {
  lastPolledAtMs: number;
  lastSeenInHistoryAtMs: number;
}

export interface PerIdChoice {
  id: number;
  priority: Priority;
  /** The lane may poll again after the burst spacing (else the steady spacing). */
  burst: boolean;
  /** The first look at a wait: sent at once, not paced. Absent on re-polls. */
  first?: true;
}

export interface PlanInput {
  targets: readonly WatchTarget[];
  book: ReadonlyMap<number, PollBookEntry>;
  nowMs: number;
  timing: PollTiming;
  historyActive: boolean;
  /** Per-id calls this broker made within the last per-id window, first polls excepted. */
  recentPerIdCalls: number;
  /** First polls the next window will need: those of the last window plus those due now. @default 0 */
  expectedFirstPolls?: number;
  /** Activations with a per-id call in flight: never asked twice at once. */
  inFlight?: ReadonlySet<number>;
}

const NEVER: PollBookEntry = {
  lastPolledAtMs: Number.NEGATIVE_INFINITY,
  lastSeenInHistoryAtMs: Number.NEGATIVE_INFINITY,
};

/**
 * Should the history endpoint be used for this many activations waiting for an SMS? Always for
 * more than a few; for any while per-id has no budget to spare (one call covers them all).
 */
export function useHistory(smsTargets: number, timing: PollTiming, perIdScarce = false): boolean {
  return smsTargets > timing.fewWaiting || (perIdScarce && smsTargets > 0);
}

/** `limit` for `GET /activations`: room for every watched activation plus others of the account. */
export function historyLimit(smsTargets: number): number {
  return Math.min(100, Math.max(10, smsTargets + 10));
}

/** When the activation was last observed, by either endpoint. */
function lastObservedAtMs(entry: PollBookEntry): number {
  return Math.max(entry.lastPolledAtMs, entry.lastSeenInHistoryAtMs);
}

/** A wait that started and was not observed since: its first poll is due. */
export function needsFirstPoll(target: WatchTarget, entry: PollBookEntry | undefined): boolean {
  return (
    target.kind === 'sms' &&
    target.waitStartedAtMs !== undefined &&
    lastObservedAtMs(entry ?? NEVER) < target.waitStartedAtMs
  );
}

/**
 * Can re-polls at `priority` spend per-id budget now? Only what the class may use per window,
 * less what the next window's first polls will take and a small reserve.
 */
export function perIdSpare(
  recentPerIdCalls: number,
  expectedFirstPolls: number,
  priority: Priority,
  timing: PollTiming,
): boolean {
  return recentPerIdCalls + expectedFirstPolls < timing.perIdClassLimit[priority] - timing.perIdReserve;
}

/** The next per-id poll, or undefined when nothing is due. */
export function nextPerIdPoll(input: PlanInput): PerIdChoice | undefined {
  let best: { choice: PerIdChoice; rank: number; key: number; expires: number } | undefined;
  for (const target of input.targets) {
    if (input.inFlight?.has(target.id)) continue;
    const entry = input.book.get(target.id) ?? NEVER;
    const candidate =
      target.kind === 'refund'
        ? refundCandidate(target, entry, input.nowMs, input.timing)
        : smsCandidate(target, entry, input);
    if (!candidate) continue;
    const scored = { ...candidate, expires: target.expiresAtMs };
    if (!best || isBetter(scored, best)) best = scored;
  }
  return best?.choice;
}

type Candidate = { choice: PerIdChoice; rank: number; key: number };

function smsCandidate(target: WatchTarget, entry: PollBookEntry, input: PlanInput): Candidate | undefined {
  const { nowMs, timing } = input;
  const urgent = target.expiresAtMs - nowMs < timing.urgentMs;
  const priority: Priority = urgent ? 'high' : 'normal';
  const expected = input.expectedFirstPolls ?? 0;
  const recent = input.recentPerIdCalls;
  const burst =
    recent + expected < timing.burstCap &&
    target.waitStartedAtMs !== undefined &&
    nowMs - target.waitStartedAtMs < timing.burstPeriodMs;
  if (needsFirstPoll(target, entry)) {
    // Oldest wait first: it has waited longest. A test that just started waiting gets the most
    // valuable poll there is (the SMS is most likely there already or about to be), so its first
    // look may use the slots that the headroom keeps from normal re-polls (priority 'high').
    return {
      choice: { id: target.id, priority: 'high', burst, first: true },
      rank: 0,
      key: target.waitStartedAtMs ?? nowMs,
    };
  }
  // Nobody waits and history never listed it yet: the next page will (per id would be spent
  // before the app even sent the SMS). A waiting one missing from the page falls back to per id.
  const unseen =
    target.waitStartedAtMs === undefined && entry.lastSeenInHistoryAtMs === Number.NEGATIVE_INFINITY;
  const covered =
    input.historyActive && (unseen || nowMs - entry.lastSeenInHistoryAtMs < timing.historyFreshMs);
  if (covered && !burst) return undefined;
  if (!burst && !perIdSpare(recent, expected, priority, timing)) return undefined;
  return { choice: { id: target.id, priority, burst }, rank: urgent ? 1 : 2, key: lastObservedAtMs(entry) };
}

function refundCandidate(
  target: WatchTarget,
  entry: PollBookEntry,
  nowMs: number,
  timing: PollTiming,
): Candidate | undefined {
  const justExpired = nowMs >= target.expiresAtMs && entry.lastPolledAtMs < target.expiresAtMs;
  const due = nowMs - entry.lastPolledAtMs >= timing.refundIntervalMs;
  if (!justExpired && !due) return undefined;
  return { choice: { id: target.id, priority: 'low', burst: false }, rank: 3, key: entry.lastPolledAtMs };
}

function isBetter(a: Candidate & { expires: number }, b: Candidate & { expires: number }): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.key !== b.key) return a.key < b.key;
  return a.expires < b.expires;
}
