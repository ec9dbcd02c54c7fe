/**
 * The broker on Platfone's Activation API (the sandbox's `platfone` dialect): the same client
 * calls as on v1, and a teardown that really ends the activation — finalize after an SMS, cancel
 * without one, sent by the broker once `cancelable_after` allows (the test never waits for it).
 */
import { expect, test } from '@playwright/test';
import { type BrokerClient, connectBroker } from '../../src/broker/index.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerTestMachine,
  createMachine,
  destroyMachine,
  helperScript,
  makeApiKey,
  runScript,
} from '../helpers/broker-test-env.ts';

// 1200 API seconds of lifetime are 12 s; a 60 API-second cancel delay is 0.6 s.
const TIME_SCALE = 100;
const CANCELABLE_AFTER_API_MS = 60_000;

test.describe.configure({ mode: 'serial' });

let sandbox: Sandbox;
let machine: BrokerTestMachine;
let client: BrokerClient;
const apiKey = makeApiKey();

test.beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    api: 'platfone',
    timeScale: TIME_SCALE,
    apiKeys: [apiKey],
    cancelableAfterMs: CANCELABLE_AFTER_API_MS,
  });
  machine = await createMachine({ apiKey, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
  machine.env.TEMPNUMBER_API = 'platfone';
  client = await connectBroker({ ...machine.connectOptions, api: 'platfone', owner: 'platfone spec' });
});

test.afterAll(async () => {
  await client?.close();
  if (machine) await destroyMachine(machine);
  await sandbox?.close();
});

/** The sandbox's view of one activation (its id is the broker's, as text). */
function sandboxActivation(id: string) {
  return sandbox.state().activations.find((a) => String(a.id) === id);
}

test('a lease, its code and its release: finalized at the API, billed once', async () => {
  const phone = await client.lease({ service: 'facebook', country: 'us', maxPrice: 1 });
  expect(phone.number).toMatch(/^\+\d{8,15}$/);
  expect(phone.id).toMatch(/\S/);
  const waiting = phone.code({ timeout: 20_000 });
  await sandbox.deliverSms(phone.number, 'Your code is 482913');
  expect(await waiting).toBe('482913');
  const record = await phone.release();
  expect(record).toMatchObject({ outcome: 'finalized', state: expect.any(String) });
  // The finalize call went out: the API ended the activation before its expiry.
  await expect.poll(() => sandboxActivation(phone.id)?.status, { timeout: 5_000 }).toBe('serviceConsumed');
});

test('released without an SMS before cancelable_after: the broker cancels once allowed, the money back at once', async () => {
  const phone = await client.lease({ service: 'facebook', country: 'us' });
  const leasedAt = Date.now();
  const record = await phone.release();
  expect(record.outcome).toBe('cancelled');
  // The test did not wait for the cancel delay.
  expect(Date.now() - leasedAt).toBeLessThan(CANCELABLE_AFTER_API_MS / TIME_SCALE);
  // Refunded by the cancel, long before the number's 12 s of life are over.
  await expect.poll(() => sandboxActivation(phone.id)?.status, { timeout: 5_000 }).toBe('refunded');
  expect(Date.now() - leasedAt).toBeLessThan((1200_000 / TIME_SCALE) * 0.75);
  const entries = await client.activations();
  await expect
    .poll(async () => (await client.activations()).find((r) => r.id === phone.id)?.refunded, {
      timeout: 5_000,
    })
    .toBe(true);
  expect(entries.find((r) => r.id === phone.id)?.outcome).toBe('cancelled');
});

test('a worker SIGKILLed mid-wait still gets its number cancelled at the API, once allowed', async () => {
  const victim = runScript(helperScript('broker-lease-and-wait.ts'), machine.env);
  const { activationId } = JSON.parse(await victim.waitForLine((l) => l.includes('activationId'))) as {
    activationId: string;
  };
  victim.child.kill('SIGKILL');
  await victim.exited;
  // The broker releases what the dead connection held, and sends the cancel when it is allowed.
  await expect.poll(() => sandboxActivation(activationId)?.status, { timeout: 8_000 }).toBe('refunded');
});

test('a lease with a quality factor goes through the broker; one out of range is refused before anything is sent', async () => {
  const posts = () => (sandbox.state().requestsByBucket as Record<string, number>)['POST /activation'] ?? 0;
  const before = posts();
  const phone = await client.lease({ service: 'facebook', country: 'us', quality: 90 });
  expect(posts()).toBe(before + 1);
  await phone.release();
  await expect(client.lease({ service: 'facebook', country: 'us', quality: 150 })).rejects.toThrow(
    /`quality` to be an integer from 0 \(cheapest\) to 100/,
  );
  expect(posts()).toBe(before + 1);
});

test('a broker killed before its cancel went out: the next broker sends it, the money back before expiry', async () => {
  // Another pair: the tests above released three facebook/us numbers without an SMS, which
  // trips the circuit breaker for that pair (as it should).
  const phone = await client.lease({ service: 'instagram', country: 'us' });
  const leasedAt = Date.now();
  await phone.release();
  // Before cancelable_after: the cancel is still pending in this broker when it dies.
  process.kill(client.brokerPid, 'SIGKILL');
  const next = await connectBroker({ ...machine.connectOptions, api: 'platfone', owner: 'after the kill' });
  try {
    await expect.poll(() => sandboxActivation(phone.id)?.status, { timeout: 6_000 }).toBe('refunded');
    expect(Date.now() - leasedAt).toBeLessThan((1200_000 / TIME_SCALE) * 0.75);
  } finally {
    await next.close();
  }
});
