/**
 * One RAPI request as a resource handler sees it (lib/rapi/baserlib.py `ResourceBase`): the
 * URL's items and query arguments, the decoded body, the query-argument readers
 * (`_checkIntVariable`, `useBulk`, `dryRun`, ...), and luxi calls whose failures become the
 * HTTP errors ganeti-rapi answers (`GetClient`, `SubmitJob`, `HandleRequest`).
 */
import { GanetiError, JobQueueDrainError, JobQueueFull, NoMasterError, PermissionError, ProtocolError, TimeoutError } from '../errors.js';
import type { LuxiClient } from '../protocols/luxi/client.js';
import type { LuxiMethod, OpCode } from '../protocols/luxi/types.js';
import type { LuxiParams, LuxiResult } from '../protocols/luxi/methods.js';
import { RapiHttpError, badGateway, badRequest, gatewayTimeout, internalError, notFound, serviceUnavailable } from './http-error.js';
import type { LuxiPool } from './luxi-pool.js';
import { pyExceptionStr, pyInt, pyTypeName } from './python-format.js';

/** `errors.ECODE_NOENT`: the error code of "no such entity". */
const ECODE_NOENT = 'unknown_entity';

/** Python's None for "no body" and a JSON `null` body alike. */
export type RequestBody = unknown;

export class RapiRequest {
  /** The URL's variable parts (instance name, job id, ...), in order. */
  readonly items: readonly string[];
  /** `parse_qs` of the query string. */
  readonly queryArgs: ReadonlyMap<string, readonly string[]>;
  /** The decoded JSON body; null when there was none. */
  readonly body: RequestBody;
  /** The request path as sent, query string included (Ganeti's `req.request_path`). */
  readonly path: string;
  /** The handler class' name without `R_2_` (the reason trail's `gnt:library:rlib2:NAME`). */
  readonly opName: string;
  /** Set when the client went away: polling stops. */
  readonly signal: AbortSignal;
  readonly #pool: LuxiPool;
  #client: LuxiClient | undefined;
  #healthy = true;

  constructor(init: {
    items: readonly string[];
    queryArgs: ReadonlyMap<string, readonly string[]>;
    body: RequestBody;
    path: string;
    opName: string;
    pool: LuxiPool;
    signal: AbortSignal;
  }) {
    this.items = init.items;
    this.queryArgs = init.queryArgs;
    this.body = init.body;
    this.path = init.path;
    this.opName = init.opName;
    this.signal = init.signal;
    this.#pool = init.pool;
  }

  /** The first item (most resources have one). */
  get item(): string {
    return this.items[0] ?? '';
  }

  // Query arguments (baserlib `_checkIntVariable`, `_checkStringVariable`, ...).

  hasArg(name: string): boolean {
    return this.queryArgs.has(name);
  }

  /** The first value of `name`, or `fallback`. */
  stringArg<T extends string | null | undefined>(name: string, fallback: T): string | T {
    return this.queryArgs.get(name)?.[0] ?? fallback;
  }

  /** The first value of `name` as Python's `int()` reads it, or `fallback`. @throws 400. */
  intArg(name: string, fallback = 0): number {
    const text = this.queryArgs.get(name)?.[0];
    if (text === undefined) return fallback;
    const value = pyInt(text);
    if (value === undefined) throw badRequest(`Invalid value for the '${name}' parameter`);
    return value;
  }

  flagArg(name: string, fallback = 0): boolean {
    return this.intArg(name, fallback) !== 0;
  }
  useBulk(): boolean {
    return this.flagArg('bulk');
  }
  useLocking(): boolean {
    return this.flagArg('lock');
  }
  useForce(): boolean {
    return this.flagArg('force');
  }
  dryRun(): boolean {
    return this.flagArg('dry-run');
  }

  /**
   * `getBodyParameter(name[, default])`: the body's value for `name`. A missing key without a
   * default is a 400; a body that is not a dict fails as Python's subscript does (500).
   */
  bodyParam(name: string, ...fallback: [unknown?]): unknown {
    return checkParameter(this.body, name, fallback);
  }

  // Luxi.

  async #luxi(): Promise<LuxiClient> {
    this.#client ??= await this.#pool.acquire();
    return this.#client;
  }

  /** Calls luxi; failures become ganeti-rapi's answers (HandleRequest: 504, 502, else 500). */
  async call<M extends LuxiMethod>(method: M, params: LuxiParams<M>): Promise<LuxiResult<M>> {
    try {
      const client = await this.#luxi();
      return await client.call(method, params);
    } catch (err) {
      throw this.#mapError(err, false);
    }
  }

  /**
   * `HandleItemQueryErrors(fn, ...)`: like {@link call}, but an OpPrereqError with code
   * `unknown_entity`, or an empty answer, is a 404.
   */
  async callItem<M extends LuxiMethod>(method: M, params: LuxiParams<M>): Promise<LuxiResult<M>> {
    let result: LuxiResult<M>;
    try {
      const client = await this.#luxi();
      result = await client.call(method, params);
    } catch (err) {
      if (err instanceof GanetiError && err.className === 'OpPrereqError' && err.args.length === 2 && err.args[1] === ECODE_NOENT) {
        throw notFound();
      }
      throw this.#mapError(err, false);
    }
    if (Array.isArray(result) ? result.length === 0 : !result) throw notFound();
    return result;
  }

  /** `ResourceBase.SubmitJob`: submits one job; resolves with its id. */
  async submitJob(ops: OpCode[]): Promise<unknown> {
    try {
      const client = await this.#luxi();
      return await client.call('SubmitJob', [ops]);
    } catch (err) {
      throw this.#mapError(err, true);
    }
  }

  #mapError(err: unknown, submitting: boolean): unknown {
    if (err instanceof RapiHttpError) return err;
    if (err instanceof ProtocolError) this.#healthy = false;
    if (submitting) {
      if (err instanceof JobQueueFull) return serviceUnavailable('Job queue is full, needs archiving');
      if (err instanceof JobQueueDrainError) return serviceUnavailable('Job queue is drained, cannot submit');
      if (err instanceof PermissionError) return internalError('Internal error: no permission to connect to the master daemon');
      if (err instanceof TimeoutError) return gatewayTimeout(`Timeout while talking to the master daemon: ${err.message}`);
    }
    if (err instanceof TimeoutError) return gatewayTimeout();
    // ganeti-rapi connects first (GetClient), so every request fails with this text.
    if (err instanceof NoMasterError) return badGateway(`Can't connect to master daemon: ${this.#pool.socket}`);
    if (err instanceof ProtocolError) return badGateway(err.message);
    if (err instanceof GanetiError) return internalError(pyExceptionStr(err.args));
    return internalError(err instanceof Error ? err.message : String(err));
  }

  /** Gives the luxi connection back (called by the server once the answer is decided). */
  finish(): void {
    if (this.#client !== undefined) this.#pool.release(this.#client, this.#healthy);
    this.#client = undefined;
  }
}

/** `baserlib.CheckType`. @throws 400 "DESCR: Type is 'list', but 'dict' is expected". */
export function checkType(value: unknown, expected: 'dict' | 'list' | 'str' | 'int' | 'bool', descr: string): void {
  const actual = pyTypeName(value);
  // isinstance(True, int) holds in Python.
  const ok = actual === expected || (expected === 'int' && actual === 'bool');
  if (!ok) throw badRequest(`${descr}: Type is '${actual}', but '${expected}' is expected`);
}

/** What Python says when `data[name]` is done on something that is not a dict (3.11's texts). */
function subscriptError(data: unknown): RapiHttpError {
  const type = pyTypeName(data);
  if (type === 'list') return internalError('list indices must be integers or slices, not str');
  if (type === 'str') return internalError("string indices must be integers, not 'str'");
  return internalError(`'${type}' object is not subscriptable`);
}

/** `baserlib.CheckParameter(data, name, default=...)`; `fallback` empty means required. */
export function checkParameter(data: unknown, name: string, fallback: [unknown?] | []): unknown {
  if (pyTypeName(data) !== 'dict') {
    // A str body answers `'x' in "..."` style subscripts with TypeError too.
    throw subscriptError(data);
  }
  const dict = data as Record<string, unknown>;
  if (!Object.hasOwn(dict, name)) {
    if (fallback.length > 0) return fallback[0];
    throw badRequest(`Required parameter '${name}' is missing`);
  }
  return dict[name];
}
