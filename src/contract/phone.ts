/**
 * A leased number as its user holds it: the `phone` fixture's value and what
 * `BrokerClient.lease()` resolves with. Declared once here; the broker client implements it and
 * the fixture wraps it in test steps. Also the one rule of how long a wait lasts, and the checks
 * of the wait options, run where a call enters.
 */
import type { ActivationId } from './activation.ts';
import { type ActivationRecord, type SkippedCountry, show } from './activation.ts';
import { ConfigurationError } from './errors.ts';
import { compileCodePattern } from './sms-code.ts';

/**
 * Default of {@link CodeOptions.timeout} (real ms), and of the `phoneCodeTimeout` fixture option:
 * a minute is long for an app to send an SMS and short enough to fail a broken test quickly.
 */
export const DEFAULT_CODE_TIMEOUT_MS = 60_000;

/** How long one wait for an SMS lasts; see {@link planWait}. */
export interface WaitPlan {
  /** Milliseconds to wait; never past the number's expiry, at least 1 (a zero wait would be ambiguous). */
  waitMs: number;
  /** Why it ends when it does: the requested timeout, or the number's expiry. */
  endsAt: 'timeout' | 'expiry';
}

/** Options of {@link Phone.code} and {@link Phone.sms}. */
export interface CodeOptions {
  /**
   * Longest wait for the SMS, in real milliseconds; the wait also never passes the number's
   * `expiresAt`. `0` waits until the number expires. In a Playwright test the `phoneCodeTimeout`
   * option sets the default, and the wait is added to the test timeout, so a long wait does not
   * make the test time out.
   * @default DEFAULT_CODE_TIMEOUT_MS (60_000), or `phoneCodeTimeout` in a Playwright test
   */
  timeout?: number;
  /**
   * Where the code is in the SMS text. The first capture group (or a group named `code`) is the
   * code, or the whole match when the pattern has no group. A string is compiled with
   * `new RegExp`. When given, it wins over the code the API extracted.
   * @default the API's `code`, else /(?<!\d)(\d{4,8})(?!\d)/ over the text (`phoneCodePattern` in a Playwright test)
   * @example await phone.code({ pattern: /code: (\d{6})/ })
   */
  pattern?: RegExp | string;
  /** Stop waiting early; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called once when a wait starts (not when the SMS is already at hand), with how long it will
   * last at most and why it ends then. The Playwright fixture adds it to the test timeout.
   */
  onWait?: (plan: WaitPlan) => void;
}

/** One SMS as its reader sees it. */
export interface Sms {
  /** Full text as the provider delivered it. */
  text: string;
  /** The code read from it (see {@link CodeOptions.pattern}); '' when none was found. */
  code: string;
  /** When the broker saw it (real wall clock). */
  receivedAt: Date;
}

/**
 * The same SMS as the broker holds it and sends it over its socket: JSON (the time as ISO text),
 * the code not read yet (the reader's pattern decides it), and a sequence number so a retry can
 * tell the next SMS from the last. The phone turns it into an {@link Sms}.
 */
export interface SmsMessage {
  text: string;
  /** The API's own `code` field ('' when it had none). */
  apiCode: string;
  /** Real wall-clock ISO time at which the broker saw it. */
  receivedAt: string;
  /** Increases with each SMS of the activation (retry → next SMS has a higher sequence). */
  sequence: number;
}

/**
 * A temporary number leased through the broker. In a Playwright test the fixture releases it
 * after the test: finalized when an SMS arrived, cancelled otherwise — also when the test failed
 * or timed out.
 */
export interface Phone {
  /** TempNumber activation id (quote it to support). */
  readonly id: ActivationId;
  /** The number in E.164, with `+` (e.g. '+18454123223'): type it into the app under test. */
  readonly number: string;
  /** Service id the number was bought for, e.g. `'facebook'`. */
  readonly service: string;
  /** Country id of the number, e.g. `'us'` (the first of the countries asked for that had numbers). */
  readonly country: string;
  /** Price in USD, charged only when an SMS arrives. */
  readonly price: number;
  /** When the number stops receiving SMS (real wall clock); waits never outlast it. */
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
   * (naming the number, the activation, the last status and the likely culprit) when no SMS
   * comes in time, and with `CodeNotFoundError` (quoting the text) when an SMS came but holds
   * no code.
   * @example await page.getByLabel('Code').fill(await phone.code());
   */
  code(options?: CodeOptions): Promise<string>;
  /** Like {@link code}, but resolves with the whole SMS; `code` is '' when none was found. */
  sms(options?: CodeOptions): Promise<Sms>;
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

/** Inputs of {@link planWait}, all in milliseconds (times are epoch ms). */
export interface WaitPlanInput {
  /** The requested wait; 0 means "until the number expires". */
  requestedMs: number;
  expiresAtMs: number;
  nowMs: number;
}

/** THE wait rule: the requested time, cut at the number's expiry; until expiry when 0. */
export function planWait(input: WaitPlanInput): WaitPlan {
  const untilExpiry = Math.max(1, input.expiresAtMs - input.nowMs);
  if (input.requestedMs === 0) return { waitMs: untilExpiry, endsAt: 'expiry' };
  return input.requestedMs >= untilExpiry
    ? { waitMs: untilExpiry, endsAt: 'expiry' }
    : { waitMs: Math.max(1, input.requestedMs), endsAt: 'timeout' };
}

/** Throw unless `value` is a usable wait in milliseconds (`0` = until the number expires). */
export function validateTimeoutMs(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(
      `Expected \`${name}\` to be a non-negative number of milliseconds (0 = until the number expires), got ${show(value)}.`,
    );
  }
  return value;
}

/** Throw unless `value` is undefined, a RegExp or a string `new RegExp()` accepts; the message names `name`. */
export function validateCodePattern(value: unknown, name: string): RegExp | string | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof RegExp) && typeof value !== 'string') {
    throw new ConfigurationError(
      `Expected \`${name}\` to be a RegExp, a string or undefined, got ${show(value)}.`,
    );
  }
  try {
    compileCodePattern(value);
  } catch (error) {
    throw new ConfigurationError(`Invalid \`${name}\`: ${(error as Error).message}`, { cause: error });
  }
  return value;
}
