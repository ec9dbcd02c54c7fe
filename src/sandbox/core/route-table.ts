/**
 * The seam between the sandbox core and the route tables it runs, in the manner of msw: a route
 * table is a value handed to the core, and the core knows neither HTTP nor which routes exist.
 *
 * - An {@link ApiRouteTable} is one API dialect (TempNumber v1 today): its prefix, its routes
 *   with their rate-limit buckets, how it names the caller's key and how it words a refusal.
 *   Every request to it passes the core's gateway (counting, rate windows, faults, hold). A
 *   second dialect is one more module exporting one more table.
 * - A {@link ControlRouteTable} is the sandbox's own control surface: no gateway, and its routes
 *   drive the core through {@link SandboxCore}.
 *
 * Requests and answers are plain values ({@link CoreRequest}, {@link CoreResponse}); an adapter
 * (node:http today) turns real requests into them and carries the answers out.
 */

import type { BucketId, RateLimit } from '../../limits/rate-limits.ts';
import type { ActivationData } from '../../providers/tempnumber-v1/wire.ts';
import type { Account, SmsRecord, World } from './world.ts';

/** A request as the core sees it: plain values, no `node:http`. */
export interface CoreRequest {
  /** Upper-case method. */
  method: string;
  /** Path and query, e.g. `/api/v1/activations?page=2`. */
  url: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Raw request body (empty string when none). */
  body: string;
}

/** An answer to send. */
export interface CoreReply {
  kind: 'reply';
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Wait this many real milliseconds before answering (fault injection). */
  delayMs?: number;
}

/** Destroy the connection without answering (fault injection), after `delayMs`. */
export interface CoreDrop {
  kind: 'drop';
  delayMs?: number;
}

/**
 * Hold the request `holdMs` real milliseconds, then call `resume` — which acts on the request
 * at that later instant — and carry out what it returns (hold fault). The adapter calls `resume`
 * whether or not the client is still connected: a slow server does not notice a client leaving.
 */
export interface CoreHold {
  kind: 'hold';
  holdMs: number;
  resume(): CoreReply | CoreDrop;
}

/** What the adapter must do with a request. */
export type CoreResponse = CoreReply | CoreDrop | CoreHold;

/** What an API handler gets: the request, already authenticated and within its rate limit. */
export interface ApiContext {
  world: World;
  /** The account of the request's API key. */
  account: Account;
  /** Captured path segments (`:id` → `params.id`). */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
  /** API clock, unix ms, for this request. */
  nowMs: number;
}

/** One endpoint of an API: a value in a route table, not a method on a server. */
export type ApiHandler = (context: ApiContext) => CoreReply;

/** One row of an API route table. */
export interface ApiRoute {
  /** Upper-case method. */
  readonly method: string;
  /** Path template under the table's prefix, with `:name` segments, e.g. `/activations/:id`. */
  readonly path: string;
  /** The rate-limit bucket the request is counted and limited in: a key of the table's `limits`. */
  readonly bucket: string;
  readonly handler: ApiHandler;
}

/** How a dialect words the answers the gateway gives instead of a handler's. */
export interface GatewayRefusals {
  /** No API key, or one the sandbox was not started with. */
  unauthorized(): CoreReply;
  /** No route for the request (the message says which). */
  notFound(message: string): CoreReply;
  /** Over the bucket's limit. */
  rateLimited(): CoreReply;
  /** An injected `error` fault; the core puts `errorStatus` on it when one is set. */
  injectedError(): CoreReply;
}

/** One API dialect: everything the core needs to serve it, as one value. */
export interface ApiRouteTable {
  /** Where the dialect is mounted, e.g. `/api/v1`; route paths are relative to it. */
  readonly prefix: string;
  /** Tried in order; the first whose method and template fit answers. */
  readonly routes: readonly ApiRoute[];
  /**
   * The limit of every bucket, per account (API time). Bucket names are the dialect's own: the
   * core only counts and limits by them.
   */
  readonly limits: Readonly<Record<string, RateLimit>>;
  /** The API key the request names its account by; undefined when it names none. */
  apiKeyOf(request: CoreRequest): string | undefined;
  readonly refusals: GatewayRefusals;
}

/** One route of the control surface: it drives the core through its control methods. */
export type ControlRoute = (core: SandboxCore, request: CoreRequest) => CoreReply;

/** The sandbox's control surface: routes by `METHOD /full/path`, never faulted or limited. */
export interface ControlRouteTable {
  /** Where the surface is mounted, e.g. `/sandbox`. */
  readonly prefix: string;
  /** Route by `METHOD path`, the path including the prefix (`'GET /sandbox/state'`). */
  readonly routes: Readonly<Record<string, ControlRoute>>;
  /** The answer for a path under the prefix that no route takes. */
  notFound(message: string): CoreReply;
}

/**
 * Faults injected into API requests (the control surface never fails). They apply to every API
 * endpoint alike. Every field is optional; an empty object clears all faults. Faults combine:
 * a request can be held, then acted on, then delayed, then dropped.
 */
export interface Faults {
  /**
   * Share of requests answered with `errorStatus` and the dialect's injected-error body (0..1);
   * TempNumber v1 says `ServiceUnavailableException`.
   */
  errorRate?: number;
  /** HTTP status of those answers (400–599). @default 503 */
  errorStatus?: number;
  /**
   * Hold every request this many real milliseconds *before* the sandbox acts on it: a slow server.
   * After the hold the request is carried out (a lease is created, money reserved) even if the
   * client gave up meanwhile, then answered — so a lease can appear after the client's timeout.
   * Counting and the rate window happen on arrival, as at a gateway in front of the slow server.
   */
  holdMs?: number;
  /** Delay every answer (or drop) this many real milliseconds *after* the sandbox acted. */
  latencyMs?: number;
  /** Share of requests whose socket is destroyed without an answer (0..1). */
  dropRate?: number;
  /** Share of requests answered 200 with a body that is not JSON (0..1). */
  malformedRate?: number;
}

/** An activation as the state shows it: the wire object plus the account it belongs to. */
export interface SandboxActivation extends ActivationData {
  /** Short hash of the API key (never the key). */
  account: string;
}

/** `GET /sandbox/state` and `sandbox.state()`: everything a test may want to assert on. */
export interface SandboxState {
  /** Every activation of every account, oldest first. */
  activations: SandboxActivation[];
  /** 429 `TooManyRequestsException` answers served. */
  rateLimited: number;
  /** API requests received (faulted, rejected and unauthorized ones included). */
  requests: number;
  /**
   * Requests by bucket: the buckets of the dialect the sandbox speaks. Typed by TempNumber v1's
   * (RATE_LIMITS), the default; a Platfone sandbox counts its own (`'POST /activation'`, …).
   */
  requestsByBucket: Record<BucketId, number>;
  rateLimitedByBucket: Record<BucketId, number>;
  /** Every SMS the carrier delivered, in order. */
  sms: SmsRecord[];
  /** USD balance by account hash. */
  balances: Record<string, number>;
  /** Faults in effect. */
  faults: Faults;
  /** API milliseconds per real millisecond. */
  timeScale: number;
  /** API clock, unix ms. */
  now: number;
}

/**
 * The sandbox without any networking: route tables of handlers over plain state with an
 * injected clock. `handle` is synchronous and deterministic for a given clock and seed; the
 * node:http adapter only moves bytes and carries out delays and drops.
 */
export interface SandboxCore {
  /** Answer one request (to an API table or the control table). */
  handle(request: CoreRequest): CoreResponse;
  /** The carrier: deliver an SMS; undefined when no waiting activation holds `to`. */
  deliverSms(to: string, text: string): { activationId: number } | undefined;
  /** Everything observable (never an API key); expiries due by now are applied first. */
  state(): SandboxState;
  /** Everything back to the start: activations, balances, counters, faults, windows, prices (the clock keeps running). */
  reset(): void;
  /** Replace the faults in effect; `{}` clears them. Throws RangeError on invalid values. */
  setFaults(faults: Faults): void;
  /** Change the price of a service in a country. Throws RangeError on unknown ids or a bad price. */
  setPrice(serviceId: string, countryId: string, price: number): void;
  /** Set an account's balance, USD. Throws RangeError for a key the sandbox does not know. */
  setBalance(apiKey: string, usd: number): void;
  /** API clock, unix ms. */
  now(): number;
  readonly timeScale: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer. */
export function jsonReply(status: number, value: unknown): CoreReply {
  return { kind: 'reply', status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(value) };
}

/** An HTML answer. */
export function htmlReply(status: number, html: string): CoreReply {
  return { kind: 'reply', status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}

/** Parse a JSON request body that must be an object; undefined when it is not. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
