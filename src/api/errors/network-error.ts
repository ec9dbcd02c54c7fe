import type { RequestInfo } from './api-error.ts';
import { TempNumberError } from './tempnumber-error.ts';

/**
 * The request got no answer: connection refused or reset, DNS failure, or the per-request
 * timeout passed (`timedOut`). For POST /activations the lease may or may not have happened.
 */
export class NetworkError extends TempNumberError {
  override name = 'NetworkError';
  readonly method: string;
  readonly path: string;
  readonly timedOut: boolean;

  /**
   * @param init.hint - what to do next, appended to the message (e.g. for POST /activations:
   *   reconcile through history before leasing again).
   */
  constructor(init: RequestInfo & { timedOut: boolean; cause?: unknown; hint?: string | undefined }) {
    const what = init.timedOut ? 'timed out' : 'failed without an answer';
    const reason = init.cause instanceof Error ? ` (${init.cause.message})` : '';
    const hint = init.hint ? ` ${init.hint}` : '';
    super(
      `${init.method} ${init.path} to TempNumber ${what}${reason}. Check the network and TEMPNUMBER_BASE_URL.${hint}`,
      { cause: init.cause },
    );
    this.method = init.method;
    this.path = init.path;
    this.timedOut = init.timedOut;
  }
}
