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

/**
 * A line longer than this (UTF-16 units, about bytes) is not a protocol request: the longest
 * real one, an `adopt` of every activation a client holds, is a few KB. The connection is
 * answered with an error and closed, so a peer cannot make the broker buffer without bound.
 */
export const MAX_LINE_LENGTH = 1 << 20;

/** How long a connection closed for a bad line may take to read its error before it is cut (ms). */
const CLOSE_GRACE_MS = 1_000;

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
  /** The open connections. */
  connections(): ClientConnection[];
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
    connections: () => [...sockets.values()],
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
  let refused = false;
  socket.setEncoding('utf8');
  socket.on('error', () => {}); // a peer reset is a close like any other
  socket.on('data', (chunk: string) => {
    if (refused) return;
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.length > MAX_LINE_LENGTH) {
        refused = refuseLongLine(socket, line.length);
        return;
      }
      const trimmed = line.trim();
      if (trimmed !== '') void answer(socket, connection, trimmed, options);
      newline = buffer.indexOf('\n');
    }
    // No newline yet: checked here, before the next chunk, so the buffer never grows past the cap.
    if (buffer.length > MAX_LINE_LENGTH) refused = refuseLongLine(socket, buffer.length);
  });
}

/** Answer a line over the cap with an error, stop reading, and close; returns true. */
function refuseLongLine(socket: Socket, length: number): true {
  socket.pause();
  const error = {
    name: 'TempNumberError',
    message:
      `Request line of ${length > MAX_LINE_LENGTH + 1 ? 'over ' : ''}${length} characters is longer than the ` +
      `broker accepts (${MAX_LINE_LENGTH}): not a broker request. The connection is closed; requests are one ` +
      'JSON object per line (src/broker/protocol.ts).',
  };
  send(socket, { id: -1, ok: false, error });
  socket.end();
  // A peer that keeps writing never lets `end` finish: cut it after a moment to read the error.
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  return true;
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
        message:
          `Not a broker request: ${JSON.stringify(line.slice(0, 80))}. Requests are one JSON object per line ` +
          'with a numeric `id` and an `op` (src/broker/protocol.ts).',
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
  if (socket.destroyed || !socket.writable) return;
  let line: string;
  try {
    line = JSON.stringify(response);
  } catch (error) {
    // A result that is not JSON (a cycle, a BigInt) is a bug; the caller still gets an answer.
    line = JSON.stringify({
      id: response.id,
      ok: false,
      error: {
        name: 'TempNumberError',
        message: `The broker could not encode its answer: ${(error as Error).message}`,
      },
    } satisfies BrokerResponse);
  }
  socket.write(`${line}\n`);
}
