/**
 * One HTTP exchange through ky: send, read the whole body, or fail as a NetworkError. ky's own
 * retry is off (p-retry in call-endpoint.ts is the one owner of retries, STYLE "one owner") and
 * so is its timeout: ours covers the body read too and tells a timeout from the caller's abort.
 */
import type { KyInstance } from 'ky';
import type { RequestInfo } from '../contract/errors/api-error.ts';
import { NetworkError } from '../contract/errors/network-error.ts';
import type { RawResponse } from './interpret-response.ts';
import { redactSecret, rootMessage, sanitizeCause } from './redact.ts';

/** One request, ready to send. */
export interface AttemptRequest extends RequestInfo {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** Appended to a NetworkError's message (POST /activations: how to reconcile). */
  networkHint?: string | undefined;
}

/**
 * Send `request` and read its body within `timeoutMs` real milliseconds. Rejects with
 * `signal.reason` if the caller aborts, else with a NetworkError (`timedOut` for the timeout).
 */
export async function sendAttempt(
  http: KyInstance,
  request: AttemptRequest,
  init: { apiKey: string; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<RawResponse> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), init.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
  try {
    const response = await http(request.url, {
      method: request.method,
      signal,
      ...(request.json === undefined ? {} : { json: request.json }),
      ...(request.headers ? { headers: request.headers } : {}),
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    const info = { method: request.method, path: request.path, hint: request.networkHint };
    if (timeout.signal.aborted) {
      const cause = new Error(`no complete answer within ${init.timeoutMs} ms`);
      throw new NetworkError({ ...info, timedOut: true, cause });
    }
    throw new NetworkError({
      ...info,
      timedOut: false,
      cause: transportCause(error, init.apiKey),
      baseUrl: URL.canParse(request.url) ? new URL(request.url).origin : undefined,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A scrubbed copy of the transport error whose own message is the root reason
 * (`connect ECONNREFUSED 127.0.0.1:9`), not ky's generic "Request failed due to a network error".
 */
function transportCause(error: unknown, apiKey: string): Error {
  const cause = sanitizeCause(error, apiKey);
  cause.message = redactSecret(rootMessage(cause), apiKey);
  cause.stack = `${cause.name}: ${cause.message}`;
  return cause;
}
