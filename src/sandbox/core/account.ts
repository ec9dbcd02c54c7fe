import { createHash } from 'node:crypto';
import { type BucketId, RATE_LIMITS } from '../../limits/rate-limits.ts';
import { createSlidingWindow, type SlidingWindow } from './sliding-window.ts';

/**
 * One TempNumber account: each API key is its own account with its own balance, activations and
 * rate windows. The key itself is kept only as the map key of the world's account table; an
 * account is named everywhere else by {@link accountHash}.
 */
export interface Account {
  /** Short sha256 of the key: safe to print, stable across runs. */
  readonly hash: string;
  /** USD. */
  balance: number;
  /** Rate-limit windows, created on first use. */
  readonly windows: Map<BucketId, SlidingWindow>;
}

/** A short, non-reversible name for an API key (first 12 hex digits of its sha256). */
export function accountHash(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 12);
}

/** A fresh account for `apiKey` holding `balance` USD. */
export function createAccount(apiKey: string, balance: number): Account {
  return { hash: accountHash(apiKey), balance, windows: new Map() };
}

/** The account's window for `bucket`, with the limits of RATE_LIMITS. */
export function windowOf(account: Account, bucket: BucketId): SlidingWindow {
  let window = account.windows.get(bucket);
  if (!window) {
    const { limit, windowMs } = RATE_LIMITS[bucket];
    window = createSlidingWindow(limit, windowMs);
    account.windows.set(bucket, window);
  }
  return window;
}
