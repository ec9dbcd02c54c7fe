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
