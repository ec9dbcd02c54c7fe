import { type BucketId, RATE_LIMITS, type RateLimit } from './rate-limits.ts';
import type { LimitOverrides } from './scaled-limits.ts';

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
