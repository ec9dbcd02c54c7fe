import { TempNumberError } from './tempnumber-error.ts';

/**
 * The broker could not start: another broker of the account runs, or the runtime dir is not
 * usable. `runningPid` is set in the first case.
 */
export class BrokerStartError extends TempNumberError {
  override name = 'BrokerStartError';
  readonly runningPid: number | undefined;

  constructor(message: string, init: { runningPid?: number; cause?: unknown } = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.runningPid = init.runningPid;
  }
}
