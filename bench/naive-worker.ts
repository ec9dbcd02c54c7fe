/**
 * The naive baseline of the benchmark: what a user writes with the generated SDK and no shared
 * budget. Each worker process calls the API directly, leases, has the "app" send the SMS, polls
 * `GET /activations/{id}` every 2 s (API time) and retries any 429 after 1 s, until a deadline.
 *
 * Env: BENCH_API_URL, BENCH_SANDBOX_URL, BENCH_API_KEY, BENCH_TIME_SCALE, BENCH_DEADLINE_MS
 * (epoch ms), BENCH_FIRST_PAIR, BENCH_CONCURRENCY (test loops in this process, each on its own
 * service+country pair, as in the broker phase).
 * Prints one JSON line per finished cycle.
 */
import { hammerPair } from '../tests/helpers/hammer-pairs.ts';

const apiUrl = required('BENCH_API_URL');
const sandboxUrl = required('BENCH_SANDBOX_URL');
const apiKey = required('BENCH_API_KEY');
const timeScale = Number(required('BENCH_TIME_SCALE'));
const deadline = Number(required('BENCH_DEADLINE_MS'));
const firstPair = Number(process.env.BENCH_FIRST_PAIR ?? '0');
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? '1');
const pollEveryMs = 2000 / timeScale;
const retry429AfterMs = 1000 / timeScale;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One API call; 429s are retried after a pause, exactly as a hand-written loop would. */
async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown> | undefined> {
  while (Date.now() < deadline) {
    const init: RequestInit = {
      method,
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    let response: Response;
    try {
      response = await fetch(`${apiUrl}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
    } catch {
      await sleep(retry429AfterMs);
      continue;
    }
    const json = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (response.status === 429) {
      await sleep(retry429AfterMs);
      continue;
    }
    if (!response.ok) return undefined;
    return json;
  }
  return undefined;
}

async function cycle(service: string, country: string): Promise<void> {
  const leaseStartedAt = Date.now();
  const activation = await call('POST', '/activations', { serviceId: service, countryId: country });
  if (!activation || typeof activation.id !== 'number') return;
  const leasedAt = Date.now();
  const delivered = await fetch(`${sandboxUrl}/sandbox/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: String(activation.number), text: 'Your code is 482913' }),
  });
  const deliveredAt = Date.now();
  if (!delivered.ok) return;
  while (Date.now() < deadline) {
    await sleep(pollEveryMs);
    const state = await call('GET', `/activations/${activation.id}`);
    if (state && (state.status === 'smsReceived' || state.status === 'serviceConsumed')) {
      process.stdout.write(
        `${JSON.stringify({ kind: 'cycle', leaseStartedAt, leasedAt, deliveredAt, codeAt: Date.now() })}\n`,
      );
      return;
    }
  }
  process.stdout.write(`${JSON.stringify({ kind: 'lease-only', leaseStartedAt, leasedAt })}\n`);
}

async function loop(index: number): Promise<void> {
  const [service, country] = hammerPair(firstPair + index);
  while (Date.now() < deadline) await cycle(service, country);
}

await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
