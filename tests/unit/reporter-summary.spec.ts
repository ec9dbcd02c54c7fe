import { expect, test } from '@playwright/test';
import { formatUsd } from '../../src/contract/money.ts';
import type { ActivationReport } from '../../src/reporter/activations-attachment.ts';
import { formatMs, formatSummary } from '../../src/reporter/format-summary.ts';
import { percentile, summarizeActivations } from '../../src/reporter/summarize-activations.ts';

function activation(overrides: Partial<ActivationReport> & Pick<ActivationReport, 'id'>): ActivationReport {
  return {
    number: `+1845412${String(overrides.id).padStart(4, '0')}`,
    service: 'facebook',
    country: 'us',
    price: 0.45,
    state: 'smsReceived',
    status: 'smsReceived',
    outcome: 'finalized',
    refunded: undefined,
    owner: 'a.spec.ts › t',
    leasedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T00:20:00.000Z',
    releasedAt: '2026-01-01T00:00:05.000Z',
    smsAt: '2026-01-01T00:00:02.000Z',
    codeLatenciesMs: [],
    budgetWaitMs: 0,
    skippedCountries: [],
    ...overrides,
  };
}

test.describe('percentile (nearest rank)', () => {
  test('is null for no values', () => {
    expect(percentile([], 50)).toBeNull();
  });
  test('picks an observed value', () => {
    expect(percentile([300, 100, 200], 50)).toBe(200);
    expect(percentile([100, 200, 300, 400], 50)).toBe(200);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100], 95)).toBe(19);
    expect(percentile([5], 95)).toBe(5);
  });
  test('rejects a p outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow('Expected `p` to be in (0, 100], got 0');
  });
});

test.describe('run summary', () => {
  test('counts outcomes, codes and money; cancelled numbers cost only when a late SMS was billed', () => {
    const summary = summarizeActivations([
      activation({ id: '1', price: 0.45, codeLatenciesMs: [1000] }),
      activation({ id: '2', price: 0.25, codeLatenciesMs: [3000, 2000] }),
      activation({ id: '3', price: 0.6, outcome: 'cancelled', refunded: true, smsAt: undefined }),
      activation({ id: '4', price: 0.1, outcome: 'cancelled', refunded: false }),
      activation({ id: '5', price: 0.2, outcome: 'cancelled', refunded: undefined, smsAt: undefined }),
    ]);
    expect(summary).toMatchObject({
      leased: 5,
      codes: 3,
      finalized: 2,
      cancelled: 3,
      refundsConfirmed: 1,
      spentUsd: 0.8,
      awaitingRefundUsd: 0.2,
      codeLatencyMs: { p50: 2000, p95: 3000 },
    });
  });

  test('adds budget waits and takes their p95', () => {
    const summary = summarizeActivations([
      activation({ id: '1', budgetWaitMs: 0 }),
      activation({ id: '2', budgetWaitMs: 1500 }),
      activation({ id: '3', budgetWaitMs: 250.4 }),
    ]);
    expect(summary.budgetWaitMs).toEqual({ total: 1750, p95: 1500 });
  });

  test('money is summed without floating-point drift', () => {
    const summary = summarizeActivations([
      activation({ id: '1', price: 0.1 }),
      activation({ id: '2', price: 0.2 }),
    ]);
    expect(summary.spentUsd).toBe(0.3);
  });

  test('an activation reported twice counts once, with its last state', () => {
    const summary = summarizeActivations([
      activation({ id: '7', outcome: 'waiting' }),
      activation({ id: '7', outcome: 'finalized', codeLatenciesMs: [10] }),
    ]);
    expect(summary).toMatchObject({ leased: 1, finalized: 1, codes: 1 });
  });

  test('an empty run is all zeros and nulls', () => {
    expect(summarizeActivations([])).toEqual({
      leased: 0,
      codes: 0,
      finalized: 0,
      cancelled: 0,
      refundsConfirmed: 0,
      spentUsd: 0,
      awaitingRefundUsd: 0,
      codeLatencyMs: { p50: null, p95: null },
      budgetWaitMs: { total: 0, p95: null },
      activations: [],
    });
  });
});

test.describe('summary text', () => {
  test('names counts, money, latency and budget waits', () => {
    const text = formatSummary(
      summarizeActivations([
        activation({ id: '1', price: 0.45, codeLatenciesMs: [1200], budgetWaitMs: 40 }),
        activation({ id: '2', price: 0.25, outcome: 'cancelled' }),
      ]),
    );
    expect(text).toBe(
      'TempNumber: 2 numbers leased, 1 code received, 1 finalized, 1 cancelled (0 refunds confirmed); $0.45 spent, $0.25 awaiting refund.\n' +
        '  code latency p50 1.2 s, p95 1.2 s; rate-limit budget waits 40 ms total, p95 40 ms.',
    );
  });

  test('an empty run is one line', () => {
    expect(formatSummary(summarizeActivations([]))).toBe(
      'TempNumber: 0 numbers leased, 0 codes received, 0 finalized, 0 cancelled; $0.00 spent.',
    );
  });

  test('units', () => {
    expect(formatUsd(0.45)).toBe('$0.45');
    expect(formatUsd(0.125)).toBe('$0.125');
    expect(formatUsd(2)).toBe('$2.00');
    expect(formatMs(999)).toBe('999 ms');
    expect(formatMs(1049)).toBe('1.0 s');
  });
});
