// Lookarounds: a run of 4–8 digits that is part of a longer run (a phone number) is no code.
const CODE_PATTERN = /(?<!\d)\d{4,8}(?!\d)/;

/**
 * The code the sandbox reports for an SMS text: the first run of 4–8 digits, as a string; empty
 * when there is none (reference "Decisions": server-side code extraction).
 */
export function extractSmsCode(text: string): string {
  return CODE_PATTERN.exec(text)?.[0] ?? '';
}
