/**
 * Money drills at time scale 1 with realistic latency (issue "money safety at real speed"): a
 * compressed clock makes latency tiny next to the API's windows and lifetimes and hides exactly
 * these bugs. Brokers run as real processes, tests lease through the public `connectBroker`, the
 * sandbox is the public `startSandbox`, and a fault proxy in front of it loses answers or lets
 * the test SIGKILL the broker at a chosen moment of a request.
 *
 * After every drill: every sandbox activation of the key is in exactly one ledger (without Redis,
 * two brokers on one key may both record one — the second only as an orphan, never handed out),
 * no ledger holds an activation the sandbox does not, no lease intent is left open, and no
 * number was handed to two tests.
 *
 * The request timeout is 1.5 s (so the in-flight bound, 2 × timeout, is 3 s) to keep the file
 * short; the clock is not compressed.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { test as base, expect } from '@playwright/test';
import { type BrokerClient, connectBroker } from '../../src/broker/index.ts';
import { type ActivationRecord, isIntentId } from '../../src/contract/activation.ts';
import { accountHash, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerProcess,
  type BrokerWorld,
  createBrokerWorld,
  startBrokerProcess,
  stopBrokerProcess,
} from '../helpers/broker-server-process.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts';

const REQUEST_TIMEOUT_MS = 1_500;
/** Realistic one-way server latency (real ms, after the sandbox acted). */
const LATENCY_MS = 80;

interface Drill {
  apiKey: string;
  sandbox: Sandbox;
  proxy: FaultProxy;
  /** A broker world (own runtime dir) on `baseUrl`; cleaned up after the test. */
  world(baseUrl: string, redisUrl?: string): Promise<BrokerWorld>;
  /** Start a broker process for `world` and connect a client to it, as a worker would. */
  broker(world: BrokerWorld): Promise<{ process: BrokerProcess; client: BrokerClient }>;
  /** Every id a test was handed, in order. */
  handed: string[];
}

const test = base.extend<{ drill: Drill }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  drill: async ({}, use) => {
    const apiKey = `tn_drill_${randomBytes(12).toString('hex')}`;
    const sandbox = await startSandbox({ port: 0, timeScale: 1, apiKeys: [apiKey] });
    sandbox.setFaults({ latencyMs: LATENCY_MS });
    const proxy = await startFaultProxy(sandbox.apiUrl);
    const worlds: BrokerWorld[] = [];
    const processes: BrokerProcess[] = [];
    const clients: BrokerClient[] = [];
    await use({
      apiKey,
      sandbox,
      proxy,
      handed: [],
      async world(baseUrl, redisUrl) {
        const world = await createBrokerWorld({ apiKey, baseUrl, timeScale: 1 });
        world.env.TEMPNUMBER_REQUEST_TIMEOUT_MS = String(REQUEST_TIMEOUT_MS);
        if (redisUrl) world.env.TEMPNUMBER_REDIS_URL = redisUrl;
        worlds.push(world);
        return world;
      },
      async broker(world) {
        const process = startBrokerProcess(world);
        processes.push(process);
        await process.ready;
        const client = await connectBroker({
          apiKey,
          baseUrl: world.baseUrl,
          runtimeDir: world.runtimeDir,
          timeScale: 1,
          // The broker's settings exactly: a client with others would replace the idle broker.
          requestTimeoutMs: REQUEST_TIMEOUT_MS,
          ...(world.env.TEMPNUMBER_REDIS_URL ? { redisUrl: world.env.TEMPNUMBER_REDIS_URL } : {}),
          owner: `drill client of ${world.runtimeDir}`,
        });
        clients.push(client);
        return { process, client };
      },
    });
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(processes.map((p) => stopBrokerProcess(p)));
    // Whatever went wrong, the key appears in no broker output and no ledger.
    for (const p of processes) expect(p.output()).not.toContain(apiKey);
    for (const w of worlds)
      expect(await readFile(w.paths.ledger, 'utf8').catch(() => '')).not.toContain(apiKey);
    await proxy.close();
    await sandbox.close();
    await Promise.allSettled(worlds.map((w) => rm(w.runtimeDir, { recursive: true, force: true })));
  },
});

test.describe.configure({ mode: 'parallel' });

/** The ledger's last record per id. */
async function ledgerOf(world: BrokerWorld): Promise<ActivationRecord[]> {
  const text = await readFile(world.paths.ledger, 'utf8').catch(() => '');
  const byId = new Map<string, ActivationRecord>();
  for (const line of text.split('\n')) {
    if (line.trim() !== '') byId.set((JSON.parse(line) as ActivationRecord).id, JSON.parse(line));
  }
  return [...byId.values()];
}

/** The books of the drill, once every intent is settled (see the file comment). */
async function expectBooks(
  drill: Drill,
  worlds: BrokerWorld[],
  options: { sharedKeyWithoutRedis?: boolean } = {},
): Promise<ActivationRecord[][]> {
  await expect
    .poll(
      async () => (await Promise.all(worlds.map(ledgerOf))).flat().filter((r) => r.outcome === 'unknown'),
      { timeout: 30_000, message: 'every lease intent is settled' },
    )
    .toEqual([]);
  const ledgers = await Promise.all(worlds.map(ledgerOf));
  const bought = drill.sandbox.state().activations.filter((a) => a.account === accountHash(drill.apiKey));
  for (const a of bought) {
    const records = ledgers.flatMap((l) => l.filter((r) => r.id === String(a.id)));
    expect(records.length, `activation ${a.id} is in a ledger`).toBeGreaterThanOrEqual(1);
    if (options.sharedKeyWithoutRedis) {
      expect(records.filter((r) => !r.orphan).length, `activation ${a.id} is owned once`).toBeLessThanOrEqual(
        1,
      );
    } else {
      expect(records.length, `activation ${a.id} is in exactly one ledger`).toBe(1);
    }
  }
  const boughtIds = new Set(bought.map((a) => String(a.id)));
  for (const r of ledgers.flat().filter((r) => !isIntentId(r.id))) {
    expect(boughtIds.has(r.id), `ledger record ${r.id} exists at the API`).toBe(true);
  }
  expect(new Set(drill.handed).size, 'no number was handed to two tests').toBe(drill.handed.length);
  for (const id of drill.handed) {
    expect(
      ledgers.flat().some((r) => r.id === id && !r.orphan),
      `handed-out ${id} is owned, not an orphan`,
    ).toBe(true);
  }
  return ledgers;
}

async function lease(drill: Drill, client: BrokerClient, service = 'facebook') {
  const phone = await client.lease({ service, country: 'us' });
  drill.handed.push(phone.id);
  return phone;
}

test('a lost answer: the lost number is booked (an orphan, released) and the test gets a fresh one', async ({
  drill,
}) => {
  const world = await drill.world(drill.proxy.apiUrl);
  const { client } = await drill.broker(world);
  drill.proxy.inject('POST', '/activations', 'dropAnswer');
  const phone = await lease(drill, client);
  await phone.release();
  const [ledger] = await expectBooks(drill, [world]);
  expect(ledger?.filter((r) => r.orphan).map((r) => r.outcome)).toEqual(['cancelled']);
});

test('an answer later than the client timeout counts as lost, and is booked once', async ({ drill }) => {
  const world = await drill.world(drill.proxy.apiUrl);
  const { client } = await drill.broker(world);
  // The sandbox acts at once and answers after the client gave up.
  drill.proxy.at(
    'POST',
    '/activations',
    'answered',
    () => new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS + 500)),
  );
  const phone = await lease(drill, client);
  await phone.release();
  await expectBooks(drill, [world]);
  expect(drill.sandbox.state().activations).toHaveLength(2);
});

test('a server acting after the client timeout (within the in-flight bound) is found, not forgotten', async ({
  drill,
}) => {
  const world = await drill.world(drill.proxy.apiUrl);
  const { client } = await drill.broker(world);
  // Hold only this POST before the sandbox acts: past the timeout, inside the bound.
  drill.proxy.at('POST', '/activations', 'forwarding', () => {
    drill.sandbox.setFaults({ latencyMs: LATENCY_MS, holdMs: REQUEST_TIMEOUT_MS + 700 });
    setTimeout(() => drill.sandbox.setFaults({ latencyMs: LATENCY_MS }), 200);
  });
  const phone = await lease(drill, client);
  await phone.release();
  await expectBooks(drill, [world]);
  expect(drill.sandbox.state().activations).toHaveLength(2);
});

for (const phase of ['received', 'forwarding', 'answered'] as const) {
  test(`a broker SIGKILLed mid-lease (${phase}): the next broker settles its intent, nothing is lost`, async ({
    drill,
  }) => {
    const world = await drill.world(drill.proxy.apiUrl);
    const first = await drill.broker(world);
    drill.proxy.at('POST', '/activations', phase, () => {
      first.process.child.kill('SIGKILL');
    });
    await expect(lease(drill, first.client)).rejects.toThrow();
    await first.process.exited;
    // The next broker, same runtime dir: it reconciles the open intent once its bound passed.
    const second = await drill.broker(world);
    const phone = await lease(drill, second.client, 'telegram');
    await phone.release();
    const [ledger] = await expectBooks(drill, [world]);
    const facebook = drill.sandbox.state().activations.filter((a) => a.serviceId === 'facebook');
    expect(facebook).toHaveLength(phase === 'received' ? 0 : 1);
    for (const a of facebook)
      expect(ledger?.find((r) => r.id === String(a.id))).toMatchObject({ orphan: true });
  });
}

test('a broker with a left-over open intent does not exit idle before it settled it', async ({ drill }) => {
  const world = await drill.world(drill.proxy.apiUrl);
  const first = await drill.broker(world);
  drill.proxy.at('POST', '/activations', 'answered', () => {
    first.process.child.kill('SIGKILL');
  });
  await expect(lease(drill, first.client)).rejects.toThrow();
  await first.process.exited;
  // Nobody connects to the next broker, and it may idle only 300 ms: the open intent keeps it up.
  const second = startBrokerProcess(world, ['--idle-exit-ms', '300']);
  await second.ready;
  await second.exited;
  const ledger = await ledgerOf(world);
  expect(ledger.filter((r) => r.outcome === 'unknown')).toEqual([]);
  const [bought] = drill.sandbox.state().activations;
  expect(ledger.find((r) => r.id === String(bought?.id))).toMatchObject({
    orphan: true,
    outcome: 'cancelled',
  });
});

test('two brokers on one key without Redis, one lost answer: no number goes to two tests, none is lost', async ({
  drill,
}) => {
  // Both on the same base URL (one account), so the proxy's lost answer hits whichever POST comes first.
  const worldA = await drill.world(drill.proxy.apiUrl);
  const worldB = await drill.world(drill.proxy.apiUrl);
  const a = await drill.broker(worldA);
  const b = await drill.broker(worldB);
  drill.proxy.inject('POST', '/activations', 'dropAnswer');
  const phones = await Promise.all([lease(drill, a.client), lease(drill, b.client), lease(drill, b.client)]);
  await Promise.all(phones.map((p) => p.release()));
  await expectBooks(drill, [worldA, worldB], { sharedKeyWithoutRedis: true });
});

test.describe('with Redis', () => {
  let redis: RedisServer;
  test.beforeAll(async () => {
    redis = await startRedisServer();
  });
  test.afterAll(async () => {
    await redis.stop();
  });

  test('two brokers on one key, one lost answer: the number found in history is claimed account-wide and handed to its own test', async ({
    drill,
  }) => {
    const worldA = await drill.world(drill.proxy.apiUrl, redis.url);
    const worldB = await drill.world(drill.proxy.apiUrl, redis.url);
    const a = await drill.broker(worldA);
    const b = await drill.broker(worldB);
    drill.proxy.inject('POST', '/activations', 'dropAnswer');
    const phones = await Promise.all([
      lease(drill, a.client),
      lease(drill, b.client),
      lease(drill, b.client),
    ]);
    await Promise.all(phones.map((p) => p.release()));
    await expectBooks(drill, [worldA, worldB]);
    // No second number for the lost answer: three leases, three numbers.
    expect(drill.sandbox.state().activations).toHaveLength(3);
  });
});

test('the sandbox restarted twice on the same port: every later lease works, nothing is refused as "already booked"', async ({
  drill,
}) => {
  const port = new URL(drill.sandbox.apiUrl).port;
  const world = await drill.world(drill.sandbox.apiUrl);
  const { client } = await drill.broker(world);
  const ids: string[] = [];
  let sandbox = drill.sandbox;
  for (let round = 0; round < 3; round++) {
    const phone = await client.lease({ service: 'facebook', country: 'us' });
    ids.push(phone.id);
    await phone.release();
    if (round < 2) {
      await sandbox.close();
      sandbox = await startSandbox({ port: Number(port), timeScale: 1, apiKeys: [drill.apiKey] });
    }
  }
  await sandbox.close();
  expect(new Set(ids).size).toBe(3);
  const ledger = await ledgerOf(world);
  for (const id of ids) expect(ledger.find((r) => r.id === id)?.outcome).toBe('cancelled');
  expect(ledger.filter((r) => r.outcome === 'unknown')).toEqual([]);
});

test('nothing listening: the lease fails within a second, says so, and nothing is reconciled', async ({
  drill,
}) => {
  const world = await drill.world(drill.proxy.apiUrl);
  const { client } = await drill.broker(world);
  // A warm broker (its start-up reads done), then the server goes away.
  await (await lease(drill, client)).release();
  await drill.proxy.close();
  const startedAt = Date.now();
  const error = (await lease(drill, client).catch((e: unknown) => e)) as Error;
  expect(Date.now() - startedAt).toBeLessThan(1_000);
  expect(error.message).toContain('nothing could be reached');
  expect(error.message).toContain('TEMPNUMBER_BASE_URL');
  const ledger = await ledgerOf(world);
  expect(ledger.filter((r) => !isIntentId(r.id))).toHaveLength(1);
  // The intent of the refused POST is closed at once: nothing to reconcile.
  expect(ledger.filter((r) => r.outcome === 'unknown')).toEqual([]);
  expect(ledger.filter((r) => r.status === 'notSent')).toHaveLength(1);
});
