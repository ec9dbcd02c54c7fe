/**
 * Upgrading across the provider seam with money on the books: a ledger written by the broker of
 * the previous release has integer activation ids, a negative id for an open lease intent and no
 * neutral `state`. The new broker must take all of it over — watch the paid number until its
 * money verdict, settle the intent against the history — and never lose track of either.
 */
import { appendFile } from 'node:fs/promises';
import { expect } from '@playwright/test';
import { ensureRuntimePaths } from '../../src/broker/runtime-paths.ts';
import type { ActivationRecord } from '../../src/contract/activation.ts';
import { createTempNumberClient } from '../../src/providers/tempnumber-v1/index.ts';
import { TIME_SCALE, test } from '../helpers/broker-server-test.ts';
import { connectBrokerSocket } from '../helpers/broker-socket.ts';

test('a ledger of the previous release (integer ids, a negative intent id, no state) is taken over and settled', async ({
  apiKey,
  sandbox,
  world,
  spawnBroker,
}) => {
  // A number the old broker leased and booked, then died with (SIGKILL: nothing released it).
  const api = createTempNumberClient({ apiKey, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
  const leased = await api.newActivation({ serviceId: 'facebook', countryId: 'us' });
  const now = Date.now();
  const oldLines = [
    {
      id: leased.id,
      number: `+${leased.number}`,
      service: 'facebook',
      country: 'us',
      price: leased.price,
      status: leased.status,
      outcome: 'waiting',
      owner: 'pid 1 · an old worker',
      leasedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 4_000).toISOString(),
    },
    // An intent whose answer the old broker never saw: written as a negative id.
    {
      id: -(now * 1000 + 7),
      number: '',
      service: 'facebook',
      country: 'de',
      price: 0,
      status: 'posting',
      outcome: 'unknown',
      owner: 'pid 1 · an old worker',
      leasedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 30_000).toISOString(),
    },
  ];
  await ensureRuntimePaths(world.runtimeDir, world.paths);
  await appendFile(world.paths.ledger, oldLines.map((l) => `${JSON.stringify(l)}\n`).join(''), {
    mode: 0o600,
  });

  // The intent is settled only after the in-flight bound (2 × the request timeout) from this start.
  world.env.TEMPNUMBER_REQUEST_TIMEOUT_MS = '1000';
  const broker = spawnBroker();
  await broker.ready;
  const socket = await connectBrokerSocket(world.paths.socket);
  await socket.hello('an operator');
  const listed = () => socket.request<ActivationRecord[]>({ op: 'activations' });

  const first = await listed();
  const activation = first.find((r) => r.id === String(leased.id));
  expect(activation, 'the paid number is on the books under its text id').toMatchObject({
    state: 'waitingForSms',
    outcome: 'waiting',
  });
  expect(first.find((r) => r.id === `intent:${now * 1000 + 7}`)?.outcome).toBe('unknown');

  // Nobody adopts the number: released as cancelled, watched until the API shows the refund.
  const find = async () => (await listed()).find((r) => r.id === String(leased.id));
  await expect.poll(async () => (await find())?.outcome, { timeout: 15_000 }).toBe('cancelled');
  await expect.poll(async () => (await find())?.refunded, { timeout: 15_000 }).toBe(true);
  expect((await find())?.state).toBe('refunded');
  // The intent's pair (facebook/de) has no activation in the history: closed, no longer listed.
  await expect
    .poll(async () => (await listed()).some((r) => r.id.startsWith('intent:')), { timeout: 15_000 })
    .toBe(false);
  expect(broker.output()).toContain('reconciling 1 lease intent');
  socket.close();
});
