/**
 * The ledger: every activation the broker handed out, on disk (DESIGN §3.5), and how one line is
 * read back. Append-only JSON Lines, fsync'd; the last line per id wins.
 */
import { type FileHandle, open, readFile, rename, unlink } from 'node:fs/promises';
import {
  ACTIVATION_STATES,
  type ActivationId,
  type ActivationRecord,
  type ActivationState,
  compareActivationIds,
  INTENT_ID_PREFIX,
  isIntentId,
  type Outcome,
} from '../contract/activation.ts';
import { stateOfLegacyStatus } from '../providers/legacy.ts';

/*
 * The ledger: every activation the broker handed out, on disk, so that a paid number is never
 * lost track of — not even when the broker is SIGKILLed (DESIGN §3.5). Append-only JSON Lines
 * of {@link ActivationRecord} snapshots; the last line per id wins. Each append is fsync'd
 * before the caller goes on, so "the ledger has it" holds before a number is handed to a test.
 * Compacted on open (one line per id), file mode 0600. Single writer: the broker holding the lock.
 */

export interface Ledger {
  /**
   * Write snapshots of `records` and fsync them once; also updates the in-memory view. Several
   * records go in one write, so a crash keeps all of them or (a torn last line) the earlier ones.
   */
  append(...records: ActivationRecord[]): Promise<void>;
  get(id: ActivationId): ActivationRecord | undefined;
  /** Every known record, newest lease first. */
  all(): ActivationRecord[];
  close(): Promise<void>;
}

export interface OpenLedgerOptions {
  /**
   * Settled records (finalized, or cancelled with a known refund) older than this are dropped
   * when the ledger is compacted. Unsettled ones are always kept: they may still cost money.
   * @default 7 days
   */
  retainSettledMs?: number;
  /** Wall clock for the retention cut-off. @default Date.now */
  now?: () => number;
}

const DEFAULT_RETAIN_SETTLED_MS = 7 * 24 * 3600_000;

/** Open (and compact) the ledger at `path`, creating it if needed. */
export async function openLedger(path: string, options: OpenLedgerOptions = {}): Promise<Ledger> {
  const records = await readRecords(path);
  const cutoff = (options.now ?? Date.now)() - (options.retainSettledMs ?? DEFAULT_RETAIN_SETTLED_MS);
  for (const [id, record] of records) {
    if (isSettled(record) && Date.parse(record.leasedAt) < cutoff) records.delete(id);
  }
  await compact(path, [...records.values()]);
  const handle = await open(path, 'a', 0o600);
  let queue: Promise<void> = Promise.resolve();

  return {
    append(...toWrite) {
      const snapshots = toWrite.map((record) => ({ ...record }));
      // Appends are serialized so lines never interleave and fsyncs complete in order.
      const write = queue.then(async () => {
        await handle.appendFile(snapshots.map((snapshot) => `${JSON.stringify(snapshot)}\n`).join(''));
        await handle.datasync();
        for (const snapshot of snapshots) records.set(snapshot.id, snapshot);
      });
      queue = write.catch(() => {});
      return write;
    },
    get: (id) => copy(records.get(id)),
    all: () =>
      [...records.values()]
        .sort((a, b) => Date.parse(b.leasedAt) - Date.parse(a.leasedAt) || compareActivationIds(b.id, a.id))
        .map((r) => ({ ...r })),
    async close() {
      await queue;
      await closeQuietly(handle);
    },
  };
}

function copy(record: ActivationRecord | undefined): ActivationRecord | undefined {
  return record && { ...record };
}

function isSettled(record: ActivationRecord): boolean {
  return record.outcome === 'finalized' || (record.outcome === 'cancelled' && record.refunded !== undefined);
}

async function readRecords(path: string): Promise<Map<ActivationId, ActivationRecord>> {
  const records = new Map<ActivationId, ActivationRecord>();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return records;
    throw error;
  }
  // A torn last line (crash mid-write) or a foreign line is skipped, never fatal.
  for (const line of text.split('\n')) {
    const record = parseLedgerLine(line);
    if (record) records.set(record.id, record);
  }
  return records;
}

async function compact(path: string, records: ActivationRecord[]): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await handle.sync();
  } finally {
    await closeQuietly(handle);
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

async function closeQuietly(handle: FileHandle): Promise<void> {
  await handle.close().catch(() => {});
}

/*
 * Reading one ledger line back into an {@link ActivationRecord}. JSON drops `undefined`
 * fields, so optional fields come back as explicit `undefined` here; anything that is not a
 * record (a torn line after a crash, a hand edit) is rejected rather than trusted.
 */

const OUTCOMES: ReadonlySet<string> = new Set<Outcome>(['waiting', 'finalized', 'cancelled', 'unknown']);

/** The record on `line`, or undefined when the line is empty or not a ledger record. */
export function parseLedgerLine(line: string): ActivationRecord | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = ['number', 'service', 'country', 'status', 'owner', 'leasedAt', 'expiresAt'] as const;
  const id = ledgerId(v.id);
  if (id === undefined || typeof v.price !== 'number') return undefined;
  if (!strings.every((key) => typeof v[key] === 'string')) return undefined;
  if (typeof v.outcome !== 'string' || !OUTCOMES.has(v.outcome)) return undefined;
  return {
    id,
    number: v.number as string,
    service: v.service as string,
    country: v.country as string,
    price: v.price,
    state: ledgerState(v.state, v.status as string, id),
    status: v.status as string,
    outcome: v.outcome as Outcome,
    refunded: typeof v.refunded === 'boolean' ? v.refunded : undefined,
    owner: v.owner as string,
    leasedAt: v.leasedAt as string,
    expiresAt: v.expiresAt as string,
    releasedAt: typeof v.releasedAt === 'string' ? v.releasedAt : undefined,
    smsAt: typeof v.smsAt === 'string' ? v.smsAt : undefined,
    ...(v.orphan === true ? { orphan: true as const } : {}),
  };
}

/**
 * The id of a line: text since the provider seam; a line written before it has v1's integer id,
 * or a negative one for a lease intent.
 */
function ledgerId(id: unknown): ActivationId | undefined {
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id === 0) return undefined;
  return id > 0 ? String(id) : `${INTENT_ID_PREFIX}${-id}`;
}

const STATES: ReadonlySet<string> = new Set(Object.keys(ACTIVATION_STATES));

/** The neutral state of a line; a line written before the seam has only v1's status word. */
function ledgerState(state: unknown, status: string, id: ActivationId): ActivationState {
  if (typeof state === 'string' && STATES.has(state)) return state as ActivationState;
  return isIntentId(id) ? 'unknown' : stateOfLegacyStatus(status);
}

/**
 * Whether `activations` lists the record: every activation, and a lease intent only while its
 * outcome is open — a closed intent is bookkeeping (its number, if any, has its own record).
 */
export function isListed(record: ActivationRecord): boolean {
  return !isIntentId(record.id) || record.outcome === 'unknown';
}
