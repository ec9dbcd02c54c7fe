/**
 * `playwright-tempnumber broker` (run the account's broker in the foreground) and `broker stop`.
 */

import { accountPaths, connectRunningBroker } from '../broker/client/find-or-start.ts';
import { waitForRelease } from '../broker/lock-file.ts';
import type { StopResult } from '../broker/protocol.ts';
import { runBroker } from '../broker/server/server.ts';
import { accountId } from '../config/settings.ts';
import { BrokerUnavailableError } from '../contract/errors.ts';
import {
  type CommandSpec,
  EXIT_CODES,
  type OptionsSpec,
  parseIntegerOption,
  RUNTIME_DIR_OPTION,
  runCliCommand,
} from './frame.ts';

/*
 * `playwright-tempnumber broker`: run the account's broker in the foreground. Clients start it
 * on demand (detached, key in the environment only); run it by hand to watch its log. Prints
 * one ready line once the socket answers, log lines on stderr, and exits 0 after SIGTERM,
 * SIGINT, `broker stop` or the idle timeout. The API key is never printed. `broker stop` is its
 * own command (`STOP_SPEC` below), reached through this one.
 */

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
  if (args[0] === 'stop') return runStop(args.slice(1));
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

/*
 * `playwright-tempnumber broker stop`: ask the account's running broker to exit, the way its
 * idle exit does — it stops listening, ends its connections, closes the ledger and lets go of
 * its lock. The ledger stays on disk and the next broker (started on demand) reconciles it. Found
 * the way `status` finds it; never starts one. Exit 0 once it let go, 6 when none runs, 1 when
 * it refused (activations waiting, without `--force`).
 */

const STOP_SPEC = {
  name: 'broker stop',
  summary: "Stop the account's running broker; refused while activations wait for an SMS, unless --force",
  description:
    'Connects to the broker of this account (TEMPNUMBER_API_KEY + TEMPNUMBER_BASE_URL) in the runtime dir and ' +
    'asks it to exit, as it does when idle. Its ledger stays on disk; the next broker reconciles it. Use it to ' +
    'restart the broker with new settings (TEMPNUMBER_REDIS_URL, TEMPNUMBER_TIME_SCALE, the guard settings). ' +
    'Exits 0 once the broker stopped, 6 when none is running, 1 when it refused.',
  options: {
    force: {
      type: 'boolean',
      description:
        'Stop even with activations leased and waiting for an SMS (their tests lose the broker; the next ' +
        'broker reconciles them from the ledger)',
    },
    'runtime-dir': RUNTIME_DIR_OPTION,
  },
  examples: ['playwright-tempnumber broker stop', 'playwright-tempnumber broker stop --force --json'],
} as const satisfies CommandSpec<OptionsSpec>;

/** How long the broker may take from its answer to letting go of its lock (real ms). */
const STOP_WAIT_MS = 15_000;
/** How long the broker may take to answer `stop` itself (real ms): it answers at once. */
const ANSWER_TIMEOUT_MS = 30_000;

/** Run `broker stop`; resolves to the exit code. */
async function runStop(args: string[]): Promise<number> {
  let running = true;
  const code = await runCliCommand(STOP_SPEC, args, async ({ options, out, settings }) => {
    const s = settings();
    const paths = accountPaths(s);
    const session = await connectRunningBroker(s, `cli broker stop (pid ${process.pid})`);
    if (!session) {
      running = false;
      if (out.jsonMode)
        out.json({ running: false, stopped: false, account: accountId(s), runtimeDir: paths.dir });
      else out.line(`No broker is running for this account (runtime dir ${paths.dir}); nothing to stop.`);
      return 'ok';
    }
    let result: StopResult;
    try {
      result = await session.connection.request<StopResult>(
        { op: 'stop', ...(options.force ? { force: true } : {}) },
        ANSWER_TIMEOUT_MS,
      );
    } catch (error) {
      throw olderBroker(error, session.pid) ?? error;
    } finally {
      session.connection.close();
    }
    if (!(await waitForRelease(paths.brokerLock, result.pid, Date.now() + STOP_WAIT_MS))) {
      throw new BrokerUnavailableError(
        `The broker (pid ${result.pid}) agreed to stop but still holds ${paths.brokerLock} after ${STOP_WAIT_MS / 1000} s. ` +
          `Look at its log (${paths.log}); stop it with \`kill ${result.pid}\` if it hangs.`,
        { brokerPid: result.pid },
      );
    }
    if (out.jsonMode) {
      out.json({
        stopped: true,
        pid: result.pid,
        account: accountId(s),
        waiting: result.waiting,
        runtimeDir: paths.dir,
      });
      return 'ok';
    }
    out.line(`Stopped the broker (pid ${result.pid}) of account ${accountId(s)}.`);
    out.line(
      result.waiting > 0
        ? `${result.waiting} activation${result.waiting === 1 ? ' was' : 's were'} still waiting for an SMS; the next ` +
            `broker reconciles ${result.waiting === 1 ? 'it' : 'them'} from the ledger (${paths.ledger}).`
        : `Its ledger stays in ${paths.ledger}; the next client starts a broker on demand.`,
    );
    return 'ok';
  });
  return code === 0 && !running ? EXIT_CODES.notRunning.code : code;
}

/** A broker of an older package answers "Unknown broker operation" (protocol.ts): say what to do. */
function olderBroker(error: unknown, pid: number): BrokerUnavailableError | undefined {
  if (!(error instanceof Error && error.message.startsWith('Unknown broker operation'))) return undefined;
  return new BrokerUnavailableError(
    `The running broker (pid ${pid}) comes from an older playwright-tempnumber that has no \`stop\`. Stop it with ` +
      `\`kill ${pid}\` (it exits as when idle; the next broker reconciles its ledger).`,
    { brokerPid: pid },
  );
}
