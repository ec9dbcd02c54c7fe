/**
 * The guards every lease passes before `POST /activations` spends money (DESIGN §5): the seam
 * (a guard returns undefined or the GuardError that refuses), their scope (pair or account), each
 * guard's rule, and `LEASE_GUARDS` — the table of the guards in the order they run.
 */

import type { GuardSettings } from '../../config/guard-settings.ts';
import { GUARD_ENV } from '../../config/guard-settings.ts';
import type { ActivationId } from '../../contract/activation.ts';
import { isIntentId } from '../../contract/activation.ts';
import type { GuardName } from '../../contract/errors.ts';
import { GuardError } from '../../contract/errors.ts';
import type { ProviderRules } from '../../providers/provider.ts';
import type { BrokerStore, DeliveryRecord } from './store/broker-store.ts';

/*
 * The seam every lease passes before `POST /activations` spends money (DESIGN §5). A guard is
 * a function that returns undefined (go on) or the {@link GuardError} that refuses the lease.
 */

/** What a guard may look at for one attempt: one service+country of a lease. */
export interface LeaseAttempt {
  service: string;
  country: string;
  /** "service/country". */
  pair: string;
  /** Unique per attempt: the in-flight mark in {@link GuardEnvironment.activity}. */
  attemptId: string;
  /** The lease's max price (sent as `expectedPrice`), if any. */
  maxPrice?: number | undefined;
  store: Pick<BrokerStore, 'pairBlock' | 'blockPair' | 'admitPending' | 'deliveryRecords'>;
  /** Account-wide cap of activations waiting for an SMS. */
  pendingCap: number;
  /** Pending-cap slot this attempt takes when admitted (given back by the caller on failure). */
  pendingKey: string;
  /** How long that slot lives at most (real ms): the number's lifetime. */
  pendingTtlMs: number;
  env: GuardEnvironment;
}

/** What the guards share across attempts: settings, the broker's activity, cached reads. */
export interface GuardEnvironment {
  settings: GuardSettings;
  /** The API's account rules the guards enforce ahead of it (the provider's). */
  rules: ProviderRules;
  /** API ms per real ms. */
  timeScale: number;
  activity: PairActivity;
  /** Aborts when the lease no longer matters (its client went away): a held guard gives up. */
  signal?: AbortSignal | undefined;
  /** The '+E.164' number of an activation this broker knows, for messages. */
  numberOf(activationId: ActivationId): string | undefined;
  /** The account balance (USD) from a cache no older than the setting; undefined when unknown. */
  balance(): Promise<number | undefined>;
  /** What a number of the pair costs now (USD), as far as known; undefined when unknown. */
  priceOf(service: string, country: string): Promise<number | undefined>;
  log(line: string): void;
}

export type LeaseGuard = (attempt: LeaseAttempt) => Promise<GuardError | undefined>;

/**
 * Does a refusal concern only this service+country (try the next country) or the whole
 * account (no other country can help: fail the lease)?
 */
export const GUARD_SCOPE = {
  deliveryRate: 'pair',
  circuitBreaker: 'pair',
  price: 'pair',
  lowSuccessRate: 'pair',
  pendingCap: 'account',
  balance: 'account',
} as const satisfies Record<GuardName, 'pair' | 'account'>;

/*
 * Durations in guard messages. The guards count in API time (the API's 24 h rule, a cool-down
 * of API minutes); under a sandbox time scale the real wait is shorter, and both are shown.
 */

/** `12 min`, `45 s`, `3 h` — rounded up, so "0 s" never shows for a wait that is still on. */
export function formatDuration(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 120) return `${s} s`;
  const min = Math.ceil(s / 60);
  if (min < 120) return `${min} min`;
  return `${Math.ceil(min / 60)} h`;
}

/** 1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, … 21st. */
function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** An API-time duration, with its real length when the time scale is not 1. */
export function formatApiDuration(apiMs: number, timeScale: number): string {
  const api = formatDuration(apiMs);
  return timeScale === 1
    ? api
    : `${api} of API time (${formatDuration(apiMs / timeScale)} real at time scale ${timeScale})`;
}

/*
 * What this broker is doing right now per service+country, for the guards: lease attempts past
 * their guards (they will count at the API as soon as their POST lands, so the delivery-rate
 * guard counts them as possible failures), whether their POST is still on the wire, and a
 * signal whenever any of that, a delivery outcome or a lease intent changes — what a held lease
 * and a lost-answer lookup wait on. Which activation belongs to whom is the store's
 * (`claimActivation`, lease-intents.ts).
 *
 * In-process only: brokers of one account on other machines (Redis mode) see each other's
 * activations through the store once booked, not while their POST is in flight.
 */

/** Per-pair activity of one broker. */
export interface PairActivity {
  /** Count `attemptId` as a lease of `pair` in flight, its POST about to go out (idempotent). */
  begin(pair: string, attemptId: string): void;
  /** Its POST was answered (or failed): it is no longer on the wire. */
  answered(pair: string, attemptId: string): void;
  /** The attempt is over (booked or failed): forget it and wake waiters. */
  end(pair: string, attemptId: string): void;
  /** Attempts in flight for `pair`, other than `exceptId`. */
  inFlight(pair: string, exceptId?: string): number;
  /** Attempts of `pair` whose POST is unanswered, other than `exceptId`. */
  posting(pair: string, exceptId?: string): number;
  /** Something changed for `pair` (an outcome was recorded, an attempt ended): wake waiters. */
  notify(pair: string): void;
  /** Resolves at the next {@link notify} of `pair`, after `ms`, or when `signal` aborts. */
  changed(pair: string, ms: number, signal?: AbortSignal): Promise<void>;
}

/** Create an empty activity register. */
export function createPairActivity(): PairActivity {
  const attempts = new Map<string, Map<string, { posting: boolean }>>();
  const waiters = new Map<string, Set<() => void>>();

  const of = (pair: string) => attempts.get(pair) ?? new Map<string, { posting: boolean }>();
  const count = (pair: string, exceptId: string | undefined, onlyPosting: boolean) => {
    let n = 0;
    for (const [id, a] of of(pair)) if (id !== exceptId && (!onlyPosting || a.posting)) n += 1;
    return n;
  };
  const notify = (pair: string) => {
    const set = waiters.get(pair);
    waiters.delete(pair);
    for (const wake of set ?? []) wake();
  };

  return {
    begin(pair, attemptId) {
      const map = of(pair);
      map.set(attemptId, { posting: true });
      attempts.set(pair, map);
    },
    answered(pair, attemptId) {
      const a = attempts.get(pair)?.get(attemptId);
      if (a) a.posting = false;
      notify(pair);
    },
    end(pair, attemptId) {
      const map = attempts.get(pair);
      if (map?.delete(attemptId) && map.size === 0) attempts.delete(pair);
      notify(pair);
    },
    inFlight: (pair, exceptId) => count(pair, exceptId, false),
    posting: (pair, exceptId) => count(pair, exceptId, true),
    notify,
    changed(pair, ms, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const set = waiters.get(pair) ?? new Set<() => void>();
        waiters.set(pair, set);
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        set.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}

/**
 * Refuse a pair the store has blocked — after the API's `lowSuccessRateException`, TempNumber
 * refuses that service+country for 24 h, and asking again would only add failed requests.
 */
export const pairBlockGuard: LeaseGuard = async ({ pair, service, country, store }) => {
  const block = await store.pairBlock(pair);
  if (!block) return undefined;
  const minutes = Math.ceil(block.remainingMs / 60_000);
  return new GuardError({
    guard: 'lowSuccessRate',
    service,
    country,
    message:
      `Leasing ${service} in ${country} is blocked for another ${minutes} min (real time): ${block.reason}. ` +
      'Use another country, or check that the app under test really sends its SMS.',
  });
};

/*
 * The circuit breaker (DESIGN §5, anchors §7.4): after `breakerThreshold` consecutive
 * activations of a pair released without an SMS, the app under test is most likely not sending
 * its SMS — stop buying numbers for that pair long before the API's 7 % rule would.
 *
 * Derived from the shared delivery records (so every broker of the account agrees on the
 * streak), with its open period kept in the store as a pair block under its own key:
 * - closed: the streak (newest released outcomes, pending ones skipped) is below the threshold;
 *   any SMS ends a streak, so an SMS resets the breaker;
 * - open: a streak reached the threshold; refused for `breakerCooldownApiMs` (API time) from the
 *   moment a broker first saw it;
 * - half-open: after the cool-down, ONE trial lease goes ahead; while it (or any other lease of
 *   the pair) is in flight or waiting, others are refused. The trial ending without an SMS
 *   lengthens the streak, which opens the breaker again; an SMS closes it.
 */

/** The streak of releases without an SMS, newest first; pending records are skipped. */
export function noSmsStreak(records: DeliveryRecord[]): DeliveryRecord[] {
  const streak: DeliveryRecord[] = [];
  for (const r of records) {
    if (r.outcome === 'sms') break;
    // Lease intents stand for leases whose answer was lost: not the app's fault.
    if (r.outcome === 'noSms' && !isIntentId(r.activationId)) streak.push(r);
  }
  return streak;
}

/** Store keys of the breaker's state (pair blocks under names no real pair can have). */
const openKey = (pair: string, tripId: ActivationId) => `breaker-open:${pair}#${tripId}`;
const trippedKey = (pair: string, tripId: ActivationId) => `breaker-tripped:${pair}#${tripId}`;

export const circuitBreakerGuard: LeaseGuard = async (attempt) => {
  const { env, pair, store } = attempt;
  const { breakerThreshold, breakerCooldownApiMs } = env.settings;
  if (breakerThreshold <= 0) return undefined;
  const records = await store.deliveryRecords(pair);
  const streak = noSmsStreak(records);
  const newest = streak[0];
  if (streak.length < breakerThreshold || !newest) return undefined;
  const tripId = newest.activationId;
  const cooldownMs = breakerCooldownApiMs / env.timeScale;
  if (!(await store.pairBlock(trippedKey(pair, tripId)))) {
    // First broker to see this streak: open now. The "tripped" mark outlives the cool-down so
    // the same streak is not opened twice; it lives as long as the records it stands for.
    await store.blockPair(openKey(pair, tripId), cooldownMs, 'circuit breaker open');
    await store.blockPair(trippedKey(pair, tripId), cooldownMs + (24 * 3600_000) / env.timeScale, 'tripped');
    env.log(`circuit breaker for ${pair} opened after ${streak.length} activations without an SMS`);
    return breakerRefusal(attempt, streak, breakerCooldownApiMs);
  }
  const open = await store.pairBlock(openKey(pair, tripId));
  if (open) return breakerRefusal(attempt, streak, open.remainingMs * env.timeScale);
  // Half-open: only one trial at a time. No await between this check and `begin`.
  const newer = records.slice(0, records.indexOf(newest));
  const trialRunning =
    env.activity.inFlight(pair, attempt.attemptId) > 0 || newer.some((r) => r.outcome === 'pending');
  if (trialRunning) return breakerRefusal(attempt, streak, undefined);
  env.activity.begin(pair, attempt.attemptId);
  env.log(`circuit breaker for ${pair} half-open: one trial lease`);
  return undefined;
};

function breakerRefusal(
  attempt: LeaseAttempt,
  streak: DeliveryRecord[],
  remainingApiMs: number | undefined,
): GuardError {
  const { service, country, pair, env } = attempt;
  const numbers = streak
    .slice(0, 5)
    .map((r) => env.numberOf(r.activationId) ?? `activation ${r.activationId}`)
    .join(', ')
    .concat(streak.length > 5 ? ', …' : '');
  const when =
    remainingApiMs === undefined
      ? 'until the trial lease of this pair that is running now gets an SMS'
      : `for ${formatApiDuration(remainingApiMs, env.timeScale)}; then one trial lease is let through`;
  return new GuardError({
    guard: 'circuitBreaker',
    service,
    country,
    message:
      `The app under test sent no SMS to the last ${streak.length} numbers for ${pair} (${numbers}): check ` +
      'that the app submits the number and that its SMS gateway works. Not leasing more numbers for this pair ' +
      `${when}. Tune: ${GUARD_ENV.breakerThreshold}=<n> (now ${env.settings.breakerThreshold}; 0 disables), ` +
      `${GUARD_ENV.breakerCooldownApiMs}=<ms>.`,
  });
}

/**
 * Refuse a lease the account cannot pay, from a cached balance read (the balance endpoint allows
 * 10 calls a minute, so it is read at most once per cache period, at low priority). The API's
 * own `paymentRequired` (402) stays the final word: an unknown balance or price lets the lease
 * through.
 */
export const balanceGuard: LeaseGuard = async ({ env, service, country, pair }) => {
  if (!env.settings.balance) return undefined;
  const balance = await env.balance();
  if (balance === undefined) return undefined;
  const price = await env.priceOf(service, country);
  // With an unknown price only an empty account is certain not to pay.
  if (price === undefined ? balance > 0 : balance >= price) return undefined;
  const cost = price === undefined ? 'any number' : `the $${price} a ${pair} number costs`;
  return new GuardError({
    guard: 'balance',
    service,
    country,
    message:
      `The TempNumber balance is $${round(balance)}, less than ${cost}: not leasing. Numbers leased and not ` +
      'yet refunded are reserved from the balance until they expire. Top up the account, or turn this check off ' +
      `with ${GUARD_ENV.balance}=off (TempNumber then refuses the lease itself with paymentRequired).`,
  });
};

function round(usd: number): string {
  return (Math.round(usd * 100) / 100).toFixed(2);
}

/*
 * The delivery-rate guard (DESIGN §5, reference §6.2): TempNumber refuses a service+country for
 * 24 h once at least 5 activations of the last 24 h exist and fewer than 7 % of them got an
 * SMS. The guard refuses the lease that could create that state — counting every activation
 * still waiting for its SMS (and every lease in flight) as one that may fail — so the API's
 * refusal is never reached.
 *
 * A burst of parallel leases must not be refused only because the first SMS have not come
 * yet: when the lease would be safe if some of the pending ones got their SMS, it is held (up
 * to `deliveryHoldMs`, real time, inside the lease's own allowance) and decided again each
 * time an outcome of the pair changes. A lease that cannot become safe is refused at once.
 */

/** The API's delivery rule, as its provider declares it (v1: reference §6.2). */
export type DeliveryRule = ProviderRules['delivery'];

/** Counts of one pair over the window, the candidate lease not included. */
export interface DeliveryCounts {
  /** Activations in the window (booked + in flight). */
  total: number;
  /** Those that got an SMS. */
  sms: number;
  /** Those that may still get one (waiting, or a lease in flight). */
  pending: number;
}

/** `pass`: safe whatever happens; `hold`: safe only if some pending get an SMS; `refuse`: never safe. */
export type DeliveryVerdict = 'pass' | 'hold' | 'refuse';

/** Decide one more lease of a pair with `counts` under `rule`. Pure. */
export function deliveryVerdict(counts: DeliveryCounts, rule: DeliveryRule): DeliveryVerdict {
  const next = counts.total + 1;
  if (next < rule.countedFrom) return 'pass';
  // Worst case: every pending one, and the new one, ends without an SMS.
  if (counts.sms / next >= rule.minSmsShare) return 'pass';
  return (counts.sms + counts.pending) / next >= rule.minSmsShare ? 'hold' : 'refuse';
}

/** Counts from the store's records plus this broker's leases in flight (other than this one). */
export function countDeliveries(records: DeliveryRecord[], inFlight: number): DeliveryCounts {
  let sms = 0;
  let pending = inFlight;
  for (const r of records) {
    if (r.outcome === 'sms') sms += 1;
    else if (r.outcome === 'pending') pending += 1;
  }
  return { total: records.length + inFlight, sms, pending };
}

/** How often a held lease looks again even without a signal (other brokers' outcomes, Redis mode). */
const RECHECK_MS = 1_000;

export const deliveryRateGuard: LeaseGuard = async (attempt) => {
  const { env, pair, attemptId } = attempt;
  if (!env.settings.deliveryRate) return undefined;
  const deadline = Date.now() + env.settings.deliveryHoldMs;
  let held = false;
  for (;;) {
    const records = await attempt.store.deliveryRecords(pair);
    // No await between this count and `begin`: leases of one broker cannot both slip through.
    const counts = countDeliveries(records, env.activity.inFlight(pair, attemptId));
    const verdict = deliveryVerdict(counts, env.rules.delivery);
    const remainingMs = deadline - Date.now();
    if (verdict === 'pass') {
      env.activity.begin(pair, attemptId);
      if (held) env.log(`lease of ${pair} held by the delivery-rate guard went ahead`);
      return undefined;
    }
    if (verdict === 'refuse' || remainingMs <= 0 || env.signal?.aborted)
      return deliveryRefusal(attempt, counts, held);
    if (!held) {
      env.log(`lease of ${pair} held: ${counts.pending} activation(s) of the pair still wait for an SMS`);
      held = true;
    }
    await env.activity.changed(pair, Math.min(remainingMs, RECHECK_MS), env.signal);
  }
};

function deliveryRefusal(attempt: LeaseAttempt, counts: DeliveryCounts, held: boolean): GuardError {
  const { service, country, pair, env } = attempt;
  const { settings } = env;
  const rule = env.rules.delivery;
  const pending =
    counts.pending > 0
      ? ` (${counts.pending} still waiting for theirs${held ? ` after ${formatDuration(settings.deliveryHoldMs)} of waiting` : ''}, counted as possible failures)`
      : '';
  return new GuardError({
    guard: 'deliveryRate',
    service,
    country,
    message:
      `${counts.sms} of the last ${counts.total} activations of ${pair} got an SMS${pending}. ` +
      `Leasing one more could put ${pair} under the API's delivery rule (at least ${rule.minSmsShare * 100} % of ` +
      `the activations of a service in a country must get an SMS, counted from the ${ordinal(rule.countedFrom)} ` +
      `in ${formatDuration(rule.windowMs)}); the API would then refuse ${pair} for this account for ` +
      `${formatDuration(rule.windowMs)}. Not leasing. Check that the app under test sends its SMS to the ` +
      `number. Tune: ${GUARD_ENV.deliveryHoldMs}=<ms> (how long a lease waits for pending SMS, now ` +
      `${settings.deliveryHoldMs}); disable: ${GUARD_ENV.deliveryRate}=off (the API's own block then decides).`,
  });
}

/**
 * Take one slot of the account's pending cap, or refuse: TempNumber refuses more than ~20
 * activations waiting for an SMS (`TooManyActivationsPendingException`), and the store counts
 * them for every broker of the account. This guard has an effect (the slot), so it runs last.
 */
export const pendingCapGuard: LeaseGuard = async ({
  service,
  country,
  store,
  pendingCap,
  pendingKey,
  pendingTtlMs,
}) => {
  if (await store.admitPending(pendingKey, pendingTtlMs, pendingCap)) return undefined;
  return new GuardError({
    guard: 'pendingCap',
    service,
    country,
    message:
      `${pendingCap} activations of this account are already waiting for an SMS (the pending cap); ` +
      `not leasing ${service} in ${country}. Release phones sooner (numbers released without an SMS ` +
      'count until they expire), run fewer workers, or raise the cap if your account allows more.',
  });
};

/*
 * The guards run before every `POST /activations`, in order, as data: the first refusal wins.
 * Cheap reads first; the delivery-rate guard may hold the lease a while, so it runs after the
 * fail-fast ones; the pending cap takes a slot, so it stays last.
 */

/** Every guard of a lease attempt, in the order they run. */
export const LEASE_GUARDS: readonly LeaseGuard[] = [
  pairBlockGuard,
  circuitBreakerGuard,
  balanceGuard,
  deliveryRateGuard,
  pendingCapGuard,
];

/** Run `guards` for one attempt; undefined when all pass. */
export async function checkLease(
  attempt: LeaseAttempt,
  guards: readonly LeaseGuard[] = LEASE_GUARDS,
): Promise<GuardError | undefined> {
  for (const guard of guards) {
    const refusal = await guard(attempt);
    if (refusal) return refusal;
  }
  return undefined;
}
