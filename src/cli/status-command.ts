/**
 * `playwright-tempnumber status`: is a broker running for this account, and how busy is it —
 * pid, account hash (never the key), store, clients, waiting activations, and the budget use
 * of each endpoint. Never starts a broker. Exit 0 when one runs, 6 when none does.
 */

import { accountPaths, connectRunningBroker } from '../broker/client/find-or-start.ts';
import type { BrokerStatus } from '../broker/protocol.ts';
import { displayUrl } from '../config/redact.ts';
import { accountId } from '../config/settings.ts';
import { formatAge, formatFields, formatTable } from './format.ts';
import {
  type CommandSpec,
  EXIT_CODES,
  type OptionsSpec,
  RUNTIME_DIR_OPTION,
  runCliCommand,
} from './frame.ts';

const SPEC = {
  name: 'status',
  summary: "Show whether the account's broker runs, its clients, waiting activations and budget use",
  description:
    'Connects to the broker of this account (TEMPNUMBER_API_KEY + TEMPNUMBER_BASE_URL) in the runtime dir, ' +
    'without starting one. Exits 0 when a broker is running and 6 when none is.',
  options: {
    'runtime-dir': RUNTIME_DIR_OPTION,
  },
  examples: ['playwright-tempnumber status', 'playwright-tempnumber status --json'],
} as const satisfies CommandSpec<OptionsSpec>;

/** Exit code when no broker runs (asked for by scripts that wait for one). */
const NOT_RUNNING_EXIT_CODE = EXIT_CODES.notRunning.code;

/** Run `status`; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  let running = true;
  const code = await runCliCommand(SPEC, args, async ({ out, settings }) => {
    const s = settings();
    const paths = accountPaths(s);
    const session = await connectRunningBroker(s, `cli status (pid ${process.pid})`);
    if (!session) {
      running = false;
      if (out.jsonMode) out.json({ running: false, account: accountId(s), runtimeDir: paths.dir });
      else out.line(`No broker is running for this account (runtime dir ${paths.dir}).`);
      return 'ok';
    }
    let status: BrokerStatus;
    try {
      status = await session.connection.request<BrokerStatus>({ op: 'status' }, 30_000);
    } finally {
      session.connection.close();
    }
    if (out.jsonMode) {
      out.json({ running: true, runtimeDir: paths.dir, ...status, baseUrl: displayUrl(status.baseUrl) });
      return 'ok';
    }
    printStatus(out.line, status, paths.dir);
    return 'ok';
  });
  return code === 0 && !running ? NOT_RUNNING_EXIT_CODE : code;
}

function printStatus(line: (text?: string) => void, status: BrokerStatus, dir: string): void {
  const startedMs = Date.parse(status.startedAt);
  line(
    formatFields([
      ['Broker', `running, pid ${status.pid}`],
      ['Account', `${status.account} (${status.api ? `${status.api}, ` : ''}${displayUrl(status.baseUrl)})`],
      ['Runtime dir', dir],
      ['Store', status.store === 'redis' ? `redis${status.pollLeader ? ' (poll leader)' : ''}` : 'memory'],
      ['Started', `${status.startedAt} (${formatAge(Date.now() - startedMs)} ago)`],
      ['Clients', String(status.clients)],
      ['Waiting', `${status.waiting} activation${status.waiting === 1 ? '' : 's'}`],
      ...(status.timeScale === 1 ? [] : [['Time scale', `×${status.timeScale}`] as const]),
    ]),
  );
  line();
  const rows = Object.entries(status.buckets).map(([bucket, b]) => [
    bucket,
    `${b.used}/${b.limit}`,
    b.blockedForMs > 0 ? `blocked ${Math.ceil(b.blockedForMs / 1000)} s` : '',
  ]);
  line(formatTable([{ header: 'Endpoint' }, { header: 'Used', align: 'right' }, { header: 'Block' }], rows));
}
