/**
 * Which activation the per-id lane polls next — a pure function of the watch list, what was
 * polled when, and the clock, so fairness is unit-testable. Rules (research §5):
 * - about-to-expire activations first (priority 'high'), then round-robin (least recently
 *   polled first), earliest expiry breaking ties — no activation starves another;
 * - while the history lane covers an activation, per-id polls it only in its burst period;
 * - refund watches are polled rarely, at priority 'low', and once right after expiry.
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
}

export interface PlanInput {
  targets: readonly WatchTarget[];
  book: ReadonlyMap<number, PollBookEntry>;
  nowMs: number;
  timing: PollTiming;
  historyActive: boolean;
  /** Per-id calls this broker made within the last per-id window. */
  recentPerIdCalls: number;
}

const NEVER: PollBookEntry = {
  lastPolledAtMs: Number.NEGATIVE_INFINITY,
  lastSeenInHistoryAtMs: Number.NEGATIVE_INFINITY,
};

/** Should the history endpoint be used for this many activations waiting for an SMS? */
export function useHistory(smsTargets: number, timing: PollTiming): boolean {
  return smsTargets > timing.fewWaiting;
}

/** `limit` for `GET /activations`: room for every watched activation plus others of the account. */
export function historyLimit(smsTargets: number): number {
  return Math.min(100, Math.max(10, smsTargets + 10));
}

/** The next per-id poll, or undefined when nothing is due. */
export function nextPerIdPoll(input: PlanInput): PerIdChoice | undefined {
  const { nowMs, timing } = input;
  const canBurst = input.recentPerIdCalls < timing.burstCap;
  let best: { choice: PerIdChoice; rank: number; last: number; expires: number } | undefined;
  for (const target of input.targets) {
    const entry = input.book.get(target.id) ?? NEVER;
    const candidate =
      target.kind === 'refund'
        ? refundCandidate(target, entry, nowMs, timing)
        : smsCandidate(target, entry, input, canBurst);
    if (!candidate) continue;
    const scored = { ...candidate, last: entry.lastPolledAtMs, expires: target.expiresAtMs };
    if (!best || isBetter(scored, best)) best = scored;
  }
  return best?.choice;
}

function smsCandidate(
  target: WatchTarget,
  entry: PollBookEntry,
  input: PlanInput,
  canBurst: boolean,
): { choice: PerIdChoice; rank: number } | undefined {
  const { nowMs, timing } = input;
  const burst =
    canBurst && target.waitStartedAtMs !== undefined && nowMs - target.waitStartedAtMs < timing.burstPeriodMs;
  const covered = input.historyActive && nowMs - entry.lastSeenInHistoryAtMs < timing.historyFreshMs;
  if (covered && !burst) return undefined;
  const urgent = target.expiresAtMs - nowMs < timing.urgentMs;
  return { choice: { id: target.id, priority: urgent ? 'high' : 'normal', burst }, rank: urgent ? 0 : 1 };
}

function refundCandidate(
  target: WatchTarget,
  entry: PollBookEntry,
  nowMs: number,
  timing: PollTiming,
): { choice: PerIdChoice; rank: number } | undefined {
  const justExpired = nowMs >= target.expiresAtMs && entry.lastPolledAtMs < target.expiresAtMs;
  const due = nowMs - entry.lastPolledAtMs >= timing.refundIntervalMs;
  if (!justExpired && !due) return undefined;
  return { choice: { id: target.id, priority: 'low', burst: false }, rank: 2 };
}

function isBetter(
  a: { rank: number; last: number; expires: number },
  b: { rank: number; last: number; expires: number },
): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.last !== b.last) return a.last < b.last;
  return a.expires < b.expires;
}
