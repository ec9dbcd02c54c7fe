/**
 * One OS process of the budget hammer: connect to the machine's broker (settings from the
 * TEMPNUMBER_* environment), then in HAMMER_LOOPS concurrent loops lease a number, have the
 * sandbox's carrier deliver an SMS to it, read the code and release it, until HAMMER_DURATION_MS
 * has passed. Prints `ready`, then one JSON line with its counts and time per step.
 *
 * Each loop leases its own service+country pair (HAMMER_PAIR_OFFSET + loop index): the API
 * blocks a pair once 5 of its activations lack an SMS, and at the start of a burst every loop's
 * first number is leased before any SMS can have arrived.
 */
import { connectBroker } from '../../src/broker/index.ts';
import { hammerPair } from './hammer-pairs.ts';

const sandboxUrl = process.env.SANDBOX_URL ?? '';
const durationMs = Number(process.env.HAMMER_DURATION_MS ?? 5_000);
const loops = Number(process.env.HAMMER_LOOPS ?? 2);
const pairOffset = Number(process.env.HAMMER_PAIR_OFFSET ?? 0);

const client = await connectBroker({ owner: `hammer pid ${process.pid}` });
// Warm up fetch (its first call loads undici), so the first SMS is not late.
await fetch(`${sandboxUrl}/sandbox/state`).then((r) => r.arrayBuffer());
console.log('ready');
// All workers sleep until the same wall-clock instant, so leasing starts at once everywhere.
const startAt = Number(process.env.HAMMER_START_AT ?? Date.now());
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
const deadline = Date.now() + durationMs;

const counts = {
  leases: 0,
  codes: 0,
  wrongCodes: 0,
  releases: 0,
  errors: [] as string[],
  maxReleaseMs: 0,
  /** Total real ms spent in each step, to tell a budget-bound run from a client-bound one. */
  leaseMs: 0,
  deliverMs: 0,
  codeMs: 0,
  releaseMs: 0,
};

async function loop(index: number): Promise<void> {
  const [service, country] = hammerPair(pairOffset + index);
  while (Date.now() < deadline) {
    try {
      let t = Date.now();
      const phone = await client.lease({ service, country });
      counts.leases++;
      counts.leaseMs += Date.now() - t;
      t = Date.now();
      const delivered = await fetch(`${sandboxUrl}/sandbox/sms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: phone.number, text: 'Your code is 123456' }),
      });
      if (!delivered.ok) throw new Error(`carrier: ${delivered.status} ${await delivered.text()}`);
      counts.deliverMs += Date.now() - t;
      t = Date.now();
      const code = await phone.code({ timeout: 30_000 });
      counts.codeMs += Date.now() - t;
      if (code === '123456') counts.codes++;
      else counts.wrongCodes++;
      t = Date.now();
      await phone.release();
      const releaseMs = Date.now() - t;
      counts.releaseMs += releaseMs;
      counts.maxReleaseMs = Math.max(counts.maxReleaseMs, releaseMs);
      counts.releases++;
    } catch (error) {
      counts.errors.push(`${(error as Error).name}: ${(error as Error).message}`);
      if (counts.errors.length > 20) return;
    }
  }
}

await Promise.all(Array.from({ length: loops }, (_, i) => loop(i)));
await client.close();
console.log(JSON.stringify(counts));
