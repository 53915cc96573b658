/**
 * The demo luxid's query engine: `Query`, `QueryFields` and the classic row-set calls
 * (QueryNodes, QueryInstances, ...) over cluster data and the job queue, following Ganeti
 * 3.0 `Query/Query.hs` (`genericQuery`, `queryJobs`, `queryCompat`) and `Config.hs` lookups.
 */
import { GenericError, OpPrereqError } from '../errors.js';
import type { FieldDefinition, JobId, QueryCell, QueryFieldsResult, QueryResult } from '../protocols/luxi/types.js';
import {
  EXPORT_FIELDS,
  FILTER_FIELDS,
  GROUP_FIELDS,
  NETWORK_FIELDS,
  NODE_FIELDS,
  OFFLINE,
  UNKNOWN,
  niceCompare,
  niceSortBy,
  ok,
  unknownField,
  type ExportRow,
  type FieldSpec,
  type QueryContext,
} from './fields.js';
import { INSTANCE_FIELDS } from './fields-instance.js';
import { JOB_FIELDS, type JobRow } from './fields-job.js';
import { LOCK_FIELDS } from './fields-lock.js';
import type { JobQueue } from './jobs.js';
import { DemoParseError, checkFilterFields, evaluateFilter, nameMatches, parseFilter, requestedNames, type Filter } from './qlang.js';

/** Resources the demo answers. */
export type DemoResource = 'node' | 'instance' | 'group' | 'network' | 'export' | 'filter' | 'job' | 'lock';

const byName = <T>(specs: FieldSpec<T>[]) => new Map(specs.map((s) => [s.def.name, s]));
const TABLES = {
  node: byName(NODE_FIELDS),
  instance: byName(INSTANCE_FIELDS),
  group: byName(GROUP_FIELDS),
  network: byName(NETWORK_FIELDS),
  export: byName(EXPORT_FIELDS),
  filter: byName(FILTER_FIELDS),
  job: byName(JOB_FIELDS),
  lock: byName(LOCK_FIELDS),
} as const;

/** Ganeti's item type names, for "not supported" messages (Language.hs `ItemType` show). */
const ITEM_TYPES: Record<string, string> = {
  cluster: 'ItemTypeOpCode QRCluster',
  instance: 'ItemTypeOpCode QRInstance',
  node: 'ItemTypeOpCode QRNode',
  group: 'ItemTypeOpCode QRGroup',
  os: 'ItemTypeOpCode QROs',
  export: 'ItemTypeOpCode QRExport',
  network: 'ItemTypeOpCode QRNetwork',
  lock: 'ItemTypeLuxi QRLock',
  job: 'ItemTypeLuxi QRJob',
  filter: 'ItemTypeLuxi QRFilter',
};

/**
 * Checks a resource name as luxid decodes it.
 * @throws DemoParseError for names Ganeti does not know (luxid fails to parse the request).
 * @throws GenericError "<call> '<ItemType>' not supported" for cluster and os.
 */
export function resolveResource(what: unknown, call: 'Query' | 'QueryFields'): DemoResource {
  if (typeof what !== 'string' || !(what in ITEM_TYPES)) {
    throw new DemoParseError(what, `Can't parse value '${String(what)}' as neitherQueryTypeLuxi nor QueryTypeOp`);
  }
  if (what in TABLES) return what as DemoResource;
  throw new GenericError(`${call} '${ITEM_TYPES[what]}' not supported`);
}

/** QueryFields: the named definitions (unknown ones as kind "unknown"), or all, nicely sorted. */
export function queryFields(what: unknown, fields: readonly string[] | null): QueryFieldsResult {
  const table = TABLES[resolveResource(what, 'QueryFields')] as Map<string, FieldSpec<unknown>>;
  if (!fields || fields.length === 0) {
    return { fields: [...table.values()].map((s) => ({ ...s.def })).sort((a, b) => niceCompare(a.name, b.name)) };
  }
  return { fields: fields.map((f) => ({ ...(table.get(f)?.def ?? unknownField(f)) })) };
}

interface Named {
  name: string;
  uuid: string;
}

/**
 * Looks an object up by UUID, then by name with Ganeti's partial matching (`node1` finds
 * `node1.example.com`).
 * @throws OpPrereqError "<Kind> name x not found" / "... has multiple matches" (unknown_entity).
 */
export function lookupItem<T extends Named>(items: readonly T[], kind: string, name: string): T {
  const byUuid = items.find((i) => i.uuid === name);
  if (byUuid) return byUuid;
  const exact = items.find((i) => i.name === name);
  if (exact) return exact;
  const partial = items.filter((i) => nameMatches(i.name, name));
  if (partial.length === 1 && partial[0]) return partial[0];
  const what = partial.length > 1 ? 'has multiple matches' : 'not found';
  throw new OpPrereqError(`${kind} name ${name} ${what}`, 'unknown_entity');
}

function wanted<T extends Named>(all: T[], kind: string, flt: Filter, nameField: string): T[] {
  const names = requestedNames(flt, nameField)?.filter((n): n is string => typeof n === 'string') ?? [];
  if (names.length === 0) return niceSortBy(all, (item) => item.name);
  return names.map((n) => lookupItem(all, kind, n));
}

function run<T>(
  items: T[],
  table: ReadonlyMap<string, FieldSpec<T>>,
  fields: readonly string[],
  flt: Filter,
  ctx: QueryContext,
): QueryResult {
  checkFilterFields(flt, table);
  const specs = fields.map((f) => table.get(f));
  const defs: FieldDefinition[] = fields.map((f, i) => ({ ...(specs[i]?.def ?? unknownField(f)) }));
  const data: QueryCell[][] = [];
  for (const item of items) {
    if (!evaluateFilter(flt, item, ctx, table)) continue;
    data.push(specs.map((s) => (s ? s.get(item, ctx) : UNKNOWN)));
  }
  return { fields: defs, data };
}

function jobIds(flt: Filter, fields: readonly string[], jobs: JobQueue): JobId[] {
  const names = requestedNames(flt, 'id') ?? [];
  if (names.length === 0) return jobs.list(fields.includes('archived')).map((j) => j.id);
  const ids = names.map((n): JobId => {
    // Exact: a 19-digit id stays a bigint, so `[[id, null]]` echoes it unchanged.
    const id = typeof n === 'bigint' ? n : Number(n);
    if (typeof id === 'bigint' ? id < 0n : !Number.isSafeInteger(id) || id < 0) throw new GenericError(`Invalid job ID '${String(n)}'`);
    return typeof id === 'bigint' && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : id;
  });
  return [...new Set(ids)];
}

function exportRows(ctx: QueryContext, flt: Filter): ExportRow[] {
  const nodes = wanted(ctx.cluster.nodes, 'Node', flt, 'node');
  return nodes.flatMap((node): ExportRow[] => {
    if (node.offline) return [{ node, export: OFFLINE }];
    return (ctx.cluster.exports[node.name] ?? []).map((e) => ({ node, export: ok(e) }));
  });
}

/**
 * Query: field definitions plus `[status, value]` cells; unknown fields give kind
 * "unknown" definitions and `[1, null]` cells.
 * @throws DemoParseError for an unknown resource or a malformed filter.
 * @throws ParameterError for a filter on an unknown field or with mismatched types.
 * @throws OpPrereqError when the filter asks for names that do not exist.
 */
export function runQuery(what: unknown, fields: readonly string[], filterJson: unknown, ctx: QueryContext, jobs: JobQueue): QueryResult {
  const resource = resolveResource(what, 'Query');
  const flt = parseFilter(filterJson);
  switch (resource) {
    case 'node':
      return run(wanted(ctx.cluster.nodes, 'Node', flt, 'name'), TABLES.node, fields, flt, ctx);
    case 'instance':
      return run(wanted(ctx.cluster.instances, 'Instance', flt, 'name'), TABLES.instance, fields, flt, ctx);
    case 'group':
      return run(wanted(ctx.cluster.groups, 'NodeGroup', flt, 'name'), TABLES.group, fields, flt, ctx);
    case 'network':
      return run(wanted(ctx.cluster.networks, 'Network', flt, 'name'), TABLES.network, fields, flt, ctx);
    case 'export':
      return run(exportRows(ctx, flt), TABLES.export, fields, flt, ctx);
    case 'filter': {
      const rules = [...ctx.cluster.filters].sort((a, b) => niceCompare(a.uuid, b.uuid));
      return run(rules, TABLES.filter, fields, flt, ctx);
    }
    case 'job': {
      const rows: JobRow[] = jobIds(flt, fields, jobs).map((id) => ({ id, job: jobs.get(id) }));
      return run(rows, TABLES.job, fields, flt, ctx);
    }
    case 'lock': {
      // Always live: the lock allocation as it is now, rows by name (Query.hs `query` QRLock).
      const rows = jobs.lockRows().sort((a, b) => niceCompare(a.name, b.name));
      return run(rows, TABLES.lock, fields, flt, ctx);
    }
  }
}

/**
 * Turns a Query result into a classic row set (`queryCompat`): plain values, null where a
 * cell has no value.
 * @throws OpPrereqError "Unknown output fields selected: a, b" (wrong_input).
 */
export function toClassic(result: QueryResult): unknown[][] {
  const unknown = result.fields.filter((f) => f.kind === 'unknown').map((f) => f.name);
  if (unknown.length > 0) throw new OpPrereqError(`Unknown output fields selected: ${unknown.join(', ')}`, 'wrong_input');
  return result.data.map((row) => row.map(([status, value]) => (status === 0 ? value : null)));
}

/**
 * The classic calls (QueryNodes, QueryInstances, QueryGroups, QueryNetworks, QueryJobs,
 * QueryFilters, QueryExports): the filter is "name or uuid equals one of `names`", so
 * unknown names are dropped rather than reported (Query/Server.hs `handleClassicQuery`).
 * @throws OpPrereqError "Sync queries are not allowed" when `useLocking` is true.
 */
export function classicQuery(
  what: DemoResource,
  names: readonly (string | number | bigint)[],
  fields: readonly string[],
  useLocking: boolean,
  ctx: QueryContext,
  jobs: JobQueue,
): unknown[][] {
  if (useLocking) throw new OpPrereqError('Sync queries are not allowed', 'wrong_input');
  const keyFields = what === 'job' ? ['id'] : what === 'export' ? ['node'] : what === 'filter' ? ['uuid'] : ['name', 'uuid'];
  const simple = (f: string): unknown[] | null => (names.length === 0 ? null : ['|', ...names.map((n) => ['==', f, n])]);
  const parts = keyFields.map(simple).filter((p): p is unknown[] => p !== null);
  // Two alternatives (name, uuid) make requestedNames give up, so every object is scanned and
  // missing names simply match nothing; a single key (job id) selects the rows directly.
  const filter = parts.length === 0 ? null : parts.length === 1 ? parts[0] : ['|', ...parts];
  return toClassic(runQuery(what, fields, filter, ctx, jobs));
}
