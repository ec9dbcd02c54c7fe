import type { ActivationId } from '../activation.ts';
import { TempNumberError } from './tempnumber-error.ts';

/** `phone.code()` waited and no SMS came for that number. */
export class SmsTimeoutError extends TempNumberError {
  override name = 'SmsTimeoutError';
  readonly activationId: ActivationId;
  readonly number: string;
  readonly lastStatus: string;
  readonly waitedMs: number;

  constructor(init: {
    activationId: ActivationId;
    number: string;
    lastStatus: string;
    waitedMs: number;
    likelyCause: string;
  }) {
    super(
      `No SMS arrived for ${init.number} (activation ${init.activationId}) within ${Math.round(init.waitedMs)} ms; ` +
        `last status ${init.lastStatus}. ${init.likelyCause}`,
    );
    this.activationId = init.activationId;
    this.number = init.number;
    this.lastStatus = init.lastStatus;
    this.waitedMs = init.waitedMs;
  }
}
