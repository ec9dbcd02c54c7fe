/**
 * The provider registry: which SMS-activation APIs the broker can talk to, by the name a setting
 * picks (docs/decisions/0016). The broker takes its provider from {@link createProvider} and
 * speaks only the neutral terms of ./provider.ts.
 */
import { DEFAULT_BASE_URL } from '../config/settings.ts';
import { ConfigurationError } from '../contract/errors.ts';
import { PLATFONE_BASE_URL } from './platfone/client.ts';
import { createPlatfoneProvider } from './platfone/provider.ts';
import type { ProviderOptions, SmsProvider } from './provider.ts';
import { createTempNumberV1Provider } from './tempnumber-v1/provider.ts';

// What callers of the registry need beside it; everything else is imported from ./provider.ts.
export type { ActivationState } from '../contract/activation.ts';
export { ACTIVATION_STATES } from '../contract/activation.ts';
export type { ProviderOptions, SmsProvider } from './provider.ts';

/** One registered provider. */
interface ProviderEntry {
  create(options: ProviderOptions): SmsProvider;
  /** The API root used when no base URL is set. */
  defaultBaseUrl: string;
  /**
   * Hosts of this API's production and hosted sandbox, so a base URL naming another provider's
   * host can be flagged (a local sandbox or a proxy has any host).
   */
  hosts: readonly string[];
}

/** Every provider, by the name the setting uses. */
export const PROVIDERS = {
  'tempnumber-v1': {
    create: createTempNumberV1Provider,
    defaultBaseUrl: DEFAULT_BASE_URL,
    hosts: ['tn-api.com', 'mock.temp-number.org'],
  },
  // Production; the hosted sandbox is https://temp-number-api.com/test/api/v1 (another key).
  platfone: {
    create: (options) => createPlatfoneProvider(options),
    defaultBaseUrl: PLATFONE_BASE_URL,
    hosts: ['temp-number-api.com'],
  },
} as const satisfies Record<string, ProviderEntry>;

export type ProviderId = keyof typeof PROVIDERS;

/** The provider used when the setting is not given. */
export const DEFAULT_PROVIDER: ProviderId = 'tempnumber-v1';

/** True for the names of {@link PROVIDERS}. */
export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && Object.hasOwn(PROVIDERS, value);
}

/**
 * The provider `id` names, for one account. Its base URL defaults to the provider's own.
 *
 * @example
 * const provider = createProvider('tempnumber-v1', { apiKey, baseUrl: sandbox.apiUrl });
 */
export function createProvider(id: string, options: ProviderOptions): SmsProvider {
  if (!isProviderId(id)) {
    throw new ConfigurationError(
      `Expected the provider to be one of ${Object.keys(PROVIDERS).join(', ')}, got ${JSON.stringify(id)}.`,
    );
  }
  const entry = PROVIDERS[id];
  return entry.create({ ...options, baseUrl: options.baseUrl ?? entry.defaultBaseUrl });
}
