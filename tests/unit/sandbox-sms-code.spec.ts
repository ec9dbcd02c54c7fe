import { expect, test } from '@playwright/test';
import { extractSmsCode } from '../../src/sandbox/core/world.ts';

/** The first run of 4–8 digits that is not part of a longer run; empty when none. */
const CODES: Array<[text: string, code: string]> = [
  ['Your code is 482913', '482913'],
  ['1234 is your code', '1234'],
  ['G-735201 is your Google verification code', '735201'],
  ['WhatsApp code 123-456', ''],
  ['Code: 12345678, expires in 10 minutes', '12345678'],
  ['Ref 123456789 then code 4321', '4321'],
  ['Call +18454123223 and enter 9090', '9090'],
  ['No digits here', ''],
  ['Only 123 and 45', ''],
];
for (const [text, code] of CODES) {
  test(`the server-side code of ${JSON.stringify(text)} is ${JSON.stringify(code)}`, () => {
    expect(extractSmsCode(text)).toBe(code);
  });
}
