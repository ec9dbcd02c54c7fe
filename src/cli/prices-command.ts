/**
 * `playwright-tempnumber prices`: the price list from a 5-minute disk cache, filtered, with the
 * live details of one pair.
 */

import { randomUUID } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureRuntimePaths, runtimePaths } from '../broker/runtime-paths.ts';
import { accountId, type Settings } from '../config/settings.ts';
import type { PriceListEntry, PriceQuote } from '../providers/provider.ts';
import { closestNames, formatAge, formatFields, formatTable, formatUsd } from './format.ts';
import type { CommandSpec, OptionsSpec } from './frame.ts';
import { CLI_READ_TIMEOUT_MS, runCliCommand, UsageError, withBroker } from './frame.ts';

/** How long a cached price list is used before asking the API again (real time). */
export const PRICES_CACHE_TTL_MS = 5 * 60_000;

/*
 * `playwright-tempnumber prices [--service S] [--country C] [--refresh]`: prices from the price
 * list, filtered, from a 5-minute disk cache unless `--refresh`; with both filters, also the
 * live details of that one pair (numbers available, virtual, warning).
 */

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

/*
 * The price list, cached on disk per account: `GET /services/pricelistBy*` is limited to 3
 * requests a minute, so `prices` called in a loop (or by several scripts) must not ask every
 * time. The file lives in the account's private runtime folder (0700), is written 0600 and
 * atomically (temp file + rename), and is trusted for {@link PRICES_CACHE_TTL_MS} of real time.
 */

/** One price: service, country, USD. */
export interface PriceRow {
  service: string;
  country: string;
  price: number;
}

/** The price list and where it came from. */
export interface PriceList {
  rows: PriceRow[];
  /** Unix ms (real clock) when the API answered. */
  fetchedAtMs: number;
  fromCache: boolean;
  /** Set when the fresh list could not be stored: the next call asks the API again. */
  cacheWarning?: string;
}

/** Version 2 holds neutral rows (USD); a version-1 file (v1's wire list) is a miss. */
interface CacheFile {
  version: 2;
  fetchedAtMs: number;
  rows: PriceRow[];
}

/** `<runtimeDir>/<accountId>/prices-cache.json`. */
function pricesCachePath(settings: Settings): string {
  return join(runtimePaths(settings.runtimeDir, accountId(settings)).dir, 'prices-cache.json');
}

/**
 * The cached list when it is younger than the TTL (and `refresh` is false), else a fresh one
 * from `fetchList`, stored for the next call. Only one of the two price lists is fetched: they
 * hold the same prices, and one request leaves more of the 3-a-minute budget to everyone else.
 */
export async function loadPriceList(init: {
  settings: Settings;
  refresh: boolean;
  fetchList: () => Promise<PriceListEntry[]>;
  nowMs?: () => number;
}): Promise<PriceList> {
  const now = init.nowMs ?? Date.now;
  const paths = runtimePaths(init.settings.runtimeDir, accountId(init.settings));
  // Checks the folder is ours and private before trusting (or writing) anything in it.
  await ensureRuntimePaths(init.settings.runtimeDir, paths);
  const file = pricesCachePath(init.settings);
  if (!init.refresh) {
    const cached = await readCache(file);
    const ageMs = cached ? now() - cached.fetchedAtMs : -1;
    // A negative age means the clock went back: the entry's age is unknown, so it is not used.
    if (cached && ageMs >= 0 && ageMs < PRICES_CACHE_TTL_MS) {
      return { rows: cached.rows, fetchedAtMs: cached.fetchedAtMs, fromCache: true };
    }
  }
  const rows = (await init.fetchList()).map(({ service, country, priceUsd }) => ({
    service,
    country,
    price: priceUsd,
  }));
  const fetchedAtMs = now();
  const list: PriceList = { rows, fetchedAtMs, fromCache: false };
  try {
    await writeCache(file, { version: 2, fetchedAtMs, rows });
  } catch (error) {
    // The prices are in hand; a full disk should not hide them, only cost a request next time.
    list.cacheWarning = `could not write the price cache ${file}: ${(error as Error).message}`;
  }
  return list;
}

async function readCache(file: string): Promise<CacheFile | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile>;
    const ok =
      parsed.version === 2 &&
      typeof parsed.fetchedAtMs === 'number' &&
      Number.isFinite(parsed.fetchedAtMs) &&
      Array.isArray(parsed.rows) &&
      parsed.rows.every(
        (r) => typeof r?.service === 'string' && typeof r.country === 'string' && typeof r.price === 'number',
      );
    // A corrupt or foreign file is a miss, and gets overwritten by the fresh list.
    return ok ? (parsed as CacheFile) : undefined;
  } catch {
    return undefined;
  }
}

async function writeCache(file: string, content: CacheFile): Promise<void> {
  const temp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(content), { mode: 0o600, flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/*
 * Filtering the flattened price list by service and country, and explaining an empty result:
 * an unknown id gets "did you mean" suggestions from the ids the list does contain.
 */

/** `--service` / `--country`, lower-cased (the API's ids are lower-case). */
export interface PriceFilter {
  service?: string;
  country?: string;
}

/** Matching rows: by service, then cheapest first, then country. */
export function filterPrices(rows: readonly PriceRow[], filter: PriceFilter): PriceRow[] {
  return rows
    .filter((r) => filter.service === undefined || r.service.toLowerCase() === filter.service)
    .filter((r) => filter.country === undefined || r.country.toLowerCase() === filter.country)
    .sort(
      (a, b) => a.service.localeCompare(b.service) || a.price - b.price || a.country.localeCompare(b.country),
    );
}

/** Why nothing matched, with what to type instead. */
export function explainNoMatch(rows: readonly PriceRow[], filter: PriceFilter): string {
  const services = new Set(rows.map((r) => r.service.toLowerCase()));
  const countries = new Set(rows.map((r) => r.country.toLowerCase()));
  const problems: string[] = [];
  if (filter.service !== undefined && !services.has(filter.service)) {
    problems.push(unknownId('service', filter.service, services));
  }
  if (filter.country !== undefined && !countries.has(filter.country)) {
    problems.push(unknownId('country', filter.country, countries));
  }
  if (problems.length === 0) {
    return `The price list has no price for service ${JSON.stringify(filter.service)} in country ${JSON.stringify(filter.country)}: TempNumber does not sell it there. Run \`playwright-tempnumber prices --service ${filter.service}\` for the countries that have it.`;
  }
  return problems.join(' ');
}

function unknownId(kind: 'service' | 'country', id: string, known: Set<string>): string {
  const near = closestNames(id, known);
  const sample = [...known].sort().slice(0, 12).join(', ');
  const suggestion = near.length
    ? `Did you mean ${near.join(' or ')}?`
    : `Known ${kind} ids include: ${sample}.`;
  const ids = kind === 'country' ? ' (ISO 3166 alpha-2, lower-case, e.g. us, gb)' : '';
  return `No ${kind} ${JSON.stringify(id)} in the price list${ids}. ${suggestion}`;
}
