import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { LeaseResult } from '../../src/broker/protocol.ts';
import { runBroker } from '../../src/broker/server/server.ts';
import { resolveSettings } from '../../src/config/settings.ts';
import type { ActivationRecord } from '../../src/contract/activation.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import { TIME_SCALE } from '../helpers/broker-server-test.ts';
import { connectBrokerSocket } from '../helpers/broker-socket.ts';

test('a client that stops sending heartbeats is dropped and its activation cancelled; one that keeps them is kept', async () => {
  const apiKey = `tn_test_${randomBytes(12).toString('hex')}`;
  const sandbox = await startSandbox({ port: 0, timeScale: TIME_SCALE, apiKeys: [apiKey] });
  const runtimeDir = await mkdtemp(join(tmpdir(), 'tn-broker-heartbeat-'));
  const settings = resolveSettings(
    { apiKey, baseUrl: sandbox.apiUrl, runtimeDir, timeScale: TIME_SCALE },
    { env: {}, dotenvDir: false },
  );
  // In-process, to shorten the 3 × 5 s heartbeat timeout for the test.
  const broker = await runBroker({ settings, clientTimeoutMs: 400 });
  try {
    const silent = await connectBrokerSocket(broker.socketPath);
    const alive = await connectBrokerSocket(broker.socketPath);
    await silent.hello('silent worker');
    await alive.hello('alive worker');
    const a = await silent.request<LeaseResult>({ op: 'lease', service: 'facebook', countries: ['us'] });
    const b = await alive.request<LeaseResult>({ op: 'lease', service: 'facebook', countries: ['us'] });
    const beat = setInterval(() => void alive.request({ op: 'heartbeat' }), 100);
    await silent.closed;
    const outcome = async (id: string) =>
      (await alive.request<ActivationRecord[]>({ op: 'activations' })).find((r) => r.id === id)?.outcome;
    await expect.poll(() => outcome(a.record.id)).toBe('cancelled');
    expect(await outcome(b.record.id)).toBe('waiting');
    clearInterval(beat);
    alive.close();
  } finally {
    await broker.close();
    await broker.closed;
    await sandbox.close();
    await rm(runtimeDir, { recursive: true, force: true });
  }
});
