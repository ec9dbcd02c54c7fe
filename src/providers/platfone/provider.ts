/**
 * Platfone's Activation API (temp-number-api.com) behind the provider seam: the client of
 * ./client.ts with its answers translated once into the neutral shapes of ../provider.ts by the
 * tables of ./tables.ts. What this module adds to the client: release verdicts (`cancel` before
 * `cancelable_after` is `notYet`), the catalog kept with its ETags, and paths only seen in the
 * web app (history, finalize) switched off after the API shows it lacks them (decision 0020).
 */

import type { ActivationId } from '../../contract/activation.ts';
import { ACTIVATION_STATES } from '../../contract/activation.ts';
import { ApiError, isTempNumberError } from '../../contract/errors.ts';
import type { Headroom } from '../../limits/rate-limits.ts';
import type {
  PriceListEntry,
  PriceQuote,
  ProviderActivation,
  ProviderCallOptions,
  ProviderCapabilities,
  ProviderOptions,
  ReleaseEffect,
  SmsProvider,
} from '../provider.ts';
import { createPlatfoneClient } from './client.ts';
import {
  centsToUsd,
  PLATFONE_BUCKETS,
  PLATFONE_ERROR_FAMILIES,
  PLATFONE_LIMIT_POLICY,
  PLATFONE_MAX_HISTORY_LIMIT,
  PLATFONE_RULES,
  stateOfStatuses,
  toE164,
  usdToMaxCents,
  wireStatusOf,
  wireTimeMs,
} from './tables.ts';
import type { PlatfoneActivation, PlatfoneCountry, PlatfoneService } from './wire.ts';

/** Internals tests may set; the registry passes none. */
export interface PlatfoneInternals {
  /** How long the catalog (countries, services) is used before it is asked again with its ETag. @default 300000 (the MCP server's 5 minutes) */
  catalogTtlMs?: number;
  /** The local wall clock (unix ms) the API's clock is estimated from. @default Date.now */
  now?: () => number;
}

/**
 * Create the Platfone provider for one account. Takes the client's options (API key, base URL —
 * default `https://temp-number-api.com/api/v1` —, a budget built over PLATFONE_LIMITS, time scale,
 * timeout, retries).
 *
 * @example
 * const provider = createPlatfoneProvider({ apiKey, baseUrl: 'https://temp-number-api.com/test/api/v1' });
 * const activation = await provider.lease({ service: 'wa', country: 'us', maxPriceUsd: 0.5 });
 */
export function createPlatfoneProvider(
  options: ProviderOptions,
  internals: PlatfoneInternals = {},
): SmsProvider {
  const client = createPlatfoneClient(options);
  const localNow = internals.now ?? Date.now;
  const catalog = createCatalog(client, internals.catalogTtlMs ?? 300_000, localNow);
  // The API sends no "now" of its own (reference §3.1), but a lease answer's `created_at` is the
  // API's clock at that answer: the latest one anchors the estimate, advanced at the time scale
  // (a sandbox's clock runs faster; at time scale 1 this is the API's clock against ours, skew
  // included). Before any lease: our own clock at time scale 1; unknown on a faster sandbox clock
  // (then the API itself decides when a cancel is too early).
  const timeScale = options.timeScale ?? 1;
  let anchor: { apiMs: number; localMs: number } | undefined;
  const now = (): number | undefined =>
    anchor
      ? anchor.apiMs + (localNow() - anchor.localMs) * timeScale
      : timeScale === 1
        ? localNow()
        : undefined;
  // Paths seen only in the web app (reference §2.2, §2.3): off once the API answers 404 for them.
  const missing = { history: false, finalize: false };
  // `cancelable_after` of the activations seen waiting (API clock, ms; null: no cancel), so a
  // release too early costs no request (reference §12: the web app counts down locally too).
  const cancelableAt = new Map<ActivationId, number | null>();

  const seen = (a: PlatfoneActivation): ProviderActivation => {
    const activation = { ...platfoneToNeutral(a), serverNowMs: now() };
    const waiting = activation.state === 'waitingForSms';
    const cancelable = !waiting ? undefined : a.cancelable_after === null ? null : activation.cancelableAtMs;
    if (cancelable === undefined) cancelableAt.delete(activation.id);
    else cancelableAt.set(activation.id, cancelable);
    return activation;
  };
  const read = async (id: ActivationId, opts?: ProviderCallOptions) =>
    seen(await client.getActivation(id, opts));

  const capabilities: ProviderCapabilities = {
    cancel: true,
    get finalize() {
      return !missing.finalize;
    },
    get history() {
      return missing.history
        ? undefined
        : { newestFirst: true as const, maxPageLimit: PLATFONE_MAX_HISTORY_LIMIT };
    },
  };

  return {
    id: 'platfone',
    capabilities,
    limits: {
      table: PLATFONE_LIMIT_POLICY.table,
      bucketOf: PLATFONE_BUCKETS,
      headroom: PLATFONE_LIMIT_POLICY.headroom as Readonly<Record<string, Headroom>>,
    },
    rules: PLATFONE_RULES,
    errorFamilies: PLATFONE_ERROR_FAMILIES,

    lease: async (order, opts) => {
      const answer = await client.newActivation(
        {
          service_id: order.service,
          country_id: order.country,
          ...(order.maxPriceUsd === undefined ? {} : { max_price: usdToMaxCents(order.maxPriceUsd) }),
          ...(order.quality === undefined ? {} : { quality_factor: order.quality }),
        },
        opts,
      );
      const createdAtMs = wireTimeMs(answer.created_at);
      if (createdAtMs !== undefined) anchor = { apiMs: createdAtMs, localMs: localNow() };
      return seen(answer);
    },

    read,

    history: async (query, opts) => {
      try {
        const answer = await client.getHistory(query, opts);
        return {
          activations: answer.activations.map(seen),
          page: answer.page,
          pages: answer.pages,
          total: answer.total,
        };
      } catch (error) {
        if (statusOf(error) === 404) missing.history = true;
        throw error;
      }
    },

    retry: async (id, opts) => {
      await client.retryActivation(id, opts);
    },

    cancel: async (id, opts) => {
      const known = cancelableAt.get(id);
      if (known === null) return { kind: 'runsToExpiry' };
      const apiNow = now();
      if (known !== undefined && apiNow !== undefined && known > apiNow)
        return { kind: 'notYet', retryAtMs: known };
      try {
        await client.cancelActivation(id, opts);
        cancelableAt.delete(id);
        return { kind: 'ended' };
      } catch (error) {
        // How the API refuses a cancel that is too early is not documented (reference §4.3, open
        // question 2): read the activation and decide by its state and `cancelable_after`.
        if (!isStateRefusal(error)) throw error;
        // The API's clock unknown: it just refused, so a later `cancelable_after` means "not yet".
        const verdict = cancelVerdict(await read(id, opts), now() ?? Number.NEGATIVE_INFINITY);
        if (verdict === undefined) throw error;
        return verdict;
      }
    },

    finalize: async (id, opts) => {
      if (missing.finalize) return { kind: 'runsToExpiry' };
      try {
        await client.finalizeActivation(id, opts);
        cancelableAt.delete(id);
        return { kind: 'ended' };
      } catch (error) {
        const status = statusOf(error);
        if (status !== 404 && !isStateRefusal(error)) throw error;
        // The activation exists (else this read throws its own 404), so a 404 was the path.
        const activation = await read(id, opts);
        if (ACTIVATION_STATES[activation.state].final) return { kind: 'ended' };
        if (status !== 404) throw error;
        missing.finalize = true;
        return { kind: 'runsToExpiry' };
      }
    },

    balance: async (opts) => {
      const { total, reserved } = await client.getBalance(opts);
      return { availableUsd: centsToUsd(total - reserved), heldUsd: centsToUsd(reserved) };
    },

    price: async (service, country, opts) => {
      let info: Awaited<ReturnType<typeof client.getPrice>>;
      try {
        info = await client.getPrice(service, country, opts);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }
      const suggested = info.price?.suggested;
      if (suggested === undefined) return undefined;
      const names = await catalog.names(service, country, opts);
      return {
        service,
        country,
        priceUsd: centsToUsd(suggested),
        available: info.count === undefined ? undefined : info.count > 0,
        serviceName: names.service?.name,
        countryName: names.country?.name,
        // `_v` ids are virtual numbers only (reference §3.2).
        virtual: country.endsWith('_v'),
        warning: names.service?.has_warning ? 'Platfone shows a warning for this service' : undefined,
        description: undefined,
      } satisfies PriceQuote;
    },

    priceList: async (opts) =>
      (await client.getPriceList(opts)).flatMap(({ service_id, countries }) =>
        countries.flatMap(({ country_id, price }): PriceListEntry[] =>
          typeof price === 'number'
            ? [{ service: service_id, country: country_id, priceUsd: centsToUsd(price) }]
            : [],
        ),
      ),
  };
}

/**
 * What a refused cancel means, from the activation read right after it; undefined: the refusal
 * stands (an SMS came — finalize instead —, or nothing explains it).
 * - already final (expired, canceled, finalized): `ended`, nothing is left to cancel;
 * - waiting with `cancelable_after` null: this one cannot be cancelled, it `runsToExpiry`;
 * - waiting before `cancelable_after`: `notYet`, at that moment.
 */
export function cancelVerdict(activation: ProviderActivation, nowMs: number): ReleaseEffect | undefined {
  if (ACTIVATION_STATES[activation.state].final) return { kind: 'ended' };
  if (activation.state !== 'waitingForSms') return undefined;
  if (activation.cancelableAtMs === undefined) return { kind: 'runsToExpiry' };
  if (activation.cancelableAtMs > nowMs) return { kind: 'notYet', retryAtMs: activation.cancelableAtMs };
  return undefined;
}

/** One Platfone activation in neutral terms (also how tests state a snapshot in Platfone's words). */
export function platfoneToNeutral(a: PlatfoneActivation): ProviderActivation {
  const text = a.sms_text ?? '';
  const code = a.sms_code ?? '';
  return {
    id: a.activation_id,
    state: stateOfStatuses(a),
    wireStatus: wireStatusOf(a),
    service: a.service_id,
    country: a.country_id,
    number: toE164(a.phone),
    priceUsd: a.price === undefined ? undefined : centsToUsd(a.price),
    sms: text === '' && code === '' ? undefined : { text, code },
    createdAtMs: wireTimeMs(a.created_at),
    expiresAtMs: wireTimeMs(a.expire_at),
    // The API sends no "now" of its own (reference §3.1): the provider fills in its estimate.
    serverNowMs: undefined,
    retryAvailable: a.is_retriable,
    cancelableAtMs: wireTimeMs(a.cancelable_after),
  };
}

/** A refusal about the activation's state or path (4xx other than auth, money and rate limits). */
function isStateRefusal(error: unknown): boolean {
  if (!(error instanceof ApiError) || error.status < 400 || error.status >= 500) return false;
  return ![
    'unauthorized',
    'paymentRequired',
    'accountOnHold',
    'rateLimited',
    'lowSuccessRate',
    'tooManyPending',
  ].includes(error.family);
}

function statusOf(error: unknown): number | undefined {
  if (!isTempNumberError(error)) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/*
 * The catalog (countries and services) for the names in a price quote, kept per provider with
 * its ETags: after `ttlMs` it is asked again with `If-None-Match`, and a 304 keeps it (reference
 * §2.1). It only decorates a quote: when it cannot be read, the quote goes without names.
 */

function createCatalog(client: ReturnType<typeof createPlatfoneClient>, ttlMs: number, now: () => number) {
  type Entry<T> = { value: T[]; etag: string | undefined; checkedAtMs: number } | undefined;
  let countries: Entry<PlatfoneCountry>;
  let services: Entry<PlatfoneService>;

  async function refresh<T>(
    entry: Entry<T>,
    get: (
      etag: string | undefined,
      opts?: ProviderCallOptions,
    ) => Promise<{ notModified: true } | { notModified: false; value: T[]; etag: string | undefined }>,
    opts: ProviderCallOptions | undefined,
  ): Promise<Entry<T>> {
    if (entry !== undefined && now() - entry.checkedAtMs < ttlMs) return entry;
    const answer = await get(entry?.etag, opts);
    if (answer.notModified) return entry === undefined ? undefined : { ...entry, checkedAtMs: now() };
    return { value: answer.value, etag: answer.etag, checkedAtMs: now() };
  }

  return {
    async names(service: string, country: string, opts?: ProviderCallOptions) {
      const lowPriority = { ...opts, priority: 'low' as const };
      try {
        services = await refresh(services, client.getServices, lowPriority);
        countries = await refresh(countries, client.getCountries, lowPriority);
      } catch (error) {
        if (opts?.signal?.aborted) throw error;
      }
      return {
        service: services?.value.find((s) => s.service_id === service),
        country: countries?.value.find((c) => c.country_id === country),
      };
    },
  };
}
