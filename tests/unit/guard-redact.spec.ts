import { expect, test } from '@playwright/test';
import { createCliOutput } from '../../src/cli/frame.ts';
import { MIN_SECRET_LENGTH, redactSecret, redactSecrets } from '../../src/config/redact.ts';

const KEY = 'sk_live_7f3a9c1e5b2d';

test('a key of 8 characters or more is redacted wherever it appears', () => {
  expect(MIN_SECRET_LENGTH).toBe(8);
  expect(redactSecret(`GET failed for ${KEY} (${KEY})`, KEY)).toBe('GET failed for [redacted] ([redacted])');
});

test('the sandbox key `sandbox` is too short to redact: the word stays readable', () => {
  const help =
    'start the local sandbox with `npx playwright-tempnumber sandbox` and set TEMPNUMBER_API_KEY=sandbox';
  expect(redactSecret(help, 'sandbox')).toBe(help);
  expect(redactSecrets(help, ['sandbox'])).toBe(help);
});

test('an assignment of the key variable is redacted whatever key it holds; longest secret first', () => {
  expect(redactSecrets('env: TEMPNUMBER_API_KEY=some-other-long-key', [])).toBe(
    'env: TEMPNUMBER_API_KEY=[redacted]',
  );
  expect(redactSecrets(`${KEY}-and-more ${KEY}`, [KEY, `${KEY}-and-more`])).toBe('[redacted] [redacted]');
});

test('the CLI writer uses the same rule', () => {
  const printed: string[] = [];
  const original = console.log;
  console.log = (text: string) => void printed.push(text);
  try {
    const out = createCliOutput(false);
    out.addSecret('sandbox');
    out.addSecret(KEY);
    out.line(`the sandbox answered for ${KEY}`);
  } finally {
    console.log = original;
  }
  expect(printed).toEqual(['the sandbox answered for [redacted]']);
});
