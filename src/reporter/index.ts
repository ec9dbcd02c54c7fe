/**
 * `playwright-tempnumber/reporter`: a run summary of the numbers the tests leased — how many,
 * codes received, finalized/cancelled, money spent, code latency and rate-limit budget waits.
 *
 * @example
 * ```ts
 * // playwright.config.ts
 * export default defineConfig({
 *   reporter: [['list'], ['playwright-tempnumber/reporter', { outputFile: 'tempnumber-summary.json' }]],
 * });
 * ```
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type {
  FullConfig,
  FullResult,
  Reporter,
  Suite,
  TestCase,
  TestResult,
} from '@playwright/test/reporter';
import {
  ACTIVATIONS_ATTACHMENT_NAME,
  type ActivationReport,
  parseActivationsAttachment,
} from './activations-attachment.ts';
import { formatSummary } from './format-summary.ts';
import { ledgerPathFromEnvironment, withLedgerRefunds } from './ledger-refunds.ts';
import { type RunSummary, summarizeActivations } from './summarize-activations.ts';

/** Options of the reporter, as the second element of its `reporter` entry. */
export interface TempNumberReporterOptions {
  /**
   * Also write the summary as JSON to this file, relative to the config file's folder.
   * @default undefined (no file)
   * @example 'test-results/tempnumber-summary.json'
   */
  outputFile?: string;
  /**
   * Print nothing to the terminal (use with `outputFile`).
   * @default false
   */
  quiet?: boolean;
  /**
   * The broker's ledger to read refunds from at the end of the run (refunds arrive when a
   * cancelled number expires, after its test). `false` skips it.
   * @default the ledger of the account in TEMPNUMBER_API_KEY / TEMPNUMBER_BASE_URL / TEMPNUMBER_RUNTIME_DIR (or .env)
   */
  ledgerFile?: string | false;
}

/** Extra options Playwright passes to every reporter. */
interface PlaywrightReporterExtras {
  configDir?: string;
  _mode?: string;
}

/**
 * Reads the `tempnumber-activations.json` attachment of each test result and summarizes the run
 * in `onEnd`. It never throws from a hook: a reporter bug must not fail or hide a test run.
 */
export default class TempNumberReporter implements Reporter {
  private readonly options: TempNumberReporterOptions & PlaywrightReporterExtras;
  private readonly activations: ActivationReport[] = [];
  private configDir: string = process.cwd();

  constructor(options: TempNumberReporterOptions = {}) {
    this.options = options;
  }

  /** Only an end-of-run summary: Playwright still adds its own progress reporter when this is the only one. */
  printsToStdio(): boolean {
    return false;
  }

  onBegin(config: FullConfig, _suite: Suite): void {
    this.guard('onBegin', () => {
      this.configDir =
        this.options.configDir ?? (config.configFile ? dirname(config.configFile) : config.rootDir);
    });
  }

  onTestEnd(_test: TestCase, result: TestResult): void {
    this.guard('onTestEnd', () => {
      for (const attachment of result.attachments) {
        if (attachment.name !== ACTIVATIONS_ATTACHMENT_NAME) continue;
        const body = attachment.body ?? (attachment.path ? readFileSync(attachment.path) : undefined);
        if (body) this.activations.push(...parseActivationsAttachment(body));
      }
    });
  }

  onEnd(_result: FullResult): void {
    this.guard('onEnd', () => {
      // `playwright test --list` runs no tests; a summary of nothing would only be noise.
      if (this.options._mode === 'list') return;
      const summary = this.summary();
      if (!this.options.quiet) console.log(`\n${formatSummary(summary)}`);
      if (this.options.outputFile) {
        const file = resolve(this.configDir, this.options.outputFile);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
      }
    });
  }

  /** The summary of what was reported so far, with refunds the ledger knows of. */
  summary(): RunSummary {
    const ledger =
      this.options.ledgerFile === false
        ? undefined
        : this.options.ledgerFile === undefined
          ? ledgerPathFromEnvironment()
          : resolve(this.configDir, this.options.ledgerFile);
    return summarizeActivations(ledger ? withLedgerRefunds(this.activations, ledger) : this.activations);
  }

  private guard(hook: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(
        `playwright-tempnumber reporter: ${hook} failed (${message}); the run itself is unaffected.`,
      );
    }
  }
}

export { formatUsd } from '../contract/money.ts';
export type { ActivationReport, ActivationsAttachment } from './activations-attachment.ts';
export {
  ACTIVATIONS_ATTACHMENT_CONTENT_TYPE,
  ACTIVATIONS_ATTACHMENT_NAME,
  serializeActivationsAttachment,
} from './activations-attachment.ts';
export { formatMs } from './format-summary.ts';
export type { RunSummary } from './summarize-activations.ts';
