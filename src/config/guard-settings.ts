/**
 * Settings of the broker's money and account-health guards (docs/guards.md), read from the
 * environment like every other setting (this folder is the only place that reads it). The
 * broker reads them at start; a broker started on demand gets them passed through
 * ({@link GUARD_ENV_NAMES}).
 */
import { ConfigurationError } from '../contract/errors.ts';
import { readSetting, type SettingsSources } from './settings.ts';

/** What the guards do; every duration says its clock (API time scales with the time scale). */
export interface GuardSettings {
  /**
   * `TEMPNUMBER_DELIVERY_GUARD` (`on`/`off`): refuse leases that could put a service+country
   * under TempNumber's 7 % delivery rule. @default true
   */
  deliveryRate: boolean;
  /**
   * `TEMPNUMBER_DELIVERY_HOLD_MS`: how long (real ms) a lease the delivery-rate guard would refuse
   * only because activations of the pair still wait for their SMS may wait for them to resolve;
   * 0 refuses at once. Must stay well below the fixture's lease allowance (150 s). @default 90_000
   */
  deliveryHoldMs: number;
  /**
   * `TEMPNUMBER_BREAKER_THRESHOLD`: consecutive activations of one pair released without an SMS
   * that open the circuit breaker; 0 disables it. @default 3
   */
  breakerThreshold: number;
  /** `TEMPNUMBER_BREAKER_COOLDOWN_MS`: how long (API ms) an open breaker refuses the pair. @default 600_000 */
  breakerCooldownApiMs: number;
  /** `TEMPNUMBER_BALANCE_GUARD` (`on`/`off`): refuse a lease the cached balance cannot pay. @default true */
  balance: boolean;
  /** `TEMPNUMBER_BALANCE_CACHE_MS`: how long (API ms) one balance read is trusted. @default 30_000 */
  balanceCacheApiMs: number;
}

/** The defaults of {@link GuardSettings}. */
export const DEFAULT_GUARD_SETTINGS: Readonly<GuardSettings> = {
  deliveryRate: true,
  deliveryHoldMs: 90_000,
  breakerThreshold: 3,
  breakerCooldownApiMs: 600_000,
  balance: true,
  balanceCacheApiMs: 30_000,
};

/** Environment variable of each setting, as data (docs, pass-through to a spawned broker). */
export const GUARD_ENV = {
  deliveryRate: 'TEMPNUMBER_DELIVERY_GUARD',
  deliveryHoldMs: 'TEMPNUMBER_DELIVERY_HOLD_MS',
  breakerThreshold: 'TEMPNUMBER_BREAKER_THRESHOLD',
  breakerCooldownApiMs: 'TEMPNUMBER_BREAKER_COOLDOWN_MS',
  balance: 'TEMPNUMBER_BALANCE_GUARD',
  balanceCacheApiMs: 'TEMPNUMBER_BALANCE_CACHE_MS',
} as const satisfies Record<keyof GuardSettings, string>;

/** Every variable a broker started on demand must inherit from its client. */
export const GUARD_ENV_NAMES: readonly string[] = Object.values(GUARD_ENV);

const SWITCHES: Record<string, boolean> = {
  on: true,
  true: true,
  '1': true,
  off: false,
  false: false,
  '0': false,
};

/** Read the guard settings; a malformed value is a {@link ConfigurationError} naming the variable. */
export function resolveGuardSettings(sources: SettingsSources = {}): GuardSettings {
  const read = (key: keyof GuardSettings) => readSetting(GUARD_ENV[key], sources);
  return {
    deliveryRate: parseSwitch(
      GUARD_ENV.deliveryRate,
      read('deliveryRate'),
      DEFAULT_GUARD_SETTINGS.deliveryRate,
    ),
    deliveryHoldMs: parseCount(
      GUARD_ENV.deliveryHoldMs,
      read('deliveryHoldMs'),
      DEFAULT_GUARD_SETTINGS.deliveryHoldMs,
    ),
    breakerThreshold: parseCount(
      GUARD_ENV.breakerThreshold,
      read('breakerThreshold'),
      DEFAULT_GUARD_SETTINGS.breakerThreshold,
    ),
    breakerCooldownApiMs: parseCount(
      GUARD_ENV.breakerCooldownApiMs,
      read('breakerCooldownApiMs'),
      DEFAULT_GUARD_SETTINGS.breakerCooldownApiMs,
    ),
    balance: parseSwitch(GUARD_ENV.balance, read('balance'), DEFAULT_GUARD_SETTINGS.balance),
    balanceCacheApiMs: parseCount(
      GUARD_ENV.balanceCacheApiMs,
      read('balanceCacheApiMs'),
      DEFAULT_GUARD_SETTINGS.balanceCacheApiMs,
    ),
  };
}

function parseSwitch(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  const value = SWITCHES[raw.toLowerCase()];
  if (value === undefined) {
    throw new ConfigurationError(`${name} must be \`on\` or \`off\`, got ${JSON.stringify(raw)}.`);
  }
  return value;
}

function parseCount(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ConfigurationError(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}.`);
  }
  return value;
}
