/**
 * Errors cross the socket as {@link WireError} data; the client turns them back into the error
 * class named by `name`, with the broker's message and fields unchanged, so a test can use
 * `instanceof` as well as `error.name` (DESIGN: errors are compared by name across processes).
 */
import { ApiError } from '../../api/errors/api-error.ts';
import { ConfigurationError } from '../../api/errors/configuration-error.ts';
import { GuardError } from '../../api/errors/guard-error.ts';
import { NetworkError } from '../../api/errors/network-error.ts';
import { PriceChangedError } from '../../api/errors/price-changed-error.ts';
import { RateLimitedError } from '../../api/errors/rate-limited-error.ts';
import { SmsTimeoutError } from '../../api/errors/sms-timeout-error.ts';
import { TempNumberError } from '../../api/errors/tempnumber-error.ts';
import { UnexpectedResponseError } from '../../api/errors/unexpected-response-error.ts';
import type { WireError } from '../protocol.ts';
import { BrokerUnavailableError } from './broker-unavailable-error.ts';
import { CodeNotFoundError } from './code-not-found-error.ts';

/** Wire `name` → class whose prototype the rebuilt error gets. Unknown names: TempNumberError. */
const ERROR_CLASSES = {
  TempNumberError,
  ApiError,
  PriceChangedError,
  RateLimitedError,
  GuardError,
  SmsTimeoutError,
  ConfigurationError,
  NetworkError,
  UnexpectedResponseError,
  BrokerUnavailableError,
  CodeNotFoundError,
} as const satisfies Record<string, abstract new (...args: never[]) => TempNumberError>;

/** Keys that describe the error itself and are not copied as fields. */
const NOT_FIELDS = new Set(['name', 'message', 'stack', 'cause']);

/**
 * Rebuild an error sent by the broker. The constructors are bypassed on purpose: they compose
 * messages, and the broker's message must arrive word for word. An unknown `name` (say
 * `StoreUnavailableError` from a store) keeps that name on a {@link TempNumberError}.
 */
export function rebuildError(wire: WireError): TempNumberError {
  const name = typeof wire.name === 'string' && wire.name !== '' ? wire.name : 'TempNumberError';
  const message = typeof wire.message === 'string' ? wire.message : String(wire.message);
  const cls = Object.hasOwn(ERROR_CLASSES, name)
    ? ERROR_CLASSES[name as keyof typeof ERROR_CLASSES]
    : TempNumberError;
  const error = new TempNumberError(message);
  Object.setPrototypeOf(error, cls.prototype);
  for (const [key, value] of Object.entries(wire)) {
    if (!NOT_FIELDS.has(key)) Object.defineProperty(error, key, { value, enumerable: true, writable: false });
  }
  Object.defineProperty(error, 'name', {
    value: name,
    enumerable: false,
    writable: true,
    configurable: true,
  });
  if (typeof wire.cause === 'string') {
    Object.defineProperty(error, 'cause', { value: wire.cause, enumerable: false, writable: true });
  }
  return error;
}

/** The opposite of {@link rebuildError}: an error as plain data, own fields included. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const wire: WireError = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (!NOT_FIELDS.has(key) && isPlainData(value)) wire[key] = value;
  }
  return wire;
}

function isPlainData(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value);
}
