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
import type { Clock } from '../../limits/clock.ts';
import { type BucketId, RATE_LIMITS } from '../../limits/rate-limits.ts';

/** What a previous broker left in the journal that still matters, in wall-clock ms. */
export interface JournalContents {
  grants: Array<{ bucket: BucketId; wallMs: number }>;
  blocks: Array<{ bucket: BucketId; blockedUntilWallMs: number }>;
}

/** An append-only log of grants and 429 blocks, so a restarted broker knows its budget is not fresh. */
export interface GrantJournal {
  /** The live entries found when the journal was opened, oldest first. */
  readonly loaded: JournalContents;
  appendGrant(bucket: BucketId, wallMs: number): void;
  appendBlock(bucket: BucketId, blockedUntilWallMs: number): void;
  close(): void;
}

/** Options of {@link openGrantJournal}. */
export interface GrantJournalOptions {
  /** How long an entry of a bucket still matters: its window + margin (real ms). */
  keepMs: (bucket: BucketId) => number;
  /**
   * Wall-clock time. The journal outlives the process and performance.now() restarts at 0 in
   * each process, so only wall time can relate a previous broker's grants to now.
   * @default Date.now
   */
  wallClock?: Clock;
  /** Rewrite the file with only live entries after this many appends. @default 2000 */
  compactAfterAppends?: number;
}

type Line = { bucket: BucketId; wallMs: number } | { bucket: BucketId; blockedUntilWallMs: number };

/**
 * Open (or create, mode 0600) the journal at `path`. One JSON object per line:
 * `{"bucket":"POST /activations","wallMs":1764000000000}` for a grant (its slot in wall time) and
 * `{"bucket":…,"blockedUntilWallMs":…}` for a 429 block. Single writer: the one broker of the
 * machine and account. Writes are synchronous so a grant is on disk before the request is sent.
 * A torn last line (crash mid-write) and unknown buckets are skipped.
 */
export function openGrantJournal(path: string, options: GrantJournalOptions): GrantJournal {
  const wall = options.wallClock ?? { now: () => Date.now() };
  const compactAfter = options.compactAfterAppends ?? 2000;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });

  const live = (line: Line, nowMs: number) =>
    'wallMs' in line ? line.wallMs > nowMs - options.keepMs(line.bucket) : line.blockedUntilWallMs > nowMs;
  let lines = readLines(path).filter((line) => live(line, wall.now()));
  let fd = rewrite(path, lines);
  let appends = 0;

  const append = (line: Line) => {
    if (fd < 0) throw new Error('The grant journal is closed.');
    writeSync(fd, `${JSON.stringify(line)}\n`);
    lines.push(line);
    if (++appends < compactAfter) return;
    // Compact: keep what still matters, so the file stays a few KiB however long the broker runs.
    const nowMs = wall.now();
    lines = lines.filter((l) => live(l, nowMs));
    closeSync(fd);
    fd = rewrite(path, lines);
    appends = 0;
  };

  const loaded: JournalContents = { grants: [], blocks: [] };
  for (const line of lines) {
    if ('wallMs' in line) loaded.grants.push(line);
    else loaded.blocks.push(line);
  }
  loaded.grants.sort((a, b) => a.wallMs - b.wallMs);

  return {
    loaded,
    appendGrant: (bucket, wallMs) => append({ bucket, wallMs }),
    appendBlock: (bucket, blockedUntilWallMs) => append({ bucket, blockedUntilWallMs }),
    close() {
      if (fd < 0) return;
      closeSync(fd);
      fd = -1;
    },
  };
}

function readLines(path: string): Line[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const line = parseLine(raw);
    if (line) out.push(line);
  }
  return out;
}

function parseLine(raw: string): Line | undefined {
  if (raw.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { bucket, wallMs, blockedUntilWallMs } = value as Record<string, unknown>;
  if (typeof bucket !== 'string' || !Object.hasOwn(RATE_LIMITS, bucket)) return undefined;
  if (typeof wallMs === 'number') return { bucket: bucket as BucketId, wallMs };
  if (typeof blockedUntilWallMs === 'number') return { bucket: bucket as BucketId, blockedUntilWallMs };
  return undefined;
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
