import { expect, test } from '@playwright/test';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

async function lease(sandbox: Sandbox, serviceId = 'facebook', countryId = 'gb') {
  const res = await fetch(`${sandbox.apiUrl}/activations`, {
    method: 'POST',
    headers: { 'x-api-key': 'sandbox', 'content-type': 'application/json' },
    body: JSON.stringify({ serviceId, countryId }),
  });
  return (await res.json()) as { id: number; number: number; formatNumber: string };
}
async function sendSms(sandbox: Sandbox, body: unknown) {
  const res = await fetch(`${sandbox.url}/sandbox/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
  return { status: res.status, json: (await res.json()) as any };
}

let sandbox: Sandbox;
test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, timeScale: 1000 });
});
test.afterEach(() => sandbox.close());

test('POST /sandbox/sms delivers to the activation holding the number and answers its id', async () => {
  const other = await lease(sandbox);
  const { id, number } = await lease(sandbox);
  const before = Date.now();
  const { status, json } = await sendSms(sandbox, { to: `+${number}`, text: 'Your code: 771234' });
  expect(status).toBe(200);
  expect(json).toEqual({ activationId: id });
  const state = sandbox.state();
  expect(state.activations.find((a) => a.id === id)).toMatchObject({ status: 'smsReceived', code: '771234' });
  expect(state.activations.find((a) => a.id === other.id)?.status).toBe('smsRequested');
  expect(state.sms).toEqual([
    {
      activationId: id,
      to: String(number),
      text: 'Your code: 771234',
      deliveredAtMs: expect.any(Number),
      deliveredAtRealMs: expect.any(Number),
    },
  ]);
  expect(state.sms[0]?.deliveredAtRealMs).toBeGreaterThanOrEqual(before);
  expect(state.sms[0]?.deliveredAtMs).toBeLessThanOrEqual(state.now);
});

test('the number may be written as bare digits or as formatted +E.164', async () => {
  const a = await lease(sandbox);
  const b = await lease(sandbox);
  expect((await sendSms(sandbox, { to: String(a.number), text: '1111' })).json).toEqual({
    activationId: a.id,
  });
  expect((await sendSms(sandbox, { to: b.formatNumber, text: '2222' })).json).toEqual({ activationId: b.id });
});

test('an SMS to a number nobody is waiting on is 404: never leased, already answered, or expired', async () => {
  const notLeased = await sendSms(sandbox, { to: '+447700900123', text: 'hello' });
  expect([notLeased.status, notLeased.json.errorName]).toEqual([404, 'ResourceNotFoundException']);

  const answered = await lease(sandbox);
  await sendSms(sandbox, { to: String(answered.number), text: 'first 1234' });
  expect((await sendSms(sandbox, { to: String(answered.number), text: 'second 5678' })).status).toBe(404);
  expect(sandbox.state().activations[0]?.message).toBe('first 1234');

  const expiring = await lease(sandbox);
  await expect.poll(() => sandbox.state().activations[1]?.status, { timeout: 10_000 }).toBe('refunded');
  expect((await sendSms(sandbox, { to: String(expiring.number), text: 'late 4321' })).status).toBe(404);
  expect(sandbox.state().sms).toHaveLength(1);
});

test('a bad carrier body is 400', async () => {
  for (const body of [
    'nope',
    {},
    { to: '+15551234567' },
    { text: 'x' },
    { to: 'alice', text: 'x' },
    { to: [], text: 'x' },
  ]) {
    const { status, json } = await sendSms(sandbox, body);
    expect({ body, status, errorName: json.errorName }).toEqual({
      body,
      status: 400,
      errorName: 'InvalidRequestParamsException',
    });
  }
});

test('sandbox.deliverSms resolves with the activation id and rejects with a clear message when nobody waits', async () => {
  const { id, number } = await lease(sandbox);
  await expect(sandbox.deliverSms(`+${number}`, 'code 8080')).resolves.toEqual({ activationId: id });
  await expect(sandbox.deliverSms(`+${number}`, 'again 9090')).rejects.toThrow(
    /No activation is waiting for an SMS on \+\d+/,
  );
});

test('GET /sandbox lists activations with their SMS, escaped, and offers a form to send one', async () => {
  const { number } = await lease(sandbox, 'telegram', 'nl');
  await sandbox.deliverSms(String(number), '<script>alert("x")</script> code 1234');
  const res = await fetch(`${sandbox.url}/sandbox`);
  expect(res.headers.get('content-type')).toContain('text/html');
  const html = await res.text();
  expect(html).toContain(`+${number}`);
  expect(html).toContain('telegram');
  expect(html).toContain('smsReceived');
  expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; code 1234');
  expect(html).not.toContain('<script>alert');
  expect(html).toContain("fetch('/sandbox/sms'");
});

test('unknown control routes are 404 JSON errors', async () => {
  const res = await fetch(`${sandbox.url}/sandbox/nothing`);
  expect(res.status).toBe(404);
  expect((await res.json()).errorName).toBe('ResourceNotFoundException');
});
