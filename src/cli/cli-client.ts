/**
 * How the operator commands read the API: through the account's broker (started on demand; it
 * exits when idle), never directly — the broker owns the account's shared rate-limit budget, so
 * a `history` typed during a saturated run waits for a slot instead of drawing a 429 (DESIGN §2).
 */
import { type BrokerClient, connectBroker } from '../broker/client/broker-client.ts';
import type { Settings } from '../config/settings.ts';

/** Run `body` with a broker client for the account of `settings`, closed afterwards. */
export async function withBroker<T>(
  settings: Settings,
  command: string,
  body: (broker: BrokerClient) => Promise<T>,
): Promise<T> {
  const broker = await connectBroker({
    apiKey: settings.apiKey,
    baseUrl: settings.baseUrl,
    runtimeDir: settings.runtimeDir,
    timeScale: settings.timeScale,
    requestTimeoutMs: settings.requestTimeoutMs,
    ...(settings.redisUrl === undefined ? {} : { redisUrl: settings.redisUrl }),
    owner: `cli ${command} (pid ${process.pid})`,
  });
  try {
    return await body(broker);
  } finally {
    await broker.close();
  }
}

/** Per-attempt timeout of an operator's read: a human is waiting (real ms). */
export const CLI_READ_TIMEOUT_MS = 10_000;
