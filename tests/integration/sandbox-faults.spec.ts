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
