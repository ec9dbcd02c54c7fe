import { type Clock, monotonicClock } from '../../limits/clock.ts';

/**
 * The sandbox's API clock: API time = start + (real elapsed) × timeScale, in milliseconds.
 * Timestamps, lifetimes, rate windows and the 24 h delivery window all run on it, so a 2-minute
 * window passes in 120 ms at 1000×.
 */
export interface VirtualClock extends Clock {
  /** Current API time in unix milliseconds. */
  now(): number;
  /** How many times faster than real time the API clock runs. */
  readonly timeScale: number;
}

/** Options of {@link createVirtualClock}. */
export interface VirtualClockOptions {
  /** API milliseconds per real millisecond. Must be positive. */
  timeScale: number;
  /** Real, monotonic time source (so an NTP step cannot move the API clock). @default monotonicClock */
  realClock?: Clock;
  /** API time at creation, unix ms. @default Date.now() */
  startMs?: number;
}

/** Create an API clock that runs `timeScale` times faster than `realClock`. */
export function createVirtualClock(options: VirtualClockOptions): VirtualClock {
  const { timeScale } = options;
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new RangeError(`Expected \`timeScale\` to be a positive number, got ${timeScale}`);
  }
  const realClock = options.realClock ?? monotonicClock;
  const realStart = realClock.now();
  const apiStart = options.startMs ?? Date.now();
  return {
    timeScale,
    // Floor: API timestamps are whole milliseconds, and reads must never go backwards.
    now: () => Math.floor(apiStart + (realClock.now() - realStart) * timeScale),
  };
}
