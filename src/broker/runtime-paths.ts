/**
 * Where one account's broker keeps its files: `<runtimeDir>/<accountId>/`, a per-user 0700
 * folder (DESIGN §4). One place, so the broker, its client and the CLI cannot disagree.
 */
import { join } from 'node:path';

export interface RuntimePaths {
  /** `<runtimeDir>/<accountId>` (mode 0700). */
  dir: string;
  /** Unix domain socket the broker listens on. */
  socket: string;
  /** Discovery file, written by the broker once it listens: see {@link DiscoveryInfo}. */
  discovery: string;
  /** Broker singleton lock (pid + token), held by the running broker. */
  brokerLock: string;
  /** Start lock, held by the one client that is starting a broker while the others wait. */
  startLock: string;
  /** The ledger: one JSON line per activation change. */
  ledger: string;
  /** Grant journal of the memory budget store. */
  journal: string;
  /** stdout/stderr of a broker started in the background. */
  log: string;
}

/** Contents of the discovery file. Never contains the API key. */
export interface DiscoveryInfo {
  pid: number;
  socketPath: string;
  account: string;
  baseUrl: string;
  protocol: number;
  store: 'memory' | 'redis';
  startedAt: string;
}

export function runtimePaths(runtimeDir: string, accountId: string): RuntimePaths {
  const dir = join(runtimeDir, accountId);
  return {
    dir,
    socket: join(dir, 'broker.sock'),
    discovery: join(dir, 'broker.json'),
    brokerLock: join(dir, 'broker.pid'),
    startLock: join(dir, 'start.lock'),
    ledger: join(dir, 'ledger.jsonl'),
    journal: join(dir, 'journal.jsonl'),
    log: join(dir, 'broker.log'),
  };
}
