import { request } from 'node:http';
import { expect, test } from '@playwright/test';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

/**
 * One lease on a connection of its own: `fetch` would reuse a pooled keep-alive socket of the
 * previous sandbox on the same port, which the restarted one never accepted.
 */
function leaseId(sandbox: Sandbox): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${sandbox.apiUrl}/activations`,
      {
        method: 'POST',
        agent: false,
        headers: { 'x-api-key': 'sandbox', 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          if (res.statusCode === 200) resolve((JSON.parse(body) as { id: number }).id);
          else reject(new Error(`lease answered ${res.statusCode}: ${body}`));
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ serviceId: 'facebook', countryId: 'us' }));
  });
}

async function leaseIds(sandbox: Sandbox, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(await leaseId(sandbox));
  return ids;
}

test('sandboxes started one after the other never hand out the same id', async () => {
  const seen: number[] = [];
  for (let run = 0; run < 3; run++) {
    const sandbox = await startSandbox({ port: 0 });
    try {
      seen.push(...(await leaseIds(sandbox, 3)));
    } finally {
      await sandbox.close();
    }
  }
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  for (const id of seen) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
});

test('a sandbox restarted on the same port never repeats an id of its previous run, nor after a reset', async () => {
  const first = await startSandbox({ port: 0 });
  const { port } = new URL(first.url);
  const before = await leaseIds(first, 3);
  first.reset();
  before.push(...(await leaseIds(first, 2)));
  await first.close();

  const restarted = await startSandbox({ port: Number(port) });
  try {
    expect(restarted.url).toBe(first.url);
    const after = await leaseIds(restarted, 3);
    expect(Math.min(...after)).toBeGreaterThan(Math.max(...before));
    expect(new Set([...before, ...after]).size).toBe(before.length + after.length);
  } finally {
    await restarted.close();
  }
});

test('two sandboxes running side by side hand out different ids', async () => {
  const [a, b] = await Promise.all([startSandbox({ port: 0 }), startSandbox({ port: 0 })]);
  try {
    const ids = [...(await leaseIds(a, 3)), ...(await leaseIds(b, 3))];
    expect(new Set(ids).size).toBe(ids.length);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('firstActivationId pins the sequence for deterministic tests', async () => {
  const sandbox = await startSandbox({ port: 0, firstActivationId: 100_001 });
  try {
    expect(await leaseIds(sandbox, 2)).toEqual([100_001, 100_002]);
  } finally {
    await sandbox.close();
  }
  await expect(startSandbox({ port: 0, firstActivationId: 0 })).rejects.toThrow(/firstActivationId/);
});
