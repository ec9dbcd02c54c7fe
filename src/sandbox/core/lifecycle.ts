import { ACTIVATION_STATUSES } from '../../api/activation-statuses.ts';
import type { ActivationRecord } from './activation-record.ts';
import { roundMoney } from './money.ts';
import type { World } from './world.ts';

/** Is the activation still live (not final)? Call {@link settleExpired} first. */
export function isLive(record: ActivationRecord): boolean {
  return !ACTIVATION_STATUSES[record.status].final;
}

/** Is the number waiting for an SMS (smsRequested / retryRequested)? */
export function isWaiting(record: ActivationRecord): boolean {
  return ACTIVATION_STATUSES[record.status].waiting;
}

/**
 * Apply every expiry due at the current API time. The sandbox evaluates expiry lazily — the
 * core calls this before it reads or changes anything — so expiry is seen by every reader
 * (API, carrier, state, debug page) without a timer, at any time scale.
 *
 * At `numberExpireAt` an activation that ever got an SMS ends `serviceConsumed` (billed); one
 * that never did ends `refunded` and its reserved price goes back to the balance (reference
 * "Decisions": billing).
 */
export function settleExpired(world: World, nowMs: number = world.clock.now()): void {
  const nowS = nowMs / 1000;
  for (const record of world.activations) {
    if (!isLive(record) || nowS < record.numberExpireAt) continue;
    if (record.smsReceived) {
      record.status = 'serviceConsumed';
    } else {
      record.status = 'refunded';
      record.account.balance = roundMoney(record.account.balance + record.price);
    }
  }
}

/** Can a retry be asked for now? Only before expiry, after an SMS (reference "Decisions": retry). */
export function isRetryAvailable(record: ActivationRecord): boolean {
  return isLive(record) && (record.status === 'smsReceived' || record.status === 'retryReceived');
}
