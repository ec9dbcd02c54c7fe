/**
 * A sleep that ends early when woken (new work arrived) or stopped. One instance serves every
 * loop of the poller: `wake()` ends all current sleeps.
 */
export interface WakeableSleep {
  /** Resolve after `ms`, on `wake()`, or on `stop()` — whichever comes first. */
  sleep(ms: number): Promise<void>;
  wake(): void;
  stop(): void;
  readonly stopped: boolean;
}

export function createWakeableSleep(): WakeableSleep {
  let wakers = new Set<() => void>();
  let stopped = false;
  const wakeAll = () => {
    const current = wakers;
    wakers = new Set();
    for (const w of current) w();
  };
  return {
    sleep(ms) {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        wakers.add(done);
      });
    },
    wake: wakeAll,
    stop() {
      stopped = true;
      wakeAll();
    },
    get stopped() {
      return stopped;
    },
  };
}
