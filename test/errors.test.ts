import assert from 'node:assert/strict';
import test from 'node:test';
import * as errors from '../src/errors.js';
import {
  ConfigVerifyError,
  ConfigVersionMismatch,
  ConnectionClosedError,
  ErrorCodes,
  GanetiError,
  GenericError,
  HooksAbort,
  JobQueueFull,
  MessageError,
  NoMasterError,
  OpPrereqError,
  PermissionError,
  ProtocolError,
  RequestError,
  ResolverError,
  TimeoutError,
  X509CertError,
  createGanetiError,
  toGanetiError,
} from '../src/errors.js';
import { ArgKind, GANETI_ERROR_SHAPES, isGanetiErrorName, type GanetiErrorName } from '../src/ganeti-errors.js';
import { buildResponse, parseResponse } from '../src/message.js';

const SAMPLE: Record<ArgKind, unknown> = {
  [ArgKind.string]: 'sample ă text',
  [ArgKind.int]: 42,
  [ArgKind.strings]: ['first', 'second'],
  [ArgKind.hookResults]: [['node1', 'script', 'output']],
};

const NAMES = Object.keys(GANETI_ERROR_SHAPES) as GanetiErrorName[];

function classOf(name: string): unknown {
  return (errors as Record<string, unknown>)[name];
}

test('has a class exported for each of the 49 Ganeti error names', () => {
  assert.equal(NAMES.length, 49);
  for (const name of NAMES) {
    const cls = classOf(name);
    assert.equal(typeof cls, 'function', name);
    assert.ok((cls as { prototype: unknown }).prototype instanceof GanetiError, name);
  }
});

test('round-trips every error class through toWire, the wire and fromWire', () => {
  for (const name of NAMES) {
    const args = GANETI_ERROR_SHAPES[name].map((kind) => SAMPLE[kind]);
    const original = createGanetiError(name, args);
    const wire = original.toWire();
    assert.deepEqual(wire, [name, args], name);
    const response = buildResponse(false, wire);
    assert.throws(
      () => parseResponse(response),
      (err: unknown) => {
        assert.ok(err instanceof (classOf(name) as new () => Error), `${name}: ${String(err)}`);
        assert.ok(err instanceof GanetiError);
        const e = err as GanetiError;
        assert.equal(e.name, name);
        assert.equal(e.className, name);
        assert.deepEqual(e.args, args);
        assert.deepEqual(e.toWire(), wire);
        assert.equal(e.message, original.message);
        assert.ok(String(e).startsWith(`${name}: `) || args.length === 0 || e.message === '', `${name}: ${String(e)}`);
        return true;
      },
    );
  }
});

test('gives each message-only class the message as its only argument', () => {
  for (const name of NAMES) {
    if (GANETI_ERROR_SHAPES[name].length !== 1 || GANETI_ERROR_SHAPES[name][0] !== ArgKind.string) continue;
    const Cls = classOf(name) as new (m: string) => GanetiError;
    const err = new Cls('boom');
    assert.ok(err instanceof MessageError, name);
    assert.deepEqual(err.toWire(), [name, ['boom']]);
    assert.equal(String(err), `${name}: boom`);
  }
});

test('builds the multi-argument classes with their wire arities', () => {
  const cases: Array<[GanetiError, unknown[]]> = [
    [new OpPrereqError('fake failure', 'wrong_input'), ['OpPrereqError', ['fake failure', 'wrong_input']]],
    [new ConfigVerifyError('bad config', ['e1', 'e2']), ['ConfigVerifyError', ['bad config', ['e1', 'e2']]]],
    [new ConfigVersionMismatch(3000000, 2160000), ['ConfigVersionMismatch', [3000000, 2160000]]],
    [
      new ResolverError('host.example', 2, 'Name or service not known'),
      ['ResolverError', ['host.example', 2, 'Name or service not known']],
    ],
    [new HooksAbort([['n1', 's1', 'out']]), ['HooksAbort', [[['n1', 's1', 'out']]]]],
    [new X509CertError('/etc/cert.pem', 'expired'), ['X509CertError', ['/etc/cert.pem', 'expired']]],
    [new JobQueueFull(), ['JobQueueFull', []]],
  ];
  for (const [err, wire] of cases) assert.deepEqual(err.toWire(), wire);
  assert.equal(new OpPrereqError('m', 'wrong_state').errCode, 'wrong_state');
  assert.deepEqual(new ConfigVerifyError('m', ['x']).errors, ['x']);
  assert.equal(String(new OpPrereqError('fake failure', 'wrong_input')), 'OpPrereqError: fake failure');
});

test('keeps an unknown class name and its args verbatim', () => {
  const err = GanetiError.fromWire(['FutureError', [1, 'two', { three: 3 }]]);
  assert.equal(err.constructor, GanetiError);
  assert.equal(err.className, 'FutureError');
  assert.equal(err.name, 'FutureError');
  assert.deepEqual(err.toWire(), ['FutureError', [1, 'two', { three: 3 }]]);
});

test('keeps args of a known class verbatim even when their arity is off', () => {
  const err = GanetiError.fromWire(['OpPrereqError', ['only a message']]);
  assert.ok(err instanceof OpPrereqError);
  assert.deepEqual(err.args, ['only a message']);
  assert.equal(err.errCode, undefined);
});

test('turns malformed failure shapes into RequestError carrying the raw value', () => {
  const malformed: unknown[] = [null, 1, 'str', [1], [1, 2, 3], ['GenericError', [1], null], ['GenericError', 1], [1, []], {}, true];
  for (const value of malformed) {
    const err = GanetiError.fromWire(value);
    assert.ok(err instanceof RequestError, JSON.stringify(value));
    assert.equal(err.code, ErrorCodes.request);
    assert.deepEqual(err.result, value);
  }
  assert.equal(new RequestError(['x', 1]).message, '["x",1]');
});

test('gives every local failure a stable code and keeps the cause', () => {
  const cause = new Error('errno');
  const cases: Array<[ProtocolError, string, string]> = [
    [new ConnectionClosedError(undefined, { cause }), ErrorCodes.connectionClosed, 'ConnectionClosedError'],
    [new TimeoutError('t', { cause }), ErrorCodes.timeout, 'TimeoutError'],
    [new RequestError('r', { cause }), ErrorCodes.request, 'RequestError'],
    [new NoMasterError('n', { cause }), ErrorCodes.noMaster, 'NoMasterError'],
    [new PermissionError('p', { cause }), ErrorCodes.permission, 'PermissionError'],
    [new ProtocolError('x', ErrorCodes.invalidJson, { cause }), ErrorCodes.invalidJson, 'ProtocolError'],
  ];
  for (const [err, code, name] of cases) {
    assert.ok(err instanceof ProtocolError);
    assert.ok(err instanceof GanetiError);
    assert.equal(err.code, code);
    assert.equal(err.name, name);
    assert.equal(err.cause, cause);
  }
  assert.equal(new ConnectionClosedError().message, 'Connection closed while reading');
  assert.equal(new Set(Object.values(ErrorCodes)).size, Object.values(ErrorCodes).length, 'codes are distinct');
});

test('converts what a handler throws into an error fit to send', () => {
  const prereq = new OpPrereqError('no', 'wrong_input');
  assert.equal(toGanetiError(prereq), prereq);
  const unknown = new GanetiError('FutureError', [1]);
  assert.equal(toGanetiError(unknown), unknown);
  assert.deepEqual(toGanetiError(new TypeError('bad')).toWire(), ['GenericError', ['TypeError: bad']]);
  assert.deepEqual(toGanetiError('plain').toWire(), ['GenericError', ['plain']]);
  assert.deepEqual(toGanetiError({ a: 1n }).toWire(), ['GenericError', ['{"a":"1"}']]);
  assert.deepEqual(toGanetiError(new TimeoutError('slow')).toWire(), ['GenericError', ['slow']], 'local errors are never sent as such');
  const misshaped = toGanetiError(createGanetiError('OpPrereqError', ['m']));
  assert.ok(misshaped instanceof GenericError);
  assert.match(misshaped.message, /OpPrereqError takes 2 argument\(s\), got 1/);
});

test('creates typed errors whose stack and message are set', () => {
  const err = createGanetiError('JobLost', ['job 5 lost']);
  assert.ok(err instanceof errors.JobLost);
  assert.equal(err.message, 'job 5 lost');
  assert.match(err.stack ?? '', /JobLost/);
  assert.ok(isGanetiErrorName('JobLost'));
});
