/**
 * The demo luxid's data: the shape of a cluster (plain JSON-able objects) and `loadCluster`,
 * which checks a user-supplied file of that shape (`serve --demo --cluster FILE`) against
 * the built-in sample (cluster-sample.ts), fills omitted keys from it and checks cross
 * references. Objects refer to each other by name so a hand-written file stays readable.
 */
import { randomUUID } from 'node:crypto';
import { sampleCluster } from './cluster-sample.js';
import { fromConfigData, isConfigData } from './config-data.js';

export { sampleCluster };

/** An ispec as htools read it (Ganeti `ISpec`). */
export interface ISpec {
  'memory-size': number;
  'cpu-count': number;
  'disk-count': number;
  'disk-size': number;
  'nic-count': number;
  'spindle-use': number;
}

/** An instance policy shaped exactly as htools need it (spec §6.2). */
export interface IPolicy {
  minmax: Array<{ min: ISpec; max: ISpec }>;
  std: ISpec;
  'vcpu-ratio': number;
  'spindle-ratio': number;
  'disk-templates': string[];
}

/** Live (hypervisor/storage) data of a node, as a node daemon would report it. */
export interface NodeLive {
  mtotal: number;
  mnode: number;
  mfree: number;
  dtotal: number;
  dfree: number;
  ctotal: number;
  cnos: number;
  cnodes: number;
  csockets: number;
  sptotal: number;
  spfree: number;
  bootid: string;
}

export interface NodeData {
  name: string;
  uuid: string;
  /** Name of the node's group. */
  group: string;
  primaryIp: string;
  secondaryIp: string;
  offline: boolean;
  drained: boolean;
  masterCandidate: boolean;
  masterCapable: boolean;
  vmCapable: boolean;
  /** Custom node parameters (merged over group and cluster ndparams). */
  ndparams: Record<string, unknown>;
  tags: string[];
  ctime: number;
  mtime: number;
  serialNo: number;
  /** Live data; `null` when the node cannot be reached (offline nodes report status 4). */
  live: NodeLive | null;
  /** Whether the node is thought to be powered on (Ganeti `Node.powered`; shown when an OOB program is set). */
  powered: boolean;
  /** Whether the node's LVM physical volume is allocatable (`gnt-node modify-storage --allocatable`). */
  pvAllocatable: boolean;
}

export interface GroupData {
  name: string;
  uuid: string;
  allocPolicy: 'preferred' | 'last_resort' | 'unallocable';
  /** Custom ipolicy entries, merged over the cluster ipolicy. */
  ipolicy: Partial<IPolicy>;
  ndparams: Record<string, unknown>;
  diskparams: Record<string, unknown>;
  /** Networks connected to this group: network name -> NIC mode, link and vlan (vlan '' when omitted). */
  networks: Record<string, { mode: string; link: string; vlan?: string }>;
  tags: string[];
  ctime: number;
  mtime: number;
  serialNo: number;
}

export interface DiskData {
  uuid: string;
  name: string | null;
  /** Size in MiB. */
  size: number;
  spindles: number | null;
  /** Access mode, `rw` (the default when absent) or `ro`. */
  mode?: 'rw' | 'ro';
}

export interface NicData {
  uuid: string;
  name: string | null;
  mac: string;
  ip: string | null;
  /** Network name, or null. */
  network: string | null;
  mode: string;
  link: string;
  vlan: string;
}

export interface InstanceData {
  name: string;
  uuid: string;
  /** Primary node name. */
  primaryNode: string;
  /** Secondary node names (one for drbd). */
  secondaryNodes: string[];
  os: string;
  hypervisor: string;
  adminState: 'up' | 'down' | 'offline';
  adminStateSource: 'admin' | 'user';
  disksActive: boolean;
  diskTemplate: string;
  disks: DiskData[];
  nics: NicData[];
  /** Custom backend parameters, merged over the cluster beparams. */
  beparams: Record<string, unknown>;
  hvparams: Record<string, unknown>;
  osparams: Record<string, unknown>;
  networkPort: number | null;
  forthcoming: boolean;
  /** Whether the instance actually runs (live data). */
  running: boolean;
  tags: string[];
  ctime: number;
  mtime: number;
  serialNo: number;
}

export interface NetworkData {
  name: string;
  uuid: string;
  /** IPv4 subnet, e.g. `192.0.2.0/24`. */
  network: string;
  gateway: string | null;
  network6: string | null;
  gateway6: string | null;
  macPrefix: string | null;
  /** Addresses reserved outside Ganeti. */
  externalReservations: string[];
  tags: string[];
  ctime: number;
  mtime: number;
  serialNo: number;
}

export interface FilterData {
  uuid: string;
  watermark: number;
  priority: number;
  predicates: unknown[];
  action: unknown;
  reasonTrail: unknown[];
}

/** A whole cluster: what `serve --demo --cluster FILE` reads. */
export interface ClusterData {
  /** The QueryClusterInfo dictionary (55 keys in Ganeti 3.0); `master` is a node name. */
  info: Record<string, unknown> & { name: string; master: string; tags: string[]; ipolicy: IPolicy };
  groups: GroupData[];
  nodes: NodeData[];
  instances: InstanceData[];
  networks: NetworkData[];
  filters: FilterData[];
  /** Exports per node name. */
  exports: Record<string, string[]>;
  /** Paused-until timestamp of the watcher, or null. */
  watcherPause: number | null;
}

type Kind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null' | 'bigint';

function kindOf(v: unknown): Kind | 'undefined' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'object' || t === 'bigint') return t;
  return 'undefined';
}

function fail(path: string, message: string): never {
  throw new TypeError(`cluster data: ${path}: ${message}`);
}

function describeKind(v: unknown): string {
  const k = kindOf(v);
  return k === 'undefined' ? String(v) : k;
}

/** Keys that may hold null instead of the template's kind, per object type. */
const NULLABLE = new Set([
  'live',
  'gateway',
  'network6',
  'gateway6',
  'macPrefix',
  'name',
  'spindles',
  'ip',
  'network',
  'networkPort',
  'volume_group_name',
  'drbd_usermode_helper',
  'watcherPause',
]);

/**
 * Checks `value` against `template` key by key: keys in `required` must be present; other
 * keys default to the template's value (or a fresh UUID for `uuid`). Keys unknown to the
 * template are kept unchecked.
 */
function checkObject<T extends object>(path: string, value: unknown, template: T, required: readonly string[]): T {
  if (kindOf(value) !== 'object') fail(path, `expected an object, got ${describeKind(value)}`);
  const v = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...v };
  for (const [key, def] of Object.entries(template)) {
    const here = `${path}.${key}`;
    if (!(key in v) || v[key] === undefined) {
      if (required.includes(key)) fail(here, 'missing required key');
      out[key] = key === 'uuid' ? randomUUID() : structuredClone(def as unknown);
      continue;
    }
    const got = kindOf(v[key]);
    const want = kindOf(def);
    const numberLike = (k: string) => k === 'number' || k === 'bigint';
    if (got === want || (numberLike(got) && numberLike(want))) continue;
    if (got === 'null' && NULLABLE.has(key)) continue;
    if (want === 'null' && NULLABLE.has(key)) continue;
    fail(here, `expected ${want}, got ${describeKind(v[key])}`);
  }
  return out as T;
}

function checkArray(path: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describeKind(value)}`);
  return value;
}

function checkStrings(path: string, value: unknown): void {
  checkArray(path, value).forEach((s, i) => {
    if (typeof s !== 'string') fail(`${path}[${i}]`, `expected string, got ${describeKind(s)}`);
  });
}

function checkIPolicy(path: string, p: unknown): void {
  const template = sampleCluster().info.ipolicy;
  const ip = checkObject(path, p, template, ['minmax', 'std', 'vcpu-ratio', 'spindle-ratio', 'disk-templates']);
  const specKeys = Object.keys(template.std);
  const checkSpec = (sp: string, s: unknown) => {
    if (kindOf(s) !== 'object') fail(sp, `expected an object, got ${describeKind(s)}`);
    for (const k of specKeys) {
      if (typeof (s as Record<string, unknown>)[k] !== 'number') fail(`${sp}.${k}`, 'missing or not a number');
    }
  };
  checkSpec(`${path}.std`, ip.std);
  checkArray(`${path}.minmax`, ip.minmax).forEach((mm, i) => {
    checkSpec(`${path}.minmax[${i}].min`, (mm as Record<string, unknown> | null)?.['min']);
    checkSpec(`${path}.minmax[${i}].max`, (mm as Record<string, unknown> | null)?.['max']);
  });
  checkStrings(`${path}.disk-templates`, ip['disk-templates']);
}

/**
 * Validates a cluster description and returns a complete {@link ClusterData}.
 * @param input the parsed JSON value, or the JSON text itself.
 * A Ganeti 3.0 config.data is recognised by its shape and read with `fromConfigData`.
 * @throws TypeError naming the missing or ill-typed key (`cluster data: nodes[2].group: ...`,
 *   `config.data: nodes["<uuid>"].group: ...`), or a SyntaxError for text that is not JSON.
 */
export function loadCluster(input: unknown): ClusterData {
  let raw: unknown = typeof input === 'string' ? JSON.parse(input) : input;
  // A Ganeti config.data (/var/lib/ganeti/config.data) is recognised by its shape.
  if (isConfigData(raw)) raw = fromConfigData(raw);
  const sample = sampleCluster();
  const c = checkObject('(top)', raw, sample, ['info', 'nodes']);
  const [n0] = sample.nodes;
  const [g0] = sample.groups;
  const [i0] = sample.instances;
  const [w0] = sample.networks;
  const [f0] = sample.filters;
  if (!n0 || !g0 || !i0 || !w0 || !f0) throw new Error('sample cluster is incomplete');
  const d0 = i0.disks[0];
  const nic0 = i0.nics[0];
  if (!d0 || !nic0) throw new Error('sample cluster is incomplete');

  const info = checkObject('info', c.info, sample.info, ['name', 'master']);
  checkIPolicy('info.ipolicy', info.ipolicy);
  checkStrings('info.tags', info.tags);
  if (!('groups' in (raw as object))) c.groups = [{ ...g0, tags: [], networks: {} }];
  const groups = checkArray('groups', c.groups).map((g, i) => checkObject(`groups[${i}]`, g, { ...g0, networks: {} }, ['name']));
  const nodes = checkArray('nodes', c.nodes).map((n, i) =>
    checkObject(`nodes[${i}]`, n, { ...n0, group: groups[0]?.name ?? 'default', tags: [] }, ['name']),
  );
  if (!('instances' in (raw as object))) c.instances = [];
  const instances = checkArray('instances', c.instances).map((x, i) => {
    const inst = checkObject(`instances[${i}]`, x, { ...i0, tags: [] }, ['name', 'primaryNode']);
    inst.disks = checkArray(`instances[${i}].disks`, inst.disks).map((d, j) => checkObject(`instances[${i}].disks[${j}]`, d, d0, ['size']));
    inst.nics = checkArray(`instances[${i}].nics`, inst.nics).map((d, j) => checkObject(`instances[${i}].nics[${j}]`, d, nic0, []));
    checkStrings(`instances[${i}].secondaryNodes`, inst.secondaryNodes);
    return inst;
  });
  if (!('networks' in (raw as object))) c.networks = [];
  const networks = checkArray('networks', c.networks).map((w, i) =>
    checkObject(`networks[${i}]`, w, { ...w0, tags: [] }, ['name', 'network']),
  );
  if (!('filters' in (raw as object))) c.filters = [];
  const filters = checkArray('filters', c.filters).map((f, i) => checkObject(`filters[${i}]`, f, f0, []));
  if (!('exports' in (raw as object))) c.exports = {};

  // Cross references.
  const groupNames = new Set(groups.map((g) => g.name));
  const nodeNames = new Set(nodes.map((n) => n.name));
  const netNames = new Set(networks.map((n) => n.name));
  nodes.forEach((n, i) => {
    if (!groupNames.has(n.group)) fail(`nodes[${i}].group`, `no group named ${JSON.stringify(n.group)}`);
  });
  if (!nodeNames.has(info.master)) fail('info.master', `no node named ${JSON.stringify(info.master)}`);
  instances.forEach((x, i) => {
    if (!nodeNames.has(x.primaryNode)) fail(`instances[${i}].primaryNode`, `no node named ${JSON.stringify(x.primaryNode)}`);
    x.secondaryNodes.forEach((s, j) => {
      if (!nodeNames.has(s)) fail(`instances[${i}].secondaryNodes[${j}]`, `no node named ${JSON.stringify(s)}`);
    });
    x.nics.forEach((nic, j) => {
      if (nic.network !== null && !netNames.has(nic.network)) {
        fail(`instances[${i}].nics[${j}].network`, `no network named ${JSON.stringify(nic.network)}`);
      }
    });
  });
  for (const [nodeName, list] of Object.entries(c.exports)) {
    if (!nodeNames.has(nodeName)) fail(`exports.${nodeName}`, 'no such node');
    checkStrings(`exports.${nodeName}`, list);
  }
  return { ...c, info, groups, nodes, instances, networks, filters };
}
