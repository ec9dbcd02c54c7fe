/**
 * The lease guards in a real broker against the sandbox: they stop a lease before the API
 * would refuse it (or block the pair), and say why in a GuardError.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { LeaseResult } from '../../src/broker/protocol.ts';
import type { WireError } from '../../src/contract/errors.ts';
import { accountHash } from '../../src/sandbox/index.ts';
import { expect, test } from '../helpers/broker-server-test.ts';
import { type BrokerSocket, connectBrokerSocket } from '../helpers/broker-socket.ts';

type Env = Record<string, string>;

/** Start this test's broker with `env` added, and connect to it. */
async function brokerWith(
  fixtures: {
    world: { env: NodeJS.ProcessEnv; paths: { socket: string } };
    spawnBroker: () => { ready: Promise<string> };
  },
  env: Env,
): Promise<BrokerSocket> {
  Object.assign(fixtures.world.env, env);
  const broker = fixtures.spawnBroker();
  await broker.ready;
  const socket = await connectBrokerSocket(fixtures.world.paths.socket);
  await socket.hello('guard spec');
  return socket;
}

/** Stop the running broker of `world` (SIGTERM by the pid it published) and wait until it is gone. */
async function stopBroker(world: { paths: { discovery: string } }): Promise<void> {
  const { pid } = JSON.parse(readFileSync(world.paths.discovery, 'utf8')) as { pid: number };
  process.kill(pid, 'SIGTERM');
  await expect.poll(() => existsSync(world.paths.discovery)).toBe(false);
}

const lease = (socket: BrokerSocket, service = 'facebook', maxPrice?: number) =>
  socket.request<LeaseResult>({
    op: 'lease',
    service,
    countries: ['us'],
    ...(maxPrice === undefined ? {} : { maxPrice }),
  });
const refusal = (socket: BrokerSocket, service = 'facebook', maxPrice?: number) =>
  lease(socket, service, maxPrice).then(
    () => {
      throw new Error('the lease was expected to be refused');
    },
    (e: { wire: WireError }) => e.wire,
  );

test('the delivery-rate guard refuses the 5th number of a pair none of whose 4 got an SMS; the API never refuses one', async ({
  world,
  spawnBroker,
  sandbox,
  apiKey,
}) => {
  const socket = await brokerWith({ world, spawnBroker }, { TEMPNUMBER_BREAKER_THRESHOLD: '0' });
  for (let i = 0; i < 4; i++) {
    const { record } = await lease(socket);
    await socket.request({ op: 'release', activationId: record.id });
  }
  const wire = await refusal(socket);
  expect(wire).toMatchObject({ name: 'GuardError', guard: 'deliveryRate' });
  expect(wire.message).toContain('0 of the last 4 activations of facebook/us got an SMS');
  const state = sandbox.state();
  expect(state.activations.filter((a) => a.account === accountHash(apiKey))).toHaveLength(4);
  expect(state.requestsByBucket['POST /activations']).toBe(4);
  socket.close();
});

test('a burst beyond 4 numbers of a fresh pair is held, and goes ahead when an SMS arrives', async ({
  world,
  spawnBroker,
  sandbox,
}) => {
  const socket = await brokerWith({ world, spawnBroker }, {});
  const first = await Promise.all([0, 1, 2, 3].map(() => lease(socket)));
  let fifthDone = false;
  const fifth = lease(socket).finally(() => {
    fifthDone = true;
  });
  await expect.poll(() => sandbox.state().activations.length).toBe(4);
  expect(fifthDone).toBe(false);
  await sandbox.deliverSms(first[0]!.record.number, 'code 123456');
  expect((await fifth).record.service).toBe('facebook');
  socket.close();
});

test('a restarted broker learns the pair history from the API and still refuses', async ({
  world,
  spawnBroker,
}) => {
  const env = { TEMPNUMBER_BREAKER_THRESHOLD: '0', TEMPNUMBER_DELIVERY_HOLD_MS: '0' };
  const socket = await brokerWith({ world, spawnBroker }, env);
  for (let i = 0; i < 4; i++) {
    const { record } = await lease(socket);
    await socket.request({ op: 'release', activationId: record.id });
  }
  socket.close();
  // Same runtime dir, a fresh memory store: only the API's history can tell.
  await stopBroker(world);
  const restarted = await brokerWith({ world, spawnBroker }, env);
  expect(await refusal(restarted)).toMatchObject({ guard: 'deliveryRate' });
  restarted.close();
});

test('three numbers without an SMS trip the circuit breaker, which names them', async ({
  world,
  spawnBroker,
}) => {
  const socket = await brokerWith({ world, spawnBroker }, {});
  const numbers: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { record } = await lease(socket, 'instagram');
    numbers.push(record.number);
    await socket.request({ op: 'release', activationId: record.id });
  }
  const wire = await refusal(socket, 'instagram');
  expect(wire).toMatchObject({ name: 'GuardError', guard: 'circuitBreaker' });
  expect(wire.message).toContain(
    `The app under test sent no SMS to the last 3 numbers for instagram/us (${numbers.reverse().join(', ')})`,
  );
  socket.close();
});

test('a balance below the price is refused by the guard; with the guard off the API 402 reads clearly', async ({
  world,
  spawnBroker,
  sandbox,
  apiKey,
}) => {
  sandbox.setBalance(apiKey, 0.5);
  const socket = await brokerWith({ world, spawnBroker }, {});
  await lease(socket);
  const wire = await refusal(socket);
  expect(wire).toMatchObject({ name: 'GuardError', guard: 'balance' });
  expect(wire.message).toContain(
    'The TempNumber balance is $0.05, less than the $0.45 a facebook/us number costs',
  );
  socket.close();

  await stopBroker(world);
  const unguarded = await brokerWith({ world, spawnBroker }, { TEMPNUMBER_BALANCE_GUARD: 'off' });
  const paid = await refusal(unguarded);
  expect(paid.message).toContain(
    'TempNumber refused to lease facebook/us: the account balance does not cover the price',
  );
  expect(sandbox.state().balances[accountHash(apiKey)]).toBeGreaterThanOrEqual(0);
  unguarded.close();
});

test('a price raised above phoneMaxPrice fails with the new price and buys nothing', async ({
  world,
  spawnBroker,
  sandbox,
  apiKey,
}) => {
  const socket = await brokerWith({ world, spawnBroker }, {});
  sandbox.setPrice('facebook', 'us', 0.9);
  const wire = await refusal(socket, 'facebook', 0.5);
  expect(wire.name).toBe('PriceChangedError');
  expect(wire.message).toContain('the price is now $0.9, above the max price $0.5 (phoneMaxPrice)');
  expect(sandbox.state().activations.filter((a) => a.account === accountHash(apiKey))).toEqual([]);
  socket.close();
});
