/**
 * What the poller does next, as pure functions: its pacing derived from the budget and the time
 * scale (real ms), and which activation the per-id lane polls next.
 */
import type { ActivationId } from '../../contract/activation.ts';
import { bucketLimit, type Priority, type ScaledLimits } from '../../limits/rate-limits.ts';

/** What the poller is told to watch; the broker's activation tracker produces these. */
export interface WatchTarget {
  id: ActivationId;
  /**
   * `sms`: a test may be waiting for an SMS — poll promptly.
   * `refund`: released without an SMS — watch cheaply until the API says refunded or billed.
   */
  kind: 'sms' | 'refund';
  /** Wall-clock ms at which the number expires (Infinity when unknown, e.g. another broker's). */
  expiresAtMs: number;
  /** Wall-clock ms at which a test started waiting for the current SMS, if one does. */
  waitStartedAtMs: number | undefined;
}

/*
 * The poller's pacing, derived from the budget the broker enforces (src/limits/rate-limits.ts:
 * the provider's published limits with overrides, the safety margin and the class headroom) on
 * the buckets the provider's `read` and `history` operations draw on, and the time scale. All
 * results are real milliseconds. The budget is what guarantees no window overflows; these
 * numbers let the poller predict it, so a poll is never queued behind the budget with a choice
 * that went stale while it waited, and the per-activation budget goes first to new waits.
 */

export interface PollTiming {
  /** Per-id spacing of re-polls at the sustainable rate of the `read` bucket (window / limit). */
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
  /** History lane spacing: the budget's even spacing of the `history` bucket ((window + margin) / limit). */
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

/** The buckets the poller draws on: the provider's `limits.bucketOf.read` and `.history`. */
export interface PollBuckets {
  read: string;
  history: string;
}

/**
 * Poll timing for an API whose clock runs `timeScale` times faster than real time, from the
 * broker's budget (`limits`, real ms) on the provider's `read` and `history` buckets.
 */
export function pollTiming(timeScale: number, limits: ScaledLimits, buckets: PollBuckets): PollTiming {
  const real = (apiMs: number) => Math.max(1, apiMs / timeScale);
  const perId = bucketLimit(limits, buckets.read);
  const history = bucketLimit(limits, buckets.history);
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

/*
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

/** The poller's memory of one activation. */
export interface PollBookEntry {
  lastPolledAtMs: number;
  lastSeenInHistoryAtMs: number;
}

export interface PerIdChoice {
  id: ActivationId;
  priority: Priority;
  /** The lane may poll again after the burst spacing (else the steady spacing). */
  burst: boolean;
  /** The first look at a wait: sent at once, not paced. Absent on re-polls. */
  first?: true;
}

export interface PlanInput {
  targets: readonly WatchTarget[];
  book: ReadonlyMap<ActivationId, PollBookEntry>;
  nowMs: number;
  timing: PollTiming;
  historyActive: boolean;
  /** Per-id calls this broker made within the last per-id window, first polls excepted. */
  recentPerIdCalls: number;
  /** First polls the next window will need: those of the last window plus those due now. @default 0 */
  expectedFirstPolls?: number;
  /** Activations with a per-id call in flight: never asked twice at once. */
  inFlight?: ReadonlySet<ActivationId>;
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
