import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { encodeJson } from '../src/codec.js';
import { DEFAULT_PIECEWISE_MIN_ELEMENTS, encodeJsonPieces, isLargeJsonValue } from '../src/json-pieces.js';

const join = (value: unknown, pieceChars = 64): string => [...encodeJsonPieces(value, pieceChars)].join('');

test('pieces join to exactly what encodeJson writes, for large and nested arrays', () => {
  const rows = Array.from({ length: 3000 }, (_, i) => [
    [0, `node${i}.example.com`],
    [0, i * 1024],
    [i % 7 === 0 ? 4 : 0, null],
  ]);
  const values: unknown[] = [
    rows,
    { fields: [{ name: 'name' }], data: rows },
    { a: { b: { c: rows.slice(0, 600) } }, big: 1795548371267646000n, text: 'café ă 😀 \u2028' },
    Array.from({ length: 1500 }, (_, i) => (i % 3 === 0 ? undefined : i % 3 === 1 ? () => i : i)),
    { skipped: undefined, fn: () => 1, kept: [1, 2, 3], date: new Date(0) },
    [],
    {},
    'plain',
    null,
  ];
  for (const value of values) assert.equal(join(value), encodeJson(value));
});

test('pieces stay near the requested size', () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => ({ name: `instance${i}`, memory: 512 }));
  const pieces = [...encodeJsonPieces(rows, 16 * 1024)];
  assert.ok(pieces.length > 10);
  assert.ok(pieces.slice(0, -1).every((p) => p.length >= 16 * 1024 && p.length < 64 * 1024));
});

test('matches encodeJson for arbitrary JSON values', () => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 1200 }), (value) => {
      assert.equal(join(value, 256), encodeJson(value));
    }),
    { numRuns: 40, seed: 42 },
  );
});

test('isLargeJsonValue counts elements and members of a value and its children only', () => {
  const many = Array.from({ length: DEFAULT_PIECEWISE_MIN_ELEMENTS }, () => 0);
  assert.equal(isLargeJsonValue(many), true);
  assert.equal(isLargeJsonValue({ data: many }), true);
  assert.equal(isLargeJsonValue(Object.fromEntries(many.map((_, i) => [`uuid-${i}`, { name: i }]))), true);
  assert.equal(isLargeJsonValue({ instances: Object.fromEntries(many.map((_, i) => [`uuid-${i}`, i])) }), true);
  assert.equal(isLargeJsonValue(many.slice(2)), false);
  assert.equal(isLargeJsonValue({ a: { b: many } }), false);
  assert.equal(isLargeJsonValue('x'.repeat(1 << 20)), false);
});

test("a large object map (a config's instances) is cut into pieces too", () => {
  const config = {
    cluster: { name: 'c' },
    instances: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`uuid-${i}`, { name: `i${i}` }])),
  };
  const pieces = [...encodeJsonPieces(config, 4096)];
  assert.ok(pieces.length > 10);
  assert.equal(pieces.join(''), encodeJson(config));
});

test('an encoding error surfaces from the iterator', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const value = [...Array.from({ length: 2000 }, (_, i) => i), cyclic];
  assert.throws(() => join(value), TypeError);
});
