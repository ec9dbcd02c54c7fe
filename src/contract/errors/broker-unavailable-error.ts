import { TempNumberError } from './tempnumber-error.ts';

/**
 * No broker could be reached or started, or the broker went away and could not be replaced.
 * The message says which broker (pid), what was in progress and where the ledger is, so a paid
 * number is never lost track of.
 */
export class BrokerUnavailableError extends TempNumberError {
  override name = 'BrokerUnavailableError';
  /** Pid of the broker that went away, when one was running. */
  readonly brokerPid: number | undefined;

  constructor(message: string, init: { brokerPid?: number | undefined; cause?: unknown } = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.brokerPid = init.brokerPid;
  }
}
