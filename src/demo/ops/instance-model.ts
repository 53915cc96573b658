import type { ClusterData, DiskData, InstanceData, NodeData } from '../cluster.js';
import { DRBD_META_MIB, ECODE, prereq, vgName } from './common.js';
import { commaJoin } from './lu-support.js';

/** Ganeti's first port for instances and DRBD (constants.FIRST_DRBD_PORT). */
const FIRST_PORT = 11000;
/** Templates whose disks live in the volume group (constants.DTS_LVM). */
export const LVM_TEMPLATES: ReadonlySet<string> = new Set(['plain', 'drbd']);

/** Ganeti's admin-state groups (cmdlib/common.py INSTANCE_*). */
export const INSTANCE_ONLINE = ['down', 'up'] as const;
export const INSTANCE_DOWN = ['down'] as const;
export const INSTANCE_NOT_RUNNING = ['down', 'offline'] as const;

/** utils.FormatUnit(value, "h") for MiB values. */
export function formatUnitH(mib: number): string {
  if (mib < 1024) return `${Math.round(mib)}M`;
  if (mib < 1024 * 1024) return `${(mib / 1024).toFixed(1)}G`;
  return `${(mib / (1024 * 1024)).toFixed(1)}T`;
}

/** Whether `v` is a non-empty string (an opcode's optional name, mac, ip, ... given). */
export const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

// ---- lookups and filled parameters ------------------------------------------------------

export function nodeNamed(cluster: ClusterData, name: string): NodeData {
  const node = cluster.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`demo cluster: no node ${name}`);
  return node;
}

/** Cluster.FillBE: the cluster defaults under the instance's own beparams. */
export function filledBe(cluster: ClusterData, inst: InstanceData): Record<string, unknown> {
  const all = cluster.info['beparams'] as Record<string, Record<string, unknown>> | undefined;
  return { ...all?.['default'], ...inst.beparams };
}

/** Cluster.FillHV for the instance's hypervisor. */
export function filledHv(cluster: ClusterData, inst: InstanceData): Record<string, unknown> {
  const all = cluster.info['hvparams'] as Record<string, Record<string, unknown>> | undefined;
  return { ...all?.[inst.hypervisor], ...inst.hvparams };
}

/** Cluster.SimpleFillOS. */
export function filledOs(cluster: ClusterData, inst: InstanceData): Record<string, unknown> {
  const all = cluster.info['osparams'] as Record<string, Record<string, unknown>> | undefined;
  return { ...all?.[inst.os.split('+')[0] ?? inst.os], ...inst.osparams };
}

/** objects.UpgradeBeParams: the old `memory` key sets both maxmem and minmem. */
export function upgradeBeParams(be: Record<string, unknown>): Record<string, unknown> {
  const out = { ...be };
  if ('memory' in out) {
    const mem = out['memory'];
    delete out['memory'];
    out['maxmem'] = mem;
    out['minmem'] = mem;
  }
  return out;
}

const memOf = (cluster: ClusterData, inst: InstanceData, key: 'maxmem' | 'minmem'): number => Number(filledBe(cluster, inst)[key] ?? 0);
export const maxMem = (cluster: ClusterData, inst: InstanceData) => memOf(cluster, inst, 'maxmem');
export const minMem = (cluster: ClusterData, inst: InstanceData) => memOf(cluster, inst, 'minmem');

/** GetInstanceNodes: the primary, then the secondaries. */
export const instanceNodes = (inst: InstanceData): string[] => [inst.primaryNode, ...inst.secondaryNodes];

// ---- resource accounting -----------------------------------------------------------------

/** Space an instance's disks take on each of its nodes (Query/Instance.hs disk_usage). */
export function diskUsageOf(template: string, sizes: readonly number[]): number {
  if (!LVM_TEMPLATES.has(template)) return template === 'diskless' ? 0 : sizes.reduce((a, b) => a + b, 0);
  const meta = template === 'drbd' ? DRBD_META_MIB : 0;
  return sizes.reduce((sum, s) => sum + s + meta, 0);
}

/**
 * Adds (`sign` 1) or takes back (-1) what an instance uses from its nodes' live data:
 * the memory (maxmem, as htools count it) of a running, non-forthcoming instance on its
 * primary, and its disk usage on every node. The sample cluster's figures are derived the
 * same way (cluster-sample.ts), so the invariant htools check (Loader.hs updateMissing) holds.
 */
function charge(cluster: ClusterData, inst: InstanceData, sign: 1 | -1): void {
  const usage = diskUsageOf(
    inst.diskTemplate,
    inst.disks.map((d) => d.size),
  );
  instanceNodes(inst).forEach((name, i) => {
    const live = cluster.nodes.find((n) => n.name === name)?.live;
    if (!live) return;
    live.dfree -= sign * usage;
    if (i === 0 && inst.running && !inst.forthcoming) live.mfree -= sign * maxMem(cluster, inst);
  });
}

/**
 * The one way executors change an instance's footprint: takes back what the instance
 * uses, runs `change` (which may move, start, stop or resize it), charges the result.
 * When `change` takes the instance out of the cluster, nothing is charged back.
 */
export function reaccount(cluster: ClusterData, inst: InstanceData, change: () => void): void {
  charge(cluster, inst, -1);
  change();
  if (cluster.instances.includes(inst)) charge(cluster, inst, 1);
}

/** Charges a freshly added instance. */
export function accountNew(cluster: ClusterData, inst: InstanceData): void {
  charge(cluster, inst, 1);
}

// ---- prerequisite checks ------------------------------------------------------------------

/** cmdlib/common.py CheckNodeOnline. */
export function checkNodeOnline(node: NodeData, msg = "Can't use offline node"): void {
  if (node.offline) throw prereq(`${msg}: ${node.name}`, ECODE.state);
}

/** instance_utils.py CheckNodeNotDrained. */
export function checkNodeNotDrained(node: NodeData): void {
  if (node.drained) throw prereq(`Can't use drained node ${node.name}`, ECODE.state);
}

/** instance_utils.py CheckNodeVmCapable (Ganeti prints the node's uuid here). */
export function checkNodeVmCapable(node: NodeData): void {
  if (!node.vmCapable) throw prereq(`Can't use non-vm_capable node ${node.uuid}`, ECODE.state);
}

/** The three checks a node receiving an instance passes (move, create, replace-disks). */
export function checkTargetNode(node: NodeData): void {
  checkNodeOnline(node);
  checkNodeNotDrained(node);
  checkNodeVmCapable(node);
}

/** cmdlib/common.py CheckInstanceState. */
export function checkInstanceState(
  cluster: ClusterData,
  inst: InstanceData,
  states: readonly string[],
  msg = `can't use instance from outside ${commaJoin(states)} states`,
): void {
  if (!states.includes(inst.adminState)) {
    throw prereq(`Instance '${inst.name}' is marked to be ${inst.adminState}, ${msg}`, ECODE.state);
  }
  if (!states.includes('up') && !nodeNamed(cluster, inst.primaryNode).offline && inst.running) {
    throw prereq(`Instance ${inst.name} is running, ${msg}`, ECODE.state);
  }
}

/** instance_utils.py CheckNodeFreeMemory; answers the node's free memory. */
export function checkNodeFreeMemory(node: NodeData, reason: string, requested: number): number {
  if (!node.live) {
    // An offline node's RPC fails with "Node is marked offline" (rpc/node.py), and Raise adds it.
    const why = node.offline ? ': Node is marked offline' : '';
    throw prereq(`Can't get data from node ${node.name}${why}`, ECODE.environ);
  }
  const free = node.live.mfree;
  if (requested > free) {
    throw prereq(`Not enough memory on node ${node.name} for ${reason}: needed ${requested} MiB, available ${free} MiB`, ECODE.nores);
  }
  return free;
}

/** instance_storage.py CheckNodesFreeDiskPerVG for one volume group. */
export function checkNodesFreeDisk(cluster: ClusterData, nodes: readonly NodeData[], requested: number): void {
  const vg = String(cluster.info['volume_group_name'] ?? 'xenvg');
  for (const node of nodes) {
    if (!node.live) throw prereq(`Cannot get current information from node ${node.name}`, ECODE.environ);
    if (requested > node.live.dfree) {
      throw prereq(
        `Not enough disk space on target node ${node.name} vg ${vg}: required ${requested} MiB, available ${node.live.dfree} MiB`,
        ECODE.nores,
      );
    }
  }
}

/** objects.Instance.FindDisk, with Ganeti's text (its missing parenthesis included). */
export function findDisk(inst: InstanceData, idx: number): DiskData {
  const disk = inst.disks[idx];
  if (!disk) {
    throw prereq(`Invalid disk index: ${idx} (instace has disks 0 to ${inst.disks.length - 1}`, ECODE.inval);
  }
  return disk;
}

// ---- devices -------------------------------------------------------------------------------

/** The device minor of a DRBD disk on a node: its place among the node's DRBD disks. */
function drbdMinor(cluster: ClusterData, node: string, diskUuid: string): number {
  const onNode = cluster.instances
    .filter((i) => i.diskTemplate === 'drbd' && instanceNodes(i).includes(node))
    .flatMap((i) => i.disks.map((d) => d.uuid));
  return Math.max(0, onNode.indexOf(diskUuid));
}

/** A stable DRBD port per disk, above the instance ports. */
function drbdPort(cluster: ClusterData, diskUuid: string): number {
  const all = cluster.instances.flatMap((i) => i.disks.map((d) => d.uuid));
  return FIRST_PORT + 1000 + Math.max(0, all.indexOf(diskUuid));
}

/** The path a disk's device has on a node, as blockdev_assemble reports it. */
export function devicePath(cluster: ClusterData, inst: InstanceData, idx: number, node = inst.primaryNode): string | null {
  const disk = inst.disks[idx];
  if (!disk) return null;
  if (inst.diskTemplate === 'drbd') return `/dev/drbd${drbdMinor(cluster, node, disk.uuid)}`;
  if (inst.diskTemplate === 'plain') return `/dev/${vgName(cluster)}/${disk.uuid}.disk${idx}`;
  return `/var/run/ganeti/instance-disks/${inst.name}:${idx}`;
}

/** The disk dict LUInstanceQueryData answers (`gnt-instance info` prints it). */
export function diskStatus(cluster: ClusterData, inst: InstanceData, idx: number, live: boolean): Record<string, unknown> {
  const disk = inst.disks[idx] as DiskData;
  const vg = vgName(cluster);
  const nodeUuid = (name: string) => nodeNamed(cluster, name).uuid;
  const status = (node: string | undefined, major: number) => {
    if (!live || !node || !inst.disksActive || nodeNamed(cluster, node).offline) return null;
    const path = devicePath(cluster, inst, idx, node);
    const minor = inst.diskTemplate === 'drbd' ? drbdMinor(cluster, node, disk.uuid) : idx;
    // (dev_path, major, minor, sync_percent, estimated_time, is_degraded, ldisk_status LDS_OKAY)
    return [path, major, minor, null, null, false, 1];
  };
  const base = { mode: disk.mode ?? 'rw', size: disk.size, spindles: disk.spindles, name: disk.name, uuid: disk.uuid };
  const lv = (suffix: string, size: number) => ({
    iv_name: null,
    dev_type: 'plain',
    logical_id: [vg, `${disk.uuid}.disk${idx}${suffix}`],
    drbd_info: null,
    pstatus: status(inst.primaryNode, 253),
    sstatus: status(inst.secondaryNodes[0], 253),
    children: [],
    ...base,
    size,
    name: null,
    uuid: `${disk.uuid.slice(0, -2)}${suffix === '_meta' ? 'mm' : 'dd'}`,
  });
  if (inst.diskTemplate === 'drbd') {
    const [pnode, snode] = [inst.primaryNode, inst.secondaryNodes[0] ?? inst.primaryNode];
    const [pminor, sminor] = [drbdMinor(cluster, pnode, disk.uuid), drbdMinor(cluster, snode, disk.uuid)];
    return {
      iv_name: `disk/${idx}`,
      dev_type: 'drbd',
      logical_id: [nodeUuid(pnode), nodeUuid(snode), drbdPort(cluster, disk.uuid), pminor, sminor, null],
      drbd_info: {
        primary_node: pnode,
        primary_minor: pminor,
        secondary_node: snode,
        secondary_minor: sminor,
        port: drbdPort(cluster, disk.uuid),
      },
      pstatus: status(pnode, 147),
      sstatus: status(snode, 147),
      children: [lv('_data', disk.size), lv('_meta', DRBD_META_MIB)],
      ...base,
    };
  }
  const logicalId = inst.diskTemplate === 'plain' ? [vg, `${disk.uuid}.disk${idx}`] : [inst.diskTemplate, devicePath(cluster, inst, idx)];
  return {
    iv_name: `disk/${idx}`,
    dev_type: inst.diskTemplate,
    logical_id: logicalId,
    drbd_info: null,
    pstatus: status(inst.primaryNode, 253),
    sstatus: null,
    children: [],
    ...base,
  };
}

/** The next free instance network port (ConfigWriter.AllocatePort). */
export function allocatePort(cluster: ClusterData): number {
  const used = cluster.instances.map((i) => i.networkPort ?? 0);
  return Math.max(FIRST_PORT, ...used) + 1;
}

// ---- allocation (the demo's stand-in for hail) ----------------------------------------------

/** What an allocation needs from each node. */
export interface AllocRequest {
  memory: number;
  /** Disk usage per node (diskUsageOf). */
  disk: number;
  /** 1 for non-mirrored templates, 2 for drbd. */
  nodes: 1 | 2;
  /** Node groups to use (names); all when empty. */
  groups?: readonly string[];
  /** Node names not to use. */
  exclude?: readonly string[];
  /** Whether the memory is needed on the primary (the instance will run). */
  needsMemory: boolean;
}

/** Nodes that may receive instances: online, not drained, vm_capable, with live data. */
function usable(cluster: ClusterData, req: AllocRequest): NodeData[] {
  return cluster.nodes.filter(
    (n) =>
      !n.offline &&
      !n.drained &&
      n.vmCapable &&
      n.live !== null &&
      (req.groups === undefined || req.groups.length === 0 || req.groups.includes(n.group)) &&
      !(req.exclude ?? []).includes(n.name),
  );
}

/**
 * Picks nodes for a request: the primary with the most free memory that fits, then (for
 * drbd) a secondary in the primary's group with the most free disk. Answers node names, or
 * a reason string when nothing fits.
 */
export function allocate(cluster: ClusterData, req: AllocRequest): string[] | string {
  const live = (n: NodeData) => n.live as NonNullable<NodeData['live']>;
  const fits = (n: NodeData, mem: boolean) => live(n).dfree >= req.disk && (!mem || live(n).mfree >= req.memory);
  const byMem = (a: NodeData, b: NodeData) => live(b).mfree - live(a).mfree;
  const candidates = usable(cluster, req).sort(byMem);
  for (const p of candidates) {
    if (!fits(p, req.needsMemory)) continue;
    if (req.nodes === 1) return [p.name];
    const s = candidates.filter((n) => n !== p && n.group === p.group && fits(n, false)).sort((a, b) => live(b).dfree - live(a).dfree)[0];
    if (s) return [p.name, s.name];
  }
  return candidates.length === 0 ? 'No valid allocation solutions' : 'No nodes with enough free resources';
}
