import { readFileSync } from 'node:fs';
import type { LeaseResult } from '../../src/broker/protocol.ts';
import { expect, TIME_SCALE, test } from '../helpers/broker-server-test.ts';
import { connectBrokerSocket } from '../helpers/broker-socket.ts';

test("a lease is in the ledger (fsync'd) before its answer reaches the client", async ({
  connect,
  broker,
  world,
}) => {
  const socket = await connect();
  const answer = socket.raw({ op: 'lease', service: 'facebook', countries: ['us'] });
  const response = await answer;
  // Freeze the broker the moment the answer is read: anything written later cannot count.
  process.kill(broker.pid, 'SIGSTOP');
  let ledger: string;
  try {
    ledger = readFileSync(world.paths.ledger, 'utf8');
  } finally {
    process.kill(broker.pid, 'SIGCONT');
  }
  expect(response.ok).toBe(true);
  const { record } = (response as { result: LeaseResult }).result;
  const lines = ledger
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines).toContainEqual(
    expect.objectContaining({ id: record.id, outcome: 'waiting', number: record.number }),
  );
});

test('the lease answers the number as +digits, the price, and an expiry from the API lifetime on the real clock', async ({
  connect,
}) => {
  const socket = await connect('pid 1 · worker 0 · signup.spec.ts');
  const before = Date.now();
  const { record, budgetWaitMs, skipped } = await socket.request<LeaseResult>({
    op: 'lease',
    service: 'facebook',
    countries: ['us'],
    maxPrice: 0.5,
  });
  expect(record).toMatchObject({
    service: 'facebook',
    country: 'us',
    price: 0.45,
    status: 'smsRequested',
    outcome: 'waiting',
    owner: 'pid 1 · worker 0 · signup.spec.ts',
  });
  expect(record.number).toMatch(/^\+1\d{10}$/);
  // 1200 API seconds at time scale 300 is 4 real seconds.
  const lifetimeMs = Date.parse(record.expiresAt) - Date.parse(record.leasedAt);
  expect(lifetimeMs).toBeGreaterThan((1200_000 / TIME_SCALE) * 0.9);
  expect(lifetimeMs).toBeLessThanOrEqual(1200_000 / TIME_SCALE + 50);
  expect(Date.parse(record.leasedAt)).toBeGreaterThanOrEqual(before - 5);
  expect(budgetWaitMs).toBeGreaterThanOrEqual(0);
  expect(skipped).toEqual([]);
});

test('a country without numbers is skipped with its reason, and the next one leases', async ({
  connect,
  sandbox,
}) => {
  const socket = await connect();
  // The sandbox catalog has no WhatsApp numbers in Germany.
  const result = await socket.lease('whatsapp', ['de', 'us']);
  expect(result.record.country).toBe('us');
  expect(result.skipped).toEqual([{ country: 'de', reason: expect.stringContaining('no numbers') }]);
  expect(sandbox.state().requestsByBucket['POST /activations']).toBe(2);
});

test('a country over the max price is skipped (expectedPrice sent), the next one within it leases', async ({
  connect,
}) => {
  const socket = await connect();
  // Facebook costs 0.85 in Germany and 0.45 in the US.
  const result = await socket.request<LeaseResult>({
    op: 'lease',
    service: 'facebook',
    countries: ['de', 'us'],
    maxPrice: 0.5,
  });
  expect(result.record).toMatchObject({ country: 'us', price: 0.45 });
  expect(result.skipped).toEqual([
    {
      country: 'de',
      reason: expect.stringMatching(/price is now \$0\.85, above the max price \$0\.5 \(phoneMaxPrice\)/),
    },
  ]);
});

test('when no country works the lease fails naming the service, every country and why', async ({
  connect,
}) => {
  const socket = await connect();
  const error = await socket
    .request({ op: 'lease', service: 'facebook', countries: ['de', 'nl'], maxPrice: 0.5 })
    .catch((e: Error & { wire: Record<string, unknown> }) => e);
  expect(error).toBeInstanceOf(Error);
  const wire = (error as { wire: Record<string, unknown> }).wire;
  expect(wire.name).toBe('PriceChangedError');
  expect(wire.message).toMatch(/No facebook number could be leased in de, nl/);
  expect(wire.message).toMatch(/de: the price is now \$0\.85.*nl: the price is now \$0\.9/);
  expect(wire.skipped).toHaveLength(2);
});

test('after lowSuccessRate the pair is blocked in the store: the next lease skips it without calling the API', async ({
  world,
  spawnBroker,
  sandbox,
}) => {
  // The broker's own guards would stop this long before the API does (docs/guards.md).
  world.env.TEMPNUMBER_DELIVERY_GUARD = 'off';
  world.env.TEMPNUMBER_BREAKER_THRESHOLD = '0';
  const broker = spawnBroker();
  await broker.ready;
  const socket = await connectBrokerSocket(world.paths.socket);
  await socket.hello();
  // The sandbox refuses the 6th activation of a pair when none of the first 5 got an SMS.
  for (let i = 0; i < 5; i++) {
    const { record } = await socket.lease('twitter', ['gb']);
    await socket.request({ op: 'release', activationId: record.id });
  }
  const sixth = await socket.lease('twitter', ['gb', 'us']);
  expect(sixth.record.country).toBe('us');
  expect(sixth.skipped[0]?.reason).toMatch(/blocked this service in this country for 24 h/);
  const posts = sandbox.state().requestsByBucket['POST /activations'];
  const seventh = await socket.lease('twitter', ['gb', 'us']);
  expect(seventh.skipped[0]?.reason).toMatch(/blocked/);
  expect(sandbox.state().requestsByBucket['POST /activations']).toBe(posts + 1);
  socket.close();
});
