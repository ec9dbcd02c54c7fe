/**
 * The poller's pacing, derived from the budget the broker enforces (src/limits/scaled-limits.ts:
 * the published limits, the safety margin and the class headroom) and the time scale. All
 * results are real milliseconds. The budget is what guarantees no window overflows; these
 * numbers let the poller predict it, so a poll is never queued behind the budget with a choice
 * that went stale while it waited, and the per-activation budget goes first to new waits.
 */
import type { Priority } from '../../limits/priorities.ts';
import { type ScaledLimits, scaledLimits } from '../../limits/scaled-limits.ts';

export interface PollTiming {
  /** Per-id spacing of re-polls at the sustainable rate of `GET /activations/:id` (window / limit). */
  steadySpacingMs: number;
  /** Per-id spacing of re-polls while a just-started wait is in its burst period. */
  burstSpacingMs: number;
  /** How long after a test starts waiting its SMS may be re-polled in a burst. */
  burstPeriodMs: number;
  /** The per-id window plus the budget's margin: a call counts against the bucket this long. */
  perIdWindowMs: number;
  /**
   * Per-id calls per window the budget grants each class (limit − headroom): the poller never
   * asks beyond it, so it is never parked inside the budget.
   */
  perIdClassLimit: Readonly<Record<Priority, number>>;
  /** Re-polls and expected first polls per window under which re-polls may burst. */
  burstCap: number;
  /** Slots per window re-polls leave free for waits that start sooner than the recent rate says. */
  perIdReserve: number;
  /** Per-id calls in flight at once: a burst of new waits is not served one round trip at a time. */
  perIdMaxInFlight: number;
  /** History lane spacing: the budget's even spacing of `GET /activations` ((window + margin) / limit). */
  historySpacingMs: number;
  /** A history sighting covers an activation for this long; after it, per-id takes over. */
  historyFreshMs: number;
  /** An activation expiring within this is polled at priority 'high'. */
  urgentMs: number;
  /** Refund watch: one low-priority poll per activation this often, plus one right after expiry. */
  refundIntervalMs: number;
  /** Refund watch gives up this long after expiry if the API never says refunded/billed. */
  refundGiveUpMs: number;
  /**
   * With more than this many activations waiting for an SMS the history endpoint is used even
   * while per-id has budget to spare (with fewer, only when per-id is scarce).
   */
  fewWaiting: number;
}

/** Poll timing for an API whose clock runs `timeScale` times faster than real time. */
export function pollTiming(
  timeScale: number,
  limits: ScaledLimits = scaledLimits({ timeScale }),
): PollTiming {
  const real = (apiMs: number) => Math.max(1, apiMs / timeScale);
  const perId = limits['GET /activations/:id'];
  const history = limits['GET /activations'];
  const steady = perId.windowMs / perId.limit;
  const classLimit = (p: Priority) => Math.max(1, perId.limit - perId.headroom[p]);
  const historySpacingMs =
    history.spacingMs > 0 ? history.spacingMs : (history.windowMs + history.marginMs) / history.limit;
  return {
    steadySpacingMs: steady,
    burstSpacingMs: steady / 4,
    burstPeriodMs: real(10_000),
    perIdWindowMs: perId.windowMs + perId.marginMs,
    perIdClassLimit: {
      critical: classLimit('critical'),
      high: classLimit('high'),
      normal: classLimit('normal'),
      low: classLimit('low'),
    },
    // A quarter of the window stays for steady polling, refund watches and new waits.
    burstCap: Math.floor(perId.limit * 0.75),
    perIdReserve: Math.ceil(perId.limit / 20),
    perIdMaxInFlight: 4,
    historySpacingMs,
    historyFreshMs: historySpacingMs * 2.5,
    urgentMs: real(60_000),
    refundIntervalMs: real(120_000),
    refundGiveUpMs: real(3600_000),
    fewWaiting: 3,
  };
}
