import type { PreflightCheck } from '../check-types.ts';
import { displayUrl } from '../display-url.ts';

/** TEMPNUMBER_API_KEY and friends resolve (environment or `.env`). */
export const settingsCheck: PreflightCheck = {
  id: 'settings',
  title: 'settings',
  needs: [],
  async run(ctx) {
    if (!ctx.settings) {
      const message =
        ctx.settingsError instanceof Error ? ctx.settingsError.message : String(ctx.settingsError);
      return { level: 'fail', line: message };
    }
    const scale = ctx.settings.timeScale === 1 ? '' : `; time scale ${ctx.settings.timeScale}×`;
    return {
      level: 'ok',
      line: `TEMPNUMBER_API_KEY is set (account ${ctx.account}); API ${displayUrl(ctx.settings.baseUrl)}${scale}`,
    };
  },
};
