import { ApiError } from '../../contract/errors/api-error.ts';
import type { PreflightCheck } from '../check-types.ts';
import { refusalHint } from '../refusal-hints.ts';

/** The API accepts the key (GET /user/balance is not 401). */
export const apiKeyCheck: PreflightCheck = {
  id: 'api-key',
  title: 'API key',
  needs: ['reachable'],
  async run(ctx) {
    const probe = await ctx.balanceProbe();
    if (probe.ok) return { level: 'ok', line: `the API key was accepted (account ${ctx.account})` };
    const error = probe.error;
    if (error instanceof ApiError && error.family === 'unauthorized') {
      return {
        level: 'fail',
        line:
          `The API key was refused: check TEMPNUMBER_API_KEY (account ${ctx.account}; TempNumber answered ` +
          `${error.status} ${error.errorName}). Create a key in the TempNumber web app: side menu "API" → generate.`,
      };
    }
    if (error instanceof ApiError && error.family === 'rateLimited') {
      return { level: 'warn', line: `not verified: ${refusalHint(error)}` };
    }
    const message = error instanceof Error ? error.message : String(error);
    const hint = refusalHint(error);
    return { level: 'fail', line: hint ? `${message} ${hint}` : message };
  },
};
