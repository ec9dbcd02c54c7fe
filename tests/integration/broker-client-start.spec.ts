import { spawn } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { BrokerUnavailableError, connectBroker } from '../../src/broker/index.ts';
import { isAlive } from '../../src/broker/lock-file.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerTestMachine,
  brokerPids,
  createMachine,
  destroyMachine,
  helperScript,
  makeApiKey,
  runCli,
  runScript,
} from '../helpers/broker-test-env.ts';

const TIME_SCALE = 100;

let sandbox: Sandbox;
let machine: BrokerTestMachine;
const apiKey = makeApiKey();

test.beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey], balance: 10_000 });
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

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid ?? 0;
  await new Promise((resolve) => child.once('exit', resolve));
  expect(isAlive(pid)).toBe(false);
  return pid;
}

test('five processes connecting at the same moment to an empty runtime dir share exactly one broker', async () => {
  const at = Date.now() + 500;
  const scripts = Array.from({ length: 5 }, () =>
    runScript(helperScript('broker-connect-once.ts'), { ...machine.env, CONNECT_AT: String(at) }),
  );
  const results = await Promise.all(scripts.map((s) => s.exited));
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  const pids = new Set(
    results.map((r) => (JSON.parse(r.lines.at(-1) ?? '{}') as { brokerPid: number }).brokerPid),
  );
  expect(pids.size).toBe(1);
  const [pid] = [...pids];
  expect(isAlive(pid ?? 0)).toBe(true);
  expect(await brokerPids(machine.runtimeDir)).toEqual([pid]);
  const log = await readFile(machine.paths.log, 'utf8');
  expect(log.match(/starting broker/g)).toHaveLength(1);
});

test('stale discovery, lock and socket files of a dead pid are ignored and replaced', async () => {
  // Create the account dir the way a client would, then plant what a SIGKILLed broker leaves.
  await connectBroker(machine.connectOptions).then(async (c) => {
    const pid = c.brokerPid;
    await c.close();
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => isAlive(pid)).toBe(false);
  });
  const dead = await deadPid();
  const lock = JSON.stringify({ pid: dead, token: 'stale', createdAt: new Date().toISOString() });
  await writeFile(machine.paths.startLock, lock);
  await writeFile(machine.paths.brokerLock, lock);
  await writeFile(
    machine.paths.discovery,
    JSON.stringify({
      pid: dead,
      socketPath: machine.paths.socket,
      account: machine.paths.dir.split('/').pop(),
      baseUrl: sandbox.apiUrl,
      protocol: 2,
      store: 'memory',
      startedAt: new Date().toISOString(),
    }),
  );
  // The SIGKILLed broker left its socket file behind: nothing listens on it any more.
  expect((await stat(machine.paths.socket)).isSocket()).toBe(true);

  const client = await connectBroker(machine.connectOptions);
  try {
    expect(client.brokerPid).not.toBe(dead);
    expect(isAlive(client.brokerPid)).toBe(true);
    const discovery = JSON.parse(await readFile(machine.paths.discovery, 'utf8')) as { pid: number };
    expect(discovery.pid).toBe(client.brokerPid);
    const phone = await client.lease({ service: 'facebook', country: 'us' });
    await phone.release();
  } finally {
    await client.close();
  }
});

test('`status` exits 6 when no broker runs and 0 with the broker details when one does', async () => {
  const none = await runCli(['status', '--json'], machine.env);
  expect(none.code).toBe(6);
  expect(JSON.parse(none.stdout)).toMatchObject({ running: false });
  expect(await brokerPids(machine.runtimeDir)).toEqual([]);

  const client = await connectBroker({ ...machine.connectOptions, owner: 'status spec' });
  try {
    const json = await runCli(['status', '--json', '--runtime-dir', machine.runtimeDir], {
      ...machine.env,
      TEMPNUMBER_RUNTIME_DIR: '/nonexistent-on-purpose',
    });
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ running: true, pid: client.brokerPid, store: 'memory' });
    expect(status.clients).toBeGreaterThanOrEqual(1);
    expect(json.stdout).not.toContain(apiKey);

    const text = await runCli(['status'], machine.env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`pid ${client.brokerPid}`);
    expect(text.stdout).toMatch(/POST \/activations\s+\d+\/80/);
    expect(text.stdout + text.stderr).not.toContain(apiKey);
  } finally {
    await client.close();
  }
});

test('`activations` lists the ledger from the broker, and from the file once no broker runs', async () => {
  const client = await connectBroker(machine.connectOptions);
  const kept = await client.lease({ service: 'facebook', country: 'us' });
  await sandbox.deliverSms(kept.number, 'Your code is 123456');
  await kept.code({ timeout: 20_000 });
  await kept.release();
  const dropped = await client.lease({ service: 'twitter', country: 'gb' });
  await dropped.release();
  const pid = client.brokerPid;
  await client.close();

  const live = await runCli(['activations', '--json'], machine.env);
  expect(live.code, live.stderr).toBe(0);
  const fromBroker = JSON.parse(live.stdout) as {
    source: string;
    activations: Array<Record<string, unknown>>;
  };
  expect(fromBroker.source).toBe('broker');
  expect(fromBroker.activations.find((a) => a.id === kept.id)).toMatchObject({ outcome: 'finalized' });
  expect(fromBroker.activations.find((a) => a.id === dropped.id)).toMatchObject({ outcome: 'cancelled' });

  process.kill(pid, 'SIGTERM');
  await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
  const offline = await runCli(['activations', '--json'], machine.env);
  expect(offline.code, offline.stderr).toBe(0);
  const fromFile = JSON.parse(offline.stdout) as typeof fromBroker;
  expect(fromFile.source).toBe('ledger file');
  expect(fromFile.activations.map((a) => a.id).sort()).toEqual([kept.id, dropped.id].sort());

  const table = await runCli(['activations'], machine.env);
  expect(table.stdout).toMatch(/Id\s+Number\s+Service\s+Country\s+Price\s+Status\s+Outcome\s+Refunded/);
  expect(table.stdout).toContain(kept.number);
  expect(await brokerPids(machine.runtimeDir).then((p) => p.filter(isAlive))).toEqual([]);
});

test('when no broker answers in time the error is bounded and quotes the log, with the key masked', async () => {
  await connectBroker(machine.connectOptions).then(async (c) => {
    const pid = c.brokerPid;
    await c.close();
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => isAlive(pid)).toBe(false);
  });
  // A live process (this one) holds the broker lock but never answers: nothing must be spawned.
  await writeFile(
    machine.paths.brokerLock,
    JSON.stringify({ pid: process.pid, token: 'held', createdAt: new Date().toISOString() }),
  );
  await writeFile(
    machine.paths.log,
    `env dump: TEMPNUMBER_API_KEY=${apiKey}\nechoed ${apiKey} back\nlast words\n`,
    {
      flag: 'a',
    },
  );
  const started = Date.now();
  const error = await connectBroker({ ...machine.connectOptions, startTimeoutMs: 1_000 }).catch(
    (e: unknown) => e,
  );
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(error).toBeInstanceOf(BrokerUnavailableError);
  const message = (error as Error).message;
  expect(message).toContain(
    `pid ${process.pid} holds ${machine.paths.brokerLock} but no broker answered in time`,
  );
  expect(message).toContain(`Last lines of ${machine.paths.log}`);
  expect(message).toContain('last words');
  expect(message).toContain('TEMPNUMBER_API_KEY=[redacted]');
  expect(message).not.toContain(apiKey);
  await rm(machine.paths.brokerLock);
});
