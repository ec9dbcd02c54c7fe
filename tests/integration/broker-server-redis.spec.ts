import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import type { BrokerStatus, LeaseResult, WaitResult } from '../../src/broker/protocol.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerProcess,
  type BrokerWorld,
  createBrokerWorld,
  startBrokerProcess,
  stopBrokerProcess,
} from '../helpers/broker-server-process.ts';
import { TIME_SCALE } from '../helpers/broker-server-test.ts';
import { type BrokerSocket, connectBrokerSocket } from '../helpers/broker-socket.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts';

let redis: RedisServer;
let sandbox: Sandbox;
const worlds: BrokerWorld[] = [];
const brokers: BrokerProcess[] = [];
const sockets: BrokerSocket[] = [];

test.beforeAll(async () => {
  redis = await startRedisServer();
});
test.afterAll(() => redis.stop());
test.afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(brokers.splice(0).map(stopBrokerProcess));
  await Promise.all(worlds.splice(0).map((w) => rm(w.runtimeDir, { recursive: true, force: true })));
  await sandbox.close();
});

/** One "machine": its own runtime dir and broker, the shared Redis. */
async function machine(apiKey: string): Promise<BrokerSocket> {
  const world = await createBrokerWorld({ apiKey, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
  world.env.TEMPNUMBER_REDIS_URL = redis.url;
  worlds.push(world);
  const broker = startBrokerProcess(world);
  brokers.push(broker);
  await broker.ready;
  const socket = await connectBrokerSocket(world.paths.socket);
  sockets.push(socket);
  await socket.hello();
  return socket;
}

test('two machines on one Redis: one poll leader serves both, and each gets its own SMS', async () => {
  const apiKey = `tn_test_${randomBytes(12).toString('hex')}`;
  sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey] });
  const [a, b] = [await machine(apiKey), await machine(apiKey)];
  const leaders = await Promise.all([a, b].map((s) => s.request<BrokerStatus>({ op: 'status' })));
  expect(leaders.map((s) => s.store)).toEqual(['redis', 'redis']);
  expect(leaders.filter((s) => s.pollLeader)).toHaveLength(1);

  const services = ['facebook', 'instagram', 'twitter', 'google'];
  const leases = await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const socket = i % 2 === 0 ? a : b;
      const { record } = await socket.request<LeaseResult>({
        op: 'lease',
        service: services[i % 4]!,
        countries: ['us'],
      });
      return { socket, record };
    }),
  );
  const waits = leases.map(({ socket, record }) =>
    socket.request<WaitResult>({ op: 'wait', activationId: record.id, afterSequence: 0, holdMs: 15_000 }),
  );
  for (const [i, { record }] of leases.entries())
    await sandbox.deliverSms(record.number, `code ${200000 + i}`);
  expect((await Promise.all(waits)).map((r) => r.sms?.apiCode)).toEqual(
    leases.map((_, i) => String(200000 + i)),
  );
  expect(sandbox.state().rateLimited).toBe(0);
});
