/**
 * The deferred cancel at time scale 1, with realistic waits: compression can hide ordering bugs
 * (a cancel sent before `cancelable_after`, or one waited for by the test). The test releases
 * at once, the broker's cancel goes out only after the API allows it, and the money is back long
 * before the number's 20 minutes are over.
 */
import { expect, test } from '@playwright/test';
import { type BrokerClient, connectBroker } from '../../src/broker/index.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerTestMachine,
  createMachine,
  destroyMachine,
  makeApiKey,
} from '../helpers/broker-test-env.ts';

const CANCELABLE_AFTER_MS = 3_000;

let sandbox: Sandbox;
let machine: BrokerTestMachine;
let client: BrokerClient;
const apiKey = makeApiKey();

test.beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    api: 'platfone',
    timeScale: 1,
    apiKeys: [apiKey],
    cancelableAfterMs: CANCELABLE_AFTER_MS,
  });
  machine = await createMachine({ apiKey, baseUrl: sandbox.apiUrl, timeScale: 1 });
  client = await connectBroker({ ...machine.connectOptions, api: 'platfone', owner: 'real-speed spec' });
});

test.afterAll(async () => {
  await client?.close();
  if (machine) await destroyMachine(machine);
  await sandbox?.close();
});

test('at time scale 1 the release returns at once, and the cancel goes out after cancelable_after, not before', async () => {
  const phone = await client.lease({ service: 'facebook', country: 'us' });
  const leasedAt = Date.now();
  const record = await phone.release();
  expect(record.outcome).toBe('cancelled');
  expect(Date.now() - leasedAt).toBeLessThan(CANCELABLE_AFTER_MS);
  const status = () => sandbox.state().activations.find((a) => String(a.id) === phone.id)?.status;
  // Not cancelled early: the API would have refused it, and the sandbox still holds it reserved.
  expect(status()).toBe('smsRequested');
  await expect.poll(status, { timeout: CANCELABLE_AFTER_MS + 8_000 }).toBe('refunded');
  const refundedAfterMs = Date.now() - leasedAt;
  expect(refundedAfterMs).toBeGreaterThanOrEqual(CANCELABLE_AFTER_MS);
  // Far from the 20 minutes a number lives: the money came back through the cancel.
  expect(refundedAfterMs).toBeLessThan(60_000);
});
