import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY = /^TempNumber sandbox listening on (http:\/\/127\.0\.0\.1:(\d+))$/;

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function runCli(args: string[]): Run {
  const child = spawn(process.execPath, ['src/cli/main.ts', 'sandbox', ...args], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

let running: Run | undefined;
test.afterEach(() => {
  if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  running = undefined;
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`prints one ready line, serves the API and the carrier, and exits 0 on ${signal}`, async () => {
    running = runCli([
      '--port',
      '0',
      '--api-key',
      'cli-key',
      '--api-key',
      'second',
      '--balance',
      '7',
      '--time-scale',
      '5',
    ]);
    await expect.poll(() => running?.stdout() ?? '', { timeout: 15_000 }).toMatch(/\n$/);
    const line = running.stdout().trimEnd();
    expect(line).toMatch(READY);
    const url = READY.exec(line)?.[1] as string;

    const balance = await fetch(`${url}/api/v1/user/balance`, { headers: { 'x-api-key': 'second' } });
    expect(await balance.json()).toEqual({ balance: 7, review_balance: 0 });
    expect((await fetch(`${url}/api/v1/user/balance`, { headers: { 'x-api-key': 'sandbox' } })).status).toBe(
      401,
    );
    const state = await (await fetch(`${url}/sandbox/state`)).json();
    expect(state.timeScale).toBe(5);

    running.child.kill(signal);
    expect(await running.exit).toBe(0);
    expect(running.stdout().trimEnd().split('\n')).toEqual([line]);
    await expect(fetch(`${url}/sandbox/state`)).rejects.toThrow();
  });
}

test('--first-activation-id pins the id of the first lease', async () => {
  running = runCli(['--port', '0', '--first-activation-id', '500']);
  await expect.poll(() => running?.stdout().trimEnd() ?? '', { timeout: 15_000 }).toMatch(READY);
  const url = READY.exec(running.stdout().trimEnd())?.[1] as string;
  const lease = await fetch(`${url}/api/v1/activations`, {
    method: 'POST',
    headers: { 'x-api-key': 'sandbox', 'content-type': 'application/json' },
    body: JSON.stringify({ serviceId: 'facebook', countryId: 'us' }),
  });
  expect(((await lease.json()) as { id: number }).id).toBe(500);
  running.child.kill('SIGTERM');
  expect(await running.exit).toBe(0);
});

test('the default key is "sandbox"', async () => {
  running = runCli(['--port', '0']);
  await expect.poll(() => running?.stdout().trimEnd() ?? '', { timeout: 15_000 }).toMatch(READY);
  const url = READY.exec(running.stdout().trimEnd())?.[1] as string;
  expect((await fetch(`${url}/api/v1/user/balance`, { headers: { 'x-api-key': 'sandbox' } })).status).toBe(
    200,
  );
  running.child.kill('SIGTERM');
  expect(await running.exit).toBe(0);
});

const GARBAGE: Array<[flags: string[], mentions: string[]]> = [
  [
    ['--port', 'abc'],
    ['--port', 'abc'],
  ],
  [
    ['--port', '70000'],
    ['--port', '70000'],
  ],
  [
    ['--port', '80.5'],
    ['--port', '80.5'],
  ],
  [['--port', ''], ['--port']],
  [
    ['--time-scale', 'fast'],
    ['--time-scale', 'fast'],
  ],
  [
    ['--time-scale', '0'],
    ['--time-scale', '0'],
  ],
  [
    ['--time-scale', '-3'],
    ['--time-scale', '-3'],
  ],
  [
    ['--balance', 'lots'],
    ['--balance', 'lots'],
  ],
  [
    ['--balance', '-5'],
    ['--balance', '-5'],
  ],
  [
    ['--first-activation-id', '0'],
    ['--first-activation-id', '0'],
  ],
  [
    ['--first-activation-id', '1.5'],
    ['--first-activation-id', '1.5'],
  ],
  [['--bogus'], ['--bogus']],
];
for (const [flags, mentions] of GARBAGE) {
  test(`rejects ${JSON.stringify(flags.join(' '))} with exit code 2, naming the flag and value, starting nothing`, async () => {
    running = runCli(flags);
    expect(await running.exit).toBe(2);
    for (const text of mentions) expect(running.stderr()).toContain(text);
    expect(running.stdout()).toBe('');
  });
}

test('--help prints the usage with every option and exits 0', async () => {
  running = runCli(['--help']);
  expect(await running.exit).toBe(0);
  for (const flag of ['--host', '--port', '--api-key', '--balance', '--time-scale', '--first-activation-id'])
    expect(running.stdout()).toContain(flag);
  expect(running.stdout()).toContain('Usage: playwright-tempnumber sandbox');
});
