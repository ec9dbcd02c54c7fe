#!/usr/bin/env node
/**
 * `playwright-tempnumber <command> [options]`: the commands as data (name, summary, a lazy loader
 * of the module that runs it) and the dispatch. Each command lives in its own file and is loaded
 * only when asked for, so `--help` stays instant and one command's dependencies (Redis, HTTP
 * servers) never load for another.
 */

/**
 * The CLI's commands as data: name → one-line summary and a lazy loader of the module that
 * runs it. A command module exports `run(args: string[]): Promise<number>` (the exit code).
 */
export interface CommandModule {
  run(args: string[]): Promise<number>;
}

export const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  broker: {
    summary:
      "Run the account's broker (shared budget, central SMS polling, ledger); clients start it on demand. `broker stop`: stop it",
    load: () => import('./broker-command.ts'),
  },
  sandbox: {
    summary: 'Run the local TempNumber sandbox (fake API + SMS carrier)',
    load: () => import('./sandbox-command.ts'),
  },
  balance: {
    summary: 'Show the account balance and balance in review (USD)',
    load: () => import('./balance-command.ts'),
  },
  prices: {
    summary: 'Show prices per service and country (cached for 5 minutes)',
    load: () => import('./prices-command.ts'),
  },
  history: {
    summary: 'List recent activations, newest first',
    load: () => import('./history-command.ts'),
  },
  doctor: {
    summary: 'Check settings, API key, balance, broker, runtime dir, Redis and Chromium',
    load: () => import('./doctor-command.ts'),
  },
  status: {
    summary: "Show whether the account's broker runs: pid, clients, waiting activations, budget use",
    load: () => import('./status-command.ts'),
  },
  activations: {
    summary: "List the broker's ledger: every leased number, its status, outcome and refund",
    load: () => import('./activations-command.ts'),
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name === undefined ? 1 : 0;
  }
  // Own entries only: `playwright-tempnumber constructor` is an unknown command, not Object's.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`Unknown command ${JSON.stringify(name)}.`);
    printUsage();
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
}

function printUsage(): void {
  console.log('Usage: playwright-tempnumber <command> [options]\n\nCommands:');
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  for (const [n, c] of Object.entries(COMMANDS)) console.log(`  ${n.padEnd(width)}  ${c.summary}`);
  console.log('\nRun `playwright-tempnumber <command> --help` for the options of one command.');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
