/**
 * The frame every command runs in: parse the flags (or print `--help`), hand the command its
 * options, settings and a secret-scrubbing printer, and turn whatever it throws into the
 * error's own message (already actionable) and the exit code of the table — with a stack only
 * for errors nobody expected.
 */

import { resolveSettings, type Settings } from '../config/settings.ts';
import { TempNumberError } from '../contract/errors/tempnumber-error.ts';
import { refusalHint } from '../preflight/refusal-hints.ts';
import {
  type CommandSpec,
  formatHelp,
  type OptionsSpec,
  type OptionValues,
  parseCommandArgs,
} from './cli-args.ts';
import { type CliOutput, createCliOutput } from './cli-output.ts';
import { EXIT_CODES, type ExitOutcome, outcomeOf } from './exit-codes.ts';
import { UsageError } from './usage-error.ts';

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
