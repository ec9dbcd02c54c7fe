/**
 * The API client the operator commands use: the account's settings, a short per-attempt
 * timeout (a human is waiting), the process-local budget of the published limits.
 */
import { createTempNumberClient, type TempNumberClient } from '../api/client.ts';
import type { Settings } from '../config/settings.ts';

/** A client for the account of `settings`. */
export function createCliClient(settings: Settings, overrides: { retries?: number } = {}): TempNumberClient {
  return createTempNumberClient({
    apiKey: settings.apiKey,
    baseUrl: settings.baseUrl,
    timeScale: settings.timeScale,
    timeoutMs: 10_000,
    ...overrides,
  });
}
