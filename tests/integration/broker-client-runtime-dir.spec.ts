import { chmod, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { connectBroker, ensureRuntimeDir } from '../../src/broker/index.ts';
import { runtimePaths } from '../../src/broker/runtime-paths.ts';
import { accountId } from '../../src/config/settings.ts';
import { ConfigurationError } from '../../src/contract/errors.ts';
import { makeApiKey } from '../helpers/broker-test-env.ts';

let root: string;

test.beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tn-runtime-dir-'));
});

test.afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

test('a missing runtime dir is created with mode 0700', async () => {
  const dir = join(root, 'a', 'b');
  await ensureRuntimeDir(dir);
  expect((await stat(dir)).mode & 0o777).toBe(0o700);
});

test('an existing private dir is accepted as it is', async () => {
  const dir = join(root, 'private');
  await mkdir(dir, { mode: 0o700 });
  await ensureRuntimeDir(dir);
  expect((await stat(dir)).mode & 0o777).toBe(0o700);
});

for (const mode of [0o777, 0o770, 0o702]) {
  test(`a runtime dir with mode ${mode.toString(8)} is refused with how to fix it`, async () => {
    const dir = join(root, 'shared');
    await mkdir(dir);
    await chmod(dir, mode);
    const attempt = ensureRuntimeDir(dir);
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    await expect(ensureRuntimeDir(dir)).rejects.toThrow(`chmod 700 ${dir}`);
    await expect(ensureRuntimeDir(dir)).rejects.toThrow(/TEMPNUMBER_RUNTIME_DIR/);
    // Refusing must not "fix" the mode behind the user's back.
    expect((await stat(dir)).mode & 0o777).toBe(mode);
  });
}

test('a symbolic link in place of the runtime dir is refused', async () => {
  const target = join(root, 'target');
  await mkdir(target, { mode: 0o700 });
  const link = join(root, 'link');
  await symlink(target, link);
  await expect(ensureRuntimeDir(link)).rejects.toThrow(/symbolic link/);
});

test('connectBroker refuses a 0777 runtime dir before starting anything', async () => {
  await chmod(root, 0o777);
  const attempt = connectBroker({
    apiKey: makeApiKey(),
    baseUrl: 'http://127.0.0.1:9/api/v1',
    runtimeDir: root,
  });
  await expect(attempt).rejects.toThrow(ConfigurationError);
  await expect(
    connectBroker({ apiKey: makeApiKey(), baseUrl: 'http://127.0.0.1:9/api/v1', runtimeDir: root }),
  ).rejects.toThrow(/mode 777.*chmod 700/s);
  expect(await readdir(root)).toEqual([]);
});

test('connectBroker refuses a group-writable account dir inside a private runtime dir', async () => {
  await chmod(root, 0o700);
  const apiKey = makeApiKey();
  const baseUrl = 'http://127.0.0.1:9/api/v1';
  const paths = runtimePaths(root, accountId({ apiKey, baseUrl }));
  await mkdir(paths.dir);
  await chmod(paths.dir, 0o775);
  const error = await connectBroker({ apiKey, baseUrl, runtimeDir: root }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigurationError);
  expect((error as Error).message).toContain(paths.dir);
  expect((error as Error).message).not.toContain(apiKey);
  expect(await readdir(paths.dir)).toEqual([]);
});
