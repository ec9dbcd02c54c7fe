/**
 * Speak the broker's NDJSON protocol from a test, byte for byte as a client would — no client
 * library in between, so the tests pin the server's side of `src/broker/protocol.ts`.
 */
import { createConnection, type Socket } from 'node:net';
import type { BrokerRequest, BrokerResponse, LeaseResult } from '../../src/broker/protocol.ts';
import type { WireError } from '../../src/contract/errors.ts';

/** A request without its `id` (the helper numbers them). */
export type RequestBody = BrokerRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** A broker answer that was `ok: false`, as an Error carrying the wire fields. */
export class BrokerReplyError extends Error {
  readonly wire: WireError;
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.wire = wire;
  }
}

export interface BrokerSocket {
  /** Send one request; resolve with `result`, or reject with a {@link BrokerReplyError}. */
  request<T = unknown>(body: RequestBody): Promise<T>;
  /** Send one request; resolve with the whole response line. */
  raw(body: RequestBody): Promise<BrokerResponse>;
  /** `hello` with this test's pid. */
  hello(owner?: string): Promise<{ pid: number; protocol: number }>;
  /** `lease` one number; facebook in the US unless told otherwise. */
  lease(service?: string, countries?: string[]): Promise<LeaseResult>;
  /** End the connection (FIN), like a worker that exits. */
  close(): void;
  /** Resolves once the socket is closed (by either side). */
  readonly closed: Promise<void>;
}

export async function connectBrokerSocket(path: string): Promise<BrokerSocket> {
  const socket: Socket = createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setEncoding('utf8');
  const pending = new Map<number, (r: BrokerResponse) => void>();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let buffer = '';
  let nextId = 1;
  socket.on('error', () => {});
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const response = JSON.parse(buffer.slice(0, nl)) as BrokerResponse;
      buffer = buffer.slice(nl + 1);
      pending.get(response.id)?.(response);
      pending.delete(response.id);
    }
  });
  closed.then(() => {
    for (const [id, resolve] of pending) {
      resolve({
        id,
        ok: false,
        error: { name: 'ConnectionClosed', message: 'the broker closed the connection' },
      });
    }
    pending.clear();
  });

  const raw = (body: RequestBody) =>
    new Promise<BrokerResponse>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  const request = async <T>(body: RequestBody): Promise<T> => {
    const response = await raw(body);
    if (!response.ok) throw new BrokerReplyError(response.error);
    return response.result as T;
  };
  return {
    raw,
    request,
    hello: (owner = `test pid ${process.pid}`) =>
      request({ op: 'hello', protocol: 2, owner, pid: process.pid }),
    lease: (service = 'facebook', countries = ['us']) =>
      request<LeaseResult>({ op: 'lease', service, countries }),
    close: () => void socket.end(),
    closed,
  };
}
