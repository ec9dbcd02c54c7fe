/**
 * Each command declares its options as data; parsing (node:util parseArgs, strict), `--help`
 * text and the usage errors all come from that one table, so they cannot disagree.
 */
import { parseArgs } from 'node:util';
import { closestNames } from './closest-names.ts';
import { describeExitCodes } from './exit-codes.ts';
import { UsageError } from './usage-error.ts';

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
