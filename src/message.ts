/**
 * Requests and responses (spec §1.2-1.3): the wire keys, and building and parsing calls
 * and responses with Ganeti's shapes and error texts. Pure functions over strings/Buffers.
 */
import { decodeJson, encodeJson, encodeJsonUnchecked, type DecodeOptions } from './codec.js';
import { ErrorCodes, GanetiError, GenericError, ProtocolError } from './errors.js';

/** The keys of requests and responses (Ganeti `MsgKeys`). */
export const MsgKeys = {
  Method: 'method',
  Args: 'args',
  Success: 'success',
  Result: 'result',
  Version: 'version',
} as const;
export type MsgKey = (typeof MsgKeys)[keyof typeof MsgKeys];

/** The serialisation of a key (Ganeti `strOfKey`); the identity, kept for recognisability. */
export function strOfKey(key: MsgKey): string {
  return key;
}

/** A decoded request. `version` is only present when the client sent one (Python does). */
export interface Call {
  method: unknown;
  args: unknown;
  version?: unknown;
}

/** A decoded response. */
export interface Response {
  success: boolean;
  result: unknown;
  version?: unknown;
}

/**
 * Serialises a request as Haskell's `buildCall` does: compact, `method` first, no version.
 * Non-ASCII is escaped (spec §1.5).
 */
export function buildCall(method: string, args: unknown): string {
  return `{"method":${encodeJson(method)},"args":${encodeJson(args)}}`;
}

/**
 * The text of a response before its encoded result (which is followed by `}`), for
 * writers that send a large result in pieces.
 */
export function responseHead(success: boolean): string {
  return success ? '{"success":true,"result":' : '{"success":false,"result":';
}

/**
 * Serialises a response as Haskell's `buildResponse` does: compact, `success` first.
 */
export function buildResponse(success: boolean, result: unknown): string {
  return `${responseHead(success)}${encodeJson(result)}}`;
}

/**
 * {@link buildCall} without the ASCII escaping, for writers that escape a whole batch at
 * once (transport/connection.ts): the text may hold characters above U+007F.
 */
export function buildCallText(method: string, args: unknown): string {
  return `{"method":${encodeJsonUnchecked(method)},"args":${encodeJsonUnchecked(args)}}`;
}

/** {@link buildResponse} without the ASCII escaping (see {@link buildCallText}). */
export function buildResponseText(success: boolean, result: unknown): string {
  return `${responseHead(success)}${encodeJsonUnchecked(result)}}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function missingKey(key: string, obj: Record<string, unknown>): string {
  return `key '${key}' not found, object contains only ${encodeJson(Object.keys(obj))}`;
}

/**
 * Parses a request, requiring `method` and `args` (Ganeti `parseCall`). Their types are
 * left to the handler's parser.
 * @throws ProtocolError whose message is the reason Ganeti would give, e.g.
 *   `key 'method' not found, object contains only ["args"]`.
 */
export function parseCall(payload: Buffer | string, options?: DecodeOptions): Call {
  let value: unknown;
  try {
    value = decodeJson(payload, options);
  } catch (err) {
    const e = err as ProtocolError;
    throw new ProtocolError(`parsing top-level JSON message: ${e.message}`, e.code, { cause: err });
  }
  if (!isPlainObject(value)) {
    throw new ProtocolError(
      `parsing top-level JSON message: expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`,
      ErrorCodes.invalidMessage,
    );
  }
  for (const key of [MsgKeys.Method, MsgKeys.Args]) {
    if (!Object.hasOwn(value, key)) throw new ProtocolError(missingKey(key, value), ErrorCodes.invalidMessage);
  }
  const call: Call = { method: value[MsgKeys.Method], args: value[MsgKeys.Args] };
  if (Object.hasOwn(value, MsgKeys.Version)) call.version = value[MsgKeys.Version];
  return call;
}

/**
 * Decodes a response without judging `success` (for tools that want both outcomes).
 * @throws GenericError with Ganeti's texts (`Parsing LUXI response: ...`,
 *   `key 'success' not found, ...`, `key 'success': Unable to read Bool`).
 */
export function decodeResponse(payload: Buffer | string, options?: DecodeOptions): Response {
  let value: unknown;
  try {
    value = decodeJson(payload, options);
  } catch (err) {
    throw new GenericError(`Parsing LUXI response: ${(err as Error).message}`, { cause: err });
  }
  if (!isPlainObject(value)) {
    throw new GenericError(`Parsing LUXI response: expected a JSON object, got ${encodeJson(value).slice(0, 200)}`);
  }
  if (!Object.hasOwn(value, MsgKeys.Success)) throw new GenericError(missingKey(MsgKeys.Success, value));
  if (typeof value[MsgKeys.Success] !== 'boolean') throw new GenericError(`key 'success': Unable to read Bool`);
  if (!Object.hasOwn(value, MsgKeys.Result)) throw new GenericError(missingKey(MsgKeys.Result, value));
  const response: Response = { success: value[MsgKeys.Success] as boolean, result: value[MsgKeys.Result] };
  if (Object.hasOwn(value, MsgKeys.Version)) response.version = value[MsgKeys.Version];
  return response;
}

/**
 * Parses a response and returns its `result` when `success` is true (Ganeti
 * `parseResponse`).
 * @throws the decoded GanetiError when `success` is false (a plain-string result becomes
 *   RequestError), or GenericError when the response is malformed.
 */
export function parseResponse(payload: Buffer | string, options?: DecodeOptions): unknown {
  const response = decodeResponse(payload, options);
  if (!response.success) throw GanetiError.fromWire(response.result);
  return response.result;
}
