import { expect, test } from '@playwright/test';
import { createLocalBudget } from '../../src/limits/budget.ts';
import { V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import {
  ConfigurationError,
  createTempNumberClient,
  type TempNumberClientOptions,
} from '../../src/providers/tempnumber-v1/index.ts';
import { activationBody, recordingBudget, startRawServer } from './client-raw-server.ts';

test.describe('options are checked when the client is created', () => {
  const bad: Array<[string, Partial<TempNumberClientOptions>, RegExp]> = [
    ['an empty apiKey', { apiKey: '  ' }, /`apiKey` to be a non-empty string.*TEMPNUMBER_API_KEY/],
    ['a baseUrl that is not http(s)', { baseUrl: 'tn-api.com/api/v1' }, /`baseUrl` to be an http\(s\) URL/],
    ['a negative retries', { retries: -1 }, /Expected `retries` to be a non-negative integer, got -1/],
    ['a fractional retries', { retries: 1.5 }, /`retries` to be a non-negative integer, got 1.5/],
    ['a zero timeoutMs', { timeoutMs: 0 }, /`timeoutMs` to be a positive number of milliseconds, got 0/],
    ['a NaN timeScale', { timeScale: Number.NaN }, /`timeScale` to be a positive number, got NaN/],
  ];
  for (const [title, options, message] of bad) {
    test(`${title} is a ConfigurationError that names the option`, () => {
      expect(() => createTempNumberClient({ apiKey: 'k-123456', ...options })).toThrow(ConfigurationError);
      expect(() => createTempNumberClient({ apiKey: 'k-123456', ...options })).toThrow(message);
    });
  }

  test('creating a client does no I/O: nothing is sent until a method is called', async () => {
    const server = await startRawServer(() => ({ status: 200, body: { balance: 1 } }));
    try {
      createTempNumberClient({ apiKey: 'k-123456', baseUrl: server.baseUrl });
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  test('bad call arguments reject (never throw synchronously) with a ConfigurationError and send nothing', async () => {
    const server = await startRawServer(() => ({ status: 200, body: {} }));
    try {
      const client = createTempNumberClient({ apiKey: 'k-123456', baseUrl: server.baseUrl });
      await expect(client.getActivation(1.5)).rejects.toThrow(/`id` to be a positive integer, got 1.5/);
      await expect(client.newActivation({ serviceId: '', countryId: 'us' })).rejects.toThrow(/`serviceId`/);
      await expect(
        client.newActivation({ serviceId: 'a', countryId: 'us', expectedPrice: -1 }),
      ).rejects.toThrow(/`expectedPrice`/);
      await expect(client.getActivationsHistory({ limit: 0 })).rejects.toThrow(/`limit`/);
      await expect(client.getUserBalance({ timeoutMs: -5 })).rejects.toThrow(/`timeoutMs`/);
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

test.describe('what goes on the wire', () => {
  test('each method sends its method, path, JSON body and headers', async () => {
    const server = await startRawServer((req) => {
      if (req.url.startsWith('/api/v1/services/pricelistByCountry'))
        return { status: 200, body: [{ c: 'us', services: [] }] };
      if (req.url.startsWith('/api/v1/services/pricelistByService'))
        return { status: 200, body: [{ s: 'facebook', countries: [] }] };
      if (req.url.startsWith('/api/v1/services/'))
        return { status: 200, body: { iconBaseUrl: '', services: [] } };
      if (req.url.startsWith('/api/v1/user/balance')) return { status: 200, body: { balance: 5 } };
      if (req.method === 'PUT') return { status: 200, body: { result: 'success' } };
      if (
        req.url.startsWith('/api/v1/activations?') ||
        (req.url === '/api/v1/activations' && req.method === 'GET')
      ) {
        return { status: 200, body: { activations: [] } };
      }
      return { status: 200, body: activationBody() };
    });
    try {
      const client = createTempNumberClient({
        apiKey: 'wire-key-123456',
        baseUrl: `${server.baseUrl}/`,
        userAgent: 'my-suite/1.0',
        timeScale: 1000,
      });
      await client.getActivation(101);
      await client.getActivationsHistory({ page: 2 });
      await client.newActivation({ serviceId: 'facebook', countryId: 'us', expectedPrice: 0.8 });
      await client.updateActivation(101, { status: 'retry' });
      await client.getPricelistByCountry();
      await client.getPricelistByService();
      await client.getSingleService('face book', 'us', { lang: 'ru' });
      await client.getUserBalance();

      expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET /api/v1/activations/101',
        'GET /api/v1/activations?page=2',
        'POST /api/v1/activations',
        'PUT /api/v1/activations/101',
        'GET /api/v1/services/pricelistByCountry',
        'GET /api/v1/services/pricelistByService',
        'GET /api/v1/services/face%20book/countries/us',
        'GET /api/v1/user/balance',
      ]);
      for (const r of server.requests) {
        expect(r.headers['x-api-key']).toBe('wire-key-123456');
        expect(r.headers['user-agent']).toBe('my-suite/1.0');
        expect(r.headers.accept).toBe('application/json');
      }
      const [, , post, put, , , single] = server.requests;
      expect(JSON.parse(post!.body)).toEqual({ serviceId: 'facebook', countryId: 'us', expectedPrice: 0.8 });
      expect(post!.headers['content-type']).toBe('application/json');
      expect(JSON.parse(put!.body)).toEqual({ status: 'retry' });
      expect(single!.headers['prx-lang']).toBe('ru');
    } finally {
      await server.close();
    }
  });

  test('every attempt, retries included, first acquires its bucket with the call priority', async () => {
    const server = await startRawServer((_req, n) =>
      n < 2 ? { status: 500, body: 'oops' } : { status: 200, body: activationBody() },
    );
    try {
      const budget = recordingBudget(createLocalBudget({ policy: V1_LIMIT_POLICY, timeScale: 1000 }));
      const client = createTempNumberClient({
        apiKey: 'k-123456',
        baseUrl: server.baseUrl,
        budget,
        timeScale: 1000,
      });
      await client.getActivation(101, { priority: 'high' });
      expect(budget.calls).toEqual(
        Array.from({ length: 3 }, () => ({
          op: 'acquire',
          bucket: 'GET /activations/:id',
          priority: 'high',
        })),
      );
    } finally {
      await server.close();
    }
  });
});
