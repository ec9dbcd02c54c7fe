/**
 * The public shape of a leased number (the `phone` fixture's value). Kept apart from its
 * implementation so the fixture layer and user code type against the contract only.
 */
import type { ActivationId } from '../../contract/activation.ts';
import type { ActivationRecord } from '../protocol.ts';

/** Options of {@link Phone.code} and {@link Phone.sms}. */
export interface CodeOptions {
  /**
   * Longest wait for the SMS, in real milliseconds; the wait also never passes the number's
   * `expiresAt`. `0` waits until the number expires.
   * @default 120000
   */
  timeout?: number;
  /**
   * Where the code is in the SMS text. The first capture group (or a group named `code`) is the
   * code, or the whole match when the pattern has no group. A string is compiled with
   * `new RegExp`. When given, it wins over the code the API extracted.
   * @default the API's `code`, else /(?<!\d)(\d{4,8})(?!\d)/ over the text
   */
  pattern?: RegExp | string;
  /** Stop waiting early; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** An SMS received on a leased number. */
export interface ReceivedSms {
  /** Full text as the provider delivered it. */
  text: string;
  /** The code read from it (see {@link CodeOptions.pattern}); '' when none was found. */
  code: string;
  /** When the broker saw it (real wall clock). */
  receivedAt: Date;
}

/** A country skipped during a lease, and why (no numbers, over the max price…). */
export interface SkippedCountry {
  country: string;
  reason: string;
}

/** A temporary number leased through the broker. */
export interface Phone {
  /** TempNumber activation id. */
  readonly id: ActivationId;
  /** The number in E.164, with `+` (e.g. '+18454123223'): what a signup form expects. */
  readonly number: string;
  readonly service: string;
  readonly country: string;
  /** What the activation costs (charged only when an SMS arrives). */
  readonly price: number;
  /** When the number stops receiving SMS (real wall clock). */
  readonly expiresAt: Date;
  /** Milliseconds (real) the lease waited for rate-limit budget before its request was sent. */
  readonly budgetWaitMs: number;
  /** Countries tried before {@link country}, with why each was skipped. */
  readonly skippedCountries: readonly SkippedCountry[];
  /** Real ms the broker spent on its own work for the lease (not budget, not API); for the benchmark. */
  readonly leaseOverheadMs: number | undefined;
  /** Real ms the broker spent between seeing the last SMS and handing it over; for the benchmark. */
  readonly codeOverheadMs: number | undefined;
  /** Last API status seen for the activation (e.g. `smsRequested`, `smsReceived`). */
  readonly lastStatus: string;
  /** When the SMS whose code was last returned by {@link code} arrived; undefined before. */
  readonly codeReceivedAt: Date | undefined;

  /**
   * Wait for the SMS and return its code. Calling it again returns the same code until
   * {@link retry}; after a retry it waits for the next SMS. Rejects with `SmsTimeoutError`
   * (naming the likely culprit) when no SMS comes in time, and with `CodeNotFoundError`
   * (quoting the text) when an SMS came but holds no code.
   */
  code(options?: CodeOptions): Promise<string>;
  /** Like {@link code}, but resolves with the whole SMS; `code` is '' when none was found. */
  sms(options?: CodeOptions): Promise<ReceivedSms>;
  /**
   * Ask for another SMS on the same number (free on TempNumber). The previous SMS can no
   * longer be read afterwards (API rule); the next {@link code} waits for the new one.
   */
  retry(): Promise<void>;
  /**
   * End the activation: finalized when an SMS arrived, cancelled otherwise (the broker keeps
   * watching a cancelled one to learn whether it was refunded). Safe to call twice.
   */
  release(): Promise<ActivationRecord>;
  /** The latest known ledger record of this activation (a copy). */
  record(): ActivationRecord;
}
