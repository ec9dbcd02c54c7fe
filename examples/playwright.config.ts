/**
 * The demo: `npm run demo` builds the package, then this config starts the TempNumber sandbox
 * and the Acme signup app, and runs the example specs against them with 4 workers.
 *
 * Debug one test in a visible browser: `npm run demo -- --headed --workers=1 -g "mistyped"`.
 *
 * Environment (all optional):
 * - `SANDBOX_PORT` (8787), `APP_PORT` (3100): ports on 127.0.0.1; a server already listening
 *   there is reused outside CI.
 * - `SANDBOX_TIME_SCALE` (1): how much faster the sandbox's API clock runs.
 * - `SANDBOX_API` (`tempnumber-v1`): the API the sandbox speaks, `tempnumber-v1` or `platfone`.
 * - `SMS_GATEWAY_URL`: where the app sends SMS (default: the sandbox's carrier).
 * - `TEMPNUMBER_BASE_URL` + `TEMPNUMBER_API_KEY`: run against another server instead.
 * - `TEMPNUMBER_RUNTIME_DIR`: the broker's folder (default: a fresh one per run, see demo-env.ts).
 * - `DEMO_SUMMARY_FILE`: where the reporter writes its JSON summary.
 * - `PLAYWRIGHT_JSON_OUTPUT_NAME`: also write Playwright's JSON report there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, defineConfig, type ReporterDescription } from '@playwright/test';
import type { TempNumberOptions } from 'playwright-tempnumber';
import { resolveChromium } from '../src/config/chromium.ts';
import {
  apiFromEnv,
  DEFAULT_PORTS,
  portFromEnv,
  positiveFromEnv,
  SANDBOX_API_KEY,
  useSandboxUnlessConfigured,
} from './demo-env.ts';

const repoRoot = join(import.meta.dirname, '..');
const sandboxCli = join(repoRoot, 'dist/src/cli/main.js');
const appServer = join(import.meta.dirname, 'app/server.ts');
for (const built of [sandboxCli, join(repoRoot, 'dist/fixtures/index.js')]) {
  if (!existsSync(built)) {
    throw new Error(
      `The demo runs the built package, and ${built} is missing: run \`npm run build\` first (\`npm run demo\` does).`,
    );
  }
}

const browser = resolveChromium(chromium.executablePath());
if (!browser.found) throw new Error(`The demo needs Chromium: ${browser.description}`);

const sandboxPort = portFromEnv('SANDBOX_PORT', DEFAULT_PORTS.sandbox);
const appPort = portFromEnv('APP_PORT', DEFAULT_PORTS.app);
const timeScale = positiveFromEnv('SANDBOX_TIME_SCALE', 1);
const api = apiFromEnv();
const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
const appUrl = `http://127.0.0.1:${appPort}`;

// This config IS the explicit choice to use the sandbox: the library itself never falls back to
// it (a CI job with a missing secret must not pass on fake numbers). Variables the user set win.
useSandboxUnlessConfigured(`${sandboxUrl}/api/v1`, timeScale, process.env, api);

const node = JSON.stringify(process.execPath);
const reuseExistingServer = !process.env.CI;

// Users write 'playwright-tempnumber/reporter'. Playwright resolves reporter names from
// node_modules, where this repo does not install itself, so resolve the name from here (a
// package may import itself by name) and hand Playwright the file.
const reporterFile = fileURLToPath(import.meta.resolve('playwright-tempnumber/reporter'));
const reporter: ReporterDescription[] = [
  ['list'],
  [reporterFile, { outputFile: process.env.DEMO_SUMMARY_FILE ?? 'test-results/tempnumber-summary.json' }],
];
// Machine-readable results when asked for (CI, tests/e2e/demo.spec.ts).
if (process.env.PLAYWRIGHT_JSON_OUTPUT_NAME) reporter.push(['json']);

export default defineConfig<TempNumberOptions>({
  testDir: './tests',
  outputDir: 'test-results',
  fullyParallel: true,
  workers: 4,
  forbidOnly: !!process.env.CI,
  // Phone tests touch real (or realistic) numbers: a retry leases and pays for another one, so
  // a failure is reported as it is rather than retried away.
  retries: 0,
  timeout: 60_000,
  reporter,
  globalTeardown: './stop-demo-broker.ts',
  use: {
    baseURL: appUrl,
    trace: 'retain-on-failure',
    launchOptions: {
      args: browser.args,
      ...(browser.executablePath ? { executablePath: browser.executablePath } : {}),
    },
    // Defaults of every example; a spec file overrides any of them with test.use().
    phoneService: 'facebook',
    phoneCountry: ['us', 'gb'],
    phoneMaxPrice: 0.8,
  },
  webServer: [
    {
      name: 'sandbox',
      command: `${node} ${JSON.stringify(sandboxCli)} sandbox --port ${sandboxPort} --api-key ${SANDBOX_API_KEY} --time-scale ${timeScale} --api ${api}`,
      url: `${sandboxUrl}/sandbox/state`,
      reuseExistingServer,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      name: 'app',
      command: `${node} ${JSON.stringify(appServer)}`,
      env: {
        APP_PORT: String(appPort),
        SMS_GATEWAY_URL: process.env.SMS_GATEWAY_URL ?? `${sandboxUrl}/sandbox/sms`,
      },
      url: `${appUrl}/healthz`,
      reuseExistingServer,
      timeout: 30_000,
      // The app's log lines ("SMS to … failed: …") belong next to a failing test's output.
      stdout: 'pipe',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
  ],
});
