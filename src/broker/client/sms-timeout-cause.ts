/**
 * The "likely culprit" sentence of an SMS timeout (DESIGN §3 step 2): a test author must know
 * at a glance whether to look at their app, at the provider, or at the number's lifetime.
 */
import { ACTIVATION_STATES, type ActivationState } from '../../contract/activation.ts';

/** What a wait saw, enough to say why no SMS came. */
export interface WaitObservation {
  number: string;
  /** Last API status of the activation (its words), and its neutral state. */
  lastStatus: string;
  lastState: ActivationState;
  /** Last error the broker's poller met while we waited, if any. */
  lastPollError: string | undefined;
  /** The number's expiry, and the time the wait gave up (real ms since epoch). */
  expiresAtMs: number;
  nowMs: number;
  /** The activation reached a final status, or the broker stopped waiting for it. */
  ended: boolean;
}

/** One sentence naming the likely cause of a timeout and what to check. */
export function smsTimeoutCause(seen: WaitObservation): string {
  if (seen.nowMs >= seen.expiresAtMs || seen.ended) {
    const when = new Date(seen.expiresAtMs).toISOString();
    const how = !seen.ended
      ? `expired at ${when}`
      : ACTIVATION_STATES[seen.lastState].final
        ? `ended with status ${seen.lastStatus}`
        : `is no longer watched by the broker (released or expired; last status ${seen.lastStatus})`;
    return (
      `The number ${how} before an SMS came, so no SMS can arrive any more: check that the app ` +
      `sends the SMS soon after ${seen.number} is submitted, and lease the number just before that step.`
    );
  }
  if (seen.lastPollError !== undefined) {
    return (
      `TempNumber was failing while we waited (last error: ${seen.lastPollError}): ` +
      'the provider is the likely culprit, not the app.'
    );
  }
  return (
    `The app under test sent no SMS to this number (or the provider is slow): ` +
    `check that the app submitted ${seen.number}.`
  );
}
