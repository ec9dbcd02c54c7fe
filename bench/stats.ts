/** Small statistics helpers for the benchmark (nearest-rank percentiles). */
export interface Spread {
  p50: number;
  p95: number;
  max: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function spread(values: number[], digits = 1): Spread {
  return {
    p50: round(percentile(values, 50), digits),
    p95: round(percentile(values, 95), digits),
    max: round(values.length ? Math.max(...values) : Number.NaN, digits),
  };
}

export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
