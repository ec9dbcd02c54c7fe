import { expect, test } from '@playwright/test';
import { createLocalBudget } from '../../src/limits/budget.ts';
import { V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import { parseRateLimitReset, parseRetryAfter, parseRetryHintMs } from '../../src/providers/retry-policy.ts';
import { createTempNumberClient, RateLimitedError } from '../../src/providers/tempnumber-v1/index.ts';
import { recordingBudget, startRawServer } from './client-raw-server.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

test.describe('parsing server hints', () => {
  const cases: Array<[string, Record<string, string>, number | undefined]> = [
    ['Retry-After in whole seconds', { 'retry-after': '120' }, 120_000],
    ['Retry-After in fractional seconds', { 'retry-after': '1.5' }, 1500],
    ['Retry-After of zero', { 'retry-after': '0' }, 0],
    [
      'Retry-After as an HTTP date 30 s ahead',
      { 'retry-after': new Date(NOW + 30_000).toUTCString() },
      30_000,
    ],
    ['Retry-After as an HTTP date in the past', { 'retry-after': new Date(NOW - 5000).toUTCString() }, 0],
    [
      'x-ratelimit-reset as unix seconds 45 s ahead',
      { 'x-ratelimit-reset': String(NOW / 1000 + 45) },
      45_000,
    ],
    ['x-ratelimit-reset in the past', { 'x-ratelimit-reset': String(NOW / 1000 - 45) }, 0],
    ['x-ratelimit-reset as a small delta in seconds', { 'x-ratelimit-reset': '20' }, 20_000],
    [
      'Retry-After wins over x-ratelimit-reset',
      { 'retry-after': '3', 'x-ratelimit-reset': String(NOW / 1000 + 60) },
      3000,
    ],
    [
      'a garbage Retry-After falls back to x-ratelimit-reset',
      { 'retry-after': 'soon', 'x-ratelimit-reset': '7' },
      7000,
    ],
    ['a negative Retry-After is ignored', { 'retry-after': '-5' }, undefined],
    ['no header at all', {}, undefined],
    ['garbage everywhere', { 'retry-after': 'later', 'x-ratelimit-reset': 'tomorrow' }, undefined],
  ];
  for (const [title, headers, expected] of cases) {
    test(`${title} → ${expected ?? 'no hint'}`, () => {
      expect(parseRetryHintMs(new Headers(headers), NOW)).toBe(expected);
    });
  }

  test('each parser alone reads only its own format', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 27, 0))).toBe(60_000);
    expect(parseRetryAfter('1e3', NOW)).toBeUndefined();
    expect(parseRateLimitReset('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBeUndefined();
  });
});

test('a 429 carries the hint as retryAfterMs and reports it to the budget, unscaled', async () => {
  const server = await startRawServer(() => ({
    status: 429,
    headers: { 'retry-after': '30' },
    body: { errorName: 'TooManyRequestsException', errorMessage: 'Too many requests' },
  }));
  try {
    const budget = recordingBudget(createLocalBudget({ policy: V1_LIMIT_POLICY, timeScale: 600 }));
    // POST is never retried, so one 429 surfaces at once.
    const client = createTempNumberClient({
      apiKey: 'k-123456',
      baseUrl: server.baseUrl,
      budget,
      timeScale: 600,
    });
    const error = await client
      .newActivation({ serviceId: 'facebook', countryId: 'us' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(30_000);
    expect(budget.calls).toEqual([
      { op: 'acquire', bucket: 'POST /activations', priority: undefined },
      { op: 'reportRateLimited', bucket: 'POST /activations', retryAfterMs: 30_000 },
    ]);
  } finally {
    await server.close();
  }
});

test('a GET retried after a 429 waits out the server hint in real time even at a high time scale', async () => {
  const server = await startRawServer((_req, n) =>
    n === 0
      ? {
          status: 429,
          headers: { 'retry-after': '1' },
          body: { errorName: 'TooManyRequestsException', errorMessage: 'Too many requests' },
        }
      : { status: 200, body: { balance: 12.5, review_balance: 0 } },
  );
  try {
    const client = createTempNumberClient({ apiKey: 'k-123456', baseUrl: server.baseUrl, timeScale: 1000 });
    expect(await client.getUserBalance()).toEqual({ balance: 12.5, review_balance: 0 });
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    // The budget adds its margin on top; the hint itself is never divided by the time scale.
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(990);
  } finally {
    await server.close();
  }
});

test('a hint longer than any rate window is not waited out: the error surfaces with retryAfterMs', async () => {
  const server = await startRawServer(() => ({
    status: 429,
    headers: { 'retry-after': '3600' },
    body: { errorName: 'TooManyRequestsException', errorMessage: 'blocked' },
  }));
  try {
    const client = createTempNumberClient({
      apiKey: 'k-123456',
      baseUrl: server.baseUrl,
      timeScale: 1000,
    });
    const error = await client.getUserBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(3_600_000);
    expect(server.requests).toHaveLength(1);
  } finally {
    await server.close();
  }
});
