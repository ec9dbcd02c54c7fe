/**
 * The Platfone dialect of the sandbox (`startSandbox({ api: 'platfone' })`) held to the reference
 * `platfone-activation-api.md`: paths, `X-Api-Key`, the Activation object, the three status fields
 * and their transitions, cents, the 409 price conflict, the error names and statuses, the caps and
 * the delivery rule — over real HTTP. Choices where the reference is silent: decision 0019.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { PLATFONE_SANDBOX_RULES, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Reply = { status: number; headers: Headers; text: string; json: any };
async function call(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const all: Record<string, string> = { 'X-Api-Key': 'sandbox', ...headers };
  if (body !== undefined) all['content-type'] = 'application/json';
  const payload = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${sandbox.apiUrl}${path}`, { method, headers: all, body: payload });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text === '' ? null : JSON.parse(text) };
}
const order = (sandbox: Sandbox, fields: Record<string, unknown> = {}) =>
  call(sandbox, 'POST', '/activation', { service_id: 'whatsapp', country_id: 'us', ...fields });
const get = (sandbox: Sandbox, id: string) => call(sandbox, 'GET', `/activation/${id}`);
const put = (sandbox: Sandbox, id: string, action: 'cancel' | 'retry' | 'finalize') =>
  call(sandbox, 'PUT', `/activation/${id}/${action}`);
const balance = async (sandbox: Sandbox) => (await call(sandbox, 'GET', '/user/balance')).json;
/** Real ms until the sandbox's API clock reaches `unixS` (plus a little). */
const realMsUntil = (sandbox: Sandbox, unixS: number, timeScale: number) =>
  Math.max(0, (unixS * 1000 - sandbox.now()) / timeScale) + 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** WhatsApp in the US: 1.25 USD in the seeded catalog, i.e. 125 cents. */
const PRICE_CENTS = 125;
/** At 100× a 60 s cancel delay is 0.6 s and the 1200 s lifetime 12 s of real time. */
const TIME_SCALE = 100;
const CANCELABLE_AFTER_MS = 60_000;

let sandbox: Sandbox;
test.beforeAll(async () => {
  sandbox = await startSandbox({
    api: 'platfone',
    port: 0,
    timeScale: TIME_SCALE,
    cancelableAfterMs: CANCELABLE_AFTER_MS,
  });
});
test.afterAll(() => sandbox.close());
test.beforeEach(() => sandbox.reset());

test.describe('ordering and reading an activation', () => {
  test('POST /activation answers an Activation: string id, phone without +, cents, active/smsRequested/reserved', async () => {
    const before = Math.floor(sandbox.now() / 1000);
    const { status, json } = await order(sandbox, { quality_factor: 50 });
    expect(status).toBe(200);
    expect(json).toEqual({
      activation_id: expect.stringMatching(/^\d+$/),
      phone: expect.stringMatching(/^1\d{10}$/),
      country_id: 'us',
      service_id: 'whatsapp',
      activation_status: 'active',
      sms_status: 'smsRequested',
      billing_status: 'reserved',
      report_status: null,
      sms_code: null,
      sms_text: null,
      price: PRICE_CENTS,
      expire_at: json.created_at + 1200,
      created_at: expect.any(Number),
      updated_at: json.created_at,
      is_retriable: false,
      cancelable_after: json.created_at + CANCELABLE_AFTER_MS / 1000,
    });
    expect(json.created_at).toBeGreaterThanOrEqual(before);
    expect((await get(sandbox, json.activation_id)).json).toEqual(json);
  });

  test('the carrier delivers an SMS: smsReceived, billed, code and text, retriable; reserved becomes spent', async () => {
    const start = await balance(sandbox);
    expect(start).toEqual({ total: 100_000, reserved: 0 });
    const leased = (await order(sandbox)).json;
    expect(await balance(sandbox)).toEqual({ total: 100_000, reserved: PRICE_CENTS });

    await sandbox.deliverSms(`+${leased.phone}`, 'Your WhatsApp code is 482913');
    const { json } = await get(sandbox, leased.activation_id);
    expect(json).toMatchObject({
      activation_status: 'active',
      sms_status: 'smsReceived',
      billing_status: 'billed',
      sms_code: '482913',
      sms_text: 'Your WhatsApp code is 482913',
      is_retriable: true,
    });
    expect(json.updated_at).toBeGreaterThanOrEqual(leased.updated_at);
    expect(await balance(sandbox)).toEqual({ total: 100_000 - PRICE_CENTS, reserved: 0 });
  });

  test('answers 400 InvalidRequestParamsException to bad bodies, and creates nothing', async () => {
    for (const body of [
      '{"service_id": "whatsapp",',
      '[]',
      {},
      { service_id: 'whatsapp' },
      { country_id: 'us' },
      { serviceId: 'whatsapp', countryId: 'us' },
      { service_id: 'whatsapp', country_id: 'us', max_price: 1.25 },
      { service_id: 'whatsapp', country_id: 'us', max_price: -1 },
      { service_id: 'whatsapp', country_id: 'us', quality_factor: 101 },
      { service_id: 'whatsapp', country_id: 'us', order_id: 7 },
    ]) {
      const { status, json } = await call(sandbox, 'POST', '/activation', body);
      expect({ body, status, errorName: json.errorName }).toEqual({
        body,
        status: 400,
        errorName: 'InvalidRequestParamsException',
      });
      expect(json.errorMessage).toEqual(expect.any(String));
    }
    expect(sandbox.state().activations).toEqual([]);
  });

  test('answers 404 NoNumbersAvailableException for a listed pair without numbers, 404 for unknown ids', async () => {
    const none = await order(sandbox, { country_id: 'de' });
    expect(none.status).toBe(404);
    expect(none.json).toEqual({ errorName: 'NoNumbersAvailableException', errorMessage: expect.any(String) });
    const unknown = await order(sandbox, { service_id: 'myspace' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.errorName).toBe('ResourceNotFoundException');
    expect((await get(sandbox, '12345')).status).toBe(404);
    expect((await get(sandbox, 'not-an-id')).status).toBe(404);
    expect(sandbox.state().activations).toEqual([]);
  });

  test('another account cannot see, cancel or finalize the activation (404 as for an unknown id)', async () => {
    const other = await startSandbox({ api: 'platfone', port: 0, apiKeys: ['a', 'b'] });
    try {
      const leased = (
        await call(
          other,
          'POST',
          '/activation',
          { service_id: 'whatsapp', country_id: 'us' },
          { 'X-Api-Key': 'a' },
        )
      ).json;
      for (const [method, path] of [
        ['GET', `/activation/${leased.activation_id}`],
        ['PUT', `/activation/${leased.activation_id}/cancel`],
        ['PUT', `/activation/${leased.activation_id}/finalize`],
      ] as const) {
        expect((await call(other, method, path, undefined, { 'X-Api-Key': 'b' })).status).toBe(404);
      }
    } finally {
      await other.close();
    }
  });

  test('an unknown or missing X-Api-Key is 401 UnauthorizedException', async () => {
    for (const headers of [{ 'X-Api-Key': 'wrong' }, { 'X-Api-Key': '' }]) {
      const { status, json } = await call(sandbox, 'GET', '/user/balance', undefined, headers);
      expect(status).toBe(401);
      expect(json).toEqual({ errorName: 'UnauthorizedException', errorMessage: expect.any(String) });
    }
    const bare = await fetch(`${sandbox.apiUrl}/user/balance`);
    expect(bare.status).toBe(401);
  });

  test('the v1 paths are not served: /activations POST is 404', async () => {
    const v1 = await call(sandbox, 'POST', '/activations', { serviceId: 'whatsapp', countryId: 'us' });
    expect(v1.status).toBe(404);
    expect(v1.json.errorName).toBe('ResourceNotFoundException');
  });
});

test.describe('cancel', () => {
  test('is refused before cancelable_after, and after it ends the activation and refunds the reserved price at once', async () => {
    const leased = (await order(sandbox)).json;
    const early = await put(sandbox, leased.activation_id, 'cancel');
    expect(early.status).toBe(409);
    expect(early.json).toEqual({ errorName: 'ResourceBadStateException', errorMessage: expect.any(String) });
    expect((await get(sandbox, leased.activation_id)).json.activation_status).toBe('active');

    await sleep(realMsUntil(sandbox, leased.cancelable_after, TIME_SCALE));
    const done = await put(sandbox, leased.activation_id, 'cancel');
    expect(done).toMatchObject({ status: 200, json: { result: 'success' } });
    expect((await get(sandbox, leased.activation_id)).json).toMatchObject({
      activation_status: 'canceled',
      sms_status: 'smsRequested',
      billing_status: 'released',
      cancelable_after: null,
      is_retriable: false,
    });
    expect(await balance(sandbox)).toEqual({ total: 100_000, reserved: 0 });
    // Ended: the number takes no SMS and a second cancel is 410.
    await expect(sandbox.deliverSms(leased.phone, 'code 1234')).rejects.toThrow(/No activation is waiting/);
    const again = await put(sandbox, leased.activation_id, 'cancel');
    expect(again.status).toBe(410);
    expect(again.json.errorName).toBe('GoneException');
  });

  test('is refused after an SMS (finalize instead): 409, still billed', async () => {
    const leased = (await order(sandbox)).json;
    await sandbox.deliverSms(leased.phone, 'code 5555');
    await sleep(realMsUntil(sandbox, leased.cancelable_after, TIME_SCALE));
    const refused = await put(sandbox, leased.activation_id, 'cancel');
    expect(refused.status).toBe(409);
    expect(refused.json.errorName).toBe('ResourceBadStateException');
    expect((await get(sandbox, leased.activation_id)).json.billing_status).toBe('billed');
  });

  test('cancelableAfterMs null: cancelable_after is null and cancel is always refused', async () => {
    const noCancel = await startSandbox({ api: 'platfone', port: 0, cancelableAfterMs: null });
    try {
      const leased = (await order(noCancel)).json;
      expect(leased.cancelable_after).toBeNull();
      const refused = await put(noCancel, leased.activation_id, 'cancel');
      expect(refused.status).toBe(409);
      expect(refused.json.errorName).toBe('ResourceBadStateException');
    } finally {
      await noCancel.close();
    }
  });

  test('the default delay is PLATFONE_SANDBOX_RULES.cancelableAfterMs', async () => {
    const plain = await startSandbox({ api: 'platfone', port: 0 });
    try {
      const leased = (await order(plain)).json;
      expect(leased.cancelable_after - leased.created_at).toBe(
        PLATFONE_SANDBOX_RULES.cancelableAfterMs / 1000,
      );
    } finally {
      await plain.close();
    }
  });
});

test.describe('finalize and retry', () => {
  test('finalize is refused before an SMS, and after one ends the activation billed, with no refund', async () => {
    const leased = (await order(sandbox)).json;
    const early = await put(sandbox, leased.activation_id, 'finalize');
    expect(early.status).toBe(409);
    expect(early.json.errorName).toBe('ResourceBadStateException');

    await sandbox.deliverSms(leased.phone, 'code 7777');
    expect(await put(sandbox, leased.activation_id, 'finalize')).toMatchObject({
      status: 200,
      json: { result: 'success' },
    });
    expect((await get(sandbox, leased.activation_id)).json).toMatchObject({
      activation_status: 'finalized',
      sms_status: 'smsReceived',
      billing_status: 'billed',
      sms_code: '7777',
      is_retriable: false,
      cancelable_after: null,
    });
    expect(await balance(sandbox)).toEqual({ total: 100_000 - PRICE_CENTS, reserved: 0 });
    expect((await call(sandbox, 'GET', '/activations?with_data=true')).json).toEqual([]);
    for (const action of ['retry', 'finalize', 'cancel'] as const) {
      const gone = await put(sandbox, leased.activation_id, action);
      expect({ action, status: gone.status, name: gone.json.errorName }).toEqual({
        action,
        status: 410,
        name: 'GoneException',
      });
    }
  });

  test('retry: refused before an SMS; after one it waits again (retryRequested, no code) and the next SMS is retryReceived; free', async () => {
    const leased = (await order(sandbox)).json;
    const early = await put(sandbox, leased.activation_id, 'retry');
    expect(early.status).toBe(409);
    expect(early.json.errorName).toBe('ResourceBadStateException');

    await sandbox.deliverSms(leased.phone, 'first code 1111');
    const spent = await balance(sandbox);
    expect(await put(sandbox, leased.activation_id, 'retry')).toMatchObject({
      status: 200,
      json: { result: 'success' },
    });
    expect((await get(sandbox, leased.activation_id)).json).toMatchObject({
      activation_status: 'active',
      sms_status: 'retryRequested',
      billing_status: 'billed',
      sms_code: null,
      sms_text: null,
      is_retriable: false,
    });
    expect((await put(sandbox, leased.activation_id, 'retry')).status).toBe(409);

    await sandbox.deliverSms(leased.phone, 'second code 2222');
    expect((await get(sandbox, leased.activation_id)).json).toMatchObject({
      sms_status: 'retryReceived',
      sms_code: '2222',
      sms_text: 'second code 2222',
      is_retriable: true,
    });
    expect(await balance(sandbox)).toEqual(spent);
  });
});

test.describe('max_price and order_id', () => {
  test('a market price above max_price is 409 MaxPriceExceededException with suggestedPrice and orderId; nothing is created', async () => {
    const { status, json } = await order(sandbox, { max_price: PRICE_CENTS - 1 });
    expect(status).toBe(409);
    expect(json).toEqual({
      errorName: 'MaxPriceExceededException',
      errorMessage: expect.any(String),
      suggestedPrice: PRICE_CENTS,
      orderId: expect.any(String),
    });
    expect(sandbox.state().activations).toEqual([]);
    expect(await balance(sandbox)).toEqual({ total: 100_000, reserved: 0 });
  });

  test('re-ordering with the suggested max_price and the orderId succeeds at the quoted price, even if the market moved; the order is used up', async () => {
    const conflict = (await order(sandbox, { max_price: 100 })).json;
    sandbox.setPrice('whatsapp', 'us', 3);
    const { status, json } = await order(sandbox, {
      max_price: conflict.suggestedPrice,
      order_id: conflict.orderId,
    });
    expect(status).toBe(200);
    expect(json.price).toBe(PRICE_CENTS);
    expect(await balance(sandbox)).toEqual({ total: 100_000, reserved: PRICE_CENTS });

    const reused = await order(sandbox, { max_price: conflict.suggestedPrice, order_id: conflict.orderId });
    expect(reused.status).toBe(404);
    expect(reused.json).toEqual({ errorName: 'ResourceNotFoundException', errorMessage: 'Order not found' });
  });

  test('an unknown order_id, or one for another pair, is 404 "Order not found"', async () => {
    const conflict = (await order(sandbox, { max_price: 1 })).json;
    for (const fields of [
      { order_id: 'order-that-never-was', max_price: 1000 },
      { order_id: conflict.orderId, max_price: 1000, service_id: 'telegram' },
    ]) {
      const { status, json } = await order(sandbox, fields);
      expect({ status, message: json.errorMessage }).toEqual({ status: 404, message: 'Order not found' });
    }
  });

  test('without max_price the market price is taken; not enough funds is 402 PaymentRequiredException', async () => {
    sandbox.setBalance('sandbox', 1);
    const { status, json } = await order(sandbox);
    expect(status).toBe(402);
    expect(json).toEqual({ errorName: 'PaymentRequiredException', errorMessage: expect.any(String) });
  });
});

test.describe('account rules', () => {
  test(`at most ${PLATFONE_SANDBOX_RULES.activeCap} active activations: the next is 429 TooManyActivationsException until one ends`, async () => {
    const leased = [];
    for (let i = 0; i < PLATFONE_SANDBOX_RULES.activeCap; i++) {
      const { status, json } = await order(sandbox, {
        service_id: ['whatsapp', 'telegram', 'google'][i % 3],
      });
      expect(status).toBe(200);
      leased.push(json);
    }
    // An SMS does not free a slot: the activation is still active.
    await sandbox.deliverSms(leased[0].phone, 'code 3141');
    const capped = await order(sandbox, { service_id: 'facebook' });
    expect(capped.status).toBe(429);
    expect(capped.json).toEqual({
      errorName: 'TooManyActivationsException',
      errorMessage: expect.any(String),
    });

    await put(sandbox, leased[0].activation_id, 'finalize');
    expect((await order(sandbox, { service_id: 'facebook' })).status).toBe(200);
  });

  test('the delivery rule counts from the 10th number: 10 without an SMS block the pair (429 LowSuccessRateException), not others', async () => {
    const rule = PLATFONE_SANDBOX_RULES.deliveryRule;
    const leased = [];
    for (let i = 0; i < rule.minActivations; i++)
      leased.push((await order(sandbox, { service_id: 'telegram' })).json);
    expect(leased.every((a) => a.activation_status === 'active')).toBe(true);

    const blocked = await order(sandbox, { service_id: 'telegram' });
    expect(blocked.status).toBe(429);
    expect(blocked.json).toEqual({ errorName: 'LowSuccessRateException', errorMessage: expect.any(String) });
    // When the block ends, as unix seconds: 24 h of API time from now.
    const resetS = Number(blocked.headers.get('x-ratelimit-reset'));
    expect(Math.abs(resetS * 1000 - (sandbox.now() + rule.blockMs))).toBeLessThan(60_000);
    expect((await order(sandbox, { service_id: 'telegram', country_id: 'gb' })).status).toBe(200);
    expect((await order(sandbox, { service_id: 'google' })).status).toBe(200);

    // The block holds for its 24 h even when the rate recovers meanwhile.
    await sandbox.deliverSms(leased[0].phone, 'late code 9090');
    expect((await order(sandbox, { service_id: 'telegram' })).json.errorName).toBe('LowSuccessRateException');
  });

  test('one number in 10 with an SMS (10 %) keeps the pair open', async () => {
    const first = (await order(sandbox, { service_id: 'telegram' })).json;
    await sandbox.deliverSms(first.phone, 'code 2024');
    for (let i = 1; i < 10; i++) expect((await order(sandbox, { service_id: 'telegram' })).status).toBe(200);
    expect((await order(sandbox, { service_id: 'telegram' })).status).toBe(200);
  });

  test('nine numbers without an SMS are never judged: the 10th is still served', async () => {
    for (let i = 0; i < 9; i++) expect((await order(sandbox, { service_id: 'google' })).status).toBe(200);
    expect((await order(sandbox, { service_id: 'google' })).status).toBe(200);
    expect((await order(sandbox, { service_id: 'google' })).json.errorName).toBe('LowSuccessRateException');
  });

  test('per-endpoint limits answer 429 TooManyRequestsException (GET /user/balance: 10 a minute)', async () => {
    const slow = await startSandbox({ api: 'platfone', port: 0 });
    try {
      for (let i = 0; i < 10; i++) expect((await call(slow, 'GET', '/user/balance')).status).toBe(200);
      const limited = await call(slow, 'GET', '/user/balance');
      expect(limited.status).toBe(429);
      expect(limited.json).toEqual({
        errorName: 'TooManyRequestsException',
        errorMessage: expect.any(String),
      });
      expect(slow.state().rateLimited).toBe(1);
      // Buckets are per endpoint.
      expect((await call(slow, 'GET', '/activations')).status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});

test.describe('on a fast clock', () => {
  test('expiry without an SMS releases the reservation; with one it stays billed; both lose cancelable_after', async () => {
    const fast = await startSandbox({ api: 'platfone', port: 0, timeScale: 10_000 });
    try {
      const silent = (await order(fast)).json;
      const answered = (await order(fast, { service_id: 'telegram' })).json;
      await fast.deliverSms(answered.phone, 'code 8080');
      await sleep(realMsUntil(fast, silent.expire_at, 10_000));
      expect((await get(fast, silent.activation_id)).json).toMatchObject({
        activation_status: 'expired',
        sms_status: 'smsRequested',
        billing_status: 'released',
        cancelable_after: null,
        updated_at: silent.expire_at,
      });
      expect((await get(fast, answered.activation_id)).json).toMatchObject({
        activation_status: 'expired',
        sms_status: 'smsReceived',
        billing_status: 'billed',
        sms_code: '8080',
        cancelable_after: null,
      });
      expect(await balance(fast)).toEqual({ total: 100_000 - 110, reserved: 0 });
      expect((await put(fast, silent.activation_id, 'cancel')).json.errorName).toBe('GoneException');
    } finally {
      await fast.close();
    }
  });

  test('a delivery-rule block ends after 24 h of API time', async () => {
    const fast = await startSandbox({ api: 'platfone', port: 0, timeScale: 100_000 });
    try {
      for (let i = 0; i < 10; i++) expect((await order(fast, { service_id: 'telegram' })).status).toBe(200);
      const blocked = await order(fast, { service_id: 'telegram' });
      expect(blocked.json.errorName).toBe('LowSuccessRateException');
      await sleep(realMsUntil(fast, Number(blocked.headers.get('x-ratelimit-reset')), 100_000));
      expect((await order(fast, { service_id: 'telegram' })).status).toBe(200);
    } finally {
      await fast.close();
    }
  });
});

test.describe('lists, balance and catalog', () => {
  test('GET /activations lists the active ones; /activation/history pages every one newest first, exclude_active drops live ones', async () => {
    const a = (await order(sandbox)).json;
    const b = (await order(sandbox, { service_id: 'telegram' })).json;
    await sandbox.deliverSms(b.phone, 'code 4242');
    await put(sandbox, b.activation_id, 'finalize');

    const active = (await call(sandbox, 'GET', '/activations?with_data=true')).json;
    expect(active.map((x: { activation_id: string }) => x.activation_id)).toEqual([a.activation_id]);

    const page = (await call(sandbox, 'GET', '/activation/history?page=1&limit=1')).json;
    expect(page).toEqual({
      activations: [expect.objectContaining({ activation_id: b.activation_id })],
      page: 1,
      limit: 1,
      pages: 2,
      total: 2,
    });
    const ended = (await call(sandbox, 'GET', '/activation/history?exclude_active=true')).json;
    expect(ended).toMatchObject({
      total: 1,
      activations: [{ activation_id: b.activation_id, activation_status: 'finalized' }],
    });
    expect((await call(sandbox, 'GET', '/activation/history?limit=101')).status).toBe(400);
  });

  test('countries and services carry x-etag; If-None-Match with it answers 304 with no body', async () => {
    for (const path of ['/activation/countries', '/activation/services']) {
      const first = await call(sandbox, 'GET', path);
      expect(first.status).toBe(200);
      const etag = first.headers.get('x-etag') as string;
      expect(etag).toEqual(expect.any(String));
      const unchanged = await call(sandbox, 'GET', path, undefined, { 'If-None-Match': etag });
      expect({ status: unchanged.status, text: unchanged.text }).toEqual({ status: 304, text: '' });
      const stale = await call(sandbox, 'GET', path, undefined, { 'If-None-Match': '"stale"' });
      expect(stale.status).toBe(200);
      expect(stale.headers.get('x-etag')).toBe(etag);
    }
    const countries = (await call(sandbox, 'GET', '/activation/countries')).json;
    expect(countries).toContainEqual({
      country_id: 'us',
      name: 'United States',
      alt_name: expect.any(String),
      codes: ['1'],
    });
    const services = (await call(sandbox, 'GET', '/activation/services')).json;
    expect(services).toContainEqual({
      service_id: 'whatsapp',
      name: 'WhatsApp',
      alt_name: expect.any(String),
      has_description: true,
      has_warning: true,
      prohibited: false,
    });
  });

  test('the price of a pair is in cents, follows price changes, and says count 0 where there are no numbers', async () => {
    const path = '/activation/prices/services/whatsapp/countries/us';
    expect((await call(sandbox, 'GET', path)).json).toEqual({
      price: { min: PRICE_CENTS, max: PRICE_CENTS, suggested: PRICE_CENTS },
      quality: { avg: expect.any(Number) },
      count: expect.any(Number),
    });
    sandbox.setPrice('whatsapp', 'us', 2.5);
    expect((await call(sandbox, 'GET', path)).json.price.suggested).toBe(250);
    expect((await call(sandbox, 'GET', '/activation/prices/services/whatsapp/countries/de')).json.count).toBe(
      0,
    );
    expect((await call(sandbox, 'GET', '/activation/prices/services/whatsapp/countries/zz')).status).toBe(
      404,
    );
    const byService = (await call(sandbox, 'GET', '/activation/prices/services?service_id=whatsapp')).json;
    expect(byService).toHaveLength(1);
    expect(byService[0].countries).toContainEqual({
      country_id: 'us',
      price: 250,
      quality: expect.any(Number),
      count: expect.any(Number),
    });
  });
});

test.describe('the shared control surface', () => {
  test('faults apply as for v1: an injected error is 503 ServiceUnavailableException; a dropped order still holds its number', async () => {
    sandbox.setFaults({ errorRate: 1 });
    const failed = await order(sandbox);
    expect(failed.status).toBe(503);
    expect(failed.json.errorName).toBe('ServiceUnavailableException');
    expect(sandbox.state().activations).toEqual([]);

    sandbox.setFaults({ dropRate: 1 });
    await expect(order(sandbox)).rejects.toThrow();
    sandbox.setFaults({});
    const [held] = (await call(sandbox, 'GET', '/activations')).json;
    expect(held).toMatchObject({ activation_status: 'active', billing_status: 'reserved' });
  });

  test('a held order is carried out after the client gave up; a malformed answer is a 200 that is not JSON', async () => {
    sandbox.setFaults({ holdMs: 300 });
    await expect(
      fetch(`${sandbox.apiUrl}/activation`, {
        method: 'POST',
        headers: { 'X-Api-Key': 'sandbox', 'content-type': 'application/json' },
        body: JSON.stringify({ service_id: 'whatsapp', country_id: 'us' }),
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow();
    expect(sandbox.state().activations).toEqual([]);
    await expect.poll(() => sandbox.state().activations.length, { timeout: 5_000 }).toBe(1);

    sandbox.setFaults({ malformedRate: 1 });
    const res = await fetch(`${sandbox.apiUrl}/user/balance`, { headers: { 'X-Api-Key': 'sandbox' } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  test('the carrier (POST /sandbox/sms), the state and the debug page see Platfone activations', async () => {
    const leased = (await order(sandbox)).json;
    const sms = await fetch(`${sandbox.url}/sandbox/sms`, {
      method: 'POST',
      body: JSON.stringify({ to: leased.phone, text: 'code 6060' }),
    });
    expect(await sms.json()).toEqual({ activationId: Number(leased.activation_id) });
    const state = sandbox.state();
    expect(state.activations).toEqual([
      expect.objectContaining({ id: Number(leased.activation_id), code: '6060' }),
    ]);
    expect(state.requestsByBucket).toMatchObject({ 'POST /activation': 1 });
    const page = await (await fetch(`${sandbox.url}/sandbox`)).text();
    expect(page).toContain(leased.activation_id);
    expect(page).toContain('code 6060');
  });
});

test.describe('CLI', () => {
  const ROOT = fileURLToPath(new URL('../..', import.meta.url));
  const READY = /^TempNumber sandbox listening on (http:\/\/127\.0\.0\.1:\d+)$/;
  let child: ChildProcess | undefined;
  test.afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });
  const runCli = (args: string[]) => {
    const spawned = spawn(process.execPath, ['src/cli/main.ts', 'sandbox', ...args], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    child = spawned;
    const out = { stdout: '', stderr: '' };
    spawned.stdout?.on('data', (d) => {
      out.stdout += d;
    });
    spawned.stderr?.on('data', (d) => {
      out.stderr += d;
    });
    const exit = new Promise<number | null>((resolve) => spawned.on('exit', (code) => resolve(code)));
    return { child: spawned, out, exit };
  };

  test('`sandbox --api platfone` starts and serves the Platfone dialect, and exits 0 on SIGTERM', async () => {
    const run = runCli(['--api', 'platfone', '--port', '0', '--cancelable-after-ms', 'none']);
    await expect.poll(() => run.out.stdout.trimEnd(), { timeout: 15_000 }).toMatch(READY);
    const url = READY.exec(run.out.stdout.trimEnd())?.[1] as string;
    const headers = { 'X-Api-Key': 'sandbox', 'content-type': 'application/json' };
    expect(await (await fetch(`${url}/api/v1/user/balance`, { headers })).json()).toEqual({
      total: 100_000,
      reserved: 0,
    });
    const leased = await (
      await fetch(`${url}/api/v1/activation`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ service_id: 'whatsapp', country_id: 'us' }),
      })
    ).json();
    expect(leased).toMatchObject({ activation_status: 'active', cancelable_after: null, price: PRICE_CENTS });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  for (const [args, mentions] of [
    [['--api', 'smsactivate'], '--api'],
    [['--cancelable-after-ms', '1000'], '--api platfone'],
    [['--api', 'platfone', '--cancelable-after-ms', '-1'], '--cancelable-after-ms'],
  ] as const) {
    test(`refuses ${args.join(' ')} with exit code 2`, async () => {
      const run = runCli([...args, '--port', '0']);
      expect(await run.exit).toBe(2);
      expect(run.out.stderr).toContain(mentions);
    });
  }
});
