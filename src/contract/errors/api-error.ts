import { TempNumberError } from './tempnumber-error.ts';

/**
 * What kind of refusal an API answer is, in neutral terms: each API's error names map onto these
 * (TempNumber v1: `ERROR_NAMES` in src/api/error-names.ts), and the broker decides by family.
 */
export type ErrorFamily =
  | 'invalidRequest'
  | 'unauthorized'
  | 'paymentRequired'
  | 'accountOnHold'
  | 'notFound'
  | 'badState'
  | 'priceChanged'
  | 'gone'
  | 'serviceUnavailable'
  | 'lowSuccessRate'
  | 'tooManyPending'
  | 'rateLimited';

/** Where a failed request went: enough to find it in logs, never the API key. */
export interface RequestInfo {
  method: string;
  /** Path with ids filled in, relative to the API base (e.g. `/activations/123`). */
  path: string;
}

/**
 * The API answered and refused: a non-2xx status with an `{errorName, errorMessage}` body
 * (reference §5). `family` tells what kind of refusal it is (see `ERROR_NAMES`); unknown names
 * get the family `unknown`.
 */
export class ApiError extends TempNumberError {
  override name: string = 'ApiError';
  readonly status: number;
  readonly errorName: string;
  readonly errorMessage: string;
  readonly family: ErrorFamily | 'unknown';
  readonly method: string;
  readonly path: string;
  /** Only set for `expectedPriceErrorException`. */
  readonly newPrice: number | undefined;

  constructor(
    init: RequestInfo & {
      status: number;
      errorName: string;
      errorMessage: string;
      family: ErrorFamily | 'unknown';
      newPrice?: number | undefined;
      hint?: string;
    },
  ) {
    const hint = init.hint ? ` ${init.hint}` : '';
    super(
      `TempNumber refused ${init.method} ${init.path}: ${init.status} ${init.errorName}: ${init.errorMessage}.${hint}`,
    );
    this.status = init.status;
    this.errorName = init.errorName;
    this.errorMessage = init.errorMessage;
    this.family = init.family;
    this.method = init.method;
    this.path = init.path;
    this.newPrice = init.newPrice;
  }
}
