import assert from 'node:assert/strict';
import test from 'node:test';
import { ArgKind, ECODES, GANETI_ERROR_SHAPES, PYTHON_ONLY_ERROR_NAMES, checkErrorArgs, isGanetiErrorName } from '../src/ganeti-errors.js';

// Errors.hs (Ganeti 3.0) lists these 43; spec §2.2.
const HASKELL_NAMES = [
  'GenericError',
  'LockError',
  'PidFileLockError',
  'HypervisorError',
  'ProgrammerError',
  'BlockDeviceError',
  'ConfigurationError',
  'ConfigVerifyError',
  'ConfigVersionMismatch',
  'ReservationError',
  'RemoteError',
  'SignatureError',
  'ParameterError',
  'ResultValidationError',
  'OpPrereqError',
  'OpExecError',
  'OpResultError',
  'OpCodeUnknown',
  'JobLost',
  'JobFileCorrupted',
  'ResolverError',
  'HooksFailure',
  'HooksAbort',
  'UnitParseError',
  'ParseError',
  'TypeEnforcementError',
  'X509CertError',
  'TagError',
  'CommandError',
  'StorageError',
  'InotifyError',
  'JobQueueError',
  'JobQueueDrainError',
  'JobQueueFull',
  'ConfdMagicError',
  'ConfdClientError',
  'UdpDataSizeError',
  'NoCtypesError',
  'IPAddressError',
  'LuxiError',
  'QueryFilterParseError',
  'RapiTestResult',
  'FileStoragePathError',
];

test('knows the 43 Haskell classes plus the 6 Python-only ones', () => {
  assert.equal(HASKELL_NAMES.length, 43);
  assert.deepEqual(Object.keys(GANETI_ERROR_SHAPES).sort(), [...HASKELL_NAMES, ...PYTHON_ONLY_ERROR_NAMES].sort());
  assert.equal(PYTHON_ONLY_ERROR_NAMES.length, 6);
});

test('gives the multi-argument classes the shapes of spec §2.2', () => {
  assert.deepEqual(GANETI_ERROR_SHAPES.ConfigVerifyError, [ArgKind.string, ArgKind.strings]);
  assert.deepEqual(GANETI_ERROR_SHAPES.ConfigVersionMismatch, [ArgKind.int, ArgKind.int]);
  assert.deepEqual(GANETI_ERROR_SHAPES.OpPrereqError, [ArgKind.string, ArgKind.string]);
  assert.deepEqual(GANETI_ERROR_SHAPES.ResolverError, [ArgKind.string, ArgKind.int, ArgKind.string]);
  assert.deepEqual(GANETI_ERROR_SHAPES.HooksAbort, [ArgKind.hookResults]);
  assert.deepEqual(GANETI_ERROR_SHAPES.X509CertError, [ArgKind.string, ArgKind.string]);
  assert.deepEqual(GANETI_ERROR_SHAPES.JobQueueFull, []);
  const others = Object.entries(GANETI_ERROR_SHAPES).filter(([, s]) => s.length === 1 && s[0] === ArgKind.string);
  assert.equal(others.length, 49 - 7);
});

test('lists the ten OpPrereqError codes', () => {
  assert.deepEqual(
    [...ECODES],
    [
      'resolver_error',
      'insufficient_resources',
      'temp_insufficient_resources',
      'wrong_input',
      'wrong_state',
      'unknown_entity',
      'already_exists',
      'resource_not_unique',
      'internal_error',
      'environment_error',
    ],
  );
});

test('recognises class names exactly, as Python GetErrorClass does', () => {
  for (const name of [
    '',
    '.',
    '-',
    'ECODE_INVAL',
    'NoErrorClassName',
    'Exception',
    'genericerror',
    'toString',
    '__proto__',
    'constructor',
  ]) {
    assert.equal(isGanetiErrorName(name), false, JSON.stringify(name));
  }
  assert.equal(isGanetiErrorName('GenericError'), true);
});

test('checks arity and the kind of each argument', () => {
  assert.equal(checkErrorArgs('OpPrereqError', ['m', 'wrong_input']), undefined);
  assert.equal(checkErrorArgs('OpPrereqError', ['m']), 'OpPrereqError takes 2 argument(s), got 1');
  assert.equal(checkErrorArgs('GenericError', []), 'GenericError takes 1 argument(s), got 0');
  assert.equal(checkErrorArgs('GenericError', [1]), "GenericError argument 1 must be of kind 'string'");
  assert.equal(checkErrorArgs('ConfigVersionMismatch', [1, 2n]), undefined, 'bigint counts as an int');
  assert.equal(checkErrorArgs('ConfigVersionMismatch', [1, '2']), "ConfigVersionMismatch argument 2 must be of kind 'int'");
  assert.equal(checkErrorArgs('ConfigVersionMismatch', [1, Infinity]), "ConfigVersionMismatch argument 2 must be of kind 'int'");
  assert.equal(checkErrorArgs('ConfigVerifyError', ['m', ['a', 1]]), "ConfigVerifyError argument 2 must be of kind 'strings'");
  assert.equal(checkErrorArgs('HooksAbort', [[['n', 's', 'o']]]), undefined);
  assert.equal(checkErrorArgs('HooksAbort', [[['n', 's']]]), "HooksAbort argument 1 must be of kind 'hookResults'");
  assert.equal(checkErrorArgs('JobQueueFull', []), undefined);
  assert.equal(checkErrorArgs('JobQueueFull', ['x']), 'JobQueueFull takes 0 argument(s), got 1');
});
