/**
 * The sandbox's world: every account, activation and delivered SMS as plain objects, the API
 * clock they live on, the rules the sandbox chose where the API is silent, and the lifecycle of
 * an activation (expiry, billing, refund, the carrier). Route tables read and change it; only
 * the core creates and resets it. Nothing here knows of routes, HTTP or faults.
 */
import { createHash } from 'node:crypto';
import { type Clock, monotonicClock } from '../../limits/clock.ts';
import { ACTIVATION_STATUSES, type ActivationStatus } from '../../providers/tempnumber-v1/wire.ts';
import { type CountryId, drawPhoneNumber, type PhoneNumber } from '../catalog/countries.ts';
import { type Catalog, createCatalog, type Offer, type ServiceId } from '../catalog/offers.ts';

/**
 * The sandbox's choices where the API is silent (reference "Decisions for this project"), as one
 * table so tests and docs can quote them instead of repeating numbers.
 */
export const SANDBOX_RULES = {
  /** `numberExpireAt = createdAt + activationLifetimeS` (API seconds). */
  activationLifetimeS: 1200,
  /** Activations waiting for an SMS per account before `TooManyActivationsPendingException`. */
  pendingCap: 20,
  /** Delivery-rate rule per account + service + country. */
  deliveryRule: {
    /** The rule applies once at least this many activations exist in the window. */
    minActivations: 5,
    /** Below this share of activations with an SMS the next lease is refused. */
    minSuccessRatio: 0.07,
    /** Rolling window, API milliseconds (24 h). */
    windowMs: 24 * 60 * 60 * 1000,
  },
  /** History paging. */
  history: { defaultLimit: 10, maxLimit: 100 },
  /**
   * Ids a sandbox may hand out per millisecond of wall clock before its start: each sandbox
   * starts at (wall-clock ms at start) × this, so ids never repeat across sandboxes or restarts
   * as long as none hands out more than this many ids per millisecond it runs. At 1000 the
   * first id stays below 2^53 until the year 2255.
   */
  activationIdsPerMs: 1000,
} as const;

// ---------------------------------------------------------------------------------------------
// Time and chance

/**
 * The sandbox's API clock: API time = start + (real elapsed) × timeScale, in milliseconds.
 * Timestamps, lifetimes, rate windows and the 24 h delivery window all run on it, so a 2-minute
 * window passes in 120 ms at 1000×.
 */
export interface VirtualClock extends Clock {
  /** Current API time in unix milliseconds. */
  now(): number;
  /** How many times faster than real time the API clock runs. */
  readonly timeScale: number;
}

/** Options of {@link createVirtualClock}. */
interface VirtualClockOptions {
  /** API milliseconds per real millisecond. Must be positive. */
  timeScale: number;
  /** Real, monotonic time source (so an NTP step cannot move the API clock). @default monotonicClock */
  realClock?: Clock;
  /** API time at creation, unix ms. @default Date.now() */
  startMs?: number;
}

/** Create an API clock that runs `timeScale` times faster than `realClock`. */
export function createVirtualClock(options: VirtualClockOptions): VirtualClock {
  const { timeScale } = options;
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new RangeError(`Expected \`timeScale\` to be a positive number, got ${timeScale}`);
  }
  const realClock = options.realClock ?? monotonicClock;
  const realStart = realClock.now();
  const apiStart = options.startMs ?? Date.now();
  return {
    timeScale,
    // Floor: API timestamps are whole milliseconds, and reads must never go backwards.
    now: () => Math.floor(apiStart + (realClock.now() - realStart) * timeScale),
  };
}

/**
 * A small seeded PRNG (mulberry32): the sandbox's numbers and fault draws repeat for a given
 * seed, so a failing test can be replayed exactly.
 */
export type Random = () => number;

/** A deterministic generator of floats in [0, 1) for `seed`. */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Round an amount of USD to micro-dollars: balances move by float prices (0.45, 2.15 …), and
 * without rounding a refund would leave 999.9999999999999 where the user expects 1000.
 */
export function roundMoney(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

// ---------------------------------------------------------------------------------------------
// The state

/**
 * One account: each API key is its own account with its own balance and activations (and, at
 * the gateway, its own rate windows). The key itself is kept only as the map key of the world's
 * account table; an account is named everywhere else by {@link accountHash}.
 */
export interface Account {
  /** Short sha256 of the key: safe to print, stable across runs. */
  readonly hash: string;
  /** USD. */
  balance: number;
}

/** A short, non-reversible name for an API key (first 12 hex digits of its sha256). */
export function accountHash(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 12);
}

/**
 * The sandbox's own record of one activation; a dialect turns it into its wire JSON. Its status
 * vocabulary is the one of ACTIVATION_STATUSES.
 */
export interface WorldActivation {
  id: number;
  account: Account;
  status: ActivationStatus;
  serviceId: ServiceId;
  countryId: CountryId;
  phone: PhoneNumber;
  /** USD reserved at lease. */
  price: number;
  isVirtual: boolean;
  /** API unix seconds. */
  createdAt: number;
  /** API unix seconds. */
  numberExpireAt: number;
  /** Text of the SMS that can be read now; emptied by a retry (the API forgets the previous SMS). */
  message: string;
  code: string;
  /** Did any SMS ever arrive? Decides `serviceConsumed` vs `refunded` and the delivery rate. */
  smsReceived: boolean;
  /** API unix seconds of the last change: lease, SMS, retry, end (expiry counts at `numberExpireAt`). */
  updatedAt: number;
  /**
   * Ended before its expiry by the API's own call (a dialect that has one, e.g. Platfone's
   * cancel and finalize); absent when it is live or ran to expiry.
   */
  endedBy?: 'cancel' | 'finalize';
  /** Its status at the moment it ended (expiry or an early end): the SMS state the end froze. */
  endedFrom?: ActivationStatus;
}

/** One SMS the carrier delivered. */
export interface SmsRecord {
  activationId: number;
  /** The number it was sent to, digits with country code. */
  to: string;
  text: string;
  /** API clock, unix ms. */
  deliveredAtMs: number;
  /** `Date.now()` when it was delivered: lets a test measure real latency to `phone.code()`. */
  deliveredAtRealMs: number;
}

/** How the world was created: what a reset goes back to. */
interface WorldSeed {
  apiKeys: readonly string[];
  balance: number;
  seed: number;
}

/** All mutable business state of the sandbox, as plain objects. Only the core resets it. */
export interface World {
  readonly clock: VirtualClock;
  readonly catalog: Catalog;
  readonly initial: WorldSeed;
  /** Account by API key. The only place keys live. */
  accounts: Map<string, Account>;
  activations: WorldActivation[];
  /** Id of the next activation. Only ever grows: not even a reset rewinds it. */
  nextId: number;
  /** Draws phone numbers. */
  numberRandom: Random;
  sms: SmsRecord[];
  iconBaseUrl: string;
  /** Real wall-clock time, unix ms. */
  wallNow: () => number;
}

/** Create the world at its starting point. */
export function createWorld(init: {
  clock: VirtualClock;
  seed: WorldSeed;
  iconBaseUrl: string;
  wallNow: () => number;
  firstActivationId: number;
}): World {
  const world: World = {
    clock: init.clock,
    catalog: createCatalog(),
    initial: init.seed,
    accounts: new Map(),
    activations: [],
    nextId: init.firstActivationId,
    numberRandom: Math.random,
    sms: [],
    iconBaseUrl: init.iconBaseUrl,
    wallNow: init.wallNow,
  };
  resetWorld(world);
  return world;
}

/**
 * Back to the start: accounts and balances, activations, numbers, SMS log and prices. The clock
 * keeps running: API time never goes backwards, so timestamps a client saw before the reset stay
 * in the past. Ids keep counting for the same reason: a broker that lives across the reset still
 * has the old ids in its ledger and refuses to book one twice.
 */
export function resetWorld(world: World): void {
  const { apiKeys, balance, seed } = world.initial;
  world.accounts = new Map(apiKeys.map((key) => [key, { hash: accountHash(key), balance }]));
  world.activations = [];
  world.numberRandom = createRandom(seed);
  world.sms = [];
  world.catalog.reset();
}

// ---------------------------------------------------------------------------------------------
// The lifecycle of an activation

/** Is the activation still live (not final)? Call {@link settleExpired} first. */
export function isLive(record: WorldActivation): boolean {
  return !ACTIVATION_STATUSES[record.status].final;
}

/** Is the number waiting for an SMS (smsRequested / retryRequested)? */
export function isWaiting(record: WorldActivation): boolean {
  return ACTIVATION_STATUSES[record.status].waiting;
}

/** Can a retry be asked for now? Only before expiry, after an SMS (reference "Decisions": retry). */
export function isRetryAvailable(record: WorldActivation): boolean {
  return isLive(record) && (record.status === 'smsReceived' || record.status === 'retryReceived');
}

/**
 * Apply every expiry due at the current API time. The sandbox evaluates expiry lazily — the
 * core calls this before it reads or changes anything — so expiry is seen by every reader
 * (API, carrier, state, debug page) without a timer, at any time scale.
 *
 * At `numberExpireAt` an activation that ever got an SMS ends `serviceConsumed` (billed); one
 * that never did ends `refunded` and its reserved price goes back to the balance (reference
 * "Decisions": billing).
 */
export function settleExpired(world: World, nowMs: number = world.clock.now()): void {
  const nowS = nowMs / 1000;
  for (const record of world.activations) {
    if (!isLive(record) || nowS < record.numberExpireAt) continue;
    end(record, record.numberExpireAt);
  }
}

/**
 * End a live activation now: billed (`serviceConsumed`) when it ever got an SMS, else
 * `refunded` with its reserved price back on the balance — the same money rule as expiry.
 */
function end(record: WorldActivation, atS: number): void {
  record.endedFrom = record.status;
  record.updatedAt = atS;
  if (record.smsReceived) {
    record.status = 'serviceConsumed';
  } else {
    record.status = 'refunded';
    record.account.balance = roundMoney(record.account.balance + record.price);
  }
}

/**
 * An API's early end of a live activation (Platfone's cancel and finalize; v1 has neither):
 * ended as at expiry — refunded at once when no SMS came, billed otherwise — and marked with
 * `by`. The caller checks that the call is allowed; this only carries it out.
 */
export function endActivation(record: WorldActivation, by: 'cancel' | 'finalize', nowMs: number): void {
  end(record, Math.floor(nowMs / 1000));
  record.endedBy = by;
}

/**
 * Lease a number for `offer` at `price` USD: a new activation waiting for its first SMS, the
 * price reserved off the balance, a number no live activation holds. The caller has checked
 * every rule (caps, balance, price).
 */
export function leaseNumber(
  world: World,
  account: Account,
  offer: Offer,
  price: number,
  nowMs: number,
): WorldActivation {
  const createdAt = Math.floor(nowMs / 1000);
  const record: WorldActivation = {
    id: world.nextId++,
    account,
    status: 'smsRequested',
    serviceId: offer.serviceId,
    countryId: offer.countryId,
    phone: drawPhoneNumber(world.numberRandom, offer.countryId, (n) =>
      world.activations.some((a) => isLive(a) && a.phone.number === n),
    ),
    price,
    isVirtual: offer.isVirtual,
    createdAt,
    numberExpireAt: createdAt + SANDBOX_RULES.activationLifetimeS,
    message: '',
    code: '',
    smsReceived: false,
    updatedAt: createdAt,
  };
  account.balance = roundMoney(account.balance - price);
  world.activations.push(record);
  return record;
}

/**
 * Ask for one more SMS on the same number (check {@link isRetryAvailable} first): the readable
 * SMS is forgotten until the next one arrives. Free, and the lifetime is not extended.
 */
export function requestRetry(record: WorldActivation, nowMs: number): void {
  record.status = 'retryRequested';
  record.message = '';
  record.code = '';
  record.updatedAt = Math.floor(nowMs / 1000);
}

// Lookarounds: a run of 4–8 digits that is part of a longer run (a phone number) is no code.
const CODE_PATTERN = /(?<!\d)\d{4,8}(?!\d)/;

/**
 * The code the sandbox reports for an SMS text: the first run of 4–8 digits, as a string; empty
 * when there is none (reference "Decisions": server-side code extraction).
 */
export function extractSmsCode(text: string): string {
  return CODE_PATTERN.exec(text)?.[0] ?? '';
}

/**
 * The digits of a number written as digits or +E.164 (spaces, dashes, dots and brackets allowed
 * for readability); undefined when it is not a phone number.
 */
export function normalizePhoneNumber(to: string): string | undefined {
  if (!/^\+?[\d\s().-]+$/.test(to)) return undefined;
  const digits = to.replace(/\D/g, '');
  return digits.length >= 6 && digits.length <= 15 ? digits : undefined;
}

/**
 * The carrier: deliver `text` to the activation that holds `digits` and is waiting for an SMS
 * (smsRequested → smsReceived, retryRequested → retryReceived). Undefined when no live,
 * waiting activation holds the number — an SMS to a number that is no longer leased is lost, as
 * with a real carrier. Call `settleExpired` first so an expired number gets nothing.
 */
export function deliverSms(world: World, digits: string, text: string): { activationId: number } | undefined {
  const record = world.activations.find((a) => isWaiting(a) && String(a.phone.number) === digits);
  if (!record) return undefined;
  record.status = record.status === 'retryRequested' ? 'retryReceived' : 'smsReceived';
  record.message = text;
  record.code = extractSmsCode(text);
  record.smsReceived = true;
  const nowMs = world.clock.now();
  record.updatedAt = Math.floor(nowMs / 1000);
  world.sms.push({
    activationId: record.id,
    to: digits,
    text,
    deliveredAtMs: nowMs,
    deliveredAtRealMs: world.wallNow(),
  });
  return { activationId: record.id };
}
