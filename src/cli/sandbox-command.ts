/**
 * `playwright-tempnumber sandbox`: run the local sandbox (TempNumber v1, or Platfone's Activation
 * API with `--api platfone`) until SIGINT/SIGTERM.
 * Prints exactly one line when ready (`TempNumber sandbox listening on http://HOST:PORT`) so a
 * script or Playwright's `webServer` can wait for it.
 */
import { parseArgs } from 'node:util';
import { SANDBOX_API_NAMES, type SandboxApi, startSandbox } from '../sandbox/index.ts';

/** The port the settings help and README point at (`TEMPNUMBER_BASE_URL=http://127.0.0.1:8787/api/v1`). */
const DEFAULT_PORT = 8787;

const USAGE = `Usage: playwright-tempnumber sandbox [options]

Run a local server that behaves like the TempNumber v1 API (or Platfone's Activation API),
with a control surface under /sandbox.

Options:
  --api NAME          the API served under /api/v1: ${SANDBOX_API_NAMES.join(' or ')}
                      (default tempnumber-v1)
  --cancelable-after-ms N
                      platfone only: API ms from an order to its cancelable_after, or "none"
                      for numbers that cannot be canceled (default 120000)
  --host HOST         interface to listen on (default 127.0.0.1)
  --port N            TCP port, 0 picks a free one (default ${DEFAULT_PORT})
  --api-key KEY       a valid API key, each its own account; repeat for more (default "sandbox")
  --balance USD       starting balance of every account (default 1000)
  --time-scale X      API clock runs X times faster than real time (default 1)
  --seed N            seed of the phone numbers (default 1)
  --first-activation-id N
                      id of the first activation, for deterministic runs (default: derived
                      from the clock, so ids never repeat across runs)
  -h, --help          show this help

Then: TEMPNUMBER_BASE_URL=http://127.0.0.1:${DEFAULT_PORT}/api/v1 TEMPNUMBER_API_KEY=sandbox`;

/** A flag the user got wrong: reported with exit code 2 before anything starts. */
class UsageError extends Error {
  override name = 'UsageError';
}

/** Run the command; resolves with the exit code once the server has stopped. */
export async function run(args: string[]): Promise<number> {
  let options: Parameters<typeof startSandbox>[0];
  try {
    const parsed = parseFlags(args);
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      throw error;
    }
    console.error(`playwright-tempnumber sandbox: ${(error as Error).message}`);
    console.error('Run `playwright-tempnumber sandbox --help` for the options.');
    return 2;
  }

  const sandbox = await startSandbox(options);
  console.log(`TempNumber sandbox listening on ${sandbox.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sandbox.close();
  return 0;
}

function parseFlags(args: string[]): Parameters<typeof startSandbox>[0] | 'help' {
  const { values } = parseArgs({
    args: joinNegativeNumbers(args),
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      balance: { type: 'string' },
      'time-scale': { type: 'string' },
      seed: { type: 'string' },
      'first-activation-id': { type: 'string' },
      api: { type: 'string' },
      'cancelable-after-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const port = number(
    '--port',
    values.port,
    (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
    'an integer from 0 to 65535',
  );
  const balance = number('--balance', values.balance, (n) => n >= 0, 'a non-negative number of USD');
  const timeScale = number('--time-scale', values['time-scale'], (n) => n > 0, 'a positive number');
  const seed = number('--seed', values.seed, Number.isInteger, 'an integer');
  const firstActivationId = number(
    '--first-activation-id',
    values['first-activation-id'],
    (n) => Number.isSafeInteger(n) && n > 0,
    'a positive safe integer',
  );
  const api = values.api;
  if (api !== undefined && !(SANDBOX_API_NAMES as string[]).includes(api)) {
    throw new UsageError(`Invalid --api ${JSON.stringify(api)}: expected ${SANDBOX_API_NAMES.join(' or ')}`);
  }
  const rawCancelable = values['cancelable-after-ms'];
  const cancelableAfterMs =
    rawCancelable === 'none'
      ? null
      : number(
          '--cancelable-after-ms',
          rawCancelable,
          (n) => n >= 0,
          'a non-negative number of ms or "none"',
        );
  if (cancelableAfterMs !== undefined && api !== 'platfone') {
    throw new UsageError('--cancelable-after-ms needs --api platfone (TempNumber v1 has no cancel)');
  }
  const apiKeys = values['api-key'];
  if (apiKeys?.some((k) => k.trim() === ''))
    throw new UsageError('Invalid --api-key "": expected a non-empty key');
  if (values.host !== undefined && values.host.trim() === '')
    throw new UsageError('Invalid --host "": expected a host name or address');
  return {
    host: values.host ?? '127.0.0.1',
    port: port ?? DEFAULT_PORT,
    ...(apiKeys ? { apiKeys } : {}),
    ...(balance === undefined ? {} : { balance }),
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(seed === undefined ? {} : { seed }),
    ...(firstActivationId === undefined ? {} : { firstActivationId }),
    ...(api === undefined ? {} : { api: api as SandboxApi }),
    ...(cancelableAfterMs === undefined ? {} : { cancelableAfterMs }),
  };
}

const NUMERIC_FLAGS = new Set([
  '--port',
  '--balance',
  '--time-scale',
  '--seed',
  '--first-activation-id',
  '--cancelable-after-ms',
]);

/**
 * `--balance -5` → `--balance=-5`: parseArgs refuses a value that starts with a dash as
 * ambiguous, which would hide the value from the message; joined, the value is validated and
 * named like any other.
 */
function joinNegativeNumbers(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (NUMERIC_FLAGS.has(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Parse a numeric flag strictly (`Number('')` is 0 and `parseInt('8x')` is 8: neither is accepted). */
function number(
  flag: string,
  raw: string | undefined,
  valid: (n: number) => boolean,
  expected: string,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || !valid(value)) {
    throw new UsageError(`Invalid ${flag} ${JSON.stringify(raw)}: expected ${expected}`);
  }
  return value;
}
