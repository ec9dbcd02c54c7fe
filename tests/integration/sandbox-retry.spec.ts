import { expect, test } from '@playwright/test';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Reply = { status: number; json: any };
async function call(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { 'x-api-key': 'sandbox', 'content-type': 'application/json' };
  const payload = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${sandbox.apiUrl}${path}`, { method, headers, body: payload });
  return { status: res.status, json: await res.json() };
}
const lease = async (sandbox: Sandbox) =>
  (await call(sandbox, 'POST', '/activations', { serviceId: 'telegram', countryId: 'gb' })).json;
const retry = (sandbox: Sandbox, id: number | string) =>
  call(sandbox, 'PUT', `/activations/${id}`, { status: 'retry' });

let sandbox: Sandbox;
test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, timeScale: 1000 });
});
test.afterEach(() => sandbox.close());

test('a retry is refused with 409 ResourceBadStateException while the first SMS is still awaited', async () => {
  const { id } = await lease(sandbox);
  const { status, json } = await retry(sandbox, id);
  expect(status).toBe(409);
  expect(json).toEqual({ errorName: 'ResourceBadStateException', errorMessage: expect.any(String) });
  expect(sandbox.state().activations[0]?.status).toBe('smsRequested');
});

test('a retry is allowed after each SMS (smsReceived, retryReceived) and refused while a retry SMS is awaited', async () => {
  const { id, number } = await lease(sandbox);
  await sandbox.deliverSms(String(number), 'code 1111');
  expect(sandbox.state().activations[0]?.retryAvailable).toBe(true);
  expect((await retry(sandbox, id)).status).toBe(200);

  expect(sandbox.state().activations[0]?.retryAvailable).toBe(false);
  const again = await retry(sandbox, id);
  expect([again.status, again.json.errorName]).toEqual([409, 'ResourceBadStateException']);

  await sandbox.deliverSms(String(number), 'code 2222');
  expect(sandbox.state().activations[0]).toMatchObject({ status: 'retryReceived', retryAvailable: true });
  expect((await retry(sandbox, id)).json).toEqual({ result: 'success' });
  expect(sandbox.state().activations[0]?.status).toBe('retryRequested');
});

test('a retry after expiry is 410 GoneException, with or without an SMS', async () => {
  const silent = await lease(sandbox);
  const answered = await lease(sandbox);
  await sandbox.deliverSms(String(answered.number), 'code 3333');
  await expect
    .poll(() => sandbox.state().activations.map((a) => a.status), { timeout: 10_000 })
    .toEqual(['refunded', 'serviceConsumed']);
  for (const id of [silent.id, answered.id]) {
    const { status, json } = await retry(sandbox, id);
    expect([status, json.errorName]).toEqual([410, 'GoneException']);
  }
});

test('a retry of an unknown activation is 404 and of a non-numeric id is 400', async () => {
  const unknown = await retry(sandbox, 424242);
  expect([unknown.status, unknown.json.errorName]).toEqual([404, 'ResourceNotFoundException']);
  const bad = await retry(sandbox, 'x1');
  expect([bad.status, bad.json.errorName]).toEqual([400, 'InvalidRequestParamsException']);
});

test('a PUT whose body is not {"status":"retry"} is 400 and changes nothing', async () => {
  const { id, number } = await lease(sandbox);
  await sandbox.deliverSms(String(number), 'code 4444');
  for (const body of [{ status: 'cancel' }, {}, 'not json']) {
    const { status, json } = await call(sandbox, 'PUT', `/activations/${id}`, body);
    expect([status, json.errorName]).toEqual([400, 'InvalidRequestParamsException']);
  }
  expect(sandbox.state().activations[0]).toMatchObject({ status: 'smsReceived', code: '4444' });
});

test('a retry neither costs money nor extends the lifetime', async () => {
  const { id, number, numberExpireAt } = await lease(sandbox);
  await sandbox.deliverSms(String(number), 'code 5555');
  const balance = Object.values(sandbox.state().balances)[0];
  await retry(sandbox, id);
  expect(Object.values(sandbox.state().balances)[0]).toBe(balance);
  expect(sandbox.state().activations[0]?.numberExpireAt).toBe(numberExpireAt);
});
