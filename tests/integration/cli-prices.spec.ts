import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { accountId } from '../../src/config/settings.ts';
import { PRICE_TABLE } from '../../src/sandbox/index.ts';
import { runCli, useCliWorld } from '../helpers/cli-process.ts';

const KEY = 'tn_cli_prices_KEY_c0ffee4242';
const w = useCliWorld(KEY);
const BY_COUNTRY = 'GET /services/pricelistByCountry';
const BY_SERVICE = 'GET /services/pricelistByService';

interface PricesJson {
  source: 'cache' | 'api';
  ageSeconds: number;
  ttlSeconds: number;
  filter: { service?: string; country?: string };
  prices: Array<{ service: string; country: string; price: number }>;
  details?: { hasNumbers: boolean; isVirtual: boolean; warning?: string; price: number };
}

const priceListRequests = () => {
  const byBucket = w.sandbox.state().requestsByBucket;
  return byBucket[BY_COUNTRY] + byBucket[BY_SERVICE];
};
const cacheFile = () =>
  join(w.work.runtimeDir, accountId({ apiKey: KEY, baseUrl: w.sandbox.apiUrl }), 'prices-cache.json');

test('--service lists that service in every country, cheapest first', async () => {
  const run = await runCli(['prices', '--service', 'facebook', '--json'], w.env, w.work.dir);
  expect(run.code).toBe(0);
  const expected = Object.entries(PRICE_TABLE.facebook)
    .map(([country, price]) => ({ service: 'facebook', country, price }))
    .sort((a, b) => a.price - b.price || a.country.localeCompare(b.country));
  expect(run.json<PricesJson>().prices).toEqual(expected);
});

test('--country lists every service in that country, in human form with a count', async () => {
  const run = await runCli(['prices', '--country', 'GB'], w.env, w.work.dir);
  expect(run.code).toBe(0);
  const services = Object.keys(PRICE_TABLE);
  for (const service of services) {
    const price = PRICE_TABLE[service as keyof typeof PRICE_TABLE].gb;
    expect(run.stdout).toMatch(new RegExp(`${service}\\s+gb\\s+\\$${price.toFixed(2)}`));
  }
  expect(run.stdout).not.toMatch(/\bus\b/);
  expect(run.stdout).toContain(`${services.length} prices.`);
});

test('a second call within the TTL comes from the disk cache and says how old it is', async () => {
  const first = await runCli(['prices', '--json'], w.env, w.work.dir);
  expect(first.json<PricesJson>().source).toBe('api');
  const second = await runCli(['prices', '--service', 'twitter'], w.env, w.work.dir);
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/from the cache, fetched \d+ s ago/);
  expect(priceListRequests()).toBe(1);
  // Private: the folder is the account's 0700 runtime dir, the file 0600.
  expect((await stat(cacheFile())).mode & 0o777).toBe(0o600);
  expect((await readFile(cacheFile(), 'utf8')).includes(KEY)).toBe(false);
});

test('--refresh asks the API even when the cache is fresh', async () => {
  await runCli(['prices'], w.env, w.work.dir);
  const run = await runCli(['prices', '--refresh', '--json'], w.env, w.work.dir);
  expect(run.json<PricesJson>().source).toBe('api');
  expect(priceListRequests()).toBe(2);
});

test('a cache older than the TTL is replaced by a fresh list', async () => {
  await runCli(['prices'], w.env, w.work.dir);
  const cached = JSON.parse(await readFile(cacheFile(), 'utf8')) as { fetchedAtMs: number };
  const ttlMs = 5 * 60_000;
  await writeFile(cacheFile(), JSON.stringify({ ...cached, fetchedAtMs: Date.now() - ttlMs - 1000 }));
  const run = await runCli(['prices', '--json'], w.env, w.work.dir);
  expect(run.json<PricesJson>()).toMatchObject({ source: 'api', ttlSeconds: 300 });
  expect(priceListRequests()).toBe(2);
});

test('a corrupt cache file is a miss, not an error', async () => {
  await runCli(['prices'], w.env, w.work.dir);
  await writeFile(cacheFile(), '{"version":2,"fetchedAtMs":');
  const run = await runCli(['prices', '--json'], w.env, w.work.dir);
  expect(run.code).toBe(0);
  expect(run.json<PricesJson>().source).toBe('api');
});

test("a fresh cache file of version 1 (v1's wire list) is a miss, replaced by a version-2 one", async () => {
  await runCli(['prices'], w.env, w.work.dir);
  await writeFile(
    cacheFile(),
    JSON.stringify({
      version: 1,
      fetchedAtMs: Date.now(),
      pricelistByCountry: [{ c: 'us', services: [{ s: 'facebook', p: 0.01 }] }],
    }),
  );
  const run = await runCli(
    ['prices', '--service', 'facebook', '--country', 'us', '--json'],
    w.env,
    w.work.dir,
  );
  expect(run.code).toBe(0);
  const out = run.json<PricesJson>();
  expect(out.source).toBe('api');
  expect(out.prices).toEqual([{ service: 'facebook', country: 'us', price: PRICE_TABLE.facebook.us }]);
  expect(priceListRequests()).toBe(2);
  expect(JSON.parse(await readFile(cacheFile(), 'utf8'))).toMatchObject({ version: 2 });
});

test('both filters add the live details of the pair: no numbers right now', async () => {
  const run = await runCli(
    ['prices', '--service', 'whatsapp', '--country', 'de', '--json'],
    w.env,
    w.work.dir,
  );
  expect(run.code).toBe(0);
  const out = run.json<PricesJson>();
  expect(out.prices).toEqual([{ service: 'whatsapp', country: 'de', price: PRICE_TABLE.whatsapp.de }]);
  expect(out.details).toMatchObject({ hasNumbers: false, isVirtual: false, price: PRICE_TABLE.whatsapp.de });
  expect(w.sandbox.state().requestsByBucket['GET /services/:serviceId/countries/:countryId']).toBe(1);
});

test('both filters in human form name a virtual number and its availability', async () => {
  const run = await runCli(['prices', '--service', 'google', '--country', 'us'], w.env, w.work.dir);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/Numbers\s+available/);
  expect(run.stdout).toMatch(/Number type\s+virtual/);
});

test('an unknown service exits 1 and suggests the id that was meant', async () => {
  const run = await runCli(['prices', '--service', 'facebok'], w.env, w.work.dir);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('No service "facebok" in the price list');
  expect(run.stderr).toContain('Did you mean facebook?');
});

test('an empty --service is a usage error (exit 2), not "all services"', async () => {
  const run = await runCli(['prices', '--service='], w.env, w.work.dir);
  expect(run.code).toBe(2);
  expect(priceListRequests()).toBe(0);
});
