/**
 * Query field tables of the demo luxid (names, titles, kinds and docs as in Ganeti 3.0
 * `Query/{Node,Group,Network,Export,FilterRules,Common}.hs`) with their getters over
 * cluster.ts data. Instance fields live in fields-instance.ts, job fields in fields-job.ts.
 */
import type { FieldDefinition, FieldKind, QueryCell } from '../protocols/luxi/types.js';
import type { ClusterData, FilterData, GroupData, InstanceData, IPolicy, NetworkData, NodeData } from './cluster.js';

/** One field: its definition, its getter, and how filters compare it (Ganeti `QffMode`). */
export interface FieldSpec<T> {
  def: FieldDefinition;
  get: (item: T, ctx: QueryContext) => QueryCell;
  /** `hostname`: `==` also matches a leading name component; `timestamp`: compares seconds only. */
  mode?: 'hostname' | 'timestamp';
}

/** Lookup tables over one cluster snapshot, built once per query. */
export interface QueryContext {
  cluster: ClusterData;
  nodes: Map<string, NodeData>;
  groups: Map<string, GroupData>;
  networks: Map<string, NetworkData>;
  primaries: Map<string, InstanceData[]>;
  secondaries: Map<string, InstanceData[]>;
}

/** Builds the lookup tables of {@link QueryContext}. */
export function buildContext(cluster: ClusterData): QueryContext {
  const primaries = new Map<string, InstanceData[]>();
  const secondaries = new Map<string, InstanceData[]>();
  const push = (m: Map<string, InstanceData[]>, k: string, v: InstanceData) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for (const inst of cluster.instances) {
    push(primaries, inst.primaryNode, inst);
    for (const s of inst.secondaryNodes) push(secondaries, s, inst);
  }
  return {
    cluster,
    nodes: new Map(cluster.nodes.map((n) => [n.name, n])),
    groups: new Map(cluster.groups.map((g) => [g.name, g])),
    networks: new Map(cluster.networks.map((n) => [n.name, n])),
    primaries,
    secondaries,
  };
}

export const ok = (value: unknown): QueryCell => [0, value];
export const UNKNOWN: QueryCell = [1, null];
export const NODATA: QueryCell = [2, null];
export const UNAVAIL: QueryCell = [3, null];
export const OFFLINE: QueryCell = [4, null];
/** `rsMaybeUnavail`: null becomes "unavailable". */
export const maybeUnavail = (v: unknown): QueryCell => (v === null || v === undefined ? UNAVAIL : ok(v));

/** Shorthand for a field definition plus getter. */
export function field<T>(
  name: string,
  title: string,
  kind: FieldKind,
  doc: string,
  get: (item: T, ctx: QueryContext) => QueryCell,
  mode?: FieldSpec<T>['mode'],
): FieldSpec<T> {
  const spec: FieldSpec<T> = { def: { name, title, kind, doc }, get };
  if (mode) spec.mode = mode;
  return spec;
}

/** The definition Ganeti gives a field it does not know (`mkUnknownFDef`). */
export function unknownField(name: string): FieldDefinition {
  return { name, title: name, kind: 'unknown', doc: `Unknown field '${name}'` };
}

/** A name cut into digit and non-digit runs, digit runs as numbers (the key of {@link niceCompare}). */
type NiceKey = Array<string | number>;

function niceKey(s: string): NiceKey {
  return (s.match(/(\d+)|(\D+)/g) ?? []).map((part) => (part.charCodeAt(0) >= 48 && part.charCodeAt(0) <= 57 ? Number(part) : part));
}

function compareNiceKeys(pa: NiceKey, pb: NiceKey): number {
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string | number;
    const y = pb[i] as string | number;
    if (typeof x === 'number' && typeof y === 'number') {
      const d = x - y;
      if (d !== 0) return d;
    } else if (x !== y) {
      return String(x) < String(y) ? -1 : 1;
    }
  }
  return pa.length - pb.length;
}

/** Natural sort order of names (Ganeti `niceSort`): digit runs compare as numbers. */
export function niceCompare(a: string, b: string): number {
  return compareNiceKeys(niceKey(a), niceKey(b));
}

/**
 * `items` sorted by `name` in {@link niceCompare} order, each key computed once: on 10,000
 * instances, splitting both names at every comparison took a third of the query.
 */
export function niceSortBy<T>(items: readonly T[], name: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, key: niceKey(name(item)) }));
  keyed.sort((a, b) => compareNiceKeys(a.key, b.key));
  return keyed.map((k) => k.item);
}

/** Ordinal as Ganeti's `formatOrdinal` writes it: 1st, 2nd, 3rd, 4th, 11th, 21st. */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

interface Common {
  uuid: string;
  tags: string[];
  ctime: number;
  mtime: number;
  serialNo: number;
}

/** ctime, mtime, uuid, serial_no and tags (Query/Common.hs). */
export function commonFields<T extends Common>(label: string): FieldSpec<T>[] {
  return [
    field<T>('ctime', 'CTime', 'timestamp', 'Creation timestamp', (o) => ok(o.ctime)),
    field<T>('mtime', 'MTime', 'timestamp', 'Modification timestamp', (o) => ok(o.mtime)),
    field<T>('uuid', 'UUID', 'text', `${label} UUID`, (o) => ok(o.uuid)),
    field<T>('serial_no', 'SerialNo', 'number', `${label} object serial number, incremented on each modification`, (o) => ok(o.serialNo)),
    field<T>('tags', 'Tags', 'other', 'Tags', (o) => ok([...o.tags])),
  ];
}

/** Node parameters: name -> [kind, title] (Constants.hs `ndsParameterTypes`/`Titles`). */
const ND_PARAMS: Record<string, [FieldKind, string | null]> = {
  cpu_speed: ['float', null],
  exclusive_storage: ['bool', 'ExclusiveStorage'],
  oob_program: ['other', 'OutOfBandProgram'],
  ovs: ['bool', 'OpenvSwitch'],
  ovs_link: ['other', 'OpenvSwitchLink'],
  ovs_name: ['other', 'OpenvSwitchName'],
  spindle_count: ['number', 'SpindleCount'],
  ssh_port: ['number', null],
};

/** `ndp/*` fields over merged node parameters. */
export function ndParamFields<T>(merged: (item: T, ctx: QueryContext) => Record<string, unknown>): FieldSpec<T>[] {
  return Object.entries(ND_PARAMS).map(([p, [kind, title]]) =>
    field<T>(`ndp/${p}`, title ?? `ndp/${p}`, kind, `The "${p}" node parameter`, (o, ctx) => {
      const v = merged(o, ctx)[p];
      return v === undefined ? NODATA : ok(v);
    }),
  );
}

export function groupNdParams(g: GroupData | undefined, ctx: QueryContext): Record<string, unknown> {
  return { ...(ctx.cluster.info['ndparams'] as Record<string, unknown> | undefined), ...g?.ndparams };
}

export function nodeNdParams(n: NodeData, ctx: QueryContext): Record<string, unknown> {
  return { ...groupNdParams(ctx.groups.get(n.group), ctx), ...n.ndparams };
}

/** The group's ipolicy merged over the cluster's. */
export function groupIPolicy(g: GroupData, ctx: QueryContext): IPolicy {
  return { ...structuredClone(ctx.cluster.info.ipolicy), ...structuredClone(g.ipolicy) };
}

const ROLE_DOC = 'Node role; "M" for master, "C" for master candidate, "R" for regular, "D" for drained, "O" for offline';

function nodeRole(n: NodeData, ctx: QueryContext): string {
  if (n.name === ctx.cluster.info.master) return 'M';
  if (n.masterCandidate) return 'C';
  if (n.drained) return 'D';
  if (n.offline) return 'O';
  return 'R';
}

/** Live node fields: [name, title, kind, doc]; values come from `NodeData.live`. */
const NODE_LIVE: Array<[keyof NonNullable<NodeData['live']>, string, FieldKind, string]> = [
  ['bootid', 'BootID', 'text', 'Random UUID renewed for each system reboot, can be used for detecting reboots by tracking changes'],
  ['cnodes', 'CNodes', 'number', 'Number of NUMA domains on node (if exported by hypervisor)'],
  ['cnos', 'CNOs', 'number', 'Number of logical processors used by the node OS (dom0 for Xen)'],
  ['csockets', 'CSockets', 'number', 'Number of physical CPU sockets (if exported by hypervisor)'],
  ['ctotal', 'CTotal', 'number', 'Number of logical processors'],
  ['dfree', 'DFree', 'unit', 'Available storage space on storage unit'],
  ['dtotal', 'DTotal', 'unit', 'Total storage space on storage unit for instance disk allocation'],
  ['spfree', 'SpFree', 'number', 'Available spindles in volume group (exclusive storage only)'],
  ['sptotal', 'SpTotal', 'number', 'Total spindles in volume group (exclusive storage only)'],
  ['mfree', 'MFree', 'unit', 'Memory available for instance allocations'],
  ['mnode', 'MNode', 'unit', 'Amount of memory used by node (dom0 for Xen)'],
  ['mtotal', 'MTotal', 'unit', 'Total amount of memory of physical machine'],
];

const names = (list: InstanceData[] | undefined) => (list ?? []).map((i) => i.name).sort(niceCompare);

/** Node fields (Query/Node.hs). */
export const NODE_FIELDS: FieldSpec<NodeData>[] = [
  field('drained', 'Drained', 'bool', 'Whether node is drained', (n) => ok(n.drained)),
  field('master_candidate', 'MasterC', 'bool', 'Whether node is a master candidate', (n) => ok(n.masterCandidate)),
  field('master_capable', 'MasterCapable', 'bool', 'Whether node can become a master candidate', (n) => ok(n.masterCapable)),
  field('name', 'Node', 'text', 'Node name', (n) => ok(n.name), 'hostname'),
  field('offline', 'Offline', 'bool', 'Whether node is marked offline', (n) => ok(n.offline)),
  field('vm_capable', 'VMCapable', 'bool', 'Whether node can host instances', (n) => ok(n.vmCapable)),
  field('pip', 'PrimaryIP', 'text', 'Primary IP address', (n) => ok(n.primaryIp)),
  field('sip', 'SecondaryIP', 'text', 'Secondary IP address', (n) => ok(n.secondaryIp)),
  field('master', 'IsMaster', 'bool', 'Whether node is master', (n, c) => ok(n.name === c.cluster.info.master)),
  field('group', 'Group', 'text', 'Node group', (n, c) => (c.groups.has(n.group) ? ok(n.group) : NODATA)),
  field('group.uuid', 'GroupUUID', 'text', 'UUID of node group', (n, c) => {
    const g = c.groups.get(n.group);
    return g ? ok(g.uuid) : NODATA;
  }),
  field('ndparams', 'NodeParameters', 'other', 'Merged node parameters', (n, c) => ok(nodeNdParams(n, c))),
  field('custom_ndparams', 'CustomNodeParameters', 'other', 'Custom node parameters', (n) => ok({ ...n.ndparams })),
  field('pinst_cnt', 'Pinst', 'number', 'Number of instances with this node as primary', (n, c) =>
    ok(c.primaries.get(n.name)?.length ?? 0),
  ),
  field('sinst_cnt', 'Sinst', 'number', 'Number of instances with this node as secondary', (n, c) =>
    ok(c.secondaries.get(n.name)?.length ?? 0),
  ),
  field('pinst_list', 'PriInstances', 'other', 'List of instances with this node as primary', (n, c) => ok(names(c.primaries.get(n.name)))),
  field('sinst_list', 'SecInstances', 'other', 'List of instances with this node as secondary', (n, c) =>
    ok(names(c.secondaries.get(n.name))),
  ),
  field('role', 'Role', 'text', ROLE_DOC, (n, c) => ok(nodeRole(n, c))),
  // Query/Node.hs getNodePower: unavailable unless the node's merged ndparams name an OOB program.
  field('powered', 'Powered', 'bool', 'Whether node is thought to be powered on', (n, c) =>
    nodeNdParams(n, c)['oob_program'] ? ok(n.powered) : UNAVAIL,
  ),
  field('hv_state', 'HypervisorState', 'other', 'Hypervisor state', () => UNAVAIL),
  field('disk_state', 'DiskState', 'other', 'Disk state', () => UNAVAIL),
  ...NODE_LIVE.map(([key, title, kind, doc]) =>
    field<NodeData>(key, title, kind, doc, (n) => {
      // An offline node's RPC fails with "node offline" (RS_OFFLINE); an unreachable one has no data.
      if (n.offline) return OFFLINE;
      if (!n.live) return NODATA;
      return ok(n.live[key]);
    }),
  ),
  ...ndParamFields<NodeData>(nodeNdParams),
  ...commonFields<NodeData>('Node'),
];

/** Group fields (Query/Group.hs). */
export const GROUP_FIELDS: FieldSpec<GroupData>[] = [
  field('alloc_policy', 'AllocPolicy', 'text', 'Allocation policy for group', (g) => ok(g.allocPolicy)),
  field('custom_diskparams', 'CustomDiskParameters', 'other', 'Custom disk parameters', (g) => ok({ ...g.diskparams })),
  field('custom_ipolicy', 'CustomInstancePolicy', 'other', 'Custom instance policy limitations', (g) => ok(structuredClone(g.ipolicy))),
  field('custom_ndparams', 'CustomNDParams', 'other', 'Custom node parameters', (g) => ok({ ...g.ndparams })),
  field('diskparams', 'DiskParameters', 'other', 'Disk parameters (merged)', (g, c) =>
    ok({ ...(c.cluster.info['diskparams'] as object | undefined), ...g.diskparams }),
  ),
  field('ipolicy', 'InstancePolicy', 'other', 'Instance policy limitations (merged)', (g, c) => ok(groupIPolicy(g, c))),
  field('name', 'Group', 'text', 'Group name', (g) => ok(g.name)),
  field('ndparams', 'NDParams', 'other', 'Node parameters', (g, c) => ok(groupNdParams(g, c))),
  field('node_cnt', 'Nodes', 'number', 'Number of nodes', (g, c) => ok(c.cluster.nodes.filter((n) => n.group === g.name).length)),
  field('node_list', 'NodeList', 'other', 'List of nodes', (g, c) =>
    ok(c.cluster.nodes.filter((n) => n.group === g.name).map((n) => n.name)),
  ),
  field('pinst_cnt', 'Instances', 'number', 'Number of primary instances', (g, c) => ok(groupInstances(g, c).length)),
  field('pinst_list', 'InstanceList', 'other', 'List of primary instances', (g, c) => ok(names(groupInstances(g, c)))),
  ...ndParamFields<GroupData>(groupNdParams),
  ...commonFields<GroupData>('Group'),
];

function groupInstances(g: GroupData, c: QueryContext): InstanceData[] {
  return c.cluster.instances.filter((i) => c.nodes.get(i.primaryNode)?.group === g.name);
}

function ipv4ToInt(ip: string): number | null {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The address pool of a network: size, reserved indexes, and Ganeti's `map` string. */
export function addressPool(w: NetworkData, c: QueryContext): { map: string; reserved: number; free: number; external: string[] } {
  const [addr, bits] = w.network.split('/');
  const base = ipv4ToInt(addr ?? '') ?? 0;
  const size = Math.min(2 ** (32 - Number(bits ?? 32)), 65536);
  const external = [intToIpv4(base), ...(w.gateway ? [w.gateway] : []), ...w.externalReservations, intToIpv4(base + size - 1)];
  const taken = new Set<number>();
  const mark = (ip: string | null) => {
    const v = ip === null ? null : ipv4ToInt(ip);
    if (v !== null && v >= base && v < base + size) taken.add(v - base);
  };
  external.forEach(mark);
  for (const inst of c.cluster.instances) for (const nic of inst.nics) if (nic.network === w.name) mark(nic.ip);
  let map = '';
  for (let i = 0; i < size; i++) map += taken.has(i) ? 'X' : '.';
  return { map, reserved: taken.size, free: size - taken.size, external };
}

/** Query/Network.hs getGroupConnections: (group name, NIC mode, NIC link, NIC vlan) per connected group. */
function netGroups(w: NetworkData, c: QueryContext): Array<[string, string, string, string]> {
  return c.cluster.groups.flatMap((g) => {
    const conn = g.networks[w.name];
    return conn ? [[g.name, conn.mode, conn.link, conn.vlan ?? ''] as [string, string, string, string]] : [];
  });
}

function netInstances(w: NetworkData, c: QueryContext): string[] {
  return c.cluster.instances.filter((i) => i.nics.some((n) => n.network === w.name)).map((i) => i.name);
}

/** Network fields (Query/Network.hs). */
export const NETWORK_FIELDS: FieldSpec<NetworkData>[] = [
  field('name', 'Network', 'text', 'Name', (w) => ok(w.name)),
  field('network', 'Subnet', 'text', 'IPv4 subnet', (w) => ok(w.network)),
  field('gateway', 'Gateway', 'other', 'IPv4 gateway', (w) => maybeUnavail(w.gateway)),
  field('network6', 'IPv6Subnet', 'other', 'IPv6 subnet', (w) => maybeUnavail(w.network6)),
  field('gateway6', 'IPv6Gateway', 'other', 'IPv6 gateway', (w) => maybeUnavail(w.gateway6)),
  field('mac_prefix', 'MacPrefix', 'other', 'MAC address prefix', (w) => maybeUnavail(w.macPrefix)),
  field('free_count', 'FreeCount', 'number', 'Number of available addresses', (w, c) => ok(addressPool(w, c).free)),
  field('map', 'Map', 'text', 'Actual mapping', (w, c) => ok(addressPool(w, c).map)),
  field('reserved_count', 'ReservedCount', 'number', 'Number of reserved addresses', (w, c) => ok(addressPool(w, c).reserved)),
  field('group_list', 'GroupList', 'other', 'List of nodegroups (group name, NIC mode, NIC link)', (w, c) => ok(netGroups(w, c))),
  field('group_cnt', 'NodeGroups', 'number', 'Number of nodegroups', (w, c) => ok(netGroups(w, c).length)),
  field('inst_list', 'InstanceList', 'other', 'List of instances', (w, c) => ok(netInstances(w, c))),
  field('inst_cnt', 'Instances', 'number', 'Number of instances', (w, c) => ok(netInstances(w, c).length)),
  field('external_reservations', 'ExternalReservations', 'text', 'External reservations', (w, c) =>
    ok(addressPool(w, c).external.join(', ')),
  ),
  ...commonFields<NetworkData>('Network'),
];

/** One row of the export query: a node and one of its exports (or its failure cell). */
export interface ExportRow {
  node: NodeData;
  export: QueryCell;
}

/** Export fields (Query/Export.hs). */
export const EXPORT_FIELDS: FieldSpec<ExportRow>[] = [
  field('node', 'Node', 'text', 'Node name', (r) => ok(r.node.name), 'hostname'),
  field('export', 'Export', 'text', 'Export name', (r) => r.export),
];

/** Filter rule fields (Query/FilterRules.hs). */
export const FILTER_FIELDS: FieldSpec<FilterData>[] = [
  field('watermark', 'Watermark', 'other', 'Highest job ID used at the time when the filter was added', (f) => ok(f.watermark)),
  field('priority', 'Priority', 'other', 'Filter priority', (f) => ok(f.priority)),
  field('predicates', 'Predicates', 'other', 'List of filter predicates', (f) => ok(structuredClone(f.predicates))),
  field('action', 'Action', 'other', 'Filter action', (f) => ok(structuredClone(f.action))),
  field('reason_trail', 'ReasonTrail', 'other', 'Reason why this filter was added', (f) => ok(structuredClone(f.reasonTrail))),
  field('uuid', 'UUID', 'other', 'Filter ID', (f) => ok(f.uuid)),
];
