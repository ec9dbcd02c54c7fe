import { chromium, defineConfig } from '@playwright/test';
import { resolveChromium } from './src/config/chromium.ts';

const browser = resolveChromium(chromium.executablePath());

export default defineConfig({
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
  ],
});
