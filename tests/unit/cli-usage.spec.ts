import { expect, test } from '@playwright/test';
import { EXIT_CODES } from '../../src/cli/frame.ts';
import { makeCliWorkdir, runCli } from '../helpers/cli-process.ts';

// No API is running: a usage error must be reported before any settings or request are needed.
const ENV = {
  TEMPNUMBER_API_KEY: 'tn_cli_usage_KEY_123456789',
  TEMPNUMBER_BASE_URL: 'http://127.0.0.1:9/api/v1',
};

let work: Awaited<ReturnType<typeof makeCliWorkdir>>;
test.beforeEach(async () => {
  work = await makeCliWorkdir();
});
test.afterEach(async () => {
  await work.remove();
});

const BAD_COMMAND_LINES: Array<{ args: string[]; says: string }> = [
  { args: ['balance', '--bogus'], says: 'Unknown option --bogus for `balance`' },
  { args: ['balance', 'extra'], says: 'Unexpected argument "extra"' },
  { args: ['balance', '--json=yes'], says: '--json takes no value' },
  { args: ['prices', '--servce', 'facebook'], says: 'Did you mean --service?' },
  { args: ['prices', '--country'], says: '--country needs a value' },
  {
    args: ['history', '--limit', '500'],
    says: 'Expected `--limit` to be an integer from 1 to 100, got "500"',
  },
  { args: ['history', '--limit'], says: '--limit needs a value' },
  { args: ['doctor', '--tests', 'many'], says: 'Expected `--tests` to be an integer' },
  { args: ['doctor', '--price', '-1'], says: 'For a value starting with "-", write --price=<value>' },
  { args: ['doctor', '--price=abc'], says: 'Expected `--price` to be a non-negative number' },
];

for (const { args, says } of BAD_COMMAND_LINES) {
  test(`\`${args.join(' ')}\` exits 2 and says what is wrong`, async () => {
    const run = await runCli(args, ENV, work.dir);
    expect(run.code).toBe(EXIT_CODES.usage.code);
    expect(run.stderr).toContain(says);
    expect(run.stderr).toContain(`playwright-tempnumber ${args[0]} --help`);
    expect(run.stdout).toBe('');
  });
}

test('a usage error with --json is a JSON document on stdout', async () => {
  const run = await runCli(['history', '--limit', '0', '--json'], ENV, work.dir);
  expect(run.code).toBe(2);
  expect(run.json()).toEqual({
    error: {
      name: 'UsageError',
      message:
        'Expected `--limit` to be an integer from 1 to 100, got "0". Run `playwright-tempnumber history --help` for its options.',
      exitCode: 2,
    },
  });
});

for (const command of ['balance', 'prices', 'history', 'doctor']) {
  test(`\`${command} --help\` exits 0 with its options and the exit-code table, even next to a bad flag`, async () => {
    const run = await runCli([command, '--nonsense', '--help'], { TEMPNUMBER_API_KEY: undefined }, work.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: playwright-tempnumber ${command}`);
    expect(run.stdout).toContain('--json');
    for (const { code, meaning } of Object.values(EXIT_CODES))
      expect(run.stdout).toContain(`${code}  ${meaning}`);
  });
}

test('the command list shows the operator commands', async () => {
  const run = await runCli(['--help'], {}, work.dir);
  expect(run.code).toBe(0);
  for (const command of ['balance', 'prices', 'history', 'doctor'])
    expect(run.stdout).toMatch(new RegExp(`\\n  ${command}\\s`));
});
