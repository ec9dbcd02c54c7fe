/**
 * Every error of the package, in ONE file: the base class, the API's refusals by neutral family,
 * the broker's and the fixture's errors, and their wire form — the name → class map the broker
 * protocol carries them in, complete (a test round-trips every class).
 */
import type { CheckResult } from './preflight-result.ts';

/**
 * Base of every error this package throws. Messages say what failed, for which
 * number/activation, and what to do; they never contain the API key.
 *
 * Errors cross process boundaries (broker → worker → reporter) as plain data, so code that
 * tells them apart should compare `error.name` (see {@link isTempNumberError}) rather than rely
 * on `instanceof` alone.
 */
export class TempNumberError extends Error {
  override name: string = 'TempNumberError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True when `error` is (or was serialized from) a TempNumber error with the given class name. */
export function isTempNumberError(error: unknown, name?: string): error is TempNumberError {
  if (typeof error !== 'object' || error === null) return false;
  const errorName = (error as { name?: unknown }).name;
  if (typeof errorName !== 'string') return false;
  return name === undefined
    ? error instanceof TempNumberError || errorName.endsWith('Error')
    : errorName === name;
}

/**
 * What kind of refusal an API answer is, in neutral terms: each API's error names map onto these
 * (TempNumber v1: `ERROR_NAMES` in src/providers/tempnumber-v1/wire.ts), and the broker decides by family.
 */
export type ErrorFamily =
  | 'invalidRequest'
  | 'unauthorized'
  | 'paymentRequired'
  | 'accountOnHold'
  | 'notFound'
  | 'badState'
  | 'priceChanged'
  | 'gone'
  | 'serviceUnavailable'
  | 'lowSuccessRate'
  | 'tooManyPending'
  | 'rateLimited';

/** Where a failed request went: enough to find it in logs, never the API key. */
export interface RequestInfo {
  method: string;
  /** Path with ids filled in, relative to the API base (e.g. `/activations/123`). */
  path: string;
}

/**
 * The API answered and refused: a non-2xx status with an `{errorName, errorMessage}` body
 * (reference §5). `family` tells what kind of refusal it is (see `ERROR_NAMES`); unknown names
 * get the family `unknown`.
 */
export class ApiError extends TempNumberError {
  override name: string = 'ApiError';
  readonly status: number;
  readonly errorName: string;
  readonly errorMessage: string;
  readonly family: ErrorFamily | 'unknown';
  readonly method: string;
  readonly path: string;
  /** Only set for `expectedPriceErrorException`. */
  readonly newPrice: number | undefined;

  constructor(
    init: RequestInfo & {
      status: number;
      errorName: string;
      errorMessage: string;
      family: ErrorFamily | 'unknown';
      newPrice?: number | undefined;
      hint?: string;
    },
  ) {
    const hint = init.hint ? ` ${init.hint}` : '';
    super(
      `TempNumber refused ${init.method} ${init.path}: ${init.status} ${init.errorName}: ${init.errorMessage}.${hint}`,
    );
    this.status = init.status;
    this.errorName = init.errorName;
    this.errorMessage = init.errorMessage;
    this.family = init.family;
    this.method = init.method;
    this.path = init.path;
    this.newPrice = init.newPrice;
  }
}

/**
 * The request got no answer: connection refused or reset, DNS failure, or the per-request
 * timeout passed (`timedOut`). For POST /activations the lease may or may not have happened —
 * unless `requestSent` is false: the connection was never made (refused, DNS, TLS), so nothing
 * reached the server and nothing can have been leased.
 */
export class NetworkError extends TempNumberError {
  override name = 'NetworkError';
  readonly method: string;
  readonly path: string;
  readonly timedOut: boolean;
  /** False when the request surely never reached the server (see {@link NOT_SENT_CODES}). */
  readonly requestSent: boolean;

  /**
   * @param init.hint - what to do next, appended to the message (e.g. for POST /activations:
   *   reconcile through history before leasing again).
   */
  constructor(
    init: RequestInfo & {
      timedOut: boolean;
      cause?: unknown;
      hint?: string | undefined;
      /** Where the request went (no key in it), named in the "nothing is listening" message. */
      baseUrl?: string | undefined;
    },
  ) {
    const requestSent = init.timedOut || !isNotSent(init.cause);
    const reason = init.cause instanceof Error ? ` (${init.cause.message})` : '';
    const at = init.baseUrl ? ` at ${init.baseUrl}` : '';
    super(
      requestSent
        ? `${init.method} ${init.path} to TempNumber ${init.timedOut ? 'timed out' : 'failed without an answer'}${reason}. ` +
            `Check the network and TEMPNUMBER_BASE_URL.${init.hint ? ` ${init.hint}` : ''}`
        : `${init.method} ${init.path}: nothing could be reached${at}${reason}, so nothing was sent. ` +
            'Start the sandbox (`npx playwright-tempnumber sandbox`) or check TEMPNUMBER_BASE_URL and the network.',
      { cause: init.cause },
    );
    this.method = init.method;
    this.path = init.path;
    this.timedOut = init.timedOut;
    this.requestSent = requestSent;
  }
}

/**
 * Transport error codes that mean the connection was never established, so no byte of the
 * request reached the server: refused, no route, DNS, and TLS handshake failures (the request
 * is written only after the handshake). A reset or a timeout is NOT here: the server may have
 * read the request and acted on it.
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** True when some error in the `cause` chain carries a code of {@link NOT_SENT_CODES}. */
function isNotSent(cause: unknown, depth = 0): boolean {
  if (depth > 5 || typeof cause !== 'object' || cause === null) return false;
  const { code, errors } = cause as { code?: unknown; errors?: unknown };
  if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
  // A connect that tried IPv6 and IPv4 fails with an AggregateError of both refusals.
  if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => isNotSent(e, depth + 1))) return true;
  return isNotSent((cause as { cause?: unknown }).cause, depth + 1);
}

/**
 * The API answered with something that is not what v1 promises: a body that is not JSON, a
 * JSON shape that lacks required fields, or an error status without an `errorName`.
 */
export class UnexpectedResponseError extends TempNumberError {
  override name = 'UnexpectedResponseError';
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** The first 200 characters of the body, for diagnosis. */
  readonly bodySnippet: string;

  constructor(init: RequestInfo & { status: number; body: string; problem: string }) {
    const snippet = init.body.slice(0, 200);
    super(
      `TempNumber answered ${init.method} ${init.path} with an unexpected response (${init.status}): ${init.problem}. ` +
        `Body starts with: ${JSON.stringify(snippet)}. Check TEMPNUMBER_BASE_URL points at the API (…/api/v1).`,
    );
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.bodySnippet = snippet;
  }
}

/**
 * The API answered 429 `TooManyRequestsException`: a request limit was exceeded. `retryAfterMs`
 * is the server's hint (`Retry-After` / `x-ratelimit-reset`) when it sent one.
 */
export class RateLimitedError extends ApiError {
  override name = 'RateLimitedError';
  readonly retryAfterMs: number | undefined;

  constructor(
    init: RequestInfo & {
      status: number;
      errorName: string;
      errorMessage: string;
      retryAfterMs?: number | undefined;
    },
  ) {
    super({
      ...init,
      family: 'rateLimited',
      hint: 'The request budget of this endpoint is used up; the client waits for the window to pass.',
    });
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * The API refused a lease because the price is above `expectedPrice`
 * (`expectedPriceErrorException`). Never retried at the higher price on its own.
 */
export class PriceChangedError extends ApiError {
  override name = 'PriceChangedError';

  constructor(
    init: RequestInfo & {
      status: number;
      errorName: string;
      errorMessage: string;
      newPrice: number | undefined;
      expectedPrice?: number | undefined;
    },
  ) {
    const was = init.expectedPrice === undefined ? '' : ` above the expected ${init.expectedPrice}`;
    super({
      ...init,
      family: 'priceChanged',
      hint: `The price is now ${init.newPrice ?? 'unknown'}${was}; raise the max price (phoneMaxPrice) if that is acceptable.`,
    });
  }
}

/** Settings are missing or invalid: a missing API key, a bad option value. Fix the config. */
export class ConfigurationError extends TempNumberError {
  override name = 'ConfigurationError';
}

/** Which guard refused (DESIGN §5). */
export type GuardName =
  | 'deliveryRate'
  | 'circuitBreaker'
  | 'price'
  | 'pendingCap'
  | 'balance'
  | 'lowSuccessRate';

/**
 * A guard of the broker refused a lease before any money was spent: the message says which
 * guard, for which service+country, why, and how to tune or disable it.
 */
export class GuardError extends TempNumberError {
  override name = 'GuardError';
  readonly guard: GuardName;
  readonly service: string | undefined;
  readonly country: string | undefined;

  constructor(init: {
    guard: GuardName;
    message: string;
    service?: string | undefined;
    country?: string | undefined;
  }) {
    super(init.message);
    this.guard = init.guard;
    this.service = init.service;
    this.country = init.country;
  }
}

/** `phone.code()` waited and no SMS came for that number. */
export class SmsTimeoutError extends TempNumberError {
  override name = 'SmsTimeoutError';
  /** The activation's id (an ActivationId: text). */
  readonly activationId: string;
  readonly number: string;
  readonly lastStatus: string;
  readonly waitedMs: number;

  constructor(init: {
    activationId: string;
    number: string;
    lastStatus: string;
    waitedMs: number;
    likelyCause: string;
  }) {
    super(
      `No SMS arrived for ${init.number} (activation ${init.activationId}) within ${Math.round(init.waitedMs)} ms; ` +
        `last status ${init.lastStatus}. ${init.likelyCause}`,
    );
    this.activationId = init.activationId;
    this.number = init.number;
    this.lastStatus = init.lastStatus;
    this.waitedMs = init.waitedMs;
  }
}

/**
 * An SMS arrived but no code could be read from it: the pattern of `phone.code({ pattern })`
 * matched nothing, or there was no pattern and neither the API nor the default pattern found
 * one. The message quotes the SMS text so the pattern can be fixed.
 */
export class CodeNotFoundError extends TempNumberError {
  override name = 'CodeNotFoundError';
  readonly text: string;
  readonly pattern: string | undefined;

  constructor(init: { text: string; pattern: string | undefined; number?: string }) {
    const where = init.number ? ` to ${init.number}` : '';
    const why =
      init.pattern === undefined
        ? 'The API gave no code and no run of 4–8 digits was found; pass `pattern` to say where the code is.'
        : `The pattern ${init.pattern} matched nothing; fix the pattern to fit this message.`;
    super(`The SMS${where} contains no code: ${JSON.stringify(init.text)}. ${why}`);
    this.text = init.text;
    this.pattern = init.pattern;
  }
}

/**
 * No broker could be reached or started, or the broker went away and could not be replaced.
 * The message says which broker (pid), what was in progress and where the ledger is, so a paid
 * number is never lost track of.
 */
export class BrokerUnavailableError extends TempNumberError {
  override name = 'BrokerUnavailableError';
  /** Pid of the broker that went away, when one was running. */
  readonly brokerPid: number | undefined;

  constructor(message: string, init: { brokerPid?: number | undefined; cause?: unknown } = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.brokerPid = init.brokerPid;
  }
}

/**
 * The broker could not start: another broker of the account runs, or the runtime dir is not
 * usable. `runningPid` is set in the first case.
 */
export class BrokerStartError extends TempNumberError {
  override name = 'BrokerStartError';
  readonly runningPid: number | undefined;

  constructor(message: string, init: { runningPid?: number; cause?: unknown } = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.runningPid = init.runningPid;
  }
}

/**
 * The socket to the broker closed while a request was out. Internal signal: the client turns it
 * into a reconnect or into a {@link BrokerUnavailableError} that says what happened.
 */
export class ConnectionLostError extends TempNumberError {
  override name = 'ConnectionLostError';
  readonly socketPath: string;

  constructor(socketPath: string) {
    super(`The connection to the broker at ${socketPath} closed.`);
    this.socketPath = socketPath;
  }
}

/**
 * The shared store (Redis, `TEMPNUMBER_REDIS_URL`) cannot be reached. The budget fails closed:
 * nothing is granted and no request is sent to TempNumber until the store answers again —
 * falling back to a local budget would let this machine overspend the account's shared one.
 */
export class StoreUnavailableError extends TempNumberError {
  override name = 'StoreUnavailableError';
  /** `host:port` of the store (never its password). */
  readonly address: string;

  constructor(address: string, options?: { cause?: unknown }) {
    super(
      `Redis at ${address} (TEMPNUMBER_REDIS_URL) is unreachable: no request is sent to TempNumber until it is back, ` +
        'because the rate-limit budget shared with other machines lives there. Check that Redis is running and ' +
        'reachable from this machine, or unset TEMPNUMBER_REDIS_URL to run on one machine only.',
      options,
    );
    this.address = address;
  }
}

/** `host:port` of a Redis URL, for messages: user name and password are dropped. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || '127.0.0.1'}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured address';
  }
}

/**
 * The preflight found problems: the message lists every failed check with what to do, so one
 * run of the suite shows all of them at once instead of one per attempt.
 */
export class PreflightError extends TempNumberError {
  override name = 'PreflightError';
  /** Every check's result, failed ones included. */
  readonly results: CheckResult[];

  constructor(results: CheckResult[]) {
    const failed = results.filter((r) => r.level === 'fail');
    super(
      `playwright-tempnumber preflight failed (${failed.length} ${failed.length === 1 ? 'check' : 'checks'}); ` +
        'no test ran and no number was leased:\n' +
        failed.map((r) => `  ✗ ${r.title}: ${r.line}`).join('\n') +
        '\nRun `npx playwright-tempnumber doctor` for the full report.',
    );
    this.results = results;
  }
}

/*
 * Errors cross the socket as {@link WireError} data; the client turns them back into the error
 * class named by `name`, with the broker's message and fields unchanged, so a test can use
 * `instanceof` as well as `error.name` (DESIGN: errors are compared by name across processes).
 */

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
