/**
 * One call of one endpoint, with retries: every attempt waits for the budget first, 429s are
 * reported to it, and `RETRY_POLICY` decides what is retried (only `autoRetry` endpoints, see
 * ENDPOINTS). p-retry owns the loop; `AbortError` is how an attempt says "stop".
 */
import type { KyInstance } from 'ky';
import pRetry, { AbortError } from 'p-retry';
import { ConfigurationError } from '../contract/errors/configuration-error.ts';
import type { RequestBudget } from '../limits/budget.ts';
import { abortableDelay, raceAbort } from '../limits/budget.ts';
import { checkTimeoutMs, type RequestOptions, type ResolvedClientOptions } from './client-options.ts';
import { ENDPOINTS, type EndpointId } from './endpoints.ts';
import { interpretResponse, type RawResponse, type ResponseContext } from './interpret-response.ts';
import { parseRetryHintMs } from './retry-hint.ts';
import {
  type FailureKind,
  failureKind,
  MAX_HINTED_DELAY_MS,
  RETRY_POLICY,
  retryDelayMs,
} from './retry-policy.ts';
import { sendAttempt } from './send-attempt.ts';

/** What every call of one client shares. */
export interface ClientContext {
  options: ResolvedClientOptions;
  budget: RequestBudget;
  http: KyInstance;
}

/** One call: which endpoint, its parameters, and how to check the answer. */
export interface EndpointCall<T> {
  endpoint: EndpointId;
  pathParams?: Record<string, string | number>;
  searchParams?: Record<string, number>;
  json?: unknown;
  headers?: Record<string, string>;
  /** Sent `expectedPrice`, named in a PriceChangedError. */
  expectedPrice?: number | undefined;
  parse: (json: unknown) => T;
}

// A lease whose answer was lost may have happened (DESIGN §5 "Never retried blindly").
const LEASE_UNCERTAIN =
  'The lease may have happened: reconcile through GET /activations (history) before trying again, ' +
  'or a second number will be leased and may be billed.';

/** Run `call` with the budget, the per-attempt timeout and the retry policy. */
export async function callEndpoint<T>(
  ctx: ClientContext,
  call: EndpointCall<T>,
  opts: RequestOptions = {},
): Promise<T> {
  const endpoint = ENDPOINTS[call.endpoint];
  const path = fillPath(endpoint.path, call.pathParams ?? {});
  const timeoutMs =
    opts.timeoutMs === undefined ? ctx.options.timeoutMs : checkTimeoutMs(opts.timeoutMs, 'timeoutMs');
  const { signal } = opts;
  const spendsMoney = call.endpoint === 'newActivation';
  const responseContext: ResponseContext = {
    method: endpoint.method,
    path,
    apiKey: ctx.options.apiKey,
    spendsMoney,
    expectedPrice: call.expectedPrice,
  };
  const url = new URL(ctx.options.baseUrl + path);
  for (const [key, value] of Object.entries(call.searchParams ?? {}))
    url.searchParams.set(key, String(value));
  const acquireOptions = {
    ...(opts.priority === undefined ? {} : { priority: opts.priority }),
    ...(signal === undefined ? {} : { signal }),
  };
  let lastFailure: { kind: FailureKind; hintMs: number | undefined } = {
    kind: 'internal',
    hintMs: undefined,
  };

  const attempt = async (): Promise<T> => {
    let raw: RawResponse | undefined;
    try {
      const permit = await raceAbort(ctx.budget.acquire(endpoint.bucket, acquireOptions), signal);
      try {
        await opts.beforeSend?.();
      } catch (error) {
        await permit.done();
        throw error;
      }
      // The permit's done time is the latest the request can have reached the server; the
      // budget counts it against the window until then (send-time confirmation, decision 0006).
      raw = await sendAttempt(
        ctx.http,
        {
          method: endpoint.method,
          path,
          url: url.href,
          json: call.json,
          ...(call.headers ? { headers: call.headers } : {}),
          networkHint: spendsMoney ? LEASE_UNCERTAIN : undefined,
        },
        { apiKey: ctx.options.apiKey, timeoutMs, signal },
      ).finally(() => permit.done());
      return interpretResponse(raw, responseContext, call.parse);
    } catch (error) {
      // p-retry answers an abort with the signal's reason whatever we throw here.
      if (signal?.aborted) throw error;
      const kind = failureKind(error);
      const hintMs = raw ? parseRetryHintMs(raw.headers) : undefined;
      if (RETRY_POLICY[kind].reportRateLimited) {
        try {
          await ctx.budget.reportRateLimited(endpoint.bucket, hintMs);
        } catch (budgetError) {
          throw new AbortError(asError(budgetError));
        }
      }
      const retry = endpoint.autoRetry && RETRY_POLICY[kind].retry && (hintMs ?? 0) <= MAX_HINTED_DELAY_MS;
      if (!retry) throw new AbortError(asError(error));
      lastFailure = { kind, hintMs };
      throw error;
    }
  };

  return pRetry(attempt, {
    retries: endpoint.autoRetry ? ctx.options.retries : 0,
    // p-retry's own delay is off: the wait depends on the failure (hint, budget, jittered backoff).
    minTimeout: 0,
    signal,
    onFailedAttempt: async ({ retriesLeft, retriesConsumed }) => {
      if (retriesLeft <= 0) return;
      const delay = retryDelayMs({
        kind: lastFailure.kind,
        retryNumber: retriesConsumed + 1,
        hintMs: lastFailure.hintMs,
        timeScale: ctx.options.timeScale,
      });
      await abortableDelay(delay, signal);
    },
  });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** `/activations/:id` + `{ id: 7 }` → `/activations/7`, each value URI-encoded. */
function fillPath(template: string, params: Record<string, string | number>): string {
  return template.replace(/:(\w+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined)
      throw new ConfigurationError(`Missing path parameter \`${name}\` for ${template}.`);
    return encodeURIComponent(String(value));
  });
}
