import { expect, test } from '@playwright/test';
import { ACTIVATION_STATUSES } from '../../src/providers/tempnumber-v1/wire.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Reply = { status: number; headers: Headers; json: any };
async function call(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { 'x-api-key': 'sandbox' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const payload = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${sandbox.apiUrl}${path}`, { method, headers, body: payload });
  return { status: res.status, headers: res.headers, json: await res.json() };
}
const lease = (sandbox: Sandbox, serviceId = 'facebook', countryId = 'us') =>
  call(sandbox, 'POST', '/activations', { serviceId, countryId });

let sandbox: Sandbox;
test.beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, timeScale: 1000 });
});
test.afterAll(() => sandbox.close());
test.beforeEach(() => sandbox.reset());

test.describe('POST /activations', () => {
  test('answers a full ActivationData in smsRequested, with every field of the spec typed as the PHP client expects', async () => {
    const before = Math.floor(sandbox.now() / 1000);
    const { status, json } = await lease(sandbox, 'facebook', 'us');
    expect(status).toBe(200);
    expect(json).toEqual({
      id: expect.any(Number),
      status: 'smsRequested',
      countryId: 'us',
      countryName: 'United States',
      countryIconPath: expect.any(String),
      serviceId: 'facebook',
      serviceName: 'Facebook',
      serviceIconPath: expect.any(String),
      number: expect.any(Number),
      countryCode: 1,
      formatNumber: expect.stringMatching(/^\+1 \d{3} \d{3} \d{4}$/),
      nationalNumber: expect.any(Number),
      message: '',
      code: '',
      price: 0.45,
      createdAt: expect.any(Number),
      numberExpireAt: expect.any(Number),
      utc: expect.any(Number),
      retryAvailable: false,
      iconBaseUrl: `${sandbox.url}/sandbox/icons/`,
      rating: 0,
      reason: 0,
    });
    expect(Number.isInteger(json.id)).toBe(true);
    expect(String(json.number)).toBe(`1${json.nationalNumber}`);
    expect(String(json.nationalNumber)).toHaveLength(10);
    expect(json.createdAt).toBeGreaterThanOrEqual(before);
    expect(json.numberExpireAt - json.createdAt).toBe(1200);
    expect(json.utc).toBeGreaterThanOrEqual(json.createdAt);
  });

  test('gives two live activations two different numbers and increasing ids', async () => {
    const first = await lease(sandbox);
    const second = await lease(sandbox);
    expect(second.json.id).toBeGreaterThan(first.json.id);
    expect(second.json.number).not.toBe(first.json.number);
  });

  test('answers 400 InvalidRequestParamsException to malformed JSON and to missing or mistyped fields', async () => {
    for (const body of [
      '{"serviceId": "facebook",',
      '[]',
      {},
      { serviceId: 'facebook' },
      { countryId: 'us' },
      { serviceId: 1, countryId: 'us' },
      { serviceId: 'facebook', countryId: 'us', expectedPrice: 'cheap' },
      { serviceId: 'facebook', countryId: 'us', expectedPrice: -1 },
    ]) {
      const { status, json } = await call(sandbox, 'POST', '/activations', body);
      expect({ body, status, errorName: json.errorName }).toEqual({
        body,
        status: 400,
        errorName: 'InvalidRequestParamsException',
      });
      expect(json.errorMessage).toEqual(expect.any(String));
    }
    expect(sandbox.state().activations).toEqual([]);
  });

  test('answers 404 ResourceNotFoundException for an unknown service or country', async () => {
    for (const [s, c] of [
      ['myspace', 'us'],
      ['facebook', 'zz'],
      ['Facebook', 'us'],
    ]) {
      const { status, json } = await lease(sandbox, s, c);
      expect(status).toBe(404);
      expect(json.errorName).toBe('ResourceNotFoundException');
    }
  });

  test('answers 503 ServiceUnavailableException for a known pair that has no numbers right now', async () => {
    const { status, json } = await lease(sandbox, 'whatsapp', 'de');
    expect(status).toBe(503);
    expect(json).toEqual({ errorName: 'ServiceUnavailableException', errorMessage: expect.any(String) });
    expect(sandbox.state().activations).toEqual([]);
  });
});

test.describe('GET /activations/{id}', () => {
  test('answers the same activation with the server time in utc', async () => {
    const leased = (await lease(sandbox)).json;
    const { status, json } = await call(sandbox, 'GET', `/activations/${leased.id}`);
    expect(status).toBe(200);
    expect(json).toEqual({ ...leased, utc: expect.any(Number) });
    expect(json.utc).toBeGreaterThanOrEqual(leased.utc);
  });

  test('answers 404 for an unknown id and 400 for an id that is not a number', async () => {
    const unknown = await call(sandbox, 'GET', '/activations/999999');
    expect([unknown.status, unknown.json.errorName]).toEqual([404, 'ResourceNotFoundException']);
    const bad = await call(sandbox, 'GET', '/activations/abc');
    expect([bad.status, bad.json.errorName]).toEqual([400, 'InvalidRequestParamsException']);
  });
});

test.describe('status transitions', () => {
  test('go smsRequested → smsReceived → retryRequested → retryReceived, with the code extracted from each SMS', async () => {
    const { id, number } = (await lease(sandbox)).json;
    const get = async () => (await call(sandbox, 'GET', `/activations/${id}`)).json;

    await sandbox.deliverSms(`+${number}`, 'Your Facebook code is 482913. Do not share it.');
    expect(await get()).toMatchObject({
      status: 'smsReceived',
      message: 'Your Facebook code is 482913. Do not share it.',
      code: '482913',
      retryAvailable: true,
    });

    expect((await call(sandbox, 'PUT', `/activations/${id}`, { status: 'retry' })).json).toEqual({
      result: 'success',
    });
    // The previous SMS can no longer be read once a retry starts (reference §2).
    expect(await get()).toMatchObject({
      status: 'retryRequested',
      message: '',
      code: '',
      retryAvailable: false,
    });

    await sandbox.deliverSms(String(number), 'FB-7731 is your new code');
    expect(await get()).toMatchObject({
      status: 'retryReceived',
      message: 'FB-7731 is your new code',
      code: '7731',
    });
  });

  test('report an empty code when the SMS has no run of 4 to 8 digits', async () => {
    const { id, number } = (await lease(sandbox)).json;
    await sandbox.deliverSms(String(number), 'Call 123 or visit example.com; ref 1234567890123');
    expect((await call(sandbox, 'GET', `/activations/${id}`)).json).toMatchObject({
      status: 'smsReceived',
      code: '',
    });
  });

  test('end refunded at numberExpireAt when no SMS arrived, without any request arriving', async () => {
    const { id, numberExpireAt } = (await lease(sandbox)).json;
    // 1200 API seconds at 1000× pass in about 1.2 s; the state is read, never the API.
    await expect
      .poll(() => sandbox.state().activations.find((a) => a.id === id)?.status, { timeout: 10_000 })
      .toBe('refunded');
    expect(sandbox.now()).toBeGreaterThanOrEqual(numberExpireAt * 1000);
    const { json } = await call(sandbox, 'GET', `/activations/${id}`);
    expect(json).toMatchObject({ status: 'refunded', retryAvailable: false });
    expect(json.utc).toBeGreaterThanOrEqual(json.numberExpireAt);
  });

  test('end serviceConsumed at numberExpireAt when an SMS arrived, even if a retry was pending', async () => {
    const { id, number } = (await lease(sandbox)).json;
    await sandbox.deliverSms(String(number), 'code 1234');
    await call(sandbox, 'PUT', `/activations/${id}`, { status: 'retry' });
    await expect
      .poll(async () => (await call(sandbox, 'GET', `/activations/${id}`)).json.status, { timeout: 10_000 })
      .toBe('serviceConsumed');
  });

  test('only ever use statuses of the shared status table', async () => {
    const { number } = (await lease(sandbox)).json;
    await lease(sandbox, 'google', 'gb');
    await sandbox.deliverSms(String(number), '5555');
    for (const a of sandbox.state().activations) expect(Object.keys(ACTIVATION_STATUSES)).toContain(a.status);
  });
});

test.describe('GET /activations (history)', () => {
  test('lists the account activations newest first with page, limit, pages and total', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await lease(sandbox, 'other', 'nl')).json.id);
    const first = await call(sandbox, 'GET', '/activations?page=1&limit=2');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ page: 1, limit: 2, pages: 3, total: 5 });
    expect(first.json.activations.map((a: { id: number }) => a.id)).toEqual([ids[4], ids[3]]);
    expect(first.json.activations[0]).toMatchObject({ serviceId: 'other', countryId: 'nl', countryCode: 31 });
    const last = await call(sandbox, 'GET', '/activations?page=3&limit=2');
    expect(last.json.activations.map((a: { id: number }) => a.id)).toEqual([ids[0]]);
    const beyond = await call(sandbox, 'GET', '/activations?page=9&limit=2');
    expect(beyond.json).toMatchObject({ activations: [], page: 9, total: 5 });
  });

  test('defaults to page 1 and limit 10, accepts limit 100 and refuses 101 or garbage with 400', async () => {
    const defaults = await call(sandbox, 'GET', '/activations');
    expect(defaults.json).toEqual({ activations: [], page: 1, limit: 10, pages: 0, total: 0 });
    expect((await call(sandbox, 'GET', '/activations?limit=100')).status).toBe(200);
    for (const query of ['limit=101', 'limit=0', 'limit=ten', 'page=0', 'page=-1']) {
      const { status, json } = await call(sandbox, 'GET', `/activations?${query}`);
      expect({ query, status, errorName: json.errorName }).toEqual({
        query,
        status: 400,
        errorName: 'InvalidRequestParamsException',
      });
    }
  });
});
