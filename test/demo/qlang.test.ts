import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DemoParseError, nameMatches, parseFilter, requestedNames } from '../../src/demo/qlang.js';

test('parseFilter maps the legacy operators onto the current ones', () => {
  assert.deepEqual(parseFilter(['=', 'name', 'x']), { op: '==', field: 'name', value: 'x' });
  assert.deepEqual(parseFilter(['!=', 'a', 1]), { op: 'not', arg: { op: '==', field: 'a', value: 1 } });
  assert.deepEqual(parseFilter(null), { op: 'empty' });
  assert.deepEqual(parseFilter(['|']), { op: 'or', args: [] });
});

test('parseFilter refuses what luxid fails to decode', () => {
  const bad: unknown[] = [
    'name',
    ['nosuchop', 'a', 'b'],
    ['==', 'a'],
    ['==', 'a', 1.5],
    ['==', 'a', true],
    ['!', ['?', 'a'], ['?', 'b']],
    ['=~', 'name', '('],
    [5, 'a'],
    ['?', 7],
  ];
  for (const f of bad) {
    assert.throws(
      () => parseFilter(f),
      (e: unknown) => e instanceof DemoParseError && e.message.startsWith('Cannot convert value'),
      JSON.stringify(f),
    );
  }
});

test('requestedNames finds plain name lists and gives up on anything else', () => {
  assert.deepEqual(requestedNames(parseFilter(['|', ['==', 'name', 'a'], ['==', 'name', 'b']]), 'name'), ['a', 'b']);
  assert.deepEqual(requestedNames(parseFilter(null), 'name'), []);
  assert.equal(requestedNames(parseFilter(['|', ['==', 'name', 'a'], ['==', 'uuid', 'b']]), 'name'), null);
  assert.equal(requestedNames(parseFilter(['&', ['==', 'name', 'a']]), 'name'), null);
});

test('host names match exactly or by leading components', () => {
  assert.ok(nameMatches('node1.example.com', 'node1'));
  assert.ok(nameMatches('node1.example.com', 'node1.example'));
  assert.ok(nameMatches('node1.example.com', 'node1.example.com'));
  assert.ok(!nameMatches('node10.example.com', 'node1'));
  assert.ok(!nameMatches('node1.example.com', 'node1.ex'));
});
