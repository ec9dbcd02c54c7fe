import { expect, test } from '@playwright/test';
import {
  ApiError,
  canonicalErrorName,
  createTempNumberClient,
  ERROR_NAMES,
  type ErrorFamily,
  PriceChangedError,
  type TempNumberClient,
} from '../../src/providers/tempnumber-v1/index.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

const KEY = 'integration-key-4f8e2a';

let sandbox: Sandbox;
let client: TempNumberClient;

test.beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, apiKeys: [KEY], balance: 100, timeScale: 600 });
  client = createTempNumberClient({ apiKey: KEY, baseUrl: sandbox.apiUrl, timeScale: 600 });
});
test.afterAll(async () => sandbox.close());
test.beforeEach(() => sandbox.reset());

/** The call must fail with an ApiError of `family`, whose status is the one ERROR_NAMES gives its name. */
async function expectRefusal(call: Promise<unknown>, family: ErrorFamily): Promise<ApiError> {
  const error = await call.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  const api = error as ApiError;
  expect(api.family).toBe(family);
  const canonical = canonicalErrorName(api.errorName);
  expect(canonical).toBeDefined();
  expect(api.status).toBe(ERROR_NAMES[canonical!].status);
  return api;
}

test.describe('client and sandbox agree, endpoint by endpoint', () => {
  test('GET /user/balance returns the balance as a number', async () => {
    const balance = await client.getUserBalance();
    expect(balance.balance).toBe(100);
  });

  test('the price lists have the wire shapes and the seeded prices', async () => {
    const byCountry = await client.getPricelistByCountry();
    expect(byCountry.find((c) => c.c === 'us')?.services).toContainEqual({ s: 'facebook', p: 0.45 });
    const byService = await client.getPricelistByService();
    expect(byService.find((s) => s.s === 'facebook')?.countries).toContainEqual({ c: 'us', p: 0.45 });
  });

  test('GET /services/{s}/countries/{c} tells price and availability', async () => {
    const single = await client.getSingleService('facebook', 'us', { lang: 'en' });
    expect(single.services[0]).toMatchObject({
      serviceId: 'facebook',
      countryId: 'us',
      price: 0.45,
      hasNumbers: true,
    });
    const none = await client.getSingleService('whatsapp', 'de');
    expect(none.services[0]?.hasNumbers).toBe(false);
    await expectRefusal(client.getSingleService('myspace', 'us'), 'notFound');
  });

  test('a lease, its SMS, a retry and the history: the whole activation lifecycle', async () => {
    const leased = await client.newActivation({ serviceId: 'facebook', countryId: 'us', expectedPrice: 0.5 });
    expect(leased).toMatchObject({
      status: 'smsRequested',
      serviceId: 'facebook',
      countryId: 'us',
      price: 0.45,
    });
    expect(typeof leased.id).toBe('number');
    expect(leased.numberExpireAt! - leased.createdAt!).toBe(1200);
    expect(leased.code).toBeUndefined();
    expect((await client.getUserBalance()).balance).toBeCloseTo(99.55, 5);

    await sandbox.deliverSms(String(leased.number), 'Your Facebook code is 482913');
    const received = await client.getActivation(leased.id);
    expect(received).toMatchObject({
      id: leased.id,
      status: 'smsReceived',
      code: '482913',
      retryAvailable: true,
    });
    expect(received.message).toContain('482913');

    expect(await client.updateActivation(leased.id, { status: 'retry' })).toEqual({ result: 'success' });
    const retried = await client.getActivation(leased.id);
    expect(retried.status).toBe('retryRequested');
    expect(retried.code).toBeUndefined();

    const second = await client.newActivation({ serviceId: 'twitter', countryId: 'gb' });
    const history = await client.getActivationsHistory({ page: 1, limit: 10 });
    expect(history.activations.map((a) => a.id)).toEqual([second.id, leased.id]);
    expect(history).toMatchObject({ page: 1, limit: 10, total: 2 });
  });

  test('an unknown service is 404 ResourceNotFoundException', async () => {
    const error = await expectRefusal(
      client.newActivation({ serviceId: 'myspace', countryId: 'us' }),
      'notFound',
    );
    expect(error).toMatchObject({ status: 404, method: 'POST', path: '/activations' });
  });

  test('a known pair without numbers is 503 ServiceUnavailableException, and the lease is not retried', async () => {
    const error = await expectRefusal(
      client.newActivation({ serviceId: 'whatsapp', countryId: 'de' }),
      'serviceUnavailable',
    );
    expect(error.status).toBe(503);
    expect(sandbox.state().requestsByBucket['POST /activations']).toBe(1);
  });

  test('a price above expectedPrice is 409 with newPrice, a PriceChangedError', async () => {
    sandbox.setPrice('facebook', 'us', 0.7);
    const error = await expectRefusal(
      client.newActivation({ serviceId: 'facebook', countryId: 'us', expectedPrice: 0.5 }),
      'priceChanged',
    );
    expect(error).toBeInstanceOf(PriceChangedError);
    expect(error).toMatchObject({ status: 409, newPrice: 0.7 });
    expect(error.message).toContain('0.7');
  });

  test('a balance below the price is 402 paymentRequired', async () => {
    sandbox.setBalance(KEY, 0.1);
    const error = await expectRefusal(
      client.newActivation({ serviceId: 'facebook', countryId: 'us' }),
      'paymentRequired',
    );
    expect(error.status).toBe(402);
  });

  test('a retry while still waiting for the first SMS is 409 ResourceBadStateException', async () => {
    const leased = await client.newActivation({ serviceId: 'facebook', countryId: 'us' });
    const error = await expectRefusal(client.updateActivation(leased.id, { status: 'retry' }), 'badState');
    expect(error).toMatchObject({ status: 409, method: 'PUT', path: `/activations/${leased.id}` });
  });

  test('an unknown activation id is 404, and not retried', async () => {
    const before = sandbox.state().requestsByBucket['GET /activations/:id'];
    await expectRefusal(client.getActivation(987_654), 'notFound');
    expect(sandbox.state().requestsByBucket['GET /activations/:id'] - before).toBe(1);
  });

  test('a wrong API key is 401 UnauthorizedException, and not retried', async () => {
    const stranger = createTempNumberClient({
      apiKey: 'not-a-key-123',
      baseUrl: sandbox.apiUrl,
      timeScale: 600,
    });
    const before = sandbox.state().requests;
    const error = await expectRefusal(stranger.getUserBalance(), 'unauthorized');
    expect(error.status).toBe(401);
    expect(error.message).not.toContain('not-a-key-123');
    expect(sandbox.state().requests - before).toBe(1);
  });
});

test('a retry after the number expired is 410 GoneException', async () => {
  // 12 000×: the 1200 s lifetime passes in 100 ms.
  const fast = await startSandbox({ port: 0, apiKeys: [KEY], timeScale: 12_000 });
  try {
    const fastClient = createTempNumberClient({ apiKey: KEY, baseUrl: fast.apiUrl, timeScale: 12_000 });
    const leased = await fastClient.newActivation({ serviceId: 'facebook', countryId: 'us' });
    await fast.deliverSms(String(leased.number), 'code 123456');
    await expect.poll(async () => (await fastClient.getActivation(leased.id)).status).toBe('serviceConsumed');
    const error = await expectRefusal(fastClient.updateActivation(leased.id, { status: 'retry' }), 'gone');
    expect(error.status).toBe(410);
  } finally {
    await fast.close();
  }
});
