/** Markdown table and SVG chart of a benchmark report. */
import type { ScenarioResult } from './summarize.ts';

export interface BenchReport {
  generatedAt: string;
  mode: string;
  timeScale: number;
  phaseWindows: number;
  loopsPerWorker: number;
  wallSeconds: number;
  scenarios: ScenarioResult[];
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)}` : '–');

export function renderMarkdown(report: BenchReport): string {
  const rows = report.scenarios.map((s) =>
    [
      s.name,
      s.leaseThroughputRatio.toFixed(3),
      s.baseline.leaseThroughputRatio.toFixed(3),
      `${ms(s.codeLatencyMs.p50)} / ${ms(s.codeLatencyMs.p95)} / ${ms(s.codeLatencyMs.max)}`,
      `${ms(s.baseline.codeLatencyMs.p50)} / ${ms(s.baseline.codeLatencyMs.p95)} / ${ms(s.baseline.codeLatencyMs.max)}`,
      `${s.codeLatencyPollSpacingRatio}`,
      `${s.rateLimited}`,
      `${s.baseline.rateLimited}`,
      `${s.leases} / ${s.codes}`,
      `${s.baseline.leases} / ${s.baseline.codes}`,
      `${s.refusedByGuards}`,
      `${s.brokerOverheadMs.lease.p50} / ${s.brokerOverheadMs.lease.p95}`,
      `${s.brokerOverheadMs.codeWait.p50} / ${s.brokerOverheadMs.codeWait.p95}`,
    ].join(' | '),
  );
  return [
    `Benchmark (${report.mode}): sandbox at ${report.timeScale}× time, ${report.phaseWindows} lease windows per phase, ` +
      `${report.loopsPerWorker} test loops per worker, ${report.wallSeconds} s wall time, ${report.generatedAt}.`,
    '',
    '| scenario | lease throughput / limit | baseline | code latency p50 / p95 / max (ms, API time) | baseline | p95 / poll spacing | 429s | baseline 429s | leases / codes | baseline leases / codes | refused by guards | broker overhead per lease p50 / p95 (real ms) | per code wait p50 / p95 (real ms) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
    '',
  ].join('\n');
}

/** Code latency p50/p95 against the number of workers, broker vs baseline. */
export function renderSvg(report: BenchReport): string {
  const single = report.scenarios.filter((s) => s.brokers === 1);
  const width = 520;
  const height = 300;
  const pad = 50;
  const maxWorkers = Math.max(...single.map((s) => s.workers), 1);
  const values = single
    .flatMap((s) => [s.codeLatencyMs.p95, s.baseline.codeLatencyMs.p95])
    .filter(Number.isFinite);
  const maxLatency = Math.max(...values, 1) * 1.1;
  const x = (w: number) => pad + ((w - 1) / Math.max(maxWorkers - 1, 1)) * (width - 2 * pad);
  const y = (v: number) => height - pad - (v / maxLatency) * (height - 2 * pad);
  const line = (pick: (s: ScenarioResult) => number, color: string, label: string, dy: number) => {
    const points = single.filter((s) => Number.isFinite(pick(s))).map((s) => `${x(s.workers)},${y(pick(s))}`);
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>` +
      points
        .map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${color}"/>`)
        .join('') +
      `<text x="${width - pad - 150}" y="${pad + dy}" fill="${color}" font-size="12">${label}</text>`
    );
  };
  const ticks = single
    .map(
      (s) =>
        `<text x="${x(s.workers)}" y="${height - pad + 16}" font-size="11" text-anchor="middle">${s.workers}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad}" y="20" font-size="13">Code latency vs workers (ms of API time, sandbox at ${report.timeScale}×)</text>
<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#444"/>
<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#444"/>
<text x="${width / 2}" y="${height - 12}" font-size="11" text-anchor="middle">workers</text>
<text x="${pad - 6}" y="${y(maxLatency / 1.1)}" font-size="10" text-anchor="end">${Math.round(maxLatency / 1.1)}</text>
<text x="${pad - 6}" y="${height - pad}" font-size="10" text-anchor="end">0</text>
${ticks}
${line((s) => s.codeLatencyMs.p50, '#1f77b4', 'broker p50', 0)}
${line((s) => s.codeLatencyMs.p95, '#0b3c5d', 'broker p95', 16)}
${line((s) => s.baseline.codeLatencyMs.p95, '#d62728', 'naive baseline p95', 32)}
</svg>
`;
}
