/**
 * DESIGN §5 "Never retried blindly": a lease whose answer is lost on the way back (after the
 * API leased the number) is looked up in the history before any new POST, so one lease never
 * pays for two numbers. Faults come from a real proxy in front of the sandbox.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { test as base, expect } from '@playwright/test';
import type { ActivationRecord, LeaseResult } from '../../src/broker/protocol.ts';
import { accountHash, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerProcess,
  type BrokerWorld,
  createBrokerWorld,
  startBrokerProcess,
  stopBrokerProcess,
} from '../helpers/broker-server-process.ts';
import { type BrokerSocket, connectBrokerSocket } from '../helpers/broker-socket.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';

const TIME_SCALE = 300;

const test = base.extend<{
  apiKey: string;
  sandbox: Sandbox;
  faultProxy: FaultProxy;
  world: BrokerWorld;
  broker: BrokerProcess;
  socket: BrokerSocket;
}>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  apiKey: async ({}, use) => use(`tn_test_${randomBytes(12).toString('hex')}`),
  sandbox: async ({ apiKey }, use) => {
    const sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey] });
    await use(sandbox);
    await sandbox.close();
  },
  faultProxy: async ({ sandbox }, use) => {
    const faultProxy = await startFaultProxy(sandbox.apiUrl);
    await use(faultProxy);
    await faultProxy.close();
  },
  world: async ({ apiKey, faultProxy }, use) => {
    const world = await createBrokerWorld({ apiKey, baseUrl: faultProxy.apiUrl, timeScale: TIME_SCALE });
    await use(world);
    await rm(world.runtimeDir, { recursive: true, force: true });
  },
  broker: async ({ world }, use) => {
    const broker = startBrokerProcess(world);
    await broker.ready;
    await use(broker);
    await stopBrokerProcess(broker);
  },
  socket: async ({ broker, world }, use) => {
    await broker.ready;
    const socket = await connectBrokerSocket(world.paths.socket);
    await socket.hello('lost-lease spec');
    // A first lease: the broker's start-up history read is over before faults are injected.
    const { record } = await socket.lease('telegram', ['us']);
    await socket.request({ op: 'release', activationId: record.id });
    await use(socket);
    socket.close();
  },
});

const lease = (socket: BrokerSocket) =>
  socket.request<LeaseResult>({ op: 'lease', service: 'facebook', countries: ['us'], maxPrice: 0.5 });

const facebookOf = (sandbox: Sandbox, apiKey: string) =>
  sandbox.state().activations.filter((a) => a.account === accountHash(apiKey) && a.serviceId === 'facebook');

for (const rule of ['dropAnswer', 'garbleAnswer'] as const) {
  test(`a lease whose answer is lost (${rule}) is found in the history and handed out: one number, one charge`, async ({
    socket,
    sandbox,
    faultProxy,
    apiKey,
    broker,
  }) => {
    faultProxy.inject('POST', '/activations', rule);
    const { record } = await lease(socket);
    expect(faultProxy.applied).toEqual([`POST /activations ${rule}`]);
    const bought = facebookOf(sandbox, apiKey);
    expect(bought.map((a) => a.id)).toEqual([record.id]);
    expect(record.number).toBe(`+${bought[0]?.number}`);
    expect(broker.output()).toContain(`found activation ${record.id} in history`);
  });
}

test('a gateway error the history shows as not leased is followed by one more POST, which leases', async ({
  socket,
  sandbox,
  faultProxy,
  apiKey,
  broker,
}) => {
  faultProxy.inject('POST', '/activations', 'gatewayError');
  const { record } = await lease(socket);
  expect(facebookOf(sandbox, apiKey).map((a) => a.id)).toEqual([record.id]);
  expect(broker.output()).toContain('the history shows nothing was leased');
});

test('a lost answer with an unreadable history fails the lease as "may have been leased", records it, and settles it later', async ({
  socket,
  sandbox,
  faultProxy,
  apiKey,
  world,
}) => {
  faultProxy.inject('POST', '/activations', 'dropAnswer');
  faultProxy.inject('GET', '/activations', 'gatewayError', 50);
  const error = (await lease(socket).catch((e: unknown) => e)) as Error;
  expect(error.message).toContain('A number may have been leased; it is recorded for reconciliation');
  expect(error.message).toContain('Not leasing again for this test');
  // Exactly one number was bought, and only once.
  const bought = facebookOf(sandbox, apiKey);
  expect(bought).toHaveLength(1);
  const ledger = async () => {
    const byId = new Map<number, ActivationRecord>();
    for (const line of (await readFile(world.paths.ledger, 'utf8')).trim().split('\n')) {
      const r = JSON.parse(line) as ActivationRecord;
      byId.set(r.id, r);
    }
    return [...byId.values()];
  };
  expect((await ledger()).filter((r) => r.outcome === 'unknown')).toEqual([
    expect.objectContaining({ service: 'facebook', country: 'us', status: 'unknown' }),
  ]);
  faultProxy.heal();
  // The broker looks again on its own (after 5 s real) and books the number as cancelled.
  await expect
    .poll(async () => (await ledger()).find((r) => r.id === bought[0]?.id)?.outcome, { timeout: 20_000 })
    .toBe('cancelled');
  const entries = await ledger();
  expect(entries.filter((r) => r.outcome === 'unknown')).toEqual([]);
  expect(entries.find((r) => r.id < 0)?.status).toBe(`leasedAs:${bought[0]?.id}`);
});
