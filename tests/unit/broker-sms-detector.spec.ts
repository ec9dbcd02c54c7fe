import { expect, test } from '@playwright/test';
import { applySmsSnapshot, markRetried, newSmsState } from '../../src/broker/server/tracker.ts';

const at = '2026-01-01T00:00:00.000Z';

test('a waiting status brings no SMS; smsReceived with a message is SMS number 1', () => {
  const state = newSmsState();
  expect(applySmsSnapshot(state, { status: 'smsRequested' }, at)).toBeUndefined();
  const sms = applySmsSnapshot(state, { status: 'smsReceived', message: 'code 1234', code: 1234 }, at);
  expect(sms).toEqual({ text: 'code 1234', apiCode: '1234', receivedAt: at, sequence: 1 });
});

test('the same SMS seen again is not new', () => {
  const state = newSmsState();
  applySmsSnapshot(state, { status: 'smsReceived', message: 'code 1234' }, at);
  expect(applySmsSnapshot(state, { status: 'smsReceived', message: 'code 1234' }, at)).toBeUndefined();
  expect(applySmsSnapshot(state, { status: 'serviceConsumed', message: 'code 1234' }, at)).toBeUndefined();
  expect(state.sequence).toBe(1);
});

test('after a retry the next SMS gets the next sequence', () => {
  const state = newSmsState();
  applySmsSnapshot(state, { status: 'smsReceived', message: 'code 1111' }, at);
  markRetried(state);
  expect(applySmsSnapshot(state, { status: 'retryRequested' }, at)).toBeUndefined();
  expect(applySmsSnapshot(state, { status: 'retryReceived', message: 'code 2222' }, at)?.sequence).toBe(2);
});

test('a stale snapshot still showing the SMS from before the retry is not taken for a new one', () => {
  const state = newSmsState();
  applySmsSnapshot(state, { status: 'smsReceived', message: 'code 1111' }, at);
  markRetried(state);
  expect(applySmsSnapshot(state, { status: 'smsReceived', message: 'code 1111' }, at)).toBeUndefined();
  // The same text can legitimately come again once the activation was seen waiting.
  applySmsSnapshot(state, { status: 'retryRequested' }, at);
  expect(applySmsSnapshot(state, { status: 'retryReceived', message: 'code 1111' }, at)?.sequence).toBe(2);
});

test('a status with an SMS but an empty message is not an SMS yet', () => {
  const state = newSmsState();
  expect(applySmsSnapshot(state, { status: 'smsReceived', message: '' }, at)).toBeUndefined();
  expect(state.sequence).toBe(0);
});

test('a refunded activation never yields an SMS', () => {
  const state = newSmsState();
  expect(applySmsSnapshot(state, { status: 'refunded', message: '' }, at)).toBeUndefined();
});
