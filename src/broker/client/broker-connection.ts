/**
 * Reaching one broker: its discovery file names the socket; one NDJSON connection to it carries
 * requests with an `id`, answered in any order (a held `wait` does not block a `lease`); `hello`
 * makes it a session. A closed socket rejects every pending request with
 * {@link ConnectionLostError}, so the client can decide what to re-issue ({@link CallOptions}).
 */
import { readFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { BrokerUnavailableError, ConnectionLostError, rebuildError } from '../../contract/errors.ts';
import { isAlive } from '../lock-file.ts';
import {
  type BrokerRequest,
  type BrokerResponse,
  type HelloResult,
  PROTOCOL_VERSION,
  type SettingDifference,
  type SettingsFingerprint,
} from '../protocol.ts';
import type { DiscoveryInfo, RuntimePaths } from '../runtime-paths.ts';

/** A request without its `id` (the connection numbers them). */
export type RequestBody = BrokerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** Options of one request to the broker. */
export interface CallOptions {
  /** Longest wait for the answer (real ms). */
  timeoutMs: number;
  /**
   * Send again on the replacement broker when the connection drops mid-request. Only for
   * requests that are safe to repeat (wait, release, reads); never for lease or retry, whose
   * first attempt may already have reached TempNumber.
   */
  resend: boolean;
  /** What was in progress, for the error when the broker is gone ("waiting for an SMS to +1…"). */
  doing: string;
}

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

/** How long one connect or `hello` may take before the broker counts as not answering (ms). */
const HELLO_TIMEOUT_MS = 5_000;

/** A connection that has said `hello`, and who answered. */
export interface BrokerSession {
  connection: BrokerConnection;
  discovery: DiscoveryInfo;
  /** Pid of the broker process (from `hello` when it says, else the discovery file). */
  pid: number;
  /**
   * The broker runs with other settings than the fingerprint sent, and is idle: the caller
   * should replace it (see find-or-start) rather than be served with its settings.
   */
  settingsDiffer?: SettingDifference[];
}

/** The discovery file's contents, or undefined when missing or unreadable. */
export async function readDiscovery(
  paths: Pick<RuntimePaths, 'discovery'>,
): Promise<DiscoveryInfo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(paths.discovery, 'utf8')) as Partial<DiscoveryInfo>;
    return typeof parsed.pid === 'number' && typeof parsed.socketPath === 'string'
      ? (parsed as DiscoveryInfo)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Connect to the broker the discovery file names and say `hello`, or return undefined when
 * nothing (alive) answers. A broker that answers with another protocol version is an error,
 * not "absent": starting a second one would not help. With `settings`, the broker compares
 * them with its own: a busy broker with others refuses (rethrown here), an idle one says so in
 * {@link BrokerSession.settingsDiffer}. Without (`status`, `broker stop`: they only look), any
 * broker of the account answers.
 */
export async function tryHello(
  paths: Pick<RuntimePaths, 'discovery'>,
  account: string,
  owner: string,
  settings?: SettingsFingerprint,
): Promise<BrokerSession | undefined> {
  const discovery = await readDiscovery(paths);
  if (!discovery || !isAlive(discovery.pid)) return undefined;
  if (discovery.account !== undefined && discovery.account !== account) return undefined;
  if (discovery.protocol !== undefined && discovery.protocol !== PROTOCOL_VERSION) {
    throw protocolMismatch(discovery.pid, discovery.protocol);
  }
  let connection: BrokerConnection;
  try {
    connection = await BrokerConnection.open(discovery.socketPath, HELLO_TIMEOUT_MS);
  } catch {
    return undefined;
  }
  try {
    const hello = await connection.request<Partial<Record<keyof HelloResult, unknown>> | null>(
      { op: 'hello', protocol: PROTOCOL_VERSION, owner, pid: process.pid, ...(settings ? { settings } : {}) },
      HELLO_TIMEOUT_MS,
    );
    if (typeof hello?.protocol === 'number' && hello.protocol !== PROTOCOL_VERSION) {
      connection.close();
      throw protocolMismatch(discovery.pid, hello.protocol);
    }
    const pid = typeof hello?.pid === 'number' ? hello.pid : discovery.pid;
    const differ = hello?.settingsDiffer;
    return {
      connection,
      discovery,
      pid,
      ...(Array.isArray(differ) && differ.length > 0
        ? { settingsDiffer: differ as SettingDifference[] }
        : {}),
    };
  } catch (error) {
    connection.close();
    if (error instanceof BrokerUnavailableError || isProtocolRefusal(error)) throw error;
    return undefined;
  }
}

function protocolMismatch(pid: number, protocol: number): BrokerUnavailableError {
  return new BrokerUnavailableError(
    `The running broker (pid ${pid}) speaks protocol ${protocol}, this client speaks ${PROTOCOL_VERSION}: ` +
      'two versions of playwright-tempnumber share this account. Stop the old broker ' +
      `(kill ${pid}; it reconciles its activations on the next start) or use one version.`,
    { brokerPid: pid },
  );
}

/** The broker refused `hello` itself (e.g. a protocol mismatch it detected): not "absent". */
function isProtocolRefusal(error: unknown): boolean {
  return error instanceof Error && error.name !== 'ConnectionLostError' && /protocol/i.test(error.message);
}
