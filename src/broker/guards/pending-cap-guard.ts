import { GuardError } from '../../contract/errors/guard-error.ts';
import type { LeaseGuard } from './lease-guard.ts';

/**
 * Take one slot of the account's pending cap, or refuse: TempNumber refuses more than ~20
 * activations waiting for an SMS (`TooManyActivationsPendingException`), and the store counts
 * them for every broker of the account. This guard has an effect (the slot), so it runs last.
 */
export const pendingCapGuard: LeaseGuard = async ({
  service,
  country,
  store,
  pendingCap,
  pendingKey,
  pendingTtlMs,
}) => {
  if (await store.admitPending(pendingKey, pendingTtlMs, pendingCap)) return undefined;
  return new GuardError({
    guard: 'pendingCap',
    service,
    country,
    message:
      `${pendingCap} activations of this account are already waiting for an SMS (the pending cap); ` +
      `not leasing ${service} in ${country}. Release phones sooner (numbers released without an SMS ` +
      'count until they expire), run fewer workers, or raise the cap if your account allows more.',
  });
};
