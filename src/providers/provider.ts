/**
 * The provider seam (DESIGN §7; docs/decisions/0016): what the broker, its guards, the ledger,
 * the CLI and the fixtures need from an SMS-activation API, in neutral terms. Everything that
 * belongs to one API dialect — paths, wire names, statuses, error names, money units, rate
 * limits, what "release" means on the wire — lives in that dialect's module
 * (`src/providers/<id>/`) and is translated there, once, into the shapes below.
 *
 * Neutral terms: money in USD (`…Usd`), times in API-clock unix ms (`…Ms`), numbers as
 * `+E.164` text, activation ids as text (Platfone's are strings; v1's integers are written in
 * decimal), and one {@link ActivationState} per activation instead of a dialect's status words.
 * Refusals stay {@link ApiError}s whose `family` is the neutral {@link ErrorFamily}.
 */

import type { ActivationId, ActivationState } from '../contract/activation.ts';
import type { ErrorFamily } from '../contract/errors.ts';
import type { Headroom, RateLimit } from '../limits/rate-limits.ts';
import type { RequestOptions, TempNumberClientOptions } from './http.ts';

/** One SMS as the API shows it. */
export interface ProviderSms {
  /** The full text. */
  text: string;
  /** The code the API extracted from it; '' when it extracted none. */
  code: string;
}

/** One activation, as every provider answers it. Plain JSON: it is stored and sent as is. */
export interface ProviderActivation {
  id: ActivationId;
  state: ActivationState;
  /** The API's own status word(s), for the ledger, logs and error messages; decide on `state`. */
  wireStatus: string;
  /** Service and country ids as the API spells them; undefined when the answer lacks them. */
  service: string | undefined;
  country: string | undefined;
  /** `+E.164`, or '' when the answer carries no number. */
  number: string;
  /** What this activation costs, USD. */
  priceUsd: number | undefined;
  /** The SMS the answer shows, if any. Read it only when `state` has `hasSms`. */
  sms: ProviderSms | undefined;
  /** API clock, unix ms. */
  createdAtMs: number | undefined;
  expiresAtMs: number | undefined;
  /**
   * The API's "now" when it answered (unix ms), so the broker can measure age and remaining
   * lifetime on the API's clock (skew cancels out). Undefined when the API does not send it:
   * the broker then uses its own clock.
   */
  serverNowMs: number | undefined;
  /** Whether the API would accept a retry now; undefined when it does not say. */
  retryAvailable: boolean | undefined;
  /**
   * When a cancel call is accepted (API clock, unix ms): Platfone's `cancelable_after`.
   * Undefined when the provider has no cancel call or no such restriction.
   */
  cancelableAtMs: number | undefined;
}

/** One page of the account's activations, newest first. */
export interface ProviderHistoryPage {
  activations: ProviderActivation[];
  /** 1-based page, page count and total, when the API says. */
  page: number | undefined;
  pages: number | undefined;
  total: number | undefined;
}

/** What a lease asks for. */
export interface LeaseOrder {
  service: string;
  country: string;
  /** Refuse a higher price (a PriceChangedError naming the new one), USD. */
  maxPriceUsd?: number | undefined;
  /**
   * The price/quality trade-off, 0 (cheapest) … 100 (best), where the API has one (Platfone's
   * `quality_factor`; its default is 50). Providers without one ignore it (v1).
   */
  quality?: number | undefined;
}

/**
 * What ending an activation on purpose did:
 * - `ended`: the API ended it now; its next read shows a final state;
 * - `runsToExpiry`: the API has no such call (nothing was sent) — the activation lives until it
 *   expires; watch it to learn its money verdict;
 * - `notYet`: the API accepts the call only from `retryAtMs` (API clock): try again then.
 */
export type ReleaseEffect =
  | { kind: 'ended' }
  | { kind: 'runsToExpiry' }
  | { kind: 'notYet'; retryAtMs: number };

/** The account's money, USD. */
export interface ProviderBalance {
  /** What a lease can spend now. */
  availableUsd: number;
  /** What the API holds back and cannot be spent yet (v1 `review_balance`, Platfone `reserved`). */
  heldUsd: number;
}

/** One row of the price list. */
export interface PriceListEntry {
  service: string;
  country: string;
  priceUsd: number;
}

/** Price and availability of one service in one country, live. */
export interface PriceQuote extends PriceListEntry {
  /** Whether a lease can get a number now; undefined when the API does not say. */
  available: boolean | undefined;
  serviceName: string | undefined;
  countryName: string | undefined;
  /** Virtual numbers (some apps refuse them); undefined when the API does not say. */
  virtual: boolean | undefined;
  /** A warning the API shows for the service, if any. */
  warning: string | undefined;
  /** The API's short description of the service, if any. */
  description: string | undefined;
}

/** The operations a provider offers; each names the rate-limit bucket it draws on. */
export type ProviderOperation =
  | 'lease'
  | 'read'
  | 'history'
  | 'retry'
  | 'cancel'
  | 'finalize'
  | 'balance'
  | 'price'
  | 'priceList';

/** What the API can do that the broker plans around. */
export interface ProviderCapabilities {
  /** A call that ends an activation without an SMS and gives the money back now. */
  cancel: boolean;
  /** A call that ends an activation after its SMS (billing is final either way). */
  finalize: boolean;
  /**
   * The history can be paged newest first (reconciling a lease whose answer was lost, the
   * delivery records at start, batched polling); `maxPageLimit` is the largest page.
   */
  history: { newestFirst: true; maxPageLimit: number } | undefined;
}

/**
 * The rate limits a provider declares, for the shared budget. The broker builds its budget from
 * them (tightened by `TEMPNUMBER_RATE_LIMITS`), paces the `history` bucket evenly (the poller's
 * heartbeat) and plans its polls on the `read` and `history` buckets.
 */
export interface ProviderLimits {
  /** Published limit per bucket (API ms). Bucket ids are the provider's own names. */
  table: Readonly<Record<string, RateLimit>>;
  /** The bucket each operation draws on; null: the operation sends no request. */
  bucketOf: Readonly<Record<ProviderOperation, string | null>>;
  /**
   * Slots per window each class leaves to the classes above it, per bucket. A bucket without a
   * row leaves an eighth of its window to everything above `low` (`defaultHeadroom` in
   * src/limits/rate-limits.ts); give the `read` and release buckets rows of their own.
   */
  headroom?: Readonly<Record<string, Headroom>>;
}

/** The account rules of the API that the guards enforce ahead of it. */
export interface ProviderRules {
  /**
   * The delivery-rate rule: once `countedFrom` activations of one service+country exist in the
   * last `windowMs` (API ms), at least `minSmsShare` of them must have received an SMS, else the
   * API blocks the pair.
   */
  delivery: { minSmsShare: number; countedFrom: number; windowMs: number };
  /** Activations waiting for an SMS at once, per account, before the API refuses a lease. */
  pendingCap: number;
  /** A number's lifetime when an answer lacks its times, API ms. */
  defaultLifetimeMs: number;
}

/**
 * Options of a provider: the account, the API root, the shared budget, the time scale. A budget
 * passed in must be built over this provider's own `limits.table` (its bucket ids are its own).
 */
export type ProviderOptions = TempNumberClientOptions;

/** Options of one call: abort signal, priority in the budget, timeout, `beforeSend`. */
export type ProviderCallOptions = RequestOptions;

/**
 * One SMS-activation API, in neutral terms. Every method waits for the rate-limit budget of its
 * bucket ({@link ProviderLimits}) and fails with the contract's errors: ApiError (by `family`)
 * when the API refused, UnexpectedResponseError for an unreadable answer, NetworkError when none
 * came. Reads may be retried by the provider; `lease`, `retry`, `cancel` and `finalize` never.
 */
export interface SmsProvider {
  /** The registry's name for it, e.g. `tempnumber-v1`. */
  readonly id: string;
  readonly capabilities: ProviderCapabilities;
  readonly limits: ProviderLimits;
  readonly rules: ProviderRules;
  /** The provider's wire error names and the family each maps to (case as the API spells it). */
  readonly errorFamilies: Readonly<Record<string, ErrorFamily>>;
  /**
   * Lease a number (spends or reserves money). Never retried: on a NetworkError the lease may
   * have happened — reconcile through {@link SmsProvider.history} before trying again.
   * `beforeSend` runs after the budget granted the attempt, right before the request leaves.
   */
  lease(order: LeaseOrder, options?: ProviderCallOptions): Promise<ProviderActivation>;
  /** Read one activation (to poll its state and SMS). */
  read(id: ActivationId, options?: ProviderCallOptions): Promise<ProviderActivation>;
  /** One page of the account's activations, newest first (`capabilities.history`). */
  history(
    query: { page: number; limit: number },
    options?: ProviderCallOptions,
  ): Promise<ProviderHistoryPage>;
  /** Ask for another SMS on the same number; the current one can no longer be read afterwards. */
  retry(id: ActivationId, options?: ProviderCallOptions): Promise<void>;
  /** End an activation that got no SMS on purpose (the broker calls it after the test). */
  cancel(id: ActivationId, options?: ProviderCallOptions): Promise<ReleaseEffect>;
  /** End an activation that got its SMS on purpose. */
  finalize(id: ActivationId, options?: ProviderCallOptions): Promise<ReleaseEffect>;
  balance(options?: ProviderCallOptions): Promise<ProviderBalance>;
  /** Live price and availability of one pair; undefined when the API lists nothing for it. */
  price(service: string, country: string, options?: ProviderCallOptions): Promise<PriceQuote | undefined>;
  /** The whole price list (the catalog the CLI's `prices` shows). */
  priceList(options?: ProviderCallOptions): Promise<PriceListEntry[]>;
}
