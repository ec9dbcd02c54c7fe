/**
 * Refunds are learned late: a cancelled number is refunded when it expires (up to 20 minutes
 * after the test), and the broker records that in its ledger. At the end of a run the reporter
 * reads the ledger of the account the run used, so refunds known by then are counted.
 * Best effort: no key, no ledger, or an unreadable one simply leaves refunds unknown.
 */
import { readFileSync } from 'node:fs';
import { parseLedgerLine } from '../broker/ledger.ts';
import { runtimePaths } from '../broker/runtime-paths.ts';
import { accountId, resolveSettings } from '../config/settings.ts';
import type { ActivationId, ActivationRecord } from '../contract/activation.ts';
import type { ActivationReport } from './activations-attachment.ts';

/** Path of the ledger of the account the environment names, or undefined when none is configured. */
export function ledgerPathFromEnvironment(): string | undefined {
  try {
    const settings = resolveSettings();
    return runtimePaths(settings.runtimeDir, accountId(settings)).ledger;
  } catch {
    return undefined;
  }
}

/**
 * `activations` with `refunded` (and the status) taken from the ledger at `ledgerPath` where the
 * ledger knows more. Only fills in what is unknown: a test's own record is never contradicted.
 */
export function withLedgerRefunds(
  activations: readonly ActivationReport[],
  ledgerPath: string,
): ActivationReport[] {
  let text: string;
  try {
    text = readFileSync(ledgerPath, 'utf8');
  } catch {
    return [...activations];
  }
  const wanted = new Set(activations.map((a) => a.id));
  const latest = new Map<ActivationId, Pick<ActivationRecord, 'refunded' | 'state' | 'status'>>();
  for (const line of text.split('\n')) {
    const record = parseLedgerLine(line);
    if (record && wanted.has(record.id))
      latest.set(record.id, { refunded: record.refunded, state: record.state, status: record.status });
  }
  return activations.map((a) => {
    const known = latest.get(a.id);
    if (a.refunded !== undefined || known?.refunded === undefined) return a;
    return { ...a, refunded: known.refunded, state: known.state, status: known.status };
  });
}
