import type { Faults } from './faults.ts';
import type { SandboxState } from './state-snapshot.ts';

/**
 * The core's view of HTTP: plain values, no `node:http`. An adapter turns a real request into a
 * {@link CoreRequest} and carries out the {@link CoreResponse}.
 */
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

/**
 * The sandbox without any networking: a route table of handlers over plain state with an
 * injected clock. `handle` is synchronous and deterministic for a given clock and seed; the
 * node:http adapter only moves bytes and carries out delays and drops.
 */
export interface SandboxCore {
  /** Answer one request (`/api/v1/...` or `/sandbox/...`). */
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
