/**
 * Reading the verification code out of an SMS (DESIGN §3 step 2): the user's pattern wins when
 * given (they know their message format); otherwise the API's own `code` field; otherwise a
 * default pattern over the text. Pure: no I/O, no clock.
 */
import { ConfigurationError } from './errors.ts';

/**
 * A run of 4 to 8 digits that is not part of a longer run, so a 10-digit phone number or an
 * amount like 123456789 is not mistaken for a code.
 */
export const DEFAULT_CODE_PATTERN: RegExp = /(?<!\d)(\d{4,8})(?!\d)/;

/** What {@link extractCode} reads: the SMS text and the API's `code` field as it came. */
export interface CodeSource {
  text: string;
  /** The API's parsed code; a string in the spec, a number in some answers, '' when none. */
  apiCode?: string | number | null | undefined;
}

/**
 * Compile a user pattern. A string is passed to `new RegExp` as is; the `g`/`y` flags are
 * dropped from a RegExp because their `lastIndex` state would make repeated calls disagree.
 * Throws a {@link ConfigurationError} naming the pattern when a string is not a valid RegExp.
 */
export function compileCodePattern(pattern: RegExp | string): RegExp {
  if (pattern instanceof RegExp) {
    const flags = pattern.flags.replace(/[gy]/g, '');
    return flags === pattern.flags ? pattern : new RegExp(pattern.source, flags);
  }
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new ConfigurationError(
      `The code pattern ${JSON.stringify(pattern)} is not a valid regular expression ` +
        `(${(error as Error).message}). Pass a RegExp, or a string that \`new RegExp()\` accepts.`,
      { cause: error },
    );
  }
}

/**
 * The code of an SMS, or undefined when none can be found.
 *
 * - `pattern` given: its first capture group (a group named `code` first, when there is one),
 *   or the whole match when it has no group; the API's code is ignored then.
 * - no pattern: the API's `code` when non-empty, else the first match of
 *   {@link DEFAULT_CODE_PATTERN} in the text.
 */
export function extractCode(sms: CodeSource, pattern?: RegExp | string): string | undefined {
  if (pattern !== undefined) return firstMatch(sms.text, compileCodePattern(pattern));
  const apiCode = sms.apiCode === null || sms.apiCode === undefined ? '' : String(sms.apiCode).trim();
  if (apiCode !== '') return apiCode;
  return firstMatch(sms.text, DEFAULT_CODE_PATTERN);
}

/** How a pattern is shown in messages: `/…/flags` for a RegExp, quoted for a string. */
export function describePattern(pattern: RegExp | string): string {
  return pattern instanceof RegExp ? String(pattern) : JSON.stringify(pattern);
}

function firstMatch(text: string, regexp: RegExp): string | undefined {
  const match = regexp.exec(text);
  if (!match) return undefined;
  const named = match.groups?.code;
  if (named !== undefined) return named;
  // An optional first group that took no part in the match falls back to the whole match.
  return match.length > 1 && match[1] !== undefined ? match[1] : match[0];
}
