import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openGrantJournal } from '../../src/broker/server/store/grant-journal.ts';
import { createMemoryStore } from '../../src/broker/server/store/memory-store.ts';
import { createManualClock } from '../../src/limits/clock.ts';
import { RATE_LIMITS, scaledLimits, V1_LIMIT_POLICY } from '../../src/limits/rate-limits.ts';

const limits = scaledLimits(V1_LIMIT_POLICY, { overrides: { 'PUT /activations/:id': { limit: 3 } } });
const put = (member: string, maxWaitMs = 0) =>
  ({ bucket: 'PUT /activations/:id', priority: 'critical', maxWaitMs, member }) as const;

let dir: string;
test.beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tn-journal-'));
});
test.afterEach(() => rmSync(dir, { recursive: true, force: true }));

test.describe('grant journal of the memory store', () => {
  test('a restarted store counts the previous requests from their done times; one in flight at the crash is done at the restart', async () => {
    const path = join(dir, 'sub', 'grants.jsonl');
    const bucket = 'PUT /activations/:id';
    const wall = createManualClock(1_764_000_000_000);
    const first = createMemoryStore({
      limits,
      journalPath: path,
      clock: createManualClock(5),
      wallClock: wall,
    });
    for (const m of ['a', 'b', 'c']) {
      expect((await first.reserve(put(m))).granted).toBe(true);
      expect(await first.confirm(bucket, m, 30_000)).toEqual({ ok: true });
    }
    wall.advance(1000);
    await first.settle(bucket, 'a');
    await first.settle(bucket, 'b');
    // Reserved but never sent: no request to count.
    expect((await first.reserve(put('d', 120_000))).granted).toBe(true);
    await first.close();

    // New process: performance.now() starts over, wall time moved on by 10 s more. `c` was in
    // flight when the broker died: it may have arrived any time until now.
    wall.advance(10_000);
    const second = createMemoryStore({
      limits,
      journalPath: path,
      clock: createManualClock(0),
      wallClock: wall,
    });
    expect((await second.usage())[bucket]?.used).toBe(3);
    // `a` and `b` were done 10 s ago: the first of them leaves a window + margin after that.
    expect(await second.confirm(bucket, 'e', 30_000)).toEqual({ ok: false, retryInMs: 62_000 - 10_000 });
    expect(await second.reserve(put('e', 120_000))).toMatchObject({ granted: true, waitMs: 52_000 });
    await second.close();
    // Written back as done at the restart, so a later restart counts `c` the same way.
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.member === 'c')).toMatchObject({ doneWallMs: wall.now() });
    expect(lines.find((l) => l.member === 'd')).toBeUndefined();
  });

  test('without a journal the same restart would believe the budget is fresh', async () => {
    const first = createMemoryStore({ limits, clock: createManualClock(0) });
    for (const m of ['a', 'b', 'c']) await first.reserve(put(m));
    const second = createMemoryStore({ limits, clock: createManualClock(0) });
    expect(await second.reserve(put('d'))).toMatchObject({ granted: true, waitMs: 0 });
  });

  test('a 429 block survives a restart; grants older than window + margin are forgotten', async () => {
    const path = join(dir, 'grants.jsonl');
    const wall = createManualClock(1_000_000);
    const first = createMemoryStore({
      limits,
      journalPath: path,
      clock: createManualClock(0),
      wallClock: wall,
    });
    await first.reserve(put('a'));
    await first.block('GET /user/balance', 90_000);
    await first.close();
    wall.advance(62_000);
    const second = createMemoryStore({
      limits,
      journalPath: path,
      clock: createManualClock(0),
      wallClock: wall,
    });
    const usage = await second.usage();
    expect(usage['PUT /activations/:id']?.used).toBe(0);
    expect(usage['GET /user/balance']?.blockedForMs).toBe(28_000);
    await second.close();
  });

  test('the journal file is private to its user (mode 0600), even one created wider by hand', async () => {
    const path = join(dir, 'grants.jsonl');
    writeFileSync(path, '', { mode: 0o644 });
    const store = createMemoryStore({ limits, journalPath: path });
    await store.reserve(put('a'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const line = JSON.parse(readFileSync(path, 'utf8').trim());
    expect(line).toEqual({ bucket: 'PUT /activations/:id', member: 'a', wallMs: expect.any(Number) });
    await store.close();
  });

  test('torn or foreign lines are skipped on load; a grant line of an older version counts as done at its slot', async () => {
    const path = join(dir, 'grants.jsonl');
    const now = Date.now();
    writeFileSync(
      path,
      `${JSON.stringify({ bucket: 'PUT /activations/:id', wallMs: now })}\nnot json\n{"bucket":"GET /nope","wallMs":${now}}\n{"bucket":"PUT /activ`,
    );
    const store = createMemoryStore({ limits, journalPath: path });
    expect((await store.usage())['PUT /activations/:id']?.used).toBe(1);
    await store.close();
  });

  test('the file is compacted to the live entries as it grows', () => {
    const path = join(dir, 'grants.jsonl');
    const wall = createManualClock(1_000_000);
    const journal = openGrantJournal(path, {
      buckets: Object.keys(RATE_LIMITS),
      keepMs: () => 1000,
      wallClock: wall,
      compactAfterAppends: 50,
    });
    for (let i = 0; i < 49; i++) {
      journal.appendGrant('GET /activations', wall.now(), `m${i}`);
      wall.advance(100);
    }
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(49);
    journal.appendGrant('GET /activations', wall.now(), 'm49');
    // Only grants of the last second are kept.
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(10);
    journal.appendGrant('GET /activations', wall.now(), 'm50');
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(11);
    journal.close();
  });
});
