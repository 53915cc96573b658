/**
 * The queries that run as opcodes: OP_QUERY / OP_QUERY_FIELDS over the resources only an
 * LU answers (cluster, os, extstorage: constants.QR_VIA_OP), OP_OS_DIAGNOSE,
 * OP_EXT_STORAGE_DIAGNOSE and OP_CLUSTER_CONFIG_QUERY. Field tables follow Ganeti 3.0
 * lib/query.py (CLUSTER_FIELDS, OS_FIELDS, EXTSTORAGE_FIELDS); the node, instance, ...
 * tables stay with luxid's Query (query.ts), which the LU does not serve.
 */
import { GanetiError, OpExecError, OpPrereqError, ParameterError } from '../../errors.js';
import type { QueryFieldsResult, QueryResult } from '../../protocols/luxi/types.js';
import type { ClusterData } from '../cluster.js';
import { buildContext, type FieldSpec, field, niceCompare, ok, type QueryContext, UNKNOWN, unknownField } from '../fields.js';
import { checkFilterFields, evaluateFilter, type Filter, parseFilter, requestedNames } from '../qlang.js';
import { toClassic } from '../query.js';
import { ECODE } from './common.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';
import { pyRepr } from './lu-support.js';

// ---- the OS and ExtStorage catalogue of the fake nodes -------------------------------------

/** One OS definition as every healthy fake node reports it (backend.py DiagnoseOS entry). */
interface OsDefinition {
  name: string;
  path: string;
  variants: string[];
  /** `[name, documentation]` pairs. */
  parameters: Array<[string, string]>;
  apiVersions: number[];
}

/** The OS catalogue the demo's nodes carry besides what the instances use. */
const BASE_OSES: readonly OsDefinition[] = [
  {
    name: 'debootstrap',
    path: '/srv/ganeti/os/debootstrap',
    variants: ['default', 'minimal'],
    parameters: [
      ['dhcp', 'Whether to configure the first NIC by DHCP'],
      ['packages', 'Extra packages to install'],
    ],
    apiVersions: [20],
  },
  { name: 'noop', path: '/srv/ganeti/os/noop', variants: [], parameters: [], apiVersions: [20] },
];

/**
 * The OSes every online vm-capable node reports: the base catalogue plus each OS an
 * instance uses (`name+variant` adds the variant), so a cluster file's own OS names
 * diagnose as valid too.
 */
export function osCatalogue(cluster: ClusterData): OsDefinition[] {
  const byName = new Map(BASE_OSES.map((o) => [o.name, structuredClone(o)]));
  for (const inst of cluster.instances) {
    const [base = inst.os, variant] = inst.os.split('+', 2);
    let def = byName.get(base);
    if (!def) {
      def = { name: base, path: `/srv/ganeti/os/${base}`, variants: [], parameters: [], apiVersions: [20] };
      byName.set(base, def);
    }
    if (variant !== undefined && !def.variants.includes(variant)) def.variants.push(variant);
  }
  return [...byName.values()];
}

/** The one ExtStorage provider installed on the fake nodes. */
const EXT_PROVIDERS: ReadonlyArray<{ name: string; path: string; parameters: Array<[string, string]> }> = [
  { name: 'demo-ext', path: '/srv/ganeti/extstorage/demo-ext', parameters: [['pool', 'The storage pool to create volumes in']] },
];

/** Nodes the OS/ExtStorage diagnose RPC reaches: online and vm-capable (config order by uuid). */
function diagnosedNodes(cluster: ClusterData) {
  return cluster.nodes.filter((n) => !n.offline && n.vmCapable).sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
}

interface OsRow {
  name: string;
  valid: boolean;
  hidden: boolean;
  blacklisted: boolean;
  variants: string[];
  apiVersions: number[];
  parameters: Array<[string, string]>;
  nodeStatus: Record<string, unknown[]>;
  osHvp: Record<string, unknown>;
  osparams: Record<string, unknown>;
  trusted: boolean;
}

/** operating_system.py OsQuery._GetQueryData over the fake nodes. */
function osRows(cluster: ClusterData): OsRow[] {
  const nodes = diagnosedNodes(cluster);
  if (nodes.length === 0) return [];
  const info = cluster.info;
  const list = (k: string) => (Array.isArray(info[k]) ? (info[k] as string[]) : []);
  const dict = (k: string) => (info[k] !== null && typeof info[k] === 'object' ? (info[k] as Record<string, unknown>) : {});
  return osCatalogue(cluster).map((os) => {
    const nodeStatus: Record<string, unknown[]> = {};
    for (const n of nodes)
      nodeStatus[n.uuid] = [[os.path, true, '', [...os.variants], structuredClone(os.parameters), [...os.apiVersions], true]];
    const osHvp: Record<string, unknown> = {};
    const osparams: Record<string, unknown> = {};
    for (const v of os.variants) {
      const full = `${os.name}+${v}`;
      if (full in dict('os_hvp')) osHvp[full] = dict('os_hvp')[full];
      if (full in dict('osparams')) osparams[full] = dict('osparams')[full];
    }
    return {
      name: os.name,
      valid: true,
      hidden: list('hidden_os').includes(os.name),
      blacklisted: list('blacklisted_os').includes(os.name),
      variants: [...os.variants],
      apiVersions: [...os.apiVersions],
      parameters: structuredClone(os.parameters),
      nodeStatus,
      osHvp,
      osparams,
      trusted: true,
    };
  });
}

interface ExtRow {
  name: string;
  nodeStatus: Record<string, unknown[]>;
  nodegroupStatus: Record<string, boolean>;
  parameters: Array<[string, string]>;
}

/** misc.py ExtStorageQuery._GetQueryData over the fake nodes. */
function extRows(cluster: ClusterData): ExtRow[] {
  const nodes = diagnosedNodes(cluster);
  if (nodes.length === 0) return [];
  return EXT_PROVIDERS.map((p) => {
    const nodeStatus: Record<string, unknown[]> = {};
    for (const n of nodes) nodeStatus[n.uuid] = [[p.path, true, '', structuredClone(p.parameters)]];
    // A group is fine when none of its reachable nodes lacks the provider.
    const nodegroupStatus: Record<string, boolean> = {};
    for (const g of cluster.groups) nodegroupStatus[g.name] = true;
    return { name: p.name, nodeStatus, nodegroupStatus, parameters: structuredClone(p.parameters) };
  });
}

// ---- field tables (lib/query.py) ------------------------------------------------------------

const sorted = (xs: readonly string[]) => [...xs].sort(niceCompare);

const OS_FIELDS: FieldSpec<OsRow>[] = [
  field('name', 'Name', 'text', 'Operating system name', (o) => ok(o.name)),
  field('valid', 'Valid', 'bool', 'Whether operating system definition is valid', (o) => ok(o.valid)),
  field('hidden', 'Hidden', 'bool', 'Whether operating system is hidden', (o) => ok(o.hidden)),
  field('blacklisted', 'Blacklisted', 'bool', 'Whether operating system is blacklisted', (o) => ok(o.blacklisted)),
  field('variants', 'Variants', 'other', 'Operating system variants', (o) => ok(sorted(o.variants))),
  field('api_versions', 'ApiVersions', 'other', 'Operating system API versions', (o) => ok([...o.apiVersions].sort((a, b) => a - b))),
  field('parameters', 'Parameters', 'other', 'Operating system parameters', (o) =>
    ok([...o.parameters].sort((a, b) => niceCompare(a[0], b[0]))),
  ),
  field('node_status', 'NodeStatus', 'other', 'Status from node', (o) => ok(structuredClone(o.nodeStatus))),
  field('os_hvp', 'OsHypervisorParams', 'other', 'Operating system specific hypervisor parameters', (o) => ok(structuredClone(o.osHvp))),
  field('osparams', 'OsParameters', 'other', 'Operating system specific parameters', (o) => ok(structuredClone(o.osparams))),
  field('trusted', 'Trusted', 'bool', 'Whether this OS is trusted', (o) => ok(o.trusted)),
];

const EXT_FIELDS: FieldSpec<ExtRow>[] = [
  field('name', 'Name', 'text', 'ExtStorage provider name', (e) => ok(e.name)),
  field('node_status', 'NodeStatus', 'other', 'Status from node', (e) => ok(structuredClone(e.nodeStatus))),
  field('nodegroup_status', 'NodegroupStatus', 'other', 'Overall Nodegroup status', (e) => ok({ ...e.nodegroupStatus })),
  field('parameters', 'Parameters', 'other', 'ExtStorage provider parameters', (e) => ok(structuredClone(e.parameters))),
];

/** One cluster row: the data plus the clock, for the watcher pause. */
interface ClusterRow {
  cluster: ClusterData;
  now: number;
}

const infoCell = (key: string) => (r: ClusterRow) => ok(structuredClone(r.cluster.info[key] ?? null));

const CLUSTER_FIELDS: FieldSpec<ClusterRow>[] = [
  field('architecture', 'ArchInfo', 'other', 'Architecture information', infoCell('architecture')),
  field('cluster_name', 'Name', 'text', 'Cluster name', infoCell('name')),
  field('config_version', 'ConfigVersion', 'number', 'Configuration format version', infoCell('config_version')),
  field('ctime', 'CTime', 'timestamp', 'Creation timestamp', infoCell('ctime')),
  // The drain flag belongs to the job queue, which opcodes do not see: the demo reports it unset.
  field('drain_flag', 'QueueDrained', 'bool', 'Flag whether job queue is drained', () => ok(false)),
  field('export_version', 'ExportVersion', 'number', 'Import/export file format version', infoCell('export_version')),
  field('master_node', 'Master', 'text', 'Master node name', infoCell('master')),
  field('mtime', 'MTime', 'timestamp', 'Modification timestamp', infoCell('mtime')),
  field('name', 'Name', 'text', 'Cluster name', infoCell('name')),
  field('os_api_version', 'OsApiVersion', 'number', 'API version for OS template scripts', infoCell('os_api_version')),
  field('protocol_version', 'ProtocolVersion', 'number', 'RPC protocol version', infoCell('protocol_version')),
  field('software_version', 'SoftwareVersion', 'text', 'Software version', infoCell('software_version')),
  field('tags', 'Tags', 'other', 'Tags', infoCell('tags')),
  field('vcs_version', 'VCSVersion', 'text', 'VCS version', infoCell('vcs_version')),
  field('volume_group_name', 'VgName', 'text', 'LVM volume group name', infoCell('volume_group_name')),
  // The watcher pause file counts only while its time lies ahead (backend.py GetWatcherPause).
  field('watcher_pause', 'WatcherPause', 'timestamp', 'Until when watcher is paused', (r) => {
    const until = r.cluster.watcherPause;
    return ok(until !== null && until > r.now ? until : null);
  }),
];

const byName = <T>(specs: FieldSpec<T>[]) => new Map(specs.map((s) => [s.def.name, s]));
const OS_TABLE = byName(OS_FIELDS);
const EXT_TABLE = byName(EXT_FIELDS);
const CLUSTER_TABLE = byName(CLUSTER_FIELDS);

// ---- the query machinery of lib/query.py (Query, OldStyleQuery, QueryFields) ----------------

/** A filter as the LU compiles it; a malformed one is qlang's ParameterError, not a parse error. */
function compileFilter(json: unknown): Filter {
  try {
    return parseFilter(json ?? null);
  } catch (err) {
    if (err instanceof GanetiError) throw err;
    throw new ParameterError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * query.Query.Query: the rows passing `flt`, each field's `[status, value]`, sorted by name.
 * With names requested by a plain name filter, every name must exist (QueryBase._GetNames).
 */
function runTable<T>(
  items: T[],
  table: ReadonlyMap<string, FieldSpec<T>>,
  fields: readonly string[],
  flt: Filter,
  ctx: QueryContext,
  nameOf: (item: T) => string,
): QueryResult {
  checkFilterFields(flt, table);
  const wanted = requestedNames(flt, 'name');
  if (wanted && wanted.length > 0) {
    const have = new Set(items.map(nameOf));
    const missing = [...new Set(wanted.map(String))].filter((n) => !have.has(n));
    if (missing.length > 0) {
      throw new OpExecError(`Some items were removed before retrieving their data: {${missing.map(pyRepr).join(', ')}}`);
    }
  }
  const specs = fields.map((f) => table.get(f));
  const rows = items
    .filter((item) => evaluateFilter(flt, item, ctx, table))
    .sort((a, b) => niceCompare(nameOf(a), nameOf(b)))
    .map((item) => specs.map((s) => (s ? s.get(item, ctx) : UNKNOWN)));
  return { fields: fields.map((f, i) => ({ ...(specs[i]?.def ?? unknownField(f)) })), data: rows };
}

/** query.QueryFields: the named definitions (unknown ones as kind "unknown"), or all by name. */
function tableFields<T>(table: ReadonlyMap<string, FieldSpec<T>>, fields: unknown): QueryFieldsResult {
  const names = Array.isArray(fields) ? (fields as string[]) : [];
  if (names.length === 0) return { fields: [...table.values()].map((s) => ({ ...s.def })).sort((a, b) => niceCompare(a.name, b.name)) };
  return { fields: names.map((f) => ({ ...(table.get(f)?.def ?? unknownField(f)) })) };
}

const QR_VIA_OP = ['cluster', 'os', 'extstorage'] as const;
type OpResource = (typeof QR_VIA_OP)[number];

/** query.py _GetQueryImplementation: only what constants.QR_VIA_OP lists runs as an opcode. */
function resource(what: unknown): OpResource {
  if (!QR_VIA_OP.includes(what as OpResource)) {
    throw new OpPrereqError(`Unknown query resource '${String(what)}'`, ECODE.inval);
  }
  return what as OpResource;
}

function queryResource(what: OpResource, fields: readonly string[], filterJson: unknown, ctx: OpContext): QueryResult {
  const flt = compileFilter(filterJson);
  const qctx = buildContext(ctx.cluster);
  switch (what) {
    case 'cluster':
      return runTable([{ cluster: ctx.cluster, now: ctx.now() }], CLUSTER_TABLE, fields, flt, qctx, (r) => r.cluster.info.name);
    case 'os':
      return runTable(osRows(ctx.cluster), OS_TABLE, fields, flt, qctx, (o) => o.name);
    case 'extstorage':
      return runTable(extRows(ctx.cluster), EXT_TABLE, fields, flt, qctx, (e) => e.name);
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** qlang.MakeSimpleFilter(field, values): `["|", ["=", field, v], ...]`, or null for none. */
function simpleFilter(fieldName: string, values: readonly string[]): unknown[] | null {
  return values.length === 0 ? null : ['|', ...values.map((v) => ['=', fieldName, v])];
}

/**
 * operating_system.py LUOsDiagnose._BuildFilter: the names, and (legacy behaviour) hidden,
 * blacklisted and invalid OSes left out unless their field is requested.
 */
function osDiagnoseFilter(fields: readonly string[], names: readonly string[]): unknown[] | null {
  const nameFilter = simpleFilter('name', names);
  const status: unknown[] = ['hidden', 'blacklisted'].filter((f) => !fields.includes(f)).map((f) => ['!', ['?', f]]);
  if (!fields.includes('valid')) status.push(['?', 'valid']);
  const statusFilter = status.length > 0 ? ['&', ...status] : null;
  if (nameFilter && statusFilter) return ['&', nameFilter, statusFilter];
  return nameFilter ?? statusFilter;
}

/** OP_QUERY (LUQuery): `{fields, data}`; locking is refused for the cluster. */
function opQuery(op: OpInput, ctx: OpContext): unknown {
  const what = resource(op['what']);
  if (what === 'cluster' && op['use_locking'] === true) {
    throw new OpPrereqError('Can not use locking for cluster queries', ECODE.inval);
  }
  const fields = strings(op['fields']);
  const result = queryResource(what, fields, op['qfilter'], ctx);
  return ctx.dryRun ? null : result;
}

/** OP_QUERY_FIELDS (LUQueryFields). */
function opQueryFields(op: OpInput, ctx: OpContext): unknown {
  const what = resource(op['what']);
  if (ctx.dryRun) return null;
  const table = what === 'cluster' ? CLUSTER_TABLE : what === 'os' ? OS_TABLE : EXT_TABLE;
  return tableFields(table as ReadonlyMap<string, FieldSpec<unknown>>, op['fields']);
}

/** OP_OS_DIAGNOSE (LUOsDiagnose): rows of the requested fields, as gnt-os and RAPI read them. */
function osDiagnose(op: OpInput, ctx: OpContext): unknown {
  const fields = strings(op['output_fields']);
  const flt = osDiagnoseFilter(fields, strings(op['names']));
  const rows = toClassic(queryResource('os', fields, flt, ctx));
  return ctx.dryRun ? null : rows;
}

/** OP_EXT_STORAGE_DIAGNOSE (LUExtStorageDiagnose). */
function extStorageDiagnose(op: OpInput, ctx: OpContext): unknown {
  const fields = strings(op['output_fields']);
  const rows = toClassic(queryResource('extstorage', fields, simpleFilter('name', strings(op['names'])), ctx));
  return ctx.dryRun ? null : rows;
}

/** OP_CLUSTER_CONFIG_QUERY (LUClusterConfigQuery): the values of `output_fields`, one row. */
function configQuery(op: OpInput, ctx: OpContext): unknown {
  const [row] = toClassic(queryResource('cluster', strings(op['output_fields']), null, ctx));
  return ctx.dryRun ? null : (row ?? []);
}

/** The query executors, gathered into CLUSTER_OPS by cluster.ts. */
export const QUERY_OPS: OpExecutors = {
  OP_QUERY: opQuery,
  OP_QUERY_FIELDS: opQueryFields,
  OP_OS_DIAGNOSE: osDiagnose,
  OP_EXT_STORAGE_DIAGNOSE: extStorageDiagnose,
  OP_CLUSTER_CONFIG_QUERY: configQuery,
};
