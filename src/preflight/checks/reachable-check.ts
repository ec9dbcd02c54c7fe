import { ApiError } from '../../contract/errors/api-error.ts';
import type { PreflightCheck } from '../check-types.ts';
import { displayUrl } from '../display-url.ts';

/** The base URL answers like the TempNumber API (any API answer counts, even a refusal). */
export const reachableCheck: PreflightCheck = {
  id: 'reachable',
  title: 'API reachable',
  needs: ['settings'],
  async run(ctx) {
    const url = displayUrl(ctx.settings?.baseUrl ?? '');
    const probe = await ctx.balanceProbe();
    if (!probe.ok && probe.brokerFailed) {
      // The API is only read through the broker; without one there is nothing to check with.
      const message = probe.error instanceof Error ? probe.error.message : String(probe.error);
      return {
        level: 'fail',
        line: `not checked: no broker could be reached or started to read ${url}: ${message}`,
      };
    }
    if (probe.ok || probe.error instanceof ApiError) {
      return { level: 'ok', line: `${url} answered in ${Math.round(probe.elapsedMs)} ms` };
    }
    const error = probe.error;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === 'UnexpectedResponseError') {
      return { level: 'fail', line: `${url} answered, but not like the TempNumber API: ${message}` };
    }
    return {
      level: 'fail',
      line:
        `Cannot reach ${url}: ${message} ` +
        'If you use the local sandbox, start it (`npx playwright-tempnumber sandbox`) and point TEMPNUMBER_BASE_URL at its /api/v1.',
    };
  },
};
