/**
 * `playwright-tempnumber broker stop`: ask the account's running broker to exit, the way its
 * idle exit does — it stops listening, ends its connections, closes the ledger and lets go of
 * its lock. The ledger stays on disk and the next broker (started on demand) reconciles it. Found
 * the way `status` finds it; never starts one. Exit 0 once it let go, 6 when none runs, 1 when
 * it refused (activations waiting, without `--force`).
 */

import { accountPaths, connectRunningBroker } from '../broker/client/find-or-start.ts';
import { waitForRelease } from '../broker/lock-file.ts';
import type { StopResult } from '../broker/protocol.ts';
import { accountId } from '../config/settings.ts';
import { BrokerUnavailableError } from '../contract/errors/broker-unavailable-error.ts';
import { type CommandSpec, type OptionsSpec, RUNTIME_DIR_OPTION } from './cli-args.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { runCliCommand } from './run-cli-command.ts';

const SPEC = {
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
export async function run(args: string[]): Promise<number> {
  let running = true;
  const code = await runCliCommand(SPEC, args, async ({ options, out, settings }) => {
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
