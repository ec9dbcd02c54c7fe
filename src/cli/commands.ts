/**
 * The CLI's commands as data: name → one-line summary and a lazy loader of the module that
 * runs it. A command module exports `run(args: string[]): Promise<number>` (the exit code).
 */
export interface CommandModule {
  run(args: string[]): Promise<number>;
}

export const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {};
