/**
 * Every activation status of TempNumber v1 and what it means for us: ONE table, read by the
 * client, the broker's poller, the sandbox and the reporter (reference §4).
 *
 * - `waiting`: the number is live and an SMS is expected (keep polling).
 * - `hasSms`: an SMS can be read (`message`/`code` filled).
 * - `final`: nothing will change any more.
 */
export const ACTIVATION_STATUSES = {
  numberRequested: { waiting: true, hasSms: false, final: false },
  numberReceived: { waiting: true, hasSms: false, final: false },
  smsRequested: { waiting: true, hasSms: false, final: false },
  smsReceived: { waiting: false, hasSms: true, final: false },
  retryRequested: { waiting: true, hasSms: false, final: false },
  retryReceived: { waiting: false, hasSms: true, final: false },
  // Not in the 1.3.8 enum; the PHP client knows it as the final state after a billed SMS.
  serviceConsumed: { waiting: false, hasSms: true, final: true },
  refunded: { waiting: false, hasSms: false, final: true },
  error: { waiting: false, hasSms: false, final: true },
} as const satisfies Record<string, { waiting: boolean; hasSms: boolean; final: boolean }>;

export type ActivationStatus = keyof typeof ACTIVATION_STATUSES;

/** True for the statuses of {@link ACTIVATION_STATUSES}; unknown strings from the wire are false. */
export function isActivationStatus(value: unknown): value is ActivationStatus {
  return typeof value === 'string' && Object.hasOwn(ACTIVATION_STATUSES, value);
}

/** Is an SMS still expected for an activation in this status? Unknown statuses are not waiting. */
export function isWaitingStatus(status: string): boolean {
  return isActivationStatus(status) && ACTIVATION_STATUSES[status].waiting;
}

/** Has the activation reached a status that never changes again? Unknown statuses are not final. */
export function isFinalStatus(status: string): boolean {
  return isActivationStatus(status) && ACTIVATION_STATUSES[status].final;
}
