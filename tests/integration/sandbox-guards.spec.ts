import { expect, test } from '@playwright/test';
import { SANDBOX_RULES, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Reply = { status: number; json: any };
async function lease(sandbox: Sandbox, serviceId: string, countryId: string): Promise<Reply> {
  const res = await fetch(`${sandbox.apiUrl}/activations`, {
    method: 'POST',
    headers: { 'x-api-key': 'sandbox', 'content-type': 'application/json' },
    body: JSON.stringify({ serviceId, countryId }),
  });
  return { status: res.status, json: await res.json() };
}

let sandbox: Sandbox;
test.beforeEach(async () => {
  // Time scale 1: nothing expires during these tests, so "pending" stays pending.
  sandbox = await startSandbox({ port: 0 });
});
test.afterEach(() => sandbox.close());

test.describe('pending cap', () => {
  test('the 21st activation waiting for an SMS is refused with 429 TooManyActivationsPendingException', async () => {
    expect(SANDBOX_RULES.pendingCap).toBe(20);
    // Four per pair keeps the delivery-rate rule (from the 6th without SMS) out of the way.
    const pairs = ['us', 'gb', 'fr', 'nl', 'in'].map((c) => ['other', c] as const);
    for (const [s, c] of pairs)
      for (let i = 0; i < 4; i++) expect((await lease(sandbox, s, c)).status).toBe(200);
    const refused = await lease(sandbox, 'google', 'br');
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({
      errorName: 'TooManyActivationsPendingException',
      errorMessage: expect.any(String),
    });
    expect(sandbox.state().activations).toHaveLength(20);
  });

  test('an activation that received its SMS no longer counts as pending', async () => {
    const numbers: number[] = [];
    for (const c of ['us', 'gb', 'fr', 'nl', 'in']) {
      for (let i = 0; i < 4; i++) numbers.push((await lease(sandbox, 'other', c)).json.number);
    }
    expect((await lease(sandbox, 'google', 'br')).status).toBe(429);
    await sandbox.deliverSms(String(numbers[0]), 'code 9876');
    expect((await lease(sandbox, 'google', 'br')).status).toBe(200);
  });
});

test.describe('delivery-rate rule', () => {
  test('the 6th lease of a pair whose 5 activations got no SMS is refused with 429 lowSuccessRateException', async () => {
    for (let i = 0; i < 5; i++) expect((await lease(sandbox, 'instagram', 'fr')).status).toBe(200);
    const refused = await lease(sandbox, 'instagram', 'fr');
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ errorName: 'lowSuccessRateException', errorMessage: expect.any(String) });
    expect(sandbox.state().activations).toHaveLength(5);
  });

  test('the rule is per service and country: other pairs stay open', async () => {
    for (let i = 0; i < 5; i++) await lease(sandbox, 'instagram', 'fr');
    expect((await lease(sandbox, 'instagram', 'fr')).status).toBe(429);
    expect((await lease(sandbox, 'instagram', 'gb')).status).toBe(200);
    expect((await lease(sandbox, 'twitter', 'fr')).status).toBe(200);
  });

  test('one SMS among the activations keeps the ratio at or above 7 % and the pair open', async () => {
    const first = (await lease(sandbox, 'google', 'be')).json;
    await sandbox.deliverSms(String(first.number), 'G-123456 is your Google verification code.');
    // 1 SMS in n activations stays ≥ 7 % up to n = 14; the 15th lease (n = 14 before it) is still allowed.
    for (let i = 1; i < 14; i++) expect((await lease(sandbox, 'google', 'be')).status).toBe(200);
    expect((await lease(sandbox, 'google', 'be')).status).toBe(200);
    const refused = await lease(sandbox, 'google', 'be');
    expect([refused.status, refused.json.errorName]).toEqual([429, 'lowSuccessRateException']);
  });
});
