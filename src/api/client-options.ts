/**
 * Options of {@link createTempNumberClient} and of each call, with their defaults and checks.
 */
import { DEFAULT_BASE_URL } from '../config/settings.ts';
import { ConfigurationError } from '../contract/errors/configuration-error.ts';
import type { RequestBudget } from '../limits/budget.ts';
import type { Priority } from '../limits/rate-limits.ts';
import { redactSecret } from './redact.ts';

/** Options of {@link createTempNumberClient}. */
export interface TempNumberClientOptions {
  /**
   * The account's API key, sent as the `x-api-key` header. It never appears in an error's
   * message, properties or `cause`.
   */
  apiKey: string;
  /**
   * API root, up to and including `/api/v1`; a trailing slash is ignored.
   * @default 'https://tn-api.com/api/v1'
   * @example 'http://127.0.0.1:8787/api/v1' // a local sandbox
   */
  baseUrl?: string;
  /**
   * How long one attempt may take, from sending the request to the end of the body, in real
   * milliseconds. Waiting for the rate-limit budget is not counted.
   * @default 15000
   */
  timeoutMs?: number;
  /**
   * The rate-limit budget every attempt (retries included) waits for. Pass the broker's budget
   * to share one account's limits across processes.
   * @default createLocalBudget({ timeScale }) — this process only, the published limits
   */
  budget?: RequestBudget;
  /**
   * How many times faster than real time the API's clock runs: a sandbox at 600× passes a
   * 2-minute window in 200 ms. Divides retry backoff (never below a small real floor) and the
   * default budget's windows. Server `Retry-After` hints are real time and are not divided.
   * @default 1
   */
  timeScale?: number;
  /**
   * Retries of an idempotent GET after a network error, timeout, 5xx, 429 or garbled body
   * (see `RETRY_POLICY`). POST /activations and PUT are never retried.
   * @default 4
   */
  retries?: number;
  /**
   * The `fetch` the transport (ky) uses, e.g. to add a proxy dispatcher.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * `User-Agent` header.
   * @default 'playwright-tempnumber'
   */
  userAgent?: string;
}

/** Options of one call. */
export interface RequestOptions {
  /** Abort the call: it rejects promptly with `signal.reason` and is never retried. */
  signal?: AbortSignal;
  /**
   * Class of the request inside its rate-limit bucket; higher classes keep headroom.
   * @default the budget's default
   */
  priority?: Priority;
  /** Per-attempt timeout for this call, real milliseconds. @default the client's `timeoutMs` */
  timeoutMs?: number;
  /**
   * Awaited after the budget granted an attempt and right before its request leaves; when it
   * throws, nothing is sent. The broker opens a lease intent here (lease-intents.ts).
   */
  beforeSend?: () => Promise<void>;
}

/** The client's options with defaults applied and values checked. */
export interface ResolvedClientOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  timeScale: number;
  retries: number;
  fetch: typeof fetch | undefined;
  userAgent: string;
}

/** Apply defaults and check every value; throws a ConfigurationError naming the bad one. */
export function resolveClientOptions(options: TempNumberClientOptions): ResolvedClientOptions {
  if (typeof options?.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new ConfigurationError(
      'Expected `apiKey` to be a non-empty string. Set TEMPNUMBER_API_KEY or pass `apiKey` to createTempNumberClient.',
    );
  }
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/i.test(baseUrl) || !URL.canParse(baseUrl)) {
    throw new ConfigurationError(
      `Expected \`baseUrl\` to be an http(s) URL such as ${DEFAULT_BASE_URL}, got ${JSON.stringify(redactSecret(baseUrl, options.apiKey.trim()))}.`,
    );
  }
  const timeoutMs = checkTimeoutMs(options.timeoutMs ?? 15_000, 'timeoutMs');
  const timeScale = options.timeScale ?? 1;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0) {
    throw new ConfigurationError(`Expected \`timeScale\` to be a positive number, got ${String(timeScale)}.`);
  }
  const retries = options.retries ?? 4;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) {
    throw new ConfigurationError(
      `Expected \`retries\` to be a non-negative integer, got ${String(retries)}.`,
    );
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new ConfigurationError(`Expected \`fetch\` to be a function, got ${typeof options.fetch}.`);
  }
  return {
    apiKey: options.apiKey.trim(),
    baseUrl,
    timeoutMs,
    timeScale,
    retries,
    fetch: options.fetch,
    userAgent: options.userAgent ?? 'playwright-tempnumber',
  };
}

/** A positive, finite number of milliseconds that a timer can hold. */
export function checkTimeoutMs(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2_147_483_647) {
    throw new ConfigurationError(
      `Expected \`${name}\` to be a positive number of milliseconds, got ${String(value)}.`,
    );
  }
  return value;
}
