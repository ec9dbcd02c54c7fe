/**
 * `playwright-tempnumber broker`: run the account's broker in the foreground. Clients start it
 * on demand (detached, key in the environment only); run it by hand to watch its log. Prints
 * one ready line once the socket answers, log lines on stderr, and exits 0 after SIGTERM,
 * SIGINT, `broker stop` or the idle timeout. The API key is never printed. `broker stop` is its
 * own command (broker-stop-command.ts), reached through this one.
 */
import { runBroker } from '../broker/server/index.ts';
import { type CommandSpec, type OptionsSpec, parseIntegerOption } from './cli-args.ts';
import { runCliCommand } from './run-cli-command.ts';

const SPEC = {
  name: 'broker',
  summary: "Run the account's broker: the one process that talks to TempNumber for every worker and run",
  description:
    'One broker per machine and account (TEMPNUMBER_API_KEY + TEMPNUMBER_BASE_URL) shares the rate-limit ' +
    'budget, polls SMS centrally and keeps the ledger of leased numbers. Clients start one on demand; it exits ' +
    'after an idle period longer than the longest rate window. With TEMPNUMBER_REDIS_URL, brokers on several ' +
    'machines share one budget. `playwright-tempnumber broker stop [--force]` asks the running one to exit ' +
    '(see `playwright-tempnumber broker stop --help`).',
  options: {
    'runtime-dir': {
      type: 'string',
      valueName: 'dir',
      description:
        'Private folder for the socket, lock, ledger and journal (default: TEMPNUMBER_RUNTIME_DIR)',
    },
    'idle-exit-ms': {
      type: 'string',
      valueName: 'ms',
      description:
        'Exit after this long with no client and nothing waiting (default: longest window + margin)',
    },
  },
  examples: [
    'playwright-tempnumber broker',
    'playwright-tempnumber broker --runtime-dir /tmp/tn --idle-exit-ms 600000',
    'playwright-tempnumber broker stop',
  ],
} as const satisfies CommandSpec<OptionsSpec>;

/** Run the broker until it stops (or `broker stop …`); resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  if (args[0] === 'stop') return (await import('./broker-stop-command.ts')).run(args.slice(1));
  const code = await runCliCommand(SPEC, args, async ({ options, out, settings }) => {
    const s = settings();
    const idleRaw = options['idle-exit-ms'];
    const idleExitMs =
      idleRaw === undefined
        ? undefined
        : parseIntegerOption(idleRaw, 'idle-exit-ms', { min: 1, max: 2 ** 31 - 1, fallback: 0 });
    const broker = await runBroker({
      settings: s,
      ...(idleExitMs === undefined ? {} : { idleExitMs }),
      log: (line) => out.error(`${new Date().toISOString()} broker[${process.pid}] ${line}`),
    });
    const stop = () => void broker.close();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // A bug in one request's path must not take every worker's waits down with the process;
    // the ledger and the next broker would cope, but staying up and saying so is kinder.
    const report = (error: unknown) =>
      out.error(
        `broker[${process.pid}] unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    process.on('unhandledRejection', report);
    if (out.jsonMode)
      out.json({ ready: true, account: broker.account, socket: broker.socketPath, pid: process.pid });
    else out.line(`TempNumber broker for account ${broker.account} listening on ${broker.socketPath}`);
    await broker.closed;
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('unhandledRejection', report);
    return 'ok';
  });
  // A library handle (a keep-alive socket, a Redis reconnect timer) must not keep a stopped
  // broker alive; the timer is unref'd, so a clean exit happens first when nothing is left.
  setTimeout(() => process.exit(code), 1_000).unref();
  return code;
}
