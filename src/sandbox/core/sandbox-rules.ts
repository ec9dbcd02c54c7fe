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
