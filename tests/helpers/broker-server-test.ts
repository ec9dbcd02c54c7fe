/**
 * Fixtures of the broker-server integration tests: a real sandbox (time scale 300, a unique API
 * key), a private runtime dir, a broker process started the way clients start it, and sockets
 * to it. Every process and socket a test opens is closed after it.
 */

import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { test as base } from '@playwright/test';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerProcess,
  type BrokerWorld,
  createBrokerWorld,
  startBrokerProcess,
  stopBrokerProcess,
} from './broker-server-process.ts';
import { type BrokerSocket, connectBrokerSocket } from './broker-socket.ts';

/** API ms per real ms: a number lives 1200 s / 300 = 4 s; a 2-minute window passes in 400 ms. */
export const TIME_SCALE = 300;

interface Fixtures {
  apiKey: string;
  sandbox: Sandbox;
  world: BrokerWorld;
  /** Start (another) broker process on this world; stopped after the test. */
  spawnBroker(extraArgs?: string[]): BrokerProcess;
  /** The broker of this test, started and ready. */
  broker: BrokerProcess;
  /** Open a socket to the broker (hello done). */
  connect(owner?: string): Promise<BrokerSocket>;
}

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  apiKey: async ({}, use) => {
    await use(`tn_test_${randomBytes(12).toString('hex')}`);
  },
  sandbox: async ({ apiKey }, use) => {
    const sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey] });
    await use(sandbox);
    await sandbox.close();
  },
  world: async ({ apiKey, sandbox }, use) => {
    const world = await createBrokerWorld({ apiKey, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
    await use(world);
    await rm(world.runtimeDir, { recursive: true, force: true });
  },
  spawnBroker: async ({ world }, use) => {
    const started: BrokerProcess[] = [];
    await use((extraArgs = []) => {
      const broker = startBrokerProcess(world, extraArgs);
      started.push(broker);
      return broker;
    });
    await Promise.all(started.map(stopBrokerProcess));
  },
  broker: async ({ spawnBroker }, use) => {
    const broker = spawnBroker();
    await broker.ready;
    await use(broker);
  },
  connect: async ({ world, broker }, use) => {
    const sockets: BrokerSocket[] = [];
    await use(async (owner) => {
      await broker.ready;
      const socket = await connectBrokerSocket(world.paths.socket);
      sockets.push(socket);
      await socket.hello(owner);
      return socket;
    });
    for (const socket of sockets) socket.close();
  },
});

export { expect } from '@playwright/test';
