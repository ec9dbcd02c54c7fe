/**
 * THE {@link Phone} implementation: a leased activation and the wait for its SMS, the one place
 * the wait's deadline is computed ({@link planWait}) and the wait options are checked when a
 * call enters. It never talks to TempNumber; every step is a request to the broker through a
 * {@link PhoneChannel}. A wait that ends without an SMS names its likely culprit.
 */

import type { ActivationRecord, SkippedCountry } from '../../contract/activation.ts';
import { ACTIVATION_STATES, type ActivationId, type ActivationState } from '../../contract/activation.ts';
import { CodeNotFoundError, SmsTimeoutError, TempNumberError } from '../../contract/errors.ts';
import {
  type CodeOptions,
  DEFAULT_CODE_TIMEOUT_MS,
  type Phone,
  planWait,
  type Sms,
  type SmsMessage,
  validateCodePattern,
  validateTimeoutMs,
} from '../../contract/phone.ts';
import { compileCodePattern, describePattern, extractCode } from '../../contract/sms-code.ts';
import { raceAbort } from '../../limits/budget.ts';
import { type LeaseResult, MAX_WAIT_HOLD_MS, type ReleaseResult, type WaitResult } from '../protocol.ts';
import type { CallOptions, RequestBody } from './broker-connection.ts';

/** How much longer than the hold a `wait` may take to come back before the broker is suspect (ms). */
const WAIT_ANSWER_GRACE_MS = 30_000;

/** What a phone needs from its client. */
export interface PhoneChannel {
  call<T>(body: RequestBody, options: CallOptions): Promise<T>;
  /** The phone was released: stop tracking it (no adopt after a reconnect). */
  forget(phone: PhoneHandle): void;
  /** Ledger file, named in errors so a paid number is never lost track of. */
  readonly ledgerPath: string;
}

/** A leased activation. Created by `BrokerClient.lease`. */
export class PhoneHandle implements Phone {
  readonly id: ActivationId;
  readonly number: string;
  readonly service: string;
  readonly country: string;
  readonly price: number;
  readonly expiresAt: Date;
  readonly budgetWaitMs: number;
  readonly leaseOverheadMs: number | undefined;
  readonly skippedCountries: readonly SkippedCountry[];
  #codeOverheadMs: number | undefined;
  #channel: PhoneChannel;
  #record: ActivationRecord;
  /** SMS with a sequence above this one are new (raised by `retry`). */
  #afterSequence = -1;
  #latest: SmsMessage | undefined;
  #codeReceivedAt: Date | undefined;
  #released: Promise<ActivationRecord> | undefined;
  /** Aborts every wait of this phone when it is released. */
  #stop = new AbortController();

  constructor(lease: LeaseResult, channel: PhoneChannel) {
    const r = lease.record;
    this.id = r.id;
    this.number = r.number;
    this.service = r.service;
    this.country = r.country;
    this.price = r.price;
    this.expiresAt = new Date(r.expiresAt);
    this.budgetWaitMs = lease.budgetWaitMs;
    this.leaseOverheadMs = lease.brokerOverheadMs;
    this.skippedCountries = Object.freeze(lease.skipped.map((s) => ({ ...s })));
    this.#record = { ...r };
    this.#channel = channel;
  }

  get codeOverheadMs(): number | undefined {
    return this.#codeOverheadMs;
  }

  get lastStatus(): string {
    return this.#record.status;
  }

  get codeReceivedAt(): Date | undefined {
    return this.#codeReceivedAt;
  }

  /** True once {@link release} was called. */
  get released(): boolean {
    return this.#released !== undefined;
  }

  async code(options: CodeOptions = {}): Promise<string> {
    const given = validateCodePattern(options.pattern, 'pattern');
    const pattern = given === undefined ? undefined : compileCodePattern(given);
    const sms = await this.#waitForSms(options);
    const code = extractCode(sms, pattern);
    if (code === undefined) {
      throw new CodeNotFoundError({
        text: sms.text,
        pattern: given === undefined ? undefined : describePattern(given),
        number: this.number,
      });
    }
    this.#codeReceivedAt = new Date(sms.receivedAt);
    return code;
  }

  async sms(options: CodeOptions = {}): Promise<Sms> {
    const given = validateCodePattern(options.pattern, 'pattern');
    const pattern = given === undefined ? undefined : compileCodePattern(given);
    const sms = await this.#waitForSms(options);
    return { text: sms.text, code: extractCode(sms, pattern) ?? '', receivedAt: new Date(sms.receivedAt) };
  }

  async retry(): Promise<void> {
    this.#assertLive('retry');
    // Learn the SMS the broker holds even if the test never read it: after the retry it is
    // unreadable, and the next code() must not return it. holdMs 0 costs no API call.
    await this.#applyWait(await this.#wait(0));
    const result = await this.#channel.call<{ record?: ActivationRecord } | null>(
      { op: 'retry', activationId: this.id },
      { timeoutMs: 300_000, resend: false, doing: `asking for another SMS to ${this.number}` },
    );
    if (result?.record) this.#record = { ...result.record };
    else this.#record.state = 'waitingForNextSms';
    if (this.#latest) this.#afterSequence = Math.max(this.#afterSequence, this.#latest.sequence);
  }

  release(): Promise<ActivationRecord> {
    this.#released ??= this.#doRelease();
    return this.#released;
  }

  record(): ActivationRecord {
    return { ...this.#record };
  }

  async #doRelease(): Promise<ActivationRecord> {
    this.#stop.abort(
      new TempNumberError(`${this.number} (activation ${this.id}) was released while waiting.`),
    );
    try {
      const result = await this.#channel.call<ReleaseResult>(
        { op: 'release', activationId: this.id },
        { timeoutMs: 300_000, resend: true, doing: `releasing ${this.number} (activation ${this.id})` },
      );
      this.#record = { ...result.record };
      return this.record();
    } finally {
      this.#channel.forget(this);
    }
  }

  async #waitForSms(options: CodeOptions): Promise<SmsMessage> {
    this.#assertLive('code');
    if (this.#latest && this.#latest.sequence > this.#afterSequence) return this.#latest;
    const timeout = validateTimeoutMs(options.timeout ?? DEFAULT_CODE_TIMEOUT_MS, 'timeout');
    const startedMs = Date.now();
    const expiresAtMs = this.expiresAt.getTime();
    const plan = planWait({ requestedMs: timeout, expiresAtMs, nowMs: startedMs });
    const deadlineMs = startedMs + plan.waitMs;
    options.onWait?.(plan);
    const signal = options.signal ? AbortSignal.any([options.signal, this.#stop.signal]) : this.#stop.signal;
    let lastPollError: string | undefined;
    let earlyAnswers = 0;
    while (true) {
      const remainingMs = deadlineMs - Date.now();
      // The broker answers a held wait early without an SMS only when none can come any more
      // (released, expired): asking again would spin, so the second such answer ends the wait.
      const ended = ACTIVATION_STATES[this.#record.state].final || earlyAnswers >= 2;
      if (remainingMs <= 0 || ended) {
        throw new SmsTimeoutError({
          activationId: this.id,
          number: this.number,
          lastStatus: this.#record.status,
          waitedMs: Date.now() - startedMs,
          likelyCause: smsTimeoutCause({
            number: this.number,
            lastStatus: this.#record.status,
            lastState: this.#record.state,
            lastPollError,
            expiresAtMs,
            nowMs: Date.now(),
            ended,
          }),
        });
      }
      // Chunked re-arm: no single request outlives MAX_WAIT_HOLD_MS, so no proxy or socket
      // timeout can cut a long wait short (anchors §2).
      const holdMs = Math.min(MAX_WAIT_HOLD_MS, remainingMs);
      const askedAtMs = Date.now();
      const result = await raceAbort(this.#wait(holdMs), signal);
      if (result.lastPollError !== undefined) lastPollError = result.lastPollError;
      const sms = this.#applyWait(result);
      if (sms) return sms;
      if (Date.now() - askedAtMs < holdMs / 2) earlyAnswers++;
    }
  }

  #wait(holdMs: number): Promise<WaitResult> {
    return this.#channel.call<WaitResult>(
      { op: 'wait', activationId: this.id, afterSequence: this.#afterSequence, holdMs },
      {
        timeoutMs: holdMs + WAIT_ANSWER_GRACE_MS,
        resend: true,
        doing: `waiting for an SMS to ${this.number}; activation ${this.id} is recorded in the ledger at ${this.#channel.ledgerPath} and will be reconciled by the next broker`,
      },
    );
  }

  /** Take in what a `wait` told: status, and the new SMS if there is one. */
  #applyWait(result: WaitResult): SmsMessage | undefined {
    this.#record.status = result.status;
    this.#record.state = result.state;
    const sms = result.sms;
    if (!sms || sms.sequence <= this.#afterSequence) return undefined;
    this.#latest = sms;
    this.#codeOverheadMs = result.brokerOverheadMs;
    this.#record.smsAt ??= sms.receivedAt;
    return sms;
  }

  #assertLive(what: string): void {
    if (this.#released) {
      throw new TempNumberError(
        `phone.${what}() was called after ${this.number} (activation ${this.id}) was released; ` +
          'lease a new number instead.',
      );
    }
  }
}

/** What a wait saw, enough to say why no SMS came. */
export interface WaitObservation {
  number: string;
  /** Last API status of the activation. */
  lastStatus: string;
  lastState: ActivationState;
  /** Last error the broker's poller met while we waited, if any. */
  lastPollError: string | undefined;
  /** The number's expiry, and the time the wait gave up (real ms since epoch). */
  expiresAtMs: number;
  nowMs: number;
  /** The activation reached a final status, or the broker stopped waiting for it. */
  ended: boolean;
}

/** One sentence naming the likely cause of a timeout and what to check. */
export function smsTimeoutCause(seen: WaitObservation): string {
  if (seen.nowMs >= seen.expiresAtMs || seen.ended) {
    const when = new Date(seen.expiresAtMs).toISOString();
    const how = !seen.ended
      ? `expired at ${when}`
      : ACTIVATION_STATES[seen.lastState].final
        ? `ended with status ${seen.lastStatus}`
        : `is no longer watched by the broker (released or expired; last status ${seen.lastStatus})`;
    return (
      `The number ${how} before an SMS came, so no SMS can arrive any more: check that the app ` +
      `sends the SMS soon after ${seen.number} is submitted, and lease the number just before that step.`
    );
  }
  if (seen.lastPollError !== undefined) {
    return (
      `TempNumber was failing while we waited (last error: ${seen.lastPollError}): ` +
      'the provider is the likely culprit, not the app.'
    );
  }
  return (
    `The app under test sent no SMS to this number (or the provider is slow): ` +
    `check that the app submitted ${seen.number}.`
  );
}
