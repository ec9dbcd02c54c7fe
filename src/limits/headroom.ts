import type { Priority } from './priorities.ts';
import type { BucketId } from './rate-limits.ts';

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
