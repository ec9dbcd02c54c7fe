import type { PreflightCheck } from '../check-types.ts';
import { displayUrl } from '../display-url.ts';

/**
 * TEMPNUMBER_API_KEY and friends resolve (environment or `.env`). A time scale other than 1 off
 * loopback never gets here: resolveSettings refuses it, and that refusal is this check's failure.
 */
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
    const { baseUrl, timeScale } = ctx.settings;
    // Said on the line even when allowed: the same variable left set is refused once the base
    // URL points at the real API, and this is where a user looks first.
    const scale =
      timeScale === 1
        ? ''
        : `; time scale ${timeScale}× (TEMPNUMBER_TIME_SCALE, allowed only because the API is on loopback; unset it before using the real API)`;
    return {
      level: 'ok',
      line: `TEMPNUMBER_API_KEY is set (account ${ctx.account}); API ${displayUrl(baseUrl)}${scale}`,
    };
  },
};
