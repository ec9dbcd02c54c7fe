import { expect, test } from '@playwright/test';
import {
  COUNTRIES,
  PAIRS_WITHOUT_NUMBERS,
  PRICE_TABLE,
  type Sandbox,
  SERVICES,
  startSandbox,
  VIRTUAL_PAIRS,
} from '../../src/sandbox/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Reply = { status: number; json: any };
async function call(
  sandbox: Sandbox,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const res = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': 'sandbox', 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? null : JSON.stringify(init.body),
  });
  return { status: res.status, json: await res.json() };
}

const SERVICE_IDS = Object.keys(SERVICES);
const COUNTRY_IDS = Object.keys(COUNTRIES);

let sandbox: Sandbox;
test.beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, timeScale: 1000 });
});
test.afterAll(() => sandbox.close());
test.beforeEach(() => sandbox.reset());

test('the catalog has the services and countries the project relies on', () => {
  expect(SERVICE_IDS).toEqual([
    'facebook',
    'instagram',
    'twitter',
    'whatsapp',
    'telegram',
    'google',
    'other',
  ]);
  expect(COUNTRY_IDS).toEqual(
    expect.arrayContaining(['us', 'gb', 'de', 'nl', 'fr', 'ru', 'eg', 'be', 'in', 'br']),
  );
});

test('GET /services/pricelistByCountry lists every country with every service price as [{c, services:[{s, p}]}]', async () => {
  const { status, json } = await call(sandbox, 'GET', '/services/pricelistByCountry');
  expect(status).toBe(200);
  expect(json.map((row: { c: string }) => row.c)).toEqual(COUNTRY_IDS);
  for (const row of json) {
    expect(Object.keys(row).sort()).toEqual(['c', 'services']);
    expect(row.services).toEqual(
      SERVICE_IDS.map((s) => ({
        s,
        p: PRICE_TABLE[s as keyof typeof PRICE_TABLE][row.c as keyof typeof COUNTRIES],
      })),
    );
  }
});

test('GET /services/pricelistByService lists every service with every country price as [{s, countries:[{c, p}]}]', async () => {
  const { status, json } = await call(sandbox, 'GET', '/services/pricelistByService');
  expect(status).toBe(200);
  expect(json.map((row: { s: string }) => row.s)).toEqual(SERVICE_IDS);
  const whatsapp = json.find((row: { s: string }) => row.s === 'whatsapp');
  expect(whatsapp.countries).toContainEqual({ c: 'de', p: 2.15 });
  for (const row of json) expect(row.countries).toHaveLength(COUNTRY_IDS.length);
});

test('price lists show a price changed through the control surface', async () => {
  sandbox.setPrice('twitter', 'eg', 0.99);
  const { json } = await call(sandbox, 'GET', '/services/pricelistByService');
  expect(json.find((row: { s: string }) => row.s === 'twitter').countries).toContainEqual({
    c: 'eg',
    p: 0.99,
  });
});

test('GET /services/{s}/countries/{c} answers a SingleService with names, price, isVirtual and hasNumbers', async () => {
  const { status, json } = await call(sandbox, 'GET', '/services/whatsapp/countries/nl');
  expect(status).toBe(200);
  expect(json).toEqual({
    iconBaseUrl: `${sandbox.url}/sandbox/icons/`,
    services: [
      {
        serviceId: 'whatsapp',
        serviceName: 'WhatsApp',
        serviceIconPath: expect.any(String),
        countryId: 'nl',
        countryName: 'Netherlands',
        countryIconPath: expect.any(String),
        isVirtual: false,
        snippet: expect.any(String),
        warning: expect.any(String),
        price: 1.95,
        hasNumbers: true,
      },
    ],
  });
});

test('hasNumbers and isVirtual follow the catalog tables for every pair', async () => {
  const empty = new Set(PAIRS_WITHOUT_NUMBERS.map(([s, c]) => `${s}/${c}`));
  const virtual = new Set(VIRTUAL_PAIRS.map(([s, c]) => `${s}/${c}`));
  expect(empty.has('whatsapp/de')).toBe(true);
  for (const key of [...empty, ...virtual]) {
    const [s, c] = key.split('/');
    const { json } = await call(sandbox, 'GET', `/services/${s}/countries/${c}`);
    expect(json.services[0]).toMatchObject({ hasNumbers: !empty.has(key), isVirtual: virtual.has(key) });
  }
});

test('the single-service call accepts a prx-lang header', async () => {
  const { status, json } = await call(sandbox, 'GET', '/services/google/countries/us', {
    headers: { 'prx-lang': 'ru' },
  });
  expect(status).toBe(200);
  expect(json.services[0]).toMatchObject({ serviceId: 'google', countryId: 'us', isVirtual: true });
});

test('the single-service call answers 404 ResourceNotFoundException for an unknown service or country', async () => {
  for (const path of ['/services/myspace/countries/us', '/services/facebook/countries/xx']) {
    const { status, json } = await call(sandbox, 'GET', path);
    expect([status, json.errorName]).toEqual([404, 'ResourceNotFoundException']);
  }
});

test.describe('leased numbers look real for their country', () => {
  const expected: Record<string, { code: number; national: RegExp }> = {
    us: { code: 1, national: /^[2-9]\d{2}[2-9]\d{6}$/ },
    gb: { code: 44, national: /^7\d{9}$/ },
    de: { code: 49, national: /^1[5-7]\d{9}$/ },
    nl: { code: 31, national: /^6\d{8}$/ },
    fr: { code: 33, national: /^[67]\d{8}$/ },
    ru: { code: 7, national: /^9\d{9}$/ },
    eg: { code: 20, national: /^1[0125]\d{8}$/ },
    be: { code: 32, national: /^4\d{8}$/ },
    in: { code: 91, national: /^[6-9]\d{9}$/ },
    br: { code: 55, national: /^[1-9]{2}9\d{8}$/ },
  };
  for (const [country, { code, national }] of Object.entries(expected)) {
    test(`${country}: +${code}, national number ${national}`, async () => {
      const { json } = await call(sandbox, 'POST', '/activations', {
        body: { serviceId: 'facebook', countryId: country },
      });
      expect(json.countryCode).toBe(code);
      expect(String(json.nationalNumber)).toMatch(national);
      expect(String(json.number)).toBe(`${code}${json.nationalNumber}`);
      expect(json.formatNumber.replace(/\D/g, '')).toBe(String(json.number));
      expect(json.formatNumber.startsWith(`+${code} `)).toBe(true);
    });
  }
});

test('the same seed gives the same numbers, another seed other numbers', async () => {
  const numbers = async (seed: number) => {
    const s = await startSandbox({ port: 0, seed });
    try {
      const out: number[] = [];
      for (const c of ['us', 'gb', 'de'])
        out.push(
          (await call(s, 'POST', '/activations', { body: { serviceId: 'other', countryId: c } })).json.number,
        );
      return out;
    } finally {
      await s.close();
    }
  };
  const a = await numbers(7);
  expect(await numbers(7)).toEqual(a);
  expect(await numbers(8)).not.toEqual(a);
});
