import { chmod } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { BrokerUnavailableError, connectBroker } from '../../src/broker/index.ts';
import { isAlive } from '../../src/broker/lock-file.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  type BrokerTestMachine,
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
  await chmod(machine.runtimeDir, 0o700).catch(() => {});
  await destroyMachine(machine);
});

test.afterAll(async () => {
  await sandbox?.close();
});

test('a client SIGKILLed mid-wait has its activation cancelled in the ledger', async () => {
  const victim = runScript(helperScript('broker-lease-and-wait.ts'), machine.env);
  const { activationId } = JSON.parse(await victim.waitForLine((l) => l.includes('activationId'))) as {
    activationId: string;
  };
  victim.child.kill('SIGKILL');
  await victim.exited;
  await expect
    .poll(
      async () => {
        const cli = await runCli(['activations', '--json'], machine.env);
        const { activations } = JSON.parse(cli.stdout) as {
          activations: Array<{ id: string; outcome: string }>;
        };
        return activations.find((a) => a.id === activationId)?.outcome;
      },
      { timeout: 30_000 },
    )
    .toBe('cancelled');
});

test('a broker killed mid-wait is replaced, adopts the phone, and the wait goes on to the code', async () => {
  const client = await connectBroker({ ...machine.connectOptions, owner: 'survivor' });
  try {
    const phone = await client.lease({ service: 'facebook', country: 'us' });
    const oldPid = client.brokerPid;
    const waiting = phone.code({ timeout: 60_000 });
    process.kill(oldPid, 'SIGKILL');
    await expect.poll(() => client.brokerPid, { timeout: 20_000 }).not.toBe(oldPid);
    expect(isAlive(client.brokerPid)).toBe(true);
    await sandbox.deliverSms(phone.number, 'Your code is 246810');
    expect(await waiting).toBe('246810');
    const record = await phone.release();
    expect(record.outcome).toBe('finalized');
  } finally {
    await client.close();
  }
});

test('when no new broker can replace a killed one, the wait fails naming the pid, number and ledger', async () => {
  const client = await connectBroker({ ...machine.connectOptions, owner: 'stranded' });
  try {
    const phone = await client.lease({ service: 'facebook', country: 'us' });
    const pid = client.brokerPid;
    const waiting = phone.code({ timeout: 60_000 }).catch((e: unknown) => e);
    // A runtime dir others could write to is refused, so the replacement cannot start.
    await chmod(machine.runtimeDir, 0o777);
    process.kill(pid, 'SIGKILL');
    const error = (await waiting) as Error;
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect(error.message).toContain(
      `The broker (pid ${pid}) exited while waiting for an SMS to ${phone.number}`,
    );
    expect(error.message).toContain(
      `activation ${phone.id} is recorded in the ledger at ${machine.paths.ledger}`,
    );
    expect(error.message).toContain('will be reconciled by the next broker');
    expect(error.message).not.toContain(apiKey);
  } finally {
    await client.close();
  }
});
