import { expect, test } from '@playwright/test';
import {
  type ChangeReason,
  createActivationTracker,
  markRetried,
  newSmsState,
  type TrackedActivation,
} from '../../src/broker/server/tracker.ts';
import type { ActivationRecord } from '../../src/contract/activation.ts';
import { v1PollTiming } from '../helpers/v1-broker-limits.ts';
import { v1Snapshot } from '../helpers/v1-snapshot.ts';

const setup = (outcome: ActivationRecord['outcome'] = 'waiting') => {
  let now = 1_000_000;
  const changes: ChangeReason[] = [];
  const tracker = createActivationTracker({
    timing: v1PollTiming(1),
    now: () => now,
    onChange: (_t, reason) => changes.push(reason),
  });
  const t: TrackedActivation = {
    record: {
      id: '7',
      number: '+15550000007',
      service: 'facebook',
      country: 'us',
      price: 0.45,
      state: 'waitingForSms',
      status: 'smsRequested',
      outcome,
      refunded: undefined,
      owner: 'test',
      leasedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 1_200_000).toISOString(),
      releasedAt: undefined,
      smsAt: undefined,
    },
    pair: 'facebook/us',
    sms: newSmsState(),
    expiresAtMs: now + 1_200_000,
    connectionId: 1,
    waitStartedAtMs: undefined,
    retriedAtMs: Number.NEGATIVE_INFINITY,
    lastPollError: undefined,
    releasedByOwner: false,
    adoptUntilMs: undefined,
  };
  tracker.add(t);
  return { tracker, t, changes, advance: (ms: number) => (now += ms), now: () => now };
};

test('a held wait resolves when the snapshot with the SMS comes in, and the SMS time is recorded', async () => {
  const { tracker, t, changes } = setup();
  const wait = tracker.waits.hold(
    { activationId: '7', connectionId: 1, afterSequence: 0, holdMs: 60_000 },
    () => tracker.waitResult(t, 0),
  );
  tracker.applySnapshot(
    v1Snapshot({ id: 7, status: 'smsReceived', message: 'code 4321', code: '4321' }),
    1_000_000,
  );
  const result = await wait;
  expect(result.sms).toMatchObject({ text: 'code 4321', sequence: 1 });
  expect(result).toMatchObject({ state: 'smsReceived', status: 'smsReceived' });
  expect(t.record).toMatchObject({ state: 'smsReceived', status: 'smsReceived' });
  expect(t.record.smsAt).toBeDefined();
  expect(changes).toEqual(['sms']);
  expect(tracker.watchTargets()).toEqual([]);
});

test('a snapshot requested before a retry is ignored (it still shows the old SMS)', () => {
  const { tracker, t, advance, now } = setup();
  tracker.applySnapshot(v1Snapshot({ id: 7, status: 'smsReceived', message: 'code 1111' }), now());
  const sentBeforeRetry = now();
  advance(10);
  markRetried(t.sms);
  t.retriedAtMs = now();
  tracker.applySnapshot(v1Snapshot({ id: 7, status: 'smsReceived', message: 'code 1111' }), sentBeforeRetry);
  expect(t.sms.sequence).toBe(1);
  expect(tracker.watchTargets().map((x) => [x.id, x.kind])).toEqual([['7', 'sms']]);
});

test('a cancelled activation is watched for its refund, which the ledger learns from the API status', () => {
  const { tracker, t, changes } = setup('cancelled');
  expect(tracker.watchTargets().map((x) => x.kind)).toEqual(['refund']);
  tracker.applySnapshot(v1Snapshot({ id: 7, status: 'refunded' }), 1_000_000);
  expect(t.record.refunded).toBe(true);
  expect(t.record).toMatchObject({ state: 'refunded', status: 'refunded' });
  expect(changes).toEqual(['refund']);
  expect(tracker.watchTargets()).toEqual([]);
});

test('the last poll error is reported to waits until a poll of that activation succeeds', () => {
  const { tracker, t } = setup();
  tracker.recordPollError('7', 'GET /activations/7 to TempNumber timed out');
  expect(tracker.waitResult(t, 0).lastPollError).toMatch(/timed out/);
  tracker.applySnapshot(v1Snapshot({ id: 7, status: 'smsRequested' }), 1_000_000);
  expect(tracker.waitResult(t, 0).lastPollError).toBeUndefined();
});

test('a wire status the provider does not know is kept in words, state unknown, and still watched', () => {
  const { tracker, t, changes } = setup();
  tracker.applySnapshot(v1Snapshot({ id: 7, status: 'somethingNew' }), 1_000_000);
  expect(t.record).toMatchObject({ state: 'unknown', status: 'somethingNew' });
  expect(tracker.waitResult(t, 0)).toMatchObject({ sms: null, state: 'unknown', status: 'somethingNew' });
  expect(changes).toEqual(['status']);
  expect(tracker.isLive(t)).toBe(true);
  expect(tracker.watchTargets().map((x) => [x.id, x.kind])).toEqual([['7', 'sms']]);
});

test('a broker restarted after an SMS it never handed out polls for its text and answers the held wait', async () => {
  const { tracker, t } = setup();
  // As reconciled from the ledger: the SMS is known by its time only (smsAt), not its text.
  t.sms = {
    sequence: 1,
    lastSms: undefined,
    expectingSms: false,
    staleMessage: undefined,
    sawWaitingSinceRetry: false,
  };
  t.record.smsAt = new Date(999_000).toISOString();
  expect(tracker.watchTargets().map((x) => [x.id, x.kind])).toEqual([['7', 'sms']]);
  // The client never got it: its wait (after sequence 0) is held until the text is known.
  const wait = tracker.waits.hold(
    { activationId: '7', connectionId: 1, afterSequence: 0, holdMs: 60_000 },
    () => tracker.waitResult(t, 0),
  );
  tracker.applySnapshot(
    v1Snapshot({ id: 7, status: 'smsReceived', message: 'code 5150', code: '5150' }),
    1_000_000,
  );
  expect((await wait).sms).toMatchObject({ text: 'code 5150', sequence: 1 });
  expect(tracker.watchTargets()).toEqual([]);
});
