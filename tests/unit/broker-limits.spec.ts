/**
 * The broker budgets on the limits its provider declares: the provider's table and headroom, the
 * `history` bucket paced evenly, tightened by `TEMPNUMBER_RATE_LIMITS` (never loosened), and the
 * poller plans on the provider's `read` and `history` buckets. For TempNumber v1 that is exactly
 * the budget and the poll timing the broker had when it read v1's tables itself.
 */
import { expect, test } from '@playwright/test';
import { brokerLimits } from '../../src/broker/server/context.ts';
import { pollTiming } from '../../src/broker/server/poll-plan.ts';
import { createMemoryStore } from '../../src/broker/server/store/memory-store.ts';
import { ConfigurationError } from '../../src/contract/errors.ts';
import { createManualClock } from '../../src/limits/clock.ts';
import {
  HEADROOM,
  PACING,
  RATE_LIMITS,
  scaledLimits,
  V1_LIMIT_POLICY,
} from '../../src/limits/rate-limits.ts';
import type { ProviderLimits } from '../../src/providers/provider.ts';
import { V1_BUCKETS } from '../../src/providers/tempnumber-v1/tables.ts';
import { V1_PROVIDER_LIMITS, v1BrokerLimits, v1PollTiming } from '../helpers/v1-broker-limits.ts';

test.describe('a v1 broker budgets exactly as before', () => {
  test('the v1 provider declares v1’s tables and the buckets of its endpoints', () => {
    expect(V1_PROVIDER_LIMITS.table).toBe(RATE_LIMITS);
    expect(V1_PROVIDER_LIMITS.headroom).toBe(HEADROOM);
    expect(V1_PROVIDER_LIMITS.bucketOf).toBe(V1_BUCKETS);
  });

  test('pacing the history bucket evenly is v1’s pacing table', () => {
    const derived = Object.fromEntries(
      Object.keys(RATE_LIMITS).map((bucket) => [bucket, bucket === V1_BUCKETS.history ? 'even' : 'burst']),
    );
    expect(derived).toEqual(PACING);
  });

  for (const timeScale of [1, 60, 300]) {
    test(`at time scale ${timeScale} the budget is v1’s scaled limits, bucket by bucket`, () => {
      const { limits, pollBuckets } = v1BrokerLimits(timeScale);
      expect(limits).toEqual(scaledLimits(V1_LIMIT_POLICY, { timeScale }));
      expect(pollBuckets).toEqual({ read: 'GET /activations/:id', history: 'GET /activations' });
    });
  }

  test('the poll timing is the one v1’s bucket names gave', () => {
    const timing = v1PollTiming(1);
    expect(timing.steadySpacingMs).toBe(120_000 / 80);
    expect(timing.perIdWindowMs).toBe(122_000);
    expect(timing.perIdClassLimit).toEqual({ critical: 80, high: 80, normal: 70, low: 60 });
    expect(timing.historySpacingMs).toBe((60_000 + 2000) / 10);
  });
});

test.describe('TEMPNUMBER_RATE_LIMITS tightens the broker’s budget', () => {
  test('tighter limits apply to the budget, its headroom and the poller’s pacing', () => {
    const { limits, pollBuckets } = v1BrokerLimits(
      1,
      'GET /activations/:id=40; PUT /activations/:id=5/90000',
    );
    expect(limits['GET /activations/:id']).toMatchObject({ limit: 40, windowMs: 120_000 });
    expect(limits['GET /activations/:id']?.headroom).toEqual({ critical: 0, high: 0, normal: 5, low: 10 });
    expect(limits['PUT /activations/:id']).toMatchObject({ limit: 5, windowMs: 90_000 });
    expect(limits['POST /activations']).toMatchObject({ limit: 80, windowMs: 120_000 });
    const timing = pollTiming(1, limits, pollBuckets);
    expect(timing.steadySpacingMs).toBe(120_000 / 40);
    expect(timing.perIdClassLimit).toEqual({ critical: 40, high: 40, normal: 35, low: 30 });
  });

  test('the memory store enforces the tightened limit', async () => {
    const { limits } = v1BrokerLimits(1, 'PUT /activations/:id=2');
    const store = createMemoryStore({ limits, clock: createManualClock(0) });
    const reserve = (member: string) =>
      store.reserve({ bucket: 'PUT /activations/:id', priority: 'critical', maxWaitMs: 0, member });
    expect((await reserve('a')).granted).toBe(true);
    expect((await reserve('b')).granted).toBe(true);
    expect((await reserve('c')).granted).toBe(false);
    expect((await store.usage())['PUT /activations/:id']).toEqual({ used: 2, limit: 2, blockedForMs: 0 });
  });

  const refused: Array<[string, string, RegExp]> = [
    ['a looser limit', 'POST /activations=81', /may only be tightened: published 80 per 120000 ms, got 81/],
    ['a shorter window', 'POST /activations=40/50000', /may only be tightened/],
    ['a bucket the API does not have', 'GET /activation/{id}=5', /with a bucket of GET \/activations, /],
    ['a malformed value', 'GET /activations=ten', /`<limit>\[\/<windowMs>\]` for `GET \/activations`/],
  ];
  for (const [what, text, message] of refused) {
    test(`${what} is a ConfigurationError naming the variable and the API`, () => {
      let error: unknown;
      try {
        v1BrokerLimits(1, text);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/^TEMPNUMBER_RATE_LIMITS for the tempnumber-v1 API: /);
      expect((error as Error).message).toMatch(message);
    });
  }
});

test.describe('another provider’s table is budgeted on its own bucket ids', () => {
  const other: ProviderLimits = {
    table: {
      'GET /activation/{id}': { limit: 16, windowMs: 10_000 },
      'GET /activation/history': { limit: 4, windowMs: 20_000 },
      'POST /activation': { limit: 8, windowMs: 10_000 },
    },
    bucketOf: {
      lease: 'POST /activation',
      read: 'GET /activation/{id}',
      history: 'GET /activation/history',
      retry: null,
      cancel: null,
      finalize: null,
      balance: null,
      price: null,
      priceList: null,
    },
    headroom: { 'GET /activation/{id}': { critical: 0, high: 0, normal: 2, low: 4 } },
  };

  test('its buckets, its headroom (else the default), the history paced evenly, its poll buckets', () => {
    const { limits, pollBuckets } = brokerLimits(other, { api: 'other', timeScale: 1 });
    expect(Object.keys(limits)).toEqual(Object.keys(other.table));
    expect(limits['GET /activation/{id}']?.headroom).toEqual({ critical: 0, high: 0, normal: 2, low: 4 });
    // No row: `low` leaves an eighth of the window to the classes above it.
    expect(limits['POST /activation']?.headroom).toEqual({ critical: 0, high: 0, normal: 0, low: 1 });
    expect(limits['GET /activation/history']?.spacingMs).toBe((20_000 + 2000) / 4);
    expect(limits['POST /activation']?.spacingMs).toBe(0);
    expect(pollBuckets).toEqual({ read: 'GET /activation/{id}', history: 'GET /activation/history' });
    expect(pollTiming(1, limits, pollBuckets).steadySpacingMs).toBe(10_000 / 16);
  });

  test('its stores know only its buckets', async () => {
    const { limits } = brokerLimits(other, { api: 'other', timeScale: 1 });
    const store = createMemoryStore({ limits, clock: createManualClock(0) });
    expect(Object.keys(await store.usage())).toEqual(Object.keys(other.table));
    await expect(
      store.reserve({ bucket: 'POST /activations', priority: 'normal', maxWaitMs: 0, member: 'm' }),
    ).rejects.toThrow(
      /Expected a rate-limit bucket of GET \/activation\/\{id\}, .*; got "POST \/activations"/,
    );
  });

  test('an override names its buckets, not v1’s', () => {
    expect(
      brokerLimits(other, { api: 'other', timeScale: 1, rateLimits: 'GET /activation/{id}=8' }).limits[
        'GET /activation/{id}'
      ]?.limit,
    ).toBe(8);
    expect(() =>
      brokerLimits(other, { api: 'other', timeScale: 1, rateLimits: 'GET /activations/:id=8' }),
    ).toThrow(ConfigurationError);
  });

  test('a provider without a read or history bucket cannot be polled: a ConfigurationError', () => {
    const noHistory = { ...other, bucketOf: { ...other.bucketOf, history: null } };
    expect(() => brokerLimits(noHistory, { api: 'other', timeScale: 1 })).toThrow(
      /The other provider names no rate-limit bucket for reading an activation or the history/,
    );
  });
});
