/**
 * Reaching a running broker through its discovery file: read it, check the pid is alive,
 * connect to the socket it names and say `hello`. Any failure means "no broker here (yet)".
 */
import { readFile } from 'node:fs/promises';
import { BrokerUnavailableError } from '../../contract/errors/broker-unavailable-error.ts';
import { isAlive } from '../lock-file.ts';
import {
  type HelloResult,
  PROTOCOL_VERSION,
  type SettingDifference,
  type SettingsFingerprint,
} from '../protocol.ts';
import type { DiscoveryInfo, RuntimePaths } from '../runtime-paths.ts';
import { BrokerConnection } from './broker-connection.ts';

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
