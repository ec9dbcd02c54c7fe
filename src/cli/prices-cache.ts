/**
 * The price list, cached on disk per account: `GET /services/pricelistBy*` is limited to 3
 * requests a minute, so `prices` called in a loop (or by several scripts) must not ask every
 * time. The file lives in the account's private runtime folder (0700), is written 0600 and
 * atomically (temp file + rename), and is trusted for {@link PRICES_CACHE_TTL_MS} of real time.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureRuntimePaths, runtimePaths } from '../broker/runtime-paths.ts';
import { accountId, type Settings } from '../config/settings.ts';
import type { PriceListEntry } from '../providers/provider.ts';

/** How long a cached price list is used before asking the API again (real time). */
export const PRICES_CACHE_TTL_MS = 5 * 60_000;

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
