/**
 * The run summary as the few terminal lines the reporter prints in `onEnd`.
 */
import { formatUsd } from '../contract/money.ts';
import type { RunSummary } from './summarize-activations.ts';

/** A short human summary: counts and money on one line, timings on the next. */
export function formatSummary(summary: RunSummary): string {
  const refunds = summary.cancelled > 0 ? ` (${summary.refundsConfirmed} refunds confirmed)` : '';
  const awaiting =
    summary.awaitingRefundUsd > 0 ? `, ${formatUsd(summary.awaitingRefundUsd)} awaiting refund` : '';
  const counts =
    `TempNumber: ${plural(summary.leased, 'number')} leased, ${plural(summary.codes, 'code')} received, ` +
    `${summary.finalized} finalized, ${summary.cancelled} cancelled${refunds}; ` +
    `${formatUsd(summary.spentUsd)} spent${awaiting}.`;
  if (summary.leased === 0) return counts;
  const latency =
    summary.codeLatencyMs.p50 === null
      ? 'no codes'
      : `p50 ${formatMs(summary.codeLatencyMs.p50)}, p95 ${formatMs(summary.codeLatencyMs.p95 ?? 0)}`;
  const budget = `${formatMs(summary.budgetWaitMs.total)} total, p95 ${formatMs(summary.budgetWaitMs.p95 ?? 0)}`;
  return `${counts}\n  code latency ${latency}; rate-limit budget waits ${budget}.`;
}

/** `850 ms` below a second, `1.2 s` above. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
