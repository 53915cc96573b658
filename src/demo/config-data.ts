/**
 * Ganeti 3.0's own configuration file (`/var/lib/ganeti/config.data`) in and out of the demo:
 * `fromConfigData` reads what a real master keeps into a {@link ClusterData}, `toConfigData`
 * writes a demo cluster as a config.data that the real ganeti-wconfd and ganeti-luxid load.
 * Shapes follow Ganeti 3.0.2 (src/Ganeti/Objects.hs, Objects/{Instance,Nic,Disk}.hs). Live
 * data is not in config.data: node capacities travel in the nodes' `hv_state_static` and
 * `disk_state_static`, and free figures are derived from the instances, as htools count them.
 */
import { createHash } from 'node:crypto';
import type { ClusterData, DiskData, GroupData, InstanceData, NetworkData, NicData, NodeData, NodeLive } from './cluster.js';
import { sampleCluster } from './cluster-sample.js';
import { DRBD_META_MIB } from './ops/common.js';

/** Constants.hs `configVersion` for Ganeti 3.0 (buildVersion 3 0 0). */
export const CONFIG_VERSION = 3000000;
/** Constants.hs `firstDrbdPort`: where DRBD ports are handed out from. */
const FIRST_DRBD_PORT = 11000;
/** Memory htools count for a KVM node itself (Loader.hs setStaticKvmNodeMem), in MiB. */
const STATIC_NODE_MEMORY_MIB = 4096;
/** Python's socket.AF_INET and AF_INET6, as `primary_ip_family` stores them. */
const IP_FAMILY = { 4: 2, 6: 10 } as const;

/** QueryClusterInfo keys stored under the same name in config.data's `cluster`. */
const DIRECT_KEYS = [
  'enabled_hypervisors',
  'hvparams',
  'os_hvp',
  'beparams',
  'osparams',
  'ipolicy',
  'nicparams',
  'ndparams',
  'diskparams',
  'candidate_pool_size',
  'max_running_jobs',
  'max_tracked_jobs',
  'mac_prefix',
  'master_netdev',
  'master_netmask',
  'use_external_mip_script',
  'file_storage_dir',
  'shared_file_storage_dir',
  'gluster_storage_dir',
  'maintain_node_health',
  'ctime',
  'mtime',
  'uuid',
  'tags',
  'uid_pool',
  'default_iallocator',
  'default_iallocator_params',
  'reserved_lvs',
  'prealloc_wipe_disks',
  'hidden_os',
  'blacklisted_os',
  'enabled_disk_templates',
  'install_image',
  'instance_communication_network',
  'zeroing_image',
  'compression_tools',
  'enabled_user_shutdown',
  'modify_ssh_setup',
  'ssh_key_type',
  'ssh_key_bits',
] as const;
/** The same, but optional in Objects.hs (QueryClusterInfo answers null when absent). */
const OPTIONAL_KEYS = ['volume_group_name', 'drbd_usermode_helper'] as const;
/** QueryClusterInfo keys that describe the luxid software, not the cluster: taken from the sample. */
const SOFTWARE_KEYS = [
  'software_version',
  'protocol_version',
  'config_version',
  'os_api_version',
  'export_version',
  'vcs_version',
  'architecture',
];

type Json = Record<string, unknown>;

/** `a.b`, or `b` at the top level. */
const sub = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function fail(path: string, problem: string): never {
  throw new TypeError(`config.data: ${path}: ${problem}`);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A reader over one JSON object that names the key path in every error. */
class Obj {
  constructor(
    readonly path: string,
    readonly raw: Json,
  ) {}
  static of(path: string, v: unknown): Obj {
    if (kindOf(v) !== 'object') fail(path, `expected an object, got ${kindOf(v)}`);
    return new Obj(path, v as Json);
  }
  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }
  #get(key: string, kind: string): unknown {
    const v = this.raw[key];
    if (v === undefined) fail(sub(this.path, key), 'missing required key');
    const k = kindOf(v) === 'bigint' ? 'number' : kindOf(v);
    if (k !== kind) fail(sub(this.path, key), `expected ${kind}, got ${kindOf(v)}`);
    return v;
  }
  str(key: string): string {
    return this.#get(key, 'string') as string;
  }
  num(key: string): number {
    return Number(this.#get(key, 'number'));
  }
  bool(key: string): boolean {
    return this.#get(key, 'boolean') as boolean;
  }
  list(key: string): unknown[] {
    return this.#get(key, 'array') as unknown[];
  }
  dict(key: string): Json {
    return this.#get(key, 'object') as Json;
  }
  obj(key: string): Obj {
    return new Obj(sub(this.path, key), this.dict(key));
  }
  optStr(key: string): string | null {
    return this.has(key) ? this.str(key) : null;
  }
  optDict(key: string): Json {
    return this.has(key) ? this.dict(key) : {};
  }
  /** Timestamps and serials default as in THH/Field.hs (timeStampFields: 0). */
  optNum(key: string, def: number): number {
    return this.has(key) ? this.num(key) : def;
  }
  /** Tags are a set (THH/Field.hs TagSet): luxid answers them sorted, and so does the demo then. */
  tags(): string[] {
    return this.has('tags') ? (this.list('tags') as string[]).map(String).sort() : [];
  }
  /** A container (uuid -> object), each entry checked to be indexed by its own uuid (ConfigVerify.hs). */
  entries(key: string): Obj[] {
    return Object.entries(this.dict(key)).map(([uuid, v]) => {
      const o = Obj.of(`${sub(this.path, key)}[${JSON.stringify(uuid)}]`, v);
      if (o.has('uuid') && o.str('uuid') !== uuid)
        fail(`${o.path}.uuid`, `is ${JSON.stringify(o.str('uuid'))}, but the entry is indexed by ${uuid}`);
      o.raw['uuid'] = uuid;
      return o;
    });
  }
}

/** Whether a parsed JSON value has config.data's shape (and not the demo's own cluster file shape). */
export function isConfigData(v: unknown): boolean {
  if (kindOf(v) !== 'object') return false;
  const o = v as Json;
  return !('info' in o) && 'version' in o && kindOf(o['cluster']) === 'object' && kindOf(o['nodes']) === 'object';
}

/** An IPv4 network's addresses as numbers: base and size (at most 2^16, as the demo's pool). */
function ipv4Net(net: string): { base: number; size: number } | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(net);
  if (!m) return null;
  const base = m.slice(1, 5).reduce((a, b) => a * 256 + Number(b), 0);
  return { base, size: Math.min(2 ** (32 - Number(m[5])), 65536) };
}

function ipToInt(ip: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  return m ? m.slice(1, 5).reduce((a, b) => a * 256 + Number(b), 0) : null;
}

function intToIp(v: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
}

/** Disk usage on each node (Query/Instance.hs disk_usage; drbd adds its metadata volume). */
function diskUsage(inst: InstanceData): number {
  if (inst.diskTemplate === 'diskless') return 0;
  const meta = inst.diskTemplate === 'drbd' ? DRBD_META_MIB : 0;
  return inst.disks.reduce((s, d) => s + d.size + meta, 0);
}

function maxMem(cluster: ClusterData, inst: InstanceData): number {
  const def = (cluster.info['beparams'] as Record<string, Json> | undefined)?.['default'] ?? {};
  return Number(inst.beparams['maxmem'] ?? inst.beparams['memory'] ?? def['maxmem'] ?? 0);
}

const roundUp = (v: number, step: number): number => Math.ceil(v / step) * step;

/** Static capacities a node carries in config.data (hv_state_static / disk_state_static), 0 when unset. */
interface Capacity {
  mtotal: number;
  mnode: number;
  ctotal: number;
  cnodes: number;
  dtotal: number;
}

/**
 * Live figures of every online node from its capacity (or, when config.data has none, a
 * size that holds its instances with room to spare, N+1 included) minus what its instances
 * use: mfree = mtotal - 4096 - memory of running primaries; dfree = dtotal - disk usage of
 * primaries and secondaries, which is what htools check (Loader.hs updateMissing).
 */
function deriveLive(cluster: ClusterData, caps: Map<string, Capacity>): void {
  const load = new Map<string, { mem: number; disk: number; vcpus: number; peers: Map<string, number> }>();
  for (const n of cluster.nodes) load.set(n.name, { mem: 0, disk: 0, vcpus: 0, peers: new Map() });
  for (const inst of cluster.instances) {
    const mem = maxMem(cluster, inst);
    const usage = diskUsage(inst);
    const p = load.get(inst.primaryNode);
    if (p) {
      if (inst.running && !inst.forthcoming) p.mem += mem;
      p.disk += usage;
      p.vcpus += Number(inst.beparams['vcpus'] ?? 1);
    }
    for (const s of inst.secondaryNodes) {
      const l = load.get(s);
      if (!l) continue;
      l.disk += usage;
      if (inst.adminState !== 'offline') l.peers.set(inst.primaryNode, (l.peers.get(inst.primaryNode) ?? 0) + mem);
    }
  }
  for (const node of cluster.nodes) {
    const l = load.get(node.name);
    if (node.offline || !l) {
      node.live = null;
      continue;
    }
    const cap = caps.get(node.name);
    const reserve = Math.max(0, ...l.peers.values());
    const needMem = STATIC_NODE_MEMORY_MIB + l.mem + reserve;
    const mtotal = cap?.mtotal || Math.max(32768, roundUp(needMem + Math.max(4096, needMem / 10), 1024));
    const dtotal = cap?.dtotal || Math.max(1048576, roundUp(l.disk + Math.max(102400, l.disk / 8), 1024));
    const ctotal = cap?.ctotal || Math.max(8, roundUp(l.vcpus / 4, 8));
    const live: NodeLive = {
      mtotal,
      mnode: cap?.mnode || 1024,
      mfree: mtotal - STATIC_NODE_MEMORY_MIB - l.mem,
      dtotal,
      dfree: dtotal - l.disk,
      ctotal,
      cnos: 1,
      cnodes: cap?.cnodes || 1,
      // Not in config.data: one socket, two from 32 CPUs on (as generate.ts sizes nodes).
      csockets: ctotal >= 32 ? 2 : 1,
      sptotal: 2,
      spfree: 2,
      bootid: node.uuid.slice(0, 8),
    };
    node.live = live;
  }
}

function capacityOf(o: Obj, vg: string): Capacity {
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  const hv = Object.values(o.optDict('hv_state_static'))[0] as Json | undefined;
  const ds = ((o.optDict('disk_state_static')['lvm-vg'] as Json | undefined)?.[vg] ?? {}) as Json;
  return {
    mtotal: num(hv?.['mem_total']),
    mnode: num(hv?.['mem_node']),
    ctotal: num(hv?.['cpu_total']),
    cnodes: num(hv?.['cpu_node']),
    dtotal: num(ds['disk_total']),
  };
}

/**
 * Reads a Ganeti 3.0 config.data into a demo cluster. Software constants (versions,
 * architecture) come from the sample; `exports` and the watcher pause are not in config.data
 * and start empty; node live data is derived (see the module comment); instances marked `up`
 * are taken to run.
 * @param input the parsed JSON (integers beyond 2^53 may be bigint) or its text.
 * @throws TypeError `config.data: <key path>: <problem>` for a missing or ill-typed key or a
 *   reference to an unknown uuid; SyntaxError for text that is not JSON.
 */
export function fromConfigData(input: unknown): ClusterData {
  const top = Obj.of('', typeof input === 'string' ? JSON.parse(input) : input);
  const version = top.num('version');
  if (version !== CONFIG_VERSION)
    fail('version', `is ${version}; this reads Ganeti 3.0's ${CONFIG_VERSION} (upgrade older files with cfgupgrade)`);
  const cl = top.obj('cluster');
  const vg = cl.optStr('volume_group_name') ?? 'xenvg';

  const groupName = new Map<string, string>();
  const netName = new Map<string, string>();
  const nodeName = new Map<string, string>();
  const networks: NetworkData[] = top.entries('networks').map((o) => {
    const net = o.str('network');
    const gateway = o.optStr('gateway');
    const range = ipv4Net(net);
    const ext = o.optStr('ext_reservations') ?? '';
    const implicit = new Set(range ? [intToIp(range.base), intToIp(range.base + range.size - 1), ...(gateway ? [gateway] : [])] : []);
    const external: string[] = [];
    if (range) for (let i = 0; i < ext.length && i < range.size; i++) if (ext[i] === '1') external.push(intToIp(range.base + i));
    netName.set(o.str('uuid'), o.str('name'));
    return {
      name: o.str('name'),
      uuid: o.str('uuid'),
      network: net,
      gateway,
      network6: o.optStr('network6'),
      gateway6: o.optStr('gateway6'),
      macPrefix: o.optStr('mac_prefix'),
      externalReservations: external.filter((ip) => !implicit.has(ip)),
      tags: o.tags(),
      ctime: o.optNum('ctime', 0),
      mtime: o.optNum('mtime', 0),
      serialNo: o.num('serial_no'),
    };
  });
  const groups: GroupData[] = top.entries('nodegroups').map((o) => {
    groupName.set(o.str('uuid'), o.str('name'));
    const conns: GroupData['networks'] = {};
    for (const [uuid, p] of Object.entries(o.dict('networks'))) {
      const name = netName.get(uuid) ?? fail(`${o.path}.networks.${uuid}`, 'no network with this uuid');
      const c = Obj.of(`${o.path}.networks.${uuid}`, p);
      conns[name] = { mode: c.str('mode'), link: c.str('link'), ...(c.has('vlan') ? { vlan: c.str('vlan') } : {}) };
    }
    return {
      name: o.str('name'),
      uuid: o.str('uuid'),
      allocPolicy: o.str('alloc_policy') as GroupData['allocPolicy'],
      ipolicy: o.dict('ipolicy'),
      ndparams: o.dict('ndparams'),
      diskparams: o.dict('diskparams'),
      networks: conns,
      tags: o.tags(),
      ctime: o.optNum('ctime', 0),
      mtime: o.optNum('mtime', 0),
      serialNo: o.num('serial_no'),
    };
  });
  const caps = new Map<string, Capacity>();
  const nodes: NodeData[] = top.entries('nodes').map((o) => {
    nodeName.set(o.str('uuid'), o.str('name'));
    caps.set(o.str('name'), capacityOf(o, vg));
    return {
      name: o.str('name'),
      uuid: o.str('uuid'),
      group: groupName.get(o.str('group')) ?? fail(`${o.path}.group`, `no node group with uuid ${o.str('group')}`),
      primaryIp: o.str('primary_ip'),
      secondaryIp: o.str('secondary_ip'),
      offline: o.bool('offline'),
      drained: o.bool('drained'),
      masterCandidate: o.bool('master_candidate'),
      masterCapable: o.bool('master_capable'),
      vmCapable: o.bool('vm_capable'),
      ndparams: o.dict('ndparams'),
      tags: o.tags(),
      ctime: o.optNum('ctime', 0),
      mtime: o.optNum('mtime', 0),
      serialNo: o.num('serial_no'),
      live: null,
      powered: o.bool('powered'),
      pvAllocatable: true,
    };
  });
  const disks = new Map(top.entries('disks').map((o) => [o.str('uuid'), o] as const));
  const nicDefaults = (cl.dict('nicparams')['default'] ?? {}) as Json;
  const instances: InstanceData[] = top.entries('instances').map((o) => readInstance(o, disks, nodeName, netName, nicDefaults));

  const info: Json = {};
  const sample = sampleCluster().info;
  for (const k of SOFTWARE_KEYS) info[k] = sample[k];
  for (const k of DIRECT_KEYS) {
    if (!(k in cl.raw)) fail(`cluster.${k}`, 'missing required key');
    info[k] = cl.raw[k];
  }
  for (const k of OPTIONAL_KEYS) info[k] = cl.optStr(k);
  info['tags'] = cl.tags();
  info['name'] = cl.str('cluster_name');
  info['master'] = nodeName.get(cl.str('master_node')) ?? fail('cluster.master_node', `no node with uuid ${cl.str('master_node')}`);
  const hvs = cl.list('enabled_hypervisors');
  info['default_hypervisor'] = hvs[0] ?? null;
  const family = cl.num('primary_ip_family');
  info['primary_ip_version'] = family === IP_FAMILY[6] ? 6 : 4;
  const collectors = Object.entries(cl.dict('data_collectors')).map(
    ([name, v]) => [name, Obj.of(`cluster.data_collectors.${name}`, v)] as const,
  );
  info['enabled_data_collectors'] = Object.fromEntries(collectors.map(([n, c]) => [n, c.bool('active')]));
  info['data_collector_interval'] = Object.fromEntries(collectors.map(([n, c]) => [n, c.num('interval')]));

  const filters = top.entries('filters').map((o) => ({
    uuid: o.str('uuid'),
    watermark: o.num('watermark'),
    priority: o.num('priority'),
    predicates: o.list('predicates'),
    action: o.raw['action'],
    reasonTrail: o.list('reason_trail'),
  }));
  const cluster: ClusterData = {
    info: info as ClusterData['info'],
    groups,
    nodes,
    instances,
    networks,
    filters,
    exports: {},
    watcherPause: null,
  };
  deriveLive(cluster, caps);
  return cluster;
}

function readInstance(
  o: Obj,
  disks: Map<string, Obj>,
  nodeName: Map<string, string>,
  netName: Map<string, string>,
  nicDefaults: Json,
): InstanceData {
  const nodeOf = (path: string, uuid: unknown): string => nodeName.get(String(uuid)) ?? fail(path, `no node with uuid ${String(uuid)}`);
  const pnode = nodeOf(`${o.path}.primary_node`, o.str('primary_node'));
  const diskObjs = (o.has('disks') ? o.list('disks') : []).map(
    (u, i) => disks.get(String(u)) ?? fail(`${o.path}.disks[${i}]`, `no disk with uuid ${String(u)}`),
  );
  const types = [...new Set(diskObjs.map((d) => d.str('dev_type')))];
  const secondaries: string[] = [];
  for (const d of diskObjs) {
    for (const [j, u] of (d.has('nodes') ? d.list('nodes') : []).entries()) {
      const name = nodeOf(`${d.path}.nodes[${j}]`, u);
      if (name !== pnode && !secondaries.includes(name)) secondaries.push(name);
    }
  }
  const nics: NicData[] = (o.has('nics') ? o.list('nics') : []).map((n, j) => {
    const nic = Obj.of(`${o.path}.nics[${j}]`, n);
    // PartialNicParams: what the NIC leaves out comes from the cluster's nicparams.
    const p = { ...nicDefaults, ...nic.optDict('nicparams') };
    const net = nic.optStr('network');
    return {
      uuid: nic.str('uuid'),
      name: nic.optStr('name'),
      mac: nic.str('mac'),
      ip: nic.optStr('ip'),
      network: net === null ? null : (netName.get(net) ?? fail(`${nic.path}.network`, `no network with uuid ${net}`)),
      mode: String(p['mode'] ?? ''),
      link: String(p['link'] ?? ''),
      vlan: String(p['vlan'] ?? ''),
    };
  });
  const adminState = o.str('admin_state') as InstanceData['adminState'];
  return {
    name: o.str('name'),
    uuid: o.str('uuid'),
    primaryNode: pnode,
    secondaryNodes: secondaries,
    os: o.str('os'),
    hypervisor: o.str('hypervisor'),
    adminState,
    adminStateSource: o.str('admin_state_source') as InstanceData['adminStateSource'],
    disksActive: o.bool('disks_active'),
    // Query/Instance.hs getDiskTemplate: from the disks' types.
    diskTemplate: types.length === 0 ? 'diskless' : types.length === 1 ? (types[0] as string) : 'mixed',
    disks: diskObjs.map(
      (d): DiskData => ({
        uuid: d.str('uuid'),
        name: d.optStr('name'),
        size: d.num('size'),
        spindles: d.has('spindles') ? d.num('spindles') : null,
        ...(d.has('mode') && d.str('mode') === 'ro' ? { mode: 'ro' as const } : {}),
      }),
    ),
    nics,
    beparams: o.optDict('beparams'),
    hvparams: o.optDict('hvparams'),
    osparams: o.optDict('osparams'),
    networkPort: o.has('network_port') ? o.num('network_port') : null,
    forthcoming: o.raw['forthcoming'] === true,
    running: adminState === 'up',
    tags: o.tags(),
    ctime: o.optNum('ctime', 0),
    mtime: o.optNum('mtime', 0),
    serialNo: o.num('serial_no'),
  };
}

// ---------------------------------------------------------------------------------------
// Out: the demo cluster as config.data.

/** How {@link toConfigData} adapts the cluster for the machine that will run the real daemons. */
export interface ToConfigDataOptions {
  /**
   * Rename the master node to this name. The real luxid serves only when the master node is
   * this host, as Python's `socket.getfqdn()` names it. Default: keep the name.
   */
  masterName?: string;
  /**
   * Move node addresses to loopback (primary 127.0.1.N, secondary 127.0.2.N in node order),
   * the master IP to 127.0.0.1 and `master_netdev` to `lo`, so real daemons reach nothing
   * else (luxid contacts the master IP at start). Default: false.
   */
  loopback?: boolean;
  /**
   * Spell object names and tags in ASCII (accents dropped, other characters as `-`): the
   * real luxid writes non-ASCII as raw bytes, which Ganeti's Python client cannot decode.
   * Default: false.
   */
  asciiNames?: boolean;
  /** `master_ip`. Default: 127.0.0.1 with `loopback`, else the master node's primary IP. */
  masterIp?: string;
}

function toAscii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '-');
}

/**
 * A copy of `cluster` adapted as `options` say; what {@link toConfigData} writes. Loading its
 * output gives this cluster back.
 * @throws TypeError when a rename would give two nodes (or two objects of a kind) one name.
 */
export function adaptCluster(cluster: ClusterData, options: ToConfigDataOptions = {}): ClusterData {
  const c = structuredClone(cluster);
  const renameNode = (from: string, to: string): void => {
    if (from === to) return;
    if (c.nodes.some((n) => n.name === to)) throw new TypeError(`cannot rename node ${from} to ${to}: a node has that name`);
    for (const n of c.nodes) if (n.name === from) n.name = to;
    if (c.info.master === from) c.info.master = to;
    for (const i of c.instances) {
      if (i.primaryNode === from) i.primaryNode = to;
      i.secondaryNodes = i.secondaryNodes.map((s) => (s === from ? to : s));
    }
    if (from in c.exports) {
      c.exports[to] = c.exports[from] ?? [];
      delete c.exports[from];
    }
  };
  if (options.asciiNames) {
    for (const n of c.nodes) renameNode(n.name, toAscii(n.name));
    const unique = (kind: string, items: Array<{ name: string }>): void => {
      const seen = new Set<string>();
      for (const it of items) {
        const to = toAscii(it.name);
        if (seen.has(to)) throw new TypeError(`--ascii-names: two ${kind}s would be named ${to}`);
        seen.add(to);
      }
    };
    unique('instance', c.instances);
    unique('group', c.groups);
    unique('network', c.networks);
    for (const i of c.instances) i.name = toAscii(i.name);
    for (const n of c.nodes) n.group = toAscii(n.group);
    for (const g of c.groups) {
      g.name = toAscii(g.name);
      g.networks = Object.fromEntries(Object.entries(g.networks).map(([k, v]) => [toAscii(k), v]));
    }
    for (const w of c.networks) w.name = toAscii(w.name);
    for (const i of c.instances) for (const nic of i.nics) if (nic.network !== null) nic.network = toAscii(nic.network);
    c.info.name = toAscii(c.info.name);
    for (const o of [c.info, ...c.nodes, ...c.instances, ...c.groups, ...c.networks]) o.tags = o.tags.map(toAscii);
    c.exports = Object.fromEntries(Object.entries(c.exports).map(([k, v]) => [k, v.map(toAscii)]));
  }
  if (options.masterName !== undefined) renameNode(c.info.master, options.masterName);
  if (options.loopback) {
    c.nodes.forEach((n, i) => {
      n.primaryIp = `127.0.1.${i + 1}`;
      n.secondaryIp = `127.0.2.${i + 1}`;
    });
    c.info['master_netdev'] = 'lo';
  }
  return c;
}

/** The disk objects of one instance (3.0 keeps them top-level, by uuid). */
function writeDisks(
  c: ClusterData,
  inst: InstanceData,
  uuidOf: (node: string) => string,
  ports: { next(): number },
  minors: Map<string, number>,
): Json[] {
  const vg = typeof c.info['volume_group_name'] === 'string' && c.info['volume_group_name'] ? c.info['volume_group_name'] : 'xenvg';
  const pnode = uuidOf(inst.primaryNode);
  const nodes = [pnode, ...inst.secondaryNodes.map(uuidOf)];
  const dir = (key: string): string => String(c.info[key] ?? '') || '/srv/ganeti/file-storage';
  const stamp = { serial_no: 1, ctime: inst.ctime, mtime: inst.mtime };
  return inst.disks.map((d, idx) => {
    const base: Json = {
      uuid: d.uuid,
      iv_name: `disk/${idx}`,
      size: d.size,
      mode: d.mode ?? 'rw',
      params: {},
      ...(d.name !== null ? { name: d.name } : {}),
      ...(d.spindles !== null ? { spindles: d.spindles } : {}),
      ...stamp,
    };
    const lv = (suffix: string, size: number, on: string[]): Json => ({
      uuid: uuidFrom(`${d.uuid}/${suffix}`),
      dev_type: 'plain',
      logical_id: [vg, `${d.uuid}.disk${idx}${suffix}`],
      nodes: on,
      size,
      params: {},
      ...stamp,
    });
    switch (inst.diskTemplate) {
      case 'drbd': {
        const snode = nodes[1] ?? pnode;
        const minor = (n: string): number => {
          const m = minors.get(n) ?? 0;
          minors.set(n, m + 1);
          return m;
        };
        const secret = createHash('sha1').update(`drbd-secret:${d.uuid}`).digest('hex');
        return {
          ...base,
          dev_type: 'drbd',
          logical_id: [pnode, snode, ports.next(), minor(pnode), minor(snode), secret],
          nodes: [pnode, snode],
          children: [lv('_data', d.size, [pnode, snode]), lv('_meta', DRBD_META_MIB, [pnode, snode])],
        };
      }
      case 'plain':
        return { ...base, dev_type: 'plain', logical_id: [vg, `${d.uuid}.disk${idx}`], nodes: [pnode] };
      case 'file':
      case 'sharedfile':
      case 'gluster': {
        const key =
          inst.diskTemplate === 'file' ? 'file_storage_dir' : `${inst.diskTemplate === 'gluster' ? 'gluster' : 'shared_file'}_storage_dir`;
        return { ...base, dev_type: inst.diskTemplate, logical_id: ['loop', `${dir(key)}/${inst.name}/disk${idx}`], nodes: [pnode] };
      }
      case 'blockdev':
        return { ...base, dev_type: 'blockdev', logical_id: ['manual', `/dev/disk/by-id/${d.uuid}`], nodes: [pnode] };
      case 'rbd':
        return { ...base, dev_type: 'rbd', logical_id: ['rbd', `${d.uuid}.rbd.disk${idx}`], nodes: [pnode] };
      case 'ext':
        return { ...base, dev_type: 'ext', logical_id: ['ext', `${d.uuid}.ext.disk${idx}`], nodes: [pnode] };
      default:
        throw new TypeError(`instance ${inst.name}: disk template ${inst.diskTemplate} cannot be written to config.data`);
    }
  });
}

/** A version-5-shaped UUID from a name (stable, so exporting twice gives the same file). */
function uuidFrom(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** An AddressPool bit string (Objects/BitArray.hs): one character per address of the network. */
function pool(size: number, base: number, ips: Iterable<string | null>): string {
  const bits = new Array<string>(size).fill('0');
  for (const ip of ips) {
    const v = ip === null ? null : ipToInt(ip);
    if (v !== null && v >= base && v < base + size) bits[v - base] = '1';
  }
  return bits.join('');
}

/**
 * The demo cluster as a Ganeti 3.0 config.data object (write it with exact JSON: filter
 * reason trails hold nanosecond timestamps beyond 2^53). Node live capacities go into
 * `hv_state_static` (mem_total, mem_node, cpu_total, cpu_node) and `disk_state_static`
 * (lvm-vg disk_total); exports and the watcher pause are not part of config.data.
 * @throws TypeError for an adaptation that cannot be made (see {@link adaptCluster}) or a
 *   disk template config.data cannot hold.
 */
export function toConfigData(cluster: ClusterData, options: ToConfigDataOptions = {}): Json {
  const c = adaptCluster(cluster, options);
  const info = c.info;
  const nodeUuid = new Map(c.nodes.map((n) => [n.name, n.uuid]));
  const groupUuid = new Map(c.groups.map((g) => [g.name, g.uuid]));
  const netUuid = new Map(c.networks.map((w) => [w.name, w.uuid]));
  const uuidOf = (name: string): string => nodeUuid.get(name) ?? fail(`node ${name}`, 'no such node');
  const master = c.nodes.find((n) => n.name === info.master) ?? fail('info.master', `no node named ${info.master}`);
  const vg = typeof info['volume_group_name'] === 'string' && info['volume_group_name'] ? info['volume_group_name'] : 'xenvg';
  const defaultHv = String(info['default_hypervisor'] ?? '');

  // Ports (ConfigWriter.AllocatePort): instance network ports as they are, DRBD ports after them.
  const used = new Set(c.instances.flatMap((i) => (i.networkPort === null ? [] : [i.networkPort])));
  let port = FIRST_DRBD_PORT;
  const ports = {
    next(): number {
      while (used.has(port)) port++;
      used.add(port);
      return port;
    },
  };
  const minors = new Map<string, number>();
  const disks: Json = {};
  const instances: Json = {};
  for (const inst of c.instances) {
    const written = writeDisks(c, inst, uuidOf, ports, minors);
    for (const d of written) disks[String(d['uuid'])] = d;
    instances[inst.uuid] = {
      name: inst.name,
      uuid: inst.uuid,
      primary_node: uuidOf(inst.primaryNode),
      os: inst.os,
      hypervisor: inst.hypervisor,
      hvparams: inst.hvparams,
      beparams: inst.beparams,
      osparams: inst.osparams,
      osparams_private: {},
      admin_state: inst.adminState,
      admin_state_source: inst.adminStateSource,
      nics: inst.nics.map((n) => ({
        uuid: n.uuid,
        mac: n.mac,
        nicparams: { mode: n.mode, link: n.link, vlan: n.vlan },
        ...(n.ip !== null ? { ip: n.ip } : {}),
        ...(n.network !== null ? { network: netUuid.get(n.network) ?? fail(`instance ${inst.name} nic`, `no network ${n.network}`) } : {}),
        ...(n.name !== null ? { name: n.name } : {}),
      })),
      disks: written.map((d) => d['uuid']),
      disks_active: inst.disksActive,
      ...(inst.networkPort !== null ? { network_port: inst.networkPort } : {}),
      ...(inst.forthcoming ? { forthcoming: true } : {}),
      tags: inst.tags,
      ctime: inst.ctime,
      mtime: inst.mtime,
      serial_no: inst.serialNo,
    };
  }

  const nodes: Json = {};
  for (const n of c.nodes) {
    const live = n.live;
    nodes[n.uuid] = {
      name: n.name,
      uuid: n.uuid,
      primary_ip: n.primaryIp,
      secondary_ip: n.secondaryIp,
      master_candidate: n.masterCandidate,
      offline: n.offline,
      drained: n.drained,
      group: groupUuid.get(n.group) ?? fail(`node ${n.name}`, `no group ${n.group}`),
      master_capable: n.masterCapable,
      vm_capable: n.vmCapable,
      ndparams: n.ndparams,
      powered: n.powered,
      hv_state_static: live
        ? { [defaultHv]: { mem_total: live.mtotal, mem_node: live.mnode, mem_hv: 0, cpu_total: live.ctotal, cpu_node: live.cnodes } }
        : {},
      disk_state_static: live ? { 'lvm-vg': { [vg]: { disk_total: live.dtotal, disk_reserved: 0, disk_overhead: 0 } } } : {},
      tags: n.tags,
      ctime: n.ctime,
      mtime: n.mtime,
      serial_no: n.serialNo,
    };
  }

  const nodegroups: Json = {};
  for (const g of c.groups) {
    nodegroups[g.uuid] = {
      name: g.name,
      uuid: g.uuid,
      alloc_policy: g.allocPolicy,
      ipolicy: g.ipolicy,
      ndparams: g.ndparams,
      diskparams: g.diskparams,
      networks: Object.fromEntries(
        Object.entries(g.networks).map(([name, p]) => [
          netUuid.get(name) ?? fail(`group ${g.name} networks`, `no network ${name}`),
          { ...p },
        ]),
      ),
      tags: g.tags,
      ctime: g.ctime,
      mtime: g.mtime,
      serial_no: g.serialNo,
    };
  }

  const networks: Json = {};
  for (const w of c.networks) {
    const range = ipv4Net(w.network);
    const nicIps = c.instances.flatMap((i) => i.nics.filter((n) => n.network === w.name).map((n) => n.ip));
    networks[w.uuid] = {
      name: w.name,
      uuid: w.uuid,
      network: w.network,
      ...(w.gateway !== null ? { gateway: w.gateway } : {}),
      ...(w.network6 !== null ? { network6: w.network6 } : {}),
      ...(w.gateway6 !== null ? { gateway6: w.gateway6 } : {}),
      ...(w.macPrefix !== null ? { mac_prefix: w.macPrefix } : {}),
      // Network creation reserves the network and broadcast addresses and the gateway externally.
      ...(range
        ? {
            reservations: pool(range.size, range.base, nicIps),
            ext_reservations: pool(range.size, range.base, [
              intToIp(range.base),
              intToIp(range.base + range.size - 1),
              w.gateway,
              ...w.externalReservations,
            ]),
          }
        : {}),
      tags: w.tags,
      ctime: w.ctime,
      mtime: w.mtime,
      serial_no: w.serialNo,
    };
  }

  const filters: Json = {};
  for (const f of c.filters) {
    filters[f.uuid] = {
      uuid: f.uuid,
      watermark: f.watermark,
      priority: f.priority,
      predicates: f.predicates,
      action: f.action,
      reason_trail: f.reasonTrail,
    };
  }

  const hvs = (info['enabled_hypervisors'] as string[] | undefined) ?? [];
  const clusterObj: Json = {};
  for (const k of DIRECT_KEYS) clusterObj[k] = info[k];
  for (const k of OPTIONAL_KEYS) if (info[k] !== null && info[k] !== undefined) clusterObj[k] = info[k];
  const collectors = (info['enabled_data_collectors'] ?? {}) as Record<string, boolean>;
  const intervals = (info['data_collector_interval'] ?? {}) as Record<string, number>;
  Object.assign(clusterObj, {
    cluster_name: info.name,
    master_node: master.uuid,
    master_ip: options.masterIp ?? (options.loopback ? '127.0.0.1' : master.primaryIp),
    // QueryClusterInfo's default_hypervisor is the first enabled one (Query/Server.hs).
    enabled_hypervisors: [defaultHv, ...hvs.filter((h) => h !== defaultHv)].filter((h) => h !== ''),
    primary_ip_family: info['primary_ip_version'] === 6 ? IP_FAMILY[6] : IP_FAMILY[4],
    data_collectors: Object.fromEntries(Object.entries(collectors).map(([k, active]) => [k, { active, interval: intervals[k] ?? 0 }])),
    rsahostkeypub: '',
    highest_used_port: Math.max(FIRST_DRBD_PORT - 1, ...used),
    tcpudp_port_pool: [],
    osparams_private_cluster: {},
    modify_etc_hosts: true,
    candidate_certs: {},
    hv_state_static: {},
    disk_state_static: {},
    serial_no: 1,
  });
  return {
    version: CONFIG_VERSION,
    cluster: clusterObj,
    nodes,
    nodegroups,
    instances,
    networks,
    disks,
    filters,
    serial_no: 1,
    ctime: info['ctime'],
    mtime: info['mtime'],
  };
}
