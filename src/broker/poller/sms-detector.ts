/**
 * Deciding, from successive API snapshots of one activation, when a NEW SMS arrived. The API
 * shows only the latest SMS (a retry erases the previous one, reference §4), so the broker
 * numbers them itself: `sequence` grows by one per SMS, and a test waits for "the first SMS
 * after sequence N".
 */
import { ACTIVATION_STATUSES, isActivationStatus, isWaitingStatus } from '../../api/activation-statuses.ts';
import type { ActivationData } from '../../api/wire-types.ts';
import type { SmsMessage } from '../protocol.ts';

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
  data: Pick<ActivationData, 'status' | 'message' | 'code'>,
  receivedAt: string,
): SmsMessage | undefined {
  if (isWaitingStatus(data.status)) {
    state.sawWaitingSinceRetry = true;
    return undefined;
  }
  const text = data.message ?? '';
  const hasSms = isActivationStatus(data.status) && ACTIVATION_STATUSES[data.status].hasSms;
  if (!hasSms || text === '') return undefined;
  const apiCode = data.code === undefined || data.code === null ? '' : String(data.code);
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
