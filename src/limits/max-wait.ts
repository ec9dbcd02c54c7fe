import type { Priority } from './priorities.ts';

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
