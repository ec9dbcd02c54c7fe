import type { LeaseResult, WaitResult } from '../../src/broker/protocol.ts';
import { expect, test } from '../helpers/broker-server-test.ts';

test('with one activation waiting the broker polls it per id and never lists the history', async ({
  connect,
  sandbox,
}) => {
  const socket = await connect();
  const { record } = await socket.lease();
  // One read at start-up (the delivery records learn the last 24 h), done before any lease.
  const historyAtStart = sandbox.state().requestsByBucket['GET /activations'];
  const waiting = socket.request<WaitResult>({
    op: 'wait',
    activationId: record.id,
    afterSequence: 0,
    holdMs: 10_000,
  });
  await expect.poll(() => sandbox.state().requestsByBucket['GET /activations/:id']).toBeGreaterThan(3);
  await sandbox.deliverSms(record.number, 'code 123456');
  expect((await waiting).sms?.apiCode).toBe('123456');
  expect(sandbox.state().requestsByBucket['GET /activations']).toBe(historyAtStart);
});

test('15 workers waiting at once are served by the history endpoint, every code arrives, and nothing is rate limited', async ({
  connect,
  sandbox,
}) => {
  const workers = await Promise.all(Array.from({ length: 15 }, (_, i) => connect(`worker ${i}`)));
  // At most 4 per service+country: the delivery-rate guard holds a 5th while none of a pair's 4
  // got an SMS yet (docs/guards.md), and these SMS only come once all 15 are leased.
  const services = ['facebook', 'instagram', 'twitter', 'whatsapp', 'telegram'];
  const leases = await Promise.all(
    workers.map((w, i) =>
      w.request<LeaseResult>({ op: 'lease', service: services[i % 5]!, countries: ['us'] }),
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
