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
