import { expect, test } from '@playwright/test';
import {
  accountId,
  canonicalBaseUrl,
  isLoopbackUrl,
  resolveSettings,
  type SettingsOverrides,
} from '../../src/config/settings.ts';
import { ConfigurationError } from '../../src/providers/tempnumber-v1/index.ts';

const KEY = 'tn_config_KEY_5ec2e7a9d1';

/** Resolve from exactly these variables: no process env, no `.env`. */
const resolve = (env: Record<string, string>, overrides: SettingsOverrides = {}) =>
  resolveSettings(overrides, { env: { TEMPNUMBER_API_KEY: KEY, ...env }, dotenvDir: false });

const refusal = (run: () => unknown): Error => {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
};

test.describe('one API has one base URL, so one account id, one broker and one budget', () => {
  const spellings = [
    'https://tn-api.com/api/v1',
    'https://TN-API.com/api/v1',
    'HTTPS://tn-api.com/api/v1',
    'https://tn-api.com:443/api/v1',
    'https://tn-api.com/api/v1/',
    'https://tn-api.com/api/v1///',
    'https://Tn-Api.COM:443/api/v1/',
    ' https://tn-api.com/api/v1 ',
  ];
  for (const spelling of spellings) {
    test(`${JSON.stringify(spelling)} resolves to https://tn-api.com/api/v1 and names the same account`, () => {
      const settings = resolve({ TEMPNUMBER_BASE_URL: spelling });
      expect(settings.baseUrl).toBe('https://tn-api.com/api/v1');
      expect(accountId(settings)).toBe(accountId({ apiKey: KEY, baseUrl: 'https://tn-api.com/api/v1' }));
    });
  }

  test('the default base URL is already canonical, so existing account ids do not move', () => {
    expect(resolve({}).baseUrl).toBe('https://tn-api.com/api/v1');
    expect(canonicalBaseUrl('http://127.0.0.1:8787/api/v1')).toBe('http://127.0.0.1:8787/api/v1');
  });

  test('accountId normalises a hand-built URL the same way', () => {
    expect(accountId({ apiKey: KEY, baseUrl: 'https://TN-API.com:443/api/v1/' })).toBe(
      accountId({ apiKey: KEY, baseUrl: 'https://tn-api.com/api/v1' }),
    );
  });

  const different: Array<[string, string, string]> = [
    ['another path', 'https://tn-api.com/api/v2', KEY],
    ['a path in another case (paths may be case-sensitive)', 'https://tn-api.com/API/v1', KEY],
    ['a non-default port', 'https://tn-api.com:8443/api/v1', KEY],
    ['plain http', 'http://tn-api.com/api/v1', KEY],
    ['another host', 'https://staging.tn-api.com/api/v1', KEY],
    ['another key', 'https://tn-api.com/api/v1', `${KEY}x`],
  ];
  for (const [what, baseUrl, apiKey] of different) {
    test(`${what} is another account`, () => {
      const settings = resolve({ TEMPNUMBER_BASE_URL: baseUrl, TEMPNUMBER_API_KEY: apiKey });
      expect(accountId(settings)).not.toBe(accountId({ apiKey: KEY, baseUrl: 'https://tn-api.com/api/v1' }));
    });
  }

  test('a base URL that is not http(s) is still a configuration error', () => {
    for (const bad of ['tn-api.com/api/v1', 'ftp://tn-api.com/api/v1']) {
      expect(() => resolve({ TEMPNUMBER_BASE_URL: bad })).toThrow(/must be an http\(s\) URL/);
    }
  });
});

test.describe('a time scale other than 1 is for a sandbox on this machine only', () => {
  const loopback = [
    'http://127.0.0.1:8787/api/v1',
    'http://127.42.0.9:8787/api/v1',
    'http://localhost:8787/api/v1',
    'http://LOCALHOST:8787/api/v1',
    'http://[::1]:8787/api/v1',
    'http://[0:0:0:0:0:0:0:1]:8787/api/v1',
  ];
  for (const url of loopback) {
    test(`${url} may run at 600×`, () => {
      expect(isLoopbackUrl(url)).toBe(true);
      expect(resolve({ TEMPNUMBER_BASE_URL: url, TEMPNUMBER_TIME_SCALE: '600' }).timeScale).toBe(600);
      expect(resolve({ TEMPNUMBER_BASE_URL: url }, { timeScale: 0.5 }).timeScale).toBe(0.5);
    });
  }

  const remote = [
    'https://tn-api.com/api/v1',
    'http://10.0.0.5:8787/api/v1',
    'http://128.0.0.1:8787/api/v1',
    'http://127.0.0.1.example.com/api/v1',
    'http://localhost.example.com/api/v1',
    'http://[::2]:8787/api/v1',
    'http://0.0.0.0:8787/api/v1',
  ];
  for (const url of remote) {
    test(`${url} refuses a time scale from the environment or the timeScale option`, () => {
      expect(isLoopbackUrl(url)).toBe(false);
      expect(() => resolve({ TEMPNUMBER_BASE_URL: url, TEMPNUMBER_TIME_SCALE: '600' })).toThrow(
        ConfigurationError,
      );
      expect(() => resolve({ TEMPNUMBER_BASE_URL: url }, { timeScale: 600 })).toThrow(ConfigurationError);
      // Slower than real time is refused too: only the real API's own clock is right for it.
      expect(() => resolve({ TEMPNUMBER_BASE_URL: url, TEMPNUMBER_TIME_SCALE: '0.5' })).toThrow(
        ConfigurationError,
      );
    });
  }

  test('the refusal says what was wrong, why, and what to do — never the key or a password', () => {
    const error = refusal(() =>
      resolve({
        TEMPNUMBER_BASE_URL: 'https://ops:pw-Hunter2-9c1@tn-api.com/api/v1',
        TEMPNUMBER_TIME_SCALE: '600',
      }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('TEMPNUMBER_TIME_SCALE is 600');
    expect(error.message).toContain('tn-api.com');
    expect(error.message).toContain('600× its published rate limits');
    expect(error.message).toContain('Unset TEMPNUMBER_TIME_SCALE');
    expect(error.message).toContain('point TEMPNUMBER_BASE_URL at a local sandbox');
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain('pw-Hunter2-9c1');
  });

  test('the refusal of the option names the option', () => {
    const error = refusal(() => resolve({}, { timeScale: 60 }));
    expect(error.message).toContain('The timeScale option is 60');
    expect(error.message).toContain('Drop the timeScale option');
  });

  test('1 (or unset) is real time and fine anywhere', () => {
    expect(resolve({}).timeScale).toBe(1);
    expect(resolve({ TEMPNUMBER_TIME_SCALE: '1' }).timeScale).toBe(1);
    expect(resolve({}, { timeScale: 1 }).timeScale).toBe(1);
  });

  test('a time scale that is not a positive number is refused wherever the API is', () => {
    const local = 'http://127.0.0.1:8787/api/v1';
    for (const raw of ['0', '-2', 'fast', 'Infinity']) {
      expect(() => resolve({ TEMPNUMBER_BASE_URL: local, TEMPNUMBER_TIME_SCALE: raw })).toThrow(
        `TEMPNUMBER_TIME_SCALE must be a positive number, got ${JSON.stringify(raw)}`,
      );
    }
    expect(() => resolve({ TEMPNUMBER_BASE_URL: local }, { timeScale: 0 })).toThrow(
      'The timeScale option must be a positive number, got 0',
    );
  });
});
