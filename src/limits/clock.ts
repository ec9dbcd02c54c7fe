/**
 * A source of time in milliseconds. Pure algorithms take one so tests can drive time by hand;
 * processes use {@link monotonicClock} so an NTP step cannot shrink a rate window.
 */
export interface Clock {
  now(): number;
}

/** Real monotonic time (performance.now), in real milliseconds. */
export const monotonicClock: Clock = { now: () => performance.now() };

/** A clock the caller moves by hand: for unit tests of time-dependent logic. */
export function createManualClock(startMs = 0): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = startMs;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
