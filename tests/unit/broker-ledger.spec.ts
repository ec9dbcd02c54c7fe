import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { isListed, openLedger, parseLedgerLine } from '../../src/broker/ledger.ts';
import type { ActivationRecord } from '../../src/contract/activation.ts';

const record = (id: number, patch: Partial<ActivationRecord> = {}): ActivationRecord => ({
  id: String(id),
  number: `+1555000${id}`,
  service: 'facebook',
  country: 'us',
  price: 0.45,
  state: 'waitingForSms',
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
    ['2', 'smsRequested'],
    ['1', 'smsReceived'],
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
  expect(second.get('1')?.outcome).toBe('cancelled');
  expect(second.get('1')?.refunded).toBeUndefined();
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
  ).toEqual(['3', '4']);
  await later.close();
});

/** A line as the ledger wrote it before the provider seam: v1's integer id, no `state`. */
const oldLine = (id: number, status: string, patch: Record<string, unknown> = {}) => {
  const { id: _, state: __, ...rest } = record(Math.abs(id), { status });
  return JSON.stringify({ id, ...rest, ...patch });
};

test('a line written before the seam is read: its integer id as text, its state from v1’s status word', () => {
  expect(parseLedgerLine(oldLine(7, 'smsReceived'))).toMatchObject({
    id: '7',
    state: 'smsReceived',
    status: 'smsReceived',
  });
  expect(parseLedgerLine(oldLine(8, 'serviceConsumed'))?.state).toBe('finalized');
  expect(parseLedgerLine(oldLine(9, 'retryRequested'))?.state).toBe('waitingForNextSms');
  expect(parseLedgerLine(oldLine(10, 'refunded', { outcome: 'cancelled', refunded: true }))).toMatchObject({
    id: '10',
    state: 'refunded',
    refunded: true,
  });
  expect(parseLedgerLine(oldLine(11, 'somethingNew'))?.state).toBe('unknown');
});

test('an old lease intent (negative id) is read as intent:<n>, in state unknown, listed while open', () => {
  const open = parseLedgerLine(oldLine(-3, 'requested', { outcome: 'unknown' }));
  expect(open).toMatchObject({ id: 'intent:3', state: 'unknown', status: 'requested', outcome: 'unknown' });
  expect(isListed(open!)).toBe(true);
  const closed = parseLedgerLine(oldLine(-4, 'leasedAs:12', { outcome: 'cancelled' }));
  expect(closed).toMatchObject({ id: 'intent:4', state: 'unknown' });
  expect(isListed(closed!)).toBe(false);
});

test('a line’s own state wins over its status word; an unknown state falls back to the status', () => {
  expect(parseLedgerLine(JSON.stringify(record(5, { state: 'failed', status: 'weird' })))?.state).toBe(
    'failed',
  );
  const bogus = { ...record(6, { status: 'smsReceived' }), state: 'notAState' };
  expect(parseLedgerLine(JSON.stringify(bogus))?.state).toBe('smsReceived');
});

test('an id that is neither text nor a non-zero integer is not a ledger line', () => {
  for (const id of [0, 1.5, '', null, true]) {
    expect(parseLedgerLine(JSON.stringify({ ...record(1), id }))).toBeUndefined();
  }
});

test('an old ledger opens with text ids, and a new line for the same activation supersedes the old one', async () => {
  const path = join(dir, 'ledger.jsonl');
  await appendFile(
    path,
    `${oldLine(1, 'smsRequested')}\n${oldLine(-2, 'requested', { outcome: 'unknown' })}\n`,
  );
  const ledger = await openLedger(path, { now });
  expect(ledger.get('1')).toMatchObject({ id: '1', state: 'waitingForSms' });
  expect(ledger.get('intent:2')).toMatchObject({ outcome: 'unknown', state: 'unknown' });
  await ledger.append(record(1, { state: 'smsReceived', status: 'smsReceived' }));
  await ledger.close();
  const reopened = await openLedger(path, { now });
  expect(reopened.all().map((r) => [r.id, r.state])).toEqual([
    ['intent:2', 'unknown'],
    ['1', 'smsReceived'],
  ]);
  const lines = (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => l.id).sort()).toEqual(['1', 'intent:2']);
  await reopened.close();
});
