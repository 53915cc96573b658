/**
 * OP_TEST_ALLOCATOR (Ganeti 3.0 lib/cmdlib/test.py LUTestAllocator with
 * lib/masterd/iallocator.py): direction "in" answers the iallocator input text as Ganeti
 * serialises it; direction "out" runs the demo's stand-in for `hail` and answers its
 * output text. The stand-in places instances on the online, undrained node with the most
 * free memory (and a second one in its group for DRBD); it plans no evacuations.
 */
import { OpExecError, OpPrereqError } from '../../errors.js';
import type { ClusterData, InstanceData } from '../cluster.js';
import { niceCompare } from '../fields.js';
import { DRBD_META_MIB, ECODE, expandName, findInstance, asList } from './common.js';
import type { OpContext, OpInput } from './context.js';
import { filledBe, instanceNodes } from './instance-model.js';
import { nodeNdParams } from './lu-support.js';

type Dict = Record<string, unknown>;

/** constants.IALLOCATOR_VERSION. */
const IALLOCATOR_VERSION = 2;
/** The allocators installed on the fake master. */
const KNOWN_ALLOCATORS = ['hail'];
const INT_MIRROR = ['drbd'];

/** serializer.DumpJson: Python's json.dumps layout (", " and ": ", ASCII only) plus a newline. */
export function pythonJson(value: unknown): string {
  const enc = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
    if (typeof v === 'string')
      return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    if (Array.isArray(v)) return `[${v.map(enc).join(', ')}]`;
    return `{${Object.entries(v as Dict)
      .map(([k, x]) => `${enc(k)}: ${enc(x)}`)
      .join(', ')}}`;
  };
  return `${enc(value)}\n`;
}

/** masterd/instance.py ComputeDiskSize: what disks of a template take per node. */
function diskSpace(disks: readonly Dict[]): number {
  return disks.reduce((sum, d) => {
    const type = String(d['dev_type'] ?? d['type'] ?? 'plain');
    const size = Number(d['size'] ?? 0);
    if (type === 'diskless') return sum;
    return sum + size + (type === 'drbd' ? DRBD_META_MIB : 0);
  }, 0);
}

function instanceData(cluster: ClusterData, inst: InstanceData): Dict {
  const be = filledBe(cluster, inst);
  const disks = inst.disks.map((d) => ({ dev_type: inst.diskTemplate, size: d.size, mode: 'rw', spindles: d.spindles }));
  return {
    tags: [...inst.tags],
    admin_state: inst.adminState,
    vcpus: be['vcpus'],
    memory: be['maxmem'],
    spindle_use: be['spindle_use'],
    os: inst.os,
    nodes: instanceNodes(inst),
    nics: inst.nics.map((n) => ({ mac: n.mac, ip: n.ip, mode: n.mode, link: n.link, ...(n.mode === 'bridged' ? { bridge: n.link } : {}) })),
    disks,
    disk_template: inst.diskTemplate,
    disks_active: inst.disksActive,
    hypervisor: inst.hypervisor,
    disk_space_total: diskSpace(disks),
  };
}

/** IAllocator._ComputeClusterData: the cluster, groups, nodes (live data for online ones) and instances. */
function clusterData(cluster: ClusterData): Dict {
  const info = cluster.info;
  const groupUuid = new Map(cluster.groups.map((g) => [g.name, g.uuid]));
  const netUuid = new Map(cluster.networks.map((n) => [n.name, n.uuid]));
  const nodes: Dict = {};
  for (const n of cluster.nodes) {
    const basic: Dict = {
      tags: [...n.tags],
      primary_ip: n.primaryIp,
      secondary_ip: n.secondaryIp,
      offline: n.offline,
      drained: n.drained,
      master_candidate: n.masterCandidate,
      group: groupUuid.get(n.group) ?? n.group,
      master_capable: n.masterCapable,
      vm_capable: n.vmCapable,
      ndparams: nodeNdParams(cluster, n),
    };
    const live = n.live;
    if (n.offline || !live) {
      nodes[n.name] = basic;
      continue;
    }
    const prim = cluster.instances.filter((i) => i.primaryNode === n.name);
    const mem = (i: InstanceData) => Number(filledBe(cluster, i)['maxmem'] ?? 0);
    nodes[n.name] = {
      total_memory: live.mtotal,
      reserved_memory: live.mnode,
      free_memory: live.mfree,
      total_disk: live.dtotal,
      free_disk: live.dfree,
      total_spindles: live.sptotal,
      free_spindles: live.spfree,
      total_cpus: live.ctotal,
      reserved_cpus: 1,
      i_pri_memory: prim.reduce((s, i) => s + mem(i), 0),
      i_pri_up_memory: prim.filter((i) => i.adminState === 'up' && !i.forthcoming).reduce((s, i) => s + mem(i), 0),
      ...basic,
    };
  }
  return {
    version: IALLOCATOR_VERSION,
    cluster_name: info.name,
    cluster_tags: [...info.tags],
    enabled_hypervisors: structuredClone(info['enabled_hypervisors']),
    ipolicy: structuredClone(info.ipolicy),
    nodegroups: Object.fromEntries(
      cluster.groups.map((g) => [
        g.uuid,
        {
          name: g.name,
          alloc_policy: g.allocPolicy,
          networks: Object.keys(g.networks).map((n) => netUuid.get(n) ?? n),
          ipolicy: { ...structuredClone(info.ipolicy), ...structuredClone(g.ipolicy) },
          tags: [...g.tags],
        },
      ]),
    ),
    nodes,
    instances: Object.fromEntries(cluster.instances.map((i) => [i.name, instanceData(cluster, i)])),
  };
}

/** iallocator.py IARequestBase.Validate for the allocation request's typed parameters. */
function requireParam(name: string, value: unknown, ok: boolean): void {
  if (ok) return;
  const pyType =
    value === null || value === undefined
      ? "<class 'NoneType'>"
      : `<class '${typeof value === 'string' ? 'str' : typeof value === 'number' ? 'int' : 'list'}'>`;
  throw new OpPrereqError(
    `Request parameter '${name}' has invalid type ${pyType}/value ${value === null || value === undefined ? 'None' : String(value)}`,
    ECODE.inval,
  );
}

function allocRequest(op: OpInput, cluster: ClusterData, name: string): Dict {
  const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  requireParam('memory', op['memory'], isInt(op['memory']));
  requireParam('disk_template', op['disk_template'], typeof op['disk_template'] === 'string');
  requireParam('os', op['os'], typeof op['os'] === 'string');
  requireParam('nics', op['nics'], Array.isArray(op['nics']));
  requireParam('vcpus', op['vcpus'], typeof op['vcpus'] === 'number');
  const template = String(op['disk_template']);
  const disks = asList(op['disks']).map((d) => ({ ...(d as Dict), dev_type: template }));
  return {
    name,
    disk_template: template,
    group_name: op['group_name'] ?? null,
    tags: asList(op['tags']),
    os: op['os'],
    vcpus: op['vcpus'],
    memory: op['memory'],
    spindle_use: op['spindle_use'],
    disks,
    disk_space_total: diskSpace(disks),
    nics: op['nics'],
    required_nodes: INT_MIRROR.includes(template) ? 2 : 1,
    hypervisor: op['hypervisor'] ?? cluster.info['default_hypervisor'],
  };
}

/** LUTestAllocator.CheckPrereq + IAllocator request building: the request dict. */
function buildRequest(op: OpInput, ctx: OpContext): Dict {
  const mode = String(op['mode']);
  const name = String(op['name']);
  const c = ctx.cluster;
  if (mode === 'allocate' || mode === 'multi-allocate') {
    const existing = expandName(c.instances, name);
    if (existing) throw new OpPrereqError(`Instance '${existing.name}' already in the cluster`, ECODE.exists);
    if (!Array.isArray(op['disks'])) throw new OpExecError("'NoneType' object is not iterable");
    for (const row of op['disks'] as unknown[]) {
      const d = row as Dict | null;
      const okRow = d !== null && typeof d === 'object' && Number.isInteger(d['size']) && (d['mode'] === 'rw' || d['mode'] === 'ro');
      if (!okRow) throw new OpPrereqError("Invalid contents of the 'disks' parameter", ECODE.inval);
    }
    if (mode === 'allocate') return { type: mode, ...allocRequest(op, c, name) };
    const count = Number(op['count'] ?? 1);
    return { type: mode, instances: Array.from({ length: count }, (_, i) => allocRequest(op, c, `${name}${i}`)) };
  }
  if (mode === 'relocate') {
    const inst = findInstance(ctx, name);
    if (inst.diskTemplate !== 'drbd' && !['sharedfile', 'rbd', 'ext', 'blockdev', 'gluster', 'diskless'].includes(inst.diskTemplate)) {
      throw new OpPrereqError("Can't relocate non-mirrored instances", ECODE.inval);
    }
    if (inst.diskTemplate === 'drbd' && inst.secondaryNodes.length !== 1) {
      throw new OpPrereqError('Instance has not exactly one secondary node', ECODE.state);
    }
    const disks = inst.disks.map((d) => ({ size: d.size, dev_type: inst.diskTemplate }));
    return { name: inst.name, disk_space_total: diskSpace(disks), required_nodes: 1, relocate_from: [...inst.secondaryNodes], type: mode };
  }
  if (mode === 'change-group' || mode === 'node-evacuate') {
    const wanted = asList(op['instances']);
    if (wanted.length === 0) throw new OpPrereqError('Missing instances', ECODE.inval);
    const instances = wanted.map((n) => findInstance(ctx, n).name);
    if (mode === 'change-group') {
      requireParam('target_groups', op['target_groups'], Array.isArray(op['target_groups']));
      return { instances, target_groups: op['target_groups'], type: mode };
    }
    requireParam('evac_mode', op['evac_mode'], typeof op['evac_mode'] === 'string');
    return { instances, evac_mode: op['evac_mode'], type: mode };
  }
  throw new OpPrereqError(`Invalid test allocator mode '${mode}'`, ECODE.inval);
}

/** Candidate nodes for new instances: online, undrained, vm-capable, most free memory first. */
function candidates(cluster: ClusterData, groupName: unknown): Array<{ name: string; group: string; mfree: number; dfree: number }> {
  const policy = new Map(cluster.groups.map((g) => [g.name, g.allocPolicy]));
  return cluster.nodes
    .filter((n) => !n.offline && !n.drained && n.vmCapable && n.live && policy.get(n.group) !== 'unallocable')
    .filter((n) => groupName === null || groupName === undefined || n.group === groupName)
    .map((n) => ({ name: n.name, group: n.group, mfree: n.live?.mfree ?? 0, dfree: n.live?.dfree ?? 0 }))
    .sort((a, b) => b.mfree - a.mfree || niceCompare(a.name, b.name));
}

/** The stand-in allocator's placement of one new instance: node names, or null when none fit. */
function place(cluster: ClusterData, req: Dict): string[] | null {
  const need = Number(req['memory']);
  const disk = Number(req['disk_space_total']);
  const fit = candidates(cluster, req['group_name']).filter((n) => n.mfree >= need && n.dfree >= disk);
  const [first] = fit;
  if (!first) return null;
  if (req['required_nodes'] !== 2) return [first.name];
  const second = fit.find((n) => n !== first && n.group === first.group);
  return second ? [first.name, second.name] : null;
}

/** The stand-in for `hail`: its output dict for a request. */
function runAllocator(cluster: ClusterData, request: Dict): Dict {
  const type = request['type'];
  if (type === 'allocate') {
    const nodes = place(cluster, request);
    return nodes
      ? {
          success: true,
          info: `Request successful: Selected group: ${cluster.nodes.find((n) => n.name === nodes[0])?.group ?? ''}`,
          result: nodes,
        }
      : { success: false, info: 'Request failed: No valid allocation solutions', result: [] };
  }
  if (type === 'multi-allocate') {
    const done: Array<[string, string[]]> = [];
    const failed: string[] = [];
    for (const req of asList(request['instances']) as Dict[]) {
      const nodes = place(cluster, req);
      if (nodes) done.push([String(req['name']), nodes]);
      else failed.push(String(req['name']));
    }
    return { success: true, info: 'Request successful', result: [done, failed] };
  }
  if (type === 'relocate') {
    const inst = cluster.instances.find((i) => i.name === request['name']);
    const group = cluster.nodes.find((n) => n.name === inst?.primaryNode)?.group;
    const pick = candidates(cluster, group).find((n) => inst && !instanceNodes(inst).includes(n.name));
    return pick
      ? { success: true, info: `Request successful: Selected group: ${pick.group}`, result: [pick.name] }
      : { success: false, info: 'Request failed: No valid allocation solutions', result: [] };
  }
  return {
    success: false,
    info: 'Request failed: the demo allocator does not plan evacuations',
    result: [[], asList(request['instances']).map((n) => [n, 'not planned by the demo allocator']), []],
  };
}

/**
 * OP_TEST_ALLOCATOR (LUTestAllocator): the iallocator input text ("in") or output text ("out").
 * @throws OpPrereqError as the LU ("Instance 'x' already in the cluster", "Missing
 *   instances", "Invalid test allocator mode 'm'", "Missing allocator name", ...), or
 *   OpExecError "Failure while running the iallocator script: iallocator module 'x' not
 *   found in the search path".
 */
export function testAllocator(op: OpInput, ctx: OpContext): unknown {
  const mode = String(op['mode']);
  if (mode !== 'allocate' && mode !== 'multi-allocate' && mode !== 'relocate' && mode !== 'change-group' && mode !== 'node-evacuate') {
    throw new OpPrereqError(`Invalid test allocator mode '${mode}'`, ECODE.inval);
  }
  // CheckPrereq checks the names first; the request itself is built in Exec.
  if (mode === 'allocate' || mode === 'multi-allocate')
    buildRequest({ ...op, memory: 0, disk_template: 'plain', os: '', nics: [], vcpus: 0 }, ctx);
  if (op['direction'] === 'out' && (op['iallocator'] === undefined || op['iallocator'] === null)) {
    throw new OpPrereqError('Missing allocator name', ECODE.inval);
  }
  if (ctx.dryRun) return null;
  const request = buildRequest(op, ctx);
  const input = { ...clusterData(ctx.cluster), request };
  if (op['direction'] === 'in') return pythonJson(input);
  const name = String(op['iallocator']);
  if (!KNOWN_ALLOCATORS.includes(name)) {
    throw new OpExecError(`Failure while running the iallocator script: iallocator module '${name}' not found in the search path`);
  }
  return JSON.stringify(runAllocator(ctx.cluster, request));
}
