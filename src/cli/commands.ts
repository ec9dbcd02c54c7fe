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
