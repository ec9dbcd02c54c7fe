/**
 * Errors cross the socket as {@link WireError} data; the client turns them back into the error
 * class named by `name`, with the broker's message and fields unchanged, so a test can use
 * `instanceof` as well as `error.name` (DESIGN: errors are compared by name across processes).
 */
import { ApiError } from './api-error.ts';
import { BrokerStartError } from './broker-start-error.ts';
import { BrokerUnavailableError } from './broker-unavailable-error.ts';
import { CodeNotFoundError } from './code-not-found-error.ts';
import { ConfigurationError } from './configuration-error.ts';
import { ConnectionLostError } from './connection-lost-error.ts';
import { GuardError } from './guard-error.ts';
import { NetworkError } from './network-error.ts';
import { PreflightError } from './preflight-error.ts';
import { PriceChangedError } from './price-changed-error.ts';
import { RateLimitedError } from './rate-limited-error.ts';
import { SmsTimeoutError } from './sms-timeout-error.ts';
import { StoreUnavailableError } from './store-unavailable-error.ts';
import { TempNumberError } from './tempnumber-error.ts';
import { UnexpectedResponseError } from './unexpected-response-error.ts';

/** Error as data: `name` selects the error class on the client (see ERROR_CLASSES below). */
export interface WireError {
  name: string;
  message: string;
  [field: string]: unknown;
}

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
  ConnectionLostError,
  StoreUnavailableError,
  BrokerStartError,
  PreflightError,
} as const satisfies Record<string, abstract new (...args: never[]) => TempNumberError>;

/** Every class name the wire carries: each must round-trip (tests/unit/broker-client-rebuild-error.spec.ts). */
export const WIRE_ERROR_NAMES: readonly string[] = Object.keys(ERROR_CLASSES);

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

/** JSON data: primitives, and arrays and plain objects of them (a PreflightError's `results`). */
function isPlainData(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Object.values(value).every(isPlainData);
}
