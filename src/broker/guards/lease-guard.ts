/**
 * The seam every lease passes before `POST /activations` spends money (DESIGN §5). A guard is
 * a function that returns undefined (go on) or the {@link GuardError} that refuses the lease.
 */

import type { GuardSettings } from '../../config/guard-settings.ts';
import type { GuardError, GuardName } from '../../contract/errors/guard-error.ts';
import type { BrokerStore } from '../store/broker-store.ts';
import type { PairActivity } from './pair-activity.ts';

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
  /** API ms per real ms. */
  timeScale: number;
  activity: PairActivity;
  /** Aborts when the lease no longer matters (its client went away): a held guard gives up. */
  signal?: AbortSignal | undefined;
  /** The '+E.164' number of an activation this broker knows, for messages. */
  numberOf(activationId: number): string | undefined;
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
