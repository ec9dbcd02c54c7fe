/**
 * `TEMPNUMBER_API` (the `tempnumberApi` option): which SMS-activation API an account is on. An
 * explicit value wins; unset, it follows the base URL's host (temp-number-api.com is Platfone,
 * any other host TempNumber v1); the base URL defaults to the chosen API's own. The API is part
 * of the account and of the settings fingerprint, so two APIs never share a broker, a ledger or
 * a budget — while a v1 account keeps the id it had before the setting existed.
 */
import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { compareFingerprints, settingsFingerprint } from '../../src/broker/settings-fingerprint.ts';
import { resolveGuardSettings } from '../../src/config/guard-settings.ts';
import {
  accountId,
  inferApi,
  KNOWN_APIS,
  resolveSettings,
  type Settings,
  type SettingsOverrides,
} from '../../src/config/settings.ts';
import { ConfigurationError } from '../../src/contract/errors.ts';
import { isProviderId, PROVIDERS } from '../../src/providers/index.ts';

const KEY = 'tn_config_KEY_5ec2e7a9d1';

/** Resolve from exactly these variables: no process env, no `.env`. */
const resolve = (env: Record<string, string>, overrides: SettingsOverrides = {}) =>
  resolveSettings(overrides, { env: { TEMPNUMBER_API_KEY: KEY, ...env }, dotenvDir: false });

test.describe('an explicit API always wins', () => {
  const explicit: Array<[string, Record<string, string>, SettingsOverrides, Settings['api'], string]> = [
    [
      'TEMPNUMBER_API=platfone',
      { TEMPNUMBER_API: 'platfone' },
      {},
      'platfone',
      'https://temp-number-api.com/api/v1',
    ],
    [
      'TEMPNUMBER_API=tempnumber-v1',
      { TEMPNUMBER_API: 'tempnumber-v1' },
      {},
      'tempnumber-v1',
      'https://tn-api.com/api/v1',
    ],
    [
      'TEMPNUMBER_API=tempnumber-v1 on temp-number-api.com',
      { TEMPNUMBER_API: 'tempnumber-v1', TEMPNUMBER_BASE_URL: 'https://temp-number-api.com/api/v1' },
      {},
      'tempnumber-v1',
      'https://temp-number-api.com/api/v1',
    ],
    [
      'TEMPNUMBER_API=platfone on a local sandbox',
      { TEMPNUMBER_API: 'platfone', TEMPNUMBER_BASE_URL: 'http://127.0.0.1:8787/api/v1' },
      {},
      'platfone',
      'http://127.0.0.1:8787/api/v1',
    ],
    [
      'the tempnumberApi option over TEMPNUMBER_API',
      { TEMPNUMBER_API: 'tempnumber-v1' },
      { api: 'platfone' },
      'platfone',
      'https://temp-number-api.com/api/v1',
    ],
  ];
  for (const [what, env, overrides, api, baseUrl] of explicit) {
    test(`${what} is ${api} at ${baseUrl}`, () => {
      const settings = resolve(env, overrides);
      expect(settings.api).toBe(api);
      expect(settings.baseUrl).toBe(baseUrl);
    });
  }
});

test.describe('unset, the API follows the base URL’s host', () => {
  const inferred: Array<[string | undefined, Settings['api'], string]> = [
    [undefined, 'tempnumber-v1', 'https://tn-api.com/api/v1'],
    ['https://temp-number-api.com/api/v1', 'platfone', 'https://temp-number-api.com/api/v1'],
    ['https://Temp-Number-API.com:443/test/api/v1/', 'platfone', 'https://temp-number-api.com/test/api/v1'],
    ['https://tn-api.com/api/v1', 'tempnumber-v1', 'https://tn-api.com/api/v1'],
    ['https://mock.temp-number.org/v1', 'tempnumber-v1', 'https://mock.temp-number.org/v1'],
    ['http://127.0.0.1:8787/api/v1', 'tempnumber-v1', 'http://127.0.0.1:8787/api/v1'],
    ['https://proxy.example.com/api/v1', 'tempnumber-v1', 'https://proxy.example.com/api/v1'],
    // A host that only contains Platfone's is another host.
    [
      'https://temp-number-api.com.example.com/api/v1',
      'tempnumber-v1',
      'https://temp-number-api.com.example.com/api/v1',
    ],
  ];
  for (const [typed, api, baseUrl] of inferred) {
    test(`${typed ?? 'no base URL'} is ${api}`, () => {
      const settings = resolve(typed === undefined ? {} : { TEMPNUMBER_BASE_URL: typed });
      expect(settings.api).toBe(api);
      expect(settings.baseUrl).toBe(baseUrl);
      expect(inferApi(typed)).toBe(api);
    });
  }
});

test('an unknown API is a ConfigurationError that lists the known ones', () => {
  for (const bad of ['platphone', 'tempnumber', 'toString', 'PLATFONE']) {
    let error: unknown;
    try {
      resolve({ TEMPNUMBER_API: bad });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(`got ${JSON.stringify(bad)}`);
    expect((error as Error).message).toContain('tempnumber-v1, platfone');
  }
  expect(() => resolve({}, { api: 'v2' })).toThrow(/TEMPNUMBER_API \(tempnumberApi\) must be one of/);
});

test.describe('two APIs never share a broker, a ledger or a budget', () => {
  test('one key and base URL on two APIs are two accounts', () => {
    const base = { apiKey: KEY, baseUrl: 'https://temp-number-api.com/api/v1' };
    expect(accountId({ ...base, api: 'platfone' })).not.toBe(accountId({ ...base, api: 'tempnumber-v1' }));
    // Unset, the API is the one the settings would infer.
    expect(accountId(base)).toBe(accountId({ ...base, api: 'platfone' }));
    expect(accountId(resolve({ TEMPNUMBER_BASE_URL: base.baseUrl }))).toBe(
      accountId({ ...base, api: 'platfone' }),
    );
  });

  test('a v1 account keeps the id it had before the setting, so an upgrade finds its ledger and journal', () => {
    const baseUrl = 'https://tn-api.com/api/v1';
    const before = createHash('sha256').update(`${baseUrl}\n${KEY}`).digest('hex').slice(0, 12);
    expect(accountId({ apiKey: KEY, baseUrl })).toBe(before);
    expect(accountId(resolve({ TEMPNUMBER_API: 'tempnumber-v1' }))).toBe(before);
  });

  test('a broker on another API differs from the client in TEMPNUMBER_API, by name and value', () => {
    const fingerprinted = (api: Settings['api']) => ({
      api,
      redisUrl: undefined,
      timeScale: 1,
      requestTimeoutMs: 15_000,
      rateLimits: undefined,
      guards: resolveGuardSettings({ env: {}, dotenvDir: false }),
    });
    const broker = settingsFingerprint(KEY, fingerprinted('tempnumber-v1'));
    expect(compareFingerprints(broker, settingsFingerprint(KEY, fingerprinted('tempnumber-v1')))).toEqual([]);
    expect(compareFingerprints(broker, settingsFingerprint(KEY, fingerprinted('platfone')))).toEqual([
      { setting: 'TEMPNUMBER_API', broker: 'tempnumber-v1', client: 'platfone' },
    ]);
  });
});

test.describe('the settings’ table of APIs is the provider registry’s', () => {
  for (const [id, entry] of Object.entries(PROVIDERS)) {
    test(`${id}: the same default base URL and hosts in both`, () => {
      expect(Object.hasOwn(KNOWN_APIS, id)).toBe(true);
      const known = KNOWN_APIS[id as keyof typeof KNOWN_APIS];
      expect(known.defaultBaseUrl).toBe(entry.defaultBaseUrl);
      expect([...known.hosts]).toEqual([...entry.hosts]);
    });
  }

  for (const id of Object.keys(KNOWN_APIS)) {
    test(`every API the setting accepts has a registry row: ${id}`, () => {
      // The Platfone provider (src/providers/platfone/) and its row are written on another branch.
      test.fixme(!isProviderId(id), `the ${id} registry row has not landed on this branch yet`);
      expect(isProviderId(id)).toBe(true);
    });
  }
});

test('TEMPNUMBER_RATE_LIMITS is read as written, for the broker to apply to its API’s table', () => {
  expect(resolve({}).rateLimits).toBeUndefined();
  expect(resolve({ TEMPNUMBER_RATE_LIMITS: ' GET /activations/:id=40 ' }).rateLimits).toBe(
    'GET /activations/:id=40',
  );
  expect(resolve({ TEMPNUMBER_RATE_LIMITS: 'x=1' }, { rateLimits: 'GET /user/balance=5' }).rateLimits).toBe(
    'GET /user/balance=5',
  );
});
