/**
 * DESIGN §5 "Never retried blindly": a lease whose answer is lost on the way back (after the
 * API leased the number) is looked up in the history before any new POST, so no paid number is
 * lost track of. Without Redis a number found only in the history cannot be proven this
 * broker's, so it is booked as an orphan and released, and the test gets a fresh number
 * (lease-intents.ts). Faults come from a real proxy in front of the sandbox; the request
 * timeout is short so the in-flight bound (2 × timeout, real time) passes quickly.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { test as base, expect } from '@playwright/test';
import type { LeaseResult } from '../../src/broker/protocol.ts';
import { type ActivationRecord, isIntentId } from '../../src/contract/activation.ts';
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
const REQUEST_TIMEOUT_MS = 1_000;

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
    world.env.TEMPNUMBER_REQUEST_TIMEOUT_MS = String(REQUEST_TIMEOUT_MS);
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

const ledgerOf = async (world: BrokerWorld) => {
  const byId = new Map<string, ActivationRecord>();
  for (const line of (await readFile(world.paths.ledger, 'utf8')).trim().split('\n')) {
    const r = JSON.parse(line) as ActivationRecord;
    byId.set(r.id, r);
  }
  return [...byId.values()];
};

for (const rule of ['dropAnswer', 'garbleAnswer'] as const) {
  test(`a lease whose answer is lost (${rule}) is found in the history, released as an orphan, and the test gets a fresh number`, async ({
    socket,
    sandbox,
    faultProxy,
    apiKey,
    broker,
    world,
  }) => {
    faultProxy.inject('POST', '/activations', rule);
    const { record } = await lease(socket);
    expect(faultProxy.applied).toEqual([`POST /activations ${rule}`]);
    const bought = facebookOf(sandbox, apiKey);
    expect(bought).toHaveLength(2);
    const [lost, fresh] = bought.sort((a, b) => a.id - b.id);
    expect(record.id).toBe(String(fresh?.id));
    expect(record.number).toBe(`+${fresh?.number}`);
    expect(broker.output()).toContain(`turned out to be activation ${lost?.id}`);
    // Both numbers are in the ledger: the orphan released (never handed out), every intent closed.
    const ledger = await ledgerOf(world);
    expect(ledger.find((r) => r.id === String(lost?.id))).toMatchObject({
      orphan: true,
      outcome: 'cancelled',
    });
    expect(ledger.filter((r) => r.outcome === 'unknown')).toEqual([]);
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
  expect(facebookOf(sandbox, apiKey).map((a) => String(a.id))).toEqual([record.id]);
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
  expect(error.message).toContain('A number may have been leased; its lease intent');
  expect(error.message).toContain('Not leasing again for this test');
  // Exactly one number was bought, and only once.
  const bought = facebookOf(sandbox, apiKey);
  expect(bought).toHaveLength(1);
  const ledger = () => ledgerOf(world);
  expect((await ledger()).filter((r) => r.outcome === 'unknown')).toEqual([
    expect.objectContaining({ service: 'facebook', country: 'us', status: 'posting' }),
  ]);
  faultProxy.heal();
  // The broker looks again on its own (after 5 s real) and books the number as a cancelled orphan.
  await expect
    .poll(async () => (await ledger()).find((r) => r.id === String(bought[0]?.id))?.outcome, {
      timeout: 20_000,
    })
    .toBe('cancelled');
  const entries = await ledger();
  expect(entries.filter((r) => r.outcome === 'unknown')).toEqual([]);
  expect(entries.find((r) => isIntentId(r.id) && r.service === 'facebook')?.status).toBe(
    `leasedAs:${bought[0]?.id}`,
  );
  expect(entries.find((r) => r.id === String(bought[0]?.id))?.orphan).toBe(true);
});
