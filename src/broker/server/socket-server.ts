/**
 * The broker's Unix socket: newline-delimited JSON, one request per line, answered by `id`,
 * possibly out of order (a held `wait` does not block a `lease`). It keeps the list of client
 * connections and drops the ones that go silent for 3 heartbeat intervals — a worker frozen
 * or killed without its socket closing (e.g. a suspended VM) releases its phones that way.
 */
import { chmod } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { BrokerRequest, BrokerResponse } from '../protocol.ts';
import type { ClientConnection } from './broker-context.ts';
import { errorToWire } from './wire-error.ts';

/** A line longer than this is not a protocol request: the connection is dropped. */
const MAX_LINE_BYTES = 1 << 20;

export interface SocketServerOptions {
  path: string;
  now: () => number;
  /** A connection silent this long is dropped (real ms). */
  clientTimeoutMs: number;
  handle(connection: ClientConnection, request: BrokerRequest): Promise<unknown>;
  /** The connection is gone: closed by the client, dropped for silence, or the broker closing. */
  onDisconnect(connection: ClientConnection, cause: 'connectionClosed' | 'heartbeatLost'): void;
}

export interface SocketServer {
  connectionCount(): number;
  /** Stop accepting; end every connection. */
  close(): Promise<void>;
}

/** Listen on `options.path` (mode 0600) and serve the protocol; resolves once it accepts connections. */
export async function listenSocket(options: SocketServerOptions): Promise<SocketServer> {
  const sockets = new Map<Socket, ClientConnection>();
  let nextId = 1;
  let closing = false;
  const server: Server = createServer((socket) => {
    if (closing) return void socket.destroy();
    const closed = new AbortController();
    const connection: ClientConnection = {
      id: nextId,
      owner: `connection ${nextId}`,
      pid: undefined,
      lastSeenMs: options.now(),
      closedSignal: closed.signal,
    };
    nextId += 1;
    sockets.set(socket, connection);
    serve(socket, connection, options);
    socket.on('close', () => {
      const cause = (socket as Socket & { dropCause?: 'heartbeatLost' }).dropCause ?? 'connectionClosed';
      sockets.delete(socket);
      closed.abort();
      if (!closing) options.onDisconnect(connection, cause);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The folder is 0700 already; the socket itself is made private too, belt and braces.
  await chmod(options.path, 0o600);

  const sweep = setInterval(
    () => {
      const cutoff = options.now() - options.clientTimeoutMs;
      for (const [socket, connection] of sockets) {
        if (connection.lastSeenMs >= cutoff) continue;
        (socket as Socket & { dropCause?: 'heartbeatLost' }).dropCause = 'heartbeatLost';
        socket.destroy();
      }
    },
    Math.max(50, Math.min(options.clientTimeoutMs / 3, 5_000)),
  );
  sweep.unref();

  return {
    connectionCount: () => sockets.size,
    async close() {
      closing = true;
      clearInterval(sweep);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets.keys()) socket.end();
      // Give well-behaved clients a moment to read the last answers, then cut.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 500).unref())]);
      for (const socket of sockets.keys()) socket.destroy();
      await closed;
    },
  };
}

function serve(socket: Socket, connection: ClientConnection, options: SocketServerOptions): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('error', () => {}); // a peer reset is a close like any other
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    if (buffer.length > MAX_LINE_BYTES && !buffer.includes('\n')) return void socket.destroy();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line !== '') void answer(socket, connection, line, options);
      newline = buffer.indexOf('\n');
    }
  });
}

async function answer(
  socket: Socket,
  connection: ClientConnection,
  line: string,
  options: SocketServerOptions,
) {
  connection.lastSeenMs = options.now();
  let request: BrokerRequest;
  try {
    request = JSON.parse(line) as BrokerRequest;
    if (typeof request !== 'object' || request === null || typeof request.id !== 'number')
      throw new Error('no id');
  } catch {
    return send(socket, {
      id: -1,
      ok: false,
      error: {
        name: 'TempNumberError',
        message: `Not a broker request: ${JSON.stringify(line.slice(0, 80))}`,
      },
    });
  }
  let response: BrokerResponse;
  try {
    response = { id: request.id, ok: true, result: (await options.handle(connection, request)) ?? null };
  } catch (error) {
    response = { id: request.id, ok: false, error: errorToWire(error) };
  }
  send(socket, response);
}

function send(socket: Socket, response: BrokerResponse): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(response)}\n`);
}
