/**
 * Look at the account's broker without starting one (for `status` and `activations`): a CLI
 * that only wants to read must not leave a daemon behind.
 */

import { readFile } from 'node:fs/promises';
import { accountId, type Settings } from '../../config/settings.ts';
import { type ActivationId, compareActivationIds } from '../../contract/activation.ts';
import type { ActivationRecord } from '../protocol.ts';
import { type RuntimePaths, runtimePaths } from '../runtime-paths.ts';
import { isListed, parseLedgerLine } from '../server/ledger.ts';
import { type BrokerSession, tryHello } from './discovery.ts';

/** The account's runtime paths for `settings`. */
export function accountPaths(settings: Pick<Settings, 'apiKey' | 'baseUrl' | 'runtimeDir'>): RuntimePaths {
  return runtimePaths(settings.runtimeDir, accountId(settings));
}

/** A `hello`'d session with the running broker, or undefined when none answers. */
export function connectRunningBroker(
  settings: Pick<Settings, 'apiKey' | 'baseUrl' | 'runtimeDir'>,
  owner: string,
): Promise<BrokerSession | undefined> {
  return tryHello(accountPaths(settings), accountId(settings), owner);
}

/**
 * The ledger file read directly (no broker running): JSON Lines, the last line per id wins,
 * newest lease first, as `activations` lists it ({@link isListed}). A missing ledger is an empty one.
 */
export async function readLedgerFile(path: string): Promise<ActivationRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const byId = new Map<ActivationId, ActivationRecord>();
  for (const line of text.split('\n')) {
    const record = parseLedgerLine(line);
    if (record) byId.set(record.id, record);
  }
  return [...byId.values()]
    .filter(isListed)
    .sort((a, b) => Date.parse(b.leasedAt) - Date.parse(a.leasedAt) || compareActivationIds(b.id, a.id));
}
