/**
 * The poller's pacing, derived from the published limits (one table: src/limits/rate-limits.ts)
 * and the time scale. All results are real milliseconds. The budget is what guarantees no
 * window overflows; these spacings keep the poller from queueing behind itself and spread the
 * per-activation budget fairly.
 */
import { RATE_LIMITS } from '../../limits/rate-limits.ts';

export interface PollTiming {
  /** Per-id lane spacing at the sustainable rate of `GET /activations/:id` (window / limit). */
  steadySpacingMs: number;
  /** Per-id lane spacing while a just-started wait is in its burst period. */
  burstSpacingMs: number;
  /** How long after a test starts waiting its SMS is polled in a burst. */
  burstPeriodMs: number;
  /** The per-id window and the count of this broker's calls in it under which bursting is allowed. */
  perIdWindowMs: number;
  burstCap: number;
  /** History lane spacing (window / limit of `GET /activations`). */
  historySpacingMs: number;
  /** A history sighting covers an activation for this long; after it, per-id takes over. */
  historyFreshMs: number;
  /** An activation expiring within this is polled at priority 'high'. */
  urgentMs: number;
  /** Refund watch: one low-priority poll per activation this often, plus one right after expiry. */
  refundIntervalMs: number;
  /** Refund watch gives up this long after expiry if the API never says refunded/billed. */
  refundGiveUpMs: number;
  /** With more than this many activations waiting for an SMS, the history endpoint is used. */
  fewWaiting: number;
}

const PER_ID = RATE_LIMITS['GET /activations/:id'];
const HISTORY = RATE_LIMITS['GET /activations'];

/** Poll timing for an API whose clock runs `timeScale` times faster than real time. */
export function pollTiming(timeScale: number): PollTiming {
  const real = (apiMs: number) => Math.max(1, apiMs / timeScale);
  const steady = PER_ID.windowMs / PER_ID.limit;
  const history = HISTORY.windowMs / HISTORY.limit;
  return {
    steadySpacingMs: real(steady),
    burstSpacingMs: real(steady / 4),
    burstPeriodMs: real(10_000),
    perIdWindowMs: real(PER_ID.windowMs),
    // A quarter of the window stays for steady polling, refund watches and other brokers.
    burstCap: Math.floor(PER_ID.limit * 0.75),
    historySpacingMs: real(history),
    historyFreshMs: real(history * 2.5),
    urgentMs: real(60_000),
    refundIntervalMs: real(120_000),
    refundGiveUpMs: real(3600_000),
    fewWaiting: 3,
  };
}
