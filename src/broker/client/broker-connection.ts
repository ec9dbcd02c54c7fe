/**
 * One NDJSON connection to a broker's Unix socket: requests carry an `id`, responses may come
 * back in any order (a held `wait` does not block a `lease`), and a closed socket rejects every
 * pending request with {@link ConnectionLostError} so the client can decide what to re-issue.
 */
import { createConnection, type Socket } from 'node:net';
import { ConnectionLostError } from '../../contract/errors/connection-lost-error.ts';
import { rebuildError } from '../../contract/errors/wire.ts';
import type { BrokerRequest, BrokerResponse } from '../protocol.ts';

/** A request without its `id` (the connection numbers them). */
export type RequestBody = BrokerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/** An open NDJSON connection to one broker. */
export class BrokerConnection {
  readonly socketPath: string;
  #socket: Socket;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #buffer = '';
  #closed = false;
  #closedByUs = false;
  #onClose: Array<(unexpected: boolean) => void> = [];

  private constructor(socketPath: string, socket: Socket) {
    this.socketPath = socketPath;
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#receive(chunk));
    socket.on('error', () => {}); // 'close' follows and carries the consequence
    socket.on('close', () => this.#handleClose());
    // An idle connection must not keep a script alive: ref only while a request is out.
    socket.unref();
  }

  /** Connect, or reject (ENOENT, ECONNREFUSED, timeout) without side effects. */
  static open(socketPath: string, timeoutMs: number): Promise<BrokerConnection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ path: socketPath });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${socketPath} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new BrokerConnection(socketPath, socket));
      });
    });
  }

  /** True once the socket closed, by us or by the broker. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Called once when the socket closes; `unexpected` is false after {@link close}. */
  onClose(listener: (unexpected: boolean) => void): void {
    this.#onClose.push(listener);
  }

  /**
   * Send one request and resolve with its `result`, or reject with the rebuilt error class.
   * `timeoutMs` bounds the wait for the answer; on expiry the connection is dropped, since a
   * broker that stops answering cannot be trusted with the requests still out.
   */
  request<T>(body: RequestBody, timeoutMs: number): Promise<T> {
    if (this.#closed) return Promise.reject(new ConnectionLostError(this.socketPath));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#socket.destroy(new Error(`the broker did not answer ${body.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.#socket.ref();
      this.#socket.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  /** Close on purpose: pending requests reject, listeners hear `unexpected = false`. */
  close(): void {
    this.#closedByUs = true;
    this.#socket.end();
    this.#socket.destroy();
  }

  #receive(chunk: string): void {
    this.#buffer += chunk;
    let newline = this.#buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.#buffer.slice(0, newline).trim();
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line !== '') this.#answer(line);
      newline = this.#buffer.indexOf('\n');
    }
  }

  #answer(line: string): void {
    let response: BrokerResponse;
    try {
      response = JSON.parse(line) as BrokerResponse;
    } catch {
      return; // not ours to crash on; the request it belonged to times out
    }
    const pending = this.#pending.get(response.id);
    if (!pending) return;
    this.#settle(response.id, pending);
    if (response.ok) pending.resolve(response.result);
    else pending.reject(rebuildError(response.error));
  }

  #settle(id: number, pending: Pending): void {
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#socket.unref();
  }

  #handleClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      this.#settle(id, pending);
      pending.reject(new ConnectionLostError(this.socketPath));
    }
    for (const listener of this.#onClose) listener(!this.#closedByUs);
  }
}
