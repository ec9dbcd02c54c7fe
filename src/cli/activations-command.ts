/**
 * `playwright-tempnumber activations`: the ledger of this account — every number the broker
 * leased, its status, outcome and (for cancelled ones) whether it was refunded. Read from the
 * running broker, or from the ledger file when none runs (never starts one).
 */
import { accountPaths, connectRunningBroker, readLedgerFile } from '../broker/client/find-or-start.ts';
import type { Settings } from '../config/settings.ts';
import type { ActivationRecord } from '../contract/activation.ts';
import { formatTable, formatUsd } from './format.ts';
import { type CommandSpec, type OptionsSpec, RUNTIME_DIR_OPTION, runCliCommand } from './frame.ts';

const SPEC = {
  name: 'activations',
  summary: "List the broker's ledger: every leased number, its status and outcome",
  description:
    'Asks the running broker of this account; when none runs, reads the ledger file in the runtime dir. ' +
    '"refunded" is shown for cancelled activations once TempNumber reported it (yes / no: a late SMS was billed).',
  options: {
    'runtime-dir': RUNTIME_DIR_OPTION,
  },
  examples: ['playwright-tempnumber activations', 'playwright-tempnumber activations --json | jq'],
} as const satisfies CommandSpec<OptionsSpec>;

/** Run `activations`; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  return runCliCommand(SPEC, args, async ({ out, settings }) => {
    const s = settings();
    const paths = accountPaths(s);
    const { records, source } = await readActivations(s, paths.ledger);
    if (out.jsonMode) {
      out.json({ source, ledger: paths.ledger, activations: records });
      return 'ok';
    }
    if (records.length === 0) {
      out.line(`No activations in the ledger (${paths.ledger}).`);
      return 'ok';
    }
    out.line(formatTable(COLUMNS, records.map(toRow)));
    out.line();
    out.line(
      `${records.length} activation${records.length === 1 ? '' : 's'}, from ${source} (${paths.ledger}).`,
    );
    return 'ok';
  });
}

async function readActivations(
  settings: Settings,
  ledgerPath: string,
): Promise<{ records: ActivationRecord[]; source: 'broker' | 'ledger file' }> {
  const session = await connectRunningBroker(settings, `cli activations (pid ${process.pid})`);
  if (!session) return { records: await readLedgerFile(ledgerPath), source: 'ledger file' };
  try {
    const records = await session.connection.request<ActivationRecord[]>({ op: 'activations' }, 30_000);
    return { records, source: 'broker' };
  } finally {
    session.connection.close();
  }
}

const COLUMNS = [
  { header: 'Id', align: 'right' },
  { header: 'Number' },
  { header: 'Service' },
  { header: 'Country' },
  { header: 'Price', align: 'right' },
  { header: 'Status' },
  { header: 'Outcome' },
  { header: 'Refunded' },
  { header: 'Leased at' },
  { header: 'Owner' },
] as const;

function toRow(r: ActivationRecord): string[] {
  const refunded =
    r.outcome !== 'cancelled' ? '' : r.refunded === undefined ? 'pending' : r.refunded ? 'yes' : 'no';
  return [
    String(r.id),
    r.number,
    r.service,
    r.country,
    formatUsd(r.price),
    r.status,
    r.outcome,
    refunded,
    r.leasedAt,
    r.owner,
  ];
}
