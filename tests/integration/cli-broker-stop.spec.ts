/**
 * `playwright-tempnumber broker stop`: finds the account's running broker the way `status` does
 * and asks it to exit as its idle exit does — socket and lock gone, ledger kept. Refused while
 * activations wait for an SMS, unless `--force`.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { isAlive } from '../../src/broker/lock-file.ts';
import { EXIT_CODES } from '../../src/cli/frame.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerProcess,
  type BrokerWorld,
  createBrokerWorld,
  startBrokerProcess,
  stopBrokerProcess,
} from '../helpers/broker-server-process.ts';
import { connectBrokerSocket } from '../helpers/broker-socket.ts';
import { runCli } from '../helpers/broker-test-env.ts';

// Slow enough that a leased number (1200 API s) outlives the test: 1200 / 20 = 60 s.
const TIME_SCALE = 20;
const apiKey = `tn_test_${randomBytes(12).toString('hex')}`;

let sandbox: Sandbox;
let world: BrokerWorld;
let broker: BrokerProcess;

test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey] });
  world = await createBrokerWorld({ apiKey, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
  broker = startBrokerProcess(world);
  await broker.ready;
});

test.afterEach(async () => {
  await stopBrokerProcess(broker);
  await sandbox.close();
  await rm(world.runtimeDir, { recursive: true, force: true });
});

const stop = (...flags: string[]) =>
  runCli(['broker', 'stop', '--runtime-dir', world.runtimeDir, ...flags], world.env);

async function expectGone(pid: number): Promise<void> {
  expect(await broker.exited).toEqual({ code: 0, signal: null });
  expect(isAlive(pid)).toBe(false);
  await expect(stat(world.paths.socket)).rejects.toThrow(/ENOENT/);
  await expect(stat(world.paths.discovery)).rejects.toThrow(/ENOENT/);
}

test('an idle broker stops: exit 0, pid gone, socket and discovery file gone, ledger kept', async () => {
  const run = await stop();
  expect(run.code, run.stderr).toBe(EXIT_CODES.ok.code);
  expect(run.stdout).toContain(`Stopped the broker (pid ${broker.pid}) of account ${world.account}.`);
  expect(run.stdout).toContain(world.paths.ledger);
  await expectGone(broker.pid);
  expect(broker.output()).toMatch(/stop asked by cli broker stop \(pid \d+\): exiting/);
  for (const text of [run.stdout, run.stderr, broker.output()]) expect(text).not.toContain(apiKey);
});

test('with an activation waiting it refuses without --force, and stops with it, leaving the activation in the ledger', async () => {
  const socket = await connectBrokerSocket(world.paths.socket);
  await socket.hello('signup.spec.ts › sign up');
  const { record } = await socket.lease();

  const refused = await stop();
  expect(refused.code).toBe(EXIT_CODES.failure.code);
  expect(refused.stderr).toContain(
    `1 activation leased and waiting for an SMS (${record.id} of signup.spec.ts › sign up)`,
  );
  expect(refused.stderr).toContain('add --force');
  expect(isAlive(broker.pid)).toBe(true);
  expect(await socket.request<{ waiting: number }>({ op: 'status' })).toMatchObject({ waiting: 1 });

  const forced = await stop('--force', '--json');
  expect(forced.code, forced.stderr).toBe(EXIT_CODES.ok.code);
  expect(JSON.parse(forced.stdout)).toMatchObject({ stopped: true, pid: broker.pid, waiting: 1 });
  await expectGone(broker.pid);
  await socket.closed;
  // The next broker finds it there and reconciles it.
  const ledger = await readFile(world.paths.ledger, 'utf8');
  expect(ledger).toContain(`"id":${JSON.stringify(record.id)}`);
});

test('with no broker running it says so and exits 6, the code `status` uses', async () => {
  await stopBrokerProcess(broker);
  const run = await stop();
  expect(run.code).toBe(EXIT_CODES.notRunning.code);
  expect(run.stdout).toContain('No broker is running for this account');
  const json = await stop('--json');
  expect(json.code).toBe(EXIT_CODES.notRunning.code);
  expect(JSON.parse(json.stdout)).toMatchObject({ running: false, stopped: false, account: world.account });
});

test('`broker stop --help` lists --force and the exit codes', async () => {
  const run = await runCli(['broker', 'stop', '--help'], {});
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Usage: playwright-tempnumber broker stop [--force]');
  expect(run.stdout).toContain('6  status, broker stop: no broker is running');
});
