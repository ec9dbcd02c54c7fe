/**
 * In-process lease loops for tests that need budget pressure from the test process itself:
 * each loop leases on its own pair, has the sandbox deliver an SMS, reads the code and
 * releases, until `until()` says stop.
 */
import type { BrokerClient } from '../../src/broker/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { hammerPair } from './hammer-pairs.ts';

/** What the loops did. */
export interface LoopReport {
  leases: number;
  /** Longest time a lease waited for budget (real ms, as the broker reported). */
  maxBudgetWaitMs: number;
  errors: Error[];
}

/** Run `loops` loops on `client` until `until()` is true; errors end a loop and are collected. */
export async function runLeaseLoops(
  client: BrokerClient,
  sandbox: Sandbox,
  init: { loops: number; pairOffset: number; until: () => boolean },
): Promise<LoopReport> {
  const report: LoopReport = { leases: 0, maxBudgetWaitMs: 0, errors: [] };
  await Promise.all(
    Array.from({ length: init.loops }, async (_, i) => {
      const [service, country] = hammerPair(init.pairOffset + i);
      while (!init.until()) {
        try {
          const phone = await client.lease({ service, country });
          report.leases++;
          report.maxBudgetWaitMs = Math.max(report.maxBudgetWaitMs, phone.budgetWaitMs);
          await sandbox.deliverSms(phone.number, 'Your code is 123456');
          await phone.code({ timeout: 20_000 });
          await phone.release();
        } catch (error) {
          report.errors.push(error as Error);
          return;
        }
      }
    }),
  );
  return report;
}
