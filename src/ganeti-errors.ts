/**
 * The table of Ganeti's error classes and the shapes of their wire arguments.
 * Owns names and arities only; the classes built from it live in errors.ts.
 * Source: Ganeti 3.0 `src/Ganeti/Errors.hs` (43 classes) and `lib/errors.py` (49 names).
 */

/** One argument slot of an error class, as Ganeti (de)serialises it. */
export const ArgKind = {
  /** A string (a message, a host name, a file name). */
  string: 'string',
  /** An integer (Haskell `Int`). */
  int: 'int',
  /** A list of strings. */
  strings: 'strings',
  /** HooksAbort's `[[node, script, output], ...]`. */
  hookResults: 'hookResults',
} as const;
export type ArgKind = (typeof ArgKind)[keyof typeof ArgKind];

const msg = [ArgKind.string] as const;

/**
 * Every error class name Ganeti's Python client recognises (`ganeti.errors`), with the
 * argument shape Haskell's `genLoadExc` enforces (spec §2.2). Classes known to Python only
 * (the last six) take one message, which is how Ganeti raises them.
 */
export const GANETI_ERROR_SHAPES = {
  GenericError: msg,
  LockError: msg,
  PidFileLockError: msg,
  HypervisorError: msg,
  ProgrammerError: msg,
  BlockDeviceError: msg,
  ConfigurationError: msg,
  ConfigVerifyError: [ArgKind.string, ArgKind.strings],
  ConfigVersionMismatch: [ArgKind.int, ArgKind.int],
  ReservationError: msg,
  RemoteError: msg,
  SignatureError: msg,
  ParameterError: msg,
  ResultValidationError: msg,
  OpPrereqError: [ArgKind.string, ArgKind.string],
  OpExecError: msg,
  OpResultError: msg,
  OpCodeUnknown: msg,
  JobLost: msg,
  JobFileCorrupted: msg,
  ResolverError: [ArgKind.string, ArgKind.int, ArgKind.string],
  HooksFailure: msg,
  HooksAbort: [ArgKind.hookResults],
  UnitParseError: msg,
  ParseError: msg,
  TypeEnforcementError: msg,
  X509CertError: [ArgKind.string, ArgKind.string],
  TagError: msg,
  CommandError: msg,
  StorageError: msg,
  InotifyError: msg,
  JobQueueError: msg,
  JobQueueDrainError: msg,
  JobQueueFull: [],
  ConfdMagicError: msg,
  ConfdClientError: msg,
  UdpDataSizeError: msg,
  NoCtypesError: msg,
  IPAddressError: msg,
  LuxiError: msg,
  QueryFilterParseError: msg,
  RapiTestResult: msg,
  FileStoragePathError: msg,
  HotplugError: msg,
  AddressPoolError: msg,
  OpRetryNotSupportedError: msg,
  DeviceCreationError: msg,
  JobCanceled: msg,
  SshUpdateError: msg,
} as const satisfies Record<string, readonly ArgKind[]>;

/** A wire class name Ganeti knows. */
export type GanetiErrorName = keyof typeof GANETI_ERROR_SHAPES;

/** The names Haskell's `GanetiException` can decode; the other six are Python-only. */
export const PYTHON_ONLY_ERROR_NAMES: readonly GanetiErrorName[] = [
  'HotplugError',
  'AddressPoolError',
  'OpRetryNotSupportedError',
  'DeviceCreationError',
  'JobCanceled',
  'SshUpdateError',
];

/** The `OpPrereqError` error codes (Constants.hs `errorsEcode*`). */
export const ECODES = [
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
] as const;
export type ErrorCode = (typeof ECODES)[number];

/** True when `name` is one of Ganeti's error class names. */
export function isGanetiErrorName(name: string): name is GanetiErrorName {
  return Object.hasOwn(GANETI_ERROR_SHAPES, name);
}

function fitsKind(kind: ArgKind, value: unknown): boolean {
  switch (kind) {
    case ArgKind.string:
      return typeof value === 'string';
    case ArgKind.int:
      return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint';
    case ArgKind.strings:
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case ArgKind.hookResults:
      return Array.isArray(value) && value.every((t) => Array.isArray(t) && t.length === 3 && t.every((s) => typeof s === 'string'));
  }
}

/**
 * Checks `args` against the class's shape, as Haskell's decoder does: exact arity and
 * the type of each slot. Returns a reason when they do not fit, otherwise undefined.
 */
export function checkErrorArgs(name: GanetiErrorName, args: readonly unknown[]): string | undefined {
  const shape: readonly ArgKind[] = GANETI_ERROR_SHAPES[name];
  if (args.length !== shape.length) {
    return `${name} takes ${shape.length} argument(s), got ${args.length}`;
  }
  for (let i = 0; i < shape.length; i++) {
    const kind = shape[i] as ArgKind;
    if (!fitsKind(kind, args[i])) return `${name} argument ${i + 1} must be of kind '${kind}'`;
  }
  return undefined;
}
