/** What the poller is told to watch; the broker's activation tracker produces these. */
export interface WatchTarget {
  id: number;
  /**
   * `sms`: a test may be waiting for an SMS — poll promptly.
   * `refund`: released without an SMS — watch cheaply until the API says refunded or billed.
   */
  kind: 'sms' | 'refund';
  /** Wall-clock ms at which the number expires (Infinity when unknown, e.g. another broker's). */
  expiresAtMs: number;
  /** Wall-clock ms at which a test started waiting for the current SMS, if one does. */
  waitStartedAtMs: number | undefined;
}
