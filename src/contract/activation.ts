/**
 * One activation as every part of the house sees it: its id and the one table of states the
 * broker decides on (each provider in src/providers/ maps its API's status words onto these
 * rows), what a lease asks for (and the one check of it, run at whichever edge a request enters:
 * the fixture options, `phones.lease()`, `BrokerClient.lease()`), and the record the broker keeps
 * in its ledger, hands to the client, and the fixture and the reporter print.
 */
import { ConfigurationError } from './errors.ts';

/**
 * The states an activation can be in, as the broker decides on them, with what each means.
 * ONE table: the broker's "waiting / has an SMS / final / refund verdict" questions are reads
 * of it, and every provider maps each of its wire statuses onto exactly one row.
 *
 * - `waiting`: an SMS is expected now (keep polling).
 * - `hasSms`: an SMS can be read now.
 * - `delivered`: an SMS came at some point (the delivery-rate rule counts it), even if a retry
 *   has hidden it since.
 * - `final`: nothing changes any more.
 * - `refunded`: for final states, whether the money came back (true), was charged (false), or
 *   cannot be told (undefined). Undefined for live states.
 *
 * There is no `cancelled` state: cancelling is the broker's decision (its ledger outcome), and an
 * API that ends the activation on a cancel call shows it as `refunded` (v1 has no such call; its
 * cancelled activations end `refunded` at expiry). Nor a `leased` state apart from
 * `waitingForSms`: the broker treats "number requested / number obtained" as waiting.
 */
export const ACTIVATION_STATES = {
  /** Leased, no SMS yet, one expected. */
  waitingForSms: { waiting: true, hasSms: false, delivered: false, final: false, refunded: undefined },
  /** An SMS is there to read; the activation is still live (a retry may follow). */
  smsReceived: { waiting: false, hasSms: true, delivered: true, final: false, refunded: undefined },
  /** Another SMS was asked for (retry): the earlier one was delivered and is no longer readable. */
  waitingForNextSms: { waiting: true, hasSms: false, delivered: true, final: false, refunded: undefined },
  /** Ended after an SMS: charged. */
  finalized: { waiting: false, hasSms: true, delivered: true, final: true, refunded: false },
  /** Ended without a charge: cancelled, or expired without an SMS; a reserved price came back. */
  refunded: { waiting: false, hasSms: false, delivered: false, final: true, refunded: true },
  /** The API ended it with an error; whether it charged is not known. */
  failed: { waiting: false, hasSms: false, delivered: false, final: true, refunded: undefined },
  /**
   * A wire status the provider's table does not know (a newer API): not waiting, not final, so
   * the broker keeps watching it until it expires rather than guessing.
   */
  unknown: { waiting: false, hasSms: false, delivered: false, final: false, refunded: undefined },
} as const satisfies Record<
  string,
  { waiting: boolean; hasSms: boolean; delivered: boolean; final: boolean; refunded: boolean | undefined }
>;

export type ActivationState = keyof typeof ACTIVATION_STATES;

/** An activation's id, as text: v1's integers in decimal, Platfone's strings as they are. */
export type ActivationId = string;

/** Ids in the order they were handed out: integer ids by value (v1), others as text. */
export function compareActivationIds(a: ActivationId, b: ActivationId): number {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Ledger ids of lease intents start with this; no provider's activation id does. */
export const INTENT_ID_PREFIX = 'intent:';

/** Whether a ledger record is a lease intent rather than an activation. */
export function isIntentId(id: ActivationId): boolean {
  return id.startsWith(INTENT_ID_PREFIX);
}

/** Outcome of an activation in the ledger. */
export type Outcome =
  /** Leased, the test may still wait for an SMS. */
  | 'waiting'
  /** Released after an SMS arrived (billed at the SMS; finalized at the API where it has the call). */
  | 'finalized'
  /** Released without an SMS; the broker watches it until expiry to learn whether it was refunded. */
  | 'cancelled'
  /**
   * A lease intent (id `intent:…`): written before `POST /activations` leaves, open while its
   * answer is not known — on the wire, lost, or not yet looked up in the history. Closed as
   * `cancelled` with status `leasedAs:<id>`, `notLeased` or `notSent`.
   */
  | 'unknown';

/** What the ledger and `activations` show for one activation; safe to print (no key). */
export interface ActivationRecord {
  /** The provider's id, as text (docs/decisions/0016); a lease intent's starts with `intent:`. */
  id: ActivationId;
  /** '+E.164' */
  number: string;
  service: string;
  country: string;
  price: number;
  /** Last state seen, in the provider's neutral terms: what the broker decides on. */
  state: ActivationState;
  /** Last status seen in the API's own words (for people and logs; an intent's progress). */
  status: string;
  outcome: Outcome;
  /** For cancelled ones: true once the API reported `refunded`, false if a late SMS was billed, undefined while unknown. */
  refunded: boolean | undefined;
  /** Who leased it: e.g. "pid 1234 · worker 2 · signup.spec.ts › sign up". */
  owner: string;
  /** Real wall-clock ISO times. */
  leasedAt: string;
  expiresAt: string;
  releasedAt: string | undefined;
  /** When the broker first saw an SMS (real wall clock), if any. */
  smsAt: string | undefined;
  /**
   * Found only through the history after a lease's answer was lost, and not provably this
   * broker's (without Redis another broker or tool may share the key): never handed to a test,
   * released at once and watched until it ends. See docs/decisions/0013.
   */
  orphan?: true;
}

/** A country skipped during a lease, and why (no numbers, over the max price…). */
export interface SkippedCountry {
  country: string;
  reason: string;
}

/** What a `lease` asks for: the same shape from the fixture through the client to the lease journey. */
export interface LeaseRequest {
  /** TempNumber service id, lower-case, e.g. 'facebook'. */
  service: string;
  /** Country ids, lower-case, without duplicates; tried in order when one has no numbers or is over the price. */
  countries: string[];
  /** USD; sent as `expectedPrice`. */
  maxPrice?: number | undefined;
  /** Price/quality trade-off 0 (cheapest) … 100 (best), where the API has one (Platfone). */
  quality?: number | undefined;
  /** Who the number is for, as the ledger and `status` show it. */
  owner?: string | undefined;
}

/** Names of the options a value came from, for messages (`phoneService` vs `service`). */
export interface LeaseOptionNames {
  service: string;
  country: string;
  maxPrice: string;
  quality: string;
}

/** Names used for the fixture options. */
export const FIXTURE_OPTION_NAMES: LeaseOptionNames = {
  service: 'phoneService',
  country: 'phoneCountry',
  maxPrice: 'phoneMaxPrice',
  quality: 'phoneQuality',
};

/** Names used for `phones.lease({ … })` and `BrokerClient.lease({ … })`. */
export const LEASE_OPTION_NAMES: LeaseOptionNames = {
  service: 'service',
  country: 'country',
  maxPrice: 'maxPrice',
  quality: 'quality',
};

/**
 * Marks a request {@link toLeaseRequest} built, so a request checked at the outer edge (the
 * fixture, naming `phoneService`) passes the inner one (`BrokerClient.lease`) unchecked: one
 * check per entry. A symbol key never reaches the socket (JSON skips it).
 */
const CHECKED: unique symbol = Symbol('checked lease request');

/** A {@link LeaseRequest} that went through {@link toLeaseRequest}. */
export type CheckedLeaseRequest = LeaseRequest & { readonly [CHECKED]: true };

/** What a user asks a lease for (`BrokerClient.lease()`; `phones.lease()` takes the same, each field optional). */
export interface LeaseOptions {
  /** TempNumber service id, e.g. 'facebook'. */
  service: string;
  /** Country id, or several tried in order when one has no numbers or is over the price. */
  country: string | string[];
  /** Refuse a number more expensive than this, USD (sent as `expectedPrice`). */
  maxPrice?: number;
  /**
   * Platfone's price/quality trade-off, an integer from 0 (cheapest) to 100 (best); the API's
   * default is 50. TempNumber v1 has no such trade-off and leases as always.
   */
  quality?: number;
  /** Who the number is for, as the ledger and `status` show it (e.g. the test title). */
  owner?: string;
}

/** What {@link toLeaseRequest} reads: {@link LeaseOptions} as a user may really have written them. */
type LeaseInput = { [K in keyof LeaseOptions]?: unknown };

/**
 * THE check of what a lease asks for: service, countries and max price are validated and
 * normalized (ids trimmed and lower-cased: the API's ids are lower-case, so `'US'` can only mean
 * `'us'`; duplicate countries dropped, order kept). A request it already built is returned as is.
 * Throws a {@link ConfigurationError} naming the option (`names`) when a value is unusable.
 */
export function toLeaseRequest(
  input: LeaseInput | CheckedLeaseRequest,
  names: LeaseOptionNames = FIXTURE_OPTION_NAMES,
): CheckedLeaseRequest {
  if (CHECKED in input) return input;
  if (typeof input.service !== 'string' || input.service.trim() === '') {
    throw new ConfigurationError(
      `Expected \`${names.service}\` to be a TempNumber service id such as 'facebook' or 'other', got ${show(input.service)}.`,
    );
  }
  const countries = Array.isArray(input.country) ? input.country : [input.country];
  if (countries.length === 0 || !countries.every((c) => typeof c === 'string' && c.trim() !== '')) {
    throw new ConfigurationError(
      `Expected \`${names.country}\` to be a country id such as 'us', or a non-empty list of them, got ${show(input.country)}.`,
    );
  }
  const maxPrice = input.maxPrice;
  if (
    maxPrice !== undefined &&
    (typeof maxPrice !== 'number' || !Number.isFinite(maxPrice) || maxPrice <= 0)
  ) {
    throw new ConfigurationError(
      `Expected \`${names.maxPrice}\` to be a positive number of USD or undefined, got ${show(maxPrice)}.`,
    );
  }
  const quality = input.quality;
  if (
    quality !== undefined &&
    (!Number.isInteger(quality) || (quality as number) < 0 || (quality as number) > 100)
  ) {
    throw new ConfigurationError(
      `Expected \`${names.quality}\` to be an integer from 0 (cheapest) to 100 (best quality) or undefined, got ${show(quality)}.`,
    );
  }
  const request: LeaseRequest = {
    service: input.service.trim().toLowerCase(),
    countries: [...new Set((countries as string[]).map((c) => c.trim().toLowerCase()))],
    maxPrice,
    ...(quality === undefined ? {} : { quality: quality as number }),
    ...(typeof input.owner === 'string' ? { owner: input.owner } : {}),
  };
  return Object.defineProperty(request, CHECKED, { value: true, enumerable: false }) as CheckedLeaseRequest;
}

/** A value as a message quotes it: JSON where possible, `NaN`/`Infinity`/`/re/` as written. */
export function show(value: unknown): string {
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
