/**
 * Is the balance enough for the run ahead? Pure arithmetic over the balance and an estimate
 * (tests × price per number), with the shortfall stated as the amount to top up.
 */

import { formatUsd as usd } from '../contract/money.ts';
import type { CheckOutcome } from '../contract/preflight-result.ts';
import type { BalanceEstimate } from './check-types.ts';

/** Used when nothing better is known: ten numbers at one dollar. */
export const DEFAULT_ESTIMATE = { tests: 10, pricePerTest: 1, source: 'default estimate' } as const;

/** The balance check's verdict for `balance` (USD) against `estimate`. */
export function assessBalance(
  balance: number,
  reviewBalance: number,
  estimate: BalanceEstimate,
): CheckOutcome {
  const needed = roundCents(estimate.tests * estimate.pricePerTest);
  const est = `${estimate.tests} numbers × ${usd(estimate.pricePerTest)} = ${usd(needed)} (${estimate.source})`;
  const review = reviewBalance > 0 ? ` (${usd(reviewBalance)} more in review, not spendable yet)` : '';
  if (balance <= 0) {
    return {
      level: 'fail',
      line: `the balance is ${usd(balance)}${review}: every lease will be refused (402 paymentRequired). Top up at least ${usd(needed)} for ${est}.`,
    };
  }
  if (balance < needed) {
    return {
      level: 'warn',
      line: `${usd(balance)}${review} is less than the estimate of ${est}: top up at least ${usd(roundCents(needed - balance))}, or give a closer estimate.`,
    };
  }
  return { level: 'ok', line: `${usd(balance)}${review} covers the estimate of ${est}` };
}

function roundCents(amount: number): number {
  // Up, not to nearest: advice to top up must be enough.
  return Math.ceil(amount * 100 - 1e-9) / 100;
}
