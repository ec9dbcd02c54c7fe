import { ApiError, type RequestInfo } from './api-error.ts';

/**
 * The API refused a lease because the price is above `expectedPrice`
 * (`expectedPriceErrorException`). Never retried at the higher price on its own.
 */
export class PriceChangedError extends ApiError {
  override name = 'PriceChangedError';

  constructor(
    init: RequestInfo & {
      status: number;
      errorName: string;
      errorMessage: string;
      newPrice: number | undefined;
      expectedPrice?: number | undefined;
    },
  ) {
    const was = init.expectedPrice === undefined ? '' : ` above the expected ${init.expectedPrice}`;
    super({
      ...init,
      family: 'priceChanged',
      hint: `The price is now ${init.newPrice ?? 'unknown'}${was}; raise the max price (phoneMaxPrice) if that is acceptable.`,
    });
  }
}
