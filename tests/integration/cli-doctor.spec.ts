import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { PROTOCOL_VERSION } from '../../src/broker/protocol.ts';
import { runtimePaths } from '../../src/broker/runtime-paths.ts';
import { accountId } from '../../src/config/settings.ts';
import type { CheckResult } from '../../src/preflight/index.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { brokerPids, stopPid } from '../helpers/broker-test-env.ts';
import { closedPort, makeCliWorkdir, runCli } from '../helpers/cli-process.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts';

const KEY = 'tn_cli_doctor_KEY_b16b00b5e7';

interface DoctorJson {
  ok: boolean;
  account: string | null;
  checks: CheckResult[];
}

let sandbox: Sandbox;
let work: Awaited<ReturnType<typeof makeCliWorkdir>>;
let env: Record<string, string>;

const byId = (out: DoctorJson, id: string) => {
  const check = out.checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id} in ${JSON.stringify(out)}`);
  return check;
};

test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKeys: [KEY], balance: 50 });
  work = await makeCliWorkdir();
  env = {
    TEMPNUMBER_API_KEY: KEY,
    TEMPNUMBER_BASE_URL: sandbox.apiUrl,
    TEMPNUMBER_RUNTIME_DIR: work.runtimeDir,
    // Any existing file: the browser check looks for the executable, it does not launch it.
    CHROMIUM_PATH: process.execPath,
  };
});

test.afterEach(async () => {
  // The commands read through a broker started on demand: stop it before removing its dir.
  for (const pid of await brokerPids(work.runtimeDir)) await stopPid(pid);
  await sandbox.close();
  await work.remove();
});

test('all checks pass on a healthy setup: exit 0, one line per check, in order', async () => {
  const run = await runCli(['doctor', '--json'], env, work.dir);
  expect(run.code).toBe(0);
  const out = run.json<DoctorJson>();
  expect(out.ok).toBe(true);
  expect(out.account).toBe(accountId({ apiKey: KEY, baseUrl: sandbox.apiUrl }));
  expect(out.checks.map((c) => c.id)).toEqual([
    'settings',
    'reachable',
    'api-key',
    'balance',
    'broker',
    'runtime-dir',
    'redis',
    'browser',
  ]);
  for (const check of out.checks) expect(check, check.line).toMatchObject({ level: 'ok', ok: true });
  expect(byId(out, 'broker').line).toContain('one starts on demand');
  // The three API checks share one request (plus the start-up history read of the broker they started).
  expect(sandbox.state().requests).toBeLessThanOrEqual(2);

  const human = await runCli(['doctor'], env, work.dir);
  expect(human.code).toBe(0);
  expect(human.stdout).toContain('All checks passed.');
  expect(human.stdout + human.stderr).not.toContain(KEY);
});

test('a refused key fails with an actionable line, skips the balance, exits 1, and never prints the key', async () => {
  const wrong = 'tn_cli_doctor_WRONG_77e1c2d3';
  const run = await runCli(['doctor', '--json'], { ...env, TEMPNUMBER_API_KEY: wrong }, work.dir);
  expect(run.code).toBe(1);
  const out = run.json<DoctorJson>();
  expect(out.ok).toBe(false);
  expect(byId(out, 'reachable').level).toBe('ok');
  expect(byId(out, 'api-key')).toMatchObject({ level: 'fail', ok: false });
  expect(byId(out, 'api-key').line).toContain('The API key was refused: check TEMPNUMBER_API_KEY');
  expect(byId(out, 'balance')).toMatchObject({ level: 'warn', skipped: true });
  expect(run.stdout + run.stderr).not.toContain(wrong);

  const human = await runCli(['doctor'], { ...env, TEMPNUMBER_API_KEY: wrong }, work.dir);
  expect(human.code).toBe(1);
  expect(human.stdout).toMatch(/FAIL\s+API key\s+The API key was refused: check TEMPNUMBER_API_KEY/);
  expect(human.stdout).toMatch(/skip\s+balance/);
  expect(human.stdout + human.stderr).not.toContain(wrong);
});

test('a balance below the estimate warns with the amount to top up, and still exits 0', async () => {
  sandbox.setBalance(KEY, 3);
  const run = await runCli(['doctor', '--json'], env, work.dir);
  expect(run.code).toBe(0);
  const balance = byId(run.json<DoctorJson>(), 'balance');
  expect(balance.level).toBe('warn');
  expect(balance.line).toContain('10 numbers × $1.00 = $10.00');
  expect(balance.line).toContain('top up at least $7.00');
});

test('--tests and --price set the estimate', async () => {
  sandbox.setBalance(KEY, 20);
  const enough = await runCli(['doctor', '--tests', '40', '--price', '0.45', '--json'], env, work.dir);
  const balance = byId(enough.json<DoctorJson>(), 'balance');
  expect(balance).toMatchObject({ level: 'ok' });
  expect(balance.line).toContain('40 numbers × $0.45 = $18.00');

  const short = await runCli(['doctor', '--tests', '50', '--price', '0.5', '--json'], env, work.dir);
  expect(byId(short.json<DoctorJson>(), 'balance').line).toContain('top up at least $5.00');
});

test('an empty balance fails: every lease would be refused', async () => {
  sandbox.setBalance(KEY, 0);
  const run = await runCli(['doctor', '--json'], env, work.dir);
  expect(run.code).toBe(1);
  expect(byId(run.json<DoctorJson>(), 'balance')).toMatchObject({ level: 'fail' });
  expect(byId(run.json<DoctorJson>(), 'balance').line).toContain('402 paymentRequired');
});

test('an unreachable base URL fails the reachable check and skips the key and balance', async () => {
  const url = `http://127.0.0.1:${await closedPort()}/api/v1`;
  const run = await runCli(['doctor', '--json'], { ...env, TEMPNUMBER_BASE_URL: url }, work.dir);
  expect(run.code).toBe(1);
  const out = run.json<DoctorJson>();
  expect(byId(out, 'reachable')).toMatchObject({ level: 'fail' });
  expect(byId(out, 'reachable').line).toContain(`Cannot reach ${url}`);
  expect(byId(out, 'reachable').line).toContain('ECONNREFUSED');
  expect(byId(out, 'api-key')).toMatchObject({ skipped: true });
  expect(byId(out, 'balance')).toMatchObject({ skipped: true });
  // Checks that do not need the API still run.
  expect(byId(out, 'runtime-dir').level).toBe('ok');
});

test('a missing key fails the settings check with how to set it', async () => {
  const run = await runCli(['doctor'], { ...env, TEMPNUMBER_API_KEY: undefined }, work.dir);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/FAIL\s+settings\s+TEMPNUMBER_API_KEY is not set/);
  expect(run.stdout).toMatch(/ok\s+Chromium/);
  expect(sandbox.state().requests).toBe(0);
});

test('a time scale on a loopback sandbox passes the settings check with a note saying it is sandbox-only', async () => {
  const fast = await startSandbox({ port: 0, apiKeys: [KEY], balance: 50, timeScale: 600 });
  try {
    const run = await runCli(
      ['doctor', '--json'],
      { ...env, TEMPNUMBER_BASE_URL: fast.apiUrl, TEMPNUMBER_TIME_SCALE: '600' },
      work.dir,
    );
    const settings = byId(run.json<DoctorJson>(), 'settings');
    expect(settings).toMatchObject({ level: 'ok', ok: true });
    expect(settings.line).toContain('time scale 600×');
    expect(settings.line).toContain('allowed only because the API is on loopback');
  } finally {
    await fast.close();
  }
});

test('a time scale with a remote API fails the settings check, says what to do, and calls nothing', async () => {
  // .invalid never resolves: should the refusal break, nothing real is called with this key.
  const remote = {
    ...env,
    TEMPNUMBER_BASE_URL: 'https://tn-api.invalid/api/v1',
    TEMPNUMBER_TIME_SCALE: '600',
  };
  const run = await runCli(['doctor', '--json'], remote, work.dir);
  expect(run.code).toBe(1);
  const out = run.json<DoctorJson>();
  expect(byId(out, 'settings')).toMatchObject({ level: 'fail', ok: false });
  expect(byId(out, 'settings').line).toContain('TEMPNUMBER_TIME_SCALE is 600, but the API at tn-api.invalid');
  expect(byId(out, 'settings').line).toContain('Unset TEMPNUMBER_TIME_SCALE');
  expect(byId(out, 'reachable')).toMatchObject({ skipped: true });

  const human = await runCli(['doctor'], remote, work.dir);
  expect(human.code).toBe(1);
  expect(human.stdout).toMatch(/FAIL\s+settings\s+TEMPNUMBER_TIME_SCALE is 600/);
  expect(human.stdout + human.stderr).not.toContain(KEY);
});

test('a runtime dir others can write fails with the chmod to run; one they can read warns', async () => {
  await mkdir(work.runtimeDir, { mode: 0o700 });
  await chmod(work.runtimeDir, 0o777);
  const open = await runCli(['doctor', '--json'], env, work.dir);
  expect(open.code).toBe(1);
  expect(byId(open.json<DoctorJson>(), 'runtime-dir')).toMatchObject({ level: 'fail' });
  expect(byId(open.json<DoctorJson>(), 'runtime-dir').line).toContain(`chmod 700 ${work.runtimeDir}`);

  await chmod(work.runtimeDir, 0o755);
  const readable = await runCli(['doctor', '--json'], env, work.dir);
  expect(readable.code).toBe(0);
  expect(byId(readable.json<DoctorJson>(), 'runtime-dir')).toMatchObject({ level: 'warn' });
});

test('reports a running broker from its discovery file, and warns about one that died', async () => {
  const paths = runtimePaths(work.runtimeDir, accountId({ apiKey: KEY, baseUrl: sandbox.apiUrl }));
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const discovery = (pid: number) =>
    JSON.stringify({
      pid,
      socketPath: paths.socket,
      account: 'x',
      baseUrl: sandbox.apiUrl,
      protocol: PROTOCOL_VERSION,
      store: 'memory',
      startedAt: new Date().toISOString(),
    });
  // This test process stands in for a live broker.
  await writeFile(paths.discovery, discovery(process.pid));
  const live = await runCli(['doctor', '--json'], env, work.dir);
  expect(byId(live.json<DoctorJson>(), 'broker')).toMatchObject({ level: 'ok' });
  expect(byId(live.json<DoctorJson>(), 'broker').line).toContain(`pid ${process.pid}`);

  // The doctor started a real broker for its API checks: stop it, so the dead pid below is all there is.
  for (const pid of await brokerPids(work.runtimeDir)) await stopPid(pid);
  const gone = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => gone.once('exit', resolve));
  await writeFile(paths.discovery, discovery(gone.pid as number));
  const dead = await runCli(['doctor', '--json'], env, work.dir);
  expect(dead.code).toBe(0);
  expect(byId(dead.json<DoctorJson>(), 'broker')).toMatchObject({ level: 'warn' });
  expect(byId(dead.json<DoctorJson>(), 'broker').line).toContain('gone without cleaning up');
});

test('a missing Chromium fails with how to install one', async () => {
  const run = await runCli(
    ['doctor', '--json'],
    { ...env, CHROMIUM_PATH: '/nonexistent/chromium' },
    work.dir,
  );
  expect(run.code).toBe(1);
  expect(byId(run.json<DoctorJson>(), 'browser')).toMatchObject({ level: 'fail' });
  expect(byId(run.json<DoctorJson>(), 'browser').line).toContain('npx playwright install chromium');
});

test.describe('with TEMPNUMBER_REDIS_URL', () => {
  let redis: RedisServer;
  test.beforeAll(async () => {
    redis = await startRedisServer();
  });
  test.afterAll(async () => {
    await redis.stop();
  });

  test('a reachable Redis passes', async () => {
    const run = await runCli(['doctor', '--json'], { ...env, TEMPNUMBER_REDIS_URL: redis.url }, work.dir);
    expect(run.code).toBe(0);
    expect(byId(run.json<DoctorJson>(), 'redis').line).toContain('answered PING');
  });

  test('an unreachable Redis fails, and the password in its URL is never printed', async () => {
    const url = `redis://:pw-Sesame-4f2a@127.0.0.1:${await closedPort()}`;
    const run = await runCli(['doctor'], { ...env, TEMPNUMBER_REDIS_URL: url }, work.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /FAIL\s+Redis\s+Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ did not answer PING/,
    );
    expect(run.stdout + run.stderr).not.toContain('pw-Sesame-4f2a');
  });
});
