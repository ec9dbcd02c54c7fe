/**
 * Everything brokers of one account must agree on, behind one interface with two
 * implementations: memory (one machine; the default) and Redis (several machines of a sharded
 * CI run). Every decision is atomic in its store (one event loop; one Lua script in Redis).
 *
 * Durations are real milliseconds (the broker converts API time with its time scale); the
 * store keeps its own clock (performance.now in memory, Redis `TIME` in Redis), so callers pass
 * relative durations and never their own timestamps.
 */
import type { ActivationData } from '../../../api/wire-types.ts';
import type { BudgetStore } from '../../../limits/budget.ts';

/** One activation in the delivery-rate records of a service+country pair. */
export interface DeliveryRecord {
  activationId: number;
  /** `pending` while it may still get an SMS. */
  outcome: 'pending' | 'sms' | 'noSms';
}

export interface BrokerStore extends BudgetStore {
  readonly kind: 'memory' | 'redis';

  // The request budget (sliding-window log with reservations, margin, headroom): BudgetStore.

  // --- pending cap (a semaphore over live activations of the account) ---
  /** Take one of `cap` pending slots for `key` for at most `ttlMs`; false when all are taken. */
  admitPending(key: string, ttlMs: number, cap: number): Promise<boolean>;
  releasePending(key: string): Promise<void>;
  pendingCount(): Promise<number>;

  // --- delivery rate per service+country (`pair` = "service/country"), rolling window ---
  /** Record a new activation of a pair (outcome pending); kept for `windowMs`. */
  recordActivation(pair: string, activationId: number, windowMs: number): Promise<void>;
  /** Set the outcome of a recorded activation. */
  recordOutcome(pair: string, activationId: number, outcome: 'sms' | 'noSms'): Promise<void>;
  /** Records of the pair still inside the window, newest first. */
  deliveryRecords(pair: string): Promise<DeliveryRecord[]>;
  /** Stop leasing a pair for `ms` (e.g. after `lowSuccessRateException`), with a reason to show. */
  blockPair(pair: string, ms: number, reason: string): Promise<void>;
  pairBlock(pair: string): Promise<{ remainingMs: number; reason: string } | undefined>;

  // --- central SMS polling ---
  /** Poll leadership for `ttlMs` (memory: always true). Renew by calling again before it lapses. */
  tryLead(brokerId: string, ttlMs: number): Promise<boolean>;
  /** Activations some broker waits on; the leader polls all of them. */
  addWaiting(activationId: number, ttlMs: number): Promise<void>;
  removeWaiting(activationId: number): Promise<void>;
  listWaiting(): Promise<number[]>;
  /** Latest state of an activation as the leader saw it; other brokers read it from here. */
  putSnapshots(activations: ActivationData[]): Promise<void>;
  getSnapshots(activationIds: number[]): Promise<ActivationData[]>;

  // --- lease intents and claims: no number is handed to two tests (lease-intents.ts) ---
  /**
   * Whether brokers of the account can see each other's intents and claims: true for Redis.
   * In memory they are this broker's own, so a number found only through history cannot be
   * proven this broker's (another broker or tool may use the same key).
   */
  readonly accountWide: boolean;
  /** A `POST /activations` of `pair` may be on the wire for up to `ttlMs` (its in-flight bound). */
  openIntent(pair: string, intentId: string, ttlMs: number): Promise<void>;
  /** Its answer came back, or it was reconciled. */
  closeIntent(pair: string, intentId: string): Promise<void>;
  /** Intents of `pair` still open and within their bound, other than `exceptId`. */
  liveIntents(pair: string, exceptId: string): Promise<number>;
  /**
   * Take `activationId` for `owner` (a broker id) for `ttlMs`: true when it was free or already
   * `owner`'s. Every booked activation is claimed, so a lost-answer lookup never takes one.
   */
  claimActivation(activationId: number, owner: string, ttlMs: number): Promise<boolean>;

  close(): Promise<void>;
}
