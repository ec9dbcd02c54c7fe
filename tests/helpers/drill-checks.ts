/**
 * What every failure drill asserts after its run, whatever went wrong during it:
 * - the books are closed: every activation in the ledger is finalized or cancelled (none left
 *   `waiting`, none `unknown`);
 * - nothing was leased twice or behind the ledger's back: the sandbox's activations of the run's
 *   account are exactly the ledger's, and (orphans of lost answers aside) as many as the leases
 *   the tests made (when known);
 * - nothing was charged that should not have been: the balance went down by the price of every
 *   activation not refunded, and nothing cost more than the max price;
 * - the API key appears in no output, report or runtime file, and runtime files are owner-only.
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ActivationRecord, isIntentId } from '../../src/contract/activation.ts';
import { PLATFONE_BUCKETS } from '../../src/providers/platfone/tables.ts';
import { V1_BUCKETS } from '../../src/providers/tempnumber-v1/tables.ts';
import type { SandboxApi } from '../../src/sandbox/index.ts';
import { accountHash, type Sandbox } from '../../src/sandbox/index.ts';
import {
  attachedActivations,
  expect,
  type RunResult,
  reportedTests,
  SECRET_MARKER,
} from './run-inline-test.ts';

export interface BooksExpectation {
  /** Leases the tests made, when the drill knows it. */
  leases?: number;
  /** The account's balance before the run (the sandbox default is 1000). @default 1000 */
  initialBalance?: number;
  /** No activation may cost more than this. */
  maxPrice?: number;
}

/** Wait until the ledger is settled, then compare it with the sandbox; returns the ledger. */
export async function expectBooksClosed(
  result: RunResult,
  sandbox: Sandbox,
  expected: BooksExpectation = {},
): Promise<ActivationRecord[]> {
  // Releases of killed workers and orphans settle shortly after the run.
  await expect
    .poll(
      async () =>
        (await result.readLedger()).filter((r) => r.outcome === 'waiting' || r.outcome === 'unknown'),
      {
        timeout: 30_000,
      },
    )
    .toEqual([]);
  const ledger = (await result.readLedger()).filter((r) => !isIntentId(r.id));
  for (const r of ledger) expect(['finalized', 'cancelled'], `activation ${r.id}`).toContain(r.outcome);
  const account = accountHash(result.apiKey);
  const bought = sandbox.state().activations.filter((a) => a.account === account);
  // Every activation the API holds is in the ledger — a POST cut short by a killed broker too
  // (its lease intent was settled by the next broker, as an orphan) — and nothing else is.
  expect(bought.map((a) => String(a.id)).sort()).toEqual(ledger.map((r) => r.id).sort());
  for (const r of ledger.filter((r) => r.orphan)) expect(r.outcome, `orphan ${r.id}`).toBe('cancelled');
  if (expected.leases !== undefined) expect(ledger.filter((r) => !r.orphan)).toHaveLength(expected.leases);
  const reserved = bought.filter((a) => a.status !== 'refunded').reduce((sum, a) => sum + (a.price ?? 0), 0);
  const balance = sandbox.state().balances[account] ?? Number.NaN;
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(balance).toBeCloseTo((expected.initialBalance ?? 1000) - reserved, 6);
  if (expected.maxPrice !== undefined) {
    for (const a of bought) expect(a.price ?? 0).toBeLessThanOrEqual(expected.maxPrice);
  }
  await expectNoSecrets(result);
  return ledger;
}

/** Leases the tests reported in their activations attachments. */
export function reportedLeases(result: RunResult): number {
  return reportedTests(result.report).reduce((n, t) => n + attachedActivations(t).length, 0);
}

/** The key is in no output, report, or file of the runtime dir; those files are owner-only. */
async function expectNoSecrets(result: RunResult): Promise<void> {
  expect(result.output).not.toContain(SECRET_MARKER);
  expect(JSON.stringify(result.report ?? {})).not.toContain(SECRET_MARKER);
  for (const file of await listFiles(result.runtimeDir)) {
    const info = await stat(file);
    if (info.isFile()) {
      expect(await readFile(file, 'utf8'), file).not.toContain(SECRET_MARKER);
      expect(info.mode & 0o077, `${file} is owner-only`).toBe(0);
    }
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}

/** A small user-like test file: lease, "the app" sends the SMS, read the code. */
export function signupSpec(title: string, count: number, service = 'facebook'): string {
  const tests = Array.from(
    { length: count },
    (_, i) => `
      test('${title} ${i + 1}', async ({ phone }) => {
        await sendSms(phone.number, 'Your code is ${100000 + i}');
        expect(await phone.code()).toBe('${100000 + i}');
      });`,
  ).join('\n');
  return `
    import { test, expect } from 'playwright-tempnumber';
    import { sendSms } from './carrier.ts';
    test.use({ phoneService: '${service}', phoneCountry: 'us' });
    ${tests}
  `;
}

/** The rate-limit bucket a lease draws on, per API: how a drill counts the POSTs the API saw. */
export const LEASE_BUCKET: Readonly<Record<SandboxApi, string>> = {
  'tempnumber-v1': V1_BUCKETS.lease as string,
  platfone: PLATFONE_BUCKETS.lease,
};

/** How an API words "waiting for the SMS" (the status a timeout message quotes). */
export const WAITING_STATUS: Readonly<Record<SandboxApi, string>> = {
  'tempnumber-v1': 'smsRequested',
  platfone: 'active/smsRequested/reserved',
};
