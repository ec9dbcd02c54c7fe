/**
 * The app's phone validation, as strict as a real sign-up form: international format only, so
 * the number the test types (`phone.number`, +E.164) is the number the SMS is sent to.
 */

/** The number as +E.164, or undefined when it is not one. Spaces, dashes, dots and brackets are allowed. */
export function normalizeE164(input: string): string | undefined {
  const compact = input.trim().replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : undefined;
}
