import { expect, test } from '@playwright/test';
import {
  ApiError,
  createTempNumberClient,
  NetworkError,
  UnexpectedResponseError,
} from '../../src/providers/tempnumber-v1/index.ts';
import { PAIRS_WITHOUT_NUMBERS, PRICE_TABLE, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

const KEY = 'faults-key-9c21d7';
const TIME_SCALE = 600;

let sandbox: Sandbox;
test.beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKeys: [KEY], timeScale: TIME_SCALE, seed: 7 });
});
test.afterEach(async () => sandbox.close());

test('with half the answers failing and some connections dropped, GETs succeed through retries', async () => {
  const client = createTempNumberClient({
    apiKey: KEY,
    baseUrl: sandbox.apiUrl,
    timeScale: TIME_SCALE,
    retries: 15,
  });
  const leased = await client.newActivation({ serviceId: 'facebook', countryId: 'us' });
  sandbox.setFaults({ errorRate: 0.5, dropRate: 0.1 });

  const calls = 20;
  const results = await Promise.all(Array.from({ length: calls }, () => client.getActivation(leased.id)));
  expect(results.every((a) => a.id === leased.id)).toBe(true);
  // Retries really happened: the sandbox saw more requests than calls.
  expect(sandbox.state().requestsByBucket['GET /activations/:id']).toBeGreaterThan(calls);
});

test('under the same faults a lease fails at once, and the sandbox holds one activation per POST at most', async () => {
  const client = createTempNumberClient({
    apiKey: KEY,
    baseUrl: sandbox.apiUrl,
    timeScale: TIME_SCALE,
    retries: 15,
  });
  sandbox.setFaults({ errorRate: 0.5, dropRate: 0.2 });
  // One lease per distinct pair, so the delivery-rate rule never applies.
  const noNumbers = new Set(PAIRS_WITHOUT_NUMBERS.map(([s, c]) => `${s}/${c}`));
  const pairs = Object.entries(PRICE_TABLE)
    .flatMap(([s, countries]) => Object.keys(countries).map((c) => [s, c] as const))
    .filter(([s, c]) => !noNumbers.has(`${s}/${c}`))
    .slice(0, 15);

  const outcomes = await Promise.all(
    pairs.map(([serviceId, countryId]) =>
      client.newActivation({ serviceId, countryId }).then(
        () => 'leased' as const,
        (error: unknown) => {
          if (error instanceof NetworkError) {
            expect(error.message).toMatch(/lease may have happened/);
            return 'lost' as const; // dropped on the way back: the sandbox did lease
          }
          expect(error).toBeInstanceOf(ApiError);
          expect((error as ApiError).family).toBe('serviceUnavailable'); // the injected fault
          return 'refused' as const;
        },
      ),
    ),
  );
  const count = (o: string) => outcomes.filter((x) => x === o).length;
  expect(count('refused') + count('lost')).toBeGreaterThan(0);

  const state = sandbox.state();
  // Never retried: exactly one POST per call reached the sandbox...
  expect(state.requestsByBucket['POST /activations']).toBe(pairs.length);
  // ...so no pair was leased twice, and every lease is one the client saw or was warned about.
  expect(state.activations).toHaveLength(count('leased') + count('lost'));
  const leasedPairs = state.activations.map((a) => `${a.serviceId}/${a.countryId}`);
  expect(new Set(leasedPairs).size).toBe(leasedPairs.length);
});

test('garbled bodies surface as UnexpectedResponseError after the GET retries are spent', async () => {
  const retries = 3;
  const client = createTempNumberClient({
    apiKey: KEY,
    baseUrl: sandbox.apiUrl,
    timeScale: TIME_SCALE,
    retries,
  });
  sandbox.setFaults({ malformedRate: 1 });
  const error = await client.getUserBalance().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnexpectedResponseError);
  expect(error).toMatchObject({ status: 200, method: 'GET', path: '/user/balance' });
  expect(sandbox.state().requestsByBucket['GET /user/balance']).toBe(retries + 1);
});

test('a garbled answer to a lease is not retried and says how to reconcile', async () => {
  const client = createTempNumberClient({ apiKey: KEY, baseUrl: sandbox.apiUrl, timeScale: TIME_SCALE });
  sandbox.setFaults({ malformedRate: 1 });
  const error = await client
    .newActivation({ serviceId: 'facebook', countryId: 'us' })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnexpectedResponseError);
  expect((error as Error).message).toMatch(/probably leased.*GET \/activations \(history\)/);
  sandbox.setFaults({});
  const state = sandbox.state();
  expect(state.requestsByBucket['POST /activations']).toBe(1);
  expect(state.activations).toHaveLength(1);
  // Reconciling through history finds it.
  const history = await client.getActivationsHistory();
  expect(history.activations.map((a) => a.id)).toEqual([state.activations[0]?.id]);
});
