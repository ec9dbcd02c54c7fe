import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { CoreDrop, CoreReply, CoreRequest, SandboxCore } from '../core/core-types.ts';
import { errorReply } from '../core/responses.ts';

/** Largest request body read, in bytes: the API's bodies are a few dozen bytes. */
const MAX_BODY_BYTES = 1 << 20;

/** A node:http request listener over a core, plus a way to cancel requests still waiting. */
export interface NodeAdapter {
  listener: RequestListener;
  /**
   * Cancel held requests (hold fault) and delayed answers (latency fault) so a closing server
   * does not wait for them. A held request is dropped, never acted on: a closed sandbox is a
   * server that was stopped, and acting early would break the promise that it acts only after
   * `holdMs`; acting after close would change a state the test has finished reading.
   */
  dispose(): void;
}

/**
 * The thin adapter between node:http and the core: read the body, call `core.handle`, then
 * carry out the answer — hold first and resume (hold fault), wait (latency fault), write it, or
 * destroy the socket (drop fault). All decisions are the core's.
 */
export function createNodeAdapter(core: SandboxCore): NodeAdapter {
  const timers = new Set<NodeJS.Timeout>();
  let disposed = false;
  const later = (ms: number, run: () => void) => {
    // A body that finished reading while the server closed must not start a new timer.
    if (disposed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const listener: RequestListener = (req, res) => {
    const carryOut = (response: CoreReply | CoreDrop) => {
      const act = () => {
        if (response.kind === 'drop') req.socket.destroy();
        // The client may have given up during a hold or delay: the answer then goes nowhere.
        else if (!req.socket.destroyed) res.writeHead(response.status, response.headers).end(response.body);
      };
      if (response.delayMs) later(response.delayMs, act);
      else act();
    };
    readBody(req).then(
      (body) => {
        const response = core.handle({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: headersOf(req),
          body,
        });
        // Resumed whether or not the client is still there: a slow server keeps processing.
        if (response.kind === 'hold') later(response.holdMs, () => carryOut(response.resume()));
        else carryOut(response);
      },
      () => send(res, 400, 'Request body unreadable or larger than 1 MiB'),
    );
  };

  return {
    listener,
    dispose() {
      disposed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

function send(res: ServerResponse, status: number, message: string): void {
  const reply = errorReply('InvalidRequestParamsException', message);
  res.writeHead(status, { ...reply.headers, connection: 'close' }).end(reply.body);
}

function headersOf(req: IncomingMessage): CoreRequest['headers'] {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
