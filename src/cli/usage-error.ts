/**
 * A bad command line: unknown option, missing or invalid value. The CLI prints the message
 * (which says what was expected) and exits 2, without a stack.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
