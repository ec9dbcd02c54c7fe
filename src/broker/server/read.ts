/**
 * The `read` operation: an operator's read of the API (CLI `balance`/`history`/`prices`, the
 * preflight) made by the broker, on the account's shared budget, so a `history` typed during a
 * saturated run waits for a slot instead of drawing a 429 that would block the suite (DESIGN §2).
 */
import type { RequestOptions } from '../../api/client-options.ts';
import type { ReadQuery, ReadResults, ReadWhat } from '../protocol.ts';
import type { BrokerApi, BrokerContext, ClientConnection } from './broker-context.ts';
import { brokerError } from './wire-error.ts';

/** `what` → the API call; every argument is checked by the API client itself. */
const READS: {
  readonly [W in ReadWhat]: (api: BrokerApi, q: ReadQuery, opts: RequestOptions) => Promise<ReadResults[W]>;
} = {
  balance: (api, _q, opts) => api.getUserBalance(opts),
  history: (api, q, opts) =>
    api.getActivationsHistory(
      {
        ...(q.page === undefined ? {} : { page: q.page }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
      },
      opts,
    ),
  pricelistByCountry: (api, _q, opts) => api.getPricelistByCountry(opts),
  singleService: (api, q, opts) =>
    api.getSingleService(q.serviceId as string, q.countryId as string, {}, opts),
};

/** Answer one `read` with the API client's result; its errors travel as WireError like any op's. */
export function read(ctx: BrokerContext, connection: ClientConnection, q: ReadQuery): Promise<unknown> {
  const call = Object.hasOwn(READS, q.what) ? READS[q.what] : undefined;
  if (!call) {
    return Promise.reject(
      brokerError(
        `Unknown read ${JSON.stringify(q.what)}: expected one of ${Object.keys(READS).join(', ')}.`,
      ),
    );
  }
  // The caller's timeout is per attempt and capped at the broker's request timeout, so it stays
  // inside the in-flight bound (2 × that) the budget's proof and the lease intents assume: an
  // attempt allowed to run longer could act at the server after the budget counted it done.
  const opts: RequestOptions = {
    // Low: an operator's look never takes a slot a lease, poll or release needs (HEADROOM).
    priority: 'low',
    // A CLI that gave up (Ctrl-C) must not leave its read queued for budget.
    ...(connection.closedSignal ? { signal: connection.closedSignal } : {}),
    ...(typeof q.timeoutMs === 'number' && q.timeoutMs > 0
      ? { timeoutMs: Math.min(q.timeoutMs, ctx.settings.requestTimeoutMs) }
      : {}),
  };
  return call(q.retry === false ? ctx.apiOnce : ctx.api, q, opts);
}
