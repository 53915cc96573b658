/**
 * The Luxi method table: for each of the 25 wire names, how luxid decodes its args
 * (Luxi.hs `decodeLuxiCall`), how a client encodes them (lib/luxi.py), and whether the call
 * only reads (safe to re-send). Also the Luxi constants and the default socket path.
 * The server side is handler.ts, the client side client.ts; value readers live in decode.ts.
 */
import { join } from 'node:path';
import {
  fail,
  fromJResult,
  fromJVal,
  nullAsEmpty,
  patternFailure,
  readArray,
  readBool,
  readDouble,
  readFilter,
  readFilterAction,
  readFilterPredicate,
  readInt,
  readItemType,
  readJobId,
  readList,
  readNonNegativeInt,
  readReasonTrail,
  readString,
  readStrings,
  readTagKind,
  readTuple,
} from './decode.js';
import { parseOpCode } from './opcodes/parse.js';
import type { JobId, LuxiImplementation, LuxiMethod, QueryResource } from './types.js';

/** The Luxi protocol version Ganeti 3.0 sends (`LUXI_VERSION` = `configVersion` = 3000000). */
export const LUXI_VERSION = 3_000_000;
/** Longest wait of one WaitForJobChange, in seconds: `luxiWfjcTimeout` = (180 - 1) div 2 = 89. */
export const LUXI_WFJC_TIMEOUT_SECONDS = 89;
/** The job status value Python's client loops on ("nochange"); luxid itself never sends it (spec §6.1). */
export const JOB_NOTCHANGED = 'nochange';

/** The 25 Luxi method names, in the order of Ganeti's Constants.hs definitions. */
export const LUXI_METHODS = [
  'QueryNodes',
  'QueryInstances',
  'QueryGroups',
  'QueryNetworks',
  'QueryExports',
  'QueryJobs',
  'QueryFilters',
  'QueryConfigValues',
  'QueryClusterInfo',
  'QueryTags',
  'Query',
  'QueryFields',
  'SubmitJob',
  'SubmitJobToDrainedQueue',
  'SubmitManyJobs',
  'WaitForJobChange',
  'PickupJob',
  'ArchiveJob',
  'AutoArchiveJobs',
  'CancelJob',
  'ChangeJobPriority',
  'SetDrainFlag',
  'SetWatcherPause',
  'ReplaceFilter',
  'DeleteFilter',
] as const satisfies readonly LuxiMethod[];

// Compile-time check that LUXI_METHODS names every method of LuxiImplementation.
type MissingMethods = Exclude<LuxiMethod, (typeof LUXI_METHODS)[number]>;
const allListed: [MissingMethods] extends [never] ? true : MissingMethods = true;
void allListed;

/** The parameters of a Luxi method, as the implementation receives them. */
export type LuxiParams<M extends LuxiMethod> = Parameters<LuxiImplementation[M]>;
/** The result of a Luxi method. */
export type LuxiResult<M extends LuxiMethod> = Awaited<ReturnType<LuxiImplementation[M]>>;

/** One row of the method table. */
export interface LuxiMethodSpec<M extends LuxiMethod> {
  /** The wire name. */
  readonly name: M;
  /**
   * True when the call only reads state, so re-sending it after a dropped connection cannot
   * do anything twice: the Query* calls and WaitForJobChange. Python's client re-sends
   * every call (spec §3.2), which can submit a job twice; LuxiClient re-sends only these.
   */
  readonly readOnly: boolean;
  /**
   * Decodes the wire `args` as luxid's `decodeLuxiCall` does: strict arity and types.
   * @throws LuxiParseError with luxid's wording.
   */
  decode(args: unknown): LuxiParams<M>;
  /** Encodes parameters into the wire `args` list, as Ganeti's Python client sends them. */
  encode(params: LuxiParams<M>): unknown[];
}

/** The whole table, keyed by wire name. */
export type LuxiMethodTable = { readonly [M in LuxiMethod]: LuxiMethodSpec<M> };

/** `(a, b, ...) <- fromJVal args` with a reader per position (Text.JSON tuples). */
function tuple<T extends unknown[]>(args: unknown, readers: { [K in keyof T]: (v: unknown) => T[K] }): T {
  const n = readers.length as 2 | 3 | 5;
  return fromJVal(args, (v) => {
    const values = readTuple(v, n);
    return readers.map((read, i) => read(values[i])) as T;
  });
}

/** `[x] <- fromJVal args`, with `x` read by `read`. */
function single<T>(method: string, args: unknown, read: (v: unknown) => T): T {
  const values = fromJVal(args, readList(read));
  if (values.length !== 1) patternFailure(method);
  return values[0] as T;
}

/** `[ops] <- fromJVal args`, then each element read with `fromJResult method . readJSON`. */
function jobArgs<T>(method: string, args: unknown, read: (v: unknown) => T): T[] {
  const ops = single(method, args, readArray);
  return ops.map((op) => fromJResult(method, () => read(op)));
}

const readJobIds = readList(readJobId);
const readOpCodes = readList(parseOpCode);
const anyValue = (v: unknown): unknown => v;
const identity = <P extends unknown[]>(params: P): unknown[] => [...params];

function namesFieldsLock<M extends 'QueryNodes' | 'QueryInstances' | 'QueryGroups' | 'QueryNetworks'>(name: M): LuxiMethodSpec<M> {
  return {
    name,
    readOnly: true,
    decode: (args) => tuple<[string[], string[], boolean]>(args, [readStrings, readStrings, readBool]) as LuxiParams<M>,
    encode: identity,
  };
}

/** Reads a `JSValue` first, then (unless null) the list inside with its own `fromJVal` (QueryJobs, QueryFilters). */
function nullOrList<T>(read: (v: unknown) => T[]): (v: unknown) => T[] {
  return nullAsEmpty((v) => fromJVal(v, read));
}

/** The Luxi method table (one row per wire name). */
export const LUXI_METHOD_TABLE: LuxiMethodTable = {
  QueryNodes: namesFieldsLock('QueryNodes'),
  QueryInstances: namesFieldsLock('QueryInstances'),
  QueryGroups: namesFieldsLock('QueryGroups'),
  QueryNetworks: namesFieldsLock('QueryNetworks'),
  QueryExports: {
    name: 'QueryExports',
    readOnly: true,
    decode: (args) => tuple<[string[], boolean]>(args, [readStrings, readBool]),
    encode: identity,
  },
  QueryJobs: {
    name: 'QueryJobs',
    readOnly: true,
    // luxid turns a null id list into [] ("all jobs").
    decode: (args) => tuple<[JobId[], string[]]>(args, [nullOrList(readJobIds), readStrings]),
    encode: identity,
  },
  QueryFilters: {
    name: 'QueryFilters',
    readOnly: true,
    decode: (args) => tuple<[string[], string[]]>(args, [nullOrList(readStrings), readStrings]),
    encode: identity,
  },
  QueryConfigValues: {
    name: 'QueryConfigValues',
    readOnly: true,
    decode: (args) => [single('QueryConfigValues', args, readStrings)],
    encode: identity,
  },
  QueryClusterInfo: {
    name: 'QueryClusterInfo',
    readOnly: true,
    // luxid ignores the args of QueryClusterInfo altogether.
    decode: () => [],
    encode: () => [],
  },
  QueryTags: {
    name: 'QueryTags',
    readOnly: true,
    decode: (args) => tuple<[string, string]>(args, [readTagKind, readString]),
    encode: identity,
  },
  Query: {
    name: 'Query',
    readOnly: true,
    decode: (args) => tuple<[QueryResource, string[], ReturnType<typeof readFilter>]>(args, [readItemType, readStrings, readFilter]),
    encode: identity,
  },
  QueryFields: {
    name: 'QueryFields',
    readOnly: true,
    decode: (args) => tuple<[QueryResource, string[]]>(args, [readItemType, nullOrList(readStrings)]),
    encode: identity,
  },
  SubmitJob: {
    name: 'SubmitJob',
    readOnly: false,
    decode: (args) => [jobArgs('SubmitJob', args, parseOpCode)],
    encode: identity,
  },
  SubmitJobToDrainedQueue: {
    name: 'SubmitJobToDrainedQueue',
    readOnly: false,
    decode: (args) => [jobArgs('SubmitJobToDrainedQueue', args, parseOpCode)],
    encode: identity,
  },
  SubmitManyJobs: {
    name: 'SubmitManyJobs',
    readOnly: false,
    decode: (args) => [jobArgs('SubmitManyJobs', args, readOpCodes)],
    encode: identity,
  },
  WaitForJobChange: {
    name: 'WaitForJobChange',
    readOnly: true,
    decode: (args) =>
      fromJResult('Parsing WaitForJobChange message', () => {
        if (!Array.isArray(args) || args.length !== 5) fail('Not enough values');
        const [jid, fields, prevJob, prevLog, timeout] = args as unknown[];
        const id = readJobId(jid);
        const names = readStrings(fields);
        anyValue(prevJob);
        anyValue(prevLog);
        const seconds = readInt(timeout);
        // luxid takes both "prev" values as any JSON and compares them with the current
        // state; a value that is not a list (or not a number) can never match, like null.
        const prevInfo = Array.isArray(prevJob) ? prevJob : null;
        const prevSerial = typeof prevLog === 'number' ? prevLog : typeof prevLog === 'bigint' ? Number(prevLog) : null;
        return [id, names, prevInfo, prevSerial, seconds];
      }),
    // Python caps the wait at WFJC_TIMEOUT (luxi.py WaitForJobChangeOnce).
    encode: ([jobId, fields, prevInfo, prevSerial, timeout]) => [
      jobId,
      fields,
      prevInfo,
      prevSerial,
      Math.min(LUXI_WFJC_TIMEOUT_SECONDS, timeout),
    ],
  },
  PickupJob: {
    name: 'PickupJob',
    readOnly: false,
    decode: (args) => [single('PickupJob', args, readJobId)],
    encode: identity,
  },
  ArchiveJob: {
    name: 'ArchiveJob',
    readOnly: false,
    decode: (args) => [single('ArchiveJob', args, readJobId)],
    encode: identity,
  },
  AutoArchiveJobs: {
    name: 'AutoArchiveJobs',
    readOnly: false,
    decode: (args) => tuple<[number, number]>(args, [readInt, readInt]),
    encode: identity,
  },
  CancelJob: {
    name: 'CancelJob',
    readOnly: false,
    // `(jid, kill) <- fromJVal args <|> (flip (,) False . getOneTuple) <$> fromJVal args`:
    // [jid, kill] or [jid]; when both fail, the second failure is the one reported.
    decode: (args) => {
      if (Array.isArray(args) && args.length === 2) {
        try {
          return tuple<[JobId, boolean]>(args, [readJobId, readBool]);
        } catch {
          // fall through to the one-tuple form, as `<|>` does
        }
      }
      return fromJVal(args, (v) => {
        if (!Array.isArray(v) || v.length !== 1) fail('Unable to read 1 tuple');
        return [readJobId(v[0]), false] as [JobId, boolean];
      });
    },
    encode: identity,
  },
  ChangeJobPriority: {
    name: 'ChangeJobPriority',
    readOnly: false,
    decode: (args) => tuple<[JobId, number]>(args, [readJobId, readInt]),
    encode: identity,
  },
  SetDrainFlag: {
    name: 'SetDrainFlag',
    readOnly: false,
    decode: (args) => [single('SetDrainFlag', args, readBool)],
    encode: identity,
  },
  SetWatcherPause: {
    name: 'SetWatcherPause',
    readOnly: false,
    // `optional`: any args that do not read as [seconds] count as null (Luxi.hs).
    decode: (args) => {
      try {
        return [single('SetWatcherPause', args, readDouble)];
      } catch {
        return [null];
      }
    },
    encode: identity,
  },
  ReplaceFilter: {
    name: 'ReplaceFilter',
    readOnly: false,
    decode: (args) =>
      tuple<[string | null, number, unknown[], unknown, unknown[]]>(args, [
        (v) => (v === null ? null : readString(v)),
        readNonNegativeInt,
        readList(readFilterPredicate),
        readFilterAction,
        readReasonTrail,
      ]),
    encode: identity,
  },
  DeleteFilter: {
    name: 'DeleteFilter',
    readOnly: false,
    decode: (args) => [single('DeleteFilter', args, readString)],
    encode: identity,
  },
};

/** True if `name` is one of the 25 Luxi wire names. */
export function isLuxiMethod(name: unknown): name is LuxiMethod {
  return typeof name === 'string' && Object.hasOwn(LUXI_METHOD_TABLE, name);
}

/**
 * Decodes a request's method and args (luxid `decodeLuxiCall`).
 * @throws LuxiParseError, e.g. `Unable to parse LUXI request method: Invalid string value for type LuxiReq: "Foo"`.
 */
export function decodeLuxiCall(method: unknown, args: unknown): LuxiCall {
  if (typeof method !== 'string') fail('Unable to parse LUXI request method: Unable to read String');
  if (!isLuxiMethod(method)) fail(`Unable to parse LUXI request method: Invalid string value for type LuxiReq: ${JSON.stringify(method)}`);
  const spec = LUXI_METHOD_TABLE[method] as LuxiMethodSpec<LuxiMethod>;
  return { method, params: spec.decode(args) } as LuxiCall;
}

/** A decoded Luxi request: the method and its parameters. */
export type LuxiCall = { [M in LuxiMethod]: { method: M; params: LuxiParams<M> } }[LuxiMethod];

/** Encodes a call's parameters into wire args (the client side of the table). */
export function encodeLuxiArgs<M extends LuxiMethod>(method: M, params: LuxiParams<M>): unknown[] {
  return (LUXI_METHOD_TABLE[method] as LuxiMethodSpec<M>).encode(params);
}

/**
 * Ganeti's query socket path (`Path.defaultQuerySocket`):
 * `$GANETI_ROOTDIR/var/run/ganeti/socket/ganeti-query`, the prefix empty when unset.
 */
export function defaultQuerySocket(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(env['GANETI_ROOTDIR'] ?? '/', 'var/run/ganeti/socket/ganeti-query');
}
