/** Turn the raw worker lines of a phase into the pinned figures of `latest.json`. */

import { type PhaseResult, type WorkerLine, windowRealMs } from './phases.ts';
import type { BenchParams, Scenario } from './scenarios.ts';
import { LEASE_LIMIT, POLL_SPACING_API_MS } from './scenarios.ts';
import { round, type Spread, spread } from './stats.ts';

export interface ScenarioResult {
  name: string;
  workers: number;
  brokers: number;
  leaseThroughputRatio: number;
  codeLatencyMs: Spread;
  /** p95 code latency over the spacing of the per-activation poll budget (1.5 s of API time). */
  codeLatencyPollSpacingRatio: number;
  rateLimited: number;
  refusedByGuards: number;
  /** Leases refused, by error name and guard/first words of the message (what the workers saw). */
  refusals: Record<string, number>;
  leases: number;
  codes: number;
  budgetWaitMs: Spread;
  /** Real ms inside the broker excluding budget waits and API requests, per lease and per code wait. */
  brokerOverheadMs: { lease: Spread; codeWait: Spread };
  baseline: BaselineResult;
}

export interface BaselineResult {
  leaseThroughputRatio: number;
  codeLatencyMs: Spread;
  rateLimited: number;
  leases: number;
  codes: number;
}

/**
 * Sustained lease throughput over the published limit: the mean number of leases in a window of
 * the limit's length, sampled at evenly spaced start times after the first window (a fresh budget
 * allows a full window's burst at the start, which says nothing about the sustained rate) and
 * ending before the deadline. A saturated sliding-window log reaches W / (W + margin) ≈ 0.98.
 */
function throughputRatio(lines: WorkerLine[], deadline: number, params: BenchParams): number {
  const leased = lines
    .map((l) => l.leasedAt)
    .filter((t): t is number => t !== undefined && t <= deadline)
    .sort((a, b) => a - b);
  const starts = lines.map((l) => l.leaseStartedAt).filter((t): t is number => t !== undefined);
  if (leased.length === 0 || starts.length === 0) return 0;
  const windowMs = windowRealMs(params);
  const from = Math.min(...starts) + windowMs;
  const to = deadline - windowMs;
  if (to <= from) return 0;
  const samples = 200;
  let total = 0;
  for (let i = 0; i < samples; i++) {
    const t = from + ((to - from) * i) / (samples - 1);
    total += leased.filter((x) => x >= t && x < t + windowMs).length;
  }
  return round(total / samples / LEASE_LIMIT.limit, 3);
}

/** Delivered at the sandbox → code in the test, in milliseconds of sandbox (API) time. */
function codeLatencies(lines: WorkerLine[], params: BenchParams): number[] {
  return lines
    .filter((l) => l.kind === 'cycle' && l.codeAt !== undefined && l.deliveredAt !== undefined)
    .map((l) => ((l.codeAt as number) - (l.deliveredAt as number)) * params.timeScale);
}

export function summarizeBroker(
  scenario: Scenario,
  params: BenchParams,
  phase: PhaseResult,
): Omit<ScenarioResult, 'baseline'> {
  const latencies = codeLatencies(phase.lines, params);
  const latency = spread(latencies);
  return {
    name: scenario.name,
    workers: scenario.workers,
    brokers: scenario.brokers,
    leaseThroughputRatio: throughputRatio(phase.lines, phase.deadline, params),
    codeLatencyMs: latency,
    codeLatencyPollSpacingRatio: round(latency.p95 / POLL_SPACING_API_MS, 2),
    rateLimited: phase.rateLimited,
    refusedByGuards: phase.lines.filter((l) => l.kind === 'refused' && l.name === 'GuardError').length,
    refusals: countRefusals(phase.lines),
    leases: phase.lines.filter((l) => l.leasedAt !== undefined).length,
    codes: latencies.length,
    budgetWaitMs: spread(numbers(phase.lines.map((l) => l.budgetWaitMs))),
    brokerOverheadMs: {
      lease: spread(numbers(phase.lines.map((l) => l.leaseOverheadMs)), 2),
      codeWait: spread(numbers(phase.lines.map((l) => l.codeOverheadMs)), 2),
    },
  };
}

function countRefusals(lines: WorkerLine[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of lines) {
    if (l.kind !== 'refused' && l.kind !== 'error') continue;
    const key = `${l.kind} ${l.name}: ${(l.message ?? '').split(/[.:]/)[0]?.slice(0, 80)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function numbers(values: Array<number | undefined>): number[] {
  return values.filter((v): v is number => v !== undefined);
}

export function summarizeBaseline(params: BenchParams, phase: PhaseResult): BaselineResult {
  const latencies = codeLatencies(phase.lines, params);
  return {
    leaseThroughputRatio: throughputRatio(phase.lines, phase.deadline, params),
    codeLatencyMs: spread(latencies),
    rateLimited: phase.rateLimited,
    leases: phase.lines.filter((l) => l.leasedAt !== undefined).length,
    codes: latencies.length,
  };
}
