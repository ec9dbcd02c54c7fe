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
 * Leases granted by the deadline over the most a fresh budget allows in that interval: a full
 * window's burst at the start plus one window's worth per window after it (sliding window).
 */
function throughputRatio(lines: WorkerLine[], deadline: number, params: BenchParams): number {
  const leased = lines.filter((l) => l.leasedAt !== undefined && l.leasedAt <= deadline);
  const starts = lines.map((l) => l.leaseStartedAt).filter((t): t is number => t !== undefined);
  if (leased.length === 0 || starts.length === 0) return 0;
  const intervalMs = deadline - Math.min(...starts);
  const maxLeases = LEASE_LIMIT.limit * (Math.floor(intervalMs / windowRealMs(params)) + 1);
  return round(leased.length / maxLeases, 3);
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
