import { expect, test } from '@playwright/test';
import {
  historyLimit,
  nextPerIdPoll,
  type PollBookEntry,
  useHistory,
} from '../../src/broker/poller/poll-plan.ts';
import { pollTiming } from '../../src/broker/poller/poll-timing.ts';
import type { WatchTarget } from '../../src/broker/poller/watch-target.ts';

const timing = pollTiming(1);
const sms = (id: number, expiresAtMs: number, waitStartedAtMs?: number): WatchTarget => ({
  id,
  kind: 'sms',
  expiresAtMs,
  waitStartedAtMs,
});
const book = (entries: Record<number, Partial<PollBookEntry>>) =>
  new Map(
    Object.entries(entries).map(([id, e]) => [
      Number(id),
      { lastPolledAtMs: -Infinity, lastSeenInHistoryAtMs: -Infinity, ...e } as PollBookEntry,
    ]),
  );
const plan = (
  targets: WatchTarget[],
  b = book({}),
  extra: { nowMs?: number; historyActive?: boolean; recentPerIdCalls?: number } = {},
) =>
  nextPerIdPoll({
    targets,
    book: b,
    nowMs: extra.nowMs ?? 1_000_000,
    timing,
    historyActive: extra.historyActive ?? false,
    recentPerIdCalls: extra.recentPerIdCalls ?? 0,
  });

test.describe('choosing the endpoint', () => {
  for (const [waiting, history] of [
    [0, false],
    [1, false],
    [3, false],
    [4, true],
    [20, true],
  ] as const) {
    test(`${waiting} activations waiting → ${history ? 'history' : 'per-id'} polling`, () => {
      expect(useHistory(waiting, timing)).toBe(history);
    });
  }

  test('the history page is big enough for every waiting activation, and never above the API maximum of 100', () => {
    expect(historyLimit(4)).toBeGreaterThanOrEqual(4);
    expect(historyLimit(20)).toBeGreaterThanOrEqual(20);
    expect(historyLimit(500)).toBe(100);
  });
});

test.describe('fair per-id order', () => {
  test('the least recently polled activation goes first (round-robin)', () => {
    const targets = [sms(1, 2e6), sms(2, 2e6), sms(3, 2e6)];
    const b = book({
      1: { lastPolledAtMs: 900_000 },
      2: { lastPolledAtMs: 800_000 },
      3: { lastPolledAtMs: 950_000 },
    });
    expect(plan(targets, b)?.id).toBe(2);
  });

  test('among equally polled ones, the earliest expiry goes first', () => {
    expect(plan([sms(1, 3e6), sms(2, 2e6), sms(3, 4e6)])?.id).toBe(2);
  });

  test('one about to expire jumps the queue at priority high; the others poll at normal', () => {
    const now = 1_000_000;
    const targets = [sms(1, now + 10 * timing.urgentMs), sms(2, now + timing.urgentMs / 2)];
    const b = book({ 1: { lastPolledAtMs: 0 }, 2: { lastPolledAtMs: now - 1 } });
    expect(plan(targets, b, { nowMs: now })).toEqual({ id: 2, priority: 'high', burst: false });
    expect(plan([targets[0]!], b, { nowMs: now })?.priority).toBe('normal');
  });

  test('simulated over many rounds, every activation is polled equally often', () => {
    const targets = Array.from({ length: 7 }, (_, i) => sms(i + 1, 1e12));
    const b = book({});
    const counts = new Map<number, number>();
    for (let t = 0; t < 700; t++) {
      const choice = plan(targets, b, { nowMs: t })!;
      b.set(choice.id, { lastPolledAtMs: t, lastSeenInHistoryAtMs: -Infinity });
      counts.set(choice.id, (counts.get(choice.id) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual(Array(7).fill(100));
  });
});

test.describe('burst and history coverage', () => {
  test('a wait that just started is polled in a burst, until its burst period ends', () => {
    const now = 1_000_000;
    expect(plan([sms(1, 2e6, now - 10)], book({}), { nowMs: now })?.burst).toBe(true);
    expect(plan([sms(1, 2e6, now - timing.burstPeriodMs)], book({}), { nowMs: now })?.burst).toBe(false);
  });

  test('no burst once this broker used its burst share of the per-id window', () => {
    const now = 1_000_000;
    expect(plan([sms(1, 2e6, now)], book({}), { nowMs: now, recentPerIdCalls: timing.burstCap })?.burst).toBe(
      false,
    );
  });

  test('while the history lane covers an activation, per-id leaves it alone (unless bursting)', () => {
    const now = 1_000_000;
    const seen = book({ 1: { lastSeenInHistoryAtMs: now - 10 } });
    expect(plan([sms(1, 2e6)], seen, { nowMs: now, historyActive: true })).toBeUndefined();
    expect(plan([sms(1, 2e6, now)], seen, { nowMs: now, historyActive: true })?.id).toBe(1);
  });

  test('an activation missing from the history page falls back to per-id', () => {
    const now = 1_000_000;
    const b = book({
      1: { lastSeenInHistoryAtMs: now - 10 },
      2: { lastSeenInHistoryAtMs: now - timing.historyFreshMs - 1 },
    });
    expect(plan([sms(1, 2e6), sms(2, 2e6)], b, { nowMs: now, historyActive: true })?.id).toBe(2);
  });
});

test.describe('refund watch', () => {
  const refund = (id: number, expiresAtMs: number): WatchTarget => ({
    id,
    kind: 'refund',
    expiresAtMs,
    waitStartedAtMs: undefined,
  });

  test('polls rarely, at priority low, and after an SMS target', () => {
    const now = 1_000_000;
    expect(plan([refund(9, now + 1e6), sms(1, now + 1e6)], book({}), { nowMs: now })?.id).toBe(1);
    expect(plan([refund(9, now + 1e6)], book({}), { nowMs: now })).toEqual({
      id: 9,
      priority: 'low',
      burst: false,
    });
    const justPolled = book({ 9: { lastPolledAtMs: now - 1 } });
    expect(plan([refund(9, now + 1e6)], justPolled, { nowMs: now })).toBeUndefined();
  });

  test('polls once right after expiry, to learn the refund promptly', () => {
    const expiry = 1_000_000;
    const b = book({ 9: { lastPolledAtMs: expiry - 1 } });
    expect(plan([refund(9, expiry)], b, { nowMs: expiry + 1 })?.id).toBe(9);
    const after = book({ 9: { lastPolledAtMs: expiry + 1 } });
    expect(plan([refund(9, expiry)], after, { nowMs: expiry + 2 })).toBeUndefined();
  });
});
