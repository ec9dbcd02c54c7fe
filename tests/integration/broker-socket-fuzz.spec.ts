/**
 * The broker's socket is its edge: anything may be written to it. Malformed lines against a
 * real broker process (and a real sandbox) must each get an error answer, never the broker's
 * context (API key, Redis URL, settings), and must never take the broker down.
 */

import { stat } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import fc from 'fast-check';
import { REQUEST_FIELDS } from '../../src/broker/server/handlers.ts';
import { MAX_LINE_LENGTH } from '../../src/broker/server/server.ts';
import { expect, test } from '../helpers/broker-server-test.ts';

/** A socket that writes raw lines and keeps every answer line, unparsed. */
interface LineSocket {
  write(line: string): void;
  /** Every answer line so far. */
  readonly answers: string[];
  /** Resolves with the first answer line containing `text`. */
  answerContaining(text: string, timeoutMs?: number): Promise<string>;
  readonly closed: Promise<void>;
  close(): void;
}

async function openLineSocket(path: string): Promise<LineSocket> {
  const socket: Socket = createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setEncoding('utf8');
  socket.on('error', () => {}); // the broker may cut a connection that sent a huge line
  const answers: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    answers.push(...parts);
    for (const w of waiters) w();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    write: (line) => void socket.write(`${line}\n`),
    answers,
    answerContaining: (text, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = answers.find((a) => a.includes(text));
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no answer containing ${text} within ${timeoutMs} ms; got ${answers.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    closed,
    close: () => void socket.destroy(),
  };
}

/** Keys an object inherits from Object.prototype: not operations of the broker. */
const PROTOTYPE_OPS = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
];

/** A value of the right type for every field type, to build an otherwise valid request. */
const VALID: Record<string, unknown> = {
  string: 'x',
  number: 1,
  integer: 1,
  boolean: false,
  object: {},
  'string[]': ['x'],
  'integer[]': [1],
};

/** Values of the wrong type, per field type. */
const WRONG: Record<string, unknown[]> = {
  string: [1, null, true, [], {}, ['x']],
  number: ['1', null, true, [], {}],
  integer: [1.5, '1', null, false, [1], {}],
  boolean: ['true', 0, 1, null, [], {}],
  object: ['x', 1, null, [], true],
  'string[]': ['us', [1], ['us', null], {}, null, 7],
  'integer[]': [1, [1.5], ['1'], [null], {}, 'x'],
};

test('prototype keys and unknown ops are answered as unknown operations, never with the context', async ({
  world,
  broker,
  apiKey,
}) => {
  const socket = await openLineSocket(world.paths.socket);
  for (const [i, op] of PROTOTYPE_OPS.entries()) socket.write(JSON.stringify({ id: i + 1, op }));
  // `__proto__` as a key of the request itself: JSON.parse makes it an own field, nothing more.
  socket.write('{"id":100,"__proto__":{"op":"status"}}');
  socket.write('{"id":101,"op":{"toString":"status"}}');
  socket.write('{"id":102,"op":["status"]}');
  await socket.answerContaining('"id":102');
  await expect.poll(() => socket.answers.length).toBe(PROTOTYPE_OPS.length + 3);
  for (const line of socket.answers) {
    const answer = JSON.parse(line) as { ok: boolean; error?: { message: string } };
    expect(answer.ok, line).toBe(false);
    expect(answer.error?.message, line).toMatch(/^Unknown broker operation .*: expected one of hello, /);
    expect(line).not.toContain(apiKey);
    expect(line).not.toMatch(/apiKey|redisUrl|runtimeDir/);
  }
  socket.close();
  expect(broker.child.exitCode).toBeNull();
});

test('a field of the wrong type, for every field of every op, is refused naming the field', async ({
  world,
  broker,
  apiKey,
}) => {
  const socket = await openLineSocket(world.paths.socket);
  const sent: Array<{ id: number; op: string; field: string }> = [];
  let id = 1;
  for (const [op, fields] of Object.entries(REQUEST_FIELDS) as Array<[string, Record<string, string>]>) {
    const valid = Object.fromEntries(
      Object.entries(fields).map(([field, rule]) => [field, VALID[rule.replace('?', '')]]),
    );
    for (const [field, rule] of Object.entries(fields)) {
      for (const wrong of WRONG[rule.replace('?', '')] ?? []) {
        sent.push({ id, op, field });
        socket.write(JSON.stringify({ ...valid, id: id++, op, [field]: wrong }));
      }
    }
  }
  await socket.answerContaining(`"id":${id - 1},`);
  await expect.poll(() => socket.answers.length).toBe(sent.length);
  const byId = new Map(socket.answers.map((line) => [(JSON.parse(line) as { id: number }).id, line]));
  for (const { id: sentId, op, field } of sent) {
    const line = byId.get(sentId) ?? '';
    expect(line, `${op}.${field}`).toContain(`Expected \`${field}\` of a \`${op}\` request to be`);
    expect(line).not.toContain(apiKey);
  }
  // Nothing of it reached a handler: in particular no `stop` went through.
  expect(broker.child.exitCode).toBeNull();
  socket.close();
});

test('a line over the cap is answered with a clear error and the connection closed, without buffering it', async ({
  world,
  broker,
  connect,
}) => {
  for (const line of [
    // A huge line in one go (a few MB, with its newline) …
    `{"id":1,"op":"status","pad":"${'x'.repeat(3 * MAX_LINE_LENGTH)}"}`,
    // … and one that never ends.
    'y'.repeat(4 * MAX_LINE_LENGTH),
  ]) {
    const socket = await openLineSocket(world.paths.socket);
    socket.write(line);
    const answer = await socket.answerContaining('longer than the broker accepts');
    expect(JSON.parse(answer)).toMatchObject({ id: -1, ok: false, error: { name: 'TempNumberError' } });
    await socket.closed;
  }
  // The broker is still there and its memory did not keep the lines.
  const status = await (await connect()).request<{ pid: number }>({ op: 'status' });
  expect(status.pid).toBe(broker.pid);
  expect((await stat(world.paths.socket)).isSocket()).toBe(true);
});

test('400 random malformed lines: every answer is JSON without the key or settings, and the broker still answers', async ({
  world,
  broker,
  apiKey,
  connect,
}) => {
  const ops = [...Object.keys(REQUEST_FIELDS).filter((op) => op !== 'stop'), ...PROTOTYPE_OPS];
  const line = fc.oneof(
    // Any JSON value at all.
    fc.jsonValue().map((v) => JSON.stringify(v)),
    // Something shaped like a request, with random field values.
    fc
      .record({
        id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
        op: fc.oneof(fc.constantFrom(...ops), fc.jsonValue()),
        fields: fc.dictionary(
          fc.oneof(
            fc.constantFrom('activationId', 'countries', 'service', 'what', 'settings', 'holdMs'),
            fc.string(),
          ),
          fc.jsonValue(),
        ),
      })
      .map(({ id, op, fields }) => JSON.stringify({ ...fields, id, op })),
    // Not JSON.
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
  const lines = fc.sample(line, { numRuns: 400, seed: 20_240_607 });
  const socket = await openLineSocket(world.paths.socket);
  for (const l of lines) socket.write(l);
  socket.write('{"id":987654321,"op":"heartbeat"}');
  await socket.answerContaining('"id":987654321');
  expect(socket.answers.length).toBeGreaterThan(300);
  for (const answer of socket.answers) {
    expect(answer).not.toContain(apiKey);
    expect(answer).not.toMatch(/"(apiKey|redisUrl|runtimeDir|settings)"/);
    expect(() => JSON.parse(answer)).not.toThrow();
  }
  socket.close();
  const status = await (await connect()).request<{ pid: number }>({ op: 'status' });
  expect(status.pid).toBe(broker.pid);
  expect(broker.output()).not.toContain(apiKey);
});
