/**
 * An activation in neutral terms, shared by every layer: its id and the one table of states the
 * broker decides on. Each provider (src/providers/) maps its API's status words onto these rows;
 * the broker, the ledger, the reporter and the fixtures read only the columns.
 */

/**
 * The states an activation can be in, as the broker decides on them, with what each means.
 * ONE table: the broker's "waiting / has an SMS / final / refund verdict" questions are reads
 * of it, and every provider maps each of its wire statuses onto exactly one row.
 *
 * - `waiting`: an SMS is expected now (keep polling).
 * - `hasSms`: an SMS can be read now.
 * - `delivered`: an SMS came at some point (the delivery-rate rule counts it), even if a retry
 *   has hidden it since.
 * - `final`: nothing changes any more.
 * - `refunded`: for final states, whether the money came back (true), was charged (false), or
 *   cannot be told (undefined). Undefined for live states.
 *
 * There is no `cancelled` state: cancelling is the broker's decision (its ledger outcome), and an
 * API that ends the activation on a cancel call shows it as `refunded` (v1 has no such call; its
 * cancelled activations end `refunded` at expiry). Nor a `leased` state apart from
 * `waitingForSms`: the broker treats "number requested / number obtained" as waiting.
 */
export const ACTIVATION_STATES = {
  /** Leased, no SMS yet, one expected. */
  waitingForSms: { waiting: true, hasSms: false, delivered: false, final: false, refunded: undefined },
  /** An SMS is there to read; the activation is still live (a retry may follow). */
  smsReceived: { waiting: false, hasSms: true, delivered: true, final: false, refunded: undefined },
  /** Another SMS was asked for (retry): the earlier one was delivered and is no longer readable. */
  waitingForNextSms: { waiting: true, hasSms: false, delivered: true, final: false, refunded: undefined },
  /** Ended after an SMS: charged. */
  finalized: { waiting: false, hasSms: true, delivered: true, final: true, refunded: false },
  /** Ended without a charge: cancelled, or expired without an SMS; a reserved price came back. */
  refunded: { waiting: false, hasSms: false, delivered: false, final: true, refunded: true },
  /** The API ended it with an error; whether it charged is not known. */
  failed: { waiting: false, hasSms: false, delivered: false, final: true, refunded: undefined },
  /**
   * A wire status the provider's table does not know (a newer API): not waiting, not final, so
   * the broker keeps watching it until it expires rather than guessing.
   */
  unknown: { waiting: false, hasSms: false, delivered: false, final: false, refunded: undefined },
} as const satisfies Record<
  string,
  { waiting: boolean; hasSms: boolean; delivered: boolean; final: boolean; refunded: boolean | undefined }
>;

export type ActivationState = keyof typeof ACTIVATION_STATES;

/** An activation's id, as text: v1's integers in decimal, Platfone's strings as they are. */
export type ActivationId = string;

/** Ids in the order they were handed out: integer ids by value (v1), others as text. */
export function compareActivationIds(a: ActivationId, b: ActivationId): number {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
