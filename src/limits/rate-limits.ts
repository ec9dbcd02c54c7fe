/**
 * The published rate limits of the API as one table, and everything the budget derives from them:
 * request classes (priorities) with the headroom each leaves for the classes above it, the limits
 * scaled to real time with the safety margin, overrides for tests, and how far ahead a class may
 * reserve a slot. Pure: no I/O, no clock.
 */

/** Published limit of one bucket: at most `limit` requests in any `windowMs` (API time). */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/**
 * TempNumber's published per-endpoint limits (reference §6.1), per account. ONE table, read by
 * the client's local budget, the broker, the sandbox (which enforces it) and the benchmark.
 * The table's PUT row says `/activations`; it can only mean `/activations/:id` (the only PUT).
 */
export const RATE_LIMITS = {
  'GET /activations': { limit: 10, windowMs: 60_000 },
  'POST /activations': { limit: 80, windowMs: 120_000 },
  'GET /activations/:id': { limit: 80, windowMs: 120_000 },
  'PUT /activations/:id': { limit: 10, windowMs: 60_000 },
  'GET /services/:serviceId/countries/:countryId': { limit: 80, windowMs: 120_000 },
  'GET /services/pricelistByService': { limit: 3, windowMs: 60_000 },
  'GET /services/pricelistByCountry': { limit: 3, windowMs: 60_000 },
  'GET /user/balance': { limit: 10, windowMs: 60_000 },
} as const satisfies Record<string, RateLimit>;

/** A rate-limit bucket: one per method + path template of the API (each endpoint names its own). */
export type BucketId = keyof typeof RATE_LIMITS;

/** The longest window of the table, in API milliseconds (the broker idles longer than this). */
export const LONGEST_WINDOW_MS = Math.max(...Object.values(RATE_LIMITS).map((l) => l.windowMs));

/**
 * Request classes inside one rate-limit bucket, most important first. A class may only take a
 * slot while the bucket keeps `headroom` slots per window free for the classes above it, so
 * release/cleanup traffic is never starved by polling or leasing (research §2, §6.8).
 */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Slots per window that a class must leave free for the classes above it. */
export type Headroom = Readonly<Record<Priority, number>>;

/**
 * Reserved headroom per bucket and class, for the published limits (research §2, §6.8). A class
 * may take a slot only while fewer than `limit − headroom[class]` slots of the window are used,
 * so the classes above it always find `headroom` slots per window.
 *
 * Why these numbers: release/cleanup traffic is `critical` and never waits behind polling;
 * `PUT /activations/:id` keeps 3 of 10 for it (measured in research §2: cancels then waited 0 s
 * under saturation); per-activation polls keep 10 of 80 for `high` polls of activations about to
 * expire. Every row grows from `critical` to `low` so a lower class can never take what a
 * higher one may not. Buckets with one user (list poller, leases) leave a little for `low`
 * bookkeeping reads only.
 */
export const HEADROOM = {
  'GET /activations': { critical: 0, high: 0, normal: 0, low: 2 },
  'POST /activations': { critical: 0, high: 0, normal: 0, low: 10 },
  'GET /activations/:id': { critical: 0, high: 0, normal: 10, low: 20 },
  'PUT /activations/:id': { critical: 0, high: 1, normal: 3, low: 5 },
  'GET /services/:serviceId/countries/:countryId': { critical: 0, high: 0, normal: 0, low: 10 },
  'GET /services/pricelistByService': { critical: 0, high: 0, normal: 0, low: 1 },
  'GET /services/pricelistByCountry': { critical: 0, high: 0, normal: 0, low: 1 },
  'GET /user/balance': { critical: 0, high: 0, normal: 0, low: 3 },
} as const satisfies Record<BucketId, Headroom>;

/**
 * Headroom of a bucket whose limit was changed from `publishedLimit` to `limit`: the table's
 * numbers scaled in proportion (rounded up, so a tightened limit still protects the classes
 * above) and capped at `limit − 1`, so every class can still get one slot per window.
 */
export function scaleHeadroom(headroom: Headroom, publishedLimit: number, limit: number): Headroom {
  const scale = (n: number) => Math.min(Math.max(limit - 1, 0), Math.ceil((n * limit) / publishedLimit));
  return {
    critical: scale(headroom.critical),
    high: scale(headroom.high),
    normal: scale(headroom.normal),
    low: scale(headroom.low),
  };
}

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

/** The budget of every bucket of a table (v1's by default), in real milliseconds. */
export type ScaledLimits<B extends string = BucketId> = Readonly<Record<B, ScaledBucketLimit>>;

/**
 * One row of a provider's own limit table (docs/decisions/0016): the limit (API ms), the
 * headroom each class leaves to the classes above it, and how grants are paced.
 */
export interface LimitRow extends RateLimit {
  headroom: Headroom;
  pacing: 'even' | 'burst';
}

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
  const rows = {} as Record<BucketId, LimitRow>;
  for (const bucket of Object.keys(RATE_LIMITS) as BucketId[]) {
    const published = RATE_LIMITS[bucket];
    const { limit, windowMs } = effectiveLimit(bucket, published, options.overrides?.[bucket]);
    const headroom = scaleHeadroom(HEADROOM[bucket], published.limit, limit);
    rows[bucket] = { limit, windowMs, headroom, pacing: PACING[bucket] };
  }
  return scaleLimitTable(rows, { timeScale, marginMs: marginApiMs, marginFloorRealMs: floorMs });
}

/**
 * Any provider's limit table (API ms) in real milliseconds for a time scale, with the same margin
 * rule as {@link scaledLimits} (which is this over TempNumber v1's table, with overrides).
 */
export function scaleLimitTable<B extends string>(
  table: Readonly<Record<B, LimitRow>>,
  options: Omit<ScaledLimitsOptions, 'overrides'> = {},
): ScaledLimits<B> {
  const timeScale = options.timeScale ?? 1;
  const marginApiMs = options.marginMs ?? 2000;
  const floorMs = options.marginFloorRealMs ?? DEFAULT_MARGIN_FLOOR_REAL_MS;
  assertPositive('timeScale', timeScale);
  assertNonNegative('marginMs', marginApiMs);
  assertNonNegative('marginFloorRealMs', floorMs);
  const marginMs = Math.max(marginApiMs / timeScale, floorMs);
  const out = {} as Record<B, ScaledBucketLimit>;
  for (const bucket of Object.keys(table) as B[]) {
    const row = table[bucket];
    const windowMs = row.windowMs / timeScale;
    out[bucket] = {
      limit: row.limit,
      windowMs,
      marginMs,
      spacingMs: row.pacing === 'even' ? (windowMs + marginMs) / row.limit : 0,
      headroom: row.headroom,
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

/**
 * Parse tighter limits written as `<bucket>=<limit>[/<windowMs>]`, separated by `;` — the format
 * of `TEMPNUMBER_RATE_LIMITS`, e.g. `GET /activations/:id=40;PUT /activations/:id=5/60000`.
 * Bucket ids are the keys of RATE_LIMITS (they contain spaces, `/` and `:`, never `;` or `=`).
 * Whether a value is tighter than published is checked by `scaledLimits`.
 */
export function parseLimitOverrides(text: string): LimitOverrides {
  const out: LimitOverrides = {};
  for (const part of text.split(';')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.lastIndexOf('=');
    const bucket = item.slice(0, eq).trim();
    if (eq < 0 || !Object.hasOwn(RATE_LIMITS, bucket)) {
      throw new RangeError(
        `Expected \`<bucket>=<limit>[/<windowMs>]\` with a bucket of ${Object.keys(RATE_LIMITS).join(', ')}; got ${JSON.stringify(item)}`,
      );
    }
    out[bucket as BucketId] = parseValue(bucket, item.slice(eq + 1));
  }
  return out;
}

function parseValue(bucket: string, value: string): Partial<RateLimit> {
  const match = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(value);
  if (!match) {
    throw new RangeError(`Expected \`<limit>[/<windowMs>]\` for \`${bucket}\`, got ${JSON.stringify(value)}`);
  }
  const limit = Number(match[1]);
  return match[2] === undefined ? { limit } : { limit, windowMs: Number(match[2]) };
}

/**
 * How far ahead (API ms) each class may reserve a slot before it is refused and comes back
 * later (research §2, §6.3). Slots are append-only, so a far reservation of a low class would
 * push every later request — critical ones included — behind it. The top class may reserve as
 * far as a 429 block can reach; the others only a moment ahead.
 */
export const MAX_WAIT_MS = {
  critical: 600_000,
  high: 5_000,
  normal: 1_000,
  low: 500,
} as const satisfies Record<Priority, number>;

/**
 * Floor of the scaled max waits, in real ms: below it a refused caller would come back to the
 * store more often than the store can answer usefully.
 */
const MAX_WAIT_FLOOR_REAL_MS = 20;

/** {@link MAX_WAIT_MS} in real ms for a time scale (with a small floor). */
export function scaledMaxWaitMs(timeScale = 1): Record<Priority, number> {
  const scale = (ms: number) => Math.max(ms / timeScale, MAX_WAIT_FLOOR_REAL_MS);
  return {
    critical: scale(MAX_WAIT_MS.critical),
    high: scale(MAX_WAIT_MS.high),
    normal: scale(MAX_WAIT_MS.normal),
    low: scale(MAX_WAIT_MS.low),
  };
}
