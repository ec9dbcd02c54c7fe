/**
 * A tiny scripted HTTP server for the client's unit tests: answers the sandbox cannot give
 * (Retry-After headers, HTML bodies, `code` as a number, hangs, resets). 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RequestBudget } from '../../src/limits/budget.ts';

/** What the script answers: a reply, a destroyed socket, or nothing at all (until closed). */
export type RawReply =
  | { status: number; headers?: Record<string, string>; body?: string | object }
  | 'reset'
  | 'hang';

/** One request the server saw. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  atMs: number;
}

export interface RawServer {
  /** API base, e.g. `http://127.0.0.1:40123/api/v1`. */
  baseUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Start a server whose n-th request (0-based) is answered by `script(request, n)`. */
export async function startRawServer(
  script: (request: SeenRequest, n: number) => RawReply,
): Promise<RawServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        atMs: performance.now(),
      };
      const reply = script(seen, requests.length);
      requests.push(seen);
      if (reply === 'reset') return void req.socket.destroy();
      if (reply === 'hang') return;
      const body = typeof reply.body === 'object' ? JSON.stringify(reply.body) : (reply.body ?? '');
      const contentType = typeof reply.body === 'object' ? 'application/json' : 'text/plain';
      res.writeHead(reply.status, { 'content-type': contentType, ...reply.headers });
      res.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A well-formed activation body, as the sandbox would send it. */
export function activationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 101,
    status: 'smsRequested',
    countryId: 'us',
    serviceId: 'facebook',
    number: 18454123223,
    price: 0.5,
    createdAt: 1_700_000_000,
    numberExpireAt: 1_700_001_200,
    utc: 1_700_000_010,
    retryAvailable: false,
    ...overrides,
  };
}

/** Every call a budget received, in order. */
export type BudgetCall =
  | { op: 'acquire'; bucket: string; priority: string | undefined }
  | { op: 'reportRateLimited'; bucket: string; retryAfterMs: number | undefined };

/** A real budget that also records what the client asked of it. */
export function recordingBudget(inner: RequestBudget): RequestBudget & { calls: BudgetCall[] } {
  const calls: BudgetCall[] = [];
  return {
    calls,
    acquire(bucket, options) {
      calls.push({ op: 'acquire', bucket, priority: options?.priority });
      return inner.acquire(bucket, options);
    },
    reportRateLimited(bucket, retryAfterMs) {
      calls.push({ op: 'reportRateLimited', bucket, retryAfterMs });
      return inner.reportRateLimited(bucket, retryAfterMs);
    },
  };
}
