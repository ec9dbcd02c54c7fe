/**
 * A fault-injecting HTTP proxy in front of the sandbox (like toxiproxy): every request is
 * forwarded for real, and a rule chosen per request can lose or garble the answer on the way
 * back — after the sandbox acted on it — or refuse to forward at all. Unlike the sandbox's own
 * random faults, a rule hits exactly the request a test means (say, the one POST of a lease).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to do with one request. */
export type FaultRule =
  /** Forward, then cut the connection without an answer (the sandbox still acted). */
  | 'dropAnswer'
  /** Forward, then answer 200 with half the body (garbled, not JSON). */
  | 'garbleAnswer'
  /** Do not forward; answer 502 with an HTML page, like a gateway whose upstream is down. */
  | 'gatewayError';

/**
 * Where {@link FaultProxy.at} runs its action on the next matching request — the moments a
 * broker can die during a lease, seen from the server:
 * - `received`: the request arrived; it is then dropped, never forwarded (the server never acts);
 * - `forwarding`: before forwarding it (the server acts, the answer goes nowhere useful);
 * - `answered`: after the server answered, before the answer is passed on.
 */
export type ProxyPhase = 'received' | 'forwarding' | 'answered';

export interface FaultProxy {
  /** `http://127.0.0.1:<port>/api/v1`, to use as TEMPNUMBER_BASE_URL. */
  apiUrl: string;
  /** Apply `rule` to the next `times` requests matching `method` and `path` (path relative to /api/v1). */
  inject(method: string, path: string, rule: FaultRule, times?: number): void;
  /** Run `action` (e.g. SIGKILL the broker) at `phase` of the next request matching `method` and `path`. */
  at(method: string, path: string, phase: ProxyPhase, action: () => void | Promise<void>): void;
  /** Remove every rule. */
  heal(): void;
  /** Requests a rule was applied to, in order (`METHOD path rule`). */
  readonly applied: string[];
  close(): Promise<void>;
}

export async function startFaultProxy(targetApiUrl: string): Promise<FaultProxy> {
  const target = new URL(targetApiUrl);
  const rules: Array<{ method: string; path: string; rule: FaultRule; left: number }> = [];
  const applied: string[] = [];
  const hooks: Array<{
    method: string;
    path: string;
    phase: ProxyPhase;
    action: () => void | Promise<void>;
  }> = [];
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '').replace(/^\/api\/v1/, '').split('?')[0] ?? '';
    const hookAt = hooks.findIndex((h) => h.method === req.method && h.path === path);
    const hook = hookAt >= 0 ? hooks.splice(hookAt, 1)[0] : undefined;
    if (hook) {
      applied.push(`${req.method} ${path} ${hook.phase}`);
      if (hook.phase === 'received') {
        await hook.action();
        return void res.socket?.destroy();
      }
      if (hook.phase === 'forwarding') await hook.action();
      return forward(req, res, target, undefined, hook.phase === 'answered' ? hook.action : undefined);
    }
    const match = rules.find((r) => r.left > 0 && r.method === req.method && r.path === path);
    if (match) {
      match.left -= 1;
      applied.push(`${req.method} ${path} ${match.rule}`);
    }
    if (match?.rule === 'gatewayError') {
      req.resume();
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      return;
    }
    forward(req, res, target, match?.rule);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/v1`,
    inject: (method, path, rule, times = 1) => void rules.push({ method, path, rule, left: times }),
    at: (method, path, phase, action) => void hooks.push({ method, path, phase, action }),
    heal: () => {
      rules.splice(0);
      hooks.splice(0);
    },
    applied,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  rule: FaultRule | undefined,
  onAnswered?: () => void | Promise<void>,
): void {
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
    },
    (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', async () => {
        const body = Buffer.concat(chunks);
        await onAnswered?.();
        if (rule === 'dropAnswer') return void res.socket?.destroy();
        if (rule === 'garbleAnswer') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(body.subarray(0, Math.max(1, Math.floor(body.length / 2))));
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(body);
      });
    },
  );
  upstream.on('error', () => res.socket?.destroy());
  req.pipe(upstream);
}
