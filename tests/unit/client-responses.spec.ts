import { expect, test } from '@playwright/test';
import { createTempNumberClient, UnexpectedResponseError } from '../../src/providers/tempnumber-v1/index.ts';
import { activationBody, type RawReply, type RawServer, startRawServer } from './client-raw-server.ts';

let reply: RawReply = { status: 200, body: {} };
let server: RawServer;
test.beforeAll(async () => {
  server = await startRawServer(() => reply);
});
test.afterAll(async () => server.close());
test.beforeEach(() => {
  server.requests.length = 0;
});

function client(retries = 0) {
  return createTempNumberClient({
    apiKey: 'resp-key-123456',
    baseUrl: server.baseUrl,
    retries,
    timeScale: 1000,
  });
}

test.describe('code is normalised at the edge', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['a JSON number', 5678, '5678'],
    ['a string', '0042', '0042'],
    ['absent', undefined, undefined],
    ['null', null, undefined],
    ['an empty string (no code extracted)', '', undefined],
  ];
  for (const [title, code, expected] of cases) {
    test(`code as ${title} → ${JSON.stringify(expected)}`, async () => {
      reply = { status: 200, body: activationBody(code === undefined ? {} : { code }) };
      const activation = await client().getActivation(101);
      expect(activation.code).toBe(expected);
      expect('code' in activation).toBe(expected !== undefined);
      expect(activation).toMatchObject({ id: 101, status: 'smsRequested', number: 18454123223 });
    });
  }

  test('every activation of a history page is normalised too', async () => {
    reply = {
      status: 200,
      body: {
        activations: [activationBody({ code: 1234 }), activationBody({ id: 102 })],
        page: 1,
        limit: 10,
        pages: 1,
        total: 2,
      },
    };
    const page = await client().getActivationsHistory({ page: 1, limit: 10 });
    expect(page.activations.map((a) => a.code)).toEqual(['1234', undefined]);
    expect(page).toMatchObject({ page: 1, limit: 10, pages: 1, total: 2 });
    expect(server.requests[0]?.url).toBe('/api/v1/activations?page=1&limit=10');
  });
});

test.describe('an answer that is not what v1 promises is an UnexpectedResponseError, never a crash', () => {
  const cases: Array<{
    title: string;
    reply: Exclude<RawReply, string>;
    call: 'activation' | 'history' | 'balance' | 'prices';
    problem: RegExp;
  }> = [
    {
      title: 'an HTML page with 200',
      reply: { status: 200, body: '<!doctype html><h1>Welcome</h1>' },
      call: 'activation',
      problem: /not JSON/,
    },
    {
      title: 'an empty 200 where an activation is due',
      reply: { status: 200, body: '' },
      call: 'activation',
      problem: /not a JSON object/,
    },
    {
      title: 'truncated JSON',
      reply: { status: 200, body: '{"id": 101, "sta' },
      call: 'activation',
      problem: /not JSON/,
    },
    {
      title: 'an activation without a numeric id',
      reply: { status: 200, body: activationBody({ id: '101' }) },
      call: 'activation',
      problem: /numeric "id"/,
    },
    {
      title: 'an activation without a status',
      reply: { status: 200, body: activationBody({ status: undefined }) },
      call: 'activation',
      problem: /string "status"/,
    },
    {
      title: 'history without activations',
      reply: { status: 200, body: { page: 1 } },
      call: 'history',
      problem: /"activations" is not an array/,
    },
    {
      title: 'history with a broken activation',
      reply: { status: 200, body: { activations: [{ id: 'x' }] } },
      call: 'history',
      problem: /activation #0/,
    },
    {
      title: 'a balance without a number',
      reply: { status: 200, body: { balance: 'lots' } },
      call: 'balance',
      problem: /the balance has "balance": "lots", which is not a number/,
    },
    {
      title: 'a price list that is an object',
      reply: { status: 200, body: { c: 'us' } },
      call: 'prices',
      problem: /not an array/,
    },
    {
      title: 'JSON without errorName on a 500',
      reply: { status: 500, body: { message: 'Internal' } },
      call: 'balance',
      problem: /without an "errorName"/,
    },
    {
      title: 'an HTML 502 from a proxy',
      reply: { status: 502, body: '<html>Bad Gateway</html>' },
      call: 'balance',
      problem: /not JSON/,
    },
    {
      title: 'a JSON array on a 400',
      reply: { status: 400, body: [1, 2] },
      call: 'balance',
      problem: /without an "errorName"/,
    },
  ];
  for (const c of cases) {
    test(c.title, async () => {
      reply = c.reply;
      const api = client();
      const call = {
        activation: () => api.getActivation(101),
        history: () => api.getActivationsHistory(),
        balance: () => api.getUserBalance(),
        prices: () => api.getPricelistByCountry(),
      }[c.call];
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      const unexpected = error as UnexpectedResponseError;
      expect(unexpected.status).toBe(c.reply.status);
      expect(unexpected.message).toMatch(c.problem);
      expect(unexpected.bodySnippet.length).toBeLessThanOrEqual(200);
    });
  }

  test('a GET with a garbled body is retried, then fails with the last UnexpectedResponseError', async () => {
    reply = { status: 200, body: '<html>maintenance</html>' };
    const error = await client(3)
      .getSingleService('facebook', 'us')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(server.requests).toHaveLength(4);
  });

  test('a lease answered with garbage says the number was probably leased and how to reconcile', async () => {
    reply = { status: 200, body: '<html>oops</html>' };
    const error = await client(3)
      .newActivation({ serviceId: 'facebook', countryId: 'us' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as Error).message).toMatch(/probably leased.*GET \/activations \(history\)/);
    expect(server.requests).toHaveLength(1);
  });
});

test.describe('looser but valid answers are accepted', () => {
  test('PUT answered 204 with no body is a success', async () => {
    reply = { status: 204 };
    expect(await client().updateActivation(101, { status: 'retry' })).toEqual({ result: 'success' });
    expect(server.requests[0]).toMatchObject({ method: 'PUT', url: '/api/v1/activations/101' });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ status: 'retry' });
  });

  test('a balance as numeric strings is read as numbers', async () => {
    reply = { status: 200, body: { balance: '12.50', review_balance: '1' } };
    expect(await client().getUserBalance()).toEqual({ balance: 12.5, review_balance: 1 });
  });

  test('unknown extra fields are kept', async () => {
    reply = { status: 200, body: activationBody({ somethingNew: true }) };
    expect(await client().getActivation(101)).toMatchObject({ somethingNew: true });
  });
});

test.describe('money arrives as a number or the answer is refused, never as a string', () => {
  const calls = {
    activation: (api: ReturnType<typeof client>) => api.getActivation(101),
    lease: (api: ReturnType<typeof client>) => api.newActivation({ serviceId: 'facebook', countryId: 'us' }),
    history: (api: ReturnType<typeof client>) => api.getActivationsHistory(),
    balance: (api: ReturnType<typeof client>) => api.getUserBalance(),
    byCountry: (api: ReturnType<typeof client>) => api.getPricelistByCountry(),
    byService: (api: ReturnType<typeof client>) => api.getPricelistByService(),
    service: (api: ReturnType<typeof client>) => api.getSingleService('facebook', 'us'),
  } as const;
  /** Every money field of every shape: where it sits in a body, and how to read it back. */
  const fields: Array<{
    field: string;
    call: keyof typeof calls;
    body: (amount: unknown) => unknown;
    read: (answer: unknown) => unknown;
    /** Balances may be negative; prices may not. */
    price: boolean;
  }> = [
    {
      field: 'price',
      call: 'activation',
      body: (price) => activationBody({ price }),
      read: (a) => (a as { price: unknown }).price,
      price: true,
    },
    {
      field: 'price',
      call: 'lease',
      body: (price) => activationBody({ price }),
      read: (a) => (a as { price: unknown }).price,
      price: true,
    },
    {
      field: 'price',
      call: 'history',
      body: (price) => ({ activations: [activationBody(), activationBody({ id: 102, price })] }),
      read: (page) => (page as { activations: Array<{ price: unknown }> }).activations[1]?.price,
      price: true,
    },
    {
      field: 'balance',
      call: 'balance',
      body: (balance) => ({ balance, review_balance: 0 }),
      read: (b) => (b as { balance: unknown }).balance,
      price: false,
    },
    {
      field: 'review_balance',
      call: 'balance',
      body: (review) => ({ balance: 3, review_balance: review }),
      read: (b) => (b as { review_balance: unknown }).review_balance,
      price: false,
    },
    {
      field: 'p',
      call: 'byCountry',
      body: (p) => [
        {
          c: 'us',
          services: [
            { s: 'other', p: 0.1 },
            { s: 'facebook', p },
          ],
        },
      ],
      read: (list) => (list as Array<{ services: Array<{ p: unknown }> }>)[0]?.services[1]?.p,
      price: true,
    },
    {
      field: 'p',
      call: 'byService',
      body: (p) => [{ s: 'facebook', countries: [{ c: 'us', p }] }],
      read: (list) => (list as Array<{ countries: Array<{ p: unknown }> }>)[0]?.countries[0]?.p,
      price: true,
    },
    {
      field: 'price',
      call: 'service',
      body: (price) => ({
        iconBaseUrl: 'https://tn-api.com/icons/',
        services: [{ serviceId: 'facebook', countryId: 'us', price, hasNumbers: true }],
      }),
      read: (s) => (s as { services: Array<{ price: unknown }> }).services[0]?.price,
      price: true,
    },
  ];

  const accepted: Array<[unknown, number]> = [
    [0.35, 0.35],
    ['0.35', 0.35],
    ['12', 12],
    ['0', 0],
    ['1.5E-2', 0.015],
  ];
  const refused: unknown[] = ['abc', '', ' ', 'NaN', 'Infinity', '0x10', '1,50', '$0.35', true, {}, [0.35]];

  for (const f of fields) {
    test(`${f.call} "${f.field}": a number or numeric string is read as a number`, async () => {
      for (const [wire, expected] of accepted) {
        reply = { status: 200, body: f.body(wire) as object };
        const answer = await calls[f.call](client());
        expect(f.read(answer), JSON.stringify(wire)).toBe(expected);
      }
    });

    test(`${f.call} "${f.field}": anything else is an UnexpectedResponseError naming the field and value`, async () => {
      const negative: unknown[] = f.price ? [-0.35, '-0.35'] : [];
      for (const wire of [...refused, ...negative]) {
        reply = { status: 200, body: f.body(wire) as object };
        const error = await calls[f.call](client()).catch((e: unknown) => e);
        expect(error, JSON.stringify(wire)).toBeInstanceOf(UnexpectedResponseError);
        expect((error as Error).message).toContain(`"${f.field}": ${JSON.stringify(wire)}, which is not`);
      }
    });
  }

  test('a negative balance is a number like any other (only prices must be non-negative)', async () => {
    reply = { status: 200, body: { balance: '-1.25' } };
    expect(await client().getUserBalance()).toEqual({ balance: -1.25 });
  });

  test('an activation without a price, or with a null one, has no price rather than a bad one', async () => {
    for (const body of [activationBody({ price: undefined }), activationBody({ price: null })]) {
      reply = { status: 200, body };
      const activation = await client().getActivation(101);
      expect('price' in activation).toBe(false);
    }
  });

  test('a price list entry or a service without its price is refused: it says nothing usable', async () => {
    reply = { status: 200, body: [{ c: 'us', services: [{ s: 'facebook' }] }] };
    const list = await client()
      .getPricelistByCountry()
      .catch((e: unknown) => e);
    expect(list).toBeInstanceOf(UnexpectedResponseError);
    expect((list as Error).message).toContain('price list entry #0\'s "services" #0 has no "p"');

    reply = {
      status: 200,
      body: { iconBaseUrl: '', services: [{ serviceId: 'facebook', countryId: 'us' }] },
    };
    const service = await client()
      .getSingleService('facebook', 'us')
      .catch((e: unknown) => e);
    expect(service).toBeInstanceOf(UnexpectedResponseError);
    expect((service as Error).message).toContain('service #0 has no "price"');
  });

  test('a price that cannot be read in a lease says the number was probably leased', async () => {
    reply = { status: 200, body: activationBody({ price: 'free' }) };
    const error = await client()
      .newActivation({ serviceId: 'facebook', countryId: 'us' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as Error).message).toMatch(/"price": "free".*probably leased/);
  });
});
