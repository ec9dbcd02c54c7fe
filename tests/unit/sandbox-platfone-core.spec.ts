/**
 * The Platfone dialect on a manual clock, without HTTP: the exact instants its time rules turn
 * (cancel at `cancelable_after`, the order's lifetime, expiry), and how `createSandboxCore`
 * validates the options that pick it.
 */
import { expect, test } from '@playwright/test';
import { createManualClock } from '../../src/limits/clock.ts';
import { createSandboxCore, PLATFONE_SANDBOX_RULES } from '../../src/sandbox/index.ts';

const START_MS = 1_700_000_000_000;

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Json = any;

function setup(cancelableAfterMs?: number | null) {
  const clock = createManualClock(0);
  const core = createSandboxCore({
    api: 'platfone',
    clock,
    startMs: START_MS,
    firstActivationId: 1,
    ...(cancelableAfterMs === undefined ? {} : { cancelableAfterMs }),
  });
  const call = (method: string, path: string, body?: unknown) => {
    const response = core.handle({
      method,
      url: `/api/v1${path}`,
      headers: { 'x-api-key': 'sandbox' },
      body: body === undefined ? '' : JSON.stringify(body),
    });
    if (response.kind !== 'reply') throw new Error(response.kind);
    const json: Json = response.body === '' ? null : JSON.parse(response.body);
    return { status: response.status, json };
  };
  return { clock, core, call };
}

test('cancel turns allowed exactly at cancelable_after, one API millisecond earlier it is refused', () => {
  const { clock, call } = setup(30_000);
  const leased = call('POST', '/activation', { service_id: 'whatsapp', country_id: 'us' }).json;
  expect(leased.cancelable_after).toBe(START_MS / 1000 + 30);
  clock.set(30_000 - 1);
  expect(call('PUT', '/activation/1/cancel').status).toBe(409);
  clock.set(30_000);
  expect(call('PUT', '/activation/1/cancel')).toEqual({ status: 200, json: { result: 'success' } });
});

test('an orderId holds its price for PLATFONE_SANDBOX_RULES.orderTtlMs, then is "Order not found"', () => {
  const { clock, call } = setup();
  const conflict = call('POST', '/activation', {
    service_id: 'whatsapp',
    country_id: 'us',
    max_price: 1,
  }).json;
  clock.set(PLATFONE_SANDBOX_RULES.orderTtlMs);
  const late = call('POST', '/activation', {
    service_id: 'whatsapp',
    country_id: 'us',
    max_price: conflict.suggestedPrice,
    order_id: conflict.orderId,
  });
  expect(late).toEqual({
    status: 404,
    json: { errorName: 'ResourceNotFoundException', errorMessage: 'Order not found' },
  });
});

test('at expire_at an activation without an SMS is expired and released, its price back in total', () => {
  const { clock, call } = setup();
  const leased = call('POST', '/activation', { service_id: 'whatsapp', country_id: 'us' }).json;
  clock.set((leased.expire_at - START_MS / 1000) * 1000 - 1);
  expect(call('GET', '/activation/1').json.activation_status).toBe('active');
  clock.set((leased.expire_at - START_MS / 1000) * 1000);
  expect(call('GET', '/activation/1').json).toMatchObject({
    activation_status: 'expired',
    billing_status: 'released',
    cancelable_after: null,
  });
  expect(call('GET', '/user/balance').json).toEqual({ total: 100_000, reserved: 0 });
});

test('createSandboxCore refuses an unknown api, a negative cancel delay, and a cancel delay for v1', () => {
  // biome-ignore lint/suspicious/noExplicitAny: an unknown name from untyped callers.
  expect(() => createSandboxCore({ api: 'sms-activate' as any })).toThrow(/`api`.*tempnumber-v1, platfone/);
  expect(() => createSandboxCore({ api: 'platfone', cancelableAfterMs: -1 })).toThrow(/cancelableAfterMs/);
  expect(() => createSandboxCore({ cancelableAfterMs: 1000 })).toThrow(/applies to `api: "platfone"` only/);
  expect(() => createSandboxCore({ api: 'platfone', cancelableAfterMs: null })).not.toThrow();
});
