/**
 * The typed error family: Ganeti's wire errors (`[ClassName, [args]]`, spec §2) and the
 * local ProtocolError family (never sent; stable `code`s). Owns the wire mapping of
 * failures in one place; the class table itself lives in ganeti-errors.ts.
 */
import { checkErrorArgs, isGanetiErrorName, type ErrorCode, type GanetiErrorName } from './ganeti-errors.js';

/** The wire form of a Ganeti error: `[ClassName, [args...]]`. */
export type WireError = [className: string, args: unknown[]];

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

function messageOf(args: readonly unknown[]): string {
  if (args.length === 1) return describe(args[0]);
  if (args.length > 1 && typeof args[0] === 'string') return args[0];
  return args.length === 0 ? '' : describe(args);
}

/**
 * A Ganeti exception as it travels on the wire. `name` equals the wire class name, so
 * `String(err)` reads `OpPrereqError: message`. `args` are the exact wire arguments.
 */
export class GanetiError extends Error {
  /** The wire class name, e.g. `OpPrereqError`. */
  readonly className: string;
  /** The exact wire arguments. */
  readonly args: readonly unknown[];

  constructor(className: string, args: readonly unknown[], options?: ErrorOptions) {
    super(messageOf(args), options);
    this.className = className;
    this.args = args;
    Object.defineProperty(this, 'name', { value: className, enumerable: false, configurable: true });
  }

  /** The wire form `[ClassName, [args]]`. */
  toWire(): WireError {
    return [this.className, [...this.args]];
  }

  /**
   * Decodes a failed response's `result` (spec §2.1):
   * - `[name, [args]]` with a known name gives that class (args kept verbatim, even when
   *   their arity is off, so the error round-trips; Python's `MaybeRaise` does the same);
   * - `[name, [args]]` with an unknown name gives a plain GanetiError of that name;
   * - a plain string (a server's "Failed to parse request: ..." answer) gives RequestError;
   * - anything else gives RequestError quoting the value.
   */
  static fromWire(value: unknown): GanetiError {
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Array.isArray(value[1])) {
      const [name, args] = value as [string, unknown[]];
      if (isGanetiErrorName(name)) return createGanetiError(name, args);
      return new GanetiError(name, args);
    }
    return new RequestError(value);
  }
}

const classesByName = new Map<string, new (...args: never[]) => GanetiError>();

function register<T extends new (...args: never[]) => GanetiError>(name: GanetiErrorName, cls: T): T {
  classesByName.set(name, cls);
  return cls;
}

/** Base of the classes whose only argument is a message. */
export class MessageError extends GanetiError {
  constructor(message: string, options?: ErrorOptions) {
    super(new.target.name, [message], options);
  }
}

export class GenericError extends MessageError {}
export class LockError extends MessageError {}
export class PidFileLockError extends MessageError {}
export class HypervisorError extends MessageError {}
export class ProgrammerError extends MessageError {}
export class BlockDeviceError extends MessageError {}
export class ConfigurationError extends MessageError {}
export class ReservationError extends MessageError {}
export class RemoteError extends MessageError {}
export class SignatureError extends MessageError {}
export class ParameterError extends MessageError {}
export class ResultValidationError extends MessageError {}
export class OpExecError extends MessageError {}
export class OpResultError extends MessageError {}
export class OpCodeUnknown extends MessageError {}
export class JobLost extends MessageError {}
export class JobFileCorrupted extends MessageError {}
export class HooksFailure extends MessageError {}
export class UnitParseError extends MessageError {}
export class ParseError extends MessageError {}
export class TypeEnforcementError extends MessageError {}
export class TagError extends MessageError {}
export class CommandError extends MessageError {}
export class StorageError extends MessageError {}
export class InotifyError extends MessageError {}
export class JobQueueError extends MessageError {}
export class JobQueueDrainError extends MessageError {}
export class ConfdMagicError extends MessageError {}
export class ConfdClientError extends MessageError {}
export class UdpDataSizeError extends MessageError {}
export class NoCtypesError extends MessageError {}
export class IPAddressError extends MessageError {}
export class LuxiError extends MessageError {}
export class QueryFilterParseError extends MessageError {}
export class RapiTestResult extends MessageError {}
export class FileStoragePathError extends MessageError {}
export class HotplugError extends MessageError {}
export class AddressPoolError extends MessageError {}
export class OpRetryNotSupportedError extends MessageError {}
export class DeviceCreationError extends MessageError {}
export class JobCanceled extends MessageError {}
export class SshUpdateError extends MessageError {}

/** `OpPrereqError [msg, ecode]`: a precondition failed; `errCode` says which kind. */
export class OpPrereqError extends GanetiError {
  constructor(message: string, errCode: ErrorCode | (string & {}), options?: ErrorOptions) {
    super('OpPrereqError', [message, errCode], options);
  }
  /** The error code, e.g. `wrong_input`. */
  get errCode(): string | undefined {
    return typeof this.args[1] === 'string' ? this.args[1] : undefined;
  }
}

/** `ConfigVerifyError [msg, [errors]]`. */
export class ConfigVerifyError extends GanetiError {
  constructor(message: string, errors: readonly string[], options?: ErrorOptions) {
    super('ConfigVerifyError', [message, [...errors]], options);
  }
  get errors(): readonly string[] {
    return Array.isArray(this.args[1]) ? (this.args[1] as string[]) : [];
  }
}

/** `ConfigVersionMismatch [expected, actual]`. */
export class ConfigVersionMismatch extends GanetiError {
  constructor(expected: number, actual: number, options?: ErrorOptions) {
    super('ConfigVersionMismatch', [expected, actual], options);
    this.message = `Configuration version mismatch, expected ${expected}, got ${actual}`;
  }
}

/** `ResolverError [host, code, msg]`. */
export class ResolverError extends GanetiError {
  constructor(host: string, code: number, message: string, options?: ErrorOptions) {
    super('ResolverError', [host, code, message], options);
    this.message = message;
  }
}

/** `HooksAbort [[[node, script, output], ...]]`. */
export class HooksAbort extends GanetiError {
  constructor(results: ReadonlyArray<readonly [string, string, string]>, options?: ErrorOptions) {
    super('HooksAbort', [results.map((r) => [...r])], options);
    this.message = 'Failure in hooks execution';
  }
}

/** `X509CertError [certFile, msg]`. */
export class X509CertError extends GanetiError {
  constructor(certFile: string, message: string, options?: ErrorOptions) {
    super('X509CertError', [certFile, message], options);
    this.message = `${certFile}: ${message}`;
  }
}

/** `JobQueueFull []`. */
export class JobQueueFull extends GanetiError {
  constructor(options?: ErrorOptions) {
    super('JobQueueFull', [], options);
    this.message = 'Job queue full';
  }
}

for (const cls of [
  GenericError,
  LockError,
  PidFileLockError,
  HypervisorError,
  ProgrammerError,
  BlockDeviceError,
  ConfigurationError,
  ReservationError,
  RemoteError,
  SignatureError,
  ParameterError,
  ResultValidationError,
  OpExecError,
  OpResultError,
  OpCodeUnknown,
  JobLost,
  JobFileCorrupted,
  HooksFailure,
  UnitParseError,
  ParseError,
  TypeEnforcementError,
  TagError,
  CommandError,
  StorageError,
  InotifyError,
  JobQueueError,
  JobQueueDrainError,
  ConfdMagicError,
  ConfdClientError,
  UdpDataSizeError,
  NoCtypesError,
  IPAddressError,
  LuxiError,
  QueryFilterParseError,
  RapiTestResult,
  FileStoragePathError,
  HotplugError,
  AddressPoolError,
  OpRetryNotSupportedError,
  DeviceCreationError,
  JobCanceled,
  SshUpdateError,
  OpPrereqError,
  ConfigVerifyError,
  ConfigVersionMismatch,
  ResolverError,
  HooksAbort,
  X509CertError,
  JobQueueFull,
]) {
  register(cls.name as GanetiErrorName, cls);
}

/**
 * Builds the typed class for `name` holding exactly `args` (not re-validated: use
 * `checkErrorArgs` for that). The result is `instanceof` the class named.
 */
export function createGanetiError(name: GanetiErrorName, args: readonly unknown[]): GanetiError {
  const cls = classesByName.get(name);
  if (cls === undefined) return new GanetiError(name, args);
  const err = Object.create(cls.prototype) as GanetiError;
  const plain = new GanetiError(name, args);
  Object.assign(err, { className: name, args });
  Object.defineProperty(err, 'name', { value: name, enumerable: false, configurable: true });
  Object.defineProperty(err, 'message', { value: plain.message, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(err, 'stack', { value: plain.stack, writable: true, enumerable: false, configurable: true });
  return err;
}

/**
 * Converts anything a handler threw into a GanetiError to send: GanetiErrors pass (after
 * an arity check of known classes: a mis-shaped one becomes GenericError, since a peer
 * decoding strictly would choke on it), other values become `GenericError(String(err))`.
 */
export function toGanetiError(err: unknown): GanetiError {
  if (err instanceof ProtocolError) return new GenericError(err.message, { cause: err });
  if (err instanceof GanetiError) {
    if (isGanetiErrorName(err.className)) {
      const problem = checkErrorArgs(err.className, err.args);
      if (problem !== undefined) return new GenericError(`${err.className}: ${err.message} (${problem})`, { cause: err });
    }
    return err;
  }
  if (err instanceof Error) return new GenericError(`${err.name}: ${err.message}`, { cause: err });
  return new GenericError(describe(err));
}

// ---------------------------------------------------------------------------------------
// Local failures (Python's ganeti.rpc.errors): never sent, each with a stable code.

/** Stable codes of local failures, for `err.code` checks. */
export const ErrorCodes = {
  connectionClosed: 'UDS_ERR_CONNECTION_CLOSED',
  timeout: 'UDS_ERR_TIMEOUT',
  request: 'UDS_ERR_REQUEST',
  noMaster: 'UDS_ERR_NO_MASTER',
  permission: 'UDS_ERR_PERMISSION',
  messageTooLarge: 'UDS_ERR_MESSAGE_TOO_LARGE',
  invalidJson: 'UDS_ERR_INVALID_JSON',
  tooDeep: 'UDS_ERR_TOO_DEEP',
  invalidUtf8: 'UDS_ERR_INVALID_UTF8',
  invalidMessage: 'UDS_ERR_INVALID_MESSAGE',
  connect: 'UDS_ERR_CONNECT',
  listen: 'UDS_ERR_LISTEN',
  destroyed: 'UDS_ERR_DESTROYED',
} as const;
export type ProtocolErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** A local protocol or transport failure. Never sent on the wire. */
export class ProtocolError extends GanetiError {
  /** Stable identifier, e.g. `UDS_ERR_TIMEOUT`. */
  readonly code: ProtocolErrorCode;
  constructor(message: string, code: ProtocolErrorCode = ErrorCodes.invalidMessage, options?: ErrorOptions) {
    super(new.target.name, [message], options);
    this.code = code;
  }
}

/** The peer closed the connection (or it broke) before an answer came. */
export class ConnectionClosedError extends ProtocolError {
  constructor(message = 'Connection closed while reading', options?: ErrorOptions) {
    super(message, ErrorCodes.connectionClosed, options);
  }
}

/** A connect, send or receive did not finish in time. */
export class TimeoutError extends ProtocolError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ErrorCodes.timeout, options);
  }
}

/**
 * The server answered with something other than `[Class,[args]]`, usually the plain
 * string "Failed to parse request: ..." (after which a Ganeti server closes).
 */
export class RequestError extends ProtocolError {
  /** The raw `result` value the server sent. */
  readonly result: unknown;
  constructor(result: unknown, options?: ErrorOptions) {
    super(describe(result), ErrorCodes.request, options);
    this.result = result;
  }
}

/** No daemon listens at the socket path (ENOENT / ECONNREFUSED once retries ran out). */
export class NoMasterError extends ProtocolError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ErrorCodes.noMaster, options);
  }
}

/** The socket refused us (EACCES / EPERM). */
export class PermissionError extends ProtocolError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ErrorCodes.permission, options);
  }
}
