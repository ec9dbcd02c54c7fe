/**
 * The `errorName` values of TempNumber v1 (reference §5.2), the HTTP status the sandbox answers
 * with, and the family that decides which error class a client throws. ONE table, read by the
 * client (classification), the sandbox (responses) and tests.
 *
 * Names are compared case-insensitively: the API spells some with a lower-case first letter and
 * has changed spelling between spec versions (reference §5.2 notes).
 *
 * `status` is the sandbox's choice where the API is silent (reference "Decisions": 429 for the
 * three throttling names, 409 for the price change). A client must classify by name, not status.
 */
import type { ErrorFamily } from '../contract/errors/api-error.ts';

export const ERROR_NAMES = {
  InvalidRequestParamsException: { status: 400, family: 'invalidRequest' },
  UnauthorizedException: { status: 401, family: 'unauthorized' },
  paymentRequired: { status: 402, family: 'paymentRequired' },
  AccountOnHoldException: { status: 403, family: 'accountOnHold' },
  ResourceNotFoundException: { status: 404, family: 'notFound' },
  ResourceBadStateException: { status: 409, family: 'badState' },
  expectedPriceErrorException: { status: 409, family: 'priceChanged' },
  GoneException: { status: 410, family: 'gone' },
  ServiceUnavailableException: { status: 503, family: 'serviceUnavailable' },
  lowSuccessRateException: { status: 429, family: 'lowSuccessRate' },
  TooManyActivationsPendingException: { status: 429, family: 'tooManyPending' },
  TooManyRequestsException: { status: 429, family: 'rateLimited' },
} as const satisfies Record<string, { status: number; family: ErrorFamily }>;

export type ErrorName = keyof typeof ERROR_NAMES;

const BY_LOWER_NAME = new Map<string, ErrorName>(
  (Object.keys(ERROR_NAMES) as ErrorName[]).map((name) => [name.toLowerCase(), name]),
);

/** The canonical spelling of a wire `errorName`, compared case-insensitively; undefined if unknown. */
export function canonicalErrorName(errorName: string): ErrorName | undefined {
  return BY_LOWER_NAME.get(errorName.toLowerCase());
}
