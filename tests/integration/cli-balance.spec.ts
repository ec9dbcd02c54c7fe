import { expect, test } from '@playwright/test';
import { accountId } from '../../src/config/settings.ts';
import { runCli, useCliWorld } from '../helpers/cli-process.ts';

// Distinctive, so a leak anywhere in the output is caught by a plain substring search.
const KEY = 'tn_cli_balance_KEY_5e1d9a77c3';
const w = useCliWorld(KEY, { balance: 12.34 });

test('balance prints the balance, the balance in review and the account hash, never the key', async () => {
  const run = await runCli(['balance'], w.env, w.work.dir);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/Balance\s+\$12\.34/);
  expect(run.stdout).toMatch(/In review\s+\$0\.00/);
  expect(run.stdout).toContain(accountId({ apiKey: KEY, baseUrl: w.sandbox.apiUrl }));
  // Which API the account is on: a local sandbox's host says v1 unless TEMPNUMBER_API says otherwise.
  expect(run.stdout).toMatch(/Account\s+\S+ \(tempnumber-v1, http/);
  expect(run.stdout + run.stderr).not.toContain(KEY);
});

test('balance --json prints the figures as numbers in USD', async () => {
  w.sandbox.setBalance(KEY, 3.5);
  const run = await runCli(['balance', '--json'], w.env, w.work.dir);
  expect(run.code).toBe(0);
  expect(run.json()).toEqual({
    account: accountId({ apiKey: KEY, baseUrl: w.sandbox.apiUrl }),
    api: 'tempnumber-v1',
    baseUrl: w.sandbox.apiUrl,
    currency: 'USD',
    balance: 3.5,
    reviewBalance: 0,
  });
});

test('a refused key exits 5 with what to check, and the key stays out of the output', async () => {
  const wrong = 'tn_cli_WRONG_key_0a8b7c6d5e';
  const run = await runCli(['balance'], { ...w.env, TEMPNUMBER_API_KEY: wrong }, w.work.dir);
  expect(run.code).toBe(5);
  expect(run.stderr).toContain('401 UnauthorizedException');
  expect(run.stderr).toContain('check TEMPNUMBER_API_KEY');
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack for an expected error
  expect(run.stdout + run.stderr).not.toContain(wrong);
});

test('a missing key exits 3 with how to set it, before any request', async () => {
  const run = await runCli(['balance', '--json'], { ...w.env, TEMPNUMBER_API_KEY: undefined }, w.work.dir);
  expect(run.code).toBe(3);
  const { error } = run.json<{ error: { name: string; message: string; exitCode: number } }>();
  expect(error).toMatchObject({ name: 'ConfigurationError', exitCode: 3 });
  expect(error.message).toContain('TEMPNUMBER_API_KEY is not set');
  expect(w.sandbox.state().requests).toBe(0);
});
