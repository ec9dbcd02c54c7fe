import { expect, test } from '@playwright/test';
import { createSlidingWindowLog } from '../../src/limits/sliding-window-log.ts';

test.describe('sliding-window log with reservations: examples', () => {
  test('without headroom the same saturation makes critical requests wait (the test above can fail)', () => {
    const log = createSlidingWindowLog({ limit: 10, windowMs: 1000, marginMs: 20 });
    for (let now = 0; now < 500; now++)
      log.reserve(now, { priority: 'normal', maxWaitMs: 0, member: `n${now}` });
    const r = log.reserve(500, { priority: 'critical', maxWaitMs: Number.POSITIVE_INFINITY, member: 'c' });
    expect(r.granted && r.waitMs).toBeGreaterThan(400);
  });

  test('a lower class is refused once only the headroom is left, while a higher class still gets it', () => {
    const log = createSlidingWindowLog({
      limit: 5,
      windowMs: 1000,
      marginMs: 0,
      headroom: { critical: 0, normal: 2 },
    });
    const normal = (m: string) => log.reserve(0, { priority: 'normal', maxWaitMs: 0, member: m });
    expect([normal('a'), normal('b'), normal('c'), normal('d')].map((r) => r.granted)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(log.reserve(0, { priority: 'critical', maxWaitMs: 0, member: 'x' }).granted).toBe(true);
    expect(log.reserve(0, { priority: 'critical', maxWaitMs: 0, member: 'y' }).granted).toBe(true);
    expect(log.reserve(0, { priority: 'critical', maxWaitMs: 0, member: 'z' })).toMatchObject({
      granted: false,
      retryInMs: 1000,
    });
  });

  test('a block pushes every later slot past its end and is never shortened', () => {
    const log = createSlidingWindowLog({ limit: 5, windowMs: 1000, marginMs: 0 });
    log.block(100, 700);
    log.block(150, 100);
    expect(log.blockedForMs(200)).toBe(600);
    expect(log.reserve(200, { priority: 'critical', maxWaitMs: 10_000, member: 'a' })).toMatchObject({
      granted: true,
      slotMs: 800,
      waitMs: 600,
    });
    expect(log.reserve(900, { priority: 'critical', maxWaitMs: 0, member: 'b' })).toMatchObject({
      granted: true,
      waitMs: 0,
    });
  });

  test('cancel frees a slot for the next request', () => {
    const log = createSlidingWindowLog({ limit: 3, windowMs: 1000, marginMs: 50 });
    for (const m of ['a', 'b', 'c']) log.reserve(0, { priority: 'normal', maxWaitMs: 0, member: m });
    expect(log.reserve(10, { priority: 'normal', maxWaitMs: 0, member: 'd' })).toMatchObject({
      granted: false,
      retryInMs: 1040,
    });
    expect(log.cancel('b')).toBe(true);
    expect(log.cancel('b')).toBe(false);
    expect(log.reserve(10, { priority: 'normal', maxWaitMs: 0, member: 'd' })).toMatchObject({
      granted: true,
      waitMs: 0,
    });
    expect(log.used(10)).toBe(3);
  });

  test('spacing paces consecutive grants evenly', () => {
    const log = createSlidingWindowLog({ limit: 10, windowMs: 1000, marginMs: 0, spacingMs: 200 });
    const waits = [0, 1, 2, 3].map((i) =>
      log.reserve(0, { priority: 'normal', maxWaitMs: 10_000, member: `m${i}` }),
    );
    expect(waits.map((r) => r.granted && r.waitMs)).toEqual([0, 200, 400, 600]);
  });

  test('old slots leave the log once the window + margin has passed', () => {
    const log = createSlidingWindowLog({ limit: 3, windowMs: 1000, marginMs: 100 });
    for (const m of ['a', 'b']) log.reserve(0, { priority: 'normal', maxWaitMs: 0, member: m });
    expect(log.used(1099)).toBe(2);
    expect(log.used(1100)).toBe(0);
    expect(log.slots()).toEqual([]);
  });

  test('restored grants of a previous run count against the window', () => {
    const log = createSlidingWindowLog({ limit: 2, windowMs: 1000, marginMs: 0 });
    log.restore(-300, 'old1');
    log.restore(-500, 'old0');
    expect(log.slots()).toEqual([-500, -300]);
    expect(log.reserve(0, { priority: 'normal', maxWaitMs: 10_000, member: 'new' })).toMatchObject({
      granted: true,
      waitMs: 500,
    });
  });
});
