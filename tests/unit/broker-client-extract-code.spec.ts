import { expect, test } from '@playwright/test';
import { ConfigurationError } from '../../src/contract/errors.ts';
import {
  type CodeSource,
  compileCodePattern,
  DEFAULT_CODE_PATTERN,
  extractCode,
} from '../../src/contract/sms-code.ts';

const cases: Array<{
  title: string;
  sms: CodeSource;
  pattern?: RegExp | string;
  expected: string | undefined;
}> = [
  {
    title: 'a pattern with a group yields the group',
    sms: { text: 'Your code: AB-4471', apiCode: '' },
    pattern: /code: ([A-Z]{2}-\d+)/,
    expected: 'AB-4471',
  },
  {
    title: 'a pattern without a group yields the whole match',
    sms: { text: 'Use G-8812 to sign in', apiCode: '' },
    pattern: /G-\d{4}/,
    expected: 'G-8812',
  },
  {
    title: 'a group named code wins over an earlier group',
    sms: { text: 'ref 77 code 5501', apiCode: '' },
    pattern: /ref (\d+) code (?<code>\d+)/,
    expected: '5501',
  },
  {
    title: 'an optional group that took no part falls back to the whole match',
    sms: { text: 'PIN 9087', apiCode: '' },
    pattern: /(x)?\d{4}/,
    expected: '9087',
  },
  {
    title: 'a string pattern is compiled with new RegExp',
    sms: { text: 'Code is 123-456', apiCode: '' },
    pattern: '(\\d{3}-\\d{3})',
    expected: '123-456',
  },
  {
    title: 'a pattern wins over the API code',
    sms: { text: 'Your code is 111222, ref 999', apiCode: '999' },
    pattern: /is (\d+)/,
    expected: '111222',
  },
  {
    title: 'a pattern that matches nothing yields undefined',
    sms: { text: 'hello there', apiCode: '1234' },
    pattern: /\d{6}/,
    expected: undefined,
  },
  {
    title: 'a global pattern gives the same answer every time',
    sms: { text: 'code 4242', apiCode: '' },
    pattern: /\d{4}/g,
    expected: '4242',
  },
  {
    title: 'without a pattern the API code (string) is used',
    sms: { text: 'Your code is 123456', apiCode: '654321' },
    expected: '654321',
  },
  {
    title: 'without a pattern the API code (number) is used as text',
    sms: { text: 'Your code is 123456', apiCode: 48213 },
    expected: '48213',
  },
  {
    title: 'an empty API code falls back to the default pattern',
    sms: { text: 'Your code is 123456', apiCode: '' },
    expected: '123456',
  },
  {
    title: 'a blank or missing API code falls back to the default pattern',
    sms: { text: 'G-7731 is your code', apiCode: '   ' },
    expected: '7731',
  },
  {
    title: 'the default pattern skips longer digit runs such as phone numbers',
    sms: { text: 'From 18454123223: your code is 8842', apiCode: null },
    expected: '8842',
  },
  {
    title: 'the default pattern ignores runs shorter than 4 digits',
    sms: { text: 'Step 2 of 3: enter 55667', apiCode: undefined },
    expected: '55667',
  },
  {
    title: 'no code anywhere yields undefined',
    sms: { text: 'Welcome! Call 123456789 for help', apiCode: '' },
    expected: undefined,
  },
];

test.describe('extractCode', () => {
  for (const c of cases) {
    test(c.title, () => {
      expect(extractCode(c.sms, c.pattern)).toBe(c.expected);
    });
  }

  test('the default pattern is a 4–8 digit run not next to other digits', () => {
    expect(DEFAULT_CODE_PATTERN.exec('123456789')).toBeNull();
    expect(DEFAULT_CODE_PATTERN.exec('a12345678b')?.[1]).toBe('12345678');
  });
});

test.describe('compileCodePattern', () => {
  test('an invalid string pattern is a ConfigurationError naming it', () => {
    const attempt = () => compileCodePattern('(\\d{6');
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/"\(\\\\d\{6" is not a valid regular expression/);
  });

  test('an invalid pattern fails extractCode the same way', () => {
    expect(() => extractCode({ text: '123456', apiCode: '' }, '[')).toThrow(ConfigurationError);
  });

  test('drops the g and y flags and keeps the others', () => {
    const compiled = compileCodePattern(/code (\d+)/giy);
    expect(compiled.flags).toBe('i');
    expect(compiled.source).toBe('code (\\d+)');
  });
});
