import { expect, test } from '@playwright/test';
import { closestNames } from '../../src/cli/format.ts';
import {
  type CommandSpec,
  formatHelp,
  type OptionsSpec,
  outcomeOf,
  parseAmountOption,
  parseCommandArgs,
  parseIntegerOption,
  UsageError,
} from '../../src/cli/frame.ts';
import {
  ApiError,
  ConfigurationError,
  NetworkError,
  RateLimitedError,
} from '../../src/providers/tempnumber-v1/index.ts';

const SPEC = {
  name: 'demo',
  summary: 'A demo command',
  options: {
    service: { type: 'string', valueName: 'id', description: 'A service' },
    refresh: { type: 'boolean', description: 'Refresh' },
  },
} as const satisfies CommandSpec<OptionsSpec>;

test('parses string and boolean options, and the common --json', () => {
  expect(parseCommandArgs(SPEC, ['--service', 'facebook', '--refresh', '--json'])).toEqual({
    service: 'facebook',
    refresh: true,
    json: true,
    help: false,
  });
  expect(parseCommandArgs(SPEC, [])).toEqual({ json: false, help: false });
});

test('--help or -h wins over any other problem on the line', () => {
  expect(parseCommandArgs(SPEC, ['--nope', '-h'])).toMatchObject({ help: true });
  expect(parseCommandArgs(SPEC, ['--help', '--json'])).toMatchObject({ help: true, json: true });
});

test('unknown options and positionals are UsageErrors that name them', () => {
  expect(() => parseCommandArgs(SPEC, ['--refesh'])).toThrow(
    /Unknown option --refesh .*Did you mean --refresh\?/,
  );
  expect(() => parseCommandArgs(SPEC, ['stray'])).toThrow(UsageError);
});

const INTEGER_CASES: Array<[string | undefined, number | 'error']> = [
  [undefined, 20],
  ['1', 1],
  ['100', 100],
  [' 7 ', 7],
  ['0', 'error'],
  ['101', 'error'],
  ['1.5', 'error'],
  ['1e2', 'error'],
  ['', 'error'],
];
for (const [raw, expected] of INTEGER_CASES) {
  test(`integer option ${JSON.stringify(raw)} → ${expected}`, () => {
    const parse = () => parseIntegerOption(raw, 'limit', { min: 1, max: 100, fallback: 20 });
    if (expected === 'error') expect(parse).toThrow(/Expected `--limit` to be an integer from 1 to 100/);
    else expect(parse()).toBe(expected);
  });
}

test('amount options accept decimals and refuse anything else', () => {
  expect(parseAmountOption(undefined, 'price', 1)).toBe(1);
  expect(parseAmountOption('0.45', 'price', 1)).toBe(0.45);
  expect(parseAmountOption('3', 'price', 1)).toBe(3);
  for (const bad of ['-1', 'abc', '1,5', '.5', 'Infinity'])
    expect(() => parseAmountOption(bad, 'price', 1)).toThrow(UsageError);
});

test('help lists every option with its value name, and the usage line', () => {
  const help = formatHelp(SPEC);
  expect(help).toContain('Usage: playwright-tempnumber demo [--service <id>] [--refresh] [--json]');
  expect(help).toMatch(/--service <id>\s+A service/);
  expect(help).toMatch(/-h, --help\s+Show this help/);
});

test('suggestions allow one edit for short ids and two for longer ones', () => {
  expect(closestNames('facebok', ['facebook', 'twitter'])).toEqual(['facebook']);
  expect(closestNames('uk', ['us', 'gb', 'ua'])).toEqual(['ua', 'us']);
  expect(closestNames('xx', ['us', 'gb'])).toEqual([]);
});

test('every error maps to the outcome of the exit-code table', () => {
  const request = { method: 'GET', path: '/user/balance' };
  expect(outcomeOf(new UsageError('x'))).toBe('usage');
  expect(outcomeOf(new ConfigurationError('x'))).toBe('configuration');
  expect(outcomeOf(new NetworkError({ ...request, timedOut: true }))).toBe('unreachable');
  expect(
    outcomeOf(
      new ApiError({
        ...request,
        status: 401,
        errorName: 'UnauthorizedException',
        errorMessage: 'no',
        family: 'unauthorized',
      }),
    ),
  ).toBe('refused');
  expect(
    outcomeOf(
      new RateLimitedError({
        ...request,
        status: 429,
        errorName: 'TooManyRequestsException',
        errorMessage: 'slow',
      }),
    ),
  ).toBe('refused');
  expect(outcomeOf(new TypeError('bug'))).toBe('failure');
});
