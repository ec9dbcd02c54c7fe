/**
 * The frame every command runs in: its options as data and their parsing (`--help` from the
 * same table), one output writer that removes secrets, the exit codes as one table, usage errors,
 * and how an operator command reads the API (through the account's broker).
 */

import { parseArgs } from 'node:util';
import { type BrokerClient, connectBroker } from '../broker/client/broker-client.ts';
import { MIN_SECRET_LENGTH, redactSecrets } from '../config/redact.ts';
import { resolveSettings, type Settings } from '../config/settings.ts';
import { ApiError, TempNumberError } from '../contract/errors.ts';
import { refusalHint } from '../preflight/checks.ts';
import { closestNames } from './format.ts';

/*
 * The frame every command runs in: parse the flags (or print `--help`), hand the command its
 * options, settings and a secret-scrubbing printer, and turn whatever it throws into the
 * error's own message (already actionable) and the exit code of the table — with a stack only
 * for errors nobody expected.
 */

/** What a command's body receives. */
export interface CommandContext<O extends OptionsSpec> {
  options: OptionValues<O>;
  out: CliOutput;
  /**
   * Settings from the environment and `.env` (and `--runtime-dir` when the command has it);
   * throws a ConfigurationError that says what to set.
   */
  settings(): Settings;
}

/**
 * Run one command. `body` returns an outcome of {@link EXIT_CODES} (or throws); the promise
 * resolves to the process exit code and never rejects.
 */
export async function runCliCommand<O extends OptionsSpec>(
  spec: CommandSpec<O>,
  args: string[],
  body: (ctx: CommandContext<O>) => Promise<ExitOutcome>,
): Promise<number> {
  let out = createCliOutput(args.includes('--json'));
  try {
    const options = parseCommandArgs(spec, args);
    out = createCliOutput(options.json);
    if (options.help) {
      console.log(formatHelp(spec));
      return EXIT_CODES.ok.code;
    }
    let settings: Settings | undefined;
    const outcome = await body({
      options,
      out,
      settings: () => {
        const runtimeDir = (options as { 'runtime-dir'?: unknown })['runtime-dir'];
        settings ??= resolveSettings(typeof runtimeDir === 'string' ? { runtimeDir } : {});
        out.addSecret(settings.apiKey);
        return settings;
      },
    });
    return EXIT_CODES[outcome].code;
  } catch (error) {
    return reportError(out, spec.name, error);
  }
}

function reportError(out: CliOutput, command: string, error: unknown): number {
  const outcome = outcomeOf(error);
  const { code } = EXIT_CODES[outcome];
  const expected = error instanceof TempNumberError || error instanceof UsageError;
  const help =
    error instanceof UsageError && !error.message.includes('--help')
      ? ` Run \`playwright-tempnumber ${command} --help\` for its options.`
      : '';
  const hint = refusalHint(error) ?? '';
  const message = `${error instanceof Error ? error.message : String(error)}${hint ? ` ${hint}` : ''}${help}`;
  if (out.jsonMode) {
    const name = error instanceof Error ? error.name : 'Error';
    out.json({ error: { name, message, exitCode: code } });
  } else if (expected) {
    out.error(`${command}: ${message}`);
  } else {
    // A bug, not a situation: the stack is what a bug report needs.
    out.error(`${command}: unexpected error: ${error instanceof Error ? (error.stack ?? message) : message}`);
  }
  return code;
}

/*
 * Each command declares its options as data; parsing (node:util parseArgs, strict), `--help`
 * text and the usage errors all come from that one table, so they cannot disagree.
 */

/** One option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** One line for `--help`. */
  description: string;
  /** Placeholder of the value in `--help`, e.g. `id` for `--service <id>`. @default 'value' */
  valueName?: string;
}

/** Options of a command, by long name (without `--`). */
export type OptionsSpec = Record<string, OptionSpec>;

/** What a command declares: its name, a summary for `--help`, its options, examples. */
export interface CommandSpec<O extends OptionsSpec> {
  name: string;
  summary: string;
  /** Paragraphs shown under the usage line. */
  description?: string;
  options: O;
  examples?: string[];
}

/**
 * `--runtime-dir`, for the commands that find the account's broker. A command that declares it
 * gets it applied to its settings by `runCliCommand`.
 */
export const RUNTIME_DIR_OPTION = {
  type: 'string',
  valueName: 'dir',
  description: 'Runtime dir of the broker (default: TEMPNUMBER_RUNTIME_DIR, else a per-user temp folder)',
} as const satisfies OptionSpec;

/** Every command takes these two. */
const COMMON_OPTIONS = {
  json: { type: 'boolean', description: 'Print machine-readable JSON on stdout instead of text' },
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
} as const satisfies OptionsSpec;

/** Parsed values: strings for string options, booleans for flags, absent when not given. */
export type OptionValues<O extends OptionsSpec> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
} & { json: boolean; help: boolean };

/**
 * Parse `args` against the command's options. `--help` anywhere wins over any other problem,
 * so a user who is lost can always get the help. Throws a {@link UsageError} otherwise.
 */
export function parseCommandArgs<O extends OptionsSpec>(
  spec: CommandSpec<O>,
  args: string[],
): OptionValues<O> {
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  const json = flags.includes('--json');
  if (flags.includes('--help') || flags.includes('-h')) return { help: true, json } as OptionValues<O>;
  const options: OptionsSpec = { ...spec.options, ...COMMON_OPTIONS };
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return { ...values, json: values.json === true, help: false } as OptionValues<O>;
  } catch (error) {
    throw toUsageError(spec, error);
  }
}

/** Read an integer option in [min, max], or `fallback` when absent. */
export function parseIntegerOption(
  raw: string | undefined,
  flag: string,
  range: { min: number; max: number; fallback: number },
): number {
  if (raw === undefined) return range.fallback;
  const value = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new UsageError(
      `Expected \`--${flag}\` to be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}.`,
    );
  }
  return value;
}

/** Read a non-negative decimal option, or `fallback` when absent. */
export function parseAmountOption(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new UsageError(
      `Expected \`--${flag}\` to be a non-negative number such as 0.5, got ${JSON.stringify(raw)}.`,
    );
  }
  return value;
}

/** The `--help` text of a command, generated from its spec and the exit-code table. */
export function formatHelp<O extends OptionsSpec>(spec: CommandSpec<O>): string {
  const all: OptionsSpec = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(all).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    const value = o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : '';
    return [`  ${short}--${name}${value}`, o.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  const usageFlags = Object.entries(spec.options)
    .map(([name, o]) => (o.type === 'string' ? `[--${name} <${o.valueName ?? 'value'}>]` : `[--${name}]`))
    .concat('[--json]')
    .join(' ');
  const parts = [
    `Usage: playwright-tempnumber ${spec.name} ${usageFlags}`,
    '',
    spec.summary,
    ...(spec.description ? ['', spec.description] : []),
    '',
    'Options:',
    ...rows.map(([left, text]) => `${left.padEnd(width)}  ${text}`),
    ...(spec.examples?.length ? ['', 'Examples:', ...spec.examples.map((e) => `  ${e}`)] : []),
    '',
    'Settings come from TEMPNUMBER_API_KEY, TEMPNUMBER_BASE_URL, TEMPNUMBER_RUNTIME_DIR (environment or .env).',
    '',
    'Exit codes:',
    describeExitCodes(),
  ];
  return parts.join('\n');
}

/** Rewrite parseArgs' messages (which talk about positionals and `--`) into what to type instead. */
function toUsageError<O extends OptionsSpec>(spec: CommandSpec<O>, error: unknown): UsageError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  const known = Object.keys({ ...spec.options, ...COMMON_OPTIONS }).map((n) => `--${n}`);
  const see = `Run \`playwright-tempnumber ${spec.name} --help\` for its options.`;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const typed = quoted.split('=')[0] ?? quoted;
      const near = closestNames(typed, known);
      const hint = near.length ? ` Did you mean ${near.join(' or ')}?` : ` Options: ${known.join(', ')}.`;
      return new UsageError(`Unknown option ${typed} for \`${spec.name}\`.${hint} ${see}`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`Unexpected argument ${JSON.stringify(quoted)} for \`${spec.name}\`. ${see}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = /--[\w-]+/.exec(message)?.[0] ?? 'an option';
      const isFlag = known.includes(flag) && spec.options[flag.slice(2)]?.type !== 'string';
      if (isFlag) return new UsageError(`${flag} takes no value. ${see}`);
      // parseArgs will not take `--limit -3`: the value looks like an option.
      const dash = /ambiguous/.test(message) ? ` For a value starting with "-", write ${flag}=<value>.` : '';
      return new UsageError(`${flag} needs a value (${flag} <value>).${dash} ${see}`);
    }
    default:
      return new UsageError(`${message} ${see}`);
  }
}

/*
 * Everything a command prints goes through one writer, which removes secrets (the API key, a
 * Redis password) from the text before it reaches the terminal — a server that echoes the key
 * in an error message must not leak it into a CI log (DESIGN §8).
 */

/** The printer a command receives. */
export interface CliOutput {
  /** Human text on stdout (ignored in `--json` mode: a command prints JSON there instead). */
  line(text?: string): void;
  /** One JSON document on stdout. */
  json(value: unknown): void;
  /** Diagnostics on stderr (also in `--json` mode: they never mix with the JSON). */
  error(text: string): void;
  /** Never print `secret`, from now on. */
  addSecret(secret: string | undefined): void;
  readonly jsonMode: boolean;
}

/** Create the writer; `jsonMode` silences {@link CliOutput.line}. */
export function createCliOutput(jsonMode: boolean): CliOutput {
  const secrets = new Set<string>();
  const clean = (text: string) => redactSecrets(text, secrets);
  return {
    jsonMode,
    line(text = '') {
      if (!jsonMode) console.log(clean(text));
    },
    json(value) {
      console.log(clean(JSON.stringify(value, null, 2)));
    },
    error(text) {
      console.error(clean(text));
    },
    addSecret(secret) {
      // The shared rule (api/redact.ts): short "secrets" like the sandbox's `sandbox` are left alone.
      if (secret && secret.length >= MIN_SECRET_LENGTH) secrets.add(secret);
    },
  };
}

/*
 * The CLI's exit codes as ONE table, so scripts can tell "fix your flags" from "fix your
 * settings" from "the API is down" from "the API said no", and every command's `--help`
 * lists the same meanings.
 */

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

/**
 * A bad command line: unknown option, missing or invalid value. The CLI prints the message
 * (which says what was expected) and exits 2, without a stack.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/*
 * How the operator commands read the API: through the account's broker (started on demand; it
 * exits when idle), never directly — the broker owns the account's shared rate-limit budget, so
 * a `history` typed during a saturated run waits for a slot instead of drawing a 429 (DESIGN §2).
 */

/** Run `body` with a broker client for the account of `settings`, closed afterwards. */
export async function withBroker<T>(
  settings: Settings,
  command: string,
  body: (broker: BrokerClient) => Promise<T>,
): Promise<T> {
  const broker = await connectBroker({
    apiKey: settings.apiKey,
    api: settings.api,
    baseUrl: settings.baseUrl,
    runtimeDir: settings.runtimeDir,
    timeScale: settings.timeScale,
    requestTimeoutMs: settings.requestTimeoutMs,
    ...(settings.redisUrl === undefined ? {} : { redisUrl: settings.redisUrl }),
    ...(settings.rateLimits === undefined ? {} : { rateLimits: settings.rateLimits }),
    owner: `cli ${command} (pid ${process.pid})`,
  });
  try {
    return await body(broker);
  } finally {
    await broker.close();
  }
}

/** Per-attempt timeout of an operator's read: a human is waiting (real ms). */
export const CLI_READ_TIMEOUT_MS = 10_000;
