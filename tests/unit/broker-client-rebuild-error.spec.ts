import { expect, test } from '@playwright/test';
import {
  ApiError,
  BrokerStartError,
  BrokerUnavailableError,
  CodeNotFoundError,
  ConfigurationError,
  ConnectionLostError,
  GuardError,
  isTempNumberError,
  NetworkError,
  PreflightError,
  PriceChangedError,
  RateLimitedError,
  rebuildError,
  SmsTimeoutError,
  StoreUnavailableError,
  TempNumberError,
  toWireError,
  UnexpectedResponseError,
  WIRE_ERROR_NAMES,
} from '../../src/contract/errors.ts';

const originals: Array<[string, Error, abstract new (...args: never) => Error]> = [
  [
    'ApiError',
    new ApiError({
      method: 'POST',
      path: '/activations',
      status: 402,
      errorName: 'paymentRequired',
      errorMessage: 'Not enough money',
      family: 'paymentRequired',
    }),
    ApiError,
  ],
  [
    'PriceChangedError',
    new PriceChangedError({
      method: 'POST',
      path: '/activations',
      status: 409,
      errorName: 'expectedPriceErrorException',
      errorMessage: 'price changed',
      newPrice: 1.25,
      expectedPrice: 0.8,
    }),
    PriceChangedError,
  ],
  [
    'RateLimitedError',
    new RateLimitedError({
      method: 'GET',
      path: '/activations/1',
      status: 429,
      errorName: 'TooManyRequestsException',
      errorMessage: 'slow down',
      retryAfterMs: 1500,
    }),
    RateLimitedError,
  ],
  [
    'GuardError',
    new GuardError({ guard: 'deliveryRate', message: 'too few SMS', service: 'facebook', country: 'us' }),
    GuardError,
  ],
  [
    'SmsTimeoutError',
    new SmsTimeoutError({
      activationId: '7',
      number: '+15550001',
      lastStatus: 'smsRequested',
      waitedMs: 1000,
      likelyCause: 'x',
    }),
    SmsTimeoutError,
  ],
  ['ConfigurationError', new ConfigurationError('bad option'), ConfigurationError],
  ['NetworkError', new NetworkError({ method: 'GET', path: '/user/balance', timedOut: true }), NetworkError],
  [
    'UnexpectedResponseError',
    new UnexpectedResponseError({
      method: 'GET',
      path: '/x',
      status: 200,
      body: '<html>',
      problem: 'not JSON',
    }),
    UnexpectedResponseError,
  ],
  ['BrokerUnavailableError', new BrokerUnavailableError('gone', { brokerPid: 42 }), BrokerUnavailableError],
  [
    'CodeNotFoundError',
    new CodeNotFoundError({ text: 'hello', pattern: '\\d{6}', number: '+15550001' }),
    CodeNotFoundError,
  ],
  ['ConnectionLostError', new ConnectionLostError('/tmp/tn/broker.sock'), ConnectionLostError],
  ['StoreUnavailableError', new StoreUnavailableError('redis://127.0.0.1:6379'), StoreUnavailableError],
  ['BrokerStartError', new BrokerStartError('already running', { runningPid: 7 }), BrokerStartError],
  [
    'PreflightError',
    new PreflightError([
      { id: 'api-key', title: 'API key', level: 'fail', ok: false, line: 'TempNumber refused the key' },
      { id: 'balance', title: 'Balance', level: 'warn', ok: true, line: 'balance unknown', skipped: true },
    ]),
    PreflightError,
  ],
  ['TempNumberError', new TempNumberError('plain'), TempNumberError],
];

test.describe('rebuildError', () => {
  test('every class the wire names has a round-trip case here', () => {
    expect(originals.map(([name]) => name).sort()).toEqual([...WIRE_ERROR_NAMES].sort());
  });

  for (const [name, original, cls] of originals) {
    test(`a ${name} crosses the wire as the same class, message and fields`, () => {
      const wire = JSON.parse(JSON.stringify(toWireError(original)));
      const rebuilt = rebuildError(wire);
      expect(rebuilt).toBeInstanceOf(cls);
      expect(rebuilt).toBeInstanceOf(TempNumberError);
      expect(rebuilt.name).toBe(name);
      expect(rebuilt.message).toBe(original.message);
      for (const [key, value] of Object.entries(original)) {
        expect((rebuilt as unknown as Record<string, unknown>)[key], key).toEqual(value);
      }
    });
  }

  test('a PriceChangedError is also an ApiError and keeps newPrice', () => {
    const rebuilt = rebuildError({
      name: 'PriceChangedError',
      message: 'TempNumber refused POST /activations',
      status: 409,
      newPrice: 2.5,
    });
    expect(rebuilt).toBeInstanceOf(ApiError);
    expect((rebuilt as PriceChangedError).newPrice).toBe(2.5);
    expect((rebuilt as PriceChangedError).status).toBe(409);
  });

  test('an unknown name stays readable by name on a TempNumberError', () => {
    const rebuilt = rebuildError({
      name: 'FutureBrokerError',
      message: 'something new',
      store: 'redis',
    });
    expect(rebuilt).toBeInstanceOf(TempNumberError);
    expect(rebuilt.name).toBe('FutureBrokerError');
    expect(isTempNumberError(rebuilt, 'FutureBrokerError')).toBe(true);
    expect(String(rebuilt)).toBe('FutureBrokerError: something new');
    expect((rebuilt as unknown as { store: string }).store).toBe('redis');
  });

  test('a field named like a prototype member cannot replace the message', () => {
    const rebuilt = rebuildError({ name: 'ApiError', message: 'real', stack: 'fake stack', cause: 'why' });
    expect(rebuilt.message).toBe('real');
    expect(rebuilt.stack).not.toBe('fake stack');
    expect(rebuilt.cause).toBe('why');
  });
});
