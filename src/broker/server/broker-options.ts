/** Options of {@link runBroker} and their defaults. */
import type { GuardSettings } from '../../config/guard-settings.ts';
import type { Settings } from '../../config/settings.ts';
import { LONGEST_WINDOW_MS } from '../../limits/rate-limits.ts';
import { HEARTBEAT_INTERVAL_MS } from '../protocol.ts';

export interface RunBrokerOptions {
  /** Account, base URL, Redis URL, runtime dir and time scale (see `resolveSettings`). */
  settings: Settings;
  /**
   * Exit after this long (real ms) with no client connected and nothing waiting.
   * @default {@link defaultIdleExitMs}(settings.timeScale)
   */
  idleExitMs?: number;
  /** Wall clock (ms since the epoch) for records, expiries and timeouts. @default Date.now */
  clock?: { now(): number };
  /**
   * Account-wide cap of activations waiting for an SMS (TempNumber refuses more than 20).
   * @default 20
   */
  pendingCap?: number;
  /** Drop a client silent for this long (real ms). @default 3 × HEARTBEAT_INTERVAL_MS */
  clientTimeoutMs?: number;
  /**
   * How long an activation left by a previous broker waits for its client to `adopt` it before
   * it is released as cancelled (real ms; never past the number's expiry).
   * @default 3 × HEARTBEAT_INTERVAL_MS
   */
  adoptGraceMs?: number;
  /** Delivery-rate guard, circuit breaker, balance guard. @default resolveGuardSettings() (TEMPNUMBER_* env) */
  guards?: GuardSettings;
  /** Where the broker's log lines go (the CLI prints them on stderr). @default nowhere */
  log?: (line: string) => void;
}

/** The published pending cap (reference "Decisions"). */
export const DEFAULT_PENDING_CAP = 20;

/**
 * Default idle time before the broker exits: longer than the longest rate window (so a run
 * started right after it still finds the budget's memory — the memory store's journal covers
 * a restart too, but a live broker is cheaper) plus a margin of a minute of API time, never
 * below 5 real seconds so a scaled sandbox does not make it flap between test files.
 * At time scale 1 that is 3 minutes.
 */
export function defaultIdleExitMs(timeScale: number): number {
  return LONGEST_WINDOW_MS / timeScale + Math.max(5_000, 60_000 / timeScale);
}

export const DEFAULT_CLIENT_TIMEOUT_MS = 3 * HEARTBEAT_INTERVAL_MS;
