/**
 * The settings a broker's behaviour depends on besides its account — the API it speaks, the
 * Redis URL (whose budget it spends), the time scale, tighter rate limits, the guard settings —
 * as the fingerprint a client sends in
 * `hello`, and the comparison the broker makes with its own. One file for both sides, so they
 * cannot disagree on what is compared or on how it is hashed. A client must never be served
 * silently by a broker that runs with other settings: with other guard thresholds it could
 * spend money the client's settings would have refused.
 */
import { createHmac } from 'node:crypto';
import { GUARD_ENV, type GuardSettings, resolveGuardSettings } from '../config/guard-settings.ts';
import type { Settings } from '../config/settings.ts';
import type { SettingDifference, SettingFingerprint, SettingsFingerprint } from './protocol.ts';

/** What a fingerprint covers. */
export interface FingerprintedSettings {
  api: string;
  redisUrl: string | undefined;
  timeScale: number;
  requestTimeoutMs: number;
  rateLimits: string | undefined;
  guards: GuardSettings;
}

type SettingValue = string | number | boolean | undefined;

interface FingerprintedSetting {
  /** The environment variable that sets it: what an error message names. */
  env: string;
  /** A secret's value never crosses the socket or reaches a message; only its keyed hash does. */
  secret: boolean;
  read(settings: FingerprintedSettings): SettingValue;
}

/** Every fingerprinted setting by name; the guard settings come from their own table. */
const FINGERPRINTED: Readonly<Record<string, FingerprintedSetting>> = Object.freeze({
  // Already part of the account id (so another API finds another broker); compared as well, so a
  // broker can never serve a client in another API's dialect, whatever its runtime dir holds.
  api: { env: 'TEMPNUMBER_API', secret: false, read: (s) => s.api },
  // A Redis URL may carry a password; which Redis also decides whose budget is shared.
  redisUrl: { env: 'TEMPNUMBER_REDIS_URL', secret: true, read: (s) => s.redisUrl },
  timeScale: { env: 'TEMPNUMBER_TIME_SCALE', secret: false, read: (s) => s.timeScale },
  // It sets the in-flight bound: how long a lost lease answer waits before it is looked up.
  requestTimeoutMs: { env: 'TEMPNUMBER_REQUEST_TIMEOUT_MS', secret: false, read: (s) => s.requestTimeoutMs },
  // A client that asked for tighter limits must not be served by a broker spending the published ones.
  rateLimits: { env: 'TEMPNUMBER_RATE_LIMITS', secret: false, read: (s) => s.rateLimits },
  ...Object.fromEntries(
    (Object.entries(GUARD_ENV) as Array<[keyof GuardSettings, string]>).map(([key, env]) => [
      key,
      { env, secret: false, read: (s: FingerprintedSettings) => s.guards[key] },
    ]),
  ),
} satisfies Record<string, FingerprintedSetting>);

/** Longest non-secret value quoted back from a client's fingerprint (it is untrusted input). */
const MAX_QUOTED_LENGTH = 80;

/**
 * The guard settings a broker started by this process would get: `spawnBroker` passes
 * the guard variables of this process's environment (not of a `.env` file) to the child.
 */
export function clientGuardSettings(): GuardSettings {
  return resolveGuardSettings({ dotenvDir: false });
}

/** The fingerprint a client sends for `settings` (guards: {@link clientGuardSettings}). */
export function clientFingerprint(settings: Settings): SettingsFingerprint {
  return settingsFingerprint(settings.apiKey, {
    api: settings.api,
    redisUrl: settings.redisUrl,
    timeScale: settings.timeScale,
    requestTimeoutMs: settings.requestTimeoutMs,
    rateLimits: settings.rateLimits,
    guards: clientGuardSettings(),
  });
}

/**
 * One hash per setting, keyed with the API key (HMAC): equal settings of the same account hash
 * equal on both sides, while a Redis password cannot be guessed offline from the hash.
 */
export function settingsFingerprint(apiKey: string, settings: FingerprintedSettings): SettingsFingerprint {
  const fingerprint: SettingsFingerprint = {};
  for (const [name, setting] of Object.entries(FINGERPRINTED)) {
    const value = setting.read(settings);
    const hash = createHmac('sha256', apiKey)
      .update(`${name}\n${JSON.stringify(value ?? null)}`)
      .digest('hex')
      .slice(0, 32);
    fingerprint[name] = setting.secret || value === undefined ? { hash } : { hash, value };
  }
  return fingerprint;
}

/**
 * Where a client's fingerprint (untrusted: it came off the socket) differs from the broker's.
 * A setting only one side knows (an older or newer client) is not compared; a malformed
 * fingerprint compares as no fingerprint, since it cannot name a difference either.
 */
export function compareFingerprints(broker: SettingsFingerprint, client: unknown): SettingDifference[] {
  if (typeof client !== 'object' || client === null || Array.isArray(client)) return [];
  const differences: SettingDifference[] = [];
  for (const [name, setting] of Object.entries(FINGERPRINTED)) {
    const ours = broker[name];
    const theirs = Object.hasOwn(client, name) ? (client as Record<string, unknown>)[name] : undefined;
    if (!ours || !isSettingFingerprint(theirs) || theirs.hash === ours.hash) continue;
    const clientValue = setting.secret ? undefined : quoted(theirs.value);
    differences.push({
      setting: setting.env,
      ...(setting.secret || ours.value === undefined ? {} : { broker: ours.value }),
      ...(clientValue === undefined ? {} : { client: clientValue }),
    });
  }
  return differences;
}

/** `TEMPNUMBER_TIME_SCALE (broker 300, this client 100), TEMPNUMBER_REDIS_URL (differs)`. */
export function describeDifferences(differences: readonly SettingDifference[]): string {
  return differences
    .map((d) =>
      d.broker === undefined && d.client === undefined
        ? `${d.setting} (differs)`
        : `${d.setting} (broker ${show(d.broker)}, this client ${show(d.client)})`,
    )
    .join(', ');
}

function isSettingFingerprint(value: unknown): value is SettingFingerprint {
  return (
    typeof value === 'object' && value !== null && typeof (value as { hash?: unknown }).hash === 'string'
  );
}

function quoted(value: unknown): string | number | boolean | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return typeof value === 'string' ? value.slice(0, MAX_QUOTED_LENGTH) : undefined;
}

function show(value: SettingValue): string {
  return value === undefined ? 'unknown' : String(value);
}
