/**
 * `connectBroker()`: the worker side of the broker. It finds or starts the account's broker,
 * keeps the connection alive with heartbeats, leases phones, and survives one broker restart
 * by reconnecting and adopting its phones (the new broker reloaded them from the ledger).
 */

import { accountId, resolveSettings, type Settings } from '../../config/settings.ts';
import {
  type ActivationRecord,
  type CheckedLeaseRequest,
  LEASE_OPTION_NAMES,
  type LeaseOptions,
  toLeaseRequest,
} from '../../contract/activation.ts';
import { BrokerUnavailableError, ConnectionLostError } from '../../contract/errors.ts';
import type { Phone } from '../../contract/phone.ts';
import {
  type BrokerStatus,
  HEARTBEAT_INTERVAL_MS,
  type LeaseResult,
  type ReadQuery,
  type ReadResults,
  type ReadWhat,
} from '../protocol.ts';
import { type RuntimePaths, runtimePaths } from '../runtime-paths.ts';
import type { BrokerSession, CallOptions, RequestBody } from './broker-connection.ts';
import { findOrStartBroker } from './find-or-start.ts';
import { PhoneHandle } from './phone.ts';

/** Options of {@link connectBroker}; each defaults from the environment / `.env` (TEMPNUMBER_*). */
export interface ConnectBrokerOptions {
  /** @default TEMPNUMBER_API_KEY */
  apiKey?: string;
  /**
   * Which SMS-activation API the base URL speaks: `tempnumber-v1` or `platfone`.
   * @default TEMPNUMBER_API, else `platfone` when the base URL's host is temp-number-api.com, else `tempnumber-v1`
   */
  api?: string;
  /** @default TEMPNUMBER_BASE_URL, else the API's own ('https://tn-api.com/api/v1' for tempnumber-v1) */
  baseUrl?: string;
  /** Share the budget with brokers on other machines. @default TEMPNUMBER_REDIS_URL */
  redisUrl?: string;
  /** @default TEMPNUMBER_RUNTIME_DIR, else a per-user temp folder */
  runtimeDir?: string;
  /** API clock speed-up (sandbox only). @default TEMPNUMBER_TIME_SCALE, else 1 */
  timeScale?: number;
  /**
   * How long one API request of a broker this client starts may take (real ms); twice this is
   * how long a lease whose answer was lost waits before it is looked up in the history.
   * @default TEMPNUMBER_REQUEST_TIMEOUT_MS, else 15000
   */
  requestTimeoutMs?: number;
  /**
   * Tighter rate limits for a broker this client starts, as `TEMPNUMBER_RATE_LIMITS` writes them.
   * @default TEMPNUMBER_RATE_LIMITS, else the API's published limits
   */
  rateLimits?: string;
  /** Who this client is, as `status` and the ledger show it. @default `pid <pid>` */
  owner?: string;
  /** Give up finding or starting a broker after this long (real ms). @default 15000 */
  startTimeoutMs?: number;
}

/** A connection to the account's broker. */
export interface BrokerClient {
  /** Pid of the broker currently connected (changes after a broker restart). */
  readonly brokerPid: number;
  /** The account's runtime files (ledger, log…). */
  readonly paths: RuntimePaths;
  /**
   * Lease a number; waits for budget as needed (see {@link Phone.budgetWaitMs}). The options are
   * checked and normalized here ({@link toLeaseRequest}: ids trimmed and lower-cased), unless
   * they are a request that function already built (the fixture checks its options itself, to
   * name them in messages).
   */
  lease(options: LeaseOptions | CheckedLeaseRequest): Promise<Phone>;
  status(): Promise<BrokerStatus>;
  /** Every activation in the broker's ledger. */
  activations(): Promise<ActivationRecord[]>;
  /**
   * Read the API through the broker (balance, history, price list, one pair), at low priority on
   * the account's shared budget: waits for a slot rather than risk a 429. A broker too old to
   * know `read` is refused with a BrokerUnavailableError saying how to replace it; there is no
   * direct fallback, since a direct read is exactly what could trip the suite's limits.
   */
  read<W extends ReadWhat>(query: ReadQuery & { what: W }): Promise<ReadResults[W]>;
  /**
   * Release every phone of this client not released yet (finalized when an SMS came, else
   * cancelled), then disconnect. Waits in progress reject. The broker keeps running.
   */
  close(): Promise<void>;
}

/** Find or start the account's broker and connect to it. */
export async function connectBroker(options: ConnectBrokerOptions = {}): Promise<BrokerClient> {
  const settings = resolveSettings({
    apiKey: options.apiKey,
    api: options.api,
    baseUrl: options.baseUrl,
    redisUrl: options.redisUrl,
    runtimeDir: options.runtimeDir,
    timeScale: options.timeScale,
    requestTimeoutMs: options.requestTimeoutMs,
    rateLimits: options.rateLimits,
  });
  const owner = options.owner ?? `pid ${process.pid}`;
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const session = await findOrStartBroker(settings, { owner, startTimeoutMs });
  return new Client(settings, owner, startTimeoutMs, session);
}

/** Bounds on requests that are answered at once by a healthy broker (real ms). */
const QUICK_TIMEOUT_MS = 30_000;
/** A lease may wait for budget for a long time when the account is saturated (real ms). */
const LEASE_TIMEOUT_MS = 600_000;
/** A low-priority read waits for a free slot of its endpoint; a saturated minute or two is normal (real ms). */
const READ_TIMEOUT_MS = 300_000;

class Client implements BrokerClient {
  readonly paths: RuntimePaths;
  #settings: Settings;
  #owner: string;
  #startTimeoutMs: number;
  #session: BrokerSession;
  #phones = new Set<PhoneHandle>();
  #heartbeat: NodeJS.Timeout;
  #recovering: Promise<void> | undefined;
  #dead: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor(settings: Settings, owner: string, startTimeoutMs: number, session: BrokerSession) {
    this.#settings = settings;
    this.#owner = owner;
    this.#startTimeoutMs = startTimeoutMs;
    this.paths = runtimePaths(settings.runtimeDir, accountId(settings));
    this.#session = session;
    this.#watch(session);
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_INTERVAL_MS);
    this.#heartbeat.unref();
  }

  get brokerPid(): number {
    return this.#session.pid;
  }

  async lease(options: LeaseOptions | CheckedLeaseRequest): Promise<Phone> {
    const request = toLeaseRequest(options, LEASE_OPTION_NAMES);
    const { service, countries } = request;
    const body: RequestBody = {
      op: 'lease',
      service,
      countries,
      owner: request.owner ?? this.#owner,
      ...(request.maxPrice === undefined ? {} : { maxPrice: request.maxPrice }),
      ...(request.quality === undefined ? {} : { quality: request.quality }),
    };
    const result = await this.#call<LeaseResult>(body, {
      timeoutMs: LEASE_TIMEOUT_MS,
      resend: false,
      doing:
        `leasing a ${service} number (${countries.join(', ')}); if the lease went through, ` +
        `it is recorded in the ledger at ${this.paths.ledger} and will be reconciled by the next broker`,
    });
    const phone = new PhoneHandle(result, {
      call: (b, o) => this.#call(b, o),
      forget: (p) => this.#phones.delete(p),
      ledgerPath: this.paths.ledger,
    });
    this.#phones.add(phone);
    return phone;
  }

  status(): Promise<BrokerStatus> {
    return this.#call(
      { op: 'status' },
      { timeoutMs: QUICK_TIMEOUT_MS, resend: true, doing: 'reading its status' },
    );
  }

  activations(): Promise<ActivationRecord[]> {
    return this.#call(
      { op: 'activations' },
      { timeoutMs: QUICK_TIMEOUT_MS, resend: true, doing: 'listing activations' },
    );
  }

  async read<W extends ReadWhat>(query: ReadQuery & { what: W }): Promise<ReadResults[W]> {
    try {
      return await this.#call<ReadResults[W]>(
        { op: 'read', ...query },
        { timeoutMs: READ_TIMEOUT_MS, resend: true, doing: `reading ${query.what} from the API` },
      );
    } catch (error) {
      // Same protocol version, older package: its table has no `read` (protocol.ts).
      if (error instanceof Error && error.message.startsWith('Unknown broker operation')) {
        const pid = this.#session.pid;
        throw new BrokerUnavailableError(
          `The running broker (pid ${pid}) comes from an older playwright-tempnumber that cannot read the API ` +
            `for other processes. Stop it (\`kill ${pid}\`; it also exits by itself when idle) and try again.`,
          { brokerPid: pid },
        );
      }
      throw error;
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await Promise.allSettled([...this.#phones].map((phone) => phone.release()));
    clearInterval(this.#heartbeat);
    this.#dead ??= new BrokerUnavailableError('This broker client was closed.');
    this.#session.connection.close();
  }

  /** Send a request; after a dropped connection, reconnect once and resend when that is safe. */
  async #call<T>(body: RequestBody, options: CallOptions): Promise<T> {
    // Two replacements in one request means brokers keep dying: stop and say so.
    for (let recoveries = 0; ; recoveries++) {
      if (this.#dead) throw this.#dead;
      const session = this.#session;
      if (session.connection.closed) await this.#recover(session);
      try {
        return await this.#session.connection.request<T>(body, options.timeoutMs);
      } catch (error) {
        if (!(error instanceof ConnectionLostError)) throw error;
        if (this.#dead) throw this.#dead;
        const lostPid = this.#session.pid;
        if (!options.resend || recoveries >= 2) {
          throw new BrokerUnavailableError(`The broker (pid ${lostPid}) exited while ${options.doing}.`, {
            brokerPid: lostPid,
            cause: error,
          });
        }
        try {
          await this.#recover(this.#session);
        } catch (recoverError) {
          throw new BrokerUnavailableError(
            `The broker (pid ${lostPid}) exited while ${options.doing}; no new broker could be reached ` +
              `(${(recoverError as Error).message.split('\n')[0]}).`,
            { brokerPid: lostPid, cause: recoverError },
          );
        }
      }
    }
  }

  /** One reconnect per lost connection, shared by every request that noticed the loss. */
  #recover(lost: BrokerSession): Promise<void> {
    if (this.#session !== lost) return Promise.resolve();
    this.#recovering ??= this.#reconnect(lost).finally(() => {
      this.#recovering = undefined;
    });
    return this.#recovering;
  }

  async #reconnect(lost: BrokerSession): Promise<void> {
    try {
      const session = await findOrStartBroker(this.#settings, {
        owner: this.#owner,
        startTimeoutMs: this.#startTimeoutMs,
      });
      const ids = [...this.#phones].map((phone) => phone.id);
      if (ids.length > 0) {
        await session.connection.request({ op: 'adopt', activationIds: ids }, QUICK_TIMEOUT_MS).catch((e) => {
          session.connection.close();
          throw e;
        });
      }
      this.#session = session;
      this.#watch(session);
    } catch (error) {
      // A client whose broker is gone for good fails every later call the same way.
      this.#dead = new BrokerUnavailableError(
        `The broker (pid ${lost.pid}) exited and no new broker could be reached; activations of this ` +
          `client are recorded in the ledger at ${this.paths.ledger} and will be reconciled by the next broker.`,
        { brokerPid: lost.pid, cause: error },
      );
      throw error;
    }
  }

  /** On an unexpected close with phones out, reconnect at once so the new broker adopts them early. */
  #watch(session: BrokerSession): void {
    session.connection.onClose((unexpected) => {
      if (unexpected && !this.#closing && this.#phones.size > 0) this.#recover(session).catch(() => {});
    });
  }

  #beat(): void {
    const connection = this.#session.connection;
    if (connection.closed || this.#dead) return;
    connection.request({ op: 'heartbeat' }, QUICK_TIMEOUT_MS).catch(() => {});
  }
}
