/**
 * The sandbox as shipped: the core running one API dialect under `/api/v1` (TempNumber v1 by
 * default, or Platfone's Activation API) and the control surface under `/sandbox`, and its
 * node:http face — a thin adapter that only moves bytes and carries out
 * the core's delays, holds and drops, and `startSandbox`, which listens.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_ROUTES } from './control-routes.ts';
import type { ApiRouteTable, CoreDrop, CoreReply, CoreRequest, SandboxCore } from './core/route-table.ts';
import { createCore, type SandboxCoreOptions, type SandboxTables } from './core/sandbox-core.ts';
import { createPlatfoneRoutes } from './dialects/platfone.ts';
import { errorReply, TEMPNUMBER_V1_ROUTES } from './dialects/tempnumber-v1.ts';

/**
 * The API dialects the shipped sandbox can speak, by the name `api` takes: each makes the route
 * table for one sandbox. Both live under `/api/v1`, so a sandbox speaks exactly one; the world,
 * gateway, faults, clock and control surface are the same whichever it is.
 */
const SANDBOX_APIS = {
  'tempnumber-v1': () => TEMPNUMBER_V1_ROUTES,
  platfone: (options: SandboxApiOptions) =>
    createPlatfoneRoutes(
      options.cancelableAfterMs === undefined ? {} : { cancelableAfterMs: options.cancelableAfterMs },
    ),
} as const satisfies Record<string, (options: SandboxApiOptions) => ApiRouteTable>;

/** The name of an API dialect the sandbox speaks. */
export type SandboxApi = keyof typeof SANDBOX_APIS;

/** The dialects' names, for the CLI's `--api`. */
export const SANDBOX_API_NAMES = Object.keys(SANDBOX_APIS) as SandboxApi[];

/** Which API the sandbox speaks, and that API's own settings. */
export interface SandboxApiOptions {
  /**
   * The API dialect served under `/api/v1`: TempNumber v1 (`x-api-key`, `/activations`, USD) or
   * Platfone's Activation API (`X-Api-Key`, `/activation`, cents, three status fields).
   * @default 'tempnumber-v1'
   */
  api?: SandboxApi;
  /**
   * Platfone only: API milliseconds from an order to its `cancelable_after`; `null` makes cancel
   * unsupported (the number can only run to expiry). Refused with any other `api`.
   * @default 120_000
   */
  cancelableAfterMs?: number | null;
}

/** Create the shipped sandbox's core. Nothing listens; see {@link startSandbox} for the HTTP server. */
export function createSandboxCore(options: SandboxCoreOptions & SandboxApiOptions = {}): SandboxCore {
  const { api = 'tempnumber-v1', cancelableAfterMs, ...coreOptions } = options;
  if (!Object.hasOwn(SANDBOX_APIS, api)) {
    throw new RangeError(
      `Expected \`api\` to be one of ${SANDBOX_API_NAMES.join(', ')}, got ${JSON.stringify(api)}`,
    );
  }
  if (api !== 'platfone' && cancelableAfterMs !== undefined) {
    throw new RangeError(
      '`cancelableAfterMs` applies to `api: "platfone"` only: TempNumber v1 has no cancel',
    );
  }
  const tables: SandboxTables = {
    apis: [SANDBOX_APIS[api](cancelableAfterMs === undefined ? {} : { cancelableAfterMs })],
    control: CONTROL_ROUTES,
  };
  return createCore(tables, coreOptions);
}

/** Options of {@link startSandbox}. */
export interface SandboxOptions extends SandboxApiOptions {
  /** Interface to listen on. Keep it on loopback: the sandbox has no real security. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one (read it from `url`). @default 0 */
  port?: number;
  /** Valid API keys; each is its own account (balance, activations, limits). @default ['sandbox'] */
  apiKeys?: string[];
  /** Starting balance of every account, USD. @default 1000 */
  balance?: number;
  /**
   * API milliseconds per real millisecond: at 1000 the 1200 s lifetime of a number passes in
   * 1.2 s and a 60 s rate window in 60 ms. @default 1
   */
  timeScale?: number;
  /** Seed of phone numbers and fault draws; same seed, same numbers. @default 1 */
  seed?: number;
  /**
   * Id of the first activation, for deterministic tests. By default each sandbox starts past
   * every id an earlier one can have used (derived from the wall clock), so a broker's ledger
   * from a previous run never sees an id again. @example 100_001
   */
  firstActivationId?: number;
}

/**
 * A running sandbox: the core's control methods (state, reset, faults, prices, balances, clock;
 * declared once, on {@link SandboxCore}) plus its address and an async carrier.
 */
export interface Sandbox
  extends Pick<SandboxCore, 'state' | 'reset' | 'setFaults' | 'setPrice' | 'setBalance' | 'now'> {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `url + '/api/v1'` (both dialects live there): use as `TEMPNUMBER_BASE_URL`. */
  apiUrl: string;
  /** Stop listening and drop open connections; requests still held (`holdMs`) are dropped unacted. */
  close(): Promise<void>;
  /**
   * The carrier: deliver an SMS to the activation waiting on `to` (digits or +E.164). Rejects
   * with a clear error when no waiting activation holds that number.
   */
  deliverSms(to: string, text: string): Promise<{ activationId: number }>;
}

/**
 * Start the sandbox: a local server that behaves like TempNumber v1 (or, with `api: 'platfone'`,
 * Platfone's Activation API) under `/api/v1`, with the control surface under `/sandbox`.
 *
 * @example
 * const sandbox = await startSandbox({ port: 0, timeScale: 1000 });
 * const platfone = await startSandbox({ api: 'platfone', cancelableAfterMs: 60_000 });
 * // TEMPNUMBER_BASE_URL = sandbox.apiUrl, TEMPNUMBER_API_KEY = 'sandbox'
 * await sandbox.close();
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Expected \`port\` to be an integer from 0 to 65535, got ${port}`);
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let core: SandboxCore;
  try {
    // Created once the port is known, so `iconBaseUrl` can point at this very server.
    core = createSandboxCore({
      ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}),
      ...(options.balance === undefined ? {} : { balance: options.balance }),
      ...(options.timeScale === undefined ? {} : { timeScale: options.timeScale }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.firstActivationId === undefined ? {} : { firstActivationId: options.firstActivationId }),
      ...(options.api === undefined ? {} : { api: options.api }),
      ...(options.cancelableAfterMs === undefined ? {} : { cancelableAfterMs: options.cancelableAfterMs }),
      iconBaseUrl: `${url}/sandbox/icons/`,
    });
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  const adapter = createNodeAdapter(core);
  server.on('request', adapter.listener);

  let closing: Promise<void> | undefined;
  return {
    url,
    apiUrl: `${url}/api/v1`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        adapter.dispose();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    async deliverSms(to, text) {
      const delivered = core.deliverSms(to, text);
      if (!delivered) {
        throw new Error(
          `No activation is waiting for an SMS on ${to}: the number was never leased, has expired, or already received its SMS (ask for a retry first).`,
        );
      }
      return delivered;
    },
    state: () => core.state(),
    reset: () => core.reset(),
    setFaults: (faults) => core.setFaults(faults),
    setPrice: (serviceId, countryId, price) => core.setPrice(serviceId, countryId, price),
    setBalance: (apiKey, usd) => core.setBalance(apiKey, usd),
    now: () => core.now(),
  };
}

/** Largest request body read, in bytes: the API's bodies are a few dozen bytes. */
const MAX_BODY_BYTES = 1 << 20;

/** A node:http request listener over a core, plus a way to cancel requests still waiting. */
interface NodeAdapter {
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
function createNodeAdapter(core: SandboxCore): NodeAdapter {
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

/** Answer a request the core never saw, in TempNumber's error body (as the control surface does). */
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
