/**
 * Which Chromium the Playwright configs launch. Playwright's own build when it is installed;
 * otherwise a system Chromium (`CHROMIUM_PATH`, else /usr/bin/chromium), as on machines where
 * `npx playwright install` cannot download browsers.
 */
import { existsSync } from 'node:fs';

/** Flags a root, headless CI box on a closed network needs (no sandbox as root; no phoning home). */
export const CI_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export interface ChromiumChoice {
  /** Undefined: use Playwright's own Chromium. */
  executablePath: string | undefined;
  args: string[];
  /** Human-readable: which Chromium, or why none was found. */
  description: string;
  found: boolean;
}

/**
 * @param playwrightChromiumPath what `chromium.executablePath()` of Playwright says (may not exist).
 */
export function resolveChromium(
  playwrightChromiumPath: string,
  env: NodeJS.ProcessEnv = process.env,
): ChromiumChoice {
  const override = env.CHROMIUM_PATH?.trim();
  if (override) {
    return {
      executablePath: override,
      args: [...CI_CHROMIUM_ARGS],
      description: `CHROMIUM_PATH=${override}`,
      found: existsSync(override),
    };
  }
  if (playwrightChromiumPath && existsSync(playwrightChromiumPath)) {
    return {
      executablePath: undefined,
      args: [...CI_CHROMIUM_ARGS],
      description: "Playwright's Chromium",
      found: true,
    };
  }
  const system = '/usr/bin/chromium';
  return {
    executablePath: system,
    args: [...CI_CHROMIUM_ARGS],
    description: existsSync(system)
      ? `system Chromium at ${system}`
      : `no Chromium: neither Playwright's (${playwrightChromiumPath}) nor ${system} exists. ` +
        'Run `npx playwright install chromium`, or install a system Chromium (Debian: apt-get install chromium), ' +
        'or set CHROMIUM_PATH.',
    found: existsSync(system),
  };
}
