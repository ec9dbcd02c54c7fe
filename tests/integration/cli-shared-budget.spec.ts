import { expect, test } from '@playwright/test';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { brokerPids, stopPid } from '../helpers/broker-test-env.ts';
import { makeCliWorkdir, runCli } from '../helpers/cli-process.ts';

const KEY = 'tn_cli_shared_budget_KEY_4e2a';
// History reads are 10 per minute; at 5× a minute passes in 12 s real.
const TIME_SCALE = 5;
const CALLS = 14;

let sandbox: Sandbox;
let work: Awaited<ReturnType<typeof makeCliWorkdir>>;

test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKeys: [KEY], timeScale: TIME_SCALE });
  work = await makeCliWorkdir();
});

test.afterEach(async () => {
  for (const pid of await brokerPids(work.runtimeDir)) await stopPid(pid);
  await sandbox.close();
  await work.remove();
});

test('history commands run at once by many processes share the broker budget: more than the limit, no 429', async () => {
  const env = {
    TEMPNUMBER_API_KEY: KEY,
    TEMPNUMBER_BASE_URL: sandbox.apiUrl,
    TEMPNUMBER_RUNTIME_DIR: work.runtimeDir,
    TEMPNUMBER_TIME_SCALE: String(TIME_SCALE),
  };
  // Each process on its own would see a fresh budget and send at once: 14 history reads in a
  // second, where the API allows 10 a minute. Through the one broker they queue instead.
  const runs = await Promise.all(
    Array.from({ length: CALLS }, () => runCli(['history', '--json'], env, work.dir)),
  );
  expect(runs.map((r) => r.code)).toEqual(Array(CALLS).fill(0));
  const state = sandbox.state();
  expect(state.requestsByBucket['GET /activations']).toBeGreaterThanOrEqual(CALLS);
  expect(state.rateLimited).toBe(0);
  // One broker served them all.
  expect(await brokerPids(work.runtimeDir)).toHaveLength(1);
});
