/**
 * The shape of a RAPI resource (one URL pattern of lib/rapi/connector.py and its rlib2
 * handler class) and the building blocks the resource modules share: the generic opcode
 * handler of baserlib's `OpcodeResource` (`_GenericHandler`, `*_RENAME`, `*_FORBIDDEN`),
 * GET aliases, `MapFields`, `BuildUriList` and the tag resources of `_R_Tags`.
 */
import { compareCodePoints } from '../protocols/luxi/opcodes/named-types.js';
import { badRequest, forbidden, internalError } from './http-error.js';
import { fillOpcode, rapiReasonTrail } from './opcode-fill.js';
import { pyRepr, pyTypeName } from './python-format.js';
import type { RapiRequest } from './request.js';
import { RAPI_ACCESS, type RapiAccess } from './users.js';

/** The HTTP methods RAPI resources implement (baserlib `_SUPPORTED_METHODS`). */
export type RapiMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** One method of a resource: who may call it, and what it answers (a JSON value). */
export interface MethodSpec {
  /** Options a user needs, any of them (`GET_ACCESS`...); empty: no authentication needed. */
  readonly access: readonly RapiAccess[];
  run(req: RapiRequest): Promise<unknown>;
}

/** One resource: its URL pattern as rapi.rst writes it, and its methods. */
export interface ResourceSpec {
  /** E.g. `/2/instances/[instance_name]/tags`; `[...]` parts are the URL's items. */
  readonly pattern: string;
  /** The rlib2 class name (`R_2_instances_name_tags`): its tail names the reason source. */
  readonly className: string;
  readonly methods: Partial<Record<RapiMethod, MethodSpec>>;
}

/** Access lists of baserlib/rlib2. */
export const NO_AUTH: readonly RapiAccess[] = [];
export const WRITE: readonly RapiAccess[] = [RAPI_ACCESS.write];
export const READ_OR_WRITE: readonly RapiAccess[] = [RAPI_ACCESS.write, RAPI_ACCESS.read];

/** A GET (no authentication unless given). */
export function read(run: (req: RapiRequest) => Promise<unknown> | unknown, access = NO_AUTH): MethodSpec {
  return { access, run: async (req) => run(req) };
}

/** A PUT/POST/DELETE written by hand (write access unless given). */
export function write(run: (req: RapiRequest) => Promise<unknown> | unknown, access = WRITE): MethodSpec {
  return { access, run: async (req) => run(req) };
}

/** Python's truth value of a decoded JSON value. */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === 0n || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** What an opcode handler submits: the body and the static parameters (`Get*OpInput`). */
export type OpInput = [body: unknown, staticParams: Record<string, unknown> | null];

export interface OpcodeMethodOptions {
  /** `*_RENAME`: body keys renamed to opcode parameters. */
  rename?: Readonly<Record<string, string>>;
  /** `*_FORBIDDEN`: parameters a request may not set at all. */
  forbidden?: readonly string[];
  access?: readonly RapiAccess[];
}

/** The body itself and no static parameters (`_GetDefaultData`). */
export const bodyOnly = (req: RapiRequest): OpInput => [req.body, null];

/** `InspectParams` for the parameters set to any value only. */
function inspectForbidden(params: unknown, forbiddenNames: readonly string[], rename: Readonly<Record<string, string>> | undefined): void {
  let keys: unknown[];
  if (params instanceof Map) keys = [...params.keys()];
  else if (Array.isArray(params)) keys = params;
  else if (typeof params === 'string') keys = [...params];
  else if (params !== null && typeof params === 'object') keys = Object.keys(params);
  else throw internalError(`'${pyTypeName(params)}' object is not iterable`);
  for (const key of keys) {
    const name = typeof key === 'string' && rename?.[key] !== undefined ? rename[key] : key;
    if (typeof name === 'string' && forbiddenNames.includes(name)) throw forbidden(`The parameter ${name} cannot be set via RAPI`);
  }
}

/**
 * `OpcodeResource._GenericHandler`: the input function's body and static parameters, the
 * body's `depends`, the reason trail, `FillOpcode`, then `SubmitJob`; answers the job id.
 */
export function opcodeMethod(opId: string, input: (req: RapiRequest) => OpInput, options: OpcodeMethodOptions = {}): MethodSpec {
  return {
    access: options.access ?? WRITE,
    run: async (req) => {
      if (options.forbidden) {
        inspectForbidden(req.queryArgs, options.forbidden, options.rename);
        inspectForbidden(req.body, options.forbidden, options.rename);
      }
      const [body, specific] = input(req);
      let filled = body;
      if (pyTypeName(body) === 'dict' && pyTypeName(req.body) === 'dict') {
        const depends = (req.body as Record<string, unknown>)['depends'];
        if (pyTruthy(depends)) filled = { ...(body as Record<string, unknown>), depends };
      }
      const staticParams = { reason: rapiReasonTrail(req.opName, req.stringArg('reason', null)), ...specific };
      const op = fillOpcode(opId, filled, staticParams, options.rename);
      return req.submitJob([op]);
    },
  };
}

/** `baserlib.GetHandler`: adds each alias of a GET result's key (`GET_ALIASES`). */
export function withAliases(spec: MethodSpec, aliases: Readonly<Record<string, string>>): MethodSpec {
  return {
    access: spec.access,
    run: async (req) => {
      const result = await spec.run(req);
      if (pyTypeName(result) !== 'dict') return result;
      const dict = result as Record<string, unknown>;
      for (const [param, alias] of Object.entries(aliases)) {
        if (!Object.hasOwn(dict, param)) continue;
        if (Object.hasOwn(dict, alias)) {
          throw badRequest(`Parameter '${param}' has an alias of '${alias}', but both values are present in response`);
        }
        dict[alias] = dict[param];
      }
      return dict;
    },
  };
}

/** `baserlib.MapFields`: one record from field names and a row. */
export function mapFields(names: readonly string[], row: unknown): Record<string, unknown> {
  if (!Array.isArray(row) || row.length !== names.length) {
    if (!Array.isArray(row)) throw internalError(`object of type '${pyTypeName(row)}' has no len()`);
    throw internalError('Names and data must have the same length');
  }
  const out: Record<string, unknown> = {};
  names.forEach((n, i) => {
    out[n] = row[i];
  });
  return out;
}

/** `baserlib.MapBulkFields`. */
export function mapBulkFields(rows: unknown, names: readonly string[]): Record<string, unknown>[] {
  if (!Array.isArray(rows)) throw internalError(`'${pyTypeName(rows)}' object is not iterable`);
  return rows.map((row) => mapFields(names, row));
}

/** `baserlib.BuildUriList`: `[{id, uri}]` sorted by id (Python's code-point order). */
export function buildUriList(ids: unknown[], uriFormat: (id: string) => string, fields: [string, string]): Record<string, unknown>[] {
  const sorted = [...ids].sort((a, b) =>
    typeof a === 'string' && typeof b === 'string' ? compareCodePoints(a, b) : Number(a) - Number(b),
  );
  return sorted.map((id) => ({ [fields[0]]: id, [fields[1]]: uriFormat(String(id)) }));
}

/** The first column of each row (`[row[0] for row in rows]`). */
export function firstColumn(rows: unknown): unknown[] {
  if (!Array.isArray(rows)) throw internalError(`'${pyTypeName(rows)}' object is not iterable`);
  return rows.map((row) => (Array.isArray(row) ? row[0] : row));
}

/** `_R_Tags` for one tag kind: GET the tags, PUT/DELETE `?tag=...` through OpTagsSet/OpTagsDel. */
export function tagResource(pattern: string, className: string, kind: string): ResourceSpec {
  const name = (req: RapiRequest): string | null => (kind === 'cluster' ? null : req.item);
  const input = (req: RapiRequest): OpInput => [
    {},
    { kind, name: name(req), tags: [...(req.queryArgs.get('tag') ?? [])], dry_run: req.dryRun() },
  ];
  return {
    pattern,
    className,
    methods: {
      GET: read(async (req) => {
        const tags = await req.call('QueryTags', [kind, name(req) ?? '']);
        if (!Array.isArray(tags)) throw internalError(`'${pyTypeName(tags)}' object is not iterable: ${pyRepr(tags)}`);
        return tags;
      }),
      PUT: opcodeMethod('OP_TAGS_SET', input),
      DELETE: opcodeMethod('OP_TAGS_DEL', input),
    },
  };
}
