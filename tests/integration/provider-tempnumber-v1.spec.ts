/**
 * The v1 provider against the real local sandbox: every operation of the seam, in neutral terms,
 * end to end over HTTP — lease, read, an SMS through the sandbox's carrier, retry, release both
 * ways (nothing on the wire; the money verdict arrives at expiry), history, balance, prices and
 * refusals by family.
 */
import { expect, test } from '@playwright/test';
import { ACTIVATION_STATES, createProvider, type SmsProvider } from '../../src/providers/index.ts';
import { ApiError, PriceChangedError } from '../../src/providers/tempnumber-v1/index.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

const KEY = 'provider-key-7c1d93';
// 120×: a number lives 10 s of real time — long enough for each step to be far from its
// expiry, short enough to watch both releases end.
const TIME_SCALE = 120;

let sandbox: Sandbox;
let provider: SmsProvider;

test.beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, apiKeys: [KEY], balance: 100, timeScale: TIME_SCALE });
  provider = createProvider('tempnumber-v1', { apiKey: KEY, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
});
test.afterAll(async () => sandbox.close());
test.beforeEach(() => sandbox.reset());

/** The call must fail with an ApiError whose family is `family`, as the provider's table names it. */
async function expectFamily(call: Promise<unknown>, family: ApiError['family']): Promise<ApiError> {
  const error = await call.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  const refusal = error as ApiError;
  expect(refusal.family).toBe(family);
  expect(provider.errorFamilies[refusal.errorName]).toBe(family);
  return refusal;
}

test('a lease answers a neutral activation: text id, +E.164 number, USD price, API-clock times', async () => {
  const leased = await provider.lease({ service: 'facebook', country: 'us', maxPriceUsd: 0.5 });
  expect(leased).toMatchObject({
    state: 'waitingForSms',
    wireStatus: 'smsRequested',
    service: 'facebook',
    country: 'us',
    priceUsd: 0.45,
    sms: undefined,
    retryAvailable: false,
    cancelableAtMs: undefined,
  });
  expect(leased.id).toMatch(/^[1-9]\d*$/);
  expect(leased.number).toMatch(/^\+1\d{10}$/);
  expect(leased.expiresAtMs! - leased.createdAtMs!).toBe(1_200_000);
  expect(leased.serverNowMs! - leased.createdAtMs!).toBeGreaterThanOrEqual(0);
  const wire = sandbox.state().activations.find((a) => String(a.id) === leased.id);
  expect(`+${wire?.number}`).toBe(leased.number);
  expect((await provider.balance()).availableUsd).toBeCloseTo(99.55, 5);
});

test('an SMS through the carrier shows as smsReceived with its text and code; a retry hides it', async () => {
  const leased = await provider.lease({ service: 'facebook', country: 'us' });
  await sandbox.deliverSms(leased.number, 'Your Facebook code is 482913');
  const received = await provider.read(leased.id);
  expect(received).toMatchObject({
    id: leased.id,
    state: 'smsReceived',
    wireStatus: 'smsReceived',
    sms: { text: 'Your Facebook code is 482913', code: '482913' },
    retryAvailable: true,
  });
  expect(ACTIVATION_STATES[received.state].hasSms).toBe(true);

  await provider.retry(leased.id);
  const retried = await provider.read(leased.id);
  expect(retried).toMatchObject({ state: 'waitingForNextSms', sms: undefined });
  expect(ACTIVATION_STATES[retried.state]).toMatchObject({ waiting: true, delivered: true });

  await sandbox.deliverSms(leased.number, 'Your Facebook code is 100200');
  expect(await provider.read(leased.id)).toMatchObject({
    state: 'smsReceived',
    wireStatus: 'retryReceived',
    sms: { code: '100200' },
  });
});

test('release sends nothing in v1: cancel refunds at expiry, finalize ends billed at expiry', async () => {
  const noSms = await provider.lease({ service: 'facebook', country: 'us' });
  const withSms = await provider.lease({ service: 'twitter', country: 'gb' });
  await sandbox.deliverSms(withSms.number, 'code 556677');
  const before = sandbox.state().requests;

  expect(await provider.cancel(noSms.id)).toEqual({ kind: 'runsToExpiry' });
  expect(await provider.finalize(withSms.id)).toEqual({ kind: 'runsToExpiry' });
  expect(sandbox.state().requests).toBe(before);
  expect(provider.capabilities).toMatchObject({ cancel: false, finalize: false });

  // The money verdict comes with the final state, at expiry (10 s real at this scale).
  await expect.poll(async () => (await provider.read(noSms.id)).state, { timeout: 60_000 }).toBe('refunded');
  await expect
    .poll(async () => (await provider.read(withSms.id)).state, { timeout: 60_000 })
    .toBe('finalized');
  expect(ACTIVATION_STATES.refunded.refunded).toBe(true);
  expect(ACTIVATION_STATES.finalized.refunded).toBe(false);
  // The refund is real: only the SMS-bearing number stays paid for.
  const twitterGb = (await provider.price('twitter', 'gb'))!.priceUsd;
  expect((await provider.balance()).availableUsd).toBeCloseTo(100 - twitterGb, 5);
});

test('history pages the account newest first, in neutral terms', async () => {
  const first = await provider.lease({ service: 'facebook', country: 'us' });
  const second = await provider.lease({ service: 'twitter', country: 'gb' });
  const page = await provider.history({ page: 1, limit: 10 });
  expect(page.activations.map((a) => a.id)).toEqual([second.id, first.id]);
  expect(page).toMatchObject({ page: 1, total: 2 });
  expect(page.activations[0]).toMatchObject({ service: 'twitter', country: 'gb', state: 'waitingForSms' });
  expect(page.activations[0]?.createdAtMs).toBeDefined();
  expect(page.activations[0]?.serverNowMs).toBeDefined();
});

test('balance is USD available and held', async () => {
  sandbox.setBalance(KEY, 12.5);
  expect(await provider.balance()).toEqual({ availableUsd: 12.5, heldUsd: 0 });
});

test('price quotes one pair live; the price list holds every pair', async () => {
  expect(await provider.price('facebook', 'us')).toMatchObject({
    service: 'facebook',
    country: 'us',
    priceUsd: 0.45,
    available: true,
  });
  expect((await provider.price('whatsapp', 'de'))?.available).toBe(false);
  await expectFamily(provider.price('myspace', 'us'), 'notFound');
  sandbox.setPrice('facebook', 'us', 0.7);
  expect((await provider.price('facebook', 'us'))?.priceUsd).toBe(0.7);
  expect(await provider.priceList()).toContainEqual({ service: 'facebook', country: 'us', priceUsd: 0.7 });
});

test('refusals keep their family: price above the max, no numbers, no money, retry before an SMS', async () => {
  sandbox.setPrice('facebook', 'us', 0.7);
  const priced = await expectFamily(
    provider.lease({ service: 'facebook', country: 'us', maxPriceUsd: 0.5 }),
    'priceChanged',
  );
  expect(priced).toBeInstanceOf(PriceChangedError);
  expect(priced.newPrice).toBe(0.7);
  await expectFamily(provider.lease({ service: 'whatsapp', country: 'de' }), 'serviceUnavailable');
  sandbox.setBalance(KEY, 0.1);
  await expectFamily(provider.lease({ service: 'twitter', country: 'gb' }), 'paymentRequired');
  sandbox.setBalance(KEY, 100);
  const leased = await provider.lease({ service: 'twitter', country: 'gb' });
  await expectFamily(provider.retry(leased.id), 'badState');
  await expectFamily(provider.read('987654'), 'notFound');
});
