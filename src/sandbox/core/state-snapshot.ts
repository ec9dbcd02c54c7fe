import type { ActivationData } from '../../api/wire-types.ts';
import type { BucketId } from '../../limits/rate-limits.ts';
import type { Faults } from './faults.ts';
import { toActivationData } from './to-activation-data.ts';
import type { SmsRecord, World } from './world.ts';

/** An activation as the state shows it: the wire object plus the account it belongs to. */
export interface SandboxActivation extends ActivationData {
  /** Short hash of the API key (never the key). */
  account: string;
}

/** `GET /sandbox/state` and `sandbox.state()`: everything a test may want to assert on. */
export interface SandboxState {
  /** Every activation of every account, oldest first. */
  activations: SandboxActivation[];
  /** 429 `TooManyRequestsException` answers served. */
  rateLimited: number;
  /** `/api/v1` requests received (faulted, rejected and unauthorized ones included). */
  requests: number;
  requestsByBucket: Record<BucketId, number>;
  rateLimitedByBucket: Record<BucketId, number>;
  /** Every SMS the carrier delivered, in order. */
  sms: SmsRecord[];
  /** USD balance by account hash. */
  balances: Record<string, number>;
  /** Faults in effect. */
  faults: Faults;
  /** API milliseconds per real millisecond. */
  timeScale: number;
  /** API clock, unix ms. */
  now: number;
}

/** A deep copy of the world's observable state (call `settleExpired` first). */
export function buildState(world: World): SandboxState {
  const now = world.clock.now();
  return {
    activations: world.activations.map((r) => ({
      ...toActivationData(r, now, world.iconBaseUrl),
      account: r.account.hash,
    })),
    rateLimited: world.traffic.rateLimited,
    requests: world.traffic.requests,
    requestsByBucket: { ...world.traffic.requestsByBucket },
    rateLimitedByBucket: { ...world.traffic.rateLimitedByBucket },
    sms: world.sms.map((s) => ({ ...s })),
    balances: Object.fromEntries([...world.accounts.values()].map((a) => [a.hash, a.balance])),
    faults: { ...world.faults },
    timeScale: world.clock.timeScale,
    now,
  };
}
