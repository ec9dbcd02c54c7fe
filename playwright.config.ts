import { chromium, defineConfig } from '@playwright/test';
import { resolveChromium } from './src/config/chromium.ts';
import type { SandboxApi } from './src/sandbox/index.ts';

const browser = resolveChromium(chromium.executablePath());

/** The worker option the e2e helpers read (tests/helpers/run-inline-test.ts). */
interface E2eOptions {
  sandboxApi: SandboxApi;
}

export default defineConfig<object, E2eOptions>({
  testDir: './tests',
  // The integration and e2e tests start real processes (sandbox, brokers, Redis, nested
  // `playwright test` runs); two workers keep a 2-core CI box responsive.
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/report.json' }]] : 'list',
  use: {
    launchOptions: {
      args: browser.args,
      ...(browser.executablePath ? { executablePath: browser.executablePath } : {}),
    },
  },
  projects: [
    { name: 'unit', testDir: './tests/unit' },
    { name: 'integration', testDir: './tests/integration', timeout: 120_000 },
    { name: 'e2e', testDir: './tests/e2e', timeout: 240_000 },
    // The same end-to-end runs against Platfone's Activation API (the sandbox's second dialect).
    {
      name: 'e2e-platfone',
      testDir: './tests/e2e',
      timeout: 240_000,
      use: { sandboxApi: 'platfone' },
    },
  ],
});
