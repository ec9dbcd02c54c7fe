import { expect, test } from '@playwright/test';
import { requestedWaitMs } from '../../fixtures/test-phone.ts';
import { planWait } from '../../src/contract/phone.ts';

const now = 1_000_000;

test.describe('how long phone.code() waits', () => {
  test('waits the requested time when the number lives longer', () => {
    expect(planWait({ requestedMs: 60_000, expiresAtMs: now + 600_000, nowMs: now })).toEqual({
      waitMs: 60_000,
      endsAt: 'timeout',
    });
  });

  test('never waits past the number expiry', () => {
    expect(planWait({ requestedMs: 60_000, expiresAtMs: now + 5_000, nowMs: now })).toEqual({
      waitMs: 5_000,
      endsAt: 'expiry',
    });
  });

  test('a test without timeout (--debug) waits until the number expires', () => {
    expect(
      planWait({
        requestedMs: requestedWaitMs(60_000, 0),
        expiresAtMs: now + 900_000,
        nowMs: now,
      }),
    ).toEqual({
      waitMs: 900_000,
      endsAt: 'expiry',
    });
  });

  test('a test with a timeout asks for the wait it was given', () => {
    expect(requestedWaitMs(60_000, 30_000)).toBe(60_000);
  });

  test('a requested timeout of 0 waits until the number expires', () => {
    expect(planWait({ requestedMs: 0, expiresAtMs: now + 7_000, nowMs: now })).toEqual({
      waitMs: 7_000,
      endsAt: 'expiry',
    });
  });

  test('an expired number still gets a positive wait, so the broker answers instead of a 0 that could mean forever', () => {
    expect(planWait({ requestedMs: 60_000, expiresAtMs: now - 1, nowMs: now }).waitMs).toBe(1);
  });
});
