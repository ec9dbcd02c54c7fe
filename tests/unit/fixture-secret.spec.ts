import { inspect } from 'node:util';
import { expect, test } from '@playwright/test';
import { revealSecret, tempnumberSecret } from '../../fixtures/options.ts';

test.describe('tempnumberSecret', () => {
  const secret = tempnumberSecret('sk-live-abc123');

  test('prints and serializes as [redacted] every way Playwright or a user might print it', () => {
    expect(JSON.stringify({ use: { tempnumberApiKey: secret } })).toBe(
      '{"use":{"tempnumberApiKey":"[redacted]"}}',
    );
    expect(String(secret)).toBe('[redacted]');
    expect(`${secret}`).toBe('[redacted]');
    expect(inspect({ secret })).toBe('{ secret: TempNumberSecret([redacted]) }');
    expect(Object.keys(secret)).toEqual([]);
  });

  test('reveals the value to the fixture only', () => {
    expect(revealSecret(secret)).toBe('sk-live-abc123');
    expect(revealSecret('plain')).toBe('plain');
    expect(revealSecret(undefined)).toBeUndefined();
  });

  test('refuses an empty value, so an unset variable is caught where it is wrapped', () => {
    expect(() => tempnumberSecret(process.env.SURELY_NOT_SET_VARIABLE as string)).toThrow(
      'Expected `tempnumberSecret()` to get a non-empty string (is the variable set?)',
    );
  });
});
