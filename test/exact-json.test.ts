import assert from 'node:assert/strict';
import test from 'node:test';
import { JsonSyntaxError, parseExactJson, stringifyExactJson } from '../src/exact-json.js';

test('parses every JSON shape like JSON.parse when nothing needs exactness', () => {
  const text = '{"a":[1,-2.5,3e2,true,false,null,"s\\n\\t\\"\\\\\\/\\b\\f\\r"],"b":{},"c":[]}';
  assert.deepEqual(parseExactJson(text), JSON.parse(text));
  assert.deepEqual(parseExactJson(' \t\r\n[ 1 , { "x" : 2 } ] \n'), [1, { x: 2 }]);
});

test('returns integers beyond the safe range as bigint and safe ones as number', () => {
  assert.deepEqual(parseExactJson('[9007199254740991,9007199254740992,-9007199254740992,1795548371267646000]'), [
    9007199254740991,
    9007199254740992n,
    -9007199254740992n,
    1795548371267646000n,
  ]);
});

test('keeps the first value of a duplicated key', () => {
  assert.deepEqual(parseExactJson('{"a":1,"b":2,"a":3}'), { a: 1, b: 2 });
});

test('reports the position of a syntax error', () => {
  const cases: Array<[string, RegExp, number]> = [
    ['[1,]', /Unexpected character/, 3],
    ['[01]', /Leading zero/, 1],
    ['[1.]', /after the decimal point/, 3],
    ['[1e]', /in the exponent/, 3],
    ['["a\\x"]', /Bad escape/, 3],
    ['["\\u12G4"]', /Bad \\u escape/, 2],
    ['["a', /Unterminated string/, 3],
    ['["\u0001"]', /Control character/, 2],
    ['[1] 2', /after the JSON value/, 4],
    ['{1:2}', /Expected a string key/, 1],
    ['{"a" 2}', /Expected ':'/, 5],
    ['[1 2]', /Expected ',' or '\]'/, 3],
    ['{"a":1 "b":2}', /Expected ',' or '\}'/, 7],
    ['[tru]', /expected true/, 1],
    ['', /Unexpected end/, 0],
    ['[-]', /Expected a digit/, 2],
  ];
  for (const [text, message, position] of cases) {
    assert.throws(
      () => parseExactJson(text),
      (err: unknown) => {
        assert.ok(err instanceof JsonSyntaxError, text);
        assert.ok(err instanceof SyntaxError);
        assert.match(err.message, message, text);
        assert.equal(err.position, position, `${text}: ${err.message}`);
        return true;
      },
    );
  }
});

test('refuses a number that overflows a double', () => {
  assert.throws(() => parseExactJson('[1e400]'), /1e400 is out of range for a double at position 1/);
  assert.throws(() => parseExactJson('[-1.5E309]'), /out of range/);
  assert.deepEqual(parseExactJson('[1e-400]'), [0], 'underflow to zero is fine');
});

test('writes bigint as exact digits and everything else like JSON.stringify', () => {
  const value = { n: 2n ** 64n, a: [1, 'x', true, null, undefined, -3n], d: new Date(0), skip: undefined, f: () => 1 };
  assert.equal(stringifyExactJson(value), '{"n":18446744073709551616,"a":[1,"x",true,null,null,-3],"d":"1970-01-01T00:00:00.000Z"}');
  assert.equal(stringifyExactJson(undefined), undefined);
});

test('calls toJSON with the property key, as JSON.stringify does', () => {
  const keys: string[] = [];
  const probe = { toJSON: (k: string) => (keys.push(k), 1n) };
  assert.equal(stringifyExactJson({ x: probe, y: [probe] }), '{"x":1,"y":[1]}');
  assert.deepEqual(keys, ['x', '0']);
});

test('refuses a cycle but accepts the same object twice side by side', () => {
  const shared = { v: 1n };
  assert.equal(stringifyExactJson([shared, shared]), '[{"v":1},{"v":1}]');
  const loop: Record<string, unknown> = { n: 1n };
  loop.self = loop;
  assert.throws(() => stringifyExactJson(loop), { name: 'TypeError', message: /circular/ });
});
