/**
 * Reading a v1 answer: an error body into the contract's error classes (by the API's error
 * name) and a 2xx body checked against its shape. The retry policy and the reading of an answer
 * in general are shared by every provider (../http.ts).
 */

import type { ErrorFamily } from '../../contract/errors.ts';
import { ApiError, PriceChangedError, RateLimitedError } from '../../contract/errors.ts';
import {
  type ErrorFrom,
  type ErrorInit,
  expectArray,
  expectObject,
  type Json,
  type RawErrorBody,
  type RawResponse,
  ResponseShapeError,
  toNumber,
} from '../http.ts';
import { parseRetryHintMs } from '../retry-policy.ts';
import type {
  Activation,
  ActivationData,
  ActivationsHistoryPage,
  PricelistByCountry,
  PricelistByService,
  SingleService,
  UserBalance,
} from './wire.ts';
import { canonicalErrorName, ERROR_NAMES } from './wire.ts';

/*
 * A v1 error body → the contract's class, by the API's error name (case-insensitively), never
 * by status alone (reference §5.2 and "Decisions": the real API's statuses for several names are
 * unknown). Reading the answer itself is ../http.ts `interpretResponse`.
 */

type ErrorBodyLike = RawErrorBody & { newPrice?: unknown };

/** Which class each family gets; families not listed are a plain ApiError. */
const CLASS_BY_FAMILY: Partial<
  Record<
    ErrorFamily,
    (init: ErrorInit, body: ErrorBodyLike, raw: RawResponse, expectedPrice: number | undefined) => ApiError
  >
> = {
  rateLimited: (init, _body, raw) =>
    new RateLimitedError({ ...init, retryAfterMs: parseRetryHintMs(raw.headers) }),
  priceChanged: (init, body, _raw, expectedPrice) =>
    new PriceChangedError({ ...init, newPrice: toPrice(body.newPrice), expectedPrice }),
};

/** The reader of v1 error bodies for ../http.ts; `expectedPrice` is named in a PriceChangedError. */
export function v1ErrorFrom(expectedPrice: number | undefined): ErrorFrom {
  return (init, body, raw) => {
    const canonical = canonicalErrorName(body.errorName);
    if (canonical === undefined) return new ApiError({ ...init, family: 'unknown' });
    const family: ErrorFamily = ERROR_NAMES[canonical].family;
    const build = CLASS_BY_FAMILY[family];
    return build ? build(init, body, raw, expectedPrice) : new ApiError({ ...init, family });
  };
}

function toPrice(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/*
 * Minimal checks of successful bodies at the edge: enough that callers can rely on the fields
 * they branch on (an activation's numeric `id` and string `status`, history's `activations`
 * array), without rejecting fields the API may add. Money is the exception: every amount
 * ({@link MONEY_FIELDS}) leaves here as a number or not at all. A failed check throws a
 * {@link ResponseShapeError}; the caller turns it into an UnexpectedResponseError.
 */

/** What an amount of each kind may be. A balance may in principle go below zero; a price may not. */
const MONEY_KINDS = {
  price: { min: 0, expected: 'a non-negative number' },
  balance: { min: Number.NEGATIVE_INFINITY, expected: 'a number' },
} as const satisfies Record<string, { min: number; expected: string }>;

type MoneyField = { kind: keyof typeof MONEY_KINDS; required: boolean };

/**
 * Every amount of every shape read here, in USD. A gateway may send `"0.35"` for `0.35`; passed
 * through, the string is stored as is downstream and the broker's ledger drops that line on
 * reload (its price is not a number), so the spend is forgotten. Hence ONE table: each amount
 * becomes a number, or the whole answer is refused. Optional fields that are absent or `null`
 * are left out. (`newPrice` of an error body is read above, with the error body.)
 */
const MONEY_FIELDS = {
  activation: { price: { kind: 'price', required: false } },
  balance: {
    balance: { kind: 'balance', required: true },
    review_balance: { kind: 'balance', required: false },
  },
  priceListItem: { p: { kind: 'price', required: true } },
  serviceInCountry: { price: { kind: 'price', required: true } },
} as const satisfies Record<string, Record<string, MoneyField>>;

/** A decimal as a JSON encoder writes one (`12`, `0.35`, `1.0E-5`); not hex, `Infinity` or blanks. */
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** `body` with the money fields of `shape` as numbers; throws naming the first field that is not. */
function withMoney(body: Json, shape: keyof typeof MONEY_FIELDS, what: string): Json {
  const out: Json = { ...body };
  for (const [field, rule] of Object.entries(MONEY_FIELDS[shape]) as Array<[string, MoneyField]>) {
    const value = body[field];
    if (value === undefined || value === null) {
      if (rule.required) throw new ResponseShapeError(`${what} has no "${field}"`);
      delete out[field];
      continue;
    }
    const amount = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
    const { min, expected } = MONEY_KINDS[rule.kind];
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < min) {
      // Short: the value is server text, and this message is not scrubbed like the body is.
      const shown = JSON.stringify(value)?.slice(0, 24) ?? String(value);
      throw new ResponseShapeError(`${what} has "${field}": ${shown}, which is not ${expected}`);
    }
    out[field] = amount;
  }
  return out;
}

/** An activation: numeric `id` and string `status` required; `code` normalised to a string. */
export function parseActivation(value: unknown, what = 'the activation'): Activation {
  const body = expectObject(value, what);
  if (typeof body.id !== 'number' || !Number.isSafeInteger(body.id)) {
    throw new ResponseShapeError(`${what} has no numeric "id"`);
  }
  if (typeof body.status !== 'string') throw new ResponseShapeError(`${what} has no string "status"`);
  const { code, ...rest } = withMoney(body, 'activation', what) as unknown as ActivationData & {
    code?: unknown;
  };
  const activation: Activation = rest;
  if (typeof code === 'number' && Number.isFinite(code)) activation.code = String(code);
  else if (typeof code === 'string' && code !== '') activation.code = code;
  return activation;
}

/** GET /activations: an `activations` array of activations. */
export function parseActivationsHistory(value: unknown): ActivationsHistoryPage {
  const body = expectObject(value, 'the history');
  const activations = expectArray(body.activations, 'the history\'s "activations"').map((item, i) =>
    parseActivation(item, `activation #${i} of the history`),
  );
  const page: ActivationsHistoryPage = { activations };
  for (const key of ['page', 'limit', 'pages', 'total'] as const) {
    const n = toNumber(body[key]);
    if (n !== undefined) page[key] = n;
  }
  return page;
}

/** GET /user/balance: a numeric `balance`, and `review_balance` when sent. */
export function parseUserBalance(value: unknown): UserBalance {
  const body = expectObject(value, 'the balance');
  const { balance, review_balance } = withMoney(body, 'balance', 'the balance') as Partial<UserBalance>;
  return review_balance === undefined
    ? { balance: balance as number }
    : { balance: balance as number, review_balance };
}

/** GET /services/pricelistByCountry: `[{ c, services: [{ s, p }] }]`. */
export function parsePricelistByCountry(value: unknown): PricelistByCountry {
  return expectArray(value, 'the price list').map((item, i) => {
    const entry = expectObject(item, `price list entry #${i}`);
    if (typeof entry.c !== 'string') throw new ResponseShapeError(`price list entry #${i} has no string "c"`);
    const services = priceListItems(entry.services, `price list entry #${i}'s "services"`);
    return { ...entry, services } as unknown as PricelistByCountry[number];
  });
}

/** GET /services/pricelistByService: `[{ s, countries: [{ c, p }] }]`. */
export function parsePricelistByService(value: unknown): PricelistByService {
  return expectArray(value, 'the price list').map((item, i) => {
    const entry = expectObject(item, `price list entry #${i}`);
    if (typeof entry.s !== 'string') throw new ResponseShapeError(`price list entry #${i} has no string "s"`);
    const countries = priceListItems(entry.countries, `price list entry #${i}'s "countries"`);
    return { ...entry, countries } as unknown as PricelistByService[number];
  });
}

/** The inner `[{ …, p }]` of either price list. */
function priceListItems(value: unknown, what: string): Json[] {
  return expectArray(value, what).map((item, j) =>
    withMoney(expectObject(item, `${what} #${j}`), 'priceListItem', `${what} #${j}`),
  );
}

/** GET /services/{serviceId}/countries/{countryId}: an object with a `services` array. */
export function parseSingleService(value: unknown): SingleService {
  const body = expectObject(value, 'the service');
  const services = expectArray(body.services, 'the service\'s "services"').map((item, i) =>
    withMoney(expectObject(item, `service #${i}`), 'serviceInCountry', `service #${i}`),
  );
  return { ...body, services } as unknown as SingleService;
}

/**
 * PUT /activations/{id}: a 2xx already means the retry was accepted. `{"result":"success"}` is
 * the spec's body; an empty body or another object is accepted too rather than reporting a
 * state change that happened as a failure (which would invite a second PUT).
 */
export function parseUpdateResult(value: unknown): { result: 'success' } {
  if (value !== undefined) expectObject(value, 'the update result');
  return { result: 'success' };
}
