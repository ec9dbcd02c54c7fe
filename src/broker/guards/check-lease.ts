/**
 * The guards run before every `POST /activations`, in order, as data: the first refusal wins.
 * Cheap reads first; the delivery-rate guard may hold the lease a while, so it runs after the
 * fail-fast ones; the pending cap takes a slot, so it stays last.
 */
import type { GuardError } from '../../contract/errors/guard-error.ts';
import { balanceGuard } from './balance-guard.ts';
import { circuitBreakerGuard } from './circuit-breaker-guard.ts';
import { deliveryRateGuard } from './delivery-rate-guard.ts';
import type { LeaseAttempt, LeaseGuard } from './lease-guard.ts';
import { pairBlockGuard } from './pair-block-guard.ts';
import { pendingCapGuard } from './pending-cap-guard.ts';

/** Every guard of a lease attempt, in the order they run. */
export const LEASE_GUARDS: readonly LeaseGuard[] = [
  pairBlockGuard,
  circuitBreakerGuard,
  balanceGuard,
  deliveryRateGuard,
  pendingCapGuard,
];

/** Run `guards` for one attempt; undefined when all pass. */
export async function checkLease(
  attempt: LeaseAttempt,
  guards: readonly LeaseGuard[] = LEASE_GUARDS,
): Promise<GuardError | undefined> {
  for (const guard of guards) {
    const refusal = await guard(attempt);
    if (refusal) return refusal;
  }
  return undefined;
}
