// Ganeti's own test cases (spec §7), restated against this implementation.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import test from 'node:test';
import fc from 'fast-check';
import { connectClient } from '../../src/dispatch/client.js';
import { createServer } from '../../src/dispatch/server.js';
import { GanetiError, GenericError, RequestError, createGanetiError } from '../../src/errors.js';
import { GANETI_ERROR_SHAPES, isGanetiErrorName, type GanetiErrorName } from '../../src/ganeti-errors.js';
import { buildCall, decodeResponse, parseCall } from '../../src/message.js';
import { tempSocketPath } from '../helpers/tmp.js';

test('errors_unittest MaybeRaise: values that are not [known class, [args]] raise no Ganeti class', () => {
  const ignored: unknown[] = [null, 1, 'str', [1], [1, 2, 3], ['GenericError', [1, 2, 3], null], ['GenericError', 1]];
  for (const value of ignored) assert.ok(GanetiError.fromWire(value) instanceof RequestError, JSON.stringify(value));
  // Unknown names are kept verbatim (Python would raise RequestError); never a known class.
  for (const value of [['NoErrorClassName', []]]) {
    const err = GanetiError.fromWire(value);
    assert.equal(err.constructor, GanetiError);
    assert.equal(err.className, 'NoErrorClassName');
  }
  assert.ok(GanetiError.fromWire(['NoErrorClassName', null]) instanceof RequestError);
});

test('errors_unittest MaybeRaise: ["GenericError", ["Hello"]] raises GenericError with its args', () => {
  const err = GanetiError.fromWire(['GenericError', ['Hello']]);
  assert.ok(err instanceof GenericError);
  assert.deepEqual(err.args, ['Hello']);
  const empty = GanetiError.fromWire(['GenericError', []]);
  assert.ok(empty instanceof GenericError);
  assert.deepEqual(empty.args, [], 'GetEncodedError(["GenericError", []]) gives (GenericError, ())');
});

test('errors_unittest GetErrorClass: "", ".", "-" and "ECODE_INVAL" are no class', () => {
  for (const name of ['', '.', '-', 'ECODE_INVAL']) assert.equal(isGanetiErrorName(name), false);
});

test('Errors.hs prop_GenericError_serialisation: every class round-trips through [name, args]', () => {
  const names = Object.keys(GANETI_ERROR_SHAPES) as GanetiErrorName[];
  const str = fc.string({ maxLength: 8, unit: 'binary' });
  const argFor = {
    string: str,
    int: fc.integer(),
    strings: fc.array(str, { maxLength: 3 }),
    hookResults: fc.array(fc.tuple(str, str, str), { maxLength: 3 }),
  };
  fc.assert(
    fc.property(
      fc
        .constantFrom(...names)
        .chain((name) =>
          fc.tuple(fc.constant(name), fc.tuple(...GANETI_ERROR_SHAPES[name].map((k) => argFor[k] as fc.Arbitrary<unknown>))),
        ),
      ([name, args]) => {
        const wire = createGanetiError(name, args).toWire();
        const back = GanetiError.fromWire(decodeResponse(JSON.stringify({ success: false, result: wire })).result);
        assert.equal(back.className, name);
        assert.deepEqual(back.args, args);
      },
    ),
    { numRuns: 300 },
  );
});

test('client_unittest ParseRequest: valid input gives method, args and version; bad input raises', () => {
  assert.deepEqual(parseCall('{"method":"foo","args":[1,2],"version":3}'), { method: 'foo', args: [1, 2], version: 3 });
  for (const bad of ['', '{', '[]', '"x"', '{}', '{"method":"x"}', '{"args":[]}', '{"version":1}']) {
    assert.throws(() => parseCall(bad), Error, bad);
  }
});

test('client_unittest ParseResponse: a response without version is accepted; bad shapes raise', () => {
  assert.deepEqual(decodeResponse('{"success":true,"result":[1]}'), { success: true, result: [1] });
  for (const bad of ['', '[]', '{}', '{"success":true}', '{"result":1}', '{"version":1}']) {
    assert.throws(() => decodeResponse(bad), GenericError, bad);
  }
});

test('client_unittest FormatRequest: no version key unless one is given', () => {
  assert.equal(buildCall('foo', []), '{"method":"foo","args":[]}');
});

/** False for values holding -0 or an integral double beyond 2^53 (those read back as 0 and bigint). */
function exactInJson(v: unknown): boolean {
  if (typeof v === 'number') return !Object.is(v, -0) && (!Number.isInteger(v) || Number.isSafeInteger(v));
  if (Array.isArray(v)) return v.every(exactInJson);
  if (v !== null && typeof v === 'object') return Object.values(v).every(exactInJson);
  return true;
}

test('THH/Types prop_OneTuple: a one-element args list round-trips as [x]', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 2 }).filter(exactInJson), (x) => {
      assert.deepEqual(parseCall(buildCall('echo', [x])).args, [x]);
    }),
    { numRuns: 200 },
  );
});

test('Luxi.hs prop_ClientServer: an echo server returns every message of a sequence, in order', { timeout: 20_000 }, async (t) => {
  const path = tempSocketPath(t);
  // The upstream test echoes raw messages: a server that answers every frame with itself.
  const server = net.createServer((s) => {
    let buffered = '';
    s.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      const parts = buffered.split('\x03');
      buffered = parts.pop() ?? '';
      for (const p of parts) s.write(p + '\x03');
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.after(() => server.close());
  const c = await connectClient(path, { requestTimeoutMs: 5000 });
  t.after(() => c.destroy());
  const dnsChars = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-'.split('')), maxLength: 30 });
  await fc.assert(
    fc.asyncProperty(fc.array(dnsChars, { maxLength: 20 }), async (messages) => {
      for (const m of messages) c.send(m);
      const got: string[] = [];
      for (let i = 0; i < messages.length; i++) got.push((await c.recvMsg()).toString('latin1'));
      assert.deepEqual(got, messages);
    }),
    { numRuns: 30 },
  );
});

test('UDSServer: a parse error gets a string answer and the connection closes; the htools order is kept', {
  timeout: 10_000,
}, async (t) => {
  const path = tempSocketPath(t);
  const server = createServer({
    parse(method) {
      if (method === 'Foo') throw new Error('Unable to parse LUXI request method: Invalid string value for type LuxiReq: "Foo"');
      return method;
    },
    exec: (m) => m,
  });
  await server.listen(path);
  t.after(() => server.close(0));
  const c = await connectClient(path);
  t.after(() => c.destroy());
  assert.equal(await c.call('QueryClusterInfo', []), 'QueryClusterInfo');
  await assert.rejects(c.call('Foo', []), (err: unknown) => {
    assert.ok(err instanceof RequestError);
    assert.equal(err.result, 'Failed to parse request: Unable to parse LUXI request method: Invalid string value for type LuxiReq: "Foo"');
    return true;
  });
  assert.deepEqual(await c.recv(), { kind: 'closed' });
});
