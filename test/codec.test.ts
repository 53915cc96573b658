import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { DEFAULT_MAX_DEPTH, decodeJson, encodeJson } from '../src/codec.js';
import { ErrorCodes, ProtocolError } from '../src/errors.js';

function decodeFails(input: string | Buffer, code: string, message?: RegExp, options = {}): void {
  assert.throws(
    () => decodeJson(input, options),
    (err: unknown) => {
      assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
      assert.equal(err.code, code);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

test('encodes non-ASCII characters as lower-case \\u escapes, as Python ensure_ascii does', () => {
  assert.equal(encodeJson('é'), '"\\u00e9"');
  assert.equal(encodeJson('ă'), '"\\u0103"');
  assert.equal(encodeJson('中'), '"\\u4e2d"');
  assert.equal(encodeJson('\u2028\u2029'), '"\\u2028\\u2029"');
  assert.equal(encodeJson('\u007f\u0080'), '"\u007f\\u0080"');
});

test('encodes an astral character as an escaped surrogate pair', () => {
  assert.equal(encodeJson('😀'), '"\\ud83d\\ude00"');
  assert.equal(encodeJson({ k: 'a😀b' }), '{"k":"a\\ud83d\\ude00b"}');
});

test('encodes a lone surrogate as an escape rather than invalid UTF-8', () => {
  assert.equal(encodeJson('\ud800'), '"\\ud800"');
});

test('never writes a byte above 0x7f or the terminator 0x03', () => {
  const text = encodeJson({ ké: ['ă', '\u0003', '😀', 'ÿ'] });
  const bytes = Buffer.from(text, 'utf8');
  assert.ok(
    bytes.every((b) => b < 0x80 && b !== 0x03),
    text,
  );
  assert.equal(text, '{"k\\u00e9":["\\u0103","\\u0003","\\ud83d\\ude00","\\u00ff"]}');
});

test('writes big integers exactly', () => {
  assert.equal(encodeJson(1795548371267646000n), '1795548371267646000');
  assert.equal(encodeJson([2n ** 64n]), '[18446744073709551616]');
  assert.equal(encodeJson({ ts: -(2n ** 70n), n: 1 }), '{"ts":-1180591620717411303424,"n":1}');
});

test('reads big integers exactly', () => {
  assert.deepEqual(decodeJson('[1795548371267646000]'), [1795548371267646000n]);
  assert.deepEqual(decodeJson('{"n":18446744073709551616}'), { n: 2n ** 64n });
  assert.deepEqual(decodeJson('[-9007199254740993]'), [-9007199254740993n]);
  assert.deepEqual(decodeJson('[9007199254740991]'), [9007199254740991], 'safe integers stay numbers');
});

test('keeps a 10,000-digit integer exact both ways', () => {
  const digits = '9' + '1234567890'.repeat(1000).slice(1);
  const value = decodeJson(`[${digits}]`) as [bigint];
  assert.equal(typeof value[0], 'bigint');
  assert.equal(value[0].toString(), digits);
  assert.equal(encodeJson(value), `[${digits}]`);
});

test('rejects numbers that overflow a double instead of turning them into Infinity', () => {
  decodeFails('[1e400]', ErrorCodes.invalidJson, /1e400 is out of range/);
  decodeFails('{"a":-1E400}', ErrorCodes.invalidJson, /out of range/);
  decodeFails(`[1${'0'.repeat(400)}.5]`, ErrorCodes.invalidJson, /out of range/);
});

test('reads ordinary floats like JSON.parse', () => {
  assert.deepEqual(decodeJson('[0.1,1.5e7,-2.5E-3,32768.0]'), [0.1, 15000000, -0.0025, 32768]);
});

test('keeps the first of duplicate keys, as Ganeti does', () => {
  assert.deepEqual(decodeJson('{"a":1,"a":2}'), { a: 1 });
  assert.deepEqual(decodeJson('{"x":{"a":"first","b":0,"a":"second"}}'), { x: { a: 'first', b: 0 } });
  assert.deepEqual(decodeJson('{"\\u0061":1,"a":2}'), { a: 1 }, 'an escaped key is the same key');
  const many = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',');
  assert.deepEqual(decodeJson(`{${many},"k7":"late"}`), Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])));
});

test('keeps a duplicated "__proto__" key as a plain own property', () => {
  const value = decodeJson('{"__proto__":{"polluted":1},"__proto__":2}') as Record<string, unknown>;
  assert.ok(Object.hasOwn(value, '__proto__'));
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('decodes UTF-8 and combines escaped surrogate pairs', () => {
  assert.deepEqual(decodeJson(Buffer.from('["é","ă","😀"]', 'utf8')), ['é', 'ă', '😀']);
  assert.deepEqual(decodeJson('["\\ud83d\\ude00","\\u0103"]'), ['😀', 'ă']);
});

test('reads invalid UTF-8 as Latin-1 by default and rejects it on request', () => {
  // A Haskell peer sends é as the single byte 0xE9 (spec §1.5).
  const bytes = Buffer.from([0x5b, 0x22, 0xe9, 0x22, 0x5d]);
  assert.deepEqual(decodeJson(bytes), ['é']);
  decodeFails(bytes, ErrorCodes.invalidUtf8, /not valid UTF-8/, { invalidUtf8: 'reject' });
});

test('accepts surrounding whitespace, including the newline Python appends', () => {
  assert.deepEqual(decodeJson('{"a":[]}\n'), { a: [] });
  assert.deepEqual(decodeJson(' [1] '), [1]);
});

test('rejects invalid JSON with UDS_ERR_INVALID_JSON', () => {
  for (const bad of ['', '[1] x', '[NaN]', '{"a":}', '[1,]', '"\u0001"', '[Infinity]', '{a:1}']) {
    decodeFails(bad, ErrorCodes.invalidJson, /^Invalid JSON: /);
  }
  decodeFails('[10000000000000000000] x', ErrorCodes.invalidJson, /after the JSON value/);
});

test('limits nesting depth to maxDepth, exactly at the boundary', () => {
  assert.equal(DEFAULT_MAX_DEPTH, 1024);
  const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  assert.ok(Array.isArray(decodeJson(nest(1024))));
  decodeFails(nest(1025), ErrorCodes.tooDeep, /deeper than 1024/);
  assert.ok(Array.isArray(decodeJson(nest(5), { maxDepth: 5 })));
  decodeFails(nest(6), ErrorCodes.tooDeep, /deeper than 5/, { maxDepth: 5 });
  assert.ok(Array.isArray(decodeJson(nest(3000), { maxDepth: 0 })), '0 means no limit');
  assert.ok(Array.isArray(decodeJson('["[[[[[[[[[["]', { maxDepth: 1 })), 'brackets inside strings do not count');
});

test('drops undefined and functions like JSON.stringify, and refuses an undefined top level', () => {
  assert.equal(encodeJson([undefined, 1]), '[null,1]');
  assert.equal(encodeJson({ u: undefined, b: 1n }), '{"b":1}');
  assert.throws(() => encodeJson(undefined), TypeError);
});

test('refuses a cycle, also when big integers force the exact serializer', () => {
  const a: unknown[] = [1n];
  a.push(a);
  assert.throws(() => encodeJson(a), TypeError);
});

/**
 * What a value reads back as: an integral double beyond 2^53 written without an exponent
 * comes back as the exact bigint of the digits written.
 */
function expectedAfterRoundTrip(v: unknown): unknown {
  if (Object.is(v, -0)) return 0; // JSON.stringify writes -0 as 0
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) < 1e21 ? BigInt(String(v)) : v;
  if (Array.isArray(v)) return v.map(expectedAfterRoundTrip);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: expectedAfterRoundTrip(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

test('reads an integral double beyond 2^53 back as the exact bigint it denotes', () => {
  assert.deepEqual(decodeJson(encodeJson([2 ** 53, 1e20])), [2n ** 53n, 100000000000000000000n]);
  assert.deepEqual(decodeJson(encodeJson([1e21])), [1e21], 'exponent notation stays a double');
});

test('round-trips any JSON value, big integers and Unicode strings included', () => {
  const bigOutsideSafe = fc.oneof(fc.bigInt({ min: 2n ** 53n, max: 2n ** 200n }), fc.bigInt({ min: -(2n ** 200n), max: -(2n ** 53n) }));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }),
      bigOutsideSafe,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
    ),
  }));
  fc.assert(
    fc.property(value, (v) => {
      const text = encodeJson(v);
      assert.ok(/^[\x00-\x7f]*$/.test(text), 'output is ASCII');
      assert.deepEqual(decodeJson(Buffer.from(text, 'latin1')), expectedAfterRoundTrip(v));
    }),
    { numRuns: 500 },
  );
});
