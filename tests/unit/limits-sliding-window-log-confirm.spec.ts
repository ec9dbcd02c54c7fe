import { expect, test } from '@playwright/test';
import { CONFIRM_REPOLL_MS, createSlidingWindowLog } from '../../src/limits/sliding-window-log.ts';

// Window 1000 + margin 50: a request counts at confirm while its done time is after now − 1050.
const spec = { limit: 2, windowMs: 1000, marginMs: 50 };
const critical = (member: string, maxWaitMs = 0) => ({ priority: 'critical' as const, maxWaitMs, member });

test.describe('sliding-window log: send-time confirmation', () => {
  test('confirms up to the limit; a request in flight counts at its worst case, so a refusal re-polls soon', () => {
    const log = createSlidingWindowLog(spec);
    log.reserve(0, critical('a'));
    log.reserve(0, critical('b'));
    expect(log.confirm(0, 'a', 30_000)).toEqual({ ok: true });
    expect(log.confirm(5, 'b', 30_000)).toEqual({ ok: true });
    // A third request (here: unknown to the log) finds both in flight: done at 30 000 at worst.
    expect(log.confirm(10, 'c', 30_000)).toEqual({ ok: false, retryInMs: CONFIRM_REPOLL_MS });
    // Settled, their done times are known: the wait is exact.
    expect(log.settle(100, 'a')).toBe(true);
    expect(log.settle(100, 'a')).toBe(false);
    expect(log.settle(130, 'b')).toBe(true);
    expect(log.confirm(1000, 'c', 30_000)).toEqual({ ok: false, retryInMs: 150 });
    expect(log.confirm(1150, 'c', 30_000)).toEqual({ ok: true });
  });

  test('the scheduler places the next slot after the done time, where confirm will allow it', () => {
    const log = createSlidingWindowLog({ ...spec, limit: 1 });
    log.reserve(0, critical('a'));
    // Late by 30 ms, answered 20 ms later: the server may have counted it at any time in [30, 50].
    expect(log.confirm(30, 'a', 30_000)).toEqual({ ok: true });
    expect(log.reserve(40, critical('b', 10_000))).toMatchObject({ granted: true, slotMs: 30 + 1050 });
    log.cancel('b');
    log.settle(50, 'a');
    const next = log.reserve(60, critical('c', 10_000));
    expect(next).toMatchObject({ granted: true, slotMs: 50 + 1050 });
    expect(log.confirm(1099, 'c', 30_000)).toMatchObject({ ok: false, retryInMs: 1 });
    expect(log.confirm(1100, 'c', 30_000)).toEqual({ ok: true });
  });

  test('only the full limit refuses: headroom is a scheduling preference, not a send-time rule', () => {
    const log = createSlidingWindowLog({ ...spec, limit: 3, headroom: { low: 2 } });
    for (const m of ['a', 'b']) expect(log.confirm(0, m, 100)).toEqual({ ok: true });
    expect(log.reserve(0, { priority: 'low', maxWaitMs: 0, member: 'c' }).granted).toBe(false);
    expect(log.confirm(0, 'c', 100)).toEqual({ ok: true });
    expect(log.confirm(0, 'd', 100).ok).toBe(false);
  });

  test('a refused confirmation leaves the reservation unsent: it can still be given back', () => {
    const log = createSlidingWindowLog({ ...spec, limit: 1 });
    log.confirm(0, 'a', 100);
    log.reserve(0, critical('b', 10_000));
    expect(log.confirm(10, 'b', 100).ok).toBe(false);
    expect(log.cancel('b')).toBe(true);
    // A sent request always counts: it cannot be given back.
    expect(log.cancel('a')).toBe(false);
    expect(log.used(10)).toBe(1);
  });

  test('a 429 block refuses confirmation until it ends, with the exact wait', () => {
    const log = createSlidingWindowLog(spec);
    log.reserve(0, critical('a'));
    log.block(0, 700);
    expect(log.confirm(200, 'a', 100)).toEqual({ ok: false, retryInMs: 500 });
    expect(log.confirm(700, 'a', 100)).toEqual({ ok: true });
  });

  test('a request never settled leaves the log at send + maxInFlight + window + margin', () => {
    const log = createSlidingWindowLog({ ...spec, limit: 1 });
    log.confirm(0, 'a', 500);
    expect(log.used(1549)).toBe(1);
    expect(log.confirm(1549, 'b', 500)).toEqual({ ok: false, retryInMs: 1 });
    expect(log.used(1550)).toBe(0);
    // Settled after its worst case, it counts as done at the worst case (the client had aborted).
    log.confirm(2000, 'c', 500);
    log.settle(2600, 'c');
    expect(log.confirm(2000 + 500 + 1050, 'd', 500)).toEqual({ ok: true });
  });

  test('restored requests of a previous broker count with their done times', () => {
    const log = createSlidingWindowLog({ ...spec, limit: 1 });
    log.restore(-400, 'old', { sentMs: -300, doneMs: -100 });
    expect(log.confirm(0, 'new', 100)).toEqual({ ok: false, retryInMs: 950 });
    expect(log.reserve(0, critical('x', 10_000))).toMatchObject({ granted: true, waitMs: 950 });
  });
});
