import { readFile } from 'node:fs/promises';
import type { LeaseResult, ReleaseResult, WaitResult } from '../../src/broker/protocol.ts';
import type { ActivationRecord } from '../../src/contract/activation.ts';
import { expect, test } from '../helpers/broker-server-test.ts';

const ledgerRecord = async (path: string, id: string): Promise<ActivationRecord | undefined> => {
  const lines = (await readFile(path, 'utf8')).trim().split('\n');
  return lines
    .map((l) => JSON.parse(l) as ActivationRecord)
    .filter((r) => r.id === id)
    .at(-1);
};

test('release after an SMS finalizes; release without one cancels', async ({ connect, sandbox, world }) => {
  const socket = await connect();
  const a = await socket.lease();
  const b = await socket.lease();
  const waiting = socket.request<WaitResult>({
    op: 'wait',
    activationId: a.record.id,
    afterSequence: 0,
    holdMs: 10_000,
  });
  await sandbox.deliverSms(a.record.number, 'code 555666');
  await waiting;
  const finalized = await socket.request<ReleaseResult>({ op: 'release', activationId: a.record.id });
  const cancelled = await socket.request<ReleaseResult>({ op: 'release', activationId: b.record.id });
  expect(finalized.record).toMatchObject({
    outcome: 'finalized',
    smsAt: expect.any(String),
    releasedAt: expect.any(String),
  });
  expect(cancelled.record).toMatchObject({ outcome: 'cancelled', releasedAt: expect.any(String) });
  expect(await ledgerRecord(world.paths.ledger, b.record.id)).toMatchObject({ outcome: 'cancelled' });
  // Releasing twice changes nothing.
  expect(
    (await socket.request<ReleaseResult>({ op: 'release', activationId: b.record.id })).record.outcome,
  ).toBe('cancelled');
});

test('a worker whose socket closes gets its activation cancelled in the ledger, later recorded refunded', async ({
  connect,
  world,
}) => {
  const worker = await connect('worker that dies');
  const { record } = await worker.lease();
  worker.close();
  await expect
    .poll(async () => (await ledgerRecord(world.paths.ledger, record.id))?.outcome)
    .toBe('cancelled');
  // The number expires 4 s after the lease (time scale 300); the API then says `refunded`.
  await expect
    .poll(async () => (await ledgerRecord(world.paths.ledger, record.id))?.refunded, { timeout: 15_000 })
    .toBe(true);
  expect((await ledgerRecord(world.paths.ledger, record.id))?.status).toBe('refunded');
});

test('a late SMS on a cancelled number is recorded as billed (refunded false)', async ({
  connect,
  sandbox,
  world,
}) => {
  const socket = await connect();
  const { record } = await socket.lease();
  await socket.request({ op: 'release', activationId: record.id });
  await sandbox.deliverSms(record.number, 'too late 999000');
  await expect
    .poll(async () => (await ledgerRecord(world.paths.ledger, record.id))?.refunded, { timeout: 15_000 })
    .toBe(false);
});

test('`activations` lists every ledger record newest first; `status` describes the broker without the key', async ({
  connect,
  world,
  broker,
}) => {
  const socket = await connect();
  const first = await socket.lease();
  const second = await socket.request<LeaseResult>({ op: 'lease', service: 'twitter', countries: ['us'] });
  const records = await socket.request<ActivationRecord[]>({ op: 'activations' });
  expect(records.map((r) => r.id)).toEqual([second.record.id, first.record.id]);
  const status = await socket.request<Record<string, unknown>>({ op: 'status' });
  expect(status).toMatchObject({
    pid: broker.pid,
    account: world.account,
    store: 'memory',
    clients: 1,
    waiting: 2,
    pollLeader: true,
    timeScale: 300,
  });
  expect((status.buckets as Record<string, { used: number }>)['POST /activations']?.used).toBe(2);
  expect(JSON.stringify(status)).not.toContain(world.apiKey);
});
