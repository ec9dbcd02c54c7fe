import type { RequestInfo } from './api-error.ts';
import { TempNumberError } from './tempnumber-error.ts';

/**
 * The API answered with something that is not what v1 promises: a body that is not JSON, a
 * JSON shape that lacks required fields, or an error status without an `errorName`.
 */
export class UnexpectedResponseError extends TempNumberError {
  override name = 'UnexpectedResponseError';
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** The first 200 characters of the body, for diagnosis. */
  readonly bodySnippet: string;

  constructor(init: RequestInfo & { status: number; body: string; problem: string }) {
    const snippet = init.body.slice(0, 200);
    super(
      `TempNumber answered ${init.method} ${init.path} with an unexpected response (${init.status}): ${init.problem}. ` +
        `Body starts with: ${JSON.stringify(snippet)}. Check TEMPNUMBER_BASE_URL points at the API (…/api/v1).`,
    );
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.bodySnippet = snippet;
  }
}
