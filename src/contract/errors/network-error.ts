import type { RequestInfo } from './api-error.ts';
import { TempNumberError } from './tempnumber-error.ts';

/**
 * The request got no answer: connection refused or reset, DNS failure, or the per-request
 * timeout passed (`timedOut`). For POST /activations the lease may or may not have happened —
 * unless `requestSent` is false: the connection was never made (refused, DNS, TLS), so nothing
 * reached the server and nothing can have been leased.
 */
export class NetworkError extends TempNumberError {
  override name = 'NetworkError';
  readonly method: string;
  readonly path: string;
  readonly timedOut: boolean;
  /** False when the request surely never reached the server (see {@link NOT_SENT_CODES}). */
  readonly requestSent: boolean;

  /**
   * @param init.hint - what to do next, appended to the message (e.g. for POST /activations:
   *   reconcile through history before leasing again).
   */
  constructor(
    init: RequestInfo & {
      timedOut: boolean;
      cause?: unknown;
      hint?: string | undefined;
      /** Where the request went (no key in it), named in the "nothing is listening" message. */
      baseUrl?: string | undefined;
    },
  ) {
    const requestSent = init.timedOut || !isNotSent(init.cause);
    const reason = init.cause instanceof Error ? ` (${init.cause.message})` : '';
    const at = init.baseUrl ? ` at ${init.baseUrl}` : '';
    super(
      requestSent
        ? `${init.method} ${init.path} to TempNumber ${init.timedOut ? 'timed out' : 'failed without an answer'}${reason}. ` +
            `Check the network and TEMPNUMBER_BASE_URL.${init.hint ? ` ${init.hint}` : ''}`
        : `${init.method} ${init.path}: nothing could be reached${at}${reason}, so nothing was sent. ` +
            'Start the sandbox (`npx playwright-tempnumber sandbox`) or check TEMPNUMBER_BASE_URL and the network.',
      { cause: init.cause },
    );
    this.method = init.method;
    this.path = init.path;
    this.timedOut = init.timedOut;
    this.requestSent = requestSent;
  }
}

/**
 * Transport error codes that mean the connection was never established, so no byte of the
 * request reached the server: refused, no route, DNS, and TLS handshake failures (the request
 * is written only after the handshake). A reset or a timeout is NOT here: the server may have
 * read the request and acted on it.
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** True when some error in the `cause` chain carries a code of {@link NOT_SENT_CODES}. */
function isNotSent(cause: unknown, depth = 0): boolean {
  if (depth > 5 || typeof cause !== 'object' || cause === null) return false;
  const { code, errors } = cause as { code?: unknown; errors?: unknown };
  if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
  // A connect that tried IPv6 and IPv4 fails with an AggregateError of both refusals.
  if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => isNotSent(e, depth + 1))) return true;
  return isNotSent((cause as { cause?: unknown }).cause, depth + 1);
}
