/**
 * What to do when the API refuses an operator's request, by error family: one table shared by
 * the CLI's error output and the doctor's lines, so both give the same advice.
 */
import type { ErrorFamily } from '../contract/errors/api-error.ts';

/** Advice per family of ApiError; families without an entry need none beyond the message. */
const REFUSAL_HINTS = {
  unauthorized:
    'The API key was refused: check TEMPNUMBER_API_KEY (and that TEMPNUMBER_BASE_URL is the API it belongs to).',
  accountOnHold: 'The account is on hold: contact TempNumber support (support@temp-number.org).',
  paymentRequired: 'The balance is too low: top up in the TempNumber web app.',
  rateLimited:
    'The request limit of this endpoint is used up (a running test suite may be using it): wait a minute and try again.',
  serviceUnavailable: 'TempNumber is temporarily unavailable: try again in a few minutes.',
} as const satisfies Partial<Record<ErrorFamily, string>>;

/** The hint for an error carrying a `family`, or undefined. */
export function refusalHint(error: unknown): string | undefined {
  const family =
    typeof error === 'object' && error !== null ? (error as { family?: unknown }).family : undefined;
  return typeof family === 'string' && Object.hasOwn(REFUSAL_HINTS, family)
    ? REFUSAL_HINTS[family as keyof typeof REFUSAL_HINTS]
    : undefined;
}
