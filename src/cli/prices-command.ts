/**
 * `playwright-tempnumber prices [--service S] [--country C] [--refresh]`: prices from the price
 * list, filtered, from a 5-minute disk cache unless `--refresh`; with both filters, also the
 * live details of that one pair (numbers available, virtual, warning).
 */
import { accountId } from '../config/settings.ts';
import type { PriceQuote } from '../providers/provider.ts';
import type { CommandSpec, OptionsSpec } from './cli-args.ts';
import { CLI_READ_TIMEOUT_MS, withBroker } from './cli-client.ts';
import { formatAge, formatFields, formatTable, formatUsd } from './format-table.ts';
import { explainNoMatch, filterPrices, type PriceFilter } from './price-query.ts';
import { loadPriceList, PRICES_CACHE_TTL_MS } from './prices-cache.ts';
import { runCliCommand } from './run-cli-command.ts';
import { UsageError } from './usage-error.ts';

const SPEC = {
  name: 'prices',
  summary: 'Show what a number costs per service and country (USD)',
  description:
    'The price list is limited to 3 requests a minute, so it is cached per account in the runtime dir ' +
    `for ${PRICES_CACHE_TTL_MS / 60_000} minutes; the output says when it comes from the cache and how old it is. ` +
    'With both --service and --country, the live details of that pair are shown too.',
  options: {
    service: { type: 'string', valueName: 'id', description: 'Only this service, e.g. facebook, whatsapp' },
    country: {
      type: 'string',
      valueName: 'id',
      description: 'Only this country (ISO 3166 alpha-2), e.g. us, gb',
    },
    refresh: { type: 'boolean', description: 'Ask the API now instead of using a cached list' },
  },
  examples: [
    'playwright-tempnumber prices --service whatsapp',
    'playwright-tempnumber prices --service facebook --country us',
    'playwright-tempnumber prices --country gb --json',
  ],
} as const satisfies CommandSpec<OptionsSpec>;

/** Run `prices`; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  return runCliCommand(SPEC, args, async ({ options, out, settings }) => {
    const filter: PriceFilter = {
      ...(options.service === undefined ? {} : { service: readId(options.service, 'service') }),
      ...(options.country === undefined ? {} : { country: readId(options.country, 'country') }),
    };
    const s = settings();
    // The broker is connected (started if need be) only when the cache cannot answer.
    const list = await loadPriceList({
      settings: s,
      refresh: options.refresh === true,
      fetchList: () =>
        withBroker(s, 'prices', (broker) =>
          broker.read({ what: 'priceList', timeoutMs: CLI_READ_TIMEOUT_MS }),
        ),
    });
    if (list.cacheWarning) out.error(`prices: warning: ${list.cacheWarning}`);
    const rows = filterPrices(list.rows, filter);
    if (rows.length === 0) {
      const why = explainNoMatch(list.rows, filter);
      if (out.jsonMode) out.json({ error: { name: 'NoPrices', message: why, exitCode: 1 } });
      else out.error(`prices: ${why}`);
      return 'failure';
    }
    const only = rows.length === 1 && filter.service && filter.country ? rows[0] : undefined;
    const details = only
      ? await withBroker(s, 'prices', (broker) =>
          broker.read({
            what: 'price',
            service: only.service,
            country: only.country,
            timeoutMs: CLI_READ_TIMEOUT_MS,
          }),
        )
      : undefined;
    const ageMs = Math.max(0, Date.now() - list.fetchedAtMs);

    if (out.jsonMode) {
      out.json({
        account: accountId(s),
        source: list.fromCache ? 'cache' : 'api',
        fetchedAt: new Date(list.fetchedAtMs).toISOString(),
        ageSeconds: Math.round(ageMs / 1000),
        ttlSeconds: PRICES_CACHE_TTL_MS / 1000,
        currency: 'USD',
        filter,
        prices: rows,
        ...(details ? { details: detailsJson(details) } : {}),
      });
      return 'ok';
    }
    const origin = list.fromCache
      ? `from the cache, fetched ${formatAge(ageMs)} ago (kept ${PRICES_CACHE_TTL_MS / 60_000} min; --refresh to ask the API now)`
      : 'fetched from the API just now';
    out.line(`Prices in USD for account ${accountId(s)}, ${origin}.`);
    out.line();
    out.line(
      formatTable(
        [{ header: 'SERVICE' }, { header: 'COUNTRY' }, { header: 'PRICE', align: 'right' }],
        rows.map((r) => [r.service, r.country, formatUsd(r.price)]),
      ),
    );
    if (details) {
      out.line();
      out.line(formatDetails(details));
    } else if (rows.length > 1) {
      out.line();
      out.line(`${rows.length} prices.`);
    }
    return 'ok';
  });
}

/** Ids are lower-case on the wire; an empty `--service=` is a typo, not "all services". */
function readId(raw: string, flag: string): string {
  const id = raw.trim().toLowerCase();
  if (id === '')
    throw new UsageError(
      `Expected \`--${flag}\` to be an id such as ${flag === 'service' ? 'facebook' : 'us'}, got "".`,
    );
  return id;
}

function detailsJson(d: PriceQuote) {
  return {
    service: d.service,
    serviceName: d.serviceName,
    country: d.country,
    countryName: d.countryName,
    price: d.priceUsd,
    hasNumbers: d.available,
    isVirtual: d.virtual,
    ...(d.warning ? { warning: d.warning } : {}),
    ...(d.description ? { snippet: d.description } : {}),
  };
}

function formatDetails(d: PriceQuote): string {
  const fields: Array<[string, string]> = [
    [
      'Service',
      `${d.serviceName ?? d.service} (${d.service}) in ${d.countryName ?? d.country} (${d.country}), live now:`,
    ],
    ['Price', formatUsd(d.priceUsd)],
    [
      'Numbers',
      d.available === false
        ? 'none right now: a lease fails until numbers return; try another country'
        : d.available
          ? 'available'
          : 'not said by the API',
    ],
    [
      'Number type',
      d.virtual === undefined
        ? 'not said by the API'
        : d.virtual
          ? 'virtual (some apps refuse virtual numbers)'
          : 'SIM card',
    ],
  ];
  if (d.warning) fields.push(['Warning', d.warning]);
  return formatFields(fields);
}
