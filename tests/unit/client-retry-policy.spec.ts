import { expect, test } from '@playwright/test';
import type { RequestBudget } from '../../src/limits/budget.ts';
import { createLocalBudget } from '../../src/limits/budget.ts';
import { V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  MIN_RETRY_DELAY_MS,
  retryDelayMs,
} from '../../src/providers/retry-policy.ts';
import {
  createTempNumberClient,
  type FailureKind,
  failureKind,
  RETRY_POLICY,
} from '../../src/providers/tempnumber-v1/index.ts';
import { type RawReply, recordingBudget, startRawServer } from './client-raw-server.ts';

const RETRIES = 2;

/** A server answer (or a failing budget) that produces each row of the table. */
const PRODUCERS: Record<
  FailureKind,
  Array<{ title: string; reply?: RawReply; budgetFails?: true; nothingListens?: true }>
> = {
  network: [{ title: 'a reset connection', reply: 'reset' }],
  unreachable: [{ title: 'a refused connection (nothing listens)', nothingListens: true }],
  timeout: [{ title: 'no answer within timeoutMs', reply: 'hang' }],
  rateLimited: [
    {
      title: '429 TooManyRequestsException',
      reply: { status: 429, body: { errorName: 'TooManyRequestsException', errorMessage: 'slow down' } },
    },
    { title: '429 with an HTML body', reply: { status: 429, body: '<html>Too Many Requests</html>' } },
  ],
  serverError: [
    {
      title: '503 ServiceUnavailableException',
      reply: { status: 503, body: { errorName: 'ServiceUnavailableException', errorMessage: 'down' } },
    },
    { title: '500 JSON without errorName', reply: { status: 500, body: { message: 'boom' } } },
    { title: '502 HTML', reply: { status: 502, body: '<html>Bad Gateway</html>' } },
  ],
  malformedSuccess: [{ title: '200 HTML', reply: { status: 200, body: '<html>hello</html>' } }],
  refused: [
    {
      title: '404 ResourceNotFoundException',
      reply: { status: 404, body: { errorName: 'ResourceNotFoundException', errorMessage: 'no' } },
    },
    {
      title: '429 lowSuccessRateException',
      reply: {
        status: 429,
        body: { errorName: 'lowSuccessRateException', errorMessage: 'Low success rate' },
      },
    },
    {
      title: '401 UnauthorizedException',
      reply: { status: 401, body: { errorName: 'UnauthorizedException', errorMessage: 'who?' } },
    },
  ],
  unexpectedClientError: [{ title: '404 HTML', reply: { status: 404, body: '<html>Not Found</html>' } }],
  internal: [{ title: 'a budget store that fails', budgetFails: true }],
};

const failingBudget: RequestBudget = {
  acquire: async () => {
    throw new Error('budget store unreachable');
  },
  reportRateLimited: async () => {},
};

for (const [kind, row] of Object.entries(RETRY_POLICY) as Array<
  [FailureKind, (typeof RETRY_POLICY)[FailureKind]]
>) {
  for (const producer of PRODUCERS[kind]) {
    for (const call of ['GET /user/balance', 'POST /activations'] as const) {
      const retried = row.retry && call.startsWith('GET');
      test(`${kind}: ${producer.title} on ${call} is ${retried ? `retried ${RETRIES} times` : 'not retried'}${row.reportRateLimited ? ' and reported to the budget' : ''}`, async () => {
        const server = await startRawServer(() => producer.reply ?? { status: 200, body: {} });
        // A port that was just closed: connecting to it is refused, nothing is sent.
        if (producer.nothingListens) await server.close();
        try {
          const budget = recordingBudget(
            producer.budgetFails
              ? failingBudget
              : createLocalBudget({ policy: V1_LIMIT_POLICY, timeScale: 1000 }),
          );
          const client = createTempNumberClient({
            apiKey: 'policy-key-123',
            baseUrl: server.baseUrl,
            budget,
            retries: RETRIES,
            timeScale: 1000,
            timeoutMs: 150,
          });
          const result =
            call === 'GET /user/balance'
              ? client.getUserBalance()
              : client.newActivation({ serviceId: 'facebook', countryId: 'us' });
          const error = await result.catch((e: unknown) => e);
          const attempts = retried ? RETRIES + 1 : 1;

          expect(failureKind(error)).toBe(kind);
          expect(budget.calls.filter((c) => c.op === 'acquire')).toHaveLength(attempts);
          expect(server.requests).toHaveLength(
            producer.budgetFails || producer.nothingListens ? 0 : attempts,
          );
          expect(budget.calls.filter((c) => c.op === 'reportRateLimited')).toHaveLength(
            row.reportRateLimited ? attempts : 0,
          );
        } finally {
          if (!producer.nothingListens) await server.close();
        }
      });
    }
  }
}

test.describe('delay before a retry', () => {
  test('backoff is full jitter below min(cap, base·2^(n-1)), divided by the time scale', () => {
    for (const retryNumber of [1, 2, 3, 10]) {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retryNumber - 1));
      const at = (random: number) =>
        retryDelayMs({ kind: 'network', retryNumber, hintMs: 5000, timeScale: 1, random });
      expect(at(0.999_999)).toBeCloseTo(ceiling, -1);
      expect(at(0.5)).toBeCloseTo(ceiling / 2, -1);
      expect(at(0)).toBe(MIN_RETRY_DELAY_MS);
      expect(
        retryDelayMs({ kind: 'network', retryNumber, hintMs: undefined, timeScale: 10, random: 0.5 }),
      ).toBeCloseTo(Math.max(MIN_RETRY_DELAY_MS, ceiling / 20), 5);
    }
  });

  test('a high time scale never goes below the real floor', () => {
    expect(
      retryDelayMs({ kind: 'serverError', retryNumber: 1, hintMs: undefined, timeScale: 1e6, random: 1 }),
    ).toBe(MIN_RETRY_DELAY_MS);
  });

  test('a server hint is used as is (real time) for 5xx and 429, but not for a network error', () => {
    expect(retryDelayMs({ kind: 'serverError', retryNumber: 1, hintMs: 4000, timeScale: 600 })).toBe(4000);
    expect(retryDelayMs({ kind: 'rateLimited', retryNumber: 1, hintMs: 4000, timeScale: 600 })).toBe(4000);
    expect(retryDelayMs({ kind: 'timeout', retryNumber: 1, hintMs: 4000, timeScale: 1, random: 0.1 })).toBe(
      100,
    );
  });

  test('a 429 without a hint waits only the floor: the blocked budget does the waiting', () => {
    expect(retryDelayMs({ kind: 'rateLimited', retryNumber: 3, hintMs: undefined, timeScale: 1 })).toBe(
      MIN_RETRY_DELAY_MS,
    );
  });
});

test('every retry of a 429 waits for the budget, which the report blocked for a full (scaled) window', async () => {
  const server = await startRawServer((_req, n) =>
    n === 0
      ? { status: 429, body: { errorName: 'TooManyRequestsException', errorMessage: 'slow down' } }
      : { status: 200, body: { balance: 1 } },
  );
  try {
    // 60 s window at 100× = 600 ms: the retry cannot go out before the block ends.
    const client = createTempNumberClient({
      apiKey: 'policy-key-123',
      baseUrl: server.baseUrl,
      timeScale: 100,
    });
    expect(await client.getUserBalance()).toEqual({ balance: 1 });
    const [first, second] = server.requests;
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(590);
  } finally {
    await server.close();
  }
});
