/**
 * One benchmark worker process using playwright-tempnumber the way the fixture does: connect to
 * the machine's broker, lease, let the "app" send the SMS through the sandbox carrier, wait for
 * the code, release. Runs BENCH_CONCURRENCY test loops at once until BENCH_DEADLINE_MS.
 *
 * Env: TEMPNUMBER_* (connection), BENCH_SANDBOX_URL, BENCH_DEADLINE_MS, BENCH_CONCURRENCY,
 * BENCH_FIRST_PAIR. Each loop leases its own service+country pair: the sandbox applies the
 * delivery-rate rule to activations still waiting for their SMS, and the benchmark measures the
 * budget, not that rule. Prints one JSON line per cycle or refusal.
 */
import { connectBroker } from '../src/broker/index.ts';
import { hammerPair } from '../tests/helpers/hammer-pairs.ts';

const sandboxUrl = process.env.BENCH_SANDBOX_URL ?? '';
const deadline = Number(process.env.BENCH_DEADLINE_MS);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? '1');
const firstPair = Number(process.env.BENCH_FIRST_PAIR ?? '0');

const client = await connectBroker({ owner: `bench worker pid ${process.pid}` });

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function cycle(service: string, country: string): Promise<void> {
  const leaseStartedAt = Date.now();
  let phone: Awaited<ReturnType<typeof client.lease>>;
  try {
    phone = await client.lease({ service, country });
  } catch (error) {
    emit({ kind: 'refused', name: (error as Error).name, message: (error as Error).message.slice(0, 200) });
    await new Promise((r) => setTimeout(r, 20));
    return;
  }
  const leasedAt = Date.now();
  try {
    const delivered = await fetch(`${sandboxUrl}/sandbox/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: phone.number, text: 'Your code is 482913' }),
    });
    const deliveredAt = Date.now();
    if (!delivered.ok) throw new Error(`carrier answered ${delivered.status}`);
    const remaining = Math.max(1, deadline + 5_000 - Date.now());
    const code = await phone.code({ timeout: remaining });
    const codeAt = Date.now();
    emit({
      kind: 'cycle',
      leaseStartedAt,
      leasedAt,
      deliveredAt,
      codeAt,
      budgetWaitMs: phone.budgetWaitMs,
      leaseOverheadMs: phone.leaseOverheadMs,
      codeOverheadMs: phone.codeOverheadMs,
      ok: code === '482913',
    });
  } catch (error) {
    emit({ kind: 'error', name: (error as Error).name, message: (error as Error).message.slice(0, 200) });
  } finally {
    await phone.release().catch(() => {});
  }
}

async function loop(index: number): Promise<void> {
  const [service, country] = hammerPair(firstPair + index);
  while (Date.now() < deadline) await cycle(service, country);
}

await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
await client.close();
