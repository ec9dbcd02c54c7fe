/**
 * The CLI's exit codes as ONE table, so scripts can tell "fix your flags" from "fix your
 * settings" from "the API is down" from "the API said no", and every command's `--help`
 * lists the same meanings.
 */
import { ApiError } from '../contract/errors/api-error.ts';

/** Exit code of every outcome of a command. */
export const EXIT_CODES = {
  ok: { code: 0, meaning: 'success (doctor: no check failed)' },
  failure: { code: 1, meaning: 'the command failed, or doctor found a problem' },
  usage: { code: 2, meaning: 'bad command line: unknown option, missing or invalid value' },
  configuration: {
    code: 3,
    meaning: 'settings missing or invalid (TEMPNUMBER_API_KEY, TEMPNUMBER_BASE_URL, runtime dir)',
  },
  unreachable: { code: 4, meaning: 'no answer from the API, or an answer that is not the TempNumber API' },
  refused: { code: 5, meaning: 'the API refused the request (401 key refused, 429 rate limited, …)' },
  notRunning: {
    code: 6,
    meaning: 'status, broker stop: no broker is running for this account (one starts on demand)',
  },
} as const satisfies Record<string, { code: number; meaning: string }>;

export type ExitOutcome = keyof typeof EXIT_CODES;

/**
 * Which outcome an error thrown by a command stands for. Compares `name` as well as classes:
 * the package's errors are told apart by name wherever they may have been serialized.
 */
export function outcomeOf(error: unknown): ExitOutcome {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  switch (name) {
    case 'UsageError':
      return 'usage';
    case 'ConfigurationError':
      return 'configuration';
    case 'NetworkError':
    case 'UnexpectedResponseError':
      return 'unreachable';
    default:
      return error instanceof ApiError ? 'refused' : 'failure';
  }
}

/** `--help` footer: the table above, one line per code. */
export function describeExitCodes(): string {
  return Object.values(EXIT_CODES)
    .map(({ code, meaning }) => `  ${code}  ${meaning}`)
    .join('\n');
}
