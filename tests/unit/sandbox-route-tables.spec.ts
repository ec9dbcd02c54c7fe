/**
 * The sandbox core runs the route tables it is handed: a second API dialect is one more table
 * beside TempNumber v1, with its own prefix, key header, buckets and error wording, and the
 * core's gateway (counting, limits, faults) applies to it unchanged.
 */
import { expect, test } from '@playwright/test';
import { createManualClock } from '../../src/limits/clock.ts';
import { CONTROL_ROUTES } from '../../src/sandbox/control-routes.ts';
import { type ApiRouteTable, type CoreReply, jsonReply } from '../../src/sandbox/core/route-table.ts';
import { createCore } from '../../src/sandbox/core/sandbox-core.ts';
import { TEMPNUMBER_V1_ROUTES } from '../../src/sandbox/dialects/tempnumber-v1.ts';

/** A made-up dialect: bearer keys, its own bucket, errors as `{ error: { code } }`. */
const refuse = (status: number, code: string): CoreReply => jsonReply(status, { error: { code } });
const TOY_ROUTES: ApiRouteTable = {
  prefix: '/toy/v2',
  routes: [
    {
      method: 'GET',
      path: '/balance',
      bucket: 'toy balance',
      handler: ({ account }) => jsonReply(200, { usd: account.balance }),
    },
  ],
  limits: { 'toy balance': { limit: 2, windowMs: 60_000 } },
  apiKeyOf: (request) => request.headers.authorization?.replace(/^Bearer /, ''),
  refusals: {
    unauthorized: () => refuse(401, 'no-key'),
    notFound: (message) => refuse(404, message),
    rateLimited: () => refuse(429, 'slow-down'),
    injectedError: () => refuse(500, 'injected'),
  },
};

function setup() {
  const core = createCore(
    { apis: [TEMPNUMBER_V1_ROUTES, TOY_ROUTES], control: CONTROL_ROUTES },
    { clock: createManualClock(0), startMs: 1_700_000_000_000, balance: 12 },
  );
  const call = (url: string, headers: Record<string, string> = { authorization: 'Bearer sandbox' }) => {
    const response = core.handle({ method: 'GET', url, headers, body: '' });
    if (response.kind !== 'reply') throw new Error(response.kind);
    return { status: response.status, json: JSON.parse(response.body) as unknown };
  };
  return { core, call };
}

test('a second dialect is served under its own prefix, with its own key header, on the same accounts', () => {
  const { call } = setup();
  expect(call('/toy/v2/balance')).toEqual({ status: 200, json: { usd: 12 } });
  expect(call('/api/v1/user/balance', { 'x-api-key': 'sandbox' }).json).toEqual({
    balance: 12,
    review_balance: 0,
  });
});

test("the gateway refuses in the dialect's own words: no key, unknown route, over its bucket's limit", () => {
  const { core, call } = setup();
  expect(call('/toy/v2/balance', {})).toEqual({ status: 401, json: { error: { code: 'no-key' } } });
  expect(call('/toy/v2/nowhere')).toEqual({
    status: 404,
    json: { error: { code: 'No endpoint GET /nowhere' } },
  });
  expect(call('/toy/v2/balance').status).toBe(200);
  expect(call('/toy/v2/balance').status).toBe(200);
  expect(call('/toy/v2/balance')).toEqual({ status: 429, json: { error: { code: 'slow-down' } } });
  const counted = core.state().requestsByBucket as Record<string, number>;
  expect(counted['toy balance']).toBe(4);
});

test("injected faults apply to the dialect's requests too, with the status the fault names", () => {
  const { core, call } = setup();
  core.setFaults({ errorRate: 1, errorStatus: 502 });
  expect(call('/toy/v2/balance')).toEqual({ status: 502, json: { error: { code: 'injected' } } });
});

test('a table whose route names a bucket without a limit is refused when the core is created', () => {
  const broken: ApiRouteTable = { ...TOY_ROUTES, limits: {} };
  expect(() => createCore({ apis: [broken], control: CONTROL_ROUTES })).toThrow(
    'Route GET /toy/v2/balance names bucket "toy balance", which has no limit',
  );
});

test('two tables at one prefix are refused when the core is created', () => {
  expect(() => createCore({ apis: [TOY_ROUTES, TOY_ROUTES], control: CONTROL_ROUTES })).toThrow(
    'Two route tables are mounted at /toy/v2',
  );
});
