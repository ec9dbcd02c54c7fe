import { assessBalance } from '../balance-estimate.ts';
import type { PreflightCheck } from '../check-types.ts';

/** The balance covers the estimated run (warn) and is above zero (fail). */
export const balanceCheck: PreflightCheck = {
  id: 'balance',
  title: 'balance',
  needs: ['api-key'],
  async run(ctx) {
    const probe = await ctx.balanceProbe();
    if (!probe.ok) {
      const message = probe.error instanceof Error ? probe.error.message : String(probe.error);
      return { level: 'warn', line: `not checked: the balance could not be read (${message})` };
    }
    return assessBalance(probe.balance, probe.reviewBalance, ctx.estimate);
  },
};
