/**
 * Minimal checks of successful bodies at the edge: enough that callers can rely on the fields
 * they branch on (an activation's numeric `id` and string `status`, history's `activations`
 * array, balance's number), without rejecting fields the API may add. A failed check throws a
 * {@link ResponseShapeError}; the caller turns it into an UnexpectedResponseError.
 */
import { ResponseShapeError } from './response-shape-error.ts';
import type { Activation, ActivationsHistoryPage } from './response-types.ts';
import type {
  ActivationData,
  PricelistByCountry,
  PricelistByService,
  SingleService,
  UserBalance,
} from './wire-types.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectObject(value: unknown, what: string): Json {
  if (!isObject(value)) throw new ResponseShapeError(`${what} is not a JSON object`);
  return value;
}

function expectArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ResponseShapeError(`${what} is not an array`);
  return value;
}

/** A finite number, also from a numeric string (some gateways stringify decimals). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** An activation: numeric `id` and string `status` required; `code` normalised to a string. */
export function parseActivation(value: unknown, what = 'the activation'): Activation {
  const body = expectObject(value, what);
  if (typeof body.id !== 'number' || !Number.isSafeInteger(body.id)) {
    throw new ResponseShapeError(`${what} has no numeric "id"`);
  }
  if (typeof body.status !== 'string') throw new ResponseShapeError(`${what} has no string "status"`);
  const { code, ...rest } = body as unknown as ActivationData & { code?: unknown };
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

/** GET /user/balance: a numeric `balance`. */
export function parseUserBalance(value: unknown): UserBalance {
  const body = expectObject(value, 'the balance');
  const balance = toNumber(body.balance);
  if (balance === undefined) throw new ResponseShapeError('the balance has no numeric "balance"');
  const review = toNumber(body.review_balance);
  return review === undefined ? { balance } : { balance, review_balance: review };
}

/** GET /services/pricelistByCountry: `[{ c, services: [{ s, p }] }]`. */
export function parsePricelistByCountry(value: unknown): PricelistByCountry {
  return expectArray(value, 'the price list').map((item, i) => {
    const entry = expectObject(item, `price list entry #${i}`);
    if (typeof entry.c !== 'string') throw new ResponseShapeError(`price list entry #${i} has no string "c"`);
    expectArray(entry.services, `price list entry #${i}'s "services"`);
    return entry as unknown as PricelistByCountry[number];
  });
}

/** GET /services/pricelistByService: `[{ s, countries: [{ c, p }] }]`. */
export function parsePricelistByService(value: unknown): PricelistByService {
  return expectArray(value, 'the price list').map((item, i) => {
    const entry = expectObject(item, `price list entry #${i}`);
    if (typeof entry.s !== 'string') throw new ResponseShapeError(`price list entry #${i} has no string "s"`);
    expectArray(entry.countries, `price list entry #${i}'s "countries"`);
    return entry as unknown as PricelistByService[number];
  });
}

/** GET /services/{serviceId}/countries/{countryId}: an object with a `services` array. */
export function parseSingleService(value: unknown): SingleService {
  const body = expectObject(value, 'the service');
  expectArray(body.services, 'the service\'s "services"');
  return body as unknown as SingleService;
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
