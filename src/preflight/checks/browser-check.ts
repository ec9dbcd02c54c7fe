import { resolveChromium } from '../../config/chromium.ts';
import type { PreflightCheck } from '../check-types.ts';

/** A Chromium to launch exists: the config's own, Playwright's, CHROMIUM_PATH, or the system's. */
export const browserCheck: PreflightCheck = {
  id: 'browser',
  title: 'Chromium',
  needs: [],
  async run(ctx) {
    // resolveChromium reads only CHROMIUM_PATH from its env: the config's own path stands in for it.
    const env = ctx.browserExecutablePath ? { CHROMIUM_PATH: ctx.browserExecutablePath } : ctx.env;
    const choice = resolveChromium(await playwrightChromiumPath(), env);
    if (choice.found) return { level: 'ok', line: `${choice.description} is installed` };
    const missing = choice.description.startsWith('no Chromium')
      ? choice.description
      : `${choice.description} does not exist. Fix the path, or unset it to use Playwright's Chromium (\`npx playwright install chromium\`).`;
    return { level: 'fail', line: missing };
  },
};

/** Where Playwright's own Chromium would be; '' when @playwright/test cannot be loaded. */
async function playwrightChromiumPath(): Promise<string> {
  try {
    const { chromium } = await import('@playwright/test');
    return chromium.executablePath();
  } catch {
    return '';
  }
}
