/**
 * The Platfone provider: its tables (every combination of the three status fields is one neutral
 * state; error names → the families v1 uses for the same rules; cents ↔ USD; numbers to +E.164)
 * and its HTTP behaviour against a raw server answering the reference's documented JSON
 * (/work/shared/reference/platfone-activation-api.md) — until our sandbox speaks Platfone.
 */
import { expect, test } from '@playwright/test';
import { SKIP_ON_FAMILY } from '../../src/broker/server/lease.ts';
import { ACTIVATION_STATES, type ActivationState } from '../../src/contract/activation.ts';
import { ApiError, PriceChangedError, RateLimitedError } from '../../src/contract/errors.ts';
import { createLocalBudget, type RequestBudget } from '../../src/limits/budget.ts';
import { PRIORITIES } from '../../src/limits/rate-limits.ts';
import { createProvider, PROVIDERS } from '../../src/providers/index.ts';
import {
  cancelVerdict,
  createPlatfoneProvider,
  platfoneToNeutral,
} from '../../src/providers/platfone/provider.ts';
import {
  centsToUsd,
  PLATFONE_BUCKETS,
  PLATFONE_LIMIT_POLICY,
  PLATFONE_LIMITS,
  PLATFONE_OPERATIONS,
  PLATFONE_RULES,
  PLATFONE_STATES,
  stateOfStatuses,
  toE164,
  usdToMaxCents,
} from '../../src/providers/platfone/tables.ts';
import {
  bucketOfEndpoint,
  familyOfErrorName,
  PLATFONE_ACTIVATION_STATUSES,
  PLATFONE_BILLING_STATUSES,
  PLATFONE_ENDPOINTS,
  PLATFONE_ERROR_NAMES,
  PLATFONE_SMS_STATUSES,
} from '../../src/providers/platfone/wire.ts';
import type { ProviderActivation } from '../../src/providers/provider.ts';
import { ERROR_NAMES as V1_ERROR_NAMES } from '../../src/providers/tempnumber-v1/wire.ts';
import { type RawReply, type SeenRequest, startRawServer } from './client-raw-server.ts';

const KEY = 'pf-unit-key-0123456789';
const NOW_S = 1_800_000_000;

/** An activation as reference §3.1 documents it (cents, unix seconds, phone without '+'). */
function activation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    activation_id: '6615a3f0c2',
    phone: '447700900123',
    service_id: 'wa',
    country_id: 'uk',
    activation_status: 'active',
    sms_status: 'smsRequested',
    billing_status: 'reserved',
    report_status: null,
    sms_code: null,
    sms_text: null,
    price: 35,
    expire_at: NOW_S + 1200,
    created_at: NOW_S,
    updated_at: NOW_S,
    is_retriable: false,
    cancelable_after: NOW_S + 120,
    ...overrides,
  };
}

const statuses = (key: string) => {
  const [activation_status, sms_status, billing_status] = key.split('/') as [string, string, string];
  return { activation_status, sms_status, billing_status };
};

test.describe('the three status fields → one neutral state', () => {
  const combinations = PLATFONE_ACTIVATION_STATUSES.flatMap((a) =>
    PLATFONE_SMS_STATUSES.flatMap((s) => PLATFONE_BILLING_STATUSES.map((b) => `${a}/${s}/${b}`)),
  );

  test('every one of the 64 combinations is exactly one state: its row, or unknown', () => {
    expect(combinations).toHaveLength(64);
    for (const key of combinations) {
      const expected = (PLATFONE_STATES as Record<string, ActivationState>)[key] ?? 'unknown';
      expect(stateOfStatuses(statuses(key)), key).toBe(expected);
    }
    // A newer API's word is unknown too, not an error.
    expect(
      stateOfStatuses({
        activation_status: 'paused',
        sms_status: 'smsRequested',
        billing_status: 'reserved',
      }),
    ).toBe('unknown');
  });

  // Reference §4.1 (the states the official clients recognise) and §4.2 (transitions).
  const documented: Array<[string, ActivationState]> = [
    ['active/smsRequested/reserved', 'waitingForSms'],
    ['active/retryRequested/billed', 'waitingForNextSms'],
    ['active/smsReceived/billed', 'smsReceived'],
    ['active/retryReceived/billed', 'smsReceived'],
    ['expired/smsRequested/released', 'refunded'],
    ['expired/smsReceived/billed', 'finalized'],
    ['finalized/retryReceived/billed', 'finalized'],
    ['finalized/smsReceived/refunded', 'refunded'],
    ['canceled/smsRequested/released', 'refunded'],
    ['canceled/smsRequested/refunded', 'refunded'],
    // Between two writes, or never seen: not waited on, not final.
    ['expired/smsRequested/reserved', 'unknown'],
    ['canceled/smsReceived/billed', 'unknown'],
    ['active/smsRequested/billed', 'unknown'],
  ];
  for (const [key, state] of documented) {
    test(`${key} is ${state}`, () => {
      expect(stateOfStatuses(statuses(key))).toBe(state);
    });
  }

  test('every row agrees with its fields: live only while active, no SMS before one came, billed is never refunded', () => {
    for (const [key, state] of Object.entries(PLATFONE_STATES)) {
      const { activation_status, sms_status, billing_status } = statuses(key);
      const row = ACTIVATION_STATES[state];
      expect(row.final, key).toBe(activation_status !== 'active');
      if (sms_status === 'smsRequested') expect(row.hasSms || row.delivered, key).toBe(false);
      if (billing_status === 'billed' && row.final) expect(row.refunded, key).toBe(false);
      if (billing_status === 'released' || billing_status === 'refunded') {
        if (row.final) expect(row.refunded, key).toBe(true);
      }
    }
  });
});

test.describe('error names → the families v1 uses for the same rules', () => {
  const expected: Array<[string, string]> = [
    ['UnauthorizedException', 'unauthorized'],
    ['PaymentRequiredException', 'paymentRequired'],
    ['NoNumbersAvailableException', 'serviceUnavailable'],
    ['MaxPriceExceededException', 'priceChanged'],
    ['TooManyRequestsException', 'rateLimited'],
    ['LowSuccessRateException', 'lowSuccessRate'],
    ['TooManyActivationsException', 'tooManyPending'],
    ['InvalidRequestParamsException', 'invalidRequest'],
    ['AccountOnHoldException', 'accountOnHold'],
    ['ResourceNotFoundException', 'notFound'],
    ['ResourceBadStateException', 'badState'],
    ['GoneException', 'gone'],
    ['ServiceUnavailableException', 'serviceUnavailable'],
  ];

  test('each name has its family, compared case-insensitively; an unknown name is unknown', () => {
    expect(Object.keys(PLATFONE_ERROR_NAMES).sort()).toEqual(expected.map(([name]) => name).sort());
    for (const [name, family] of expected) {
      expect(familyOfErrorName(name), name).toBe(family);
      expect(familyOfErrorName(name.toLowerCase()), name).toBe(family);
    }
    expect(familyOfErrorName('ReportCreationDeadlinePassed')).toBe('unknown');
    expect(createPlatfoneProvider({ apiKey: KEY }).errorFamilies).toEqual(Object.fromEntries(expected));
  });

  test('no numbers skips to the next country and a low success rate blocks the pair, as in v1', () => {
    expect(SKIP_ON_FAMILY[familyOfErrorName('NoNumbersAvailableException')]).toBeDefined();
    expect(SKIP_ON_FAMILY[familyOfErrorName('LowSuccessRateException')]?.blockPair).toBe(true);
    expect(SKIP_ON_FAMILY[familyOfErrorName('MaxPriceExceededException')]).toBeDefined();
    expect(familyOfErrorName('TooManyActivationsException')).toBe(
      V1_ERROR_NAMES.TooManyActivationsPendingException.family,
    );
    expect(familyOfErrorName('LowSuccessRateException')).toBe(V1_ERROR_NAMES.lowSuccessRateException.family);
    // The legacy names mean what they meant in v1.
    for (const [name, row] of Object.entries(PLATFONE_ERROR_NAMES)) {
      const v1 = (V1_ERROR_NAMES as Record<string, { family: string }>)[name];
      if (row.seen === 'legacy') expect(v1?.family, name).toBe(row.family);
    }
  });
});

test.describe('units at the edge', () => {
  test('cents become USD exact to the cent', () => {
    expect(centsToUsd(35)).toBe(0.35);
    expect(centsToUsd(1)).toBe(0.01);
    expect(centsToUsd(0)).toBe(0);
    expect(centsToUsd(12_345)).toBe(123.45);
    expect(centsToUsd(-250)).toBe(-2.5);
  });

  test('a max price in USD becomes whole cents, never above the max', () => {
    expect(usdToMaxCents(0.29)).toBe(29); // 0.29 × 100 is 28.999… in floating point
    expect(usdToMaxCents(0.5)).toBe(50);
    expect(usdToMaxCents(2)).toBe(200);
    expect(usdToMaxCents(1.005)).toBe(100);
    expect(usdToMaxCents(0.999)).toBe(99);
    expect(usdToMaxCents(0.004)).toBe(0);
    for (let cents = 0; cents <= 2000; cents++) {
      expect(usdToMaxCents(centsToUsd(cents)), `${cents} cents`).toBe(cents);
    }
    for (const usd of [0.011, 0.333, 1.2345, 7.999])
      expect(centsToUsd(usdToMaxCents(usd))).toBeLessThanOrEqual(usd);
  });

  test('a wire phone becomes +E.164', () => {
    expect(toE164('447700900123')).toBe('+447700900123');
    expect(toE164('+1 845-412-3223')).toBe('+18454123223');
    expect(toE164(79_001_234_567)).toBe('+79001234567');
    expect(toE164('')).toBe('');
    expect(toE164(null)).toBe('');
    expect(toE164(undefined)).toBe('');
  });

  test('one documented activation in neutral terms: text id, +E.164, USD, ms, SMS, cancelable moment', () => {
    const parsed = platfoneToNeutral(
      activation({
        sms_status: 'smsReceived',
        billing_status: 'billed',
        sms_text: 'Your WhatsApp code 123-456',
        sms_code: '123456',
      }) as never,
    );
    expect(parsed).toEqual({
      id: '6615a3f0c2',
      state: 'smsReceived',
      wireStatus: 'active/smsReceived/billed',
      service: 'wa',
      country: 'uk',
      number: '+447700900123',
      priceUsd: 0.35,
      sms: { text: 'Your WhatsApp code 123-456', code: '123456' },
      createdAtMs: NOW_S * 1000,
      expiresAtMs: (NOW_S + 1200) * 1000,
      serverNowMs: undefined,
      retryAvailable: false,
      cancelableAtMs: (NOW_S + 120) * 1000,
    } satisfies ProviderActivation);
    expect(platfoneToNeutral(activation() as never).sms).toBeUndefined();
  });
});

test.describe('a refused cancel, explained by the activation read after it', () => {
  const waiting = platfoneToNeutral(activation() as never);
  const cases: Array<[string, ProviderActivation, ReturnType<typeof cancelVerdict>]> = [
    [
      'before cancelable_after: not yet, at that moment',
      waiting,
      { kind: 'notYet', retryAtMs: (NOW_S + 120) * 1000 },
    ],
    [
      'after cancelable_after: the refusal stands',
      { ...waiting, cancelableAtMs: (NOW_S - 1) * 1000 },
      undefined,
    ],
    [
      'cancelable_after null: it runs to expiry',
      { ...waiting, cancelableAtMs: undefined },
      { kind: 'runsToExpiry' },
    ],
    ['already expired: ended', { ...waiting, state: 'refunded' }, { kind: 'ended' }],
    ['an SMS came: the refusal stands (finalize instead)', { ...waiting, state: 'smsReceived' }, undefined],
  ];
  for (const [title, read, verdict] of cases) {
    test(title, () => {
      expect(cancelVerdict(read, NOW_S * 1000)).toEqual(verdict);
    });
  }
});

test.describe('rules, limits and the registry', () => {
  test('the account rules are the published ones: 7 % from the 10th number over 24 h, 20 active, 20 minutes', () => {
    expect(PLATFONE_RULES).toEqual({
      delivery: { minSmsShare: 0.07, countedFrom: 10, windowMs: 86_400_000 },
      pendingCap: 20,
      defaultLifetimeMs: 1_200_000,
    });
  });

  test('each operation draws on its endpoint bucket; each bucket has one assumed limit with growing headroom', () => {
    for (const [operation, endpoint] of Object.entries(PLATFONE_OPERATIONS)) {
      expect(PLATFONE_BUCKETS[operation as keyof typeof PLATFONE_BUCKETS]).toBe(bucketOfEndpoint(endpoint));
    }
    expect(Object.keys(PLATFONE_LIMITS).sort()).toEqual(
      [
        ...new Set(Object.values(PLATFONE_OPERATIONS).map(bucketOfEndpoint)),
        'GET /activation/countries',
        'GET /activation/services',
      ].sort(),
    );
    for (const [bucket, row] of Object.entries(PLATFONE_LIMITS)) {
      const headroom = PRIORITIES.map((p) => row.headroom[p]);
      expect(headroom, bucket).toEqual([...headroom].sort((a, b) => a - b));
      expect(Math.max(...headroom), bucket).toBeLessThan(row.limit);
    }
    const provider = createPlatfoneProvider({ apiKey: KEY });
    expect(provider.limits).toEqual({
      table: PLATFONE_LIMIT_POLICY.table,
      bucketOf: PLATFONE_BUCKETS,
      headroom: PLATFONE_LIMIT_POLICY.headroom,
    });
    expect(provider.capabilities).toEqual({
      cancel: true,
      finalize: true,
      history: { newestFirst: true, maxPageLimit: 10 },
    });
  });

  test('the paths seen only in the web app are marked probable: history, finalize, the price list', () => {
    const probable = Object.entries(PLATFONE_ENDPOINTS).filter(([, e]) => !e.confirmed);
    expect(probable.map(([id]) => id).sort()).toEqual(['finalizeActivation', 'getHistory', 'getPriceList']);
  });

  test('the registry has one row for it, with its production root and host', () => {
    expect(PROVIDERS.platfone.defaultBaseUrl).toBe('https://temp-number-api.com/api/v1');
    expect(PROVIDERS.platfone.hosts).toEqual(['temp-number-api.com']);
    expect(createProvider('platfone', { apiKey: KEY }).id).toBe('platfone');
  });
});

/*
 * HTTP behaviour against a raw server.
 */

/** A budget over Platfone's table that records the 429s it is told of. */
function platfoneBudget(): RequestBudget & {
  rateLimited: Array<[string, number | undefined]>;
} {
  const inner = createLocalBudget({ policy: PLATFONE_LIMIT_POLICY });
  const rateLimited: Array<[string, number | undefined]> = [];
  return {
    rateLimited,
    acquire: (bucket, options) => inner.acquire(bucket, options),
    reportRateLimited: (bucket, ms) => {
      rateLimited.push([bucket, ms]);
      return Promise.resolve();
    },
  };
}

async function withServer(
  script: (request: SeenRequest, n: number) => RawReply,
  run: (baseUrl: string, requests: SeenRequest[]) => Promise<void>,
): Promise<void> {
  const server = await startRawServer(script);
  try {
    await run(server.baseUrl, server.requests);
  } finally {
    await server.close();
  }
}

test.describe('over HTTP', () => {
  test('an order sends X-Api-Key, JSON, max_price in cents (rounded down) and quality_factor; the answer is neutral', async () => {
    await withServer(
      () => ({ status: 200, body: activation() }),
      async (baseUrl, requests) => {
        const provider = createPlatfoneProvider({ apiKey: KEY, baseUrl });
        const leased = await provider.lease({
          service: 'wa',
          country: 'uk',
          maxPriceUsd: 0.299,
          quality: 80,
        });
        expect(leased).toMatchObject({
          id: '6615a3f0c2',
          state: 'waitingForSms',
          number: '+447700900123',
          priceUsd: 0.35,
        });
        const [sent] = requests;
        expect(sent?.method).toBe('POST');
        expect(sent?.url).toBe('/api/v1/activation');
        expect(sent?.headers['x-api-key']).toBe(KEY);
        expect(sent?.headers['content-type']).toContain('application/json');
        expect(JSON.parse(sent?.body ?? '')).toEqual({
          service_id: 'wa',
          country_id: 'uk',
          max_price: 29,
          quality_factor: 80,
        });
      },
    );
  });

  test('a refusal never carries the key, even when the server echoes it', async () => {
    await withServer(
      () => ({
        status: 401,
        body: { errorName: 'UnauthorizedException', errorMessage: `Invalid API key ${KEY}` },
      }),
      async (baseUrl) => {
        const error = await createPlatfoneProvider({ apiKey: KEY, baseUrl })
          .balance()
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ApiError);
        expect((error as ApiError).family).toBe('unauthorized');
        expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
          KEY,
        );
      },
    );
  });

  test('409 MaxPriceExceededException is a PriceChangedError in USD, and nothing is ordered again', async () => {
    await withServer(
      () => ({
        status: 409,
        body: {
          errorName: 'MaxPriceExceededException',
          errorMessage: 'Max price exceeded',
          suggestedPrice: 42,
          orderId: 'ord-1',
        },
      }),
      async (baseUrl, requests) => {
        const error = await createPlatfoneProvider({ apiKey: KEY, baseUrl })
          .lease({ service: 'wa', country: 'uk', maxPriceUsd: 0.3 })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PriceChangedError);
        expect(error).toMatchObject({ family: 'priceChanged', newPrice: 0.42, status: 409 });
        expect((error as Error).message).toContain('0.42');
        expect(requests).toHaveLength(1);
      },
    );
  });

  test('429 TooManyRequestsException: the budget is told, x-ratelimit-reset is waited out, then the read succeeds', async () => {
    const resetAt = Math.ceil(Date.now() / 1000) + 1;
    await withServer(
      (_request, n) =>
        n === 0
          ? {
              status: 429,
              headers: { 'x-ratelimit-reset': String(resetAt) },
              body: { errorName: 'TooManyRequestsException', errorMessage: 'Too many requests' },
            }
          : { status: 200, body: activation() },
      async (baseUrl, requests) => {
        const budget = platfoneBudget();
        const provider = createPlatfoneProvider({ apiKey: KEY, baseUrl, budget });
        const read = await provider.read('6615a3f0c2');
        expect(read.id).toBe('6615a3f0c2');
        expect(requests.map((r) => r.url)).toEqual([
          '/api/v1/activation/6615a3f0c2',
          '/api/v1/activation/6615a3f0c2',
        ]);
        expect(budget.rateLimited).toHaveLength(1);
        expect(budget.rateLimited[0]?.[0]).toBe('GET /activation/:id');
        expect(budget.rateLimited[0]?.[1]).toBeGreaterThan(0);
        // The second attempt left no earlier than the reset moment (with a little timer slack).
        const second = requests[1] as SeenRequest;
        const first = requests[0] as SeenRequest;
        expect(second.atMs - first.atMs).toBeGreaterThanOrEqual((budget.rateLimited[0]?.[1] ?? 0) - 50);
      },
    );
  });

  test('a 429 TooManyRequestsException on an order surfaces as RateLimitedError with its hint; never re-sent', async () => {
    await withServer(
      () => ({
        status: 429,
        headers: { 'retry-after': '7' },
        body: { errorName: 'TooManyRequestsException', errorMessage: 'Too many requests' },
      }),
      async (baseUrl, requests) => {
        const error = await createPlatfoneProvider({ apiKey: KEY, baseUrl, budget: platfoneBudget() })
          .lease({ service: 'wa', country: 'uk' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RateLimitedError);
        expect((error as RateLimitedError).retryAfterMs).toBe(7000);
        expect(requests).toHaveLength(1);
      },
    );
  });

  test('429 LowSuccessRateException and TooManyActivationsException are refusals by family, not rate limits', async () => {
    for (const [errorName, family] of [
      ['LowSuccessRateException', 'lowSuccessRate'],
      ['TooManyActivationsException', 'tooManyPending'],
      ['NoNumbersAvailableException', 'serviceUnavailable'],
    ] as const) {
      await withServer(
        () => ({
          status: errorName === 'NoNumbersAvailableException' ? 404 : 429,
          body: { errorName, errorMessage: 'no' },
        }),
        async (baseUrl) => {
          const budget = platfoneBudget();
          const error = await createPlatfoneProvider({ apiKey: KEY, baseUrl, budget })
            .lease({ service: 'wa', country: 'uk' })
            .catch((e: unknown) => e);
          expect(error, errorName).toBeInstanceOf(ApiError);
          expect(error, errorName).not.toBeInstanceOf(RateLimitedError);
          expect((error as ApiError).family, errorName).toBe(family);
          expect(budget.rateLimited, errorName).toEqual([]);
        },
      );
    }
  });

  test('the catalog is asked again with If-None-Match and a 304 keeps it', async () => {
    await withServer(
      (request) => {
        if (request.url.startsWith('/api/v1/activation/prices/')) {
          return {
            status: 200,
            body: { price: { min: 20, max: 60, suggested: 35 }, quality: { avg: 80 }, count: 12 },
          };
        }
        if (request.headers['if-none-match']) return { status: 304 };
        if (request.url === '/api/v1/activation/services') {
          return {
            status: 200,
            headers: { 'x-etag': '"s1"' },
            body: [{ service_id: 'wa', name: 'WhatsApp', has_warning: true, prohibited: false }],
          };
        }
        return {
          status: 200,
          headers: { 'x-etag': '"c1"' },
          body: [{ country_id: 'uk', name: 'United Kingdom', codes: ['44'] }],
        };
      },
      async (baseUrl, requests) => {
        const provider = createPlatfoneProvider({ apiKey: KEY, baseUrl }, { catalogTtlMs: 0 });
        const expected = {
          service: 'wa',
          country: 'uk',
          priceUsd: 0.35,
          available: true,
          serviceName: 'WhatsApp',
          countryName: 'United Kingdom',
          virtual: false,
        };
        expect(await provider.price('wa', 'uk')).toMatchObject(expected);
        expect(await provider.price('wa', 'uk')).toMatchObject(expected);
        const catalogReads = requests.filter((r) => !r.url.includes('/prices/'));
        expect(catalogReads.map((r) => [r.url, r.headers['if-none-match']])).toEqual([
          ['/api/v1/activation/services', undefined],
          ['/api/v1/activation/countries', undefined],
          ['/api/v1/activation/services', '"s1"'],
          ['/api/v1/activation/countries', '"c1"'],
        ]);
      },
    );
  });

  test('within its lifetime the catalog is not asked at all', async () => {
    await withServer(
      (request) =>
        request.url.includes('/prices/')
          ? { status: 200, body: { price: { suggested: 35 }, count: 0 } }
          : { status: 200, headers: { 'x-etag': '"x"' }, body: [] },
      async (baseUrl, requests) => {
        const provider = createPlatfoneProvider({ apiKey: KEY, baseUrl });
        expect(await provider.price('wa', 'uk')).toMatchObject({
          priceUsd: 0.35,
          available: false,
          serviceName: undefined,
        });
        await provider.price('wa', 'uk');
        expect(requests.filter((r) => !r.url.includes('/prices/'))).toHaveLength(2);
      },
    );
  });

  test('cancel: ended on success; notYet before cancelable_after, from a refusal or from what was seen', async () => {
    const nowMs = (NOW_S + 10) * 1000;
    await withServer(
      (request) => {
        if (request.method === 'PUT')
          return { status: 409, body: { errorName: 'CancelNotAllowedException', errorMessage: 'Too early' } };
        return { status: 200, body: activation() };
      },
      async (baseUrl, requests) => {
        const provider = createPlatfoneProvider({ apiKey: KEY, baseUrl }, { now: () => nowMs });
        // Refused, then read: active, no SMS, cancelable in 110 s.
        expect(await provider.cancel('6615a3f0c2')).toEqual({
          kind: 'notYet',
          retryAtMs: (NOW_S + 120) * 1000,
        });
        expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
          'PUT /api/v1/activation/6615a3f0c2/cancel',
          'GET /api/v1/activation/6615a3f0c2',
        ]);
        // Now the provider has seen cancelable_after: a second early cancel sends nothing.
        expect(await provider.cancel('6615a3f0c2')).toEqual({
          kind: 'notYet',
          retryAtMs: (NOW_S + 120) * 1000,
        });
        expect(requests).toHaveLength(2);
      },
    );
    await withServer(
      () => ({ status: 200, body: { result: 'success' } }),
      async (baseUrl, requests) => {
        const provider = createPlatfoneProvider(
          { apiKey: KEY, baseUrl },
          { now: () => (NOW_S + 200) * 1000 },
        );
        expect(await provider.cancel('6615a3f0c2')).toEqual({ kind: 'ended' });
        expect(requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
          'PUT /api/v1/activation/6615a3f0c2/cancel ',
        ]);
      },
    );
  });

  test('cancel of an activation whose cancelable_after is null sends nothing: it runs to expiry', async () => {
    await withServer(
      () => ({ status: 200, body: activation({ cancelable_after: null }) }),
      async (baseUrl, requests) => {
        const provider = createPlatfoneProvider({ apiKey: KEY, baseUrl });
        await provider.read('6615a3f0c2');
        expect(await provider.cancel('6615a3f0c2')).toEqual({ kind: 'runsToExpiry' });
        expect(requests).toHaveLength(1);
      },
    );
  });

  test('finalize ends; a 404 for the path (the activation exists) turns finalize off and runs to expiry', async () => {
    await withServer(
      () => ({ status: 200, body: { result: 'success' } }),
      async (baseUrl) => {
        expect(await createPlatfoneProvider({ apiKey: KEY, baseUrl }).finalize('6615a3f0c2')).toEqual({
          kind: 'ended',
        });
      },
    );
    await withServer(
      (request) =>
        request.method === 'PUT'
          ? { status: 404, body: '<html>Not Found</html>' }
          : { status: 200, body: activation({ sms_status: 'smsReceived', billing_status: 'billed' }) },
      async (baseUrl, requests) => {
        const provider = createPlatfoneProvider({ apiKey: KEY, baseUrl });
        expect(await provider.finalize('6615a3f0c2')).toEqual({ kind: 'runsToExpiry' });
        expect(provider.capabilities.finalize).toBe(false);
        expect(await provider.finalize('6615a3f0c2')).toEqual({ kind: 'runsToExpiry' });
        expect(requests).toHaveLength(2);
      },
    );
  });

  test('history pages in neutral terms; a 404 for its path switches the capability off', async () => {
    await withServer(
      (_request, n) =>
        n === 0
          ? { status: 200, body: { activations: [activation()], page: 1, limit: 10, pages: 3, total: 25 } }
          : {
              status: 404,
              body: { errorName: 'NotFoundException', errorMessage: 'Cannot GET /activation/history' },
            },
      async (baseUrl, requests) => {
        const provider = createPlatfoneProvider({ apiKey: KEY, baseUrl });
        const page = await provider.history({ page: 1, limit: 10 });
        expect(page).toMatchObject({ page: 1, pages: 3, total: 25 });
        expect(page.activations.map((a) => a.id)).toEqual(['6615a3f0c2']);
        expect(requests[0]?.url).toBe('/api/v1/activation/history?page=1&limit=10');
        await expect(provider.history({ page: 2, limit: 10 })).rejects.toMatchObject({ status: 404 });
        expect(provider.capabilities.history).toBeUndefined();
      },
    );
  });

  test('balance: available is total − reserved, held is reserved, in USD', async () => {
    await withServer(
      () => ({ status: 200, body: { total: 1250, reserved: 35 } }),
      async (baseUrl, requests) => {
        expect(await createPlatfoneProvider({ apiKey: KEY, baseUrl }).balance()).toEqual({
          availableUsd: 12.15,
          heldUsd: 0.35,
        });
        expect(requests[0]?.url).toBe('/api/v1/user/balance');
      },
    );
  });

  test('the price list accepts the array and the object shape, cents as USD', async () => {
    for (const body of [
      [{ service_id: 'wa', countries: [{ country_id: 'uk', price: 35, count: 3 }, { country_id: 'us' }] }],
      { service_id: 'wa', countries: [{ country_id: 'uk', price: { suggested: 35 } }] },
    ]) {
      await withServer(
        () => ({ status: 200, body }),
        async (baseUrl) => {
          expect(await createPlatfoneProvider({ apiKey: KEY, baseUrl }).priceList()).toEqual([
            { service: 'wa', country: 'uk', priceUsd: 0.35 },
          ]);
        },
      );
    }
  });
});
