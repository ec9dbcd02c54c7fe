import { expect, test } from '@playwright/test';
import { type BucketId, RATE_LIMITS } from '../../src/limits/rate-limits.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

async function call(sandbox: Sandbox, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': 'sandbox', 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as { errorName?: string } };
}

/**
 * One request per bucket that has no lasting effect (a refused body is still a request that
 * counts): so the test measures the limiter, not the pending cap or the delivery rule.
 */
const PROBES: Record<BucketId, [method: string, path: string, body?: unknown]> = {
  'GET /activations': ['GET', '/activations'],
  'POST /activations': ['POST', '/activations', {}],
  'GET /activations/:id': ['GET', '/activations/1'],
  'PUT /activations/:id': ['PUT', '/activations/1', { status: 'retry' }],
  'GET /services/:serviceId/countries/:countryId': ['GET', '/services/facebook/countries/us'],
  'GET /services/pricelistByService': ['GET', '/services/pricelistByService'],
  'GET /services/pricelistByCountry': ['GET', '/services/pricelistByCountry'],
  'GET /user/balance': ['GET', '/user/balance'],
};

test.describe('at real speed (time scale 1, so a window never passes during a test)', () => {
  let sandbox: Sandbox;
  test.beforeEach(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  test.afterEach(() => sandbox.close());

  for (const [bucket, { limit, windowMs }] of Object.entries(RATE_LIMITS) as Array<
    [BucketId, (typeof RATE_LIMITS)[BucketId]]
  >) {
    test(`${bucket} serves ${limit} requests in ${windowMs / 1000} s, then answers 429 TooManyRequestsException without hints`, async () => {
      const [method, path, body] = PROBES[bucket];
      for (let i = 0; i < limit; i++) {
        expect((await call(sandbox, method, path, body)).json.errorName).not.toBe('TooManyRequestsException');
      }
      const over = await call(sandbox, method, path, body);
      expect(over.status).toBe(429);
      expect(over.json).toEqual({ errorName: 'TooManyRequestsException', errorMessage: expect.any(String) });
      expect(over.headers.get('retry-after')).toBeNull();
      expect([...over.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
      const state = sandbox.state();
      expect(state.rateLimited).toBe(1);
      expect(state.rateLimitedByBucket[bucket]).toBe(1);
      expect(state.requestsByBucket[bucket]).toBe(limit + 1);
      expect(Object.values(state.rateLimitedByBucket).reduce((a, b) => a + b, 0)).toBe(1);
    });
  }

  test('buckets are separate: exhausting the price list by service leaves the one by country open', async () => {
    for (let i = 0; i < 4; i++) await call(sandbox, 'GET', '/services/pricelistByService');
    expect((await call(sandbox, 'GET', '/services/pricelistByCountry')).status).toBe(200);
  });

  test('/activations/1 and /activations/2 share the bucket of their template', async () => {
    for (let i = 0; i < 80; i++) await call(sandbox, 'GET', `/activations/${i}`);
    expect((await call(sandbox, 'GET', '/activations/123456')).status).toBe(429);
  });
});

test.describe('under a time scale', () => {
  test('requests paced at the published rate are never refused', async () => {
    const sandbox = await startSandbox({ port: 0, timeScale: 1000 });
    try {
      const { limit, windowMs } = RATE_LIMITS['GET /services/pricelistByCountry'];
      const gapMs = windowMs / limit + 1;
      for (let i = 0; i < 3 * limit + 1; i++) {
        expect((await call(sandbox, 'GET', '/services/pricelistByCountry')).status).toBe(200);
        // The next request leaves only after the API clock (the server's) moved on by the gap.
        const after = sandbox.now();
        await expect.poll(() => sandbox.now(), { intervals: [2] }).toBeGreaterThanOrEqual(after + gapMs);
      }
      expect(sandbox.state().rateLimited).toBe(0);
    } finally {
      await sandbox.close();
    }
  });

  test('refused requests count against the window: hammering on keeps the bucket closed after the first requests left it', async () => {
    // 20×: the 60 s window lasts 3 s real; the steps below are 1.5 s real apart.
    const sandbox = await startSandbox({ port: 0, timeScale: 20 });
    try {
      const path = '/services/pricelistByService';
      for (let i = 0; i < 3; i++) expect((await call(sandbox, 'GET', path)).status).toBe(200);
      const servedBy = sandbox.now();
      await expect.poll(() => sandbox.now(), { intervals: [10] }).toBeGreaterThanOrEqual(servedBy + 30_000);
      const refusedFrom = sandbox.now();
      for (let i = 0; i < 3; i++) expect((await call(sandbox, 'GET', path)).status).toBe(429);
      // The three served requests have left the window; the three refused ones have not.
      await expect.poll(() => sandbox.now(), { intervals: [10] }).toBeGreaterThanOrEqual(servedBy + 60_001);
      expect(sandbox.now()).toBeLessThan(refusedFrom + 60_000);
      expect((await call(sandbox, 'GET', path)).status).toBe(429);
      // Once the refused ones have left too, the bucket opens again.
      const lastBy = sandbox.now();
      await expect.poll(() => sandbox.now(), { intervals: [10] }).toBeGreaterThanOrEqual(lastBy + 60_001);
      expect((await call(sandbox, 'GET', path)).status).toBe(200);
      expect(sandbox.state().rateLimited).toBe(4);
    } finally {
      await sandbox.close();
    }
  });
});
