import { inspect } from 'node:util';
import { expect, test } from '@playwright/test';
import {
  ApiError,
  ConfigurationError,
  createTempNumberClient,
  NetworkError,
  PriceChangedError,
  RateLimitedError,
  type TempNumberClient,
  UnexpectedResponseError,
} from '../../src/providers/tempnumber-v1/index.ts';
import { type RawReply, startRawServer } from './client-raw-server.ts';

// Distinctive, and echoed back by the scripted server in every way a careless API could.
const API_KEY = 'sk_live_SECRET_7f3a9c1e5b';

/** Every way an error may be shown or shipped: all must be free of the key. */
function renderings(error: unknown): string[] {
  const out: string[] = [
    String(error),
    inspect(error, { depth: Infinity, showHidden: true }),
    JSON.stringify(error),
    JSON.stringify(
      Object.getOwnPropertyNames(error).map((k) => [k, String((error as Record<string, unknown>)[k])]),
    ),
  ];
  let cause: unknown = (error as { cause?: unknown }).cause;
  for (let i = 0; cause !== undefined && i < 10; i++) {
    out.push(
      String(cause),
      inspect(cause, { depth: Infinity, showHidden: true }),
      JSON.stringify(cause) ?? '',
    );
    const stack = (cause as { stack?: unknown }).stack;
    if (typeof stack === 'string') out.push(stack);
    cause = (cause as { cause?: unknown }).cause;
  }
  const stack = (error as { stack?: unknown }).stack;
  if (typeof stack === 'string') out.push(stack);
  return out;
}

const echo = (status: number, errorName: string): RawReply => ({
  status,
  headers: { 'x-echo': API_KEY },
  body: { errorName, errorMessage: `key ${API_KEY} is not welcome`, newPrice: 2, detail: API_KEY },
});

const KINDS: Array<{
  title: string;
  reply: RawReply;
  call: (c: TempNumberClient) => Promise<unknown>;
  expected: new (...args: never[]) => Error;
  timeoutMs?: number;
}> = [
  {
    title: 'ApiError (401 echoing the key)',
    reply: echo(401, 'UnauthorizedException'),
    call: (c) => c.getUserBalance(),
    expected: ApiError,
  },
  {
    title: 'RateLimitedError',
    reply: echo(429, 'TooManyRequestsException'),
    call: (c) => c.getUserBalance(),
    expected: RateLimitedError,
  },
  {
    title: 'PriceChangedError',
    reply: echo(409, 'expectedPriceErrorException'),
    call: (c) => c.newActivation({ serviceId: 'facebook', countryId: 'us', expectedPrice: 1 }),
    expected: PriceChangedError,
  },
  {
    title: 'UnexpectedResponseError (HTML echoing the key)',
    reply: { status: 200, body: `<html>Hello ${API_KEY}</html>` },
    call: (c) => c.getActivation(1),
    expected: UnexpectedResponseError,
  },
  {
    title: 'NetworkError (reset)',
    reply: 'reset',
    call: (c) => c.newActivation({ serviceId: 'a', countryId: 'b' }),
    expected: NetworkError,
  },
  {
    title: 'NetworkError (timeout)',
    reply: 'hang',
    call: (c) => c.getUserBalance(),
    expected: NetworkError,
    timeoutMs: 50,
  },
];

for (const kind of KINDS) {
  test(`the API key never appears in a ${kind.title}: message, properties, cause, inspect, JSON`, async () => {
    const server = await startRawServer(() => kind.reply);
    try {
      const client = createTempNumberClient({
        apiKey: API_KEY,
        baseUrl: server.baseUrl,
        retries: 0,
        timeScale: 1000,
        timeoutMs: kind.timeoutMs ?? 5000,
      });
      const error = await kind.call(client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(kind.expected);
      // The key did go out (so the test proves scrubbing, not absence).
      expect(server.requests[0]?.headers['x-api-key']).toBe(API_KEY);
      for (const text of renderings(error)) expect(text).not.toContain(API_KEY);
    } finally {
      await server.close();
    }
  });
}

test('the API key never appears in a refused connection error', async () => {
  const server = await startRawServer(() => 'reset');
  await server.close();
  const client = createTempNumberClient({ apiKey: API_KEY, baseUrl: server.baseUrl, retries: 0 });
  const error = await client.getUserBalance().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NetworkError);
  expect((error as Error).cause).toBeDefined();
  for (const text of renderings(error)) expect(text).not.toContain(API_KEY);
});

test('the API key never appears in a configuration error', async () => {
  let error: unknown;
  try {
    createTempNumberClient({ apiKey: API_KEY, baseUrl: `ftp://${API_KEY}@example` });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  expect((error as Error).message).toContain('ftp://');
  for (const text of renderings(error)) expect(text).not.toContain(API_KEY);
  const client = createTempNumberClient({ apiKey: API_KEY, timeScale: 1000 });
  const bad = await client.getActivation(-1).catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(ConfigurationError);
  for (const text of renderings(bad)) expect(text).not.toContain(API_KEY);
});

test('a redirect is not followed, so the API key never travels to another host', async () => {
  const elsewhere = await startRawServer(() => ({ status: 200, body: { balance: 1 } }));
  const server = await startRawServer(() => ({
    status: 302,
    headers: { location: `${elsewhere.baseUrl}/user/balance` },
    body: '',
  }));
  try {
    const client = createTempNumberClient({
      apiKey: API_KEY,
      baseUrl: server.baseUrl,
      retries: 2,
      timeScale: 1000,
    });
    const error = await client.getUserBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ status: 302 });
    expect((error as Error).message).toContain('TEMPNUMBER_BASE_URL');
    expect(server.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  } finally {
    await server.close();
    await elsewhere.close();
  }
});
