/**
 * The broker's live view of the activations it answers for: the ledger record, the SMS state
 * (which SMS is new — the API shows only the latest), who owns it, what the poller should watch,
 * and the `wait` requests held until an SMS newer than the client's arrives.
 */

import type { ActivationRecord } from '../../contract/activation.ts';
import { ACTIVATION_STATES, type ActivationId } from '../../contract/activation.ts';
import type { SmsMessage } from '../../contract/phone.ts';
import type { ProviderActivation } from '../../providers/provider.ts';
import type { WaitResult } from '../protocol.ts';
import type { PollTiming, WatchTarget } from './poll-plan.ts';

/*
 * The broker's live view of the activations it answers for: the ledger record, the SMS state,
 * who owns it, and what the poller should watch. Snapshots from the poller come in here; the
 * changes go out through `onChange` (ledger, pending slot) and to held waits.
 */

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
  /**
   * Released, but the provider's cancel or finalize is still to be sent: the API refused it
   * for now (`notYet`: Platfone before `cancelable_after`) or the call failed. Housekeeping sends
   * it again once due; never set for a provider without the call (v1).
   */
  endPending?:
    | { operation: 'cancel' | 'finalize'; dueAtApiMs: number | undefined; attempts: number }
    | undefined;
  /** The API's clock as the last snapshot showed it, to tell when `dueAtApiMs` has come. */
  apiClock?: { serverNowMs: number; atMs: number };
}

/** Why a tracked activation changed. */
export type ChangeReason = 'status' | 'sms' | 'refund';

export interface ActivationTracker {
  readonly waits: WaitRegistry;
  add(tracked: TrackedActivation): void;
  get(id: ActivationId): TrackedActivation | undefined;
  all(): TrackedActivation[];
  /** What the poller watches now. */
  watchTargets(): WatchTarget[];
  /** Apply a poll result. `sentAtMs` undefined: another broker's snapshot. */
  applySnapshot(data: ProviderActivation, sentAtMs: number | undefined): void;
  recordPollError(activationId: ActivationId | undefined, message: string): void;
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
  const tracked = new Map<ActivationId, TrackedActivation>();
  const waits = createWaitRegistry();
  let globalPollError: string | undefined;

  const isLive = (t: TrackedActivation) =>
    !ACTIVATION_STATES[t.record.state].final && now() < t.expiresAtMs + timing.refundGiveUpMs;

  const waitResult = (t: TrackedActivation, afterSequence: number): WaitResult => {
    const sms = t.sms.lastSms && t.sms.lastSms.sequence > afterSequence ? t.sms.lastSms : null;
    return {
      sms,
      state: t.record.state,
      status: t.record.status,
      lastPollError: t.lastPollError ?? globalPollError,
    };
  };

  function applyRefund(t: TrackedActivation, data: ProviderActivation): boolean {
    if (t.record.outcome !== 'cancelled' || t.record.refunded !== undefined) return false;
    const state = ACTIVATION_STATES[data.state];
    if (state.refunded === true) t.record.refunded = true;
    // An SMS on a cancelled number: it came late and was billed.
    else if (!state.waiting && data.sms !== undefined) t.record.refunded = false;
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
        // Expecting an SMS, or holding one known only by its time (a restarted broker): poll for it.
        const textMissing = t.sms.sequence > 0 && t.sms.lastSms === undefined;
        if (t.record.outcome === 'waiting' && (t.sms.expectingSms || textMissing)) {
          targets.push({ ...base, kind: 'sms' });
        } else if (t.record.outcome === 'cancelled' && t.record.refunded === undefined) {
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
      const statusChanged = t.record.state !== data.state || t.record.status !== data.wireStatus;
      t.record.state = data.state;
      t.record.status = data.wireStatus;
      if (data.serverNowMs !== undefined) t.apiClock = { serverNowMs: data.serverNowMs, atMs: now() };
      if (t.endPending && data.cancelableAtMs !== undefined) t.endPending.dueAtApiMs = data.cancelableAtMs;
      if (ACTIVATION_STATES[data.state].final) t.endPending = undefined;
      const knewText = t.sms.lastSms !== undefined;
      const sms = applySmsSnapshot(t.sms, data, new Date(now()).toISOString());
      const refund = applyRefund(t, data);
      if (sms) {
        t.record.smsAt ??= sms.receivedAt;
        t.waitStartedAtMs = undefined;
        options.onChange(t, 'sms');
        waits.notify(t.record.id, sms.sequence, () => waitResult(t, sms.sequence - 1));
      } else if (!knewText && t.sms.lastSms) {
        // A restarted broker knew this SMS only by its time in the ledger; now it has the text,
        // and a test whose wait was held for it (its client never got it) gets it now.
        const { sequence } = t.sms.lastSms;
        waits.notify(t.record.id, sequence, () => waitResult(t, sequence - 1));
      }
      if (!sms && refund) options.onChange(t, 'refund');
      else if (!sms && statusChanged) options.onChange(t, 'status');
      if (ACTIVATION_STATES[data.state].final) waits.flush(t.record.id, () => waitResult(t, t.sms.sequence));
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

/*
 * Deciding, from successive API snapshots of one activation, when a NEW SMS arrived. The API
 * shows only the latest SMS (a retry erases the previous one, reference §4), so the broker
 * numbers them itself: `sequence` grows by one per SMS, and a test waits for "the first SMS
 * after sequence N".
 */

/** What the broker knows about the SMS of one activation. */
export interface SmsState {
  /** Number of SMS seen so far (the sequence of the last one). */
  sequence: number;
  lastSms: SmsMessage | undefined;
  /** True after a lease or a retry, until the SMS for it is seen. */
  expectingSms: boolean;
  /** Text of the SMS before the last retry: a snapshot still showing it is stale, not new. */
  staleMessage: string | undefined;
  /** Whether a snapshot in a waiting status was seen since the last retry. */
  sawWaitingSinceRetry: boolean;
  /** performance.now() when the snapshot showing the last SMS was applied (broker overhead). */
  detectedAtMs?: number;
}

/** State of a freshly leased activation. */
export function newSmsState(): SmsState {
  return {
    sequence: 0,
    lastSms: undefined,
    expectingSms: true,
    staleMessage: undefined,
    sawWaitingSinceRetry: false,
  };
}

/** After a successful retry: the next SMS gets the next sequence. */
export function markRetried(state: SmsState): void {
  state.expectingSms = true;
  state.staleMessage = state.lastSms?.text;
  state.sawWaitingSinceRetry = false;
}

/**
 * Apply one snapshot; returns the new SMS when this snapshot reveals one. `receivedAt` is the
 * wall-clock ISO time to stamp on it.
 */
export function applySmsSnapshot(
  state: SmsState,
  data: Pick<ProviderActivation, 'state' | 'sms'>,
  receivedAt: string,
): SmsMessage | undefined {
  if (ACTIVATION_STATES[data.state].waiting) {
    state.sawWaitingSinceRetry = true;
    return undefined;
  }
  const text = data.sms?.text ?? '';
  if (!ACTIVATION_STATES[data.state].hasSms || text === '') return undefined;
  const apiCode = data.sms?.code ?? '';
  if (!state.expectingSms) {
    // A broker restarted after the SMS came: fill in the text it knew only by its timestamp.
    if (state.sequence > 0 && state.lastSms === undefined) {
      state.lastSms = { text, apiCode, receivedAt, sequence: state.sequence };
    }
    return undefined;
  }
  // A snapshot taken before the retry took effect still shows the old SMS.
  if (state.staleMessage !== undefined && !state.sawWaitingSinceRetry && text === state.staleMessage) {
    return undefined;
  }
  state.sequence += 1;
  state.expectingSms = false;
  state.lastSms = { text, apiCode, receivedAt, sequence: state.sequence };
  state.detectedAtMs = performance.now();
  return state.lastSms;
}

/*
 * Held `wait` requests (long-poll): each resolves as soon as its activation has an SMS newer
 * than the one the client already has, or with `{ sms: null }` when its hold time is up.
 */

interface Waiter {
  activationId: ActivationId;
  connectionId: number;
  afterSequence: number;
  resolve(result: WaitResult): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

export interface WaitRegistry {
  /** Hold until {@link WaitRegistry.notify} has something newer, or `holdMs` passes. */
  hold(
    request: { activationId: ActivationId; connectionId: number; afterSequence: number; holdMs: number },
    current: () => WaitResult,
  ): Promise<WaitResult>;
  /** The activation changed: answer every waiter whose SMS is now there. */
  notify(activationId: ActivationId, sequence: number, result: () => WaitResult): void;
  /** Answer every waiter of an activation now (it can no longer get an SMS). */
  flush(activationId: ActivationId, result: () => WaitResult): void;
  /** The connection is gone: nobody to answer. */
  dropConnection(connectionId: number): void;
  /** The broker is shutting down: fail every held wait. */
  failAll(error: unknown): void;
  /** Activations with at least one held wait. */
  activationIds(): Set<ActivationId>;
  size(): number;
}

/** Create an empty registry of held waits. */
export function createWaitRegistry(): WaitRegistry {
  const waiters = new Set<Waiter>();
  const settle = (w: Waiter) => {
    clearTimeout(w.timer);
    waiters.delete(w);
  };
  return {
    hold(request, current) {
      return new Promise<WaitResult>((resolve, reject) => {
        const waiter: Waiter = {
          ...request,
          resolve,
          reject,
          timer: setTimeout(() => {
            settle(waiter);
            resolve(current());
          }, request.holdMs),
        };
        waiters.add(waiter);
      });
    },
    notify(activationId, sequence, result) {
      for (const w of [...waiters]) {
        if (w.activationId !== activationId || sequence <= w.afterSequence) continue;
        settle(w);
        w.resolve(result());
      }
    },
    flush(activationId, result) {
      for (const w of [...waiters]) {
        if (w.activationId !== activationId) continue;
        settle(w);
        w.resolve(result());
      }
    },
    dropConnection(connectionId) {
      for (const w of [...waiters]) if (w.connectionId === connectionId) settle(w);
    },
    failAll(error) {
      for (const w of [...waiters]) {
        settle(w);
        w.reject(error);
      }
    },
    activationIds: () => new Set([...waiters].map((w) => w.activationId)),
    size: () => waiters.size,
  };
}
