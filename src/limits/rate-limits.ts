/**
 * Rate limits as tables, and everything the budget derives from the table it is handed: request
 * classes (priorities) with the headroom each leaves for the classes above it, the limits scaled
 * to real time with the safety margin, tightening overrides, and how far ahead a class may
 * reserve a slot. Bucket ids are the API's own names (plain strings): each provider declares its
 * table (docs/decisions/0016, 0019). Pure: no I/O, no clock.
 *
 * TempNumber v1's tables (RATE_LIMITS, HEADROOM, PACING) are still declared here, at the end of
 * the section below: the v1 sandbox and the standalone `./client` import them from this file, and
 * this layer may not import a provider's module to re-export them (architecture-imports.spec.ts).
 * Nothing generic here reads them; the v1 provider hands them over as {@link V1_LIMIT_POLICY}.
 */

/** Published limit of one bucket: at most `limit` requests in any `windowMs` (API time). */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** Published limit per bucket (API ms), keyed by the API's bucket ids. */
export type RateLimitTable<B extends string = string> = Readonly<Record<B, RateLimit>>;

/**
 * How a bucket is paced. `even`: one grant every (window + margin) / limit, for a poller whose
 * value is steady latency rather than bursts (research §6.8). `burst`: up to the whole limit at once.
 */
export type Pacing = 'even' | 'burst';

/**
 * What a budget is built from: the published table, and how each bucket shares and paces it.
 * A bucket without a headroom row gets {@link defaultHeadroom}; without a pacing row, `burst`.
 */
export interface LimitPolicy<B extends string = string> {
  table: RateLimitTable<B>;
  headroom?: Readonly<Partial<Record<B, Headroom>>>;
  pacing?: Readonly<Partial<Record<B, Pacing>>>;
}

/**
 * TempNumber v1's published per-endpoint limits (reference §6.1), per account. ONE table, read by
 * the v1 client's local budget, the broker (through the v1 provider), the sandbox (which enforces
 * it) and the benchmark.
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

/** A TempNumber v1 rate-limit bucket: one per method + path template of the API (each endpoint names its own). */
export type BucketId = keyof typeof RATE_LIMITS;

/** The longest window of a table, in API milliseconds (the broker idles longer than this). */
export function longestWindowMs(table: RateLimitTable): number {
  return Math.max(...Object.values(table).map((l) => l.windowMs));
}

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
 * TempNumber v1's reserved headroom per bucket and class, for the published limits (research §2, §6.8). A class
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
 * Headroom of a bucket its table gives none: `low` leaves an eighth of the window (rounded up,
 * at most `limit − 1`) to every other class, as v1's one-user buckets do, so bookkeeping reads
 * never take the last slots a lease, poll or release needs.
 */
export function defaultHeadroom(limit: number): Headroom {
  return { critical: 0, high: 0, normal: 0, low: Math.min(Math.max(limit - 1, 0), Math.ceil(limit / 8)) };
}

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
 * How each TempNumber v1 bucket is paced: `even` for the SMS list poller (6.2 s per call),
 * `burst` for leases, and per-activation polls right after a test starts waiting, when the SMS is
 * most likely to arrive (DESIGN §4). The broker derives the same from the provider's history
 * bucket (a unit test holds them equal).
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
} as const satisfies Record<BucketId, Pacing>;

/** TempNumber v1's tables as one {@link LimitPolicy}: what the v1 client and provider budget on. */
export const V1_LIMIT_POLICY: LimitPolicy<BucketId> = {
  table: RATE_LIMITS,
  headroom: HEADROOM,
  pacing: PACING,
};

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
export type ScaledLimits<B extends string = string> = Readonly<Record<B, ScaledBucketLimit>>;

/** The budget of `bucket`; a bucket the table does not have is a programming error (RangeError). */
export function bucketLimit(limits: ScaledLimits, bucket: string): ScaledBucketLimit {
  return (Object.hasOwn(limits, bucket) ? limits[bucket] : undefined) ?? unknownBucket(limits, bucket);
}

/** Throw the RangeError for a bucket `limits` does not have. */
export function unknownBucket(limits: ScaledLimits, bucket: string): never {
  throw new RangeError(
    `Expected a rate-limit bucket of ${Object.keys(limits).join(', ')}; got ${JSON.stringify(bucket)}`,
  );
}

/** A partial table of tighter limits (API ms), e.g. from `TEMPNUMBER_RATE_LIMITS`. */
export type LimitOverrides<B extends string = string> = Partial<Record<B, Partial<RateLimit>>>;

/** Options of {@link scaledLimits}. */
export interface ScaledLimitsOptions<B extends string = string> {
  /** How many times faster than real time the API's clock runs (sandbox only). @default 1 */
  timeScale?: number;
  /** Safety margin in API milliseconds (research §2: m ≈ 2 s for minute windows). @default 2000 */
  marginMs?: number;
  /**
   * The margin never drops below this many REAL milliseconds, whatever the time scale.
   * @default 50
   */
  marginFloorRealMs?: number;
  /** Tighter limits per bucket (API ms). Looser ones, and buckets the table lacks, are refused. */
  overrides?: LimitOverrides<B>;
}

/** Default floor of the margin in real ms; see {@link scaledLimits}. */
export const DEFAULT_MARGIN_FLOOR_REAL_MS = 50;

/**
 * The published limits of `policy` (with overrides) converted to real milliseconds for a time scale.
 *
 * The margin covers jitter that happens in REAL time — timer lateness, event-loop stalls, GC,
 * loopback HTTP on a busy 2-core CI box with several brokers and a sandbox — so it must not
 * shrink with the windows: at time scale 100 a 2 s margin would become 20 ms, less than one GC
 * pause. The floor is 50 real ms: the first of two requests one window apart may be delayed by
 * that much after its grant without the pair landing inside one server window. At scale 100 it
 * costs ~5–8 % of throughput on the (600–1200 ms) scaled windows; at scale 1 the 2 s margin wins.
 */
export function scaledLimits<B extends string>(
  policy: LimitPolicy<B>,
  options: ScaledLimitsOptions<NoInfer<B>> = {},
): ScaledLimits<B> {
  const timeScale = options.timeScale ?? 1;
  const marginApiMs = options.marginMs ?? 2000;
  const floorMs = options.marginFloorRealMs ?? DEFAULT_MARGIN_FLOOR_REAL_MS;
  assertPositive('timeScale', timeScale);
  assertNonNegative('marginMs', marginApiMs);
  assertNonNegative('marginFloorRealMs', floorMs);
  const marginMs = Math.max(marginApiMs / timeScale, floorMs);
  const buckets = Object.keys(policy.table) as B[];
  for (const bucket of Object.keys(options.overrides ?? {})) {
    if (!Object.hasOwn(policy.table, bucket)) {
      throw new RangeError(
        `Expected an override of a bucket of ${buckets.join(', ')}; got ${JSON.stringify(bucket)}`,
      );
    }
  }
  const out = {} as Record<B, ScaledBucketLimit>;
  for (const bucket of buckets) {
    const published = policy.table[bucket];
    const { limit, windowMs: apiWindowMs } = effectiveLimit(bucket, published, options.overrides?.[bucket]);
    const windowMs = apiWindowMs / timeScale;
    out[bucket] = {
      limit,
      windowMs,
      marginMs,
      spacingMs: policy.pacing?.[bucket] === 'even' ? (windowMs + marginMs) / limit : 0,
      headroom: scaleHeadroom(
        policy.headroom?.[bucket] ?? defaultHeadroom(published.limit),
        published.limit,
        limit,
      ),
    };
  }
  return out;
}

function effectiveLimit(bucket: string, published: RateLimit, override: Partial<RateLimit> | undefined) {
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
 * of `TEMPNUMBER_RATE_LIMITS`, e.g. `GET /activations/:id=40;PUT /activations/:id=5/60000` for
 * v1. Bucket ids are the keys of `table` (v1's contain spaces, `/` and `:`, never `;` or `=`).
 * Whether a value is tighter than published is checked by `scaledLimits`.
 */
export function parseLimitOverrides<B extends string>(
  text: string,
  table: RateLimitTable<B>,
): LimitOverrides<B> {
  const out: LimitOverrides<B> = {};
  for (const part of text.split(';')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.lastIndexOf('=');
    const bucket = item.slice(0, eq).trim();
    if (eq < 0 || !Object.hasOwn(table, bucket)) {
      throw new RangeError(
        `Expected \`<bucket>=<limit>[/<windowMs>]\` with a bucket of ${Object.keys(table).join(', ')}; got ${JSON.stringify(item)}`,
      );
    }
    out[bucket as B] = parseValue(bucket, item.slice(eq + 1));
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
