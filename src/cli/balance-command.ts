/**
 * `playwright-tempnumber balance`: the account's balance and balance in review, in USD, and
 * which account that is (its short hash — never the key).
 */

import { displayUrl } from '../config/redact.ts';
import { accountId } from '../config/settings.ts';
import { formatFields, formatUsd } from './format.ts';
import type { CommandSpec, OptionsSpec } from './frame.ts';
import { CLI_READ_TIMEOUT_MS, runCliCommand, withBroker } from './frame.ts';

const SPEC = {
  name: 'balance',
  summary: 'Show the balance of the TempNumber account (USD)',
  description:
    "Reads the balance through the account's broker, on the shared budget (TempNumber v1: GET /user/balance, 10 requests a minute). " +
    '"In review" is money the API holds back; it cannot be spent yet.',
  options: {},
  examples: ['playwright-tempnumber balance', 'playwright-tempnumber balance --json'],
} as const satisfies CommandSpec<OptionsSpec>;

/** Run `balance`; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  return runCliCommand(SPEC, args, async ({ out, settings }) => {
    const s = settings();
    const account = accountId(s);
    const { availableUsd: balance, heldUsd: reviewBalance } = await withBroker(s, 'balance', (broker) =>
      broker.read({ what: 'balance', timeoutMs: CLI_READ_TIMEOUT_MS }),
    );
    if (out.jsonMode) {
      out.json({
        account,
        api: s.api,
        baseUrl: displayUrl(s.baseUrl),
        currency: 'USD',
        balance,
        reviewBalance,
      });
      return 'ok';
    }
    out.line(
      formatFields([
        ['Account', `${account} (${s.api}, ${displayUrl(s.baseUrl)})`],
        ['Balance', formatUsd(balance)],
        ['In review', formatUsd(reviewBalance)],
      ]),
    );
    return 'ok';
  });
}
