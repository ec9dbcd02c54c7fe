/**
 * `retry`: ask the API for another SMS on the same number (`PUT /activations/{id}`
 * `{status:"retry"}`, free). The previous SMS can no longer be read afterwards (API rule); the
 * next `wait` gets the next sequence.
 */

import type { ApiError } from '../../contract/errors/api-error.ts';
import { isTempNumberError } from '../../contract/errors/tempnumber-error.ts';
import { markRetried } from '../poller/sms-detector.ts';
import type { ActivationRecord } from '../protocol.ts';
import type { TrackedActivation } from './activation-tracker.ts';
import { type BrokerContext, NO_CAP, pendingKeyOf } from './broker-context.ts';
import { bestEffort } from './release.ts';
import { brokerError, relay } from './wire-error.ts';

/** Extra words for the refusals a retry can meet (by API error family). */
const RETRY_HINTS: Partial<Record<ApiError['family'], string>> = {
  badState: 'A retry is only possible after an SMS arrived and before the number expires.',
  gone: 'The number has expired; lease a new one.',
  notFound: 'The API does not know this activation.',
};

/** Ask the API for the next SMS of a leased activation; errors say when a retry is possible. */
export async function retryActivation(
  ctx: BrokerContext,
  t: TrackedActivation,
): Promise<{ record: ActivationRecord }> {
  const { record } = t;
  if (record.outcome !== 'waiting') {
    throw brokerError(
      `Activation ${record.id} (${record.number}) was already released (${record.outcome}); it cannot be retried.`,
      {
        activationId: record.id,
      },
    );
  }
  const requestedAtMs = ctx.now();
  try {
    await ctx.api.updateActivation(record.id, { status: 'retry' }, { priority: 'normal' });
  } catch (error) {
    const family = isTempNumberError(error) ? (error as Partial<ApiError>).family : undefined;
    const hint = family === undefined ? '' : (RETRY_HINTS[family] ?? '');
    const message = error instanceof Error ? error.message : String(error);
    throw relay(
      error,
      `Retry of ${record.number} (activation ${record.id}) failed: ${message} ${hint}`.trim(),
      {
        activationId: record.id,
      },
    );
  }
  markRetried(t.sms);
  // Snapshots of polls sent before the retry still show the old SMS: ignore them.
  t.retriedAtMs = requestedAtMs;
  t.waitStartedAtMs = undefined;
  record.status = 'retryRequested';
  await ctx.ledger.append(record);
  await bestEffort(ctx, t, async () => {
    const remainingMs = Math.max(t.expiresAtMs - ctx.now(), 0);
    await ctx.store.admitPending(pendingKeyOf(record.id), remainingMs + 2_000, NO_CAP);
  });
  ctx.poller.wake();
  return { record: { ...record } };
}
