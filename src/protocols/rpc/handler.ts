/**
 * Generic RPC dispatch with the semantics of Ganeti's WConfd and metad servers
 * (THH/RPC.hs `dispatch`, spec §6.4): a table of named methods with fixed arities.
 * Unknown methods and bad arguments are answered with GenericError and the connection
 * stays open; only a `method` that is not a string is a parse error. The server
 * (dispatch/server.ts) runs the resulting Handler.
 */
import type { Handler, RequestContext } from '../../dispatch/handler.js';
import { encodeJson } from '../../codec.js';
import { GanetiError, GenericError } from '../../errors.js';
import { RpcInputError, arityErrorText, readString, type RpcArgReader } from './readers.js';

/**
 * One RPC method: how many arguments it takes, optional readers that check (and may
 * convert) each argument, and the function that computes the result.
 */
export interface RpcMethod {
  /** Number of arguments. 0 takes exactly `[]`, 1 a one-element list, n an n-element list. */
  readonly arity: number;
  /** One reader per argument (length = arity). Without them, arguments pass unchecked. */
  readonly readers?: readonly RpcArgReader[];
  /**
   * Computes the result from the read arguments. Returning `undefined` answers `[]`,
   * as Haskell's `()` does (the real wconfd answers `flushConfig` with `[]`); return
   * `null` to answer null. A thrown GanetiError is sent as `[Class,[args]]`; anything
   * else as GenericError with its message.
   */
  readonly run: (args: unknown[], context: RequestContext) => unknown;
}

/** The argument types that a reader tuple produces. */
export type ArgsOf<R extends readonly RpcArgReader[]> = { -readonly [K in keyof R]: R[K] extends RpcArgReader<infer T> ? T : never };

/**
 * Defines a method whose arguments are checked by `readers`, with typed arguments.
 * @example rpcMethod([readString], ([s]) => s)
 */
export function rpcMethod<const R extends readonly RpcArgReader[]>(
  readers: R,
  run: (args: ArgsOf<R>, context: RequestContext) => unknown,
): RpcMethod {
  return { arity: readers.length, readers, run: run as RpcMethod['run'] };
}

/** Defines a method of `arity` arguments, passed unchecked. */
export function rpcMethodOfArity(arity: number, run: (args: unknown[], context: RequestContext) => unknown): RpcMethod {
  if (!Number.isSafeInteger(arity) || arity < 0) throw new RangeError(`arity must be a whole number >= 0, got ${String(arity)}`);
  return { arity, run };
}

/** The `echo` method of WConfd (Core.hs "Just a test function"): one String, returned as is. */
export const echoMethod: RpcMethod = rpcMethod([readString], ([s]) => s);

/** What {@link createRpcHandler}'s `parse` hands to `exec` (Ganeti's `Request`). */
export interface RpcRequest {
  readonly method: string;
  readonly args: unknown;
}

/** Options of {@link createRpcHandler}. */
export interface RpcHandlerOptions {
  /**
   * Add the `echo` method (a String returned unchanged) unless the table has one.
   * Default: false.
   */
  withEcho?: boolean;
}

/**
 * Builds a Handler dispatching on a method table (Ganeti `mkRpcM`/`dispatch`).
 * - `method` not a JSON string: parse error, i.e. the plain string
 *   `Failed to parse request: Cannot convert value '5', error: Unable to read String`
 *   and the connection closes.
 * - unknown method: `["GenericError",["No such method: foo"]]`, connection stays open.
 * - wrong argument count or type: `["GenericError",["RPC input: Unable to read Pair"]]`
 *   (texts as Text.JSON's, see readers.ts), connection stays open.
 * @throws TypeError if a method's readers do not match its arity.
 */
export function createRpcHandler(
  methods: Readonly<Record<string, RpcMethod>>,
  options: RpcHandlerOptions = {},
): Handler<RpcRequest, unknown> {
  const table = new Map<string, RpcMethod>();
  for (const [name, method] of Object.entries(methods)) {
    if (method.readers !== undefined && method.readers.length !== method.arity) {
      throw new TypeError(`RPC method ${name}: ${method.readers.length} readers for arity ${method.arity}`);
    }
    table.set(name, method);
  }
  if (options.withEcho === true && !table.has('echo')) table.set('echo', echoMethod);

  return {
    parse(method, args): RpcRequest {
      if (typeof method !== 'string') {
        throw new Error(`Cannot convert value '${encodeJson(method)}', error: Unable to read String`);
      }
      return { method, args };
    },
    describeShort: (input) => input.method,
    describeLong: (input) => input.method,
    exec(input, context) {
      // Ganeti looks the method up first, then reads the arguments (THH/RPC.hs `exec`).
      const method = table.get(input.method);
      if (method === undefined) throw new GenericError(`No such method: ${input.method}`);
      const args = readArgs(method, input.args);
      let result: unknown;
      try {
        result = method.run(args, context);
      } catch (err) {
        throw asGanetiError(err);
      }
      if (result instanceof Promise) return result.then(unitToJson, (err: unknown) => Promise.reject(asGanetiError(err)));
      return unitToJson(result);
    },
  };
}

function readArgs(method: RpcMethod, args: unknown): unknown[] {
  if (!Array.isArray(args) || args.length !== method.arity) {
    throw new GenericError(`RPC input: ${arityErrorText(method.arity)}`);
  }
  if (method.readers === undefined) return args;
  const out: unknown[] = [];
  for (let i = 0; i < args.length; i++) {
    const reader = method.readers[i] as RpcArgReader;
    try {
      out.push(reader(args[i]));
    } catch (err) {
      if (err instanceof RpcInputError) throw new GenericError(`RPC input: ${err.message}`);
      throw asGanetiError(err);
    }
  }
  return out;
}

function unitToJson(result: unknown): unknown {
  return result === undefined ? [] : result;
}

/** WConfd turns failures inside its monad into `GenericError (show e)`; we use the message. */
function asGanetiError(err: unknown): unknown {
  if (err instanceof GanetiError) return err;
  if (err instanceof Error) return new GenericError(err.message, { cause: err });
  return new GenericError(String(err));
}
