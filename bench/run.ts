/**
 * `npm run bench [-- --quick]`: lease throughput, code latency and rate-limit safety of the
 * shared broker against a naive baseline, in one run, against the sandbox at a compressed time
 * scale. Figures are ratios to the API's published limits (and sandbox-time milliseconds), so
 * they hold on any machine. Writes bench/results/latest.{json,md} and latency-vs-workers.svg.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSandbox } from '../src/sandbox/index.ts';
import { startRedisServer } from '../tests/helpers/redis-server.ts';
import { runBrokerPhase, runNaivePhase } from './phases.ts';
import { type BenchReport, renderMarkdown, renderSvg } from './report.ts';
import { BENCH_PARAMS, SCENARIOS } from './scenarios.ts';
import type { ScenarioResult } from './summarize.ts';
import { summarizeBaseline, summarizeBroker } from './summarize.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const params = values.quick ? BENCH_PARAMS.quick : BENCH_PARAMS.full;
const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');

const keys = SCENARIOS.flatMap((s) => [`bench-${s.id}-broker`, `bench-${s.id}-naive`]);
const sandbox = await startSandbox({
  port: 0,
  timeScale: params.timeScale,
  apiKeys: keys,
  balance: 1_000_000,
});
const redis = SCENARIOS.some((s) => s.brokers > 1) ? await startRedisServer() : undefined;
const scratch = await mkdtemp(join(tmpdir(), 'tn-bench-'));
const results: ScenarioResult[] = [];
const startedAt = Date.now();
try {
  for (const scenario of SCENARIOS) {
    console.log(`bench: ${scenario.name} …`);
    sandbox.reset();
    const broker = await runBrokerPhase({
      scenario,
      params,
      sandbox,
      apiKey: `bench-${scenario.id}-broker`,
      redisUrl: scenario.brokers > 1 ? redis?.url : undefined,
      scratch: join(scratch, scenario.id),
    });
    sandbox.reset();
    const naive = await runNaivePhase({ scenario, params, sandbox, apiKey: `bench-${scenario.id}-naive` });
    results.push({
      ...summarizeBroker(scenario, params, broker),
      baseline: summarizeBaseline(params, naive),
    });
  }
} finally {
  await sandbox.close();
  await redis?.stop();
  await rm(scratch, { recursive: true, force: true });
}

const report: BenchReport = {
  generatedAt: new Date().toISOString(),
  mode: values.quick ? 'quick' : 'full',
  timeScale: params.timeScale,
  phaseWindows: params.phaseWindows,
  loopsPerWorker: params.loopsPerWorker,
  wallSeconds: Math.round((Date.now() - startedAt) / 1000),
  scenarios: results,
};
await mkdir(resultsDir, { recursive: true });
await writeFile(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(join(resultsDir, 'latest.md'), renderMarkdown(report));
await writeFile(join(resultsDir, 'latency-vs-workers.svg'), renderSvg(report));
console.log(renderMarkdown(report));
