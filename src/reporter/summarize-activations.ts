/**
 * The run summary as pure math over activation reports: counts, money, latency percentiles.
 * No I/O and no Playwright types, so it is unit-tested directly and reusable by a CLI.
 */
import type { ActivationReport } from './activations-attachment.ts';

/** What the reporter prints and writes to `outputFile`. */
export interface RunSummary {
  /** Numbers leased (one per activation, retries of a test included). */
  leased: number;
  /** Codes the tests read (a `retry()` followed by a second code counts twice). */
  codes: number;
  /** Activations released after an SMS arrived (billed). */
  finalized: number;
  /** Activations released without an SMS. */
  cancelled: number;
  /** Cancelled activations the API has reported `refunded` for. */
  refundsConfirmed: number;
  /** USD spent: prices of finalized activations and of cancelled ones a late SMS was billed for. */
  spentUsd: number;
  /** USD of cancelled activations whose refund is not confirmed yet (held until the number expires). */
  awaitingRefundUsd: number;
  /** From the start of a wait to the SMS, in milliseconds; null when no code arrived. */
  codeLatencyMs: { p50: number | null; p95: number | null };
  /** Time leases spent waiting for the shared rate-limit budget, in milliseconds. */
  budgetWaitMs: { total: number; p95: number | null };
  /** Every activation, in the order the tests ended. */
  activations: ActivationReport[];
}

/** Summarize `activations`; an activation that appears twice (same id) counts once, the last one wins. */
export function summarizeActivations(activations: readonly ActivationReport[]): RunSummary {
  const byId = new Map<ActivationReport['id'], ActivationReport>();
  for (const a of activations) {
    byId.delete(a.id);
    byId.set(a.id, a);
  }
  const unique = [...byId.values()];
  const latencies = unique.flatMap((a) => a.codeLatenciesMs);
  const budgetWaits = unique.map((a) => a.budgetWaitMs);
  const billed = unique.filter(
    (a) => a.outcome === 'finalized' || (a.outcome === 'cancelled' && a.refunded === false),
  );
  const awaiting = unique.filter((a) => a.outcome === 'cancelled' && a.refunded === undefined);
  return {
    leased: unique.length,
    codes: latencies.length,
    finalized: unique.filter((a) => a.outcome === 'finalized').length,
    cancelled: unique.filter((a) => a.outcome === 'cancelled').length,
    refundsConfirmed: unique.filter((a) => a.outcome === 'cancelled' && a.refunded === true).length,
    spentUsd: sumUsd(billed.map((a) => a.price)),
    awaitingRefundUsd: sumUsd(awaiting.map((a) => a.price)),
    codeLatencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
    budgetWaitMs: {
      total: Math.round(budgetWaits.reduce((s, n) => s + n, 0)),
      p95: percentile(budgetWaits, 95),
    },
    activations: unique,
  };
}

/**
 * Nearest-rank percentile (the smallest value with at least `p` % of the values at or below it),
 * rounded to whole milliseconds; null for no values. Nearest-rank never invents a value that
 * was not observed, which keeps small runs honest.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`Expected \`p\` to be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return Math.round(sorted[Math.min(rank, sorted.length) - 1] ?? 0);
}

// Prices have up to 4 decimals; summing in 1/10000 USD keeps 0.1 + 0.2 from printing 0.30000000000000004.
function sumUsd(prices: readonly number[]): number {
  return prices.reduce((sum, price) => sum + Math.round(price * 10_000), 0) / 10_000;
}
