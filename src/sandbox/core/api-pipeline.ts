import { matchApiRoute } from '../api/api-routes.ts';
import { windowOf } from './account.ts';
import type { CoreReply, CoreRequest, CoreResponse } from './core-types.ts';
import { drawFault } from './faults.ts';
import { errorReply } from './responses.ts';
import type { World } from './world.ts';

/**
 * One `/api/v1` request, in the order a gateway in front of the real API would apply things:
 *
 * 1. count it (`requests`, `requestsByBucket`);
 * 2. record it in the account's window for its bucket — every arrival counts, whatever happens
 *    next (faulted, refused, 429: it reached the server; reference "Decisions");
 * 3. draw a fault: `error` answers at once and the handler does not run; `drop` and `malformed`
 *    happen on the way back, so the handler's effects stay (a lease whose answer was lost still
 *    holds a number and money — exactly what a client must reconcile through history);
 * 4. 401 unknown key → 404 unknown route → 429 over the limit (no `Retry-After`, no
 *    `x-ratelimit-*`) → the endpoint's handler.
 */
export function handleApiRequest(
  world: World,
  request: CoreRequest,
  path: string,
  query: URLSearchParams,
  nowMs: number,
): CoreResponse {
  const { traffic, faults } = world;
  traffic.requests++;
  const route = matchApiRoute(request.method, path);
  if (route) traffic.requestsByBucket[route.bucket]++;
  const key = request.headers['x-api-key'];
  const account = key === undefined ? undefined : world.accounts.get(key);
  const withinLimit = account && route ? windowOf(account, route.bucket).hit(nowMs) : true;

  const fault = drawFault(faults, world.faultRandom);
  const delay = faults.latencyMs ? { delayMs: faults.latencyMs } : {};
  if (fault === 'error') {
    const reply = errorReply('ServiceUnavailableException', 'Service Unavailable (injected fault)');
    return { ...reply, status: faults.errorStatus ?? reply.status, ...delay };
  }

  let reply: CoreReply;
  if (!account) {
    reply = errorReply('UnauthorizedException', 'Missing or unknown x-api-key');
  } else if (!route) {
    reply = errorReply('ResourceNotFoundException', `No endpoint ${request.method} ${path}`);
  } else if (!withinLimit) {
    reply = errorReply('TooManyRequestsException', 'Too many requests');
  } else {
    reply = route.handler({
      world,
      account,
      params: route.params,
      query,
      headers: request.headers,
      body: request.body,
      nowMs,
    });
  }

  if (fault === 'drop') return { kind: 'drop', ...delay };
  if (fault === 'malformed') return { ...malformed(reply), ...delay };
  // Counted only when actually served: a dropped or garbled 429 never reached the client as one.
  if (route && !withinLimit && account) {
    traffic.rateLimited++;
    traffic.rateLimitedByBucket[route.bucket]++;
  }
  return { ...reply, ...delay };
}

/**
 * A 200 whose body is cut in half: still labelled JSON, never parseable (an opened object or
 * array is never closed) — what a flaky proxy or a truncated transfer produces.
 */
function malformed(reply: CoreReply): CoreReply {
  return { ...reply, status: 200, body: reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2))) };
}
