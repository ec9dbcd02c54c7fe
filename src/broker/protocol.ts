/**
 * The broker's wire protocol: newline-delimited JSON over a Unix domain socket, one request and
 * one response per line, matched by `id`. Requests may be answered out of order (a `wait` can
 * be held while a `lease` is answered). ONE file, read by the broker server and its client; the
 * shapes it carries that other layers share (the activation record, the SMS) are the contract's.
 *
 * Every activation a broker hands out belongs to the connection that leased it: when that
 * connection closes (the worker exited or was killed) or stops sending heartbeats, the broker
 * releases its activations as cancelled.
 */

import type {
  ActivationId,
  ActivationRecord,
  ActivationState,
  LeaseRequest,
  SkippedCountry,
} from '../contract/activation.ts';
import type { WireError } from '../contract/errors.ts';
import type { SmsMessage } from '../contract/phone.ts';
import type {
  PriceListEntry,
  PriceQuote,
  ProviderBalance,
  ProviderHistoryPage,
} from '../providers/provider.ts';

/** Bumped on any incompatible change; a client refuses a broker that speaks another version. */
export const PROTOCOL_VERSION = 2;

/** Longest time the broker holds one `wait` before answering `{ sms: null }` (client re-issues). */
export const MAX_WAIT_HOLD_MS = 20_000;

/** A client sends `heartbeat` this often; the broker drops a client silent for 3 intervals. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export type BrokerRequest =
  | {
      id: number;
      op: 'hello';
      protocol: number;
      owner: string;
      pid: number;
      /**
       * The settings this client would start a broker with, to catch a broker running with
       * others (see {@link HelloResult}). Added without a protocol bump: absent from an older
       * client, which is served as before.
       */
      settings?: SettingsFingerprint;
    }
  | { id: number; op: 'heartbeat' }
  | ({ id: number; op: 'lease' } & LeaseRequest)
  /** Resolve with the first SMS whose sequence is > `afterSequence`, or `{ sms: null }` after `holdMs`. */
  | { id: number; op: 'wait'; activationId: ActivationId; afterSequence: number; holdMs: number }
  | { id: number; op: 'retry'; activationId: ActivationId }
  | { id: number; op: 'release'; activationId: ActivationId }
  /** Take over activations of this account left by a vanished connection or a dead broker. */
  | { id: number; op: 'adopt'; activationIds: ActivationId[] }
  | { id: number; op: 'status' }
  | { id: number; op: 'activations' }
  /**
   * An operator's read of the API (CLI `balance`/`history`/`prices`, the preflight), sent by the
   * broker at priority 'low' on the account's shared budget: only the broker calls TempNumber.
   * Added without a protocol bump: an older broker answers "Unknown broker operation", which the
   * client turns into a clear error (see `BrokerClient.read`).
   */
  | ({ id: number; op: 'read' } & ReadQuery)
  /**
   * Ask the broker to exit as its idle exit does (`playwright-tempnumber broker stop`; a client
   * replacing an idle broker whose settings differ). Refused while activations wait for an SMS,
   * unless `force`. Added without a protocol bump, like `read`.
   */
  | {
      id: number;
      op: 'stop';
      /** Stop even with activations waiting (the next broker reconciles them from the ledger). */
      force?: boolean;
      /** Refuse unless no other client is being served (a client replacing a broker it found idle). */
      ifIdle?: boolean;
    };

/**
 * One setting of a {@link SettingsFingerprint}: a keyed hash of its value (HMAC with the API key,
 * so a secret such as a Redis password cannot be guessed from it), and the value itself only
 * for settings that are not secret.
 */
export interface SettingFingerprint {
  hash: string;
  value?: string | number | boolean;
}

/** The settings a broker runs with that a client must not be served silently without, by name. */
export type SettingsFingerprint = Record<string, SettingFingerprint>;

/** One setting in which a client and the running broker differ; `value`s only for non-secrets. */
export interface SettingDifference {
  /** The environment variable that sets it, e.g. `TEMPNUMBER_TIME_SCALE`. */
  setting: string;
  broker?: string | number | boolean;
  client?: string | number | boolean;
}

/** Result of `hello`. */
export interface HelloResult {
  pid: number;
  protocol: number;
  account: string;
  /**
   * The client's settings differ from this broker's and the broker is idle (no other client,
   * nothing waiting): the client should `stop` it (`ifIdle`) and start one with its own. A busy
   * broker refuses `hello` instead, naming the differences.
   */
  settingsDiffer?: SettingDifference[];
}

/** Result of `stop`: the broker answers, then exits. */
export interface StopResult {
  pid: number;
  /** Activations left waiting (only with `force`); the next broker reconciles them. */
  waiting: number;
}

/** What a `read` asks for; its answer is the provider's, in neutral terms: {@link ReadResults}. */
export type ReadWhat = 'balance' | 'history' | 'priceList' | 'price';

/** The fields of a `read` request. */
export interface ReadQuery {
  what: ReadWhat;
  /** history: 1-based page and page size. */
  page?: number;
  limit?: number;
  /** price: the pair. */
  service?: string;
  country?: string;
  /** Per-attempt timeout, real ms. @default the broker client's */
  timeoutMs?: number;
  /** False: one attempt, no retries (the preflight reports what it sees, quickly). @default true */
  retry?: boolean;
}

/** Result of `read`, per `what`: the API client's answer as JSON. */
export interface ReadResults {
  balance: ProviderBalance;
  history: ProviderHistoryPage;
  priceList: PriceListEntry[];
  /** Undefined when the API knows no such pair. */
  price: PriceQuote | undefined;
}

export type BrokerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: WireError };

/** Result of `lease`. */
export interface LeaseResult {
  record: ActivationRecord;
  /** Milliseconds (real) the lease waited for budget before its request was sent. */
  budgetWaitMs: number;
  /** Countries tried before this one, with why each was skipped. */
  skipped: SkippedCountry[];
  /** Real ms the broker spent on its own work for this lease (not budget, not API requests). */
  brokerOverheadMs?: number;
}

/** Result of `wait`. */
export interface WaitResult {
  sms: SmsMessage | null;
  /** Last state seen for the activation (neutral; decide on this). */
  state: ActivationState;
  /** Last API status seen, in the API's words (for messages). */
  status: string;
  /** Last error the poller met for this activation or the API in general, if any (for "provider down" diagnosis). */
  lastPollError: string | undefined;
  /**
   * With an SMS: real ms from the poller having the API's answer that showed it (or from this
   * request, if it came later) until this answer was handed to the socket.
   */
  brokerOverheadMs?: number;
}

/** Result of `release`. */
export interface ReleaseResult {
  record: ActivationRecord;
}

/** Result of `status`. */
export interface BrokerStatus {
  pid: number;
  /** Short hash of base URL + key; never the key. */
  account: string;
  /** Which API the account is on (`TEMPNUMBER_API`). Absent from a broker before the setting. */
  api?: string;
  baseUrl: string;
  store: 'memory' | 'redis';
  startedAt: string;
  clients: number;
  waiting: number;
  pollLeader: boolean;
  timeScale: number;
  buckets: Record<string, { used: number; limit: number; blockedForMs: number }>;
}
