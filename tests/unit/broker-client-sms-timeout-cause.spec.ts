import { expect, test } from '@playwright/test';
import { smsTimeoutCause, type WaitObservation } from '../../src/broker/client/phone.ts';

const base: WaitObservation = {
  number: '+18454123223',
  lastStatus: 'smsRequested',
  lastState: 'waitingForSms',
  lastPollError: undefined,
  expiresAtMs: 2_000_000,
  nowMs: 1_000_000,
  ended: false,
};

test('no SMS and no poll errors: the app is the likely culprit', () => {
  const cause = smsTimeoutCause(base);
  expect(cause).toBe(
    'The app under test sent no SMS to this number (or the provider is slow): check that the app submitted +18454123223.',
  );
});

test('poll errors while waiting: the provider is the likely culprit, with its last error', () => {
  const cause = smsTimeoutCause({ ...base, lastPollError: 'GET /activations answered 503' });
  expect(cause).toContain(
    'TempNumber was failing while we waited (last error: GET /activations answered 503)',
  );
  expect(cause).toContain('the provider is the likely culprit');
});

test('an expired number is named as expired, even when polls failed too', () => {
  const cause = smsTimeoutCause({ ...base, nowMs: 2_000_000, lastPollError: 'boom' });
  expect(cause).toContain(`expired at ${new Date(2_000_000).toISOString()}`);
  expect(cause).not.toContain('boom');
});

test('a final status names the status; a number the broker stopped watching says so', () => {
  expect(smsTimeoutCause({ ...base, ended: true, lastStatus: 'refunded', lastState: 'refunded' })).toContain(
    'ended with status refunded',
  );
  expect(smsTimeoutCause({ ...base, ended: true })).toContain('no longer watched by the broker');
});

test('whether the number ended is read from the neutral state; the message quotes the API’s own word', () => {
  // A provider's word the broker's table maps to a final state is named as the end.
  expect(smsTimeoutCause({ ...base, ended: true, lastStatus: 'canceled', lastState: 'refunded' })).toContain(
    'ended with status canceled',
  );
  // A final-sounding word on a live state is not taken for the end.
  const live = smsTimeoutCause({ ...base, ended: true, lastStatus: 'refunded', lastState: 'waitingForSms' });
  expect(live).toContain('no longer watched by the broker');
  expect(live).toContain('last status refunded');
});
