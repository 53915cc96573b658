/**
 * The demo's executors that build or rewrite an instance's configuration, after Ganeti
 * 3.0's LUInstanceCreate and LUInstanceMultiAlloc (instance_create.py, instance.py),
 * LUInstanceSetParams (instance_set_params.py) and LUInstanceQueryData (instance_query.py).
 * Checks and accounting come from instance-model.ts.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterData, DiskData, InstanceData, NicData } from '../cluster.js';
import { ECODE, findInstance, findNode, type ParamChanges, prereq, touch } from './common.js';
import { commaJoin } from './lu-support.js';
import { checkIAllocatorOrNode } from './evacuate.js';
import type { OpContext, OpExecutor, OpExecutors, OpInput } from './context.js';
import {
  accountNew,
  allocate,
  allocatePort,
  checkInstanceState,
  checkNodeFreeMemory,
  checkNodesFreeDisk,
  checkTargetNode,
  diskStatus,
  diskUsageOf,
  filledBe,
  filledHv,
  filledOs,
  INSTANCE_DOWN,
  INSTANCE_NOT_RUNNING,
  instanceNodes,
  maxMem,
  nodeNamed,
  reaccount,
  upgradeBeParams,
  nonEmpty,
} from './instance-model.js';

type Params = Record<string, unknown>;

const paramsOf = (v: unknown): Params => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...(v as Params) } : {});

/** A MAC under the cluster's (or network's) prefix that no NIC uses yet (ConfigWriter.GenerateMAC). */
function generateMac(cluster: ClusterData, network: string | null): string {
  const prefix = cluster.networks.find((n) => n.name === network)?.macPrefix ?? String(cluster.info['mac_prefix'] ?? 'aa:00:00');
  const used = new Set(cluster.instances.flatMap((i) => i.nics.map((n) => n.mac)));
  for (let k = 1; ; k++) {
    const hex = k.toString(16).padStart(6, '0');
    const mac = `${prefix}:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
    if (!used.has(mac)) return mac;
  }
}

/** The NIC parameters a NIC gets: its network's link in the node's group, else the cluster's. */
function nicDefaults(cluster: ClusterData, pnode: string, network: string | null): { mode: string; link: string; vlan: string } {
  const cl = (cluster.info['nicparams'] as Record<string, Params> | undefined)?.['default'] ?? {};
  const base = { mode: String(cl['mode'] ?? 'bridged'), link: String(cl['link'] ?? ''), vlan: String(cl['vlan'] ?? '') };
  if (network === null) return base;
  const group = cluster.groups.find((g) => g.name === nodeNamed(cluster, pnode).group);
  const net = group?.networks[network];
  if (!net) {
    throw prereq(`No netparams found for network ${network}. Probably not connected to node's ${pnode} nodegroup`, ECODE.inval);
  }
  return { ...base, ...net };
}

/** A new NIC from an opcode's INicParams. */
function buildNic(cluster: ClusterData, pnode: string, p: Params): NicData {
  const network = nonEmpty(p['network']) && p['network'].toLowerCase() !== 'none' ? p['network'] : null;
  if (network !== null && !cluster.networks.some((n) => n.name === network || n.uuid === network)) {
    throw prereq(`Network '${network}' not found`, ECODE.noent);
  }
  const netName = cluster.networks.find((n) => n.name === network || n.uuid === network)?.name ?? null;
  const defaults = nicDefaults(cluster, pnode, netName);
  const mac = nonEmpty(p['mac']) && p['mac'] !== 'auto' && p['mac'] !== 'generate' ? p['mac'] : generateMac(cluster, netName);
  return {
    uuid: randomUUID(),
    name: nonEmpty(p['name']) ? p['name'] : null,
    mac,
    ip: nonEmpty(p['ip']) && p['ip'].toLowerCase() !== 'none' ? p['ip'] : null,
    network: netName,
    mode: nonEmpty(p['mode']) ? p['mode'] : defaults.mode,
    link: nonEmpty(p['link']) ? p['link'] : defaults.link,
    vlan: nonEmpty(p['vlan']) ? p['vlan'] : defaults.vlan,
  };
}

/** A new disk from an opcode's IDiskParams. */
function buildDisk(p: Params, template: string): DiskData {
  return {
    uuid: randomUUID(),
    name: nonEmpty(p['name']) && p['name'].toLowerCase() !== 'none' ? p['name'] : null,
    size: Number(p['size']),
    spindles: template === 'diskless' ? null : typeof p['spindles'] === 'number' ? p['spindles'] : 1,
    mode: p['mode'] === 'ro' ? 'ro' : 'rw',
  };
}

/** cmdlib/common.py CheckDiskTemplateEnabled. */
function checkTemplateEnabled(cluster: ClusterData, template: string): void {
  const enabled = (cluster.info['enabled_disk_templates'] as string[] | undefined) ?? [];
  if (!enabled.includes(template)) {
    throw prereq(`Disk template '${template}' is not enabled in cluster. Enabled disk templates are: ${enabled.join(',')}`);
  }
}

// ---- create --------------------------------------------------------------------------------

/** The nodes a create opcode asks for, or the allocator's choice. */
function createNodes(op: OpInput, ctx: OpContext, template: string, memory: number, sizes: number[]): string[] {
  const ial = checkIAllocatorOrNode(ctx, op['iallocator'], op['pnode']);
  if (ial === null) {
    const names = [findNode(ctx, op['pnode']).name];
    if (template === 'drbd' && nonEmpty(op['snode'])) names.push(findNode(ctx, op['snode']).name);
    return names;
  }
  const req = {
    memory,
    disk: diskUsageOf(template, sizes),
    nodes: template === 'drbd' ? 2 : 1,
    groups: nonEmpty(op['group_name']) ? [op['group_name']] : [],
    needsMemory: op['start'] !== false,
  } as const;
  const picked = allocate(ctx.cluster, req);
  if (typeof picked === 'string') throw prereq(`Can't compute nodes using iallocator '${ial}': ${picked}`, ECODE.nores);
  ctx.log(`Selected nodes for instance ${String(op['instance_name'])} via iallocator ${ial}: ${commaJoin(picked)}`);
  return picked;
}

/** LUInstanceCreate: answers the names of the instance's nodes (node uuids on a dry run). */
const create: OpExecutor = (op, ctx) => {
  const cluster = ctx.cluster;
  if (op['forthcoming'] === true && op['commit'] === true) {
    throw prereq('Forthcoming generation and commiting are mutually exclusive', ECODE.inval);
  }
  const name = String(op['instance_name']);
  const start = op['start'] !== false && op['no_install'] !== true;
  if (op['ip_check'] === true && op['name_check'] === false) throw prereq('Cannot do IP address check without a name check', ECODE.inval);
  const template = nonEmpty(op['disk_template'])
    ? op['disk_template']
    : (((cluster.info['enabled_disk_templates'] as string[] | undefined) ?? ['plain'])[0] as string);
  const diskParams = (Array.isArray(op['disks']) ? op['disks'] : []).map(paramsOf);
  if (nonEmpty(op['pnode']) && template === 'drbd' && !nonEmpty(op['snode'])) {
    throw prereq('The networked disk templates need a mirror node', ECODE.inval);
  }
  if (op['mode'] === 'create' && !nonEmpty(op['os_type'])) throw prereq('No guest OS or OS image specified', ECODE.inval);
  if (cluster.instances.some((i) => i.name === name)) throw prereq(`Instance '${name}' is already in the cluster`, ECODE.exists);
  checkTemplateEnabled(cluster, template);
  const enabledHvs = (cluster.info['enabled_hypervisors'] as string[] | undefined) ?? [];
  const hypervisor = nonEmpty(op['hypervisor']) ? op['hypervisor'] : String(cluster.info['default_hypervisor']);
  if (!enabledHvs.includes(hypervisor)) {
    throw prereq(`Selected hypervisor (${hypervisor}) not enabled in the cluster (${enabledHvs.join(',')})`, ECODE.state);
  }
  const beparams = upgradeBeParams(paramsOf(op['beparams']));
  const sizes = diskParams.map((d) => Number(d['size']));
  const draft: InstanceData = {
    name,
    uuid: randomUUID(),
    primaryNode: '',
    secondaryNodes: [],
    os: nonEmpty(op['os_type']) ? op['os_type'] : '',
    hypervisor,
    adminState: 'down',
    adminStateSource: 'admin',
    disksActive: false,
    diskTemplate: template,
    disks: [],
    nics: [],
    beparams,
    hvparams: paramsOf(op['hvparams']),
    osparams: paramsOf(op['osparams']),
    networkPort: null,
    forthcoming: op['forthcoming'] === true,
    running: false,
    tags: Array.isArray(op['tags']) ? op['tags'].map(String) : [],
    ctime: ctx.now(),
    mtime: ctx.now(),
    serialNo: 1,
  };
  const [pname, sname] = createNodes(op, ctx, template, maxMem(cluster, draft), sizes);
  const pnode = nodeNamed(cluster, pname as string);
  if (pnode.offline) throw prereq(`Cannot use offline primary node '${pnode.name}'`, ECODE.state);
  if (pnode.drained) throw prereq(`Cannot use drained primary node '${pnode.name}'`, ECODE.state);
  if (!pnode.vmCapable) throw prereq(`Cannot use non-vm_capable primary node '${pnode.name}'`, ECODE.state);
  const nodes = [pnode];
  if (template === 'drbd') {
    if (sname === pnode.name) throw prereq('The secondary node cannot be the primary node', ECODE.inval);
    const snode = nodeNamed(cluster, sname as string);
    checkTargetNode(snode);
    nodes.push(snode);
  }
  draft.primaryNode = pnode.name;
  draft.secondaryNodes = nodes.slice(1).map((n) => n.name);
  draft.disks = diskParams.map((d) => buildDisk(d, template));
  draft.nics = (Array.isArray(op['nics']) ? op['nics'] : []).map((n) => buildNic(cluster, pnode.name, paramsOf(n)));
  if (template === 'plain' || template === 'drbd') checkNodesFreeDisk(cluster, nodes, diskUsageOf(template, sizes));
  if (start) checkNodeFreeMemory(pnode, `creating instance ${name}`, maxMem(cluster, draft));
  if (ctx.dryRun) return nodes.map((n) => n.uuid);
  if (hypervisor === 'kvm') draft.networkPort = allocatePort(cluster);
  ctx.log(draft.forthcoming ? 'Instance is forthcoming, not creating disks' : '* creating instance disks...');
  ctx.log(`adding instance ${name} to cluster config`);
  ctx.log('adding disks to cluster config');
  cluster.instances.push(draft);
  if (start && !draft.forthcoming) {
    draft.adminState = 'up';
    draft.running = true;
    draft.disksActive = draft.disks.length > 0;
    ctx.log('* starting instance...');
  }
  accountNew(cluster, draft);
  return nodes.map((n) => n.name);
};

/** LUInstanceMultiAlloc: answers `{allocatable, failed, jobs}`, one create job per instance. */
const multiAlloc: OpExecutor = (op, ctx) => {
  const insts = (Array.isArray(op['instances']) ? op['instances'] : []).map(paramsOf);
  const hasNodes: boolean[] = [];
  for (const i of insts) {
    if (nonEmpty(i['iallocator'])) throw prereq('iallocator are not allowed to be set on instance objects', ECODE.inval);
    hasNodes.push(nonEmpty(i['pnode']));
    if (i['disk_template'] === 'drbd') hasNodes.push(nonEmpty(i['snode']));
  }
  const any = hasNodes.some(Boolean);
  if (any !== hasNodes.every(Boolean)) throw prereq('There are instance objects providing pnode/snode while others do not', ECODE.inval);
  let ial = nonEmpty(op['iallocator']) ? op['iallocator'] : null;
  if (!any && ial === null) {
    ial = String(ctx.cluster.info['default_iallocator'] ?? '') || null;
    if (ial === null) {
      throw prereq(
        'No iallocator or nodes on the instances given and no cluster-wide default iallocator found; please specify either an iallocator or nodes on the instances or set a cluster-wide default iallocator',
        ECODE.inval,
      );
    }
  }
  const names = insts.map((i) => String(i['instance_name']));
  const dups = [...new Set(names.filter((n, k) => names.indexOf(n) !== k))];
  if (dups.length > 0) throw prereq(`There are duplicate instance names: ${commaJoin(dups)}`, ECODE.inval);
  const allocatable: string[] = [];
  const failed: string[] = [];
  const jobs: Params[][] = [];
  for (const i of insts) {
    const placed = ial === null ? i : placeForMultiAlloc(ctx, i, ial);
    if (placed === null) failed.push(String(i['instance_name']));
    else {
      allocatable.push(String(i['instance_name']));
      jobs.push([{ OP_ID: 'OP_INSTANCE_CREATE', ...placed, reason: Array.isArray(i['reason']) ? i['reason'] : (op['reason'] ?? []) }]);
    }
  }
  if (ctx.dryRun) return { allocatable, failed, jobs: [] };
  return { allocatable, failed, jobs: ctx.submitJobs(jobs as never) };
};

/** One instance of a multi-allocation placed by the allocator, or null when it does not fit. */
function placeForMultiAlloc(ctx: OpContext, i: Params, _ial: string): Params | null {
  const template = nonEmpty(i['disk_template']) ? i['disk_template'] : 'plain';
  const sizes = (Array.isArray(i['disks']) ? i['disks'] : []).map((d) => Number(paramsOf(d)['size']));
  const be = {
    ...((ctx.cluster.info['beparams'] as Record<string, Params>)['default'] ?? {}),
    ...upgradeBeParams(paramsOf(i['beparams'])),
  };
  const req = {
    memory: Number(be['maxmem'] ?? 0),
    disk: diskUsageOf(template, sizes),
    nodes: template === 'drbd' ? 2 : 1,
    needsMemory: i['start'] !== false,
  } as const;
  const picked = allocate(ctx.cluster, req);
  if (typeof picked === 'string') return null;
  return { ...i, pnode: picked[0], ...(picked[1] === undefined ? {} : { snode: picked[1] }) };
}

// ---- set-params ----------------------------------------------------------------------------

type Mod = [op: string, index: number | string, params: Params];

/** LUInstanceSetParams._UpgradeDiskNicMods: `[[op, params]]` becomes `[[op, -1 | index, params]]`. */
function upgradeMods(kind: string, mods: unknown): Mod[] {
  const list = Array.isArray(mods) ? (mods as unknown[][]) : [];
  if (list.length === 0 || list[0]?.length === 3) return list.map((m) => [String(m[0]), m[1] as number | string, paramsOf(m[2])]);
  let addRemove = 0;
  return list.map(([op, params]) => {
    if (op === 'add' || op === 'attach' || op === 'remove' || op === 'detach') {
      addRemove += 1;
      if (addRemove > 1) throw prereq(`Only one ${kind} add/attach/remove/detach operation is supported at a time`, ECODE.inval);
      return [String(op), -1, paramsOf(params)] as Mod;
    }
    return ['modify', op as number | string, paramsOf(params)] as Mod;
  });
}

/** instance_utils.py GetItemFromContainer / GetIndexFromIdentifier. */
function modIndex(
  kind: string,
  id: number | string,
  length: number,
  adding: boolean,
  names: (k: number) => [string | null, string],
): number {
  const n = Number(id);
  if (Number.isInteger(n) && String(id).trim() !== '') {
    if (n === -1) return adding ? length : length - 1;
    if (n < 0 || n > length || (!adding && n === length)) throw prereq(`Got ${kind} index ${n}, but there are only ${length}`, ECODE.inval);
    return n;
  }
  if (adding) throw prereq('Only positive integer or -1 is accepted', ECODE.inval);
  for (let k = 0; k < length; k++) if (names(k).includes(String(id))) return k;
  throw prereq(`Cannot find ${kind} with identifier ${String(id)}`, ECODE.noent);
}

/** Applies the disk modifications of a set-params opcode to `inst`, recording its changes. */
function applyDiskMods(ctx: OpContext, inst: InstanceData, mods: Mod[], out: ParamChanges, hotplug: boolean): void {
  for (const [op, id, p] of mods) {
    if ((op === 'remove' || op === 'detach') && Object.keys(p).length > 0) {
      throw prereq('No settings should be passed when removing or detaching a disk', ECODE.inval);
    }
    if (op === 'add') {
      if (inst.diskTemplate === 'diskless' && !nonEmpty(p['dev_type']))
        throw prereq('Must specify disk type on diskless instance', ECODE.inval);
      if (p['size'] === undefined || p['size'] === null) throw prereq("Required disk parameter 'size' missing", ECODE.inval);
      const idx = modIndex('disk', id, inst.disks.length, true, () => [null, '']);
      const disk = buildDisk(p, inst.diskTemplate);
      const need = diskUsageOf(inst.diskTemplate, [disk.size]);
      if (need > 0)
        checkNodesFreeDisk(
          ctx.cluster,
          instanceNodes(inst).map((n) => nodeNamed(ctx.cluster, n)),
          need,
        );
      inst.disks.splice(idx, 0, disk);
      out.push([`disk/${idx}`, `add:size=${disk.size},mode=${disk.mode ?? 'rw'}`]);
    } else if (op === 'attach') {
      const key = nonEmpty(p['uuid']) ? `UUID: ${p['uuid']}` : `name: ${String(p['name'])}`;
      throw prereq(`No disk was found with this ${key}`, ECODE.inval);
    } else {
      const idx = modIndex('disk', id, inst.disks.length, false, (k) => [inst.disks[k]?.name ?? null, inst.disks[k]?.uuid ?? '']);
      const disk = inst.disks[idx] as DiskData;
      if (op === 'remove' || op === 'detach') {
        if (!hotplug)
          checkInstanceState(ctx.cluster, inst, INSTANCE_NOT_RUNNING, "can't remove volume from a running instance without using hotplug");
        inst.disks.splice(idx, 1);
        out.push([`disk/${idx}`, op]);
        continue;
      }
      if ('size' in p) throw prereq('Disk size change not possible, use grow-disk', ECODE.inval);
      if (p['mode'] === 'rw' || p['mode'] === 'ro') {
        disk.mode = p['mode'];
        out.push([`disk.mode/${idx}`, disk.mode]);
      }
      if ('name' in p) {
        disk.name = nonEmpty(p['name']) && p['name'].toLowerCase() !== 'none' ? p['name'] : null;
        out.push([`disk.name/${idx}`, disk.name]);
      }
    }
  }
}

/** Applies the NIC modifications of a set-params opcode to `inst`, recording its changes. */
function applyNicMods(ctx: OpContext, inst: InstanceData, mods: Mod[], out: ParamChanges): void {
  for (const [op, id, p] of mods) {
    if (op === 'attach' || op === 'detach') {
      throw prereq(`${op === 'attach' ? 'Attach' : 'Detach'} operation is not supported for NICs`, ECODE.inval);
    }
    if (op === 'remove' && Object.keys(p).length > 0)
      throw prereq('No settings should be passed when removing or detaching a NIC', ECODE.inval);
    if (nonEmpty(p['network']) && p['network'].toLowerCase() !== 'none' && (nonEmpty(p['mode']) || nonEmpty(p['link']))) {
      throw prereq('If network is given mode or link should not', ECODE.inval);
    }
    if (op === 'add') {
      const idx = modIndex('NIC', id, inst.nics.length, true, () => [null, '']);
      const nic = buildNic(ctx.cluster, inst.primaryNode, p);
      inst.nics.splice(idx, 0, nic);
      out.push([`nic.${idx}`, `add:mac=${nic.mac},ip=${nic.ip},mode=${nic.mode},link=${nic.link},network=${nic.network}`]);
      continue;
    }
    const idx = modIndex('NIC', id, inst.nics.length, false, (k) => [inst.nics[k]?.name ?? null, inst.nics[k]?.uuid ?? '']);
    if (op === 'remove') {
      inst.nics.splice(idx, 1);
      out.push([`NIC/${idx}`, 'remove']);
      continue;
    }
    const nic = inst.nics[idx] as NicData;
    if (p['mac'] === 'auto') throw prereq("'auto' is not a valid MAC address when modifying an existing NIC", ECODE.inval);
    for (const key of ['mac', 'ip', 'name'] as const) {
      if (!(key in p)) continue;
      const v = nonEmpty(p[key]) && String(p[key]).toLowerCase() !== 'none' ? String(p[key]) : null;
      const value = key === 'mac' && p[key] === 'generate' ? generateMac(ctx.cluster, nic.network) : v;
      if (key === 'mac') nic.mac = value ?? nic.mac;
      else nic[key] = value;
      out.push([`nic.${key}/${idx}`, value]);
    }
    const net = 'network' in p ? (nonEmpty(p['network']) && p['network'].toLowerCase() !== 'none' ? p['network'] : null) : nic.network;
    if (net !== nic.network) {
      nic.network = net;
      out.push([`nic.network/${idx}`, net]);
    } else if (net !== null && (nonEmpty(p['mode']) || nonEmpty(p['link']))) {
      throw prereq('Not allowed to change link or mode of a NIC that is connected to a network', ECODE.inval);
    }
    if (nonEmpty(p['mode']) || nonEmpty(p['link']) || nonEmpty(p['vlan']) || 'network' in p) {
      const filled = net === null ? { mode: nic.mode, link: nic.link, vlan: nic.vlan } : nicDefaults(ctx.cluster, inst.primaryNode, net);
      Object.assign(nic, filled, nonEmpty(p['mode']) ? { mode: p['mode'] } : {}, nonEmpty(p['link']) ? { link: p['link'] } : {});
      if (nonEmpty(p['vlan'])) nic.vlan = p['vlan'];
      for (const key of ['mode', 'link', 'vlan'] as const) out.push([`nic.${key}/${idx}`, nic[key]]);
    }
  }
}

/**
 * GetUpdatedParams: merges `changed` into `into` (`default` or null drops a key), and
 * records `[prefix/key, value]` for each key as the opcode gave it (LUInstanceSetParams.Exec
 * reports `be/memory`, not the maxmem/minmem it becomes).
 */
function mergeParams(into: Params, changed: Params, prefix: string, out: ParamChanges, upgrade = (p: Params) => p): Params {
  const merged = { ...into };
  for (const [k, v] of Object.entries(changed)) {
    if (v === 'default' || v === null) delete merged[k];
    else merged[k] = v;
    out.push([`${prefix}/${k}`, v]);
  }
  return upgrade(merged);
}

/** LUInstanceSetParams: answers `[[param, new value], ...]` as Ganeti labels them. */
const setParams: OpExecutor = (op, ctx) => {
  const cluster = ctx.cluster;
  const has = (k: string) => {
    const v = op[k];
    return (
      v !== undefined &&
      v !== null &&
      !(Array.isArray(v) && v.length === 0) &&
      !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0)
    );
  };
  const any = [
    'nics',
    'disks',
    'disk_template',
    'hvparams',
    'beparams',
    'os_name',
    'osparams',
    'runtime_mem',
    'pnode',
    'osparams_private',
  ].some(has);
  if (!any && (op['offline'] === undefined || op['offline'] === null) && (op['instance_communication'] ?? null) === null) {
    throw prereq('No changes submitted', ECODE.inval);
  }
  const diskMods = upgradeMods('disk', op['disks']);
  const nicMods = upgradeMods('NIC', op['nics']);
  if (has('disk_template') && diskMods.length > 0) {
    throw prereq('Disk template conversion and other disk changes not supported at the same time', ECODE.inval);
  }
  const newPnode = has('pnode') ? findNode(ctx, op['pnode']) : null;
  const inst = findInstance(ctx, op['instance_name']);
  const force = op['force'] === true;
  if (newPnode && newPnode.name !== inst.primaryNode && !force && inst.running) {
    throw prereq(`Instance is still running on ${inst.primaryNode}`, ECODE.state);
  }
  const out: ParamChanges = [];
  const beNew = upgradeBeParams(paramsOf(op['beparams']));
  const be = { ...filledBe(cluster, inst), ...beNew };
  // Work on a copy, so a failing check leaves the draft's instance as it was.
  const next = structuredClone(inst);
  if (has('disk_template')) convertTemplate(op, ctx, next, out);
  if (op['offline'] !== undefined && op['offline'] !== null) {
    const msg =
      op['offline'] === true
        ? "can't change to offline without being down first"
        : "can't change to online (down) without being offline first";
    checkInstanceState(cluster, inst, INSTANCE_NOT_RUNNING, msg);
  }
  if ('maxmem' in beNew && !force && Number(be['maxmem']) > maxMem(cluster, inst)) {
    const free = nodeNamed(cluster, inst.primaryNode).live?.mfree;
    const current = inst.running ? maxMem(cluster, inst) : 0;
    const missing = free === undefined ? 0 : Number(be['maxmem']) - current - free;
    if (missing > 0) {
      throw prereq(
        `This change will prevent the instance from starting, due to ${missing} MB of memory missing on its primary node`,
        ECODE.nores,
      );
    }
  }
  if (has('runtime_mem')) {
    if (!inst.running) throw prereq(`Instance ${inst.name} is not running`, ECODE.state);
    const mem = Number(op['runtime_mem']);
    if (!force && (mem > Number(be['maxmem']) || mem < Number(be['minmem']))) {
      throw prereq(
        `Instance ${inst.name} must have memory between ${be['minmem']} and ${be['maxmem']} MB of memory unless --force is given`,
        ECODE.inval,
      );
    }
    out.push(['runtime_memory', mem]);
  }
  if (newPnode) next.primaryNode = newPnode.name;
  applyDiskMods(ctx, next, diskMods, out, op['hotplug'] === true);
  applyNicMods(ctx, next, nicMods, out);
  if (has('hvparams')) next.hvparams = mergeParams(next.hvparams, paramsOf(op['hvparams']), 'hv', out);
  if (has('beparams')) next.beparams = mergeParams(next.beparams, paramsOf(op['beparams']), 'be', out, upgradeBeParams);
  if (has('os_name')) next.os = String(op['os_name']);
  if (has('osparams')) next.osparams = mergeParams(next.osparams, paramsOf(op['osparams']), 'os', out);
  if (op['offline'] === true) {
    next.adminState = 'offline';
    out.push(['admin_state', 'offline']);
  } else if (op['offline'] === false) {
    next.adminState = 'down';
    out.push(['admin_state', 'down']);
  }
  if (ctx.dryRun) return null;
  reaccount(cluster, inst, () => Object.assign(inst, next));
  touch(inst, ctx);
  return out;
};

/** LUInstanceSetParams._PreCheckDiskTemplate and the plain/drbd conversions. */
function convertTemplate(op: OpInput, ctx: OpContext, inst: InstanceData, out: ParamChanges): void {
  const cluster = ctx.cluster;
  const to = String(op['disk_template']);
  const remote = nonEmpty(op['remote_node']) ? findNode(ctx, op['remote_node']) : null;
  if (to === 'drbd') checkIAllocatorOrNode(ctx, op['iallocator'], op['remote_node']);
  if (inst.diskTemplate === to) throw prereq(`Instance already has disk template ${to}`, ECODE.inval);
  const enabled = (cluster.info['enabled_disk_templates'] as string[] | undefined) ?? [];
  if (!enabled.includes(to)) {
    throw prereq(`Disk template '${to}' is not enabled for this cluster (enabled templates: ${commaJoin(enabled)})`, ECODE.state);
  }
  if (!((inst.diskTemplate === 'plain' && to === 'drbd') || (inst.diskTemplate === 'drbd' && to === 'plain'))) {
    throw prereq(`Conversion from the '${inst.diskTemplate}' disk template is not supported`, ECODE.inval);
  }
  checkInstanceState(cluster, inst, INSTANCE_DOWN, 'cannot change disk template');
  let snode = remote;
  if (to === 'drbd') {
    if (!snode) {
      const disk = diskUsageOf(
        'drbd',
        inst.disks.map((d) => d.size),
      );
      const picked = allocate(cluster, {
        memory: 0,
        disk,
        nodes: 1,
        groups: [nodeNamed(cluster, inst.primaryNode).group],
        exclude: [inst.primaryNode],
        needsMemory: false,
      });
      if (typeof picked === 'string')
        throw prereq(
          `Can't compute nodes using iallocator '${String(op['iallocator'] ?? cluster.info['default_iallocator'])}': ${picked}`,
          ECODE.nores,
        );
      snode = nodeNamed(cluster, picked[0] as string);
    }
    if (snode.name === inst.primaryNode) {
      throw prereq(`Given new secondary node ${snode.name} is the same as the primary node of the instance`, ECODE.state);
    }
    checkTargetNode(snode);
    checkNodesFreeDisk(
      cluster,
      [snode],
      diskUsageOf(
        'drbd',
        inst.disks.map((d) => d.size),
      ),
    );
    inst.secondaryNodes = [snode.name];
  } else {
    inst.secondaryNodes = [];
  }
  inst.diskTemplate = to;
  out.push(['disk_template', to]);
}

// ---- query data ----------------------------------------------------------------------------

/** Network.ToDict as NICToTuple carries it. */
function networkDict(cluster: ClusterData, name: string | null): Params | null {
  const n = cluster.networks.find((w) => w.name === name);
  if (!n) return null;
  return {
    name: n.name,
    uuid: n.uuid,
    network: n.network,
    gateway: n.gateway,
    network6: n.network6,
    gateway6: n.gateway6,
    mac_prefix: n.macPrefix,
    ext_reservations: n.externalReservations.join(','),
    tags: [...n.tags],
    serial_no: n.serialNo,
    ctime: n.ctime,
    mtime: n.mtime,
  };
}

/** LUInstanceQueryData's run_state. */
function runState(inst: InstanceData): string {
  if (inst.running) return 'up';
  if (inst.adminState === 'offline') return 'offline';
  return inst.adminState === 'down' && inst.adminStateSource === 'user' ? 'user down' : 'down';
}

/** LUInstanceQueryData: a dict keyed by instance name, as `gnt-instance info` reads it. */
const queryData: OpExecutor = (op, ctx) => {
  const cluster = ctx.cluster;
  const wanted =
    Array.isArray(op['instances']) && op['instances'].length > 0 ? op['instances'].map((n) => findInstance(ctx, n)) : cluster.instances;
  if (ctx.dryRun) return null;
  const result: Record<string, Params> = {};
  const groupOf = (node: string) => {
    const g = nodeNamed(cluster, node).group;
    return cluster.groups.find((x) => x.name === g) ?? { name: g, uuid: g };
  };
  for (const inst of wanted) {
    const pnode = nodeNamed(cluster, inst.primaryNode);
    if (pnode.offline) ctx.log(`Primary node ${pnode.name} is marked offline, returning static information only for instance ${inst.name}`);
    const live = op['static'] !== true && !pnode.offline;
    const sgroups = inst.secondaryNodes.map(groupOf);
    result[inst.name] = {
      name: inst.name,
      config_state: inst.adminState,
      run_state: live ? runState(inst) : null,
      pnode: pnode.name,
      pnode_group_uuid: groupOf(pnode.name).uuid,
      pnode_group_name: groupOf(pnode.name).name,
      snodes: [...inst.secondaryNodes],
      snodes_group_uuids: sgroups.map((g) => g.uuid),
      snodes_group_names: sgroups.map((g) => g.name),
      os: inst.os,
      nics: inst.nics.map((n) => [
        n.name,
        n.uuid,
        n.ip,
        n.mac,
        n.mode,
        n.link,
        n.vlan,
        cluster.networks.find((w) => w.name === n.network)?.uuid ?? null,
        networkDict(cluster, n.network),
      ]),
      disk_template: inst.diskTemplate,
      disks: inst.disks.map((_, i) => diskStatus(cluster, inst, i, live)),
      hypervisor: inst.hypervisor,
      network_port: inst.networkPort,
      hv_instance: { ...inst.hvparams },
      hv_actual: filledHv(cluster, inst),
      be_instance: { ...inst.beparams },
      be_actual: filledBe(cluster, inst),
      os_instance: { ...inst.osparams },
      os_actual: filledOs(cluster, inst),
      serial_no: inst.serialNo,
      mtime: inst.mtime,
      ctime: inst.ctime,
      uuid: inst.uuid,
    };
  }
  return result;
};

/** The executors of this file, merged into INSTANCE_OPS by instance.ts. */
export const INSTANCE_MODIFY_OPS: OpExecutors = {
  OP_INSTANCE_CREATE: create,
  OP_INSTANCE_MULTI_ALLOC: multiAlloc,
  OP_INSTANCE_SET_PARAMS: setParams,
  OP_INSTANCE_QUERY_DATA: queryData,
};
