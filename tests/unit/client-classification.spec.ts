import { expect, test } from '@playwright/test';
import {
  ApiError,
  createTempNumberClient,
  ERROR_NAMES,
  type ErrorName,
  PriceChangedError,
  RateLimitedError,
  UnexpectedResponseError,
} from '../../src/providers/tempnumber-v1/index.ts';
import { type RawReply, type RawServer, startRawServer } from './client-raw-server.ts';

const API_KEY = 'unit-key-0123456789';

/** Which class each name must become; names not listed are a plain ApiError. */
const EXPECTED_CLASS: Partial<Record<ErrorName, new (...args: never[]) => ApiError>> = {
  TooManyRequestsException: RateLimitedError,
  expectedPriceErrorException: PriceChangedError,
};

const casings = (name: string) => [name, name.toLowerCase(), name.toUpperCase(), swapFirst(name)];
const swapFirst = (s: string) =>
  (s[0] === s[0]?.toUpperCase() ? s[0]?.toLowerCase() : s[0]?.toUpperCase()) + s.slice(1);

let reply: RawReply = { status: 200, body: {} };
let server: RawServer;
test.beforeAll(async () => {
  server = await startRawServer(() => reply);
});
test.afterAll(async () => server.close());

function client() {
  // retries: 0 so each case is one request; classification does not depend on retrying.
  return createTempNumberClient({ apiKey: API_KEY, baseUrl: server.baseUrl, retries: 0, timeScale: 1000 });
}

for (const [name, row] of Object.entries(ERROR_NAMES) as Array<
  [ErrorName, (typeof ERROR_NAMES)[ErrorName]]
>) {
  for (const spelled of casings(name)) {
    test(`errorName ${spelled} (status ${row.status}) becomes ${EXPECTED_CLASS[name]?.name ?? 'ApiError'} of family ${row.family}`, async () => {
      reply = {
        status: row.status,
        body: { errorName: spelled, errorMessage: `says ${spelled}`, newPrice: 1.25 },
      };
      const error = await client()
        .newActivation({ serviceId: 'facebook', countryId: 'us', expectedPrice: 1 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EXPECTED_CLASS[name] ?? ApiError);
      const api = error as ApiError;
      expect(api.name).toBe((EXPECTED_CLASS[name] ?? ApiError).name);
      expect(api).toMatchObject({
        family: row.family,
        status: row.status,
        errorName: spelled,
        errorMessage: `says ${spelled}`,
        method: 'POST',
        path: '/activations',
      });
      expect(api.message).toContain(`POST /activations`);
      if (name === 'expectedPriceErrorException') {
        expect(api.newPrice).toBe(1.25);
        expect(api.message).toContain('1.25');
      }
    });
  }
}

test('a name is classified by its errorName, not its status: TooManyRequestsException on a 403 is still rate limiting', async () => {
  reply = { status: 403, body: { errorName: 'TooManyRequestsException', errorMessage: 'slow down' } };
  const error = await client()
    .getActivation(7)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RateLimitedError);
  expect(error).toMatchObject({ status: 403, family: 'rateLimited', path: '/activations/7', method: 'GET' });
});

test('an unknown errorName becomes an ApiError of family unknown with everything the server said', async () => {
  reply = { status: 418, body: { errorName: 'TeapotException', errorMessage: 'short and stout' } };
  const error = await client()
    .getUserBalance()
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({
    family: 'unknown',
    status: 418,
    errorName: 'TeapotException',
    errorMessage: 'short and stout',
    path: '/user/balance',
  });
});

test('an errorName body on a 200 is an error too (the PHP client reads errors that way)', async () => {
  reply = { status: 200, body: { errorName: 'paymentRequired', errorMessage: 'top up' } };
  const error = await client()
    .newActivation({ serviceId: 'facebook', countryId: 'us' })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ family: 'paymentRequired', status: 200 });
});

test('a price change without newPrice still is a PriceChangedError, naming the expected price', async () => {
  reply = {
    status: 409,
    body: { errorName: 'expectedPriceErrorException', errorMessage: 'Price has changed' },
  };
  const error = await client()
    .newActivation({ serviceId: 'facebook', countryId: 'us', expectedPrice: 0.4 })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PriceChangedError);
  expect((error as PriceChangedError).newPrice).toBeUndefined();
  expect((error as Error).message).toContain('0.4');
});

test('an errorName that is not a string is an unexpected response, not an ApiError', async () => {
  reply = { status: 400, body: { errorName: 42, errorMessage: 'numbers' } };
  const error = await client()
    .getUserBalance()
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnexpectedResponseError);
  expect(error).toMatchObject({ status: 400, path: '/user/balance' });
});
