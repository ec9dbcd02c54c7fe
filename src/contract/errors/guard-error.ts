import { TempNumberError } from './tempnumber-error.ts';

/** Which guard refused (DESIGN §5). */
export type GuardName =
  | 'deliveryRate'
  | 'circuitBreaker'
  | 'price'
  | 'pendingCap'
  | 'balance'
  | 'lowSuccessRate';

/**
 * A guard of the broker refused a lease before any money was spent: the message says which
 * guard, for which service+country, why, and how to tune or disable it.
 */
export class GuardError extends TempNumberError {
  override name = 'GuardError';
  readonly guard: GuardName;
  readonly service: string | undefined;
  readonly country: string | undefined;

  constructor(init: {
    guard: GuardName;
    message: string;
    service?: string | undefined;
    country?: string | undefined;
  }) {
    super(init.message);
    this.guard = init.guard;
    this.service = init.service;
    this.country = init.country;
  }
}
