/**
 * The v1 provider's tables: every v1 status is exactly one neutral state, and the neutral table
 * answers every question the broker asks today (waiting, SMS, final, refund verdict, delivery
 * outcome) exactly as the v1 status table and the broker's own rules answer it — so wiring the
 * broker to the seam changes no decision. Plus the registry and the id rule.
 */
import { expect, test } from '@playwright/test';
import { refundVerdict } from '../../src/broker/server/activations.ts';
import { historyOutcome } from '../../src/broker/server/guard-runtime.ts';
import {
  ACTIVATION_STATES,
  type ActivationState,
  createProvider,
  DEFAULT_PROVIDER,
  PROVIDERS,
} from '../../src/providers/index.ts';
import {
  ACTIVATION_STATUSES,
  type ActivationStatus,
  ConfigurationError,
  ENDPOINTS,
  ERROR_NAMES,
  RATE_LIMITS,
} from '../../src/providers/tempnumber-v1/index.ts';
import {
  stateOfV1Status,
  V1_MAX_HISTORY_LIMIT,
  V1_OPERATIONS,
  V1_RULES,
  V1_STATES,
} from '../../src/providers/tempnumber-v1/tables.ts';
import { SANDBOX_RULES } from '../../src/sandbox/index.ts';
import { v1Snapshot } from '../helpers/v1-snapshot.ts';
import { startRawServer } from './client-raw-server.ts';

const V1_STATUSES = Object.keys(ACTIVATION_STATUSES) as ActivationStatus[];
const STATES = Object.keys(ACTIVATION_STATES) as ActivationState[];

/*
 * The broker's decisions before the seam (commit 5f296a5), read straight off v1's status table:
 * the neutral table must answer every one of them the same way.
 */
/** activations.ts `refundVerdict(status)` before the seam. */
function preSeamRefundVerdict(status: ActivationStatus): boolean | undefined {
  if (status === 'refunded') return true;
  return ACTIVATION_STATUSES[status].final && ACTIVATION_STATUSES[status].hasSms ? false : undefined;
}
/** guard-runtime.ts `historyOutcome({ status, message })` before the seam. */
function preSeamHistoryOutcome(status: ActivationStatus, message = ''): 'sms' | 'noSms' | 'pending' {
  if (message !== '') return 'sms';
  if (ACTIVATION_STATUSES[status].hasSms || status === 'retryRequested') return 'sms';
  return ACTIVATION_STATUSES[status].final ? 'noSms' : 'pending';
}
/** guards.ts `DELIVERY_RULE` and context.ts `DEFAULT_PENDING_CAP` before the seam. */
const PRE_SEAM_RULES = { minSmsShare: 0.07, countedFrom: 5, windowApiMs: 24 * 3600_000, pendingCap: 20 };

test.describe('every v1 status maps to exactly one neutral state', () => {
  test('the status table has one row per v1 status, and each row names a neutral state', () => {
    expect(Object.keys(V1_STATES).sort()).toEqual([...V1_STATUSES].sort());
    for (const status of V1_STATUSES) {
      expect(STATES.filter((state) => state === V1_STATES[status])).toHaveLength(1);
    }
  });

  test('every neutral state but `unknown` is reached by some v1 status', () => {
    const reached = new Set<ActivationState>(Object.values(V1_STATES));
    expect(STATES.filter((state) => !reached.has(state))).toEqual(['unknown']);
  });

  test('a status the table does not know is `unknown`: neither waiting nor final', () => {
    for (const status of ['cancelled', 'SMSRECEIVED', '', 'constructor', 'hasOwnProperty']) {
      expect(stateOfV1Status(status)).toBe('unknown');
    }
    expect(ACTIVATION_STATES.unknown).toMatchObject({ waiting: false, final: false });
  });
});

test.describe('the neutral state answers as the v1 table and the broker do today', () => {
  for (const status of V1_STATUSES) {
    const v1 = ACTIVATION_STATUSES[status];
    const neutral = ACTIVATION_STATES[V1_STATES[status]];

    test(`${status} → ${V1_STATES[status]}: waiting, SMS and final agree with ACTIVATION_STATUSES`, () => {
      expect({ waiting: neutral.waiting, hasSms: neutral.hasSms, final: neutral.final }).toEqual(v1);
    });

    test(`${status}: the refund verdict of a cancelled activation is the broker's`, () => {
      expect(neutral.refunded).toBe(preSeamRefundVerdict(status));
      expect(refundVerdict(V1_STATES[status])).toBe(preSeamRefundVerdict(status));
    });

    test(`${status}: the delivery-rate outcome is the one the start-up history read records`, () => {
      const outcome = neutral.delivered ? 'sms' : neutral.final ? 'noSms' : 'pending';
      expect(outcome).toBe(preSeamHistoryOutcome(status));
      expect(historyOutcome(v1Snapshot({ status }))).toBe(preSeamHistoryOutcome(status));
      // An SMS text in the answer counts as delivered whatever the status says.
      expect(historyOutcome(v1Snapshot({ status, message: 'code 1' }))).toBe(
        preSeamHistoryOutcome(status, 'code 1'),
      );
    });
  }
});

test.describe('one v1 answer in neutral terms', () => {
  test('id as decimal text, +E.164 number, USD price, times in ms, the SMS with its code', () => {
    expect(
      v1Snapshot({
        id: 7,
        status: 'smsReceived',
        serviceId: 'facebook',
        countryId: 'us',
        number: 18454123223,
        price: 0.45,
        message: 'Your code 1234',
        code: 1234,
        createdAt: 1_700_000_000,
        numberExpireAt: 1_700_001_200,
        utc: 1_700_000_060,
        retryAvailable: true,
      }),
    ).toEqual({
      id: '7',
      state: 'smsReceived',
      wireStatus: 'smsReceived',
      service: 'facebook',
      country: 'us',
      number: '+18454123223',
      priceUsd: 0.45,
      sms: { text: 'Your code 1234', code: '1234' },
      createdAtMs: 1_700_000_000_000,
      expiresAtMs: 1_700_001_200_000,
      serverNowMs: 1_700_000_060_000,
      retryAvailable: true,
      cancelableAtMs: undefined,
    });
  });

  test('no message is no SMS; an unknown status keeps its word and is state unknown', () => {
    expect(v1Snapshot({ id: 8, status: 'smsRequested', message: '' })).toMatchObject({
      id: '8',
      state: 'waitingForSms',
      sms: undefined,
      number: '',
      createdAtMs: undefined,
    });
    expect(v1Snapshot({ id: 9, status: 'somethingNew' })).toMatchObject({
      state: 'unknown',
      wireStatus: 'somethingNew',
    });
  });
});

test.describe('operations and limits', () => {
  test('each operation that sends a request names a v1 endpoint; cancel and finalize send none', () => {
    for (const [operation, endpoint] of Object.entries(V1_OPERATIONS)) {
      if (operation === 'cancel' || operation === 'finalize') expect(endpoint).toBeNull();
      else expect(Object.keys(ENDPOINTS)).toContain(endpoint);
    }
  });

  test('the provider declares the published limits and the bucket of each operation', () => {
    const provider = createProvider('tempnumber-v1', { apiKey: 'unit-key-0123456789' });
    expect(provider.limits.table).toBe(RATE_LIMITS);
    expect(provider.limits.bucketOf).toEqual({
      lease: 'POST /activations',
      read: 'GET /activations/:id',
      history: 'GET /activations',
      retry: 'PUT /activations/:id',
      cancel: null,
      finalize: null,
      balance: 'GET /user/balance',
      price: 'GET /services/:serviceId/countries/:countryId',
      priceList: 'GET /services/pricelistByCountry',
    });
    expect(provider.capabilities).toMatchObject({ cancel: false, finalize: false });
  });

  test('the account rules are the ones the broker held before the seam and the sandbox holds', () => {
    // The broker now reads them from the provider: they must be the values it enforced before.
    expect(createProvider('tempnumber-v1', { apiKey: 'unit-key-0123456789' }).rules).toEqual(V1_RULES);
    expect(V1_RULES.delivery).toEqual({
      minSmsShare: PRE_SEAM_RULES.minSmsShare,
      countedFrom: PRE_SEAM_RULES.countedFrom,
      windowMs: PRE_SEAM_RULES.windowApiMs,
    });
    expect(V1_RULES.delivery).toEqual({
      minSmsShare: SANDBOX_RULES.deliveryRule.minSuccessRatio,
      countedFrom: SANDBOX_RULES.deliveryRule.minActivations,
      windowMs: SANDBOX_RULES.deliveryRule.windowMs,
    });
    expect(V1_RULES.pendingCap).toBe(PRE_SEAM_RULES.pendingCap);
    expect(V1_RULES.pendingCap).toBe(SANDBOX_RULES.pendingCap);
    expect(V1_RULES.defaultLifetimeMs).toBe(SANDBOX_RULES.activationLifetimeS * 1000);
    expect(V1_MAX_HISTORY_LIMIT).toBe(SANDBOX_RULES.history.maxLimit);
  });

  test('the error families are ERROR_NAMES read by name', () => {
    const provider = createProvider('tempnumber-v1', { apiKey: 'unit-key-0123456789' });
    expect(Object.keys(provider.errorFamilies).sort()).toEqual(Object.keys(ERROR_NAMES).sort());
    for (const [name, row] of Object.entries(ERROR_NAMES)) {
      expect(provider.errorFamilies[name]).toBe(row.family);
    }
  });
});

test.describe('ids and the registry', () => {
  test('an id that is not a positive decimal integer fails before any request', async () => {
    const server = await startRawServer(() => ({ status: 200, body: { result: 'success' } }));
    try {
      const provider = createProvider('tempnumber-v1', {
        apiKey: 'unit-key-0123456789',
        baseUrl: server.baseUrl,
      });
      for (const id of ['abc', '12x', '0', '-5', '1e3', '007', ' 7', '99999999999999999999']) {
        await expect(provider.read(id)).rejects.toBeInstanceOf(ConfigurationError);
        await expect(provider.retry(id)).rejects.toBeInstanceOf(ConfigurationError);
        await expect(provider.cancel(id)).rejects.toBeInstanceOf(ConfigurationError);
        await expect(provider.finalize(id)).rejects.toBeInstanceOf(ConfigurationError);
      }
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  test('an unknown provider name is a ConfigurationError that lists the known ones', () => {
    expect(() => createProvider('sms-activate', { apiKey: 'unit-key-0123456789' })).toThrow(
      /Expected the provider to be one of tempnumber-v1, platfone, got "sms-activate"/,
    );
    expect(() => createProvider('toString', { apiKey: 'unit-key-0123456789' })).toThrow(ConfigurationError);
  });

  test('the default provider is registered and brings its own base URL', () => {
    expect(PROVIDERS[DEFAULT_PROVIDER].defaultBaseUrl).toBe('https://tn-api.com/api/v1');
    expect(createProvider(DEFAULT_PROVIDER, { apiKey: 'unit-key-0123456789' }).id).toBe(DEFAULT_PROVIDER);
  });
});
