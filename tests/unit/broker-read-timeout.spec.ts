/**
 * A `read`'s per-attempt timeout comes from the caller (up to 2^31 ms on the wire), but the
 * budget's proof assumes no request is in flight longer than MAX_IN_FLIGHT_MS: the broker
 * clamps it there before the API client sees it.
 */
import { expect, test } from '@playwright/test';
import type { RequestOptions } from '../../src/api/client-options.ts';
import type { BrokerContext, ClientConnection } from '../../src/broker/server/broker-context.ts';
import { read } from '../../src/broker/server/read.ts';
import { MAX_IN_FLIGHT_MS } from '../../src/limits/request-budget.ts';

/** A context whose API only records the options of each balance read. */
function recordingContext(): { ctx: BrokerContext; seen: Array<{ api: string; opts: RequestOptions }> } {
  const seen: Array<{ api: string; opts: RequestOptions }> = [];
  const api = (name: string) => ({
    getUserBalance: async (opts: RequestOptions) => {
      seen.push({ api: name, opts });
      return { balance: 1, review_balance: 0 };
    },
  });
  return { ctx: { api: api('api'), apiOnce: api('apiOnce') } as unknown as BrokerContext, seen };
}

const connection: ClientConnection = { id: 1, owner: 'test', pid: undefined, lastSeenMs: 0 };

const CASES: Array<{ asked: number | undefined; sent: number | undefined }> = [
  { asked: 2 ** 31 - 1, sent: MAX_IN_FLIGHT_MS },
  { asked: MAX_IN_FLIGHT_MS + 1, sent: MAX_IN_FLIGHT_MS },
  { asked: MAX_IN_FLIGHT_MS, sent: MAX_IN_FLIGHT_MS },
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
      expect(seen[0]?.api).toBe(retry ? 'api' : 'apiOnce');
      expect(seen[0]?.opts.timeoutMs).toBe(sent);
      expect(seen[0]?.opts.priority).toBe('low');
    }
  });
}

test('the in-flight bound is 30 s, the budget default the proof is written for', () => {
  expect(MAX_IN_FLIGHT_MS).toBe(30_000);
});
