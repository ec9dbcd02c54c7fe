#!/usr/bin/env node
/**
 * `playwright-tempnumber <command> [options]`. Each command lives in its own file and is loaded
 * only when asked for, so `--help` stays instant and one command's dependencies (Redis, HTTP
 * servers) never load for another.
 */
import { COMMANDS } from './commands.ts';

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
