import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxCore } from './core/core-types.ts';
import { createSandboxCore } from './core/create-sandbox-core.ts';
import { createNodeAdapter } from './node/node-adapter.ts';

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
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
  /** `url + '/api/v1'`: use as `TEMPNUMBER_BASE_URL`. */
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
 * Start the sandbox: a local server that behaves like TempNumber v1 under `/api/v1`, with the
 * control surface under `/sandbox`.
 *
 * @example
 * const sandbox = await startSandbox({ port: 0, timeScale: 1000 });
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
