import { HEADROOM, type Headroom, scaleHeadroom } from './headroom.ts';
import { type BucketId, RATE_LIMITS, type RateLimit } from './rate-limits.ts';

/**
 * How each bucket is paced. `even`: one grant every (window + margin) / limit, for the SMS list
 * poller, whose value is steady latency rather than bursts (research §6.8, 6.2 s per call).
 * `burst`: up to the whole limit at once (leases, and per-activation polls right after a test
 * starts waiting, when the SMS is most likely to arrive — DESIGN §4).
 */
export const PACING = {
  'GET /activations': 'even',
  'POST /activations': 'burst',
  'GET /activations/:id': 'burst',
  'PUT /activations/:id': 'burst',
  'GET /services/:serviceId/countries/:countryId': 'burst',
  'GET /services/pricelistByService': 'burst',
  'GET /services/pricelistByCountry': 'burst',
  'GET /user/balance': 'burst',
} as const satisfies Record<BucketId, 'even' | 'burst'>;

/** One bucket's budget in real milliseconds: what the stores enforce. */
export interface ScaledBucketLimit {
  limit: number;
  /** The API's window divided by the time scale. */
  windowMs: number;
  /** Safety margin added to the window (real ms, with a floor; see {@link scaledLimits}). */
  marginMs: number;
  /** Minimum distance between consecutive grants (0: bursts allowed). */
  spacingMs: number;
  /** Slots per window each class leaves to the classes above it. */
  headroom: Headroom;
}

/** The budget of every bucket, in real milliseconds. */
export type ScaledLimits = Readonly<Record<BucketId, ScaledBucketLimit>>;

/** A partial table of tighter limits (API ms), e.g. from `TEMPNUMBER_RATE_LIMITS`. */
export type LimitOverrides = Partial<Record<BucketId, Partial<RateLimit>>>;

/** Options of {@link scaledLimits}. */
export interface ScaledLimitsOptions {
  /** How many times faster than real time the API's clock runs (sandbox only). @default 1 */
  timeScale?: number;
  /** Safety margin in API milliseconds (research §2: m ≈ 2 s for minute windows). @default 2000 */
  marginMs?: number;
  /**
   * The margin never drops below this many REAL milliseconds, whatever the time scale.
   * @default 50
   */
  marginFloorRealMs?: number;
  /** Tighter limits per bucket (API ms). Looser ones are refused. */
  overrides?: LimitOverrides;
}

/** Default floor of the margin in real ms; see {@link scaledLimits}. */
export const DEFAULT_MARGIN_FLOOR_REAL_MS = 50;

/**
 * The published limits (with overrides) converted to real milliseconds for a time scale.
 *
 * The margin covers jitter that happens in REAL time — timer lateness, event-loop stalls, GC,
 * loopback HTTP on a busy 2-core CI box with several brokers and a sandbox — so it must not
 * shrink with the windows: at time scale 100 a 2 s margin would become 20 ms, less than one GC
 * pause. The floor is 50 real ms: the first of two requests one window apart may be delayed by
 * that much after its grant without the pair landing inside one server window. At scale 100 it
 * costs ~5–8 % of throughput on the (600–1200 ms) scaled windows; at scale 1 the 2 s margin wins.
 */
export function scaledLimits(options: ScaledLimitsOptions = {}): ScaledLimits {
  const timeScale = options.timeScale ?? 1;
  const marginApiMs = options.marginMs ?? 2000;
  const floorMs = options.marginFloorRealMs ?? DEFAULT_MARGIN_FLOOR_REAL_MS;
  assertPositive('timeScale', timeScale);
  assertNonNegative('marginMs', marginApiMs);
  assertNonNegative('marginFloorRealMs', floorMs);
  const marginMs = Math.max(marginApiMs / timeScale, floorMs);
  const out = {} as Record<BucketId, ScaledBucketLimit>;
  for (const bucket of Object.keys(RATE_LIMITS) as BucketId[]) {
    const published = RATE_LIMITS[bucket];
    const { limit, windowMs: apiWindowMs } = effectiveLimit(bucket, published, options.overrides?.[bucket]);
    const windowMs = apiWindowMs / timeScale;
    out[bucket] = {
      limit,
      windowMs,
      marginMs,
      spacingMs: PACING[bucket] === 'even' ? (windowMs + marginMs) / limit : 0,
      headroom: scaleHeadroom(HEADROOM[bucket], published.limit, limit),
    };
  }
  return out;
}

function effectiveLimit(bucket: BucketId, published: RateLimit, override: Partial<RateLimit> | undefined) {
  const limit = override?.limit ?? published.limit;
  const windowMs = override?.windowMs ?? published.windowMs;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Expected the limit of \`${bucket}\` to be a positive integer, got ${limit}`);
  }
  assertPositive(`windowMs of ${bucket}`, windowMs);
  // Never looser than published: the whole point is that the account is never rate limited.
  // (A smaller limit over a SHORTER window is not always tighter: 4 per 50 s allows 12 per 120 s.)
  if (limit > published.limit || windowMs < published.windowMs) {
    throw new RangeError(
      `The limit of \`${bucket}\` may only be tightened: published ${published.limit} per ${published.windowMs} ms, got ${limit} per ${windowMs} ms`,
    );
  }
  return { limit, windowMs };
}

function assertPositive(name: string, value: number) {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`Expected \`${name}\` to be a positive number, got ${value}`);
  }
}

function assertNonNegative(name: string, value: number) {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`Expected \`${name}\` to be a non-negative number, got ${value}`);
  }
}
