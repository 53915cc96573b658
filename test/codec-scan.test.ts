import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { decodeJson } from '../src/codec.js';

// The pre-parse scan skips strings natively and must still see structure correctly when
// strings hold escaped quotes and backslashes.

test('duplicate keys after strings with escaped quotes and backslashes keep the first value', () => {
  assert.deepEqual(decodeJson('{"a\\"b":1,"s":"x\\\\","a\\"b":2}'), { 'a"b': 1, s: 'x\\' });
  assert.deepEqual(decodeJson('{"k":"\\\\\\"","k":2}'), { k: '\\"' });
  assert.deepEqual(decodeJson('{"t":"\\\\","n":12345678901234567890}'), { t: '\\', n: 12345678901234567890n });
});

test('a brace or colon inside an escaped string is not structure', () => {
  assert.deepEqual(decodeJson('{"a":"\\"{:}[\\"","b":[1]}'), { a: '"{:}["', b: [1] });
});

test('decodes like JSON.parse for objects of strings full of quotes and backslashes', () => {
  const tricky = fc.string({ unit: fc.constantFrom('"', '\\', 'a', '{', ':', '}', '\u00e9', '\u0103', ' ') });
  const value = fc.dictionary(tricky, fc.oneof(tricky, fc.integer(), fc.array(tricky, { maxLength: 4 })), { maxKeys: 8 });
  fc.assert(
    fc.property(fc.array(value, { maxLength: 4 }), (v) => {
      const text = JSON.stringify(v);
      assert.deepEqual(decodeJson(Buffer.from(text)), JSON.parse(text));
    }),
    { numRuns: 500, seed: 20261125 },
  );
});
