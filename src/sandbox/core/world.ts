import type { BucketId } from '../../limits/rate-limits.ts';
import { RATE_LIMITS } from '../../limits/rate-limits.ts';
import { type Catalog, createCatalog } from '../catalog/offers.ts';
import { type Account, createAccount } from './account.ts';
import type { ActivationRecord } from './activation-record.ts';
import type { Faults } from './faults.ts';
import { createRandom, type Random } from './random.ts';
import type { VirtualClock } from './virtual-clock.ts';

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

/** Counters of `/api/v1` traffic, shown in the state. */
interface TrafficCounters {
  requests: number;
  rateLimited: number;
  requestsByBucket: Record<BucketId, number>;
  rateLimitedByBucket: Record<BucketId, number>;
}

/** How the world was created: what a reset goes back to. */
export interface WorldSeed {
  apiKeys: readonly string[];
  balance: number;
  seed: number;
}

/** All mutable state of the sandbox, as plain objects. Only the core changes it. */
export interface World {
  readonly clock: VirtualClock;
  readonly catalog: Catalog;
  readonly initial: WorldSeed;
  /** Account by API key. The only place keys live. */
  accounts: Map<string, Account>;
  activations: ActivationRecord[];
  /** Id of the next activation. Only ever grows: not even a reset rewinds it. */
  nextId: number;
  /** Draws phone numbers. */
  numberRandom: Random;
  /** Draws faults. Separate from numbers so switching faults on does not change the numbers. */
  faultRandom: Random;
  faults: Faults;
  traffic: TrafficCounters;
  sms: SmsRecord[];
  iconBaseUrl: string;
  /** Real wall-clock time, unix ms. */
  wallNow: () => number;
}

/** Counters at zero, one entry per bucket. */
function zeroTraffic(): TrafficCounters {
  const zero = () =>
    Object.fromEntries(Object.keys(RATE_LIMITS).map((b) => [b, 0])) as Record<BucketId, number>;
  return { requests: 0, rateLimited: 0, requestsByBucket: zero(), rateLimitedByBucket: zero() };
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
    faultRandom: Math.random,
    faults: {},
    traffic: zeroTraffic(),
    sms: [],
    iconBaseUrl: init.iconBaseUrl,
    wallNow: init.wallNow,
  };
  resetWorld(world);
  return world;
}

/**
 * Back to the start: accounts and balances, activations, numbers, counters, SMS log, faults,
 * windows and prices. The clock keeps running: API time never goes backwards, so timestamps a
 * client saw before the reset stay in the past. Ids keep counting for the same reason: a broker
 * that lives across the reset still has the old ids in its ledger and refuses to book one twice.
 */
export function resetWorld(world: World): void {
  const { apiKeys, balance, seed } = world.initial;
  world.accounts = new Map(apiKeys.map((key) => [key, createAccount(key, balance)]));
  world.activations = [];
  world.numberRandom = createRandom(seed);
  world.faultRandom = createRandom(seed ^ 0x5eed);
  world.faults = {};
  world.traffic = zeroTraffic();
  world.sms = [];
  world.catalog.reset();
}
