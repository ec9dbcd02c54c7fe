import {
  closeSync,
  fchmodSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../../limits/clock.ts';

/** A request a previous broker sent (wall-clock ms): it counts until `doneWallMs` + window. */
export interface JournaledGrant {
  bucket: string;
  /** Its reserved slot. */
  wallMs: number;
  sentWallMs: number;
  /** When its answer came back, or, never settled, the latest it could have reached the server. */
  doneWallMs: number;
}

/** What a previous broker left in the journal that still matters, in wall-clock ms. */
export interface JournalContents {
  grants: JournaledGrant[];
  blocks: Array<{ bucket: string; blockedUntilWallMs: number }>;
}

/** An append-only log of grants, sends, settles and 429 blocks, so a restarted broker knows its budget is not fresh. */
export interface GrantJournal {
  /** The live requests and blocks found when the journal was opened, oldest first. */
  readonly loaded: JournalContents;
  /** A reservation for the slot `wallMs`. */
  appendGrant(bucket: string, wallMs: number, member: string): void;
  /** `member` is sent at `sentWallMs` and is done by `untilWallMs` at the latest (client timeout). */
  appendSent(bucket: string, member: string, sentWallMs: number, untilWallMs: number): void;
  /** The answer of `member` came back at `doneWallMs`. */
  appendDone(bucket: string, member: string, doneWallMs: number): void;
  appendBlock(bucket: string, blockedUntilWallMs: number): void;
  close(): void;
}

/** Options of {@link openGrantJournal}. */
export interface GrantJournalOptions {
  /** The buckets of the budget (its table's ids); lines of any other bucket are skipped. */
  buckets: readonly string[];
  /** How long an entry of a bucket still matters: its window + margin (real ms). */
  keepMs: (bucket: string) => number;
  /**
   * Wall-clock time. The journal outlives the process and performance.now() restarts at 0 in
   * each process, so only wall time can relate a previous broker's grants to now.
   * @default Date.now
   */
  wallClock?: Clock;
  /** Rewrite the file with only live entries after this many appends. @default 2000 */
  compactAfterAppends?: number;
}

/** What the lines of one request say so far (every field optional: lines arrive one by one). */
interface Request {
  bucket: string;
  member?: string;
  wallMs?: number;
  sentWallMs?: number;
  untilWallMs?: number;
  doneWallMs?: number;
}
type Block = { bucket: string; blockedUntilWallMs: number };
type Line = Request | Block;

const TIME_FIELDS = ['wallMs', 'sentWallMs', 'untilWallMs', 'doneWallMs'] as const;

/**
 * Open (or create, mode 0600) the journal at `path`. One JSON object per line, each naming its
 * request by `member`: `{"bucket":…,"member":…,"wallMs":…}` when a slot is reserved,
 * `{…,"sentWallMs":…,"untilWallMs":…}` when it is sent, `{…,"doneWallMs":…}` when its answer came
 * back (compaction merges them into one line), and `{"bucket":…,"blockedUntilWallMs":…}` for a
 * 429 block. A line without `member` is a grant of an older version, counted as done at its
 * slot. Single writer: the one broker of the machine and account. Writes are synchronous, so a
 * send is on disk before the request leaves. A torn last line and unknown buckets are skipped.
 */
export function openGrantJournal(path: string, options: GrantJournalOptions): GrantJournal {
  const wall = options.wallClock ?? { now: () => Date.now() };
  const compactAfter = options.compactAfterAppends ?? 2000;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });

  // A request matters until its worst-case done time + window; an unsent one only while a late send may still merge into it.
  const live = (line: Line, nowMs: number) => {
    if ('blockedUntilWallMs' in line) return line.blockedUntilWallMs > nowMs;
    const end = line.doneWallMs ?? line.untilWallMs ?? line.sentWallMs ?? line.wallMs ?? 0;
    return end > nowMs - options.keepMs(line.bucket);
  };
  const openedMs = wall.now();
  const buckets = new Set(options.buckets);
  let lines = settleLeftovers(merge(readLines(path, buckets)), openedMs).filter((line) =>
    live(line, openedMs),
  );
  let fd = rewrite(path, lines);
  let appends = 0;
  const byMember = new Map<string, Request>();
  const index = () => {
    byMember.clear();
    for (const line of lines)
      if ('member' in line && line.member !== undefined) byMember.set(line.member, line);
  };
  index();

  const loaded = toContents(lines);

  const write = (line: Line) => {
    if (fd < 0) throw new Error('The grant journal is closed.');
    writeSync(fd, `${JSON.stringify(line)}\n`);
    if (++appends < compactAfter) return;
    // Compact: keep what still matters, so the file stays a few KiB however long the broker runs.
    const nowMs = wall.now();
    lines = lines.filter((l) => live(l, nowMs));
    index();
    closeSync(fd);
    fd = rewrite(path, lines);
    appends = 0;
  };
  const appendRequest = (line: Request & { member: string }) => {
    const known = byMember.get(line.member);
    if (known) Object.assign(known, line);
    else {
      const record = { ...line };
      byMember.set(line.member, record);
      lines.push(record);
    }
    write(line);
  };

  return {
    loaded,
    appendGrant: (bucket, wallMs, member) => appendRequest({ bucket, member, wallMs }),
    appendSent: (bucket, member, sentWallMs, untilWallMs) =>
      appendRequest({ bucket, member, sentWallMs, untilWallMs }),
    appendDone: (bucket, member, doneWallMs) => appendRequest({ bucket, member, doneWallMs }),
    appendBlock(bucket, blockedUntilWallMs) {
      const line = { bucket, blockedUntilWallMs };
      lines.push(line);
      write(line);
    },
    close() {
      if (fd < 0) return;
      closeSync(fd);
      fd = -1;
    },
  };
}

/**
 * What a previous broker left unfinished. Never sent: dropped (the send line is written before
 * the request leaves, and no one can confirm that reservation any more). Sent but never
 * settled: the broker died with it in flight, so it may have arrived any time until now (or
 * until its timeout, if earlier): it is done now. Written back, so a later restart agrees.
 */
function settleLeftovers(lines: Line[], nowMs: number): Line[] {
  return lines.filter((line) => {
    if ('blockedUntilWallMs' in line || line.member === undefined) return true;
    if (line.sentWallMs === undefined) return false;
    line.doneWallMs ??= Math.min(nowMs, line.untilWallMs ?? nowMs);
    return true;
  });
}

/** The requests that may still count at the server (a line without `member`: an older version's grant). */
function toContents(lines: Line[]): JournalContents {
  const out: JournalContents = { grants: [], blocks: [] };
  for (const line of lines) {
    if ('blockedUntilWallMs' in line) {
      out.blocks.push(line);
      continue;
    }
    const { bucket, wallMs, sentWallMs, doneWallMs } = line;
    const sent = sentWallMs ?? wallMs;
    if (sent === undefined) continue;
    out.grants.push({ bucket, wallMs: wallMs ?? sent, sentWallMs: sent, doneWallMs: doneWallMs ?? sent });
  }
  out.grants.sort((a, b) => a.doneWallMs - b.doneWallMs);
  return out;
}

/** One record per member (the lines of a request merged, in file order); other lines as they are. */
function merge(lines: Line[]): Line[] {
  const out: Line[] = [];
  const byMember = new Map<string, Request>();
  for (const line of lines) {
    const member = 'member' in line ? line.member : undefined;
    const known = member === undefined ? undefined : byMember.get(member);
    if (known) Object.assign(known, line);
    else {
      out.push(line);
      if (member !== undefined) byMember.set(member, line as Request);
    }
  }
  return out;
}

function readLines(path: string, buckets: ReadonlySet<string>): Line[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const line = parseLine(raw, buckets);
    if (line) out.push(line);
  }
  return out;
}

function parseLine(raw: string, buckets: ReadonlySet<string>): Line | undefined {
  if (raw.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const { bucket, member, blockedUntilWallMs } = fields;
  if (typeof bucket !== 'string' || !buckets.has(bucket)) return undefined;
  if (typeof blockedUntilWallMs === 'number') return { bucket, blockedUntilWallMs };
  const request: Request = { bucket };
  if (typeof member === 'string') request.member = member;
  for (const field of TIME_FIELDS) {
    const time = fields[field];
    if (typeof time === 'number') request[field] = time;
  }
  return request.member === undefined && request.wallMs === undefined ? undefined : request;
}

/** Replace the file atomically (temp file + rename) and open it for appending. */
function rewrite(path: string, lines: Line[]): number {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 });
  renameSync(temp, path);
  const fd = openSync(path, 'a', 0o600);
  // The mode of openSync applies only to new files; a journal made by hand may be wider.
  fchmodSync(fd, 0o600);
  return fd;
}
