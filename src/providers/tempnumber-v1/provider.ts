/**
 * TempNumber v1 (tn-api.com) behind the provider seam: the v1 client of ./client.ts, unchanged,
 * with its answers translated once into the neutral shapes of ../provider.ts by the tables of
 * ./tables.ts. The client keeps its budget, retries and error classes; this module adds no
 * request of its own (cancel and finalize send nothing: v1 has no such calls).
 */

import type { ActivationId } from '../../contract/activation.ts';
import { ConfigurationError } from '../../contract/errors.ts';
import { HEADROOM, RATE_LIMITS } from '../../limits/rate-limits.ts';
import type { PriceQuote, ProviderActivation, ProviderOptions, SmsProvider } from '../provider.ts';
import { createTempNumberClient } from './client.ts';
import {
  stateOfV1Status,
  V1_BUCKETS,
  V1_ERROR_FAMILIES,
  V1_MAX_HISTORY_LIMIT,
  V1_OPERATIONS,
  V1_RELEASE,
  V1_RULES,
  V1_UNITS,
} from './tables.ts';
import type { Activation, ServiceInCountry } from './wire.ts';

/**
 * Create the v1 provider for one account. Takes the client's options (API key, base URL, the
 * shared budget, time scale, timeout, retries).
 *
 * @example
 * const provider = createTempNumberV1Provider({ apiKey, baseUrl: sandbox.apiUrl });
 * const activation = await provider.lease({ service: 'facebook', country: 'us', maxPriceUsd: 0.8 });
 */
export function createTempNumberV1Provider(options: ProviderOptions): SmsProvider {
  const client = createTempNumberClient(options);
  return {
    id: 'tempnumber-v1',
    capabilities: {
      cancel: V1_OPERATIONS.cancel !== null,
      finalize: V1_OPERATIONS.finalize !== null,
      history: { newestFirst: true, maxPageLimit: V1_MAX_HISTORY_LIMIT },
    },
    // v1's tables stay in src/limits (the sandbox and the standalone client read them there);
    // the provider names them, so the broker reads limits through the provider.
    limits: { table: RATE_LIMITS, bucketOf: V1_BUCKETS, headroom: HEADROOM },
    rules: V1_RULES,
    errorFamilies: V1_ERROR_FAMILIES,

    lease: async (order, opts) =>
      toNeutral(
        await client.newActivation(
          {
            serviceId: order.service,
            countryId: order.country,
            ...(order.maxPriceUsd === undefined
              ? {}
              : { expectedPrice: order.maxPriceUsd / V1_UNITS.usdPerMoneyUnit }),
          },
          opts,
        ),
      ),

    read: async (id, opts) => toNeutral(await client.getActivation(v1Id(id), opts)),

    history: async (query, opts) => {
      const answer = await client.getActivationsHistory(query, opts);
      return {
        activations: answer.activations.map(toNeutral),
        page: answer.page,
        pages: answer.pages,
        total: answer.total,
      };
    },

    retry: async (id, opts) => {
      await client.updateActivation(v1Id(id), { status: 'retry' }, opts);
    },

    // Nothing to send (tables.ts V1_RELEASE); a malformed id still fails as it would on a call.
    cancel: async (id) => {
      v1Id(id);
      return V1_RELEASE.cancel;
    },
    finalize: async (id) => {
      v1Id(id);
      return V1_RELEASE.finalize;
    },

    balance: async (opts) => {
      const answer = await client.getUserBalance(opts);
      return {
        availableUsd: answer.balance * V1_UNITS.usdPerMoneyUnit,
        heldUsd: (answer.review_balance ?? 0) * V1_UNITS.usdPerMoneyUnit,
      };
    },

    price: async (service, country, opts) => {
      const answer = await client.getSingleService(service, country, {}, opts);
      // The API answers for the one pair asked (reference §3.6); ids may differ in case.
      const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
      const entry =
        answer.services.find((s) => same(s.serviceId, service) && same(s.countryId, country)) ??
        answer.services[0];
      return entry === undefined ? undefined : toQuote(entry);
    },

    priceList: async (opts) =>
      (await client.getPricelistByCountry(opts)).flatMap(({ c, services }) =>
        services.map(({ s, p }) => ({ service: s, country: c, priceUsd: p * V1_UNITS.usdPerMoneyUnit })),
      ),
  };
}

/** A neutral id as v1 wants it: a positive integer written in decimal. */
function v1Id(id: ActivationId): number {
  const value = typeof id === 'string' && /^[1-9]\d*$/.test(id) ? Number(id) : Number.NaN;
  if (Number.isSafeInteger(value)) return value;
  throw new ConfigurationError(
    `Expected a TempNumber v1 activation id (a positive integer in decimal), got ${JSON.stringify(id)}.`,
  );
}

/** A wire time (unix seconds, V1_UNITS) → unix ms. */
function wireTimeMs(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * V1_UNITS.msPerTimeUnit;
}

/** One v1 activation in neutral terms (also how tests state a snapshot in v1's words). */
export function toNeutral(a: Activation): ProviderActivation {
  const text = a.message ?? '';
  return {
    id: String(a.id),
    state: stateOfV1Status(a.status),
    wireStatus: a.status,
    service: a.serviceId,
    country: a.countryId,
    // The wire number is digits with the country code and no '+' (reference §7).
    number: a.number === undefined ? '' : `+${String(a.number).replace(/\D/g, '')}`,
    priceUsd: a.price === undefined ? undefined : a.price * V1_UNITS.usdPerMoneyUnit,
    sms: text === '' ? undefined : { text, code: a.code ?? '' },
    createdAtMs: wireTimeMs(a.createdAt),
    expiresAtMs: wireTimeMs(a.numberExpireAt),
    serverNowMs: wireTimeMs(a.utc),
    retryAvailable: a.retryAvailable,
    cancelableAtMs: undefined,
  };
}

function toQuote(d: ServiceInCountry): PriceQuote {
  return {
    service: d.serviceId,
    country: d.countryId,
    priceUsd: d.price * V1_UNITS.usdPerMoneyUnit,
    available: d.hasNumbers,
    serviceName: d.serviceName,
    countryName: d.countryName,
    virtual: d.isVirtual,
    warning: d.warning || undefined,
    description: d.snippet || undefined,
  };
}
