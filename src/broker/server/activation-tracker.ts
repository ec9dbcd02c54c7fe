/**
 * The broker's live view of the activations it answers for: the ledger record, the SMS state,
 * who owns it, and what the poller should watch. Snapshots from the poller come in here; the
 * changes go out through `onChange` (ledger, pending slot) and to held waits.
 */
import { isFinalStatus, isWaitingStatus } from '../../api/activation-statuses.ts';
import type { ActivationData } from '../../api/wire-types.ts';
import type { PollTiming } from '../poller/poll-timing.ts';
import { applySmsSnapshot, type SmsState } from '../poller/sms-detector.ts';
import type { WatchTarget } from '../poller/watch-target.ts';
import type { ActivationRecord, WaitResult } from '../protocol.ts';
import { createWaitRegistry, type WaitRegistry } from './wait-registry.ts';

export interface TrackedActivation {
  record: ActivationRecord;
  /** "service/country": the key of delivery records and pair blocks. */
  pair: string;
  sms: SmsState;
  /** Wall-clock ms at which the number expires. */
  expiresAtMs: number;
  /** Connection that owns it while outcome is `waiting`; undefined once orphaned or released. */
  connectionId: number | undefined;
  /** When a test started waiting for the current SMS (drives the poll burst). */
  waitStartedAtMs: number | undefined;
  /** Wall ms of the last retry: this broker's snapshots requested before it are stale. */
  retriedAtMs: number;
  lastPollError: string | undefined;
  /** Released by an explicit `release` (an orphan release can still be undone by `adopt`). */
  releasedByOwner: boolean;
  /** Left by a previous broker: released as cancelled unless adopted before this wall time. */
  adoptUntilMs: number | undefined;
}

/** Why a tracked activation changed. */
export type ChangeReason = 'status' | 'sms' | 'refund';

export interface ActivationTracker {
  readonly waits: WaitRegistry;
  add(tracked: TrackedActivation): void;
  get(id: number): TrackedActivation | undefined;
  all(): TrackedActivation[];
  /** What the poller watches now. */
  watchTargets(): WatchTarget[];
  /** Apply a poll result. `sentAtMs` undefined: another broker's snapshot. */
  applySnapshot(data: ActivationData, sentAtMs: number | undefined): void;
  recordPollError(activationId: number | undefined, message: string): void;
  /** The current answer to a `wait` on this activation. */
  waitResult(tracked: TrackedActivation, afterSequence: number): WaitResult;
  /** Can this activation still get an SMS (or a refund verdict) worth waiting for? */
  isLive(tracked: TrackedActivation): boolean;
  /** Forget released activations long past expiry (the ledger keeps them). */
  prune(): void;
}

export interface ActivationTrackerOptions {
  timing: PollTiming;
  now: () => number;
  onChange(tracked: TrackedActivation, reason: ChangeReason): void;
}

/** Create an empty tracker. */
export function createActivationTracker(options: ActivationTrackerOptions): ActivationTracker {
  const { timing, now } = options;
  const tracked = new Map<number, TrackedActivation>();
  const waits = createWaitRegistry();
  let globalPollError: string | undefined;

  const isLive = (t: TrackedActivation) =>
    !isFinalStatus(t.record.status) && now() < t.expiresAtMs + timing.refundGiveUpMs;

  const waitResult = (t: TrackedActivation, afterSequence: number): WaitResult => {
    const sms = t.sms.lastSms && t.sms.lastSms.sequence > afterSequence ? t.sms.lastSms : null;
    return { sms, status: t.record.status, lastPollError: t.lastPollError ?? globalPollError };
  };

  function applyRefund(t: TrackedActivation, data: ActivationData): boolean {
    if (t.record.outcome !== 'cancelled' || t.record.refunded !== undefined) return false;
    if (data.status === 'refunded') t.record.refunded = true;
    else if (!isWaitingStatus(data.status) && (data.message ?? '') !== '') t.record.refunded = false;
    return t.record.refunded !== undefined;
  }

  return {
    waits,
    add: (t) => void tracked.set(t.record.id, t),
    get: (id) => tracked.get(id),
    all: () => [...tracked.values()],
    watchTargets() {
      const targets: WatchTarget[] = [];
      for (const t of tracked.values()) {
        if (!isLive(t)) continue;
        const base = { id: t.record.id, expiresAtMs: t.expiresAtMs, waitStartedAtMs: t.waitStartedAtMs };
        if (t.record.outcome === 'waiting' && t.sms.expectingSms) targets.push({ ...base, kind: 'sms' });
        else if (t.record.outcome === 'cancelled' && t.record.refunded === undefined) {
          targets.push({ ...base, kind: 'refund' });
        }
      }
      return targets;
    },
    applySnapshot(data, sentAtMs) {
      const t = tracked.get(data.id);
      if (!t || (sentAtMs !== undefined && sentAtMs < t.retriedAtMs)) return;
      t.lastPollError = undefined;
      if (sentAtMs !== undefined) globalPollError = undefined;
      const statusChanged = t.record.status !== data.status;
      t.record.status = data.status;
      const sms = applySmsSnapshot(t.sms, data, new Date(now()).toISOString());
      const refund = applyRefund(t, data);
      if (sms) {
        t.record.smsAt ??= sms.receivedAt;
        t.waitStartedAtMs = undefined;
        options.onChange(t, 'sms');
        waits.notify(t.record.id, sms.sequence, () => waitResult(t, sms.sequence - 1));
      } else if (refund) options.onChange(t, 'refund');
      else if (statusChanged) options.onChange(t, 'status');
      if (isFinalStatus(data.status)) waits.flush(t.record.id, () => waitResult(t, t.sms.sequence));
    },
    recordPollError(activationId, message) {
      const t = activationId === undefined ? undefined : tracked.get(activationId);
      if (t) t.lastPollError = message;
      else globalPollError = message;
    },
    waitResult,
    isLive,
    prune() {
      const cutoff = now() - timing.refundGiveUpMs;
      for (const [id, t] of tracked) {
        if (t.record.outcome !== 'waiting' && t.expiresAtMs < cutoff) tracked.delete(id);
      }
    },
  };
}
