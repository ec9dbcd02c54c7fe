/**
 * The {@link Phone} implementation: a leased activation and the wait for its SMS. It never talks
 * to TempNumber; every step is a request to the broker through a {@link PhoneChannel}.
 */

import { ACTIVATION_STATES, type ActivationId } from '../../contract/activation.ts';
import { CodeNotFoundError } from '../../contract/errors/code-not-found-error.ts';
import { ConfigurationError } from '../../contract/errors/configuration-error.ts';
import { SmsTimeoutError } from '../../contract/errors/sms-timeout-error.ts';
import { TempNumberError } from '../../contract/errors/tempnumber-error.ts';
import { raceAbort } from '../../limits/budget.ts';
import {
  type ActivationRecord,
  type LeaseResult,
  MAX_WAIT_HOLD_MS,
  type ReleaseResult,
  type SmsMessage,
  type WaitResult,
} from '../protocol.ts';
import type { CallOptions, RequestBody } from './broker-call.ts';
import { compileCodePattern, describePattern, extractCode } from './extract-code.ts';
import type { CodeOptions, Phone, ReceivedSms, SkippedCountry } from './phone-types.ts';
import { smsTimeoutCause } from './sms-timeout-cause.ts';

/** Default of {@link CodeOptions.timeout} (real ms). */
export const DEFAULT_CODE_TIMEOUT_MS = 120_000;

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
    const pattern = options.pattern === undefined ? undefined : compileCodePattern(options.pattern);
    const sms = await this.#waitForSms(options);
    const code = extractCode(sms, pattern);
    if (code === undefined) {
      throw new CodeNotFoundError({
        text: sms.text,
        pattern: options.pattern === undefined ? undefined : describePattern(options.pattern),
        number: this.number,
      });
    }
    this.#codeReceivedAt = new Date(sms.receivedAt);
    return code;
  }

  async sms(options: CodeOptions = {}): Promise<ReceivedSms> {
    const pattern = options.pattern === undefined ? undefined : compileCodePattern(options.pattern);
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
    const timeout = options.timeout ?? DEFAULT_CODE_TIMEOUT_MS;
    if (typeof timeout !== 'number' || !(timeout >= 0)) {
      throw new ConfigurationError(`Expected \`timeout\` to be a non-negative number of ms, got ${timeout}.`);
    }
    const startedMs = Date.now();
    const expiresAtMs = this.expiresAt.getTime();
    const deadlineMs = timeout === 0 ? expiresAtMs : Math.min(startedMs + timeout, expiresAtMs);
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
