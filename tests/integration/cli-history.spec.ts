import { expect, test } from '@playwright/test';
import { createTempNumberClient } from '../../src/providers/tempnumber-v1/index.ts';
import { PRICE_TABLE } from '../../src/sandbox/index.ts';
import { runCli, useCliWorld } from '../helpers/cli-process.ts';

const KEY = 'tn_cli_history_KEY_9d8e7f6a5b';
const w = useCliWorld(KEY);

interface HistoryJson {
  total: number;
  limit: number;
  activations: Array<{
    id: string;
    number: string;
    service: string;
    country: string;
    price: number;
    status: string;
    createdAt: string;
  }>;
}

/** Lease through the v1 client; the ids as the CLI prints them (decimal text). */
async function lease(pairs: Array<[string, string]>): Promise<string[]> {
  const client = createTempNumberClient({ apiKey: KEY, baseUrl: w.sandbox.apiUrl });
  const ids: string[] = [];
  for (const [serviceId, countryId] of pairs)
    ids.push(String((await client.newActivation({ serviceId, countryId })).id));
  return ids;
}

test('lists the leased activations newest first with +number, price, status and time', async () => {
  const ids = await lease([
    ['facebook', 'us'],
    ['twitter', 'gb'],
    ['telegram', 'nl'],
  ]);
  const run = await runCli(['history', '--json'], w.env, w.work.dir);
  expect(run.code).toBe(0);
  const out = run.json<HistoryJson>();
  expect(out.total).toBe(3);
  expect(out.activations.map((a) => a.id)).toEqual([...ids].reverse());
  const newest = out.activations[0];
  expect(newest).toMatchObject({
    service: 'telegram',
    country: 'nl',
    price: PRICE_TABLE.telegram.nl,
    status: 'smsRequested',
  });
  expect(newest?.number).toMatch(/^\+\d{8,15}$/);
  expect(newest?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // The number is the one the sandbox leased.
  const leased = w.sandbox.state().activations.find((a) => String(a.id) === newest?.id);
  expect(newest?.number).toBe(`+${leased?.number}`);
});

test('--limit caps the list and the footer says how to see more', async () => {
  await lease([
    ['facebook', 'us'],
    ['google', 'gb'],
    ['other', 'fr'],
  ]);
  const run = await runCli(['history', '--limit', '2'], w.env, w.work.dir);
  expect(run.code).toBe(0);
  const rows = run.stdout.split('\n').filter((l) => /^\s*\d{6,}\s/.test(l));
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatch(/other\s+fr\s+\$0\.55\s+smsRequested/);
  expect(run.stdout).toContain('2 of 3 activations');
  expect(run.stdout).toContain('--limit up to 100');
});

test('an account without activations says so', async () => {
  const run = await runCli(['history'], w.env, w.work.dir);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('No activations yet');
});

for (const args of [
  ['--limit', '0'],
  ['--limit', '101'],
  ['--limit=-3'],
  ['--limit', '2.5'],
  ['--limit', 'ten'],
]) {
  test(`${args.join(' ')} is a usage error (exit 2) and sends no request`, async () => {
    const run = await runCli(['history', ...args], w.env, w.work.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Expected `--limit` to be an integer from 1 to 100');
    expect(w.sandbox.state().requests).toBe(0);
  });
}

test('a negative value written as a separate argument gets a usage error that says how to write it', async () => {
  const run = await runCli(['history', '--limit', '-3'], w.env, w.work.dir);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('write --limit=<value>');
});
