import { expect, test } from '@playwright/test';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

async function call(sandbox: Sandbox, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': 'sandbox', 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}
async function postFaults(sandbox: Sandbox, faults: unknown) {
  const res = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify(faults) });
  return { status: res.status, json: await res.json() };
}
const LEASE = { serviceId: 'facebook', countryId: 'us' };

let sandbox: Sandbox;
test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
});
test.afterEach(() => sandbox.close());

test('errorRate 1 answers every API request 503 ServiceUnavailableException without running it', async () => {
  expect(await postFaults(sandbox, { errorRate: 1 })).toEqual({ status: 200, json: { errorRate: 1 } });
  const lease = await call(sandbox, 'POST', '/activations', LEASE);
  expect(lease.status).toBe(503);
  expect(JSON.parse(lease.text)).toEqual({
    errorName: 'ServiceUnavailableException',
    errorMessage: expect.any(String),
  });
  expect((await call(sandbox, 'GET', '/user/balance')).status).toBe(503);
  const state = sandbox.state();
  expect(state.activations).toEqual([]);
  expect(state.requests).toBe(2);
  expect(state.rateLimited).toBe(0);
  // The control surface never fails.
  expect((await fetch(`${sandbox.url}/sandbox/state`)).status).toBe(200);
});

test('errorStatus chooses the status of injected errors', async () => {
  sandbox.setFaults({ errorRate: 1, errorStatus: 500 });
  const res = await call(sandbox, 'GET', '/user/balance');
  expect(res.status).toBe(500);
  expect(JSON.parse(res.text).errorName).toBe('ServiceUnavailableException');
});

test('a partial errorRate fails some requests and serves the others, repeatably for a seed', async () => {
  const outcomes = async () => {
    const s = await startSandbox({ port: 0, seed: 3 });
    try {
      s.setFaults({ errorRate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await call(s, 'GET', `/activations/${i}`)).status);
      return statuses;
    } finally {
      await s.close();
    }
  };
  const first = await outcomes();
  expect(first.filter((s) => s === 503).length).toBeGreaterThan(5);
  expect(first.filter((s) => s === 404).length).toBeGreaterThan(5);
  expect(await outcomes()).toEqual(first);
});

test('malformedRate 1 answers 200 with a body that is not JSON, after the request took effect', async () => {
  sandbox.setFaults({ malformedRate: 1 });
  const res = await call(sandbox, 'POST', '/activations', LEASE);
  expect(res.status).toBe(200);
  expect(res.text.length).toBeGreaterThan(0);
  expect(() => JSON.parse(res.text)).toThrow();
  // The lease happened; only its answer was garbled — a client must reconcile through history.
  expect(sandbox.state().activations).toHaveLength(1);
});

test('dropRate 1 destroys the connection without an answer, after the request took effect', async () => {
  sandbox.setFaults({ dropRate: 1 });
  await expect(call(sandbox, 'POST', '/activations', LEASE)).rejects.toThrow();
  await expect(call(sandbox, 'GET', '/user/balance')).rejects.toThrow();
  const state = sandbox.state();
  expect(state.requests).toBe(2);
  expect(state.activations).toHaveLength(1);
});

test('latencyMs delays every API answer by at least that long, and only API answers', async () => {
  sandbox.setFaults({ latencyMs: 400 });
  const started = performance.now();
  expect((await call(sandbox, 'GET', '/user/balance')).status).toBe(200);
  expect(performance.now() - started).toBeGreaterThanOrEqual(400);
  const controlStarted = performance.now();
  await fetch(`${sandbox.url}/sandbox/state`);
  expect(performance.now() - controlStarted).toBeLessThan(400);
});

test('an empty object clears every fault', async () => {
  sandbox.setFaults({ errorRate: 1, dropRate: 1, malformedRate: 1, latencyMs: 5 });
  expect(await postFaults(sandbox, {})).toEqual({ status: 200, json: {} });
  const res = await call(sandbox, 'GET', '/user/balance');
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual({ balance: 1000, review_balance: 0 });
  expect(sandbox.state().faults).toEqual({});
});

test('faulted requests still count against the rate window: they arrived', async () => {
  sandbox.setFaults({ errorRate: 1 });
  for (let i = 0; i < 3; i++)
    expect((await call(sandbox, 'GET', '/services/pricelistByCountry')).status).toBe(503);
  sandbox.setFaults({});
  const res = await call(sandbox, 'GET', '/services/pricelistByCountry');
  expect(res.status).toBe(429);
  expect(JSON.parse(res.text).errorName).toBe('TooManyRequestsException');
});

test('invalid fault settings are refused with 400 and leave the faults unchanged', async () => {
  sandbox.setFaults({ latencyMs: 1 });
  for (const bad of [
    { errorRate: 2 },
    { dropRate: -0.1 },
    { latencyMs: -1 },
    { latencyMs: 2 ** 31 },
    { holdMs: -1 },
    { holdMs: '1500' },
    { errorStatus: 200 },
    { bogus: 1 },
    [1],
  ]) {
    const { status, json } = await postFaults(sandbox, bad);
    expect({ bad, status, errorName: json.errorName }).toEqual({
      bad,
      status: 400,
      errorName: 'InvalidRequestParamsException',
    });
  }
  expect(sandbox.state().faults).toEqual({ latencyMs: 1 });
  expect(() => sandbox.setFaults({ errorRate: 1.5 })).toThrow(/errorRate/);
});

test.describe('holdMs: the sandbox acts late', () => {
  test('a lease held past the client timeout still happens after the hold, as on a slow server', async () => {
    sandbox.setFaults({ holdMs: 1500 });
    const started = performance.now();
    const lease = fetch(`${sandbox.apiUrl}/activations`, {
      method: 'POST',
      headers: { 'x-api-key': 'sandbox', 'content-type': 'application/json' },
      body: JSON.stringify(LEASE),
      signal: AbortSignal.timeout(300),
    });
    await expect(lease).rejects.toThrow(/timeout|abort/i);
    expect(sandbox.state().activations).toEqual([]);
    await expect.poll(() => sandbox.state().activations.length, { timeout: 5000 }).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1500);
    const [activation] = sandbox.state().activations;
    expect(activation?.status).toBe('smsRequested');
    expect(Object.values(sandbox.state().balances)).toEqual([1000 - (activation?.price ?? Number.NaN)]);
    // Only one request arrived: nothing was retried behind the client's back.
    expect(sandbox.state().requests).toBe(1);
  });

  test('acts on a held request after the hold, not before, then answers it', async () => {
    expect(await postFaults(sandbox, { holdMs: 800 })).toEqual({ status: 200, json: { holdMs: 800 } });
    const started = performance.now();
    const answer = call(sandbox, 'POST', '/activations', LEASE);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sandbox.state().requests).toBe(1);
    expect(sandbox.state().activations).toEqual([]);
    const { status, text } = await answer;
    expect(performance.now() - started).toBeGreaterThanOrEqual(800);
    expect(status).toBe(200);
    expect(sandbox.state().activations.map((a) => a.id)).toEqual([JSON.parse(text).id]);
  });

  test('combines with the other faults: held, acted on, then the answer is dropped', async () => {
    sandbox.setFaults({ holdMs: 300, dropRate: 1, latencyMs: 100 });
    const started = performance.now();
    await expect(call(sandbox, 'POST', '/activations', LEASE)).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    expect(sandbox.state().activations).toHaveLength(1);
  });

  test('close() does not wait for a held request and drops it unacted', async () => {
    sandbox.setFaults({ holdMs: 60_000 });
    const lease = call(sandbox, 'POST', '/activations', LEASE);
    await expect.poll(() => sandbox.state().requests).toBe(1);
    const started = performance.now();
    await sandbox.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(lease).rejects.toThrow();
    expect(sandbox.state().activations).toEqual([]);
  });

  test('invalid holds are refused with a message that names the field', async () => {
    for (const holdMs of [-1, 'soon', null, 2 ** 31]) {
      const { status, json } = await postFaults(sandbox, { holdMs });
      expect({ holdMs, status, json }).toEqual({
        holdMs,
        status: 400,
        json: {
          errorName: 'InvalidRequestParamsException',
          errorMessage: `Expected \`holdMs\` to be a number of milliseconds from 0 to 2147483647, got ${JSON.stringify(holdMs)}`,
        },
      });
    }
    expect(() => sandbox.setFaults({ holdMs: Number.POSITIVE_INFINITY })).toThrow(/`holdMs`/);
    expect(sandbox.state().faults).toEqual({});
  });
});
