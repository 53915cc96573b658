/**
 * Demo executors for the node storage opcodes (lib/cmdlib/node.py LUNodeQueryvols,
 * LUNodeQueryStorage, LUNodeModifyStorage, LURepairNodeStorage) over fake nodes: each
 * node has one LVM volume group on one physical volume, sized by its live disk data, and
 * the logical volumes of the instances' disks; file storage is the cluster's directory.
 */
import { OpExecError, OpPrereqError } from '../../errors.js';
import type { ClusterData, NodeData } from '../cluster.js';
import { niceCompare } from '../fields.js';
import { DRBD_META_MIB, ECODE, prereq, vgName } from './common.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';
import { expandNodeParam, param, pyRepr, warn, wantedNodes } from './lu-support.js';

/** The device of each fake node's single LVM physical volume. */
export const PV_DEVICE = '/dev/sdb';

/** What an RPC to a node without an answering node daemon fails with. */
export function unreachableMessage(node: NodeData): string {
  return `Error 7: Failed to connect to ${node.primaryIp} port 1811: Connection refused`;
}

/** constants.MAP_DISK_TEMPLATE_STORAGE_TYPE. */
const TEMPLATE_STORAGE: Record<string, string> = {
  blockdev: 'blockdev',
  diskless: 'diskless',
  drbd: 'lvm-vg',
  ext: 'ext',
  file: 'file',
  gluster: 'gluster',
  plain: 'lvm-vg',
  rbd: 'rados',
  sharedfile: 'sharedfile',
};

/** constants.STS_REPORT_NODE_STORAGE. */
const REPORTING = ['file', 'gluster', 'lvm-pv', 'lvm-vg', 'sharedfile'];
/** constants.VALID_STORAGE_FIELDS. */
const STORAGE_FIELDS = ['node', 'type', 'name', 'size', 'used', 'free', 'allocatable'];
/** The volume fields LUNodeQueryvols knows (constants VF_*). */
const VOLUME_FIELDS = ['node', 'phys', 'vg', 'name', 'size', 'instance'];

function enabledTemplates(cluster: ClusterData): string[] {
  const t = cluster.info['enabled_disk_templates'];
  return Array.isArray(t) ? (t as string[]) : [];
}

/** cmdlib/common.py CheckStorageTypeEnabled (an OpPrereqError without error code). */
function checkStorageTypeEnabled(cluster: ClusterData, storageType: string): void {
  if (storageType === 'lvm-pv') {
    checkStorageTypeEnabled(cluster, 'lvm-vg');
    return;
  }
  const enabled = enabledTemplates(cluster);
  if (Object.entries(TEMPLATE_STORAGE).some(([t, s]) => s === storageType && enabled.includes(t))) return;
  throw prereq(
    `No disk template of storage type '${storageType}' is enabled in this cluster. Enabled disk templates are: ${enabled.join(',')}`,
  );
}

/** node.py _CheckOutputFields. */
function checkOutputFields(valid: readonly string[], selected: unknown): string[] {
  const fields = Array.isArray(selected) ? selected.map(String) : [];
  const unknown = fields.filter((f) => !valid.includes(f));
  if (unknown.length > 0) throw new OpPrereqError(`Unknown output fields selected: ${unknown.join(',')}`, ECODE.inval);
  return fields;
}

function storageDir(cluster: ClusterData, type: string): string {
  const key = type === 'file' ? 'file_storage_dir' : type === 'sharedfile' ? 'shared_file_storage_dir' : 'gluster_storage_dir';
  return String(cluster.info[key] ?? '');
}

interface Volume {
  vg: string;
  name: string;
  size: number;
  instance: string;
}

/** The logical volumes on a node: `<disk uuid>.diskN` (plain), `..._data`/`..._meta` (drbd, both nodes). */
export function nodeVolumes(cluster: ClusterData, nodeName: string): Volume[] {
  const vg = vgName(cluster);
  const out: Volume[] = [];
  for (const inst of cluster.instances) {
    const onPrimary = inst.primaryNode === nodeName;
    const onSecondary = inst.secondaryNodes.includes(nodeName);
    if (inst.diskTemplate === 'plain' && onPrimary) {
      inst.disks.forEach((d, i) => {
        out.push({ vg, name: `${d.uuid}.disk${i}`, size: d.size, instance: inst.name });
      });
    } else if (inst.diskTemplate === 'drbd' && (onPrimary || onSecondary)) {
      inst.disks.forEach((d, i) => {
        out.push({ vg, name: `${d.uuid}.disk${i}_data`, size: d.size, instance: inst.name });
        out.push({ vg, name: `${d.uuid}.disk${i}_meta`, size: DRBD_META_MIB, instance: inst.name });
      });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** LUNodeQueryvols: rows of `str()`s of the requested volume fields. */
function queryVols(op: OpInput, ctx: OpContext): string[][] | null {
  const fields = checkOutputFields(VOLUME_FIELDS, op['output_fields']);
  const nodes = wantedNodes(ctx, op['nodes']).sort((a, b) => niceCompare(a.name, b.name));
  if (ctx.dryRun) return null;
  const rows: string[][] = [];
  for (const node of nodes) {
    if (node.offline) continue;
    if (!node.live) {
      warn(ctx, `Can't compute volume data on node ${node.name}: ${unreachableMessage(node)}`);
      continue;
    }
    for (const vol of nodeVolumes(ctx.cluster, node.name)) {
      const value: Record<string, string> = {
        node: node.name,
        phys: PV_DEVICE,
        vg: vol.vg,
        name: vol.name,
        size: String(vol.size),
        instance: vol.instance,
      };
      rows.push(fields.map((f) => value[f] ?? '-'));
    }
  }
  return rows;
}

/** One storage unit row of a node (`storage_list`), or the failure message. */
function storageUnits(cluster: ClusterData, node: NodeData, type: string): Array<Record<string, unknown>> | string {
  const live = node.live;
  if (!live) return unreachableMessage(node);
  const size = live.dtotal;
  const free = live.dfree;
  if (type === 'lvm-vg') return [{ name: vgName(cluster), size, free, used: size - free, allocatable: true }];
  if (type === 'lvm-pv') return [{ name: PV_DEVICE, size, free, used: size - free, allocatable: node.pvAllocatable }];
  if (type === 'file' || type === 'sharedfile' || type === 'gluster') {
    const template = type === 'file' ? 'file' : type === 'sharedfile' ? 'sharedfile' : 'gluster';
    const used = cluster.instances
      .filter((i) => i.diskTemplate === template && i.primaryNode === node.name)
      .reduce((sum, i) => sum + i.disks.reduce((s, d) => s + d.size, 0), 0);
    return [{ name: storageDir(cluster, type), size, free, used, allocatable: true }];
  }
  return `Unknown storage type: '${type}'`;
}

/** LUNodeQueryStorage: rows of the requested fields per node and storage unit, names nice-sorted. */
function queryStorage(op: OpInput, ctx: OpContext): unknown[][] | null {
  const c = ctx.cluster;
  const fields = checkOutputFields(STORAGE_FIELDS, op['output_fields']);
  const nodes = wantedNodes(ctx, op['nodes']).sort((a, b) => niceCompare(a.name, b.name));
  let type = param(op, 'storage_type') as string | null;
  if (type) checkStorageTypeEnabled(c, type);
  else {
    type = TEMPLATE_STORAGE[enabledTemplates(c)[0] ?? ''] ?? 'diskless';
    if (!REPORTING.includes(type)) {
      throw prereq(
        `Storage reporting for storage type '${type}' is not supported. Please use the --storage-type option to specify one of the supported storage types (${[...REPORTING].sort().join(', ')}) or set the default disk template to one that supports storage reporting.`,
      );
    }
  }
  if (ctx.dryRun) return null;
  const wantedName = param(op, 'name');
  const rows: unknown[][] = [];
  for (const node of nodes) {
    if (node.offline) continue;
    const units = storageUnits(c, node, type);
    if (typeof units === 'string') {
      warn(ctx, `Can't get storage data from node ${node.name}: ${units}`);
      continue;
    }
    const selected = units
      .filter((u) => wantedName === null || u['name'] === wantedName)
      .sort((a, b) => niceCompare(String(a['name']), String(b['name'])));
    for (const unit of selected) {
      rows.push(fields.map((f) => (f === 'node' ? node.name : f === 'type' ? type : unit[f])));
    }
  }
  return rows;
}

/** constants.MODIFIABLE_STORAGE_FIELDS. */
const MODIFIABLE: Record<string, string[]> = { 'lvm-pv': ['allocatable'] };

/** LUNodeModifyStorage: only an LVM PV's `allocatable` flag can change. */
function modifyStorage(op: OpInput, ctx: OpContext): null {
  const node = expandNodeParam(ctx, op);
  const type = String(op['storage_type']);
  const modifiable = MODIFIABLE[type];
  if (!modifiable) throw new OpPrereqError(`Storage units of type '${type}' can not be modified`, ECODE.inval);
  const changes = (op['changes'] ?? {}) as Record<string, unknown>;
  const diff = Object.keys(changes).filter((k) => !modifiable.includes(k));
  if (diff.length > 0) {
    throw new OpPrereqError(`The following fields can not be modified for storage units of type '${type}': ${pyRepr(diff)}`, ECODE.inval);
  }
  checkStorageTypeEnabled(ctx.cluster, type);
  if (ctx.dryRun) return null;
  const name = param(op, 'name');
  const failed = (why: string) => new OpExecError(`Failed to modify storage unit '${String(name)}' on ${node.name}: ${why}`);
  if (node.offline) throw failed('Node is marked offline');
  if (!node.live) throw failed(unreachableMessage(node));
  if (name !== PV_DEVICE) {
    throw failed(`Failed to modify physical volume, pvchange output:   Failed to find physical volume "${String(name)}".`);
  }
  if ('allocatable' in changes) node.pvAllocatable = Boolean(changes['allocatable']);
  return null;
}

/** LURepairNodeStorage: `vgreduce --removemissing` on a healthy fake VG changes nothing. */
function repairStorage(op: OpInput, ctx: OpContext): null {
  const c = ctx.cluster;
  const node = expandNodeParam(ctx, op);
  const type = String(op['storage_type']);
  if (type !== 'lvm-vg') throw new OpPrereqError(`Storage units of type '${type}' can not be repaired`, ECODE.inval);
  checkStorageTypeEnabled(c, type);
  // _CheckFaultyDisks: the mirror status of active disks comes from the instances' other nodes.
  for (const inst of c.instances) {
    if (!inst.disksActive) continue;
    const nodes = [inst.primaryNode, ...inst.secondaryNodes];
    if (!nodes.includes(node.name)) continue;
    for (const other of nodes.filter((n) => n !== node.name)) {
      const o = c.nodes.find((n) => n.name === other);
      if (!o || (!o.offline && o.live)) continue;
      const why = o.offline ? 'Node is marked offline' : unreachableMessage(o);
      const err = new OpPrereqError(`Failed to get disk status from node ${o.name}: ${why}`, ECODE.environ);
      if (op['ignore_consistency'] === true) warn(ctx, err.message);
      else throw err;
    }
  }
  if (ctx.dryRun) return null;
  const name = param(op, 'name');
  ctx.log(`Repairing storage unit '${String(name)}' on ${node.name} ...`);
  const failed = (why: string) => new OpExecError(`Failed to repair storage unit '${String(name)}' on ${node.name}: ${why}`);
  if (node.offline) throw failed('Node is marked offline');
  if (!node.live) throw failed(unreachableMessage(node));
  if (name !== vgName(c)) throw failed(`Volume group '${String(name)}' not found`);
  return null;
}

/** The storage executors by OP_ID. */
export const STORAGE_OPS: OpExecutors = {
  OP_NODE_QUERYVOLS: queryVols,
  OP_NODE_QUERY_STORAGE: queryStorage,
  OP_NODE_MODIFY_STORAGE: modifyStorage,
  OP_REPAIR_NODE_STORAGE: repairStorage,
};
