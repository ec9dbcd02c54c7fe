import type { WaitResult } from '../../src/broker/protocol.ts';
import { expect, test } from '../helpers/broker-server-test.ts';

test('wait resolves with the SMS the app sent, numbered 1', async ({ connect, sandbox }) => {
  const socket = await connect();
  const { record } = await socket.lease();
  const waiting = socket.request<WaitResult>({
    op: 'wait',
    activationId: record.id,
    afterSequence: 0,
    holdMs: 10_000,
  });
  await sandbox.deliverSms(record.number, 'Your Acme code is 482913');
  const result = await waiting;
  expect(result.sms).toMatchObject({ text: 'Your Acme code is 482913', apiCode: '482913', sequence: 1 });
  expect(result.status).toBe('smsReceived');
});

test('an SMS that came before the wait is answered at once', async ({ connect, sandbox }) => {
  const socket = await connect();
  const { record } = await socket.lease();
  await sandbox.deliverSms(record.number, 'code 111222');
  await expect
    .poll(async () => {
      const r = await socket.request<WaitResult>({
        op: 'wait',
        activationId: record.id,
        afterSequence: 0,
        holdMs: 0,
      });
      return r.sms?.text;
    })
    .toBe('code 111222');
});

test('with no SMS, wait answers sms null with the last status after its hold time', async ({ connect }) => {
  const socket = await connect();
  const { record } = await socket.lease();
  const started = Date.now();
  const result = await socket.request<WaitResult>({
    op: 'wait',
    activationId: record.id,
    afterSequence: 0,
    holdMs: 300,
  });
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  expect(result).toMatchObject({ sms: null, status: 'smsRequested' });
});

test('after a retry the next wait gets the next SMS, sequence 2', async ({ connect, sandbox }) => {
  const socket = await connect();
  const { record } = await socket.lease();
  const first = socket.request<WaitResult>({
    op: 'wait',
    activationId: record.id,
    afterSequence: 0,
    holdMs: 10_000,
  });
  await sandbox.deliverSms(record.number, 'first code 1111');
  expect((await first).sms?.sequence).toBe(1);
  await socket.request({ op: 'retry', activationId: record.id });
  const second = socket.request<WaitResult>({
    op: 'wait',
    activationId: record.id,
    afterSequence: 1,
    holdMs: 10_000,
  });
  await sandbox.deliverSms(record.number, 'second code 2222');
  expect((await second).sms).toMatchObject({ text: 'second code 2222', sequence: 2 });
  expect(sandbox.state().requestsByBucket['PUT /activations/:id']).toBe(1);
});

test('a retry before any SMS fails and says a retry needs an SMS first', async ({ connect }) => {
  const socket = await connect();
  const { record } = await socket.lease();
  const error = (await socket.request({ op: 'retry', activationId: record.id }).catch((e) => e)) as {
    wire: Record<string, unknown>;
  };
  expect(error.wire).toMatchObject({
    name: 'ApiError',
    family: 'badState',
    status: 409,
    activationId: record.id,
  });
  expect(error.wire.message).toMatch(/only possible after an SMS arrived and before the number expires/);
});

test('wait on an unknown activation is a clear error', async ({ connect }) => {
  const socket = await connect();
  const error = (await socket
    .request({ op: 'wait', activationId: '424242', afterSequence: 0, holdMs: 10 })
    .catch((e) => e)) as {
    wire: Record<string, unknown>;
  };
  expect(error.wire.message).toMatch(/Activation 424242 is not known to this broker/);
});
