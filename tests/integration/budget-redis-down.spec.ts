import { expect, test } from '@playwright/test';
import { connectBroker } from '../../src/broker/index.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerTestMachine,
  createMachine,
  destroyMachine,
  makeApiKey,
} from '../helpers/broker-test-env.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts';

const TIME_SCALE = 100;

let sandbox: Sandbox;
let redis: RedisServer;
let machine: BrokerTestMachine;
const apiKey = makeApiKey();

test.beforeAll(async () => {
  redis = await startRedisServer();
  sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey], balance: 10_000 });
  machine = await createMachine({
    apiKey,
    baseUrl: sandbox.apiUrl,
    timeScale: TIME_SCALE,
    redisUrl: redis.url,
  });
});

test.afterAll(async () => {
  if (machine) await destroyMachine(machine);
  await sandbox?.close();
  await redis?.stop();
});

test('with Redis down a lease fails closed: a clear error and no request to TempNumber', async () => {
  const client = await connectBroker({ ...machine.connectOptions, owner: 'redis down' });
  try {
    expect((await client.status()).store).toBe('redis');
    const phone = await client.lease({ service: 'google', country: 'gb' });
    await phone.release();
    const posts = sandbox.state().requestsByBucket['POST /activations'];
    await redis.stop();
    const error = await client.lease({ service: 'google', country: 'gb' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('StoreUnavailableError');
    expect((error as Error).message).toContain(`Redis at 127.0.0.1:${redis.port}`);
    expect((error as Error).message).toContain('no request is sent to TempNumber until it is back');
    expect(sandbox.state().requestsByBucket['POST /activations']).toBe(posts);
    expect(sandbox.state().rateLimited).toBe(0);
  } finally {
    await client.close();
  }
});
