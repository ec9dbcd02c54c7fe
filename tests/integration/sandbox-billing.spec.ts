import { expect, test } from '@playwright/test';
import { accountHash, PRICE_TABLE, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Reply = { status: number; json: any };
async function call(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { 'x-api-key': 'sandbox', 'content-type': 'application/json' };
  const res = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
const balance = async (sandbox: Sandbox) => (await call(sandbox, 'GET', '/user/balance')).json;
const lease = (sandbox: Sandbox, serviceId: string, countryId: string, expectedPrice?: number) =>
  call(sandbox, 'POST', '/activations', {
    serviceId,
    countryId,
    ...(expectedPrice === undefined ? {} : { expectedPrice }),
  });

let sandbox: Sandbox;
test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, timeScale: 1000, balance: 10 });
});
test.afterEach(() => sandbox.close());

test('GET /user/balance answers {balance, review_balance} with the starting balance', async () => {
  const { status, json } = await call(sandbox, 'GET', '/user/balance');
  expect(status).toBe(200);
  expect(json).toEqual({ balance: 10, review_balance: 0 });
});

test('a lease reserves its price: the balance drops by it at once and the reservation shows as review_balance', async () => {
  const { json } = await lease(sandbox, 'whatsapp', 'us');
  expect(json.price).toBe(PRICE_TABLE.whatsapp.us);
  expect(await balance(sandbox)).toEqual({ balance: 10 - 1.25, review_balance: 1.25 });
  expect(sandbox.state().balances).toEqual({ [accountHash('sandbox')]: 8.75 });
});

test('an activation that expires without an SMS is refunded: the price comes back to the balance', async () => {
  await lease(sandbox, 'whatsapp', 'us');
  await lease(sandbox, 'facebook', 'gb');
  expect((await balance(sandbox)).balance).toBe(10 - 1.25 - 0.6);
  await expect.poll(async () => (await balance(sandbox)).balance, { timeout: 10_000 }).toBe(10);
  expect(sandbox.state().activations.map((a) => a.status)).toEqual(['refunded', 'refunded']);
  expect((await balance(sandbox)).review_balance).toBe(0);
});

test('an activation that received an SMS stays billed after expiry (serviceConsumed, no refund)', async () => {
  const { json } = await lease(sandbox, 'whatsapp', 'us');
  await sandbox.deliverSms(String(json.number), 'WhatsApp code 123-456 or 123456');
  expect(await balance(sandbox)).toEqual({ balance: 8.75, review_balance: 0 });
  await expect
    .poll(() => sandbox.state().activations[0]?.status, { timeout: 10_000 })
    .toBe('serviceConsumed');
  expect((await balance(sandbox)).balance).toBe(8.75);
});

test('a lease costing more than the balance is 402 paymentRequired and reserves nothing', async () => {
  sandbox.setBalance('sandbox', 1);
  const { status, json } = await lease(sandbox, 'whatsapp', 'us');
  expect(status).toBe(402);
  expect(json).toEqual({ errorName: 'paymentRequired', errorMessage: expect.any(String) });
  expect(await balance(sandbox)).toEqual({ balance: 1, review_balance: 0 });
  expect((await lease(sandbox, 'facebook', 'us')).status).toBe(200);
});

test('a lease with expectedPrice below the current price is 409 expectedPriceErrorException carrying newPrice', async () => {
  const { status, json } = await lease(sandbox, 'telegram', 'de', 1.5);
  expect(status).toBe(409);
  expect(json).toEqual({
    errorName: 'expectedPriceErrorException',
    errorMessage: expect.any(String),
    newPrice: 1.75,
  });
  expect((await balance(sandbox)).balance).toBe(10);
  expect((await lease(sandbox, 'telegram', 'de', 1.75)).status).toBe(200);
  expect((await lease(sandbox, 'telegram', 'de', 3)).json.price).toBe(1.75);
});

test('a price raised through the control surface is charged and refused for an older expectedPrice', async () => {
  const res = await fetch(`${sandbox.url}/sandbox/prices`, {
    method: 'POST',
    body: JSON.stringify({ serviceId: 'facebook', countryId: 'us', price: 0.8 }),
  });
  expect(await res.json()).toEqual({ serviceId: 'facebook', countryId: 'us', price: 0.8 });
  const refused = await lease(sandbox, 'facebook', 'us', 0.45);
  expect([refused.status, refused.json.newPrice]).toEqual([409, 0.8]);
  expect((await lease(sandbox, 'facebook', 'us')).json.price).toBe(0.8);
  expect((await balance(sandbox)).balance).toBe(9.2);
});

test('the balance control route sets one account balance, named by its key in x-api-key', async () => {
  const set = await fetch(`${sandbox.url}/sandbox/balance`, {
    method: 'POST',
    headers: { 'x-api-key': 'sandbox' },
    body: JSON.stringify({ balance: 0.5 }),
  });
  expect(await set.json()).toEqual({ account: accountHash('sandbox'), balance: 0.5 });
  expect((await balance(sandbox)).balance).toBe(0.5);
  const unknown = await fetch(`${sandbox.url}/sandbox/balance`, {
    method: 'POST',
    headers: { 'x-api-key': 'not-a-key' },
    body: JSON.stringify({ balance: 5 }),
  });
  expect(unknown.status).toBe(401);
  const bad = await fetch(`${sandbox.url}/sandbox/balance`, {
    method: 'POST',
    headers: { 'x-api-key': 'sandbox' },
    body: JSON.stringify({ balance: -3 }),
  });
  expect(bad.status).toBe(400);
});
