import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openLedger } from '../../src/broker/ledger.ts';
import type { ActivationRecord } from '../../src/contract/activation.ts';

const record = (id: number, patch: Partial<ActivationRecord> = {}): ActivationRecord => ({
  id,
  number: `+1555000${id}`,
  service: 'facebook',
  country: 'us',
  price: 0.45,
  status: 'smsRequested',
  outcome: 'waiting',
  refunded: undefined,
  owner: 'pid 1',
  leasedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, id)).toISOString(),
  expiresAt: new Date(Date.UTC(2026, 0, 1, 0, 20, id)).toISOString(),
  releasedAt: undefined,
  smsAt: undefined,
  ...patch,
});

let dir: string;
test.beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tn-ledger-'));
});
test.afterEach(() => rm(dir, { recursive: true, force: true }));
const now = () => Date.UTC(2026, 0, 1, 1);

test('an append is on disk when it resolves, one JSON line per snapshot, in a 0600 file', async () => {
  const path = join(dir, 'ledger.jsonl');
  const ledger = await openLedger(path, { now });
  await ledger.append(record(1));
  await ledger.append(record(1, { outcome: 'cancelled' }));
  const lines = (await readFile(path, 'utf8')).trim().split('\n');
  expect(lines.map((l) => JSON.parse(l).outcome)).toEqual(['waiting', 'cancelled']);
  expect((await stat(path)).mode & 0o777).toBe(0o600);
  await ledger.close();
});

test('the last line per id wins, and records come newest first', async () => {
  const path = join(dir, 'ledger.jsonl');
  const ledger = await openLedger(path, { now });
  await ledger.append(record(1));
  await ledger.append(record(2));
  await ledger.append(record(1, { status: 'smsReceived', smsAt: '2026-01-01T00:00:05.000Z' }));
  expect(ledger.all().map((r) => [r.id, r.status])).toEqual([
    [2, 'smsRequested'],
    [1, 'smsReceived'],
  ]);
  await ledger.close();
});

test('opening compacts to one line per id and skips a torn last line', async () => {
  const path = join(dir, 'ledger.jsonl');
  const first = await openLedger(path, { now });
  await first.append(record(1));
  await first.append(record(1, { outcome: 'cancelled' }));
  await first.append(record(2));
  await first.close();
  await appendFile(path, '{"id":3,"numb');
  const second = await openLedger(path, { now });
  expect(second.get(1)?.outcome).toBe('cancelled');
  expect(second.get(1)?.refunded).toBeUndefined();
  expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(2);
  await second.close();
});

test('compaction drops settled records older than the retention, never unsettled ones', async () => {
  const path = join(dir, 'ledger.jsonl');
  const ledger = await openLedger(path, { now });
  await ledger.append(record(1, { outcome: 'finalized' }));
  await ledger.append(record(2, { outcome: 'cancelled', refunded: true }));
  await ledger.append(record(3, { outcome: 'cancelled' }));
  await ledger.append(record(4));
  await ledger.close();
  const later = await openLedger(path, { now: () => now() + 30 * 24 * 3600_000 });
  expect(
    later
      .all()
      .map((r) => r.id)
      .sort(),
  ).toEqual([3, 4]);
  await later.close();
});
