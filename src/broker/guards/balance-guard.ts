import { GUARD_ENV } from '../../config/guard-settings.ts';
import { GuardError } from '../../contract/errors/guard-error.ts';
import type { LeaseGuard } from './lease-guard.ts';

/**
 * Refuse a lease the account cannot pay, from a cached balance read (the balance endpoint allows
 * 10 calls a minute, so it is read at most once per cache period, at low priority). The API's
 * own `paymentRequired` (402) stays the final word: an unknown balance or price lets the lease
 * through.
 */
export const balanceGuard: LeaseGuard = async ({ env, service, country, pair }) => {
  if (!env.settings.balance) return undefined;
  const balance = await env.balance();
  if (balance === undefined) return undefined;
  const price = await env.priceOf(service, country);
  // With an unknown price only an empty account is certain not to pay.
  if (price === undefined ? balance > 0 : balance >= price) return undefined;
  const cost = price === undefined ? 'any number' : `the $${price} a ${pair} number costs`;
  return new GuardError({
    guard: 'balance',
    service,
    country,
    message:
      `The TempNumber balance is $${round(balance)}, less than ${cost}: not leasing. Numbers leased and not ` +
      'yet refunded are reserved from the balance until they expire. Top up the account, or turn this check off ' +
      `with ${GUARD_ENV.balance}=off (TempNumber then refuses the lease itself with paymentRequired).`,
  });
};

function round(usd: number): string {
  return (Math.round(usd * 100) / 100).toFixed(2);
}
