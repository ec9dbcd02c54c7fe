import { expect, test } from '@playwright/test';
import type { WatchTarget } from '../../src/broker/server/poll-plan.ts';
import {
  historyLimit,
  needsFirstPoll,
  nextPerIdPoll,
  type PollBookEntry,
  perIdSpare,
  useHistory,
} from '../../src/broker/server/poll-plan.ts';
import { createPerIdCallLog } from '../../src/broker/server/poller.ts';
import { v1PollTiming } from '../helpers/v1-broker-limits.ts';

const timing = v1PollTiming(1);
const sms = (id: number, expiresAtMs: number, waitStartedAtMs?: number): WatchTarget => ({
  id: String(id),
  kind: 'sms',
  expiresAtMs,
  waitStartedAtMs,
});
const book = (entries: Record<number, Partial<PollBookEntry>>) =>
  new Map(
    Object.entries(entries).map(([id, e]) => [
      id,
      { lastPolledAtMs: -Infinity, lastSeenInHistoryAtMs: -Infinity, ...e } as PollBookEntry,
    ]),
  );
const plan = (
  targets: WatchTarget[],
  b = book({}),
  extra: {
    nowMs?: number;
    historyActive?: boolean;
    recentPerIdCalls?: number;
    expectedFirstPolls?: number;
  } = {},
) =>
  nextPerIdPoll({
    targets,
    book: b,
    nowMs: extra.nowMs ?? 1_000_000,
    timing,
    historyActive: extra.historyActive ?? false,
    recentPerIdCalls: extra.recentPerIdCalls ?? 0,
    expectedFirstPolls: extra.expectedFirstPolls ?? 0,
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
    expect(plan(targets, b)?.id).toBe('2');
  });

  test('among equally polled ones, the earliest expiry goes first', () => {
    expect(plan([sms(1, 3e6), sms(2, 2e6), sms(3, 4e6)])?.id).toBe('2');
  });

  test('one about to expire jumps the queue at priority high; the others poll at normal', () => {
    const now = 1_000_000;
    const targets = [sms(1, now + 10 * timing.urgentMs), sms(2, now + timing.urgentMs / 2)];
    const b = book({ 1: { lastPolledAtMs: 0 }, 2: { lastPolledAtMs: now - 1 } });
    expect(plan(targets, b, { nowMs: now })).toEqual({ id: '2', priority: 'high', burst: false });
    expect(plan([targets[0]!], b, { nowMs: now })?.priority).toBe('normal');
  });

  test('simulated over many rounds, every activation is polled equally often', () => {
    const targets = Array.from({ length: 7 }, (_, i) => sms(i + 1, 1e12));
    const b = book({});
    const counts = new Map<string, number>();
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
    expect(plan([sms(1, 2e6, now)], seen, { nowMs: now, historyActive: true })?.id).toBe('1');
  });

  test('an activation missing from the history page falls back to per-id', () => {
    const now = 1_000_000;
    const b = book({
      1: { lastSeenInHistoryAtMs: now - 10 },
      2: { lastSeenInHistoryAtMs: now - timing.historyFreshMs - 1 },
    });
    expect(plan([sms(1, 2e6), sms(2, 2e6)], b, { nowMs: now, historyActive: true })?.id).toBe('2');
  });
});

test.describe('refund watch', () => {
  const refund = (id: number, expiresAtMs: number): WatchTarget => ({
    id: String(id),
    kind: 'refund',
    expiresAtMs,
    waitStartedAtMs: undefined,
  });

  test('polls rarely, at priority low, and after an SMS target', () => {
    const now = 1_000_000;
    expect(plan([refund(9, now + 1e6), sms(1, now + 1e6)], book({}), { nowMs: now })?.id).toBe('1');
    expect(plan([refund(9, now + 1e6)], book({}), { nowMs: now })).toEqual({
      id: '9',
      priority: 'low',
      burst: false,
    });
    const justPolled = book({ 9: { lastPolledAtMs: now - 1 } });
    expect(plan([refund(9, now + 1e6)], justPolled, { nowMs: now })).toBeUndefined();
  });

  test('polls once right after expiry, to learn the refund promptly', () => {
    const expiry = 1_000_000;
    const b = book({ 9: { lastPolledAtMs: expiry - 1 } });
    expect(plan([refund(9, expiry)], b, { nowMs: expiry + 1 })?.id).toBe('9');
    const after = book({ 9: { lastPolledAtMs: expiry + 1 } });
    expect(plan([refund(9, expiry)], after, { nowMs: expiry + 2 })).toBeUndefined();
  });
});

test.describe('first poll of a wait, and re-polls from spare budget only', () => {
  const now = 1_000_000;
  const perIdNormal = timing.perIdClassLimit.normal;

  test('a wait not observed since it started is polled first, oldest wait first, at high priority', () => {
    const targets = [sms(1, 2e6), sms(2, 2e6, now - 5), sms(3, 2e6, now - 50)];
    expect(plan(targets, book({}), { nowMs: now })).toEqual({
      id: '3',
      priority: 'high',
      burst: true,
      first: true,
    });
  });

  test('a history sighting after the wait started counts as its first look; one from before does not', () => {
    const seenAfter = book({ 1: { lastSeenInHistoryAtMs: now - 5 } });
    expect(plan([sms(1, 2e6, now - 10)], seenAfter, { nowMs: now })?.first).toBeUndefined();
    const seenBefore = book({ 1: { lastSeenInHistoryAtMs: now - 20 } });
    expect(plan([sms(1, 2e6, now - 10)], seenBefore, { nowMs: now })?.first).toBe(true);
  });

  test('first polls go even when re-polls have no budget to spare', () => {
    const busy = { nowMs: now, historyActive: true, recentPerIdCalls: perIdNormal, expectedFirstPolls: 80 };
    expect(plan([sms(1, 2e6, now - 10)], book({}), busy)?.first).toBe(true);
    const polled = book({ 1: { lastPolledAtMs: now - 5 } });
    expect(plan([sms(1, 2e6, now - 10)], polled, busy)).toBeUndefined();
  });

  test('the expected rate of new waits takes the burst, then the steady re-polls, away', () => {
    const polled = book({ 1: { lastPolledAtMs: now - 5 } });
    const target = [sms(1, 2e6, now - 10)];
    expect(plan(target, polled, { nowMs: now })?.burst).toBe(true);
    const lively = { nowMs: now, expectedFirstPolls: timing.burstCap };
    expect(plan(target, polled, lively)).toEqual({ id: '1', priority: 'normal', burst: false });
    const saturated = { nowMs: now, expectedFirstPolls: perIdNormal - timing.perIdReserve };
    expect(plan(target, polled, saturated)).toBeUndefined();
  });

  test('an activation about to expire re-polls on the headroom of priority high', () => {
    const polled = book({ 1: { lastPolledAtMs: now - 5 } });
    const input = { nowMs: now, expectedFirstPolls: perIdNormal - timing.perIdReserve };
    expect(plan([sms(1, now + timing.urgentMs / 2)], polled, input)?.priority).toBe('high');
  });

  test('while history runs, one nobody waits on is left to the next history page', () => {
    expect(plan([sms(1, 2e6)], book({}), { nowMs: now, historyActive: true })).toBeUndefined();
    expect(plan([sms(1, 2e6)], book({}), { nowMs: now, historyActive: false })?.id).toBe('1');
  });

  test('an activation with a call in flight is not chosen again', () => {
    const input = { targets: [sms(1, 2e6), sms(2, 2e6)], book: book({}), nowMs: now, timing };
    const choice = nextPerIdPoll({
      ...input,
      historyActive: false,
      recentPerIdCalls: 0,
      inFlight: new Set(['1']),
    });
    expect(choice?.id).toBe('2');
  });

  test('history for any wait once per id has nothing to spare; needsFirstPoll and perIdSpare agree', () => {
    expect(useHistory(1, timing, true)).toBe(true);
    expect(useHistory(0, timing, true)).toBe(false);
    expect(perIdSpare(0, perIdNormal - timing.perIdReserve, 'normal', timing)).toBe(false);
    expect(perIdSpare(0, perIdNormal - timing.perIdReserve - 1, 'normal', timing)).toBe(true);
    expect(needsFirstPoll(sms(1, 2e6, now), undefined)).toBe(true);
    expect(needsFirstPoll(sms(1, 2e6), undefined)).toBe(false);
  });
});

test.describe('per-id call log (the budget as the lane predicts it)', () => {
  const limit = timing.perIdClassLimit.normal;

  test('counts first polls and re-polls apart, and forgets them a window + margin after their answer', () => {
    const log = createPerIdCallLog(timing);
    log.start(0, true).doneAtMs = 10;
    log.start(5, false).doneAtMs = 20;
    expect([log.recentFirstPolls(100), log.recentRepolls(100)]).toEqual([1, 1]);
    expect(log.recentFirstPolls(10 + timing.perIdWindowMs)).toBe(0);
    expect(log.recentRepolls(10 + timing.perIdWindowMs)).toBe(1);
  });

  test('a slot is free now below the class limit; at it, when the oldest answer leaves the window', () => {
    const log = createPerIdCallLog(timing);
    for (let i = 0; i < limit - 1; i++) log.start(i, true).doneAtMs = i + 1;
    expect(log.nextSlotAtMs(1000, 'normal')).toBe(1000);
    log.start(999, false).doneAtMs = 1000;
    expect(log.nextSlotAtMs(1000, 'normal')).toBe(1 + timing.perIdWindowMs);
    expect(log.nextSlotAtMs(1000, 'high')).toBe(1000);
  });

  test('a call still in flight holds its slot until it is answered', () => {
    const log = createPerIdCallLog({ ...timing, perIdClassLimit: { ...timing.perIdClassLimit, normal: 1 } });
    const call = log.start(0, true);
    expect(log.inFlight()).toBe(1);
    expect(log.nextSlotAtMs(1e9, 'normal')).toBe(Number.POSITIVE_INFINITY);
    call.doneAtMs = 5;
    expect(log.nextSlotAtMs(6, 'normal')).toBe(5 + timing.perIdWindowMs);
  });
});

test.describe('poll timing follows the budget', () => {
  test('per-id class limits are the limit less the headroom; history is spaced as the budget spaces it', () => {
    const t60 = v1PollTiming(60);
    expect(t60.perIdClassLimit).toEqual({ critical: 80, high: 80, normal: 70, low: 60 });
    // 60 s window + 50 ms real margin floor at 60×, over 10 calls.
    expect(t60.historySpacingMs).toBeCloseTo((60_000 / 60 + 50) / 10);
    expect(t60.perIdWindowMs).toBeCloseTo(120_000 / 60 + 50);
  });
});
