import { type ApiRouteMatch, matchApiRoute } from '../api/api-routes.ts';
import { type Account, windowOf } from './account.ts';
import type { CoreDrop, CoreReply, CoreRequest, CoreResponse } from './core-types.ts';
import { drawFault, type FaultKind, type Faults } from './faults.ts';
import { settleExpired } from './lifecycle.ts';
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
 * 4. hold it `holdMs` (hold fault) — everything above happened on arrival, everything below
 *    happens after the hold, at the later instant, as on a slow server behind the gateway;
 * 5. 401 unknown key → 404 unknown route → 429 over the limit (no `Retry-After`, no
 *    `x-ratelimit-*`) → the endpoint's handler.
 */
export function handleApiRequest(
  world: World,
  request: CoreRequest,
  path: string,
  query: URLSearchParams,
  nowMs: number,
): CoreResponse {
  // The faults of the arrival instant: `setFaults` replaces the object, so a hold in progress
  // keeps the faults it was drawn under.
  const { traffic, faults } = world;
  traffic.requests++;
  const route = matchApiRoute(request.method, path);
  if (route) traffic.requestsByBucket[route.bucket]++;
  const key = request.headers['x-api-key'];
  const account = key === undefined ? undefined : world.accounts.get(key);
  const withinLimit = account && route ? windowOf(account, route.bucket).hit(nowMs) : true;
  const fault = drawFault(faults, world.faultRandom);
  const arrival: Arrival = { request, path, query, route, account, withinLimit, faults, fault };

  if (!faults.holdMs) return actOn(world, arrival, nowMs);
  return {
    kind: 'hold',
    holdMs: faults.holdMs,
    resume() {
      // A reset during the hold is a server restart: the request dies unanswered rather than
      // landing in the fresh world (where it would show up in the next test's state).
      if (key !== undefined && world.accounts.get(key) !== account) return { kind: 'drop' };
      const laterMs = world.clock.now();
      settleExpired(world, laterMs);
      return actOn(world, arrival, laterMs);
    },
  };
}

/** What the gateway decided on arrival. */
interface Arrival {
  request: CoreRequest;
  path: string;
  query: URLSearchParams;
  route: ApiRouteMatch | undefined;
  account: Account | undefined;
  withinLimit: boolean;
  faults: Faults;
  fault: FaultKind | undefined;
}

/** Steps 3 (error) and 5, then the way back (drop, malformed, latency). */
function actOn(world: World, arrival: Arrival, nowMs: number): CoreReply | CoreDrop {
  const { request, path, route, account, withinLimit, faults, fault } = arrival;
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
      query: arrival.query,
      headers: request.headers,
      body: request.body,
      nowMs,
    });
  }

  if (fault === 'drop') return { kind: 'drop', ...delay };
  if (fault === 'malformed') return { ...malformed(reply), ...delay };
  // Counted only when actually served: a dropped or garbled 429 never reached the client as one.
  if (route && !withinLimit && account) {
    world.traffic.rateLimited++;
    world.traffic.rateLimitedByBucket[route.bucket]++;
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
