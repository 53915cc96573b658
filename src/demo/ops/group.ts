/**
 * Demo executors for the node group opcodes, as Ganeti 3.0's lib/cmdlib/group.py LUs
 * behave: add, assign-nodes, set-params, remove, rename, evacuate and verify-disks.
 * Groups are referred to by name in the demo's data, so a rename also renames the
 * nodes' group references.
 */
import { randomUUID } from 'node:crypto';
import { OpExecError, OpPrereqError } from '../../errors.js';
import type { OpCode } from '../../protocols/luxi/types.js';
import type { GroupData, IPolicy } from '../cluster.js';
import { niceCompare } from '../fields.js';
import { ECODE, findGroup, matchGroup, touch } from './common.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';
import { changeGroupJobs, defaultIAllocator } from './evacuate.js';
import {
  checkIPolicyKeys,
  childOp,
  commaJoin,
  DISK_DT_TYPES,
  forceDictType,
  info,
  isIntMirror,
  ND_TYPES,
  niceSort,
  param,
  pyErrStr,
  pyStr,
  resultWithJobs,
  updatedIPolicy,
  updatedParams,
  verifyDiskState,
  verifyHvState,
  wantedNodes,
  warn,
  groupInstances,
} from './lu-support.js';
import { nodeVolumes, unreachableMessage } from './node-storage.js';

const DISK_TEMPLATES = ['blockdev', 'diskless', 'drbd', 'ext', 'file', 'gluster', 'plain', 'rbd', 'sharedfile'];

/** utils.VerifyDictOptions against the cluster's per-template defaults, as the group LUs wrap it. */
function verifyDiskParamKeys(ctx: OpContext, diskparams: Record<string, unknown>): void {
  const defaults = (ctx.cluster.info['diskparams'] ?? {}) as Record<string, Record<string, unknown>>;
  const invalid: string[] = [];
  for (const [t, sub] of Object.entries(diskparams)) {
    const d = defaults[t];
    if (!d) {
      invalid.push(t);
      continue;
    }
    for (const k of Object.keys((sub ?? {}) as object)) if (!(k in d)) invalid.push(`${t}/${k}`);
  }
  if (invalid.length > 0) {
    const inner = new OpPrereqError(`Provided option keys not supported: ${commaJoin(invalid)}`, ECODE.inval);
    throw new OpPrereqError(`While verify diskparams options: ${pyErrStr(inner)}`, ECODE.inval);
  }
}

/** LUGroupAdd: null, or the OP_NETWORK_CONNECT job for the instance communication network. */
function groupAdd(op: OpInput, ctx: OpContext): unknown {
  const name = String(op['group_name']);
  const existing = matchGroup(ctx, name);
  if (existing) {
    throw new OpPrereqError(`Desired group name '${name}' already exists as a node group (UUID: ${existing.uuid})`, ECODE.exists);
  }
  const ndparams = (param(op, 'ndparams') ?? {}) as Record<string, unknown>;
  if (Object.keys(ndparams).length > 0) forceDictType(ndparams, ND_TYPES);
  if (param(op, 'hv_state')) verifyHvState(op['hv_state']);
  if (param(op, 'disk_state')) verifyDiskState(op['disk_state']);
  const diskparams = structuredClone((param(op, 'diskparams') ?? {}) as Record<string, Record<string, unknown>>);
  for (const t of DISK_TEMPLATES) if (diskparams[t]) forceDictType(diskparams[t], DISK_DT_TYPES);
  if (Object.keys(diskparams).length > 0) verifyDiskParamKeys(ctx, diskparams);
  const ipolicy = (param(op, 'ipolicy') ?? {}) as Record<string, unknown>;
  checkIPolicyKeys(ipolicy);
  if (ctx.dryRun) return null;
  const now = ctx.now();
  const group: GroupData = {
    name,
    uuid: randomUUID(),
    allocPolicy: (param(op, 'alloc_policy') ?? 'preferred') as GroupData['allocPolicy'],
    ipolicy: structuredClone(ipolicy) as Partial<IPolicy>,
    ndparams: structuredClone(ndparams),
    diskparams,
    networks: {},
    tags: [],
    ctime: now,
    mtime: now,
    serialNo: 1,
  };
  ctx.cluster.groups.push(group);
  const icn = ctx.cluster.info['instance_communication_network'];
  if (typeof icn === 'string' && icn && ctx.cluster.networks.some((n) => n.name === icn || n.uuid === icn)) {
    const connect = childOp(op, 'OP_NETWORK_CONNECT', {
      group_name: group.uuid,
      network_name: icn,
      network_mode: 'routed',
      network_link: 'communication_rt',
      conflicts_check: true,
    });
    return resultWithJobs(ctx, [[connect]]);
  }
  return null;
}

/** LUGroupAssignNodes. */
function groupAssignNodes(op: OpInput, ctx: OpContext): null {
  const c = ctx.cluster;
  const group = findGroup(ctx, op['group_name']);
  const nodes = wantedNodes(ctx, op['nodes']);
  const target = new Map(nodes.map((n) => [n.name, group.name]));
  const groupOf = (name: string) => c.nodes.find((n) => n.name === name)?.group;
  const newSplits: string[] = [];
  const previousSplits: string[] = [];
  for (const inst of c.instances) {
    if (!isIntMirror(inst)) continue;
    const members = [inst.primaryNode, ...inst.secondaryNodes];
    const before = new Set(members.map(groupOf)).size > 1;
    const after = new Set(members.map((m) => target.get(m) ?? groupOf(m))).size > 1;
    if (after && !before) newSplits.push(inst.name);
    if (after && before) previousSplits.push(inst.name);
  }
  if (newSplits.length > 0) {
    const list = commaJoin(niceSort(newSplits));
    if (op['force'] !== true) {
      throw new OpExecError(`The following instances get split by this change and --force was not given: ${list}`);
    }
    warn(ctx, `This operation will split the following instances: ${list}`);
    if (previousSplits.length > 0) {
      warn(ctx, `In addition, these already-split instances continue to be split across groups: ${commaJoin(niceSort(previousSplits))}`);
    }
  }
  if (ctx.dryRun) return null;
  for (const n of nodes) {
    if (n.group === group.name) continue;
    const old = c.groups.find((g) => g.name === n.group);
    if (old) touch(old, ctx);
    n.group = group.name;
    touch(n, ctx);
    touch(group, ctx);
  }
  return null;
}

/** LUGroupSetParams: answers `[["ndparams", str(dict)], ["diskparams", str(dict)]]` for what changed. */
function groupSetParams(op: OpInput, ctx: OpContext): Array<[string, string]> | null {
  const changes = ['ndparams', 'diskparams', 'alloc_policy', 'hv_state', 'disk_state', 'ipolicy'].map((k) => param(op, k));
  if (changes.every((x) => x === null)) throw new OpPrereqError('Please pass at least one modification', ECODE.inval);
  const group = findGroup(ctx, op['group_name']);
  const ndUpdate = param(op, 'ndparams') as Record<string, unknown> | null;
  const newNd = ndUpdate && Object.keys(ndUpdate).length > 0 ? forceDictType(updatedParams(group.ndparams, ndUpdate), ND_TYPES) : null;
  const dpUpdate = param(op, 'diskparams') as Record<string, Record<string, unknown>> | null;
  let newDp: Record<string, unknown> | null = null;
  if (dpUpdate && Object.keys(dpUpdate).length > 0) {
    const merged: Record<string, unknown> = structuredClone(group.diskparams);
    for (const t of DISK_TEMPLATES) {
      if (!(t in dpUpdate)) continue;
      const old = (group.diskparams[t] ?? {}) as Record<string, unknown>;
      merged[t] = forceDictType(updatedParams(old, dpUpdate[t] ?? {}), DISK_DT_TYPES);
    }
    verifyDiskParamKeys(ctx, merged);
    newDp = merged;
  }
  if (param(op, 'hv_state')) verifyHvState(op['hv_state']);
  if (param(op, 'disk_state')) verifyDiskState(op['disk_state']);
  const ipUpdate = param(op, 'ipolicy') as Record<string, unknown> | null;
  const newIp = ipUpdate && Object.keys(ipUpdate).length > 0 ? updatedIPolicy(group.ipolicy, ipUpdate, true) : null;
  if (ctx.dryRun) return null;
  const result: Array<[string, string]> = [];
  if (newNd) {
    group.ndparams = newNd;
    result.push(['ndparams', pyStr(newNd)]);
  }
  if (newDp) {
    group.diskparams = newDp;
    result.push(['diskparams', pyStr(newDp)]);
  }
  const policy = param(op, 'alloc_policy');
  if (policy) group.allocPolicy = policy as GroupData['allocPolicy'];
  if (newIp) group.ipolicy = newIp;
  touch(group, ctx);
  return result;
}

/** LUGroupRemove: only an empty group that is not the last one. */
function groupRemove(op: OpInput, ctx: OpContext): null {
  const group = findGroup(ctx, op['group_name']);
  // Ganeti lists the nodes by UUID here.
  const members = ctx.cluster.nodes.filter((n) => n.group === group.name).map((n) => n.uuid);
  if (members.length > 0) {
    throw new OpPrereqError(
      `Group '${String(op['group_name'])}' not empty, has the following nodes: ${commaJoin(niceSort(members))}`,
      ECODE.state,
    );
  }
  if (ctx.cluster.groups.length === 1) {
    throw new OpPrereqError(`Group '${String(op['group_name'])}' is the only group, cannot be removed`, ECODE.state);
  }
  if (ctx.dryRun) return null;
  ctx.cluster.groups.splice(ctx.cluster.groups.indexOf(group), 1);
  return null;
}

/** LUGroupRename: answers the new name. */
function groupRename(op: OpInput, ctx: OpContext): string | null {
  const group = findGroup(ctx, op['group_name']);
  const newName = String(op['new_name']);
  const clash = matchGroup(ctx, newName);
  if (clash) {
    throw new OpPrereqError(`Desired new name '${newName}' clashes with existing node group (UUID: ${clash.uuid})`, ECODE.exists);
  }
  if (ctx.dryRun) return null;
  for (const n of ctx.cluster.nodes) if (n.group === group.name) n.group = newName;
  group.name = newName;
  touch(group, ctx);
  return newName;
}

/** LUGroupEvacuate: the fake hail's change-group jobs for every instance touching the group. */
function groupEvacuate(op: OpInput, ctx: OpContext): unknown {
  const group = findGroup(ctx, op['group_name']);
  const requested = Array.isArray(op['target_groups']) ? (op['target_groups'] as unknown[]).map((g) => findGroup(ctx, g)) : [];
  if (requested.includes(group)) {
    throw new OpPrereqError(
      `Group to be evacuated (${group.uuid}) can not be used as a target group (targets are ${commaJoin(requested.map((g) => g.uuid))})`,
      ECODE.inval,
    );
  }
  const iallocator = defaultIAllocator(ctx, param(op, 'iallocator'));
  const instances = groupInstances(ctx, group).sort((a, b) => niceCompare(a.name, b.name));
  const targets = requested.length > 0 ? requested : ctx.cluster.groups.filter((g) => g !== group);
  if (targets.length === 0) throw new OpPrereqError('There are no possible target groups', ECODE.inval);
  if (ctx.dryRun) return null;
  let jobs = changeGroupJobs(
    ctx,
    op,
    iallocator,
    instances,
    targets.map((g) => g.name),
    op['early_release'] === true,
  );
  info(ctx, `Iallocator returned ${jobs.length} job(s) for evacuating node group ${String(op['group_name'])}`);
  if (op['force_failover'] === true) {
    info(ctx, 'Will insist on failovers');
    jobs = jobs.map((job) => job.map((o) => (o.OP_ID === 'OP_INSTANCE_MIGRATE' ? toFailover(op, o) : o)));
  }
  if (op['sequential'] === true) {
    info(ctx, 'Jobs will be submitted to run sequentially');
    for (const job of jobs.slice(1)) for (const o of job) o['depends'] = [[-1, ['error', 'success']]];
  }
  return resultWithJobs(ctx, jobs);
}

/** LUGroupEvacuate._MigrateToFailover. */
function toFailover(parent: OpInput, migrate: OpCode): OpCode {
  return childOp(parent, 'OP_INSTANCE_FAILOVER', {
    instance_name: migrate['instance_name'],
    instance_uuid: migrate['instance_uuid'] ?? null,
    target_node: migrate['target_node'] ?? null,
    target_node_uuid: migrate['target_node_uuid'] ?? null,
    ignore_ipolicy: migrate['ignore_ipolicy'],
    cleanup: migrate['cleanup'],
  });
}

/**
 * LUGroupVerifyDisks: `[{node uuid: error}, [instances needing activate-disks], {instance:
 * [[node uuid, "vg/lv"], ...]}]`. The fake nodes' volumes are all there and online, so only
 * unreachable nodes (errors) and offline ones (their volumes count as missing) show up.
 */
function groupVerifyDisks(op: OpInput, ctx: OpContext): unknown {
  const c = ctx.cluster;
  const group = findGroup(ctx, op['group_name']);
  const instances = groupInstances(ctx, group);
  if (ctx.dryRun) return null;
  const nodeErrors: Record<string, string> = {};
  const missing: Record<string, string[][]> = {};
  const active = instances.filter((i) => i.disksActive);
  const involved = new Set([...c.nodes.filter((n) => n.group === group.name).map((n) => n.name)]);
  for (const i of instances) for (const n of [i.primaryNode, ...i.secondaryNodes]) involved.add(n);
  for (const node of c.nodes) {
    if (!involved.has(node.name) || !node.vmCapable) continue;
    const reachable = !node.offline && node.live !== null;
    if (!node.offline && !node.live) nodeErrors[node.uuid] = unreachableMessage(node);
    if (reachable) continue;
    const names = new Set(active.map((i) => i.name));
    for (const vol of nodeVolumes(c, node.name)) {
      if (!names.has(vol.instance)) continue;
      const list = missing[vol.instance] ?? [];
      list.push([node.uuid, `${vol.vg}/${vol.name}`]);
      missing[vol.instance] = list;
    }
  }
  // _VerifyDrbdStates: drbd_needs_activation does not reach offline nodes either.
  for (const inst of active) {
    if (inst.diskTemplate !== 'drbd') continue;
    for (const name of [inst.primaryNode, ...inst.secondaryNodes]) {
      const node = c.nodes.find((n) => n.name === name);
      if (node?.offline) nodeErrors[node.uuid] = 'Node is marked offline';
    }
  }
  return [nodeErrors, [], missing];
}

/** The group executors by OP_ID. */
export const GROUP_OPS: OpExecutors = {
  OP_GROUP_ADD: groupAdd,
  OP_GROUP_ASSIGN_NODES: groupAssignNodes,
  OP_GROUP_SET_PARAMS: groupSetParams,
  OP_GROUP_REMOVE: groupRemove,
  OP_GROUP_RENAME: groupRename,
  OP_GROUP_EVACUATE: groupEvacuate,
  OP_GROUP_VERIFY_DISKS: groupVerifyDisks,
};
