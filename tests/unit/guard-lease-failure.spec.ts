import { expect, test } from '@playwright/test';
import { postFailureKind, skipRuleFor } from '../../src/broker/server/lease.ts';
import {
  ApiError,
  NetworkError,
  PriceChangedError,
  UnexpectedResponseError,
} from '../../src/contract/errors.ts';

const where = { method: 'POST', path: '/activations' };
const api = (status: number, errorName: string, family: ApiError['family']) =>
  new ApiError({ ...where, status, errorName, errorMessage: 'x', family });

const KINDS: Array<[string, unknown, ReturnType<typeof postFailureKind>]> = [
  ['a timeout', new NetworkError({ ...where, timedOut: true }), 'uncertain'],
  ['a reset connection', new NetworkError({ ...where, timedOut: false }), 'uncertain'],
  [
    'a garbled 200',
    new UnexpectedResponseError({ ...where, status: 200, body: '{"id":', problem: 'not JSON' }),
    'uncertain',
  ],
  [
    'a gateway 502 page',
    new UnexpectedResponseError({ ...where, status: 502, body: '<html>', problem: 'not JSON' }),
    'uncertain',
  ],
  ['a 500 with an unknown error name', api(500, 'InternalError', 'unknown'), 'uncertain'],
  [
    'a 503 ServiceUnavailableException',
    api(503, 'ServiceUnavailableException', 'serviceUnavailable'),
    'transient',
  ],
  ['a 429', api(429, 'TooManyRequestsException', 'rateLimited'), 'transient'],
  ['a 402 paymentRequired', api(402, 'paymentRequired', 'paymentRequired'), 'final'],
  ['a 401', api(401, 'UnauthorizedException', 'unauthorized'), 'final'],
];

for (const [title, error, kind] of KINDS) {
  test(`a lease answered with ${title} is ${kind}`, () => {
    expect(postFailureKind(error)).toBe(kind);
  });
}

test('a price change skips the country with the new price and phoneMaxPrice named', () => {
  const error = new PriceChangedError({
    ...where,
    status: 409,
    errorName: 'expectedPriceErrorException',
    errorMessage: 'price changed',
    newPrice: 0.9,
    expectedPrice: 0.5,
  });
  expect(error.message).toContain(
    'The price is now 0.9 above the expected 0.5; raise the max price (phoneMaxPrice)',
  );
  expect(skipRuleFor(error)?.reason(error, 0.5)).toBe(
    'the price is now $0.9, above the max price $0.5 (phoneMaxPrice); nothing was bought (expectedPriceErrorException)',
  );
});
