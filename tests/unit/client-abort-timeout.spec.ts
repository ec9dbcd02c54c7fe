import { expect, test } from '@playwright/test';
import { createLocalBudget } from '../../src/limits/budget.ts';
import { V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';
import { createTempNumberClient, NetworkError } from '../../src/providers/tempnumber-v1/index.ts';
import { type RawReply, startRawServer } from './client-raw-server.ts';

const API_KEY = 'abort-key-123456';

async function withServer(
  script: (n: number) => RawReply,
  body: (baseUrl: string, seen: () => number) => Promise<void>,
) {
  const server = await startRawServer((_req, n) => script(n));
  try {
    await body(server.baseUrl, () => server.requests.length);
  } finally {
    await server.close();
  }
}

test.describe('abort', () => {
  test('an abort during a hanging request rejects promptly with the signal reason', async () => {
    await withServer(
      () => 'hang',
      async (baseUrl, seen) => {
        const client = createTempNumberClient({ apiKey: API_KEY, baseUrl, timeoutMs: 60_000 });
        const controller = new AbortController();
        const reason = new Error('test gave up');
        const started = performance.now();
        const call = client.getActivation(1, { signal: controller.signal });
        await expect.poll(seen).toBe(1);
        controller.abort(reason);
        await expect(call).rejects.toBe(reason);
        expect(performance.now() - started).toBeLessThan(5000);
        expect(seen()).toBe(1);
      },
    );
  });

  test('an abort during the wait between retries rejects with the reason and sends no further attempt', async () => {
    await withServer(
      // Retry-After: 30 makes the wait long and certain, so the abort lands inside it.
      () => ({
        status: 503,
        headers: { 'retry-after': '30' },
        body: { errorName: 'ServiceUnavailableException', errorMessage: 'busy' },
      }),
      async (baseUrl, seen) => {
        const client = createTempNumberClient({ apiKey: API_KEY, baseUrl, retries: 10 });
        const controller = new AbortController();
        const call = client.getUserBalance({ signal: controller.signal });
        await expect.poll(seen).toBe(1);
        const started = performance.now();
        controller.abort('stop');
        await expect(call).rejects.toBe('stop');
        expect(performance.now() - started).toBeLessThan(2000);
        expect(seen()).toBe(1);
      },
    );
  });

  test('an already aborted signal sends nothing', async () => {
    await withServer(
      () => ({ status: 200, body: { balance: 1 } }),
      async (baseUrl, seen) => {
        const client = createTempNumberClient({ apiKey: API_KEY, baseUrl });
        const reason = new Error('never mind');
        await expect(client.getUserBalance({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
        expect(seen()).toBe(0);
      },
    );
  });

  test('an abort while waiting for a blocked budget rejects promptly', async () => {
    await withServer(
      () => ({ status: 200, body: { balance: 1 } }),
      async (baseUrl, seen) => {
        const budget = createLocalBudget({ policy: V1_LIMIT_POLICY });
        // A real-time block of a full minute: acquire would wait that long.
        await budget.reportRateLimited('GET /user/balance');
        const client = createTempNumberClient({ apiKey: API_KEY, baseUrl, budget });
        const controller = new AbortController();
        const call = client.getUserBalance({ signal: controller.signal, priority: 'critical' });
        setTimeout(() => controller.abort('no time'), 50);
        const started = performance.now();
        await expect(call).rejects.toBe('no time');
        expect(performance.now() - started).toBeLessThan(2000);
        expect(seen()).toBe(0);
      },
    );
  });
});

test.describe('timeout and network failures', () => {
  test('a GET that gets no answer within timeoutMs times out per attempt and is retried', async () => {
    await withServer(
      (n) => (n < 2 ? 'hang' : { status: 200, body: { balance: 3 } }),
      async (baseUrl, seen) => {
        const client = createTempNumberClient({ apiKey: API_KEY, baseUrl, timeoutMs: 100, timeScale: 1000 });
        expect(await client.getUserBalance()).toEqual({ balance: 3 });
        expect(seen()).toBe(3);
      },
    );
  });

  test('the per-call timeoutMs overrides the client default and the error says timedOut', async () => {
    await withServer(
      () => 'hang',
      async (baseUrl) => {
        const client = createTempNumberClient({ apiKey: API_KEY, baseUrl, timeoutMs: 60_000, retries: 0 });
        const started = performance.now();
        const error = await client.getActivation(5, { timeoutMs: 80 }).catch((e: unknown) => e);
        expect(performance.now() - started).toBeLessThan(5000);
        expect(error).toBeInstanceOf(NetworkError);
        expect(error).toMatchObject({
          name: 'NetworkError',
          timedOut: true,
          method: 'GET',
          path: '/activations/5',
        });
        expect((error as Error).message).toContain('timed out');
      },
    );
  });

  test('a body that never finishes also times out', async () => {
    // Headers then silence: the timeout must cover reading the body, not only the headers.
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"balance":');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const client = createTempNumberClient({
        apiKey: API_KEY,
        baseUrl: `http://127.0.0.1:${port}/api/v1`,
        timeoutMs: 100,
        retries: 0,
      });
      const error = await client.getUserBalance().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'NetworkError', timedOut: true });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test('a POST whose connection dies is not retried and says the lease must be reconciled through history', async () => {
    await withServer(
      () => 'reset',
      async (baseUrl, seen) => {
        const client = createTempNumberClient({ apiKey: API_KEY, baseUrl, retries: 4, timeScale: 1000 });
        const error = await client
          .newActivation({ serviceId: 'facebook', countryId: 'us' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NetworkError);
        expect(error).toMatchObject({ timedOut: false, method: 'POST', path: '/activations' });
        expect((error as Error).message).toMatch(/lease may have happened.*GET \/activations \(history\)/);
        expect(seen()).toBe(1);
      },
    );
  });

  test('a POST that times out says the same, and is not retried either', async () => {
    await withServer(
      () => 'hang',
      async (baseUrl, seen) => {
        const client = createTempNumberClient({ apiKey: API_KEY, baseUrl, timeoutMs: 80, timeScale: 1000 });
        const error = await client
          .newActivation({ serviceId: 'facebook', countryId: 'us' })
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ name: 'NetworkError', timedOut: true });
        expect((error as Error).message).toMatch(/lease may have happened/);
        expect(seen()).toBe(1);
      },
    );
  });

  test('a refused connection is a NetworkError naming the root cause', async () => {
    const server = await startRawServer(() => 'reset');
    const baseUrl = server.baseUrl;
    await server.close();
    const client = createTempNumberClient({ apiKey: API_KEY, baseUrl, retries: 1, timeScale: 1000 });
    const error = await client.getUserBalance().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NetworkError', timedOut: false });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});
