import { expect, test } from '@playwright/test';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

async function call(sandbox: Sandbox, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': 'sandbox', 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
  return { status: res.status, json: (await res.json()) as any };
}

/** Use every part of the state: activations, SMS, balance, windows, 429s, faults, prices. */
async function dirty(sandbox: Sandbox) {
  const first = (await call(sandbox, 'POST', '/activations', { serviceId: 'facebook', countryId: 'us' }))
    .json;
  await sandbox.deliverSms(String(first.number), 'code 1234');
  for (let i = 0; i < 4; i++) await call(sandbox, 'GET', '/services/pricelistByCountry');
  sandbox.setPrice('facebook', 'us', 1.99);
  sandbox.setFaults({ latencyMs: 1 });
  sandbox.setBalance('sandbox', 3);
  return first;
}

let sandbox: Sandbox;
test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, balance: 25 });
});
test.afterEach(() => sandbox.close());

for (const how of ['POST /sandbox/reset', 'sandbox.reset()']) {
  test(`${how} brings activations, balances, counters, SMS log, faults, windows and prices back to the start, but not ids`, async () => {
    const fresh = sandbox.state();
    const first = await dirty(sandbox);
    expect(sandbox.state().rateLimited).toBe(1);

    if (how === 'sandbox.reset()') sandbox.reset();
    else expect((await fetch(`${sandbox.url}/sandbox/reset`, { method: 'POST' })).status).toBe(200);

    const state = sandbox.state();
    expect({ ...state, now: 0 }).toEqual({ ...fresh, now: 0 });
    expect(state.now).toBeGreaterThanOrEqual(fresh.now);
    expect((await call(sandbox, 'GET', '/services/pricelistByCountry')).status).toBe(200);
    expect((await call(sandbox, 'GET', '/user/balance')).json.balance).toBe(25);
    // Same seed, same start: the first lease after a reset repeats the first lease of the run —
    // except its id, which keeps counting so a broker's ledger never sees an id twice.
    const again = (await call(sandbox, 'POST', '/activations', { serviceId: 'facebook', countryId: 'us' }))
      .json;
    expect([again.number, again.price]).toEqual([first.number, 0.45]);
    expect(again.id).toBeGreaterThan(first.id);
  });
}
