import { expect, test } from '@playwright/test';
import { createManualClock } from '../../src/limits/clock.ts';
import { createSandboxCore, SANDBOX_RULES, type SandboxCore } from '../../src/sandbox/index.ts';

const START_MS = 1_700_000_000_000;

function setup(options: { timeScale?: number } = {}) {
  const clock = createManualClock(0);
  const core = createSandboxCore({ clock, startMs: START_MS, ...options });
  return { clock, core, call: caller(core) };
}

function caller(core: SandboxCore) {
  return (method: string, path: string, body?: unknown, key = 'sandbox') => {
    const response = core.handle({
      method,
      url: `/api/v1${path}`,
      headers: { 'x-api-key': key },
      body: body === undefined ? '' : JSON.stringify(body),
    });
    if (response.kind !== 'reply') throw new Error(response.kind);
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
    return { status: response.status, json: JSON.parse(response.body) as any };
  };
}

test.describe('the API clock', () => {
  test('runs timeScale times faster than the real clock it is given', () => {
    const { clock, core } = setup({ timeScale: 1000 });
    expect(core.now()).toBe(START_MS);
    clock.advance(1.2);
    expect(core.now()).toBe(START_MS + 1200);
  });

  test('stamps activations in API seconds and expires them exactly at numberExpireAt', () => {
    const { clock, core, call } = setup({ timeScale: 10 });
    const { json } = call('POST', '/activations', { serviceId: 'facebook', countryId: 'us' });
    expect(json.createdAt).toBe(START_MS / 1000);
    expect(json.numberExpireAt).toBe(START_MS / 1000 + SANDBOX_RULES.activationLifetimeS);
    clock.advance((SANDBOX_RULES.activationLifetimeS * 1000 - 1) / 10);
    expect(core.state().activations[0]?.status).toBe('smsRequested');
    clock.advance(1 / 10);
    expect(core.state().activations[0]?.status).toBe('refunded');
  });
});

test.describe('the rate window', () => {
  test('is sliding: a request is allowed again exactly one window after the oldest one', () => {
    const at = (ms: number) => {
      const { clock, call } = setup();
      for (let i = 0; i < 3; i++) {
        expect(call('GET', '/services/pricelistByCountry').status).toBe(200);
        clock.advance(1000);
      }
      clock.set(ms);
      return call('GET', '/services/pricelistByCountry').status;
    };
    // Served at 0, 1000 and 2000; the window is (now - 60 000, now].
    expect(at(59_999)).toBe(429);
    expect(at(60_000)).toBe(200);
  });

  test('counts refused requests: without them the last request below would pass', () => {
    const { clock, call } = setup();
    for (let i = 0; i < 3; i++) expect(call('GET', '/services/pricelistByCountry').status).toBe(200);
    clock.set(30_000);
    expect(call('GET', '/services/pricelistByCountry').status).toBe(429);
    clock.set(60_001);
    // In the window (1, 60 001]: the refused request at 30 000 only, so two more fit…
    expect(call('GET', '/services/pricelistByCountry').status).toBe(200);
    expect(call('GET', '/services/pricelistByCountry').status).toBe(200);
    // …and the third is refused (30 000, 60 001, 60 001 fill it). Ignoring refusals would allow it.
    expect(call('GET', '/services/pricelistByCountry').status).toBe(429);
    expect(clock.now()).toBe(60_001);
  });
});

test.describe('the delivery-rate rule', () => {
  test('refuses the 6th lease without SMS until the oldest activations leave the 24 h window', () => {
    const { clock, call } = setup();
    const lease = () => call('POST', '/activations', { serviceId: 'twitter', countryId: 'ru' });
    for (let i = 0; i < 5; i++) {
      expect(lease().status).toBe(200);
      clock.advance(60_000);
    }
    expect(lease().json.errorName).toBe('lowSuccessRateException');
    // The first activation leaves the window 24 h after it was created: then 4 remain.
    clock.set(SANDBOX_RULES.deliveryRule.windowMs - 1);
    expect(lease().json.errorName).toBe('lowSuccessRateException');
    clock.set(SANDBOX_RULES.deliveryRule.windowMs);
    expect(lease().status).toBe(200);
  });
});

test.describe('the control operations', () => {
  test('refuse unknown ids, bad prices and unknown keys with a RangeError', () => {
    const { core } = setup();
    expect(() => core.setPrice('myspace', 'us', 1)).toThrow(RangeError);
    expect(() => core.setPrice('facebook', 'zz', 1)).toThrow(RangeError);
    expect(() => core.setPrice('facebook', 'us', Number.NaN)).toThrow(/price/);
    expect(() => core.setBalance('who', 1)).toThrow(/Unknown API key/);
    expect(() => core.setBalance('sandbox', -1)).toThrow(/balance/);
  });

  test('refuse invalid options at creation', () => {
    expect(() => createSandboxCore({ apiKeys: [] })).toThrow(/apiKeys/);
    expect(() => createSandboxCore({ timeScale: 0 })).toThrow(/timeScale/);
    expect(() => createSandboxCore({ balance: -1 })).toThrow(/balance/);
    expect(() => createSandboxCore({ seed: 1.5 })).toThrow(/seed/);
    for (const firstActivationId of [0, -5, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
      expect(() => createSandboxCore({ firstActivationId })).toThrow(
        /`firstActivationId` to be a positive safe/,
      );
    }
  });

  test('never put an API key into the state', () => {
    const key = 'sk_live_do_not_leak_0123456789';
    const core = createSandboxCore({ apiKeys: [key] });
    caller(core)('POST', '/activations', { serviceId: 'facebook', countryId: 'us' }, key);
    expect(JSON.stringify(core.state())).not.toContain(key);
  });
});

test.describe('the hold fault', () => {
  const LEASE = { serviceId: 'facebook', countryId: 'us' };
  const leaseRequest = {
    method: 'POST',
    url: '/api/v1/activations',
    headers: { 'x-api-key': 'sandbox' },
    body: JSON.stringify(LEASE),
  };

  test('counts the request on arrival but creates the lease only when resumed, at that later instant', () => {
    const { clock, core } = setup();
    core.setFaults({ holdMs: 2000 });
    const held = core.handle(leaseRequest);
    if (held.kind !== 'hold') throw new Error(`expected a hold, got ${held.kind}`);
    expect(held.holdMs).toBe(2000);
    expect(core.state().requests).toBe(1);
    expect(core.state().activations).toEqual([]);

    clock.advance(2000);
    const answer = held.resume();
    if (answer.kind !== 'reply') throw new Error(`expected a reply, got ${answer.kind}`);
    expect(answer.status).toBe(200);
    const [activation] = core.state().activations;
    expect(activation?.id).toBe(JSON.parse(answer.body).id);
    expect(activation?.createdAt).toBe((START_MS + 2000) / 1000);
    expect(core.state().balances).toEqual({ [activation?.account as string]: 1000 - 0.45 });
  });

  test('drops a held request unacted when the sandbox is reset during the hold', () => {
    const { core } = setup();
    core.setFaults({ holdMs: 10 });
    const held = core.handle(leaseRequest);
    if (held.kind !== 'hold') throw new Error(`expected a hold, got ${held.kind}`);
    core.reset();
    expect(held.resume()).toEqual({ kind: 'drop' });
    expect(core.state().activations).toEqual([]);
  });
});

test.describe('activation ids', () => {
  test('start at firstActivationId when given, count up by one and keep counting across a reset', () => {
    const core = createSandboxCore({ firstActivationId: 7 });
    const call = caller(core);
    const lease = () => call('POST', '/activations', { serviceId: 'facebook', countryId: 'us' }).json.id;
    expect([lease(), lease()]).toEqual([7, 8]);
    core.reset();
    expect(lease()).toBe(9);
  });

  test('never repeat across cores created in the same millisecond', () => {
    const firsts = Array.from({ length: 50 }, () => {
      const core = createSandboxCore();
      const { json } = caller(core)('POST', '/activations', { serviceId: 'facebook', countryId: 'us' });
      return json.id as number;
    });
    for (const [i, id] of firsts.entries()) {
      expect(Number.isSafeInteger(id) && id > 0).toBe(true);
      // Each core has a full block of ids per millisecond before the next core's first id.
      if (i > 0)
        expect(id - (firsts[i - 1] as number)).toBeGreaterThanOrEqual(SANDBOX_RULES.activationIdsPerMs);
    }
  });
});
