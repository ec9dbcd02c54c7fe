import { expect, test } from '@playwright/test';
import {
  HEADROOM,
  MAX_WAIT_MS,
  parseLimitOverrides,
  RATE_LIMITS,
  scaledLimits,
  scaledMaxWaitMs,
  V1_LIMIT_POLICY,
} from '../../src/limits/rate-limits.ts';

test.describe('scaled limits', () => {
  test('at time scale 1 every bucket keeps its published limit and window, with a 2 s margin', () => {
    const limits = scaledLimits(V1_LIMIT_POLICY);
    for (const [bucket, published] of Object.entries(RATE_LIMITS)) {
      expect(limits[bucket as keyof typeof RATE_LIMITS]).toMatchObject({ ...published, marginMs: 2000 });
    }
  });

  test('the list poller is paced evenly over window + margin; other buckets may burst', () => {
    const limits = scaledLimits(V1_LIMIT_POLICY);
    expect(limits['GET /activations'].spacingMs).toBe(6200);
    expect(limits['GET /activations/:id'].spacingMs).toBe(0);
    expect(limits['POST /activations'].spacingMs).toBe(0);
  });

  test('a time scale divides windows, but the margin keeps a floor in real milliseconds', () => {
    const limits = scaledLimits(V1_LIMIT_POLICY, { timeScale: 100 });
    expect(limits['POST /activations']).toMatchObject({ limit: 80, windowMs: 1200, marginMs: 50 });
    expect(limits['GET /activations'].spacingMs).toBeCloseTo((600 + 50) / 10);
    expect(scaledLimits(V1_LIMIT_POLICY, { timeScale: 10 })['POST /activations'].marginMs).toBe(200);
    expect(
      scaledLimits(V1_LIMIT_POLICY, { timeScale: 1000, marginFloorRealMs: 25 })['POST /activations'].marginMs,
    ).toBe(25);
  });

  test('overrides tighten limits, and headroom shrinks in proportion but stays below the limit', () => {
    const limits = scaledLimits(V1_LIMIT_POLICY, {
      overrides: {
        'GET /activations/:id': { limit: 8 },
        'PUT /activations/:id': { limit: 2, windowMs: 90_000 },
      },
    });
    expect(limits['GET /activations/:id']).toMatchObject({ limit: 8, windowMs: 120_000 });
    expect(limits['GET /activations/:id'].headroom).toEqual({ critical: 0, high: 0, normal: 1, low: 2 });
    expect(limits['PUT /activations/:id']).toMatchObject({ limit: 2, windowMs: 90_000 });
    expect(limits['PUT /activations/:id'].headroom).toEqual({ critical: 0, high: 1, normal: 1, low: 1 });
    expect(scaledLimits(V1_LIMIT_POLICY)['PUT /activations/:id'].headroom).toEqual(
      HEADROOM['PUT /activations/:id'],
    );
  });

  test('overrides that loosen a limit are refused with a message naming the bucket', () => {
    expect(() =>
      scaledLimits(V1_LIMIT_POLICY, { overrides: { 'POST /activations': { limit: 81 } } }),
    ).toThrow(/`POST \/activations` may only be tightened/);
    expect(() =>
      scaledLimits(V1_LIMIT_POLICY, { overrides: { 'POST /activations': { limit: 40, windowMs: 50_000 } } }),
    ).toThrow(/may only be tightened/);
    expect(() => scaledLimits(V1_LIMIT_POLICY, { overrides: { 'POST /activations': { limit: 0 } } })).toThrow(
      /positive integer, got 0/,
    );
    expect(() => scaledLimits(V1_LIMIT_POLICY, { timeScale: 0 })).toThrow(
      /`timeScale` to be a positive number, got 0/,
    );
  });

  test('limit overrides parse from the environment format', () => {
    expect(
      parseLimitOverrides('GET /activations/:id=40; PUT /activations/:id=5/90000;', RATE_LIMITS),
    ).toEqual({
      'GET /activations/:id': { limit: 40 },
      'PUT /activations/:id': { limit: 5, windowMs: 90_000 },
    });
    expect(parseLimitOverrides('', RATE_LIMITS)).toEqual({});
    expect(() => parseLimitOverrides('GET /nope=3', RATE_LIMITS)).toThrow(/bucket of GET \/activations/);
    expect(() => parseLimitOverrides('GET /activations=ten', RATE_LIMITS)).toThrow(
      /`<limit>\[\/<windowMs>\]` for `GET \/activations`/,
    );
  });

  test('max waits per class shrink with the time scale down to a small floor', () => {
    expect(scaledMaxWaitMs(1)).toEqual(MAX_WAIT_MS);
    expect(scaledMaxWaitMs(100)).toEqual({ critical: 6000, high: 50, normal: 20, low: 20 });
    expect(MAX_WAIT_MS.low).toBeLessThan(MAX_WAIT_MS.normal);
  });
});
