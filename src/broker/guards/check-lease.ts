/**
 * The guards run before every `POST /activations`, in order, as data: the first refusal wins.
 * The delivery-rate guard and the circuit breaker join this list (before the pending cap,
 * which must stay last because it takes a slot).
 */
import type { GuardError } from '../../api/errors/guard-error.ts';
import type { LeaseAttempt, LeaseGuard } from './lease-guard.ts';
import { pairBlockGuard } from './pair-block-guard.ts';
import { pendingCapGuard } from './pending-cap-guard.ts';

/** Every guard of a lease attempt, cheapest and side-effect-free first. */
export const LEASE_GUARDS: readonly LeaseGuard[] = [pairBlockGuard, pendingCapGuard];

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
