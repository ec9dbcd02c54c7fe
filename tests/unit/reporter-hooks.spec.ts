import { readFile, writeFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import type { FullConfig, FullResult, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import {
  ACTIVATIONS_ATTACHMENT_NAME,
  type ActivationReport,
  parseActivationsAttachment,
  serializeActivationsAttachment,
} from '../../src/reporter/activations-attachment.ts';
import TempNumberReporter from '../../src/reporter/index.ts';
import { withLedgerRefunds } from '../../src/reporter/ledger-refunds.ts';

const report: ActivationReport = {
  id: '11',
  number: '+18454123223',
  service: 'facebook',
  country: 'us',
  price: 0.45,
  state: 'smsReceived',
  status: 'smsReceived',
  outcome: 'finalized',
  refunded: undefined,
  owner: 'a.spec.ts › signs up',
  leasedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:20:00.000Z',
  releasedAt: '2026-01-01T00:00:05.000Z',
  smsAt: '2026-01-01T00:00:02.000Z',
  codeLatenciesMs: [900],
  budgetWaitMs: 12,
  skippedCountries: [],
};

// Only the fields the reporter reads; the rest of Playwright's objects do not matter to it.
const config = { configFile: undefined, rootDir: '/nowhere' } as unknown as FullConfig;
const suite = {} as Suite;
const testCase = {} as TestCase;
const resultWith = (attachments: TestResult['attachments']) => ({ attachments }) as TestResult;
const ended = { status: 'passed' } as FullResult;

function captureConsole(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  console.error = (...args: unknown[]) => lines.push(args.join(' '));
  return {
    lines,
    restore() {
      console.log = log;
      console.error = error;
    },
  };
}

test.describe('attachment format', () => {
  test('round-trips, and explicit undefined fields come back', () => {
    expect(parseActivationsAttachment(serializeActivationsAttachment([report]))).toEqual([report]);
  });

  test('an attachment written before the seam (integer ids) is read with text ids', () => {
    const { state: _, ...before } = report;
    const body = serializeActivationsAttachment([{ ...before, id: 11 } as unknown as ActivationReport]);
    const [read] = parseActivationsAttachment(body);
    expect(read).toMatchObject({ ...before, id: '11' });
    expect(typeof read?.id).toBe('string');
  });

  test('a report with a text id that is not an integer (another provider’s) is kept as it is', () => {
    const other = { ...report, id: 'a1b2-c3' };
    expect(parseActivationsAttachment(serializeActivationsAttachment([other]))).toEqual([other]);
  });

  test('ignores bodies that are not activation reports', () => {
    expect(parseActivationsAttachment('not json')).toEqual([]);
    expect(parseActivationsAttachment('{"activations": [{"id": "x"}, 3]}')).toEqual([]);
  });
});

test.describe('TempNumberReporter', () => {
  test('summarizes attachments and writes outputFile relative to the config dir', async () => {
    const dir = test.info().outputPath();
    const reporter = new TempNumberReporter({
      outputFile: 'out/summary.json',
      configDir: dir,
      ledgerFile: false,
    } as never);
    const out = captureConsole();
    try {
      reporter.onBegin(config, suite);
      reporter.onTestEnd(
        testCase,
        resultWith([
          {
            name: ACTIVATIONS_ATTACHMENT_NAME,
            contentType: 'application/json',
            body: Buffer.from(serializeActivationsAttachment([report])),
          },
          { name: 'screenshot', contentType: 'image/png', body: Buffer.from('png') },
        ]),
      );
      reporter.onEnd(ended);
    } finally {
      out.restore();
    }
    expect(out.lines.join('\n')).toContain('TempNumber: 1 number leased, 1 code received, 1 finalized');
    const written = JSON.parse(await readFile(`${dir}/out/summary.json`, 'utf8'));
    expect(written).toMatchObject({
      leased: 1,
      codes: 1,
      finalized: 1,
      cancelled: 0,
      refundsConfirmed: 0,
      spentUsd: 0.45,
      codeLatencyMs: { p50: 900, p95: 900 },
      budgetWaitMs: { total: 12, p95: 12 },
      activations: [{ id: '11', number: '+18454123223' }],
    });
  });

  test('quiet prints nothing', () => {
    const reporter = new TempNumberReporter({ quiet: true, ledgerFile: false });
    const out = captureConsole();
    try {
      reporter.onBegin(config, suite);
      reporter.onEnd(ended);
    } finally {
      out.restore();
    }
    expect(out.lines).toEqual([]);
  });

  test('never throws from a hook: a broken attachment or an unwritable file is a warning', async () => {
    // A regular file where the output folder should be: mkdir fails with EEXIST.
    const blocker = test.info().outputPath('blocker');
    await writeFile(blocker, '');
    const reporter = new TempNumberReporter({ outputFile: `${blocker}/summary.json`, ledgerFile: false });
    const out = captureConsole();
    try {
      reporter.onBegin(config, suite);
      reporter.onTestEnd(
        testCase,
        resultWith([
          { name: ACTIVATIONS_ATTACHMENT_NAME, contentType: 'application/json', path: '/does/not/exist' },
        ]),
      );
      reporter.onEnd(ended);
    } finally {
      out.restore();
    }
    expect(out.lines.join('\n')).toMatch(/reporter: onTestEnd failed .*ENOENT/);
    expect(out.lines.join('\n')).toMatch(/reporter: onEnd failed \(EEXIST.*blocker/);
  });

  test('prints to stdio only at the end, so Playwright keeps its own progress reporter', () => {
    expect(new TempNumberReporter().printsToStdio()).toBe(false);
  });
});

test.describe('refunds from the ledger', () => {
  const cancelled: ActivationReport = {
    ...report,
    id: '21',
    state: 'waitingForSms',
    status: 'smsRequested',
    outcome: 'cancelled',
    smsAt: undefined,
    codeLatenciesMs: [],
  };

  test('a refund the broker learned after the test counts as confirmed and costs nothing', async () => {
    const ledger = test.info().outputPath('ledger.jsonl');
    const { codeLatenciesMs, budgetWaitMs, skippedCountries, ...record } = cancelled;
    await writeFile(
      ledger,
      [
        JSON.stringify(record),
        '{"torn line',
        JSON.stringify({ ...record, state: 'refunded', status: 'refunded', refunded: true }),
        JSON.stringify({ ...record, id: '999', refunded: false }),
      ].join('\n'),
    );
    expect(withLedgerRefunds([cancelled, report], ledger)).toEqual([
      { ...cancelled, refunded: true, state: 'refunded', status: 'refunded' },
      report,
    ]);
    const reporter = new TempNumberReporter({ quiet: true, ledgerFile: ledger });
    reporter.onBegin(config, suite);
    reporter.onTestEnd(
      testCase,
      resultWith([
        {
          name: ACTIVATIONS_ATTACHMENT_NAME,
          contentType: 'application/json',
          body: Buffer.from(serializeActivationsAttachment([cancelled])),
        },
      ]),
    );
    expect(reporter.summary()).toMatchObject({
      cancelled: 1,
      refundsConfirmed: 1,
      spentUsd: 0,
      awaitingRefundUsd: 0,
    });
  });

  test('a ledger line written before the seam (integer id, no state) confirms the refund of a text id', async () => {
    const ledger = test.info().outputPath('old-ledger.jsonl');
    const { codeLatenciesMs, budgetWaitMs, skippedCountries, state, ...record } = cancelled;
    await writeFile(ledger, JSON.stringify({ ...record, id: 21, status: 'refunded', refunded: true }));
    expect(withLedgerRefunds([cancelled], ledger)).toEqual([
      { ...cancelled, refunded: true, state: 'refunded', status: 'refunded' },
    ]);
  });

  test('a missing ledger leaves refunds unknown', () => {
    expect(withLedgerRefunds([cancelled], test.info().outputPath('nope.jsonl'))).toEqual([cancelled]);
  });
});
