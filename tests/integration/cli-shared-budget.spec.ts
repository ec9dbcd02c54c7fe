import { expect, test } from '@playwright/test';
import { brokerPids } from '../helpers/broker-test-env.ts';
import { runCli, useCliWorld } from '../helpers/cli-process.ts';

const KEY = 'tn_cli_shared_budget_KEY_4e2a';
// History reads are 10 per minute; at 5× a minute passes in 12 s real.
const TIME_SCALE = 5;
const CALLS = 14;
const w = useCliWorld(KEY, { timeScale: TIME_SCALE });

test('history commands run at once by many processes share the broker budget: more than the limit, no 429', async () => {
  // Each process on its own would see a fresh budget and send at once: 14 history reads in a
  // second, where the API allows 10 a minute. Through the one broker they queue instead.
  const runs = await Promise.all(
    Array.from({ length: CALLS }, () => runCli(['history', '--json'], w.env, w.work.dir)),
  );
  expect(runs.map((r) => r.code)).toEqual(Array(CALLS).fill(0));
  const state = w.sandbox.state();
  expect(state.requestsByBucket['GET /activations']).toBeGreaterThanOrEqual(CALLS);
  expect(state.rateLimited).toBe(0);
  // One broker served them all.
  expect(await brokerPids(w.work.runtimeDir)).toHaveLength(1);
});
