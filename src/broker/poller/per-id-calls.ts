/**
 * The per-id lane's own log of its `GET /activations/:id` calls over the last window: how many
 * re-polls and first polls it made (the planner's budget share) and when the budget will have
 * a slot for the next one. Only the poll leader calls this endpoint, so the log predicts the
 * budget closely — the lane waits HERE, where a new wait can still change its choice, instead
 * of inside the budget with a choice that went stale (the budget stays the guarantee).
 */
import type { Priority } from '../../limits/priorities.ts';
import type { PollTiming } from './poll-timing.ts';

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
