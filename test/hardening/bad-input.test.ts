/**
 * Hostile and malformed input against a running server: each case gets its documented
 * answer (docs/fault-catalogue.md), and the server still answers a normal request on a
 * new connection afterwards. Runs against the echo handler and a strict async handler.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { echoHandler, type Handler } from '../../src/dispatch/handler.js';
import { OpPrereqError } from '../../src/errors.js';
import { FAILED_TO_PARSE, RawPeer, normalRequest, startServer, type Answer } from './raw.js';

/** Like Luxi's parser: method must be a string, args a list; exec is asynchronous. */
const strictAsyncHandler: Handler<{ method: string; args: unknown[] }, unknown> = {
  parse(method, args) {
    if (typeof method !== 'string') throw new Error(`method must be a string, got ${typeof method}`);
    if (!Array.isArray(args)) throw new Error('args must be a list');
    return { method, args };
  },
  async exec({ method, args }) {
    await new Promise((resolve) => setImmediate(resolve));
    if (method === 'fail') throw new OpPrereqError('asked to fail', 'wrong_input');
    if (method === 'method') return method;
    return args;
  },
};

/** What a case expects back. */
type Expect = { kind: 'parse-failure'; includes: string } | { kind: 'answer'; answers: Answer[] } | { kind: 'closed-silently' };

interface Case {
  name: string;
  input: Buffer | string | Array<Buffer | string>;
  /** Half-close after writing (EOF). */
  end?: boolean;
  echo: Expect;
  strict: Expect;
}

const ok = (result: unknown): Expect => ({ kind: 'answer', answers: [{ success: true, result }] });
const failed = (includes: string): Expect => ({ kind: 'parse-failure', includes });
const both = (e: Expect): { echo: Expect; strict: Expect } => ({ echo: e, strict: e });

const TEN_K_DIGITS = '9'.repeat(5000) + '1'.repeat(5000);
const DEEP = 100_000;

const cases: Case[] = [
  { name: 'invalid JSON', input: '{"method":"echo","args":[1,]}\x03', ...both(failed('parsing top-level JSON message: Invalid JSON')) },
  { name: 'truncated JSON', input: '{"method":"echo","args":[\x03', ...both(failed('Invalid JSON')) },
  { name: 'a JSON array at the top level', input: '[1,2]\x03', ...both(failed('expected a JSON object, got an array')) },
  { name: 'a JSON string at the top level', input: '"hello"\x03', ...both(failed('expected a JSON object, got string')) },
  { name: 'JSON null at the top level', input: 'null\x03', ...both(failed('expected a JSON object, got object')) },
  { name: 'a missing method key', input: '{"args":[]}\x03', ...both(failed(`key 'method' not found, object contains only ["args"]`)) },
  { name: 'a missing args key', input: '{"method":"echo"}\x03', ...both(failed(`key 'args' not found, object contains only ["method"]`)) },
  { name: 'an empty object', input: '{}\x03', ...both(failed(`key 'method' not found, object contains only []`)) },
  {
    name: 'a number as method',
    input: '{"method":5,"args":[1]}\x03',
    echo: ok([1]),
    strict: failed('method must be a string, got number'),
  },
  {
    name: 'an object as args',
    input: '{"method":"echo","args":{"a":1}}\x03',
    echo: ok({ a: 1 }),
    strict: failed('args must be a list'),
  },
  // Ganeti's Text.JSON rejects leading whitespace (spec §1.4); we accept it like Python's json.
  { name: 'leading whitespace', input: ' \n\t{"method":"echo","args":[1]}\x03', ...both(ok([1])) },
  { name: 'trailing whitespace as Python sends it', input: '{"method": "echo", "args": [1]}\n\x03', ...both(ok([1])) },
  { name: 'data after the JSON value', input: '{"method":"echo","args":[1]} x\x03', ...both(failed('Invalid JSON')) },
  // Invalid UTF-8 is read as Latin-1 (default invalidUtf8 policy), so no byte is lost.
  {
    name: 'invalid UTF-8 in a string',
    input: Buffer.from([...Buffer.from('{"method":"echo","args":["'), 0xff, 0xe9, ...Buffer.from('"]}'), 0x03]),
    ...both(ok(['\u00ff\u00e9'])),
  },
  {
    name: 'an encoded lone surrogate (ED A0 80)',
    input: Buffer.from([...Buffer.from('{"method":"echo","args":["'), 0xed, 0xa0, 0x80, ...Buffer.from('"]}'), 0x03]),
    ...both(ok(['\u00ed\u00a0\u0080'])),
  },
  { name: 'an escaped lone surrogate', input: '{"method":"echo","args":["\\ud800"]}\x03', ...both(ok(['\ud800'])) },
  {
    name: 'valid UTF-8 outside ASCII',
    input: Buffer.from('{"method":"echo","args":["h\u00e9 \u4e2d \u{1f600}"]}\x03', 'utf8'),
    ...both(ok(['h\u00e9 \u4e2d \u{1f600}'])),
  },
  { name: 'NaN', input: '{"method":"echo","args":[NaN]}\x03', ...both(failed('Invalid JSON')) },
  { name: 'Infinity', input: '{"method":"echo","args":[-Infinity]}\x03', ...both(failed('Invalid JSON')) },
  { name: 'duplicate args keys (the first wins, as in Ganeti)', input: '{"method":"echo","args":[1],"args":[2]}\x03', ...both(ok([1])) },
  {
    name: 'duplicate method keys (the first wins)',
    input: '{"method":"method","method":"fail","args":[]}\x03',
    echo: ok([]),
    strict: ok('method'),
  },
  { name: 'an escaped duplicate key', input: '{"method":"echo","args":[1],"\\u0061rgs":[2]}\x03', ...both(ok([1])) },
  { name: 'duplicate keys nested in args', input: '{"method":"echo","args":[{"k":1,"k":2,"j":3}]}\x03', ...both(ok([{ k: 1, j: 3 }])) },
  {
    name: 'a 10,000-digit integer (kept exact)',
    input: `{"method":"echo","args":[${TEN_K_DIGITS},-${TEN_K_DIGITS}]}\x03`,
    ...both(ok([BigInt(TEN_K_DIGITS), -BigInt(TEN_K_DIGITS)])),
  },
  {
    name: 'a nanosecond timestamp beyond 2^53',
    input: '{"method":"echo","args":[1795548371267646000]}\x03',
    ...both(ok([1795548371267646000n])),
  },
  {
    name: '1e400 (out of range for a double)',
    input: '{"method":"echo","args":[1e400]}\x03',
    ...both(failed('out of range for a double')),
  },
  { name: '-1e400', input: '{"method":"echo","args":[-1e400]}\x03', ...both(failed('out of range for a double')) },
  {
    name: `${DEEP}-deep array nesting`,
    input: '['.repeat(DEEP) + ']'.repeat(DEEP) + '\x03',
    ...both(failed('JSON nesting deeper than 1024 levels')),
  },
  {
    name: `${DEEP}-deep object nesting in args`,
    input: '{"method":"echo","args":' + '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP + 1) + '\x03',
    ...both(failed('JSON nesting deeper than 1024 levels')),
  },
  {
    name: 'brackets inside a string (not nesting)',
    input: `{"method":"echo","args":["${'['.repeat(DEEP)}"]}\x03`,
    ...both(ok(['['.repeat(DEEP)])),
  },
  {
    name: 'nesting exactly at maxDepth',
    input: '{"method":"echo","args":' + '['.repeat(1023) + ']'.repeat(1023) + '}\x03',
    ...both(ok(JSON.parse('['.repeat(1023) + ']'.repeat(1023)))),
  },
  {
    name: 'nesting one past maxDepth',
    input: '{"method":"echo","args":' + '['.repeat(1024) + ']'.repeat(1024) + '}\x03',
    ...both(failed('JSON nesting deeper than 1024 levels')),
  },
  { name: 'an empty frame', input: '\x03', ...both(failed('Invalid JSON')) },
  { name: 'a message cut by EOF', input: '{"method":"echo","args":[1', end: true, ...both({ kind: 'closed-silently' }) },
  { name: 'a frame split byte by byte', input: [...'{"method":"echo","args":["split"]}\x03'], ...both(ok(['split'])) },
  {
    name: 'an OpPrereqError thrown by exec',
    input: '{"method":"fail","args":[]}\x03',
    echo: ok([]),
    strict: { kind: 'answer', answers: [{ success: false, result: ['OpPrereqError', ['asked to fail', 'wrong_input']] }] },
  },
];

async function check(t: TestContext, path: string, c: Case, expect: Expect): Promise<void> {
  const peer = await RawPeer.open(t, path);
  const chunks = Array.isArray(c.input) ? c.input : [c.input];
  for (const chunk of chunks) {
    await peer.write(chunk);
    if (chunks.length > 1) await new Promise((resolve) => setImmediate(resolve));
  }
  if (c.end) peer.socket.end();
  switch (expect.kind) {
    case 'parse-failure': {
      const [answer] = await peer.answers(1);
      assert.equal(answer?.success, false);
      assert.equal(typeof answer?.result, 'string', 'a parse failure is a plain string, not [Class,args]');
      const text = answer?.result as string;
      assert.ok(text.startsWith(FAILED_TO_PARSE), text.slice(0, 200));
      assert.ok(text.includes(expect.includes), `expected ${JSON.stringify(expect.includes)} in ${text.slice(0, 300)}`);
      await peer.closedByServer();
      assert.equal(peer.frames.length, 1);
      break;
    }
    case 'answer': {
      const answers = await peer.answers(expect.answers.length);
      assert.deepEqual(answers, expect.answers);
      assert.equal(peer.closed, false, 'the connection stays open after an answer');
      break;
    }
    case 'closed-silently':
      await peer.closedByServer();
      assert.equal(peer.frames.length, 0);
      break;
  }
  peer.socket.destroy();
}

for (const [label, handler] of [
  ['echo handler', echoHandler],
  ['strict async handler', strictAsyncHandler],
] as const) {
  describe(`bad input (${label})`, () => {
    for (const c of cases) {
      const expect = label === 'echo handler' ? c.echo : c.strict;
      const outcome =
        expect.kind === 'answer'
          ? 'answers'
          : expect.kind === 'parse-failure'
            ? 'refuses with the parse-failure string and closes on'
            : 'closes without an answer on';
      test(`${outcome} ${c.name}, then serves a new connection`, { timeout: 15_000 }, async (t) => {
        const { path } = await startServer(t, handler);
        const started = process.hrtime.bigint();
        await check(t, path, c, expect);
        if (c.name.includes('deep')) t.diagnostic(`${c.name}: answered in ${Number(process.hrtime.bigint() - started) / 1e6} ms`);
        assert.deepEqual(await normalRequest(t, path), { success: true, result: ['still serving'] });
      });
    }
  });
}

test('answers every single byte 0x00-0xff sent as a whole message with the parse-failure string', { timeout: 60_000 }, async (t) => {
  const { path, server } = await startServer(t, echoHandler);
  const texts = new Map<number, string>();
  for (let base = 0; base < 256; base += 32) {
    await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const byte = base + i;
        const peer = await RawPeer.open(t, path);
        // 0x03 alone is the empty frame; every other byte is followed by the terminator.
        await peer.write(byte === 0x03 ? Buffer.from([0x03]) : Buffer.from([byte, 0x03]));
        const [answer] = await peer.answers(1);
        await peer.closedByServer();
        assert.equal(answer?.success, false, `byte ${byte}`);
        assert.equal(typeof answer?.result, 'string', `byte ${byte}`);
        assert.ok((answer?.result as string).startsWith(FAILED_TO_PARSE), `byte ${byte}: ${String(answer?.result)}`);
        texts.set(byte, answer?.result as string);
        peer.socket.destroy();
      }),
    );
  }
  assert.equal(texts.size, 256);
  assert.match(texts.get(0x30) ?? '', /expected a JSON object, got number/);
  assert.match(texts.get(0x20) ?? '', /Invalid JSON/);
  assert.equal(server.stats.errors, 256);
  assert.deepEqual(await normalRequest(t, path), { success: true, result: ['still serving'] });
});

test('answers 1000 requests written in one chunk, in order', { timeout: 15_000 }, async (t) => {
  for (const handler of [echoHandler, strictAsyncHandler]) {
    const { path } = await startServer(t, handler);
    const peer = await RawPeer.open(t, path);
    let batch = '';
    for (let i = 0; i < 1000; i++) batch += `{"method":"echo","args":[${i}]}\x03`;
    await peer.write(batch);
    const answers = await peer.answers(1000);
    assert.deepEqual(
      answers,
      Array.from({ length: 1000 }, (_, i) => ({ success: true, result: [i] })),
    );
    peer.socket.destroy();
  }
});

test('answers the requests before a bad frame in the same chunk, then refuses and closes', { timeout: 15_000 }, async (t) => {
  const { path } = await startServer(t, strictAsyncHandler as Handler<never, unknown>);
  const peer = await RawPeer.open(t, path);
  await peer.write('{"method":"a","args":[1]}\x03{"method":"b","args":[2]}\x03not json\x03{"method":"c","args":[3]}\x03');
  await peer.closedByServer();
  const answers = peer.frames.map((f) => JSON.parse(f.toString()) as Answer);
  assert.equal(answers.length, 3, 'nothing after the bad frame is answered');
  assert.deepEqual(answers.slice(0, 2), [
    { success: true, result: [1] },
    { success: true, result: [2] },
  ]);
  assert.equal(answers[2]?.success, false);
  assert.match(String(answers[2]?.result), /^Failed to parse request: /);
});
