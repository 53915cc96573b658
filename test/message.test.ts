import assert from 'node:assert/strict';
import test from 'node:test';
import { ErrorCodes, GenericError, OpPrereqError, ProtocolError, RequestError } from '../src/errors.js';
import { MsgKeys, buildCall, buildResponse, decodeResponse, parseCall, parseResponse, strOfKey } from '../src/message.js';

function genericErrorWith(message: string | RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof GenericError, `expected GenericError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    assert.deepEqual(err.toWire()[0], 'GenericError');
    return true;
  };
}

function protocolErrorWith(message: string | RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

test('keeps the wire keys verbatim', () => {
  assert.deepEqual(Object.values(MsgKeys), ['method', 'args', 'success', 'result', 'version']);
  assert.equal(strOfKey(MsgKeys.Success), 'success');
});

test('builds a call byte for byte as Haskell buildCall does', () => {
  assert.equal(buildCall('QueryClusterInfo', []), '{"method":"QueryClusterInfo","args":[]}');
  assert.equal(buildCall('Query', ['node', ['name', 'mtotal'], null]), '{"method":"Query","args":["node",["name","mtotal"],null]}');
  assert.equal(buildCall('echo', ['hé', 1795548371267646000n]), '{"method":"echo","args":["h\\u00e9",1795548371267646000]}');
});

test('builds a response with success first', () => {
  assert.equal(buildResponse(true, 'hi'), '{"success":true,"result":"hi"}');
  assert.equal(
    buildResponse(false, ['OpPrereqError', ['fake failure', 'wrong_input']]),
    '{"success":false,"result":["OpPrereqError",["fake failure","wrong_input"]]}',
  );
});

test('parses a call and its optional version', () => {
  assert.deepEqual(parseCall('{"method":"echo","args":["x"]}'), { method: 'echo', args: ['x'] });
  assert.deepEqual(parseCall('{"args":[],"method":"m","version":3000000}'), { method: 'm', args: [], version: 3000000 });
});

test("accepts Python FormatRequest's bytes: spaced separators, version and a trailing newline", () => {
  const python = Buffer.from('{"method": "QueryClusterInfo", "args": [], "version": 3000000}\n', 'latin1');
  assert.deepEqual(parseCall(python), { method: 'QueryClusterInfo', args: [], version: 3000000 });
  const escaped = Buffer.from('{"args": [2304, ["status"], ["waiting"], null, 60], "method": "WaitForJobChange", "version": 2160000}\n');
  assert.deepEqual(parseCall(escaped).args, [2304, ['status'], ['waiting'], null, 60]);
});

test("names a missing key the way Ganeti's fromObj does", () => {
  assert.throws(() => parseCall('{"args":[]}'), protocolErrorWith(`key 'method' not found, object contains only ["args"]`));
  assert.throws(() => parseCall('{"method":"x"}'), protocolErrorWith(`key 'args' not found, object contains only ["method"]`));
  assert.throws(() => parseCall('{}'), protocolErrorWith(`key 'method' not found, object contains only []`));
  assert.throws(() => parseCall('{"version":1,"a":2}'), protocolErrorWith(`key 'method' not found, object contains only ["version","a"]`));
});

test('prefixes JSON failures of a call with "parsing top-level JSON message"', () => {
  assert.throws(
    () => parseCall('{"method":'),
    (err: unknown) => {
      assert.ok(err instanceof ProtocolError);
      assert.match(err.message, /^parsing top-level JSON message: Invalid JSON: /);
      assert.equal(err.code, ErrorCodes.invalidJson);
      return true;
    },
  );
  assert.throws(() => parseCall('[1,2]'), protocolErrorWith('parsing top-level JSON message: expected a JSON object, got an array'));
  assert.throws(() => parseCall('"s"'), protocolErrorWith('parsing top-level JSON message: expected a JSON object, got string'));
  assert.throws(() => parseCall('null'), protocolErrorWith(/expected a JSON object/));
});

test('leaves the types of method and args to the handler', () => {
  assert.deepEqual(parseCall('{"method":5,"args":{"k":null}}'), { method: 5, args: { k: null } });
});

test('returns the result of a successful response', () => {
  assert.equal(parseResponse('{"success":true,"result":"hi"}'), 'hi');
  assert.deepEqual(parseResponse('{"success":true,"result":[1795548371267646000]}'), [1795548371267646000n]);
  assert.equal(parseResponse('{"result":null,"success":true,"version":3000000}\n'), null);
});

test('raises the Ganeti error of a failed response', () => {
  assert.throws(
    () => parseResponse('{"success":false,"result":["OpPrereqError",["fake failure","wrong_input"]]}'),
    (err: unknown) => {
      assert.ok(err instanceof OpPrereqError);
      assert.equal(err.message, 'fake failure');
      assert.equal(err.errCode, 'wrong_input');
      assert.deepEqual(err.args, ['fake failure', 'wrong_input']);
      return true;
    },
  );
});

test('raises RequestError for a plain-string failure', () => {
  const text = 'Failed to parse request: Unable to parse LUXI request method';
  assert.throws(
    () => parseResponse(buildResponse(false, text)),
    (err: unknown) => {
      assert.ok(err instanceof RequestError);
      assert.equal(err.code, ErrorCodes.request);
      assert.equal(err.result, text);
      assert.equal(err.message, text);
      return true;
    },
  );
});

test('reports malformed responses with Ganeti parseResponse texts', () => {
  assert.throws(() => parseResponse('{"result":1}'), genericErrorWith(`key 'success' not found, object contains only ["result"]`));
  assert.throws(() => parseResponse('{"success":1,"result":1}'), genericErrorWith(`key 'success': Unable to read Bool`));
  assert.throws(() => parseResponse('{"success":"true","result":1}'), genericErrorWith(`key 'success': Unable to read Bool`));
  assert.throws(() => parseResponse('{"success":true}'), genericErrorWith(`key 'result' not found, object contains only ["success"]`));
  assert.throws(() => parseResponse('{"succes'), genericErrorWith(/^Parsing LUXI response: Invalid JSON: /));
  assert.throws(() => parseResponse('[true,1]'), genericErrorWith(/^Parsing LUXI response: expected a JSON object/));
});

test('decodeResponse returns both outcomes without raising', () => {
  assert.deepEqual(decodeResponse('{"success":false,"result":"x"}'), { success: false, result: 'x' });
  assert.deepEqual(decodeResponse('{"success":true,"result":1,"version":7}'), { success: true, result: 1, version: 7 });
});

test('round-trips a call through buildCall and parseCall', () => {
  const args = ['ă😀', { nested: [null, true, 1.5, -(2n ** 63n)] }];
  const parsed = parseCall(buildCall('Method', args));
  assert.deepEqual(parsed, { method: 'Method', args });
});
