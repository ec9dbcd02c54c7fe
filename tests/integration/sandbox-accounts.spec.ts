import { expect, test } from '@playwright/test';
import { ENDPOINTS } from '../../src/providers/tempnumber-v1/wire.ts';
import { accountHash, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Reply = { status: number; json: any };
async function call(
  sandbox: Sandbox,
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['x-api-key'] = key;
  const res = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const ALICE = 'alice-key-1111';
const BOB = 'bob-key-2222';

let sandbox: Sandbox;
test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKeys: [ALICE, BOB], balance: 50 });
});
test.afterEach(() => sandbox.close());

for (const [name, { method, path }] of Object.entries(ENDPOINTS)) {
  const concrete = path.replace(':id', '1').replace(':serviceId', 'facebook').replace(':countryId', 'us');
  const body =
    method === 'POST'
      ? { serviceId: 'facebook', countryId: 'us' }
      : method === 'PUT'
        ? { status: 'retry' }
        : undefined;
  test(`${name} (${method} ${path}) answers 401 UnauthorizedException without a key or with an unknown one`, async () => {
    for (const key of [undefined, '', 'sandbox', `${ALICE}x`]) {
      const { status, json } = await call(sandbox, key, method, concrete, body);
      expect({ key, status, json }).toEqual({
        key,
        status: 401,
        json: { errorName: 'UnauthorizedException', errorMessage: expect.any(String) },
      });
    }
    expect(sandbox.state().activations).toEqual([]);
  });
}

test('each key is its own account: balances, activations and history are separate', async () => {
  const leased = (
    await call(sandbox, ALICE, 'POST', '/activations', { serviceId: 'whatsapp', countryId: 'gb' })
  ).json;
  expect((await call(sandbox, ALICE, 'GET', '/user/balance')).json.balance).toBe(50 - 1.45);
  expect((await call(sandbox, BOB, 'GET', '/user/balance')).json.balance).toBe(50);
  expect((await call(sandbox, BOB, 'GET', '/activations')).json.total).toBe(0);
  expect((await call(sandbox, ALICE, 'GET', '/activations')).json.total).toBe(1);
  // Another account's activation is as unknown as a missing one.
  expect((await call(sandbox, BOB, 'GET', `/activations/${leased.id}`)).status).toBe(404);
  await sandbox.deliverSms(String(leased.number), 'code 2468');
  expect((await call(sandbox, BOB, 'PUT', `/activations/${leased.id}`, { status: 'retry' })).status).toBe(
    404,
  );
  expect((await call(sandbox, ALICE, 'PUT', `/activations/${leased.id}`, { status: 'retry' })).status).toBe(
    200,
  );
});

test('each key has its own rate windows', async () => {
  for (let i = 0; i < 3; i++) await call(sandbox, ALICE, 'GET', '/services/pricelistByCountry');
  expect((await call(sandbox, ALICE, 'GET', '/services/pricelistByCountry')).status).toBe(429);
  expect((await call(sandbox, BOB, 'GET', '/services/pricelistByCountry')).status).toBe(200);
});

test('each key has its own pending cap and delivery-rate counts', async () => {
  for (let i = 0; i < 5; i++)
    await call(sandbox, ALICE, 'POST', '/activations', { serviceId: 'other', countryId: 'in' });
  expect(
    (await call(sandbox, ALICE, 'POST', '/activations', { serviceId: 'other', countryId: 'in' })).status,
  ).toBe(429);
  expect(
    (await call(sandbox, BOB, 'POST', '/activations', { serviceId: 'other', countryId: 'in' })).status,
  ).toBe(200);
});

test('the state names accounts by a short hash and never contains a key', async () => {
  await call(sandbox, ALICE, 'POST', '/activations', { serviceId: 'facebook', countryId: 'us' });
  const text = await (await fetch(`${sandbox.url}/sandbox/state`)).text();
  expect(text).not.toContain(ALICE);
  expect(text).not.toContain(BOB);
  const state = JSON.parse(text);
  expect(Object.keys(state.balances).sort()).toEqual([accountHash(ALICE), accountHash(BOB)].sort());
  expect(accountHash(ALICE)).toMatch(/^[0-9a-f]{12}$/);
  expect(state.activations[0].account).toBe(accountHash(ALICE));
  const page = await (await fetch(`${sandbox.url}/sandbox`)).text();
  expect(page).not.toContain(ALICE);
});

test('requests without a valid key are counted but use no account window', async () => {
  for (let i = 0; i < 5; i++) await call(sandbox, 'nobody', 'GET', '/services/pricelistByCountry');
  const state = sandbox.state();
  expect(state.requests).toBe(5);
  expect(state.requestsByBucket['GET /services/pricelistByCountry']).toBe(5);
  expect(state.rateLimited).toBe(0);
  expect((await call(sandbox, ALICE, 'GET', '/services/pricelistByCountry')).status).toBe(200);
});
