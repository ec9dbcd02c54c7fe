import type { LeaseResult, WaitResult } from '../../src/broker/protocol.ts';
import { expect, test } from '../helpers/broker-server-test.ts';

test('with one activation waiting the broker polls it per id and never lists the history', async ({
  connect,
  sandbox,
}) => {
  const socket = await connect();
  const { record } = await socket.request<LeaseResult>({
    op: 'lease',
    service: 'facebook',
    countries: ['us'],
  });
  const waiting = socket.request<WaitResult>({
    op: 'wait',
    activationId: record.id,
    afterSequence: 0,
    holdMs: 10_000,
  });
  await expect.poll(() => sandbox.state().requestsByBucket['GET /activations/:id']).toBeGreaterThan(3);
  await sandbox.deliverSms(record.number, 'code 123456');
  expect((await waiting).sms?.apiCode).toBe('123456');
  expect(sandbox.state().requestsByBucket['GET /activations']).toBe(0);
});

test('15 workers waiting at once are served by the history endpoint, every code arrives, and nothing is rate limited', async ({
  connect,
  sandbox,
}) => {
  const workers = await Promise.all(Array.from({ length: 15 }, (_, i) => connect(`worker ${i}`)));
  // At most 5 per service+country: the API refuses a 6th while none of a pair's 5 got an SMS yet.
  const services = ['facebook', 'instagram', 'twitter'];
  const leases = await Promise.all(
    workers.map((w, i) =>
      w.request<LeaseResult>({ op: 'lease', service: services[i % 3]!, countries: ['us'] }),
    ),
  );
  const waits = leases.map(({ record }, i) =>
    workers[i]!.request<WaitResult>({
      op: 'wait',
      activationId: record.id,
      afterSequence: 0,
      holdMs: 15_000,
    }),
  );
  // Let the poller settle into its steady state (past the burst) before the SMS come.
  const historyBefore = sandbox.state().requestsByBucket['GET /activations'];
  await expect
    .poll(() => sandbox.state().requestsByBucket['GET /activations'])
    .toBeGreaterThan(historyBefore + 2);
  await Promise.all(leases.map(({ record }, i) => sandbox.deliverSms(record.number, `code ${100000 + i}`)));
  const results = await Promise.all(waits);
  expect(results.map((r) => r.sms?.apiCode)).toEqual(leases.map((_, i) => String(100000 + i)));
  const state = sandbox.state();
  expect(state.rateLimited).toBe(0);
  expect(state.requestsByBucket['GET /activations']).toBeGreaterThan(2);
});
