/**
 * The gateway every API request passes on its way to a route table's handler, as a gateway in
 * front of the real API would: traffic counters, per-account sliding rate windows, injected
 * faults (error, drop, malformed, hold, latency). It runs any {@link ApiRouteTable}: the routes,
 * limits, key header and refusal bodies all come from the table.
 */
import type { RateLimit } from '../../limits/rate-limits.ts';
import type {
  ApiRoute,
  ApiRouteTable,
  CoreDrop,
  CoreReply,
  CoreRequest,
  CoreResponse,
  Faults,
} from './route-table.ts';
import { type Account, createRandom, type Random, settleExpired, type World } from './world.ts';

// ---------------------------------------------------------------------------------------------
// Faults: one validation rule per field, and the draw

/** What happens to one request. */
type FaultKind = 'drop' | 'error' | 'malformed';

/** How one fault field is validated: what it accepts, said the way the error message says it. */
interface FieldRule {
  accepts(value: number): boolean;
  expected: string;
}

const SHARE: FieldRule = { accepts: (v) => v >= 0 && v <= 1, expected: 'a number from 0 to 1' };
/** Node fires a timer longer than 2^31 - 1 ms at once (with a warning), so longer waits are refused. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const DURATION_MS: FieldRule = {
  accepts: (v) => v >= 0 && v <= MAX_TIMER_MS,
  expected: `a number of milliseconds from 0 to ${MAX_TIMER_MS}`,
};
const ERROR_STATUS: FieldRule = {
  accepts: (v) => Number.isInteger(v) && v >= 400 && v <= 599,
  expected: 'an integer from 400 to 599',
};

/** One rule per field of {@link Faults}: `satisfies` keeps the table and the interface in step. */
const FAULT_FIELDS = {
  errorRate: SHARE,
  errorStatus: ERROR_STATUS,
  holdMs: DURATION_MS,
  latencyMs: DURATION_MS,
  dropRate: SHARE,
  malformedRate: SHARE,
} as const satisfies Record<keyof Faults, FieldRule>;

const isFaultField = (name: string): name is keyof Faults => Object.hasOwn(FAULT_FIELDS, name);

/** Validate a `POST /sandbox/faults` body; the error says which field is wrong and why. */
export function parseFaults(input: unknown): { faults: Faults } | { error: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { error: 'Expected a JSON object such as {"errorRate":0.5}' };
  }
  const raw = input as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((k) => !isFaultField(k));
  if (unknown.length > 0) {
    return {
      error: `Unknown fault field(s): ${unknown.join(', ')}; known: ${Object.keys(FAULT_FIELDS).join(', ')}`,
    };
  }
  const faults: Faults = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || !isFaultField(name)) continue;
    const rule = FAULT_FIELDS[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || !rule.accepts(value)) {
      return { error: `Expected \`${name}\` to be ${rule.expected}, got ${JSON.stringify(value)}` };
    }
    faults[name] = value;
  }
  return { faults };
}

/**
 * Draw the fault for one request. A rate of 0 draws nothing, so the random sequence (and with
 * it every later draw) does not depend on faults that are switched off.
 */
function drawFault(faults: Faults, random: Random): FaultKind | undefined {
  if (faults.dropRate && random() < faults.dropRate) return 'drop';
  if (faults.errorRate && random() < faults.errorRate) return 'error';
  if (faults.malformedRate && random() < faults.malformedRate) return 'malformed';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rate windows and counters

/**
 * A sliding-window log for one rate-limit bucket of one account. Every arrival is recorded,
 * including the ones it rejects: the sandbox follows the stricter reading of the API (reference
 * "Decisions": rejected requests count against the limit), so a client that keeps hammering
 * stays blocked.
 */
interface SlidingWindow {
  /** Record an arrival at API time `nowMs`; true when it is within the limit. */
  hit(nowMs: number): boolean;
}

/** Allow at most `limit` arrivals in any window of `windowMs` (the window is `(now - windowMs, now]`). */
function createSlidingWindow(limit: number, windowMs: number): SlidingWindow {
  let arrivals: number[] = [];
  return {
    hit(nowMs) {
      const horizon = nowMs - windowMs;
      // Arrivals are recorded in clock order, so the expired ones are a prefix.
      let expired = 0;
      while (expired < arrivals.length && (arrivals[expired] as number) <= horizon) expired++;
      if (expired > 0) arrivals = arrivals.slice(expired);
      const allowed = arrivals.length < limit;
      arrivals.push(nowMs);
      return allowed;
    },
  };
}

/** Counters of API traffic, shown in the state. */
interface TrafficCounters {
  requests: number;
  rateLimited: number;
  requestsByBucket: Record<string, number>;
  rateLimitedByBucket: Record<string, number>;
}

/** The gateway's own state: what a reset clears besides the world. */
export interface Gateway {
  /** The buckets counted, one entry each in the counters. */
  readonly buckets: readonly string[];
  readonly seed: number;
  faults: Faults;
  /** Draws faults. Separate from the world's numbers so switching faults on does not change them. */
  faultRandom: Random;
  traffic: TrafficCounters;
  /** Rate windows per account, created on first use; a reset's new accounts start with none. */
  windows: WeakMap<Account, Map<string, SlidingWindow>>;
}

/** A gateway at its starting point, counting `buckets`, drawing faults from `seed`. */
export function createGateway(buckets: readonly string[], seed: number): Gateway {
  const gateway: Gateway = {
    buckets,
    seed,
    faults: {},
    faultRandom: Math.random,
    traffic: zeroTraffic(buckets),
    windows: new WeakMap(),
  };
  resetGateway(gateway);
  return gateway;
}

/** Back to the start: no faults, counters at zero, every window empty, the fault draws replayed. */
export function resetGateway(gateway: Gateway): void {
  gateway.faults = {};
  gateway.faultRandom = createRandom(gateway.seed ^ 0x5eed);
  gateway.traffic = zeroTraffic(gateway.buckets);
  gateway.windows = new WeakMap();
}

function count(counters: Record<string, number>, bucket: string): void {
  counters[bucket] = (counters[bucket] ?? 0) + 1;
}

function zeroTraffic(buckets: readonly string[]): TrafficCounters {
  const zero = () => Object.fromEntries(buckets.map((b) => [b, 0]));
  return { requests: 0, rateLimited: 0, requestsByBucket: zero(), rateLimitedByBucket: zero() };
}

/** The account's window for `bucket`, with the table's limit for it. */
function windowOf(gateway: Gateway, table: ApiRouteTable, account: Account, bucket: string): SlidingWindow {
  let windows = gateway.windows.get(account);
  if (!windows) {
    windows = new Map();
    gateway.windows.set(account, windows);
  }
  let window = windows.get(bucket);
  if (!window) {
    // Every route's bucket has a limit: the core checks the tables when it is created.
    const { limit, windowMs } = table.limits[bucket] as RateLimit;
    window = createSlidingWindow(limit, windowMs);
    windows.set(bucket, window);
  }
  return window;
}

// ---------------------------------------------------------------------------------------------
// The pipeline

/** A request matched to a row of the table. */
interface RouteMatch {
  route: ApiRoute;
  params: Record<string, string>;
}

/**
 * One API request, in the order a gateway in front of the real API would apply things:
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
 *    `x-ratelimit-*`) → the route's handler.
 *
 * `path` is relative to the table's prefix.
 */
export function handleApiRequest(
  world: World,
  gateway: Gateway,
  table: ApiRouteTable,
  request: CoreRequest,
  path: string,
  query: URLSearchParams,
  nowMs: number,
): CoreResponse {
  // The faults of the arrival instant: `setFaults` replaces the object, so a hold in progress
  // keeps the faults it was drawn under.
  const { traffic, faults } = gateway;
  traffic.requests++;
  const match = matchRoute(table, request.method, path);
  const bucket = match?.route.bucket;
  if (bucket) count(traffic.requestsByBucket, bucket);
  const key = table.apiKeyOf(request);
  const account = key === undefined ? undefined : world.accounts.get(key);
  const withinLimit = account && bucket ? windowOf(gateway, table, account, bucket).hit(nowMs) : true;
  const fault = drawFault(faults, gateway.faultRandom);
  const arrival: Arrival = { table, request, path, query, match, account, withinLimit, faults, fault };

  if (!faults.holdMs) return actOn(world, gateway, arrival, nowMs);
  return {
    kind: 'hold',
    holdMs: faults.holdMs,
    resume() {
      // A reset during the hold is a server restart: the request dies unanswered rather than
      // landing in the fresh world (where it would show up in the next test's state).
      if (key !== undefined && world.accounts.get(key) !== account) return { kind: 'drop' };
      const laterMs = world.clock.now();
      settleExpired(world, laterMs);
      return actOn(world, gateway, arrival, laterMs);
    },
  };
}

/** What the gateway decided on arrival. */
interface Arrival {
  table: ApiRouteTable;
  request: CoreRequest;
  path: string;
  query: URLSearchParams;
  match: RouteMatch | undefined;
  account: Account | undefined;
  withinLimit: boolean;
  faults: Faults;
  fault: FaultKind | undefined;
}

/** Steps 3 (error) and 5, then the way back (drop, malformed, latency). */
function actOn(world: World, gateway: Gateway, arrival: Arrival, nowMs: number): CoreReply | CoreDrop {
  const { table, request, path, match, account, withinLimit, faults, fault } = arrival;
  const { refusals } = table;
  const delay = faults.latencyMs ? { delayMs: faults.latencyMs } : {};
  if (fault === 'error') {
    const reply = refusals.injectedError();
    return { ...reply, status: faults.errorStatus ?? reply.status, ...delay };
  }

  let reply: CoreReply;
  if (!account) {
    reply = refusals.unauthorized();
  } else if (!match) {
    reply = refusals.notFound(`No endpoint ${request.method} ${path}`);
  } else if (!withinLimit) {
    reply = refusals.rateLimited();
  } else {
    reply = match.route.handler({
      world,
      account,
      params: match.params,
      query: arrival.query,
      headers: request.headers,
      body: request.body,
      nowMs,
    });
  }

  if (fault === 'drop') return { kind: 'drop', ...delay };
  if (fault === 'malformed') return { ...malformed(reply), ...delay };
  // Counted only when actually served: a dropped or garbled 429 never reached the client as one.
  if (match && !withinLimit && account) {
    gateway.traffic.rateLimited++;
    count(gateway.traffic.rateLimitedByBucket, match.route.bucket);
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

/** The first row of the table whose method and template fit. */
function matchRoute(table: ApiRouteTable, method: string, path: string): RouteMatch | undefined {
  for (const route of table.routes) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return undefined;
}

/**
 * Match a path against a template with `:name` segments; the captured segments, URI-decoded, or
 * undefined when the path does not fit.
 */
function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(':')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}
