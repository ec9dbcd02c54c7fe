/**
 * How a client request behaves when the broker goes away mid-request: shared by the client and
 * the phones so both describe lost work the same way.
 */
export type { RequestBody } from './broker-connection.ts';

/** Options of one request to the broker. */
export interface CallOptions {
  /** Longest wait for the answer (real ms). */
  timeoutMs: number;
  /**
   * Send again on the replacement broker when the connection drops mid-request. Only for
   * requests that are safe to repeat (wait, release, reads); never for lease or retry, whose
   * first attempt may already have reached TempNumber.
   */
  resend: boolean;
  /** What was in progress, for the error when the broker is gone ("waiting for an SMS to +1…"). */
  doing: string;
}
