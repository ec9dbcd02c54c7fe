/**
 * A `read`'s per-attempt timeout comes from the caller (up to 2^31 ms on the wire), but the
 * budget's proof and the lease intents assume no request is in flight longer than twice the
 * broker's request timeout: the broker clamps it to its request timeout before the API client
 * sees it.
 */
import { expect, test } from '@playwright/test';
import type { BrokerContext, ClientConnection } from '../../src/broker/server/context.ts';
import { read } from '../../src/broker/server/handlers.ts';
import { MAX_IN_FLIGHT_MS } from '../../src/limits/budget.ts';
import type { RequestOptions } from '../../src/providers/http.ts';

const REQUEST_TIMEOUT_MS = 15_000;

/** A context whose provider only records the options of each balance read. */
function recordingContext(): { ctx: BrokerContext; seen: Array<{ api: string; opts: RequestOptions }> } {
  const seen: Array<{ api: string; opts: RequestOptions }> = [];
  const provider = (name: string) => ({
    balance: async (opts: RequestOptions) => {
      seen.push({ api: name, opts });
      return { availableUsd: 1, heldUsd: 0 };
    },
  });
  const settings = { requestTimeoutMs: REQUEST_TIMEOUT_MS };
  const ctx = { provider: provider('provider'), providerOnce: provider('providerOnce'), settings };
  return { ctx: ctx as unknown as BrokerContext, seen };
}

const connection: ClientConnection = { id: 1, owner: 'test', pid: undefined, lastSeenMs: 0 };

const CASES: Array<{ asked: number | undefined; sent: number | undefined }> = [
  { asked: 2 ** 31 - 1, sent: REQUEST_TIMEOUT_MS },
  { asked: REQUEST_TIMEOUT_MS + 1, sent: REQUEST_TIMEOUT_MS },
  { asked: REQUEST_TIMEOUT_MS, sent: REQUEST_TIMEOUT_MS },
  { asked: 10_000, sent: 10_000 },
  { asked: undefined, sent: undefined },
  { asked: 0, sent: undefined },
  { asked: -5, sent: undefined },
];

for (const { asked, sent } of CASES) {
  test(`a read asking for a ${asked ?? 'default'} ms timeout runs each attempt with ${sent ?? "the client's default"}`, async () => {
    for (const retry of [true, false]) {
      const { ctx, seen } = recordingContext();
      await read(ctx, connection, {
        what: 'balance',
        retry,
        ...(asked === undefined ? {} : { timeoutMs: asked }),
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.api).toBe(retry ? 'provider' : 'providerOnce');
      expect(seen[0]?.opts.timeoutMs).toBe(sent);
      expect(seen[0]?.opts.priority).toBe('low');
    }
  });
}

test('the default in-flight bound is 30 s, twice the default request timeout', () => {
  expect(MAX_IN_FLIGHT_MS).toBe(30_000);
  expect(MAX_IN_FLIGHT_MS).toBe(2 * REQUEST_TIMEOUT_MS);
});
