/** The benchmark's scenarios and time parameters, as data. */
export interface Scenario {
  id: string;
  name: string;
  workers: number;
  brokers: number;
}

export const SCENARIOS: Scenario[] = [
  { id: 'w1', name: '1 worker', workers: 1, brokers: 1 },
  { id: 'w4', name: '4 workers', workers: 4, brokers: 1 },
  { id: 'w8', name: '8 workers', workers: 8, brokers: 1 },
  { id: 'w8r', name: '8 workers on 2 brokers sharing Redis', workers: 8, brokers: 2 },
];

export interface BenchParams {
  /** Sandbox clock speed: API time runs this many times faster than real time. */
  timeScale: number;
  /** Length of each phase in windows of the lease limit (80 per 2 minutes of API time). */
  phaseWindows: number;
  /**
   * Concurrent test loops per worker process, so that even one worker asks for more leases than
   * the budget allows (the throughput figure is measured under saturation).
   */
  loopsPerWorker: number;
}

export const BENCH_PARAMS: Record<'full' | 'quick', BenchParams> = {
  full: { timeScale: 60, phaseWindows: 8, loopsPerWorker: 6 },
  quick: { timeScale: 120, phaseWindows: 4, loopsPerWorker: 6 },
};

/** Published limits the figures are ratios of (reference §6.1). */
export const LEASE_LIMIT = { limit: 80, windowMs: 120_000 } as const;
/** Spacing of the per-activation poll budget: 80 reads per 2 minutes = one every 1.5 s. */
export const POLL_SPACING_API_MS = 120_000 / 80;
