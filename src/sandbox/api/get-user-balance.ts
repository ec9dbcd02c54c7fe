import type { UserBalance } from '../../api/wire-types.ts';
import { isWaiting } from '../core/lifecycle.ts';
import { roundMoney } from '../core/money.ts';
import { jsonReply } from '../core/responses.ts';
import type { ApiHandler } from './api-handler.ts';

/**
 * `GET /user/balance` → `{balance, review_balance}`. `balance` already has the reserved prices
 * taken off. The API does not define "balance in review"; the sandbox reports the money
 * reserved by live activations that have not received an SMS yet (it either comes back as a
 * refund or is billed), which is 0 whenever nothing is pending.
 */
export const getUserBalance: ApiHandler = ({ world, account }) => {
  const inReview = world.activations
    .filter((a) => a.account === account && isWaiting(a) && !a.smsReceived)
    .reduce((sum, a) => sum + a.price, 0);
  const body: UserBalance = { balance: account.balance, review_balance: roundMoney(inReview) };
  return jsonReply(200, body);
};
