import { chmod, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { WaitResult } from '../../src/broker/protocol.ts';
import type { DiscoveryInfo } from '../../src/broker/runtime-paths.ts';
import type { ActivationRecord } from '../../src/contract/activation.ts';
import { stopBrokerProcess } from '../helpers/broker-server-process.ts';
import { expect, test } from '../helpers/broker-server-test.ts';
import { connectBrokerSocket } from '../helpers/broker-socket.ts';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

test('start-up: a 0700 account dir, a 0600 socket, and an atomic 0600 discovery file naming it (never the key)', async ({
  broker,
  world,
}) => {
  expect(broker.output()).toContain(
    `TempNumber broker for account ${world.account} listening on ${world.paths.socket}`,
  );
  expect((await stat(world.paths.dir)).mode & 0o777).toBe(0o700);
  expect((await stat(world.paths.socket)).mode & 0o777).toBe(0o600);
  expect((await stat(world.paths.discovery)).mode & 0o777).toBe(0o600);
  const discovery = JSON.parse(await readFile(world.paths.discovery, 'utf8')) as DiscoveryInfo;
  expect(discovery).toMatchObject({
    pid: broker.pid,
    socketPath: world.paths.socket,
    account: world.account,
    baseUrl: world.baseUrl,
    protocol: 2,
    store: 'memory',
  });
});

test('a second broker refuses to start while the first runs, naming the account and the running pid', async ({
  broker,
  spawnBroker,
  world,
}) => {
  const second = spawnBroker();
  const { code } = await second.exited;
  expect(code).not.toBe(0);
  expect(second.output()).toContain(
    `A broker for account ${world.account} is already running (pid ${broker.pid})`,
  );
  // The first one is untouched.
  const socket = await connectBrokerSocket(world.paths.socket);
  expect((await socket.hello()).pid).toBe(broker.pid);
  socket.close();
});

test('after the first broker is SIGKILLed, the next one takes over its stale lock and socket and reconciles its activation', async ({
  broker,
  spawnBroker,
  connect,
  world,
}) => {
  const worker = await connect();
  const { record } = await worker.lease();
  process.kill(broker.pid, 'SIGKILL');
  await broker.exited;
  expect(await exists(world.paths.socket)).toBe(true);

  const next = spawnBroker();
  await next.ready;
  const socket = await connectBrokerSocket(world.paths.socket);
  expect((await socket.hello()).pid).toBe(next.pid);
  // Nobody adopts it: released as cancelled by its expiry, then watched until the API refunds it.
  const find = async () =>
    (await socket.request<ActivationRecord[]>({ op: 'activations' })).find((r) => r.id === record.id);
  await expect.poll(async () => (await find())?.outcome, { timeout: 15_000 }).toBe('cancelled');
  await expect.poll(async () => (await find())?.refunded, { timeout: 15_000 }).toBe(true);
  socket.close();
});

test('a client that survives a broker restart adopts its activation and still gets its SMS', async ({
  broker,
  spawnBroker,
  connect,
  world,
  sandbox,
}) => {
  const worker = await connect();
  const { record } = await worker.lease();
  process.kill(broker.pid, 'SIGKILL');
  await broker.exited;
  const next = spawnBroker();
  await next.ready;
  const again = await connectBrokerSocket(world.paths.socket);
  await again.hello('the same worker, reconnected');
  const adopted = await again.request<{ adopted: ActivationRecord[] }>({
    op: 'adopt',
    activationIds: [record.id],
  });
  expect(adopted.adopted.map((r) => r.id)).toEqual([record.id]);
  const waiting = again.request<WaitResult>({
    op: 'wait',
    activationId: record.id,
    afterSequence: 0,
    holdMs: 10_000,
  });
  await sandbox.deliverSms(record.number, 'code 777888');
  expect((await waiting).sms?.text).toBe('code 777888');
  again.close();
});

test('SIGTERM answers held waits with an error, removes socket and discovery, releases the lock, exits 0', async ({
  broker,
  connect,
  world,
}) => {
  const socket = await connect();
  const { record } = await socket.lease();
  const waiting = socket.raw({ op: 'wait', activationId: record.id, afterSequence: 0, holdMs: 15_000 });
  await expect
    .poll(() => socket.request<{ waiting: number }>({ op: 'status' }).then((s) => s.waiting))
    .toBe(1);
  process.kill(broker.pid, 'SIGTERM');
  const response = await waiting;
  expect(response).toMatchObject({ ok: false, error: { message: expect.stringMatching(/shutting down/) } });
  expect((await broker.exited).code).toBe(0);
  expect(await exists(world.paths.socket)).toBe(false);
  expect(await exists(world.paths.discovery)).toBe(false);
  expect(await exists(world.paths.brokerLock)).toBe(false);
});

test('the broker exits by itself after the idle time with no client and nothing waiting', async ({
  spawnBroker,
  world,
}) => {
  const broker = spawnBroker(['--idle-exit-ms', '300']);
  await broker.ready;
  const socket = await connectBrokerSocket(world.paths.socket);
  await socket.hello();
  const { record } = await socket.lease();
  await socket.request({ op: 'release', activationId: record.id });
  socket.close();
  expect((await broker.exited).code).toBe(0);
  expect(broker.output()).toMatch(/idle for \d+ s with no client: exiting/);
  expect(await exists(world.paths.discovery)).toBe(false);
  await stopBrokerProcess(broker);
});

test('a runtime dir writable by others is refused with a message that says how to fix it', async ({
  spawnBroker,
  world,
}) => {
  await chmod(world.runtimeDir, 0o777);
  const broker = spawnBroker();
  const { code } = await broker.exited;
  expect(code).toBe(3);
  expect(broker.output()).toContain(`The broker runtime dir ${world.runtimeDir} has mode 777`);
  expect(broker.output()).toContain('chmod 700');
  expect(await exists(world.paths.socket)).toBe(false);
});

test('the API key appears in no output and no file of the runtime dir', async ({
  broker,
  connect,
  world,
  sandbox,
}) => {
  const socket = await connect();
  const { record } = await socket.lease();
  await sandbox.deliverSms(record.number, 'code 121212');
  await socket.request({ op: 'wait', activationId: record.id, afterSequence: 0, holdMs: 10_000 });
  await socket.request({ op: 'release', activationId: record.id });
  await socket.request({ op: 'lease', service: 'whatsapp', countries: ['de'] }).catch(() => {});
  socket.close();
  await stopBrokerProcess(broker);
  expect(broker.output()).not.toContain(world.apiKey);
  const files = await readdir(world.paths.dir);
  expect(files).toEqual(expect.arrayContaining(['ledger.jsonl']));
  for (const file of files) {
    const text = await readFile(join(world.paths.dir, file), 'utf8').catch(() => '');
    expect(text, file).not.toContain(world.apiKey);
  }
});
