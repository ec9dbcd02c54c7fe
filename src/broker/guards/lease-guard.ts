/**
 * The seam every lease passes before `POST /activations` spends money (DESIGN §5). A guard is
 * a function that returns undefined (go on) or the {@link GuardError} that refuses the lease.
 */
import type { GuardError, GuardName } from '../../api/errors/guard-error.ts';
import type { BrokerStore } from '../store/broker-store.ts';

/** What a guard may look at for one attempt: one service+country of a lease. */
export interface LeaseAttempt {
  service: string;
  country: string;
  /** "service/country". */
  pair: string;
  store: Pick<BrokerStore, 'pairBlock' | 'admitPending' | 'deliveryRecords'>;
  /** Account-wide cap of activations waiting for an SMS. */
  pendingCap: number;
  /** Pending-cap slot this attempt takes when admitted (given back by the caller on failure). */
  pendingKey: string;
  /** How long that slot lives at most (real ms): the number's lifetime. */
  pendingTtlMs: number;
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
