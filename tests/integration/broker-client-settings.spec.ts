/**
 * A client is never served silently by a broker running with other settings (API, Redis URL,
 * time scale, tighter rate limits, guard settings): an idle broker is replaced by one with the client's settings; a busy
 * one refuses, naming what differs (values for non-secrets, "differs" for the Redis URL).
 */
import { expect, test } from '@playwright/test';
import { BrokerUnavailableError, connectBroker } from '../../src/broker/index.ts';
import { isAlive } from '../../src/broker/lock-file.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { connectBrokerSocket } from '../helpers/broker-socket.ts';
import {
  type BrokerTestMachine,
  createMachine,
  destroyMachine,
  makeApiKey,
} from '../helpers/broker-test-env.ts';

const TIME_SCALE = 100;
const apiKey = makeApiKey();
/** A Redis URL with a password that must appear nowhere; nothing listens there. */
const REDIS_URL = 'redis://:s3cret-redis-password@127.0.0.1:1/0';

let sandbox: Sandbox;
let machine: BrokerTestMachine;

test.beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey] });
});
test.beforeEach(async () => {
  machine = await createMachine({ apiKey, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
});
test.afterEach(async () => {
  await destroyMachine(machine);
});
test.afterAll(async () => {
  await sandbox?.close();
});

test('a client with the same settings is served by the running broker', async () => {
  const first = await connectBroker(machine.connectOptions);
  const second = await connectBroker(machine.connectOptions);
  expect(second.brokerPid).toBe(first.brokerPid);
  await Promise.all([first.close(), second.close()]);
});

test('an idle broker with another time scale is replaced by one with the client’s settings', async () => {
  const first = await connectBroker(machine.connectOptions);
  const oldPid = first.brokerPid;
  await first.close();
  const second = await connectBroker({ ...machine.connectOptions, timeScale: TIME_SCALE / 2 });
  try {
    expect(second.brokerPid).not.toBe(oldPid);
    expect(isAlive(oldPid)).toBe(false);
    expect((await second.status()).timeScale).toBe(TIME_SCALE / 2);
  } finally {
    await second.close();
  }
});

test('naming the API the base URL already implies is the same account and settings: the same broker', async () => {
  const first = await connectBroker(machine.connectOptions);
  const second = await connectBroker({ ...machine.connectOptions, api: 'tempnumber-v1' });
  try {
    expect(second.brokerPid).toBe(first.brokerPid);
    expect(second.paths.dir).toBe(first.paths.dir);
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
});

test('an idle broker on the published limits is replaced by one that applies the client’s TEMPNUMBER_RATE_LIMITS', async () => {
  const first = await connectBroker(machine.connectOptions);
  const oldPid = first.brokerPid;
  expect((await first.status()).buckets['GET /activations/:id']?.limit).toBe(80);
  await first.close();
  const second = await connectBroker({
    ...machine.connectOptions,
    rateLimits: 'GET /activations/:id=40; PUT /activations/:id=5',
  });
  try {
    expect(second.brokerPid).not.toBe(oldPid);
    const { buckets } = await second.status();
    expect(buckets['GET /activations/:id']?.limit).toBe(40);
    expect(buckets['PUT /activations/:id']?.limit).toBe(5);
    expect(buckets['POST /activations']?.limit).toBe(80);
  } finally {
    await second.close();
  }
});

test('a busy broker with other settings refuses, naming what differs and what to do, never the Redis URL', async () => {
  const running = await connectBroker(machine.connectOptions);
  try {
    // Guard settings come from the environment, as for a broker started on demand.
    process.env.TEMPNUMBER_BREAKER_THRESHOLD = '7';
    const error = await connectBroker({
      ...machine.connectOptions,
      timeScale: TIME_SCALE / 2,
      requestTimeoutMs: 4_000,
      redisUrl: REDIS_URL,
    })
      .catch((e: unknown) => e)
      .finally(() => delete process.env.TEMPNUMBER_BREAKER_THRESHOLD);
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(`uses other settings than this client`);
    expect(message).toContain(`TEMPNUMBER_REDIS_URL (differs)`);
    expect(message).toContain(`TEMPNUMBER_TIME_SCALE (broker ${TIME_SCALE}, this client ${TIME_SCALE / 2})`);
    expect(message).toContain('TEMPNUMBER_BREAKER_THRESHOLD (broker 3, this client 7)');
    expect(message).toContain('TEMPNUMBER_REQUEST_TIMEOUT_MS (broker 15000, this client 4000)');
    expect(message).toContain('1 other client connected');
    expect(message).toContain('playwright-tempnumber broker stop');
    expect(message).not.toContain('s3cret-redis-password');
    expect(message).not.toContain(apiKey);
    // The running suite is untouched.
    expect((await running.status()).timeScale).toBe(TIME_SCALE);
  } finally {
    await running.close();
  }
});

test('a client without a fingerprint (an older version) is served as before', async () => {
  const running = await connectBroker(machine.connectOptions);
  try {
    const socket = await connectBrokerSocket(machine.paths.socket);
    const hello = await socket.hello('old client');
    expect(hello.pid).toBe(running.brokerPid);
    expect(hello).not.toHaveProperty('settingsDiffer');
    socket.close();
  } finally {
    await running.close();
  }
});
