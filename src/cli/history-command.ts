/**
 * `playwright-tempnumber history [--limit N]`: the account's recent activations, newest first —
 * what a test leased, for how much, and how it ended.
 */
import { accountId } from '../config/settings.ts';
import { type ActivationId, compareActivationIds } from '../contract/activation.ts';
import type { ProviderActivation } from '../providers/provider.ts';
import { formatTable, formatUsd } from './format.ts';
import {
  CLI_READ_TIMEOUT_MS,
  type CommandSpec,
  type OptionsSpec,
  parseIntegerOption,
  runCliCommand,
  withBroker,
} from './frame.ts';

/** The API's page size cap (reference "Decisions": history `limit` up to 100). */
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 20;

const SPEC = {
  name: 'history',
  summary: 'List recent activations of the account, newest first',
  description:
    "Reads one page of the account's history through its broker, which polls it too and shares its " +
    'limit (TempNumber v1: 10 requests a minute): during a busy run the read waits for a free slot.',
  options: {
    limit: {
      type: 'string',
      valueName: 'n',
      description: `How many activations, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`,
    },
  },
  examples: ['playwright-tempnumber history', 'playwright-tempnumber history --limit 100 --json'],
} as const satisfies CommandSpec<OptionsSpec>;

/** One activation as `history` shows it: friendly names, `+digits` number, ISO time. */
export interface HistoryEntry {
  id: ActivationId;
  number: string | null;
  service: string | null;
  country: string | null;
  price: number | null;
  status: string;
  createdAt: string | null;
}

/** Run `history`; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  return runCliCommand(SPEC, args, async ({ options, out, settings }) => {
    const limit = parseIntegerOption(options.limit, 'limit', {
      min: 1,
      max: MAX_LIMIT,
      fallback: DEFAULT_LIMIT,
    });
    const s = settings();
    const page = await withBroker(s, 'history', (broker) =>
      broker.read({ what: 'history', page: 1, limit, timeoutMs: CLI_READ_TIMEOUT_MS }),
    );
    // The API does not promise an order (reference open question 8): sort here, newest first.
    const entries = [...page.activations]
      .sort((a, b) => (b.createdAtMs ?? 0) - (a.createdAtMs ?? 0) || compareActivationIds(b.id, a.id))
      .slice(0, limit)
      .map(toEntry);
    const total = page.total ?? entries.length;

    if (out.jsonMode) {
      out.json({ account: accountId(s), total, limit, activations: entries });
      return 'ok';
    }
    if (entries.length === 0) {
      out.line(`No activations yet on account ${accountId(s)}.`);
      return 'ok';
    }
    out.line(
      formatTable(
        [
          { header: 'ID', align: 'right' },
          { header: 'NUMBER' },
          { header: 'SERVICE' },
          { header: 'COUNTRY' },
          { header: 'PRICE', align: 'right' },
          { header: 'STATUS' },
          { header: 'CREATED (UTC)' },
        ],
        entries.map((e) => [
          String(e.id),
          e.number ?? '-',
          e.service ?? '-',
          e.country ?? '-',
          e.price === null ? '-' : formatUsd(e.price),
          e.status,
          e.createdAt?.replace('T', ' ') ?? '-',
        ]),
      ),
    );
    out.line();
    const more = total > entries.length ? ` (--limit up to ${MAX_LIMIT} for more)` : '';
    out.line(`${entries.length} of ${total} activations on account ${accountId(s)}, newest first${more}.`);
    return 'ok';
  });
}

function toEntry(a: ProviderActivation): HistoryEntry {
  return {
    id: a.id,
    number: a.number === '' ? null : a.number,
    service: a.service ?? null,
    country: a.country ?? null,
    price: a.priceUsd ?? null,
    status: a.wireStatus,
    createdAt:
      a.createdAtMs === undefined ? null : new Date(a.createdAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}
