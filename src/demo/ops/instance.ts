/**
 * The demo's executors for the instance opcodes, after Ganeti 3.0's LUs in
 * cmdlib/instance*.py: lifecycle (startup, shutdown, reboot, reinstall, remove, rename),
 * moves (failover, migrate, move, change-group), disks (activate, deactivate, recreate,
 * grow, replace) and the console. Creation, set-params and query-data live in
 * instance-modify.ts; the checks and the node accounting they all use in instance-model.ts.
 * Each executor checks first and returns early on a dry run, as mcpu runs only CheckPrereq then.
 */
import { OpExecError } from '../../errors.js';
import type { ClusterData, InstanceData, NodeData } from '../cluster.js';
import { ECODE, findGroup, findInstance, findNode, prereq, touch } from './common.js';
import { commaJoin } from './lu-support.js';
import { checkIAllocatorOrNode } from './evacuate.js';
import type { OpContext, OpExecutor, OpExecutors, OpInput } from './context.js';
import { INSTANCE_MODIFY_OPS } from './instance-modify.js';
import {
  allocate,
  allocatePort,
  checkInstanceState,
  checkNodeFreeMemory,
  checkNodeNotDrained,
  checkNodeOnline,
  checkNodesFreeDisk,
  checkNodeVmCapable,
  checkTargetNode,
  devicePath,
  diskUsageOf,
  filledBe,
  filledHv,
  findDisk,
  formatUnitH,
  INSTANCE_DOWN,
  INSTANCE_NOT_RUNNING,
  INSTANCE_ONLINE,
  instanceNodes,
  maxMem,
  minMem,
  nodeNamed,
  reaccount,
  upgradeBeParams,
  nonEmpty,
} from './instance-model.js';

/** Templates whose instances can fail over or migrate (constants.DTS_MIRRORED). */
const MIRRORED = new Set(['drbd', 'diskless', 'sharedfile', 'blockdev', 'rbd', 'ext', 'gluster']);
/** Templates whose disks grow (constants.DTS_GROWABLE). */
const GROWABLE = new Set(['plain', 'drbd', 'file', 'sharedfile', 'rbd', 'ext', 'gluster']);
/** Templates `gnt-instance move` copies (constants.DTS_COPYABLE). */
const COPYABLE = new Set(['plain', 'file']);

const pnodeOf = (ctx: OpContext, inst: InstanceData): NodeData => nodeNamed(ctx.cluster, inst.primaryNode);

/** ConfigWriter.MarkInstanceUp/Down/Offline: the admin state, who set it, a new serial. */
function markState(ctx: OpContext, inst: InstanceData, state: InstanceData['adminState'], source: 'admin' | 'user' = 'admin') {
  inst.adminState = state;
  inst.adminStateSource = source;
  touch(inst, ctx);
}

/** Starts or stops the instance on its primary (hypervisor and disks), accounting for it. */
function setRunning(ctx: OpContext, inst: InstanceData, running: boolean): void {
  reaccount(ctx.cluster, inst, () => {
    inst.running = running;
    inst.disksActive = running && inst.disks.length > 0;
    if (running && inst.networkPort === null && inst.hypervisor === 'kvm') inst.networkPort = allocatePort(ctx.cluster);
  });
}

/** A job's follow-up opcode carries the reason trail of the opcode that made it. */
const followUp = (op: OpInput, body: Record<string, unknown>) => ({ ...body, reason: Array.isArray(op['reason']) ? op['reason'] : [] });

// ---- lifecycle ---------------------------------------------------------------------------

/** LUInstanceStartup: an instance already running just stays up (and is marked up). */
const startup: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  checkInstanceState(ctx.cluster, inst, INSTANCE_ONLINE);
  const pnode = pnodeOf(ctx, inst);
  const offlineIgnored = pnode.offline && op['ignore_offline_nodes'] === true;
  if (offlineIgnored) {
    ctx.log('Ignoring offline primary node');
  } else {
    checkNodeOnline(pnode);
    const be = { ...filledBe(ctx.cluster, inst), ...upgradeBeParams((op['beparams'] as Record<string, unknown>) ?? {}) };
    if (!inst.running) checkNodeFreeMemory(pnode, `starting instance ${inst.name}`, Number(be['minmem'] ?? 0));
  }
  if (ctx.dryRun) return null;
  if (op['no_remember'] !== true) markState(ctx, inst, 'up');
  if (offlineIgnored) ctx.log('Primary node offline, marked instance as started');
  else setRunning(ctx, inst, true);
  return null;
};

/** LUInstanceShutdown. */
const shutdown: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  const source = op['admin_state_source'] === 'user' ? 'user' : 'admin';
  if (op['force'] === true) ctx.log('Ignoring offline instance check');
  else checkInstanceState(ctx.cluster, inst, INSTANCE_ONLINE);
  const pnode = pnodeOf(ctx, inst);
  const offlineIgnored = pnode.offline && op['ignore_offline_nodes'] === true;
  if (offlineIgnored) ctx.log('Ignoring offline primary node');
  else checkNodeOnline(pnode);
  // Only the hypervisor can tell a user shutdown; the demo's instances never stop by themselves.
  if (source === 'user') throw prereq(`Instance '${inst.name}' was not shutdown by the user`);
  if (ctx.dryRun) return null;
  if (op['no_remember'] !== true && (INSTANCE_ONLINE as readonly string[]).includes(inst.adminState)) {
    markState(ctx, inst, 'down', source);
  }
  if (offlineIgnored) ctx.log('Primary node offline, marked instance as stopped');
  else setRunning(ctx, inst, false);
  return null;
};

/** LUInstanceReboot: soft and hard reboots keep a running instance up; full restarts it. */
const reboot: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  checkInstanceState(ctx.cluster, inst, INSTANCE_ONLINE);
  checkNodeOnline(pnodeOf(ctx, inst));
  if (ctx.dryRun) return null;
  if (!inst.running) ctx.log(`Instance ${inst.name} was already stopped, starting now`);
  setRunning(ctx, inst, true);
  markState(ctx, inst, 'up');
  return null;
};

/** LUInstanceReinstall. */
const reinstall: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  checkNodeOnline(pnodeOf(ctx, inst), 'Instance primary node offline, cannot reinstall');
  if (inst.disks.length === 0) throw prereq(`Instance '${String(op['instance_name'])}' has no disks`, ECODE.inval);
  checkInstanceState(ctx.cluster, inst, INSTANCE_DOWN, 'cannot reinstall');
  if (ctx.dryRun) return null;
  if (nonEmpty(op['os_type'])) {
    ctx.log(`Changing OS scripts to '${op['os_type']}'...`);
    inst.os = op['os_type'];
  }
  if (op['osparams'] !== undefined && op['osparams'] !== null) inst.osparams = { ...(op['osparams'] as object) };
  ctx.log('Running instance OS create scripts...');
  touch(inst, ctx);
  return null;
};

/** LUInstanceRemove: shuts the instance down, removes its disks and its configuration. */
const remove: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  if (ctx.dryRun) return null;
  reaccount(ctx.cluster, inst, () => {
    ctx.cluster.instances.splice(ctx.cluster.instances.indexOf(inst), 1);
  });
  return null;
};

/** LUInstanceRename: answers the new name. */
const rename: OpExecutor = (op, ctx) => {
  if (op['ip_check'] === true && op['name_check'] === false) {
    throw prereq('IP address check requires a name check', ECODE.inval);
  }
  const inst = findInstance(ctx, op['instance_name']);
  const newName = String(op['new_name']);
  if (newName !== inst.name && ctx.cluster.instances.some((i) => i.name === newName)) {
    throw prereq(`Instance '${newName}' is already in the cluster`, ECODE.exists);
  }
  checkNodeOnline(pnodeOf(ctx, inst));
  checkInstanceState(ctx.cluster, inst, INSTANCE_NOT_RUNNING, 'cannot rename');
  if (ctx.dryRun) return null;
  inst.name = newName;
  touch(inst, ctx);
  return newName;
};

// ---- moves -------------------------------------------------------------------------------

/** Picks a node through the demo allocator, as TLMigrateInstance/TLReplaceDisks._RunAllocator. */
function relocateTarget(ctx: OpContext, inst: InstanceData, iallocator: string, needsMemory: boolean): NodeData {
  const pgroup = pnodeOf(ctx, inst).group;
  const disk = diskUsageOf(
    inst.diskTemplate,
    inst.disks.map((d) => d.size),
  );
  const req = { memory: minMem(ctx.cluster, inst), disk, nodes: 1 as const, groups: [pgroup], exclude: instanceNodes(inst), needsMemory };
  const picked = allocate(ctx.cluster, req);
  if (typeof picked === 'string') throw prereq(`Can't compute nodes using iallocator '${iallocator}': ${picked}`, ECODE.nores);
  return nodeNamed(ctx.cluster, picked[0] as string);
}

/** The primary moves to `target`; for drbd the old primary becomes the secondary. */
function swapPrimary(ctx: OpContext, inst: InstanceData, target: string, running: boolean): void {
  reaccount(ctx.cluster, inst, () => {
    const old = inst.primaryNode;
    inst.primaryNode = target;
    if (inst.diskTemplate === 'drbd') inst.secondaryNodes = [old];
    inst.running = running;
    inst.disksActive = running && inst.disks.length > 0;
  });
  touch(inst, ctx);
}

/** TLMigrateInstance.CheckPrereq and Exec, for LUInstanceFailover and LUInstanceMigrate. */
function migration(op: OpInput, ctx: OpContext, asFailover: boolean): null {
  const inst = findInstance(ctx, op['instance_name']);
  const named = nonEmpty(op['target_node']) ? findNode(ctx, op['target_node']) : null;
  const cleanup = op['cleanup'] === true;
  const fallback = !asFailover && op['allow_failover'] === true;
  let failover = asFailover;
  if (!cleanup && inst.adminState !== 'up' && !failover && fallback) {
    ctx.log('Instance is marked down or offline, fallback allowed, switching to failover');
    failover = true;
  }
  const tpl = inst.diskTemplate;
  if (!MIRRORED.has(tpl)) {
    throw prereq(`Instance's disk layout '${tpl}' does not allow ${failover ? 'failovers' : 'migrations'}`, ECODE.state);
  }
  let target: NodeData;
  if (tpl !== 'drbd') {
    const ial = checkIAllocatorOrNode(ctx, op['iallocator'], op['target_node']);
    target = ial === null ? (named as NodeData) : relocateTarget(ctx, inst, ial, inst.adminState === 'up');
    if (ial !== null) ctx.log(`Selected nodes for instance ${inst.name} via iallocator ${ial}: ${target.name}`);
    if (target.name === inst.primaryNode) {
      throw prereq(`Cannot migrate instance ${inst.name} to its primary (${inst.primaryNode})`, ECODE.state);
    }
  } else {
    target = nodeNamed(ctx.cluster, inst.secondaryNodes[0] as string);
    if (nonEmpty(op['iallocator']) || (named !== null && named !== target)) {
      const verb = failover ? 'failed over' : 'migrated';
      throw prereq(
        `Instances with disk types drbd cannot be ${verb} to arbitrary nodes (neither an iallocator nor a target node can be passed)`,
        ECODE.inval,
      );
    }
  }
  if (!cleanup && (!failover || inst.adminState === 'up')) {
    checkNodeFreeMemory(target, `migrating instance ${inst.name}`, minMem(ctx.cluster, inst));
  } else {
    ctx.log('Not checking memory on the secondary node as instance will not be started');
  }
  if (!cleanup && !failover && filledBe(ctx.cluster, inst)['always_failover'] === true) {
    ctx.log('Instance configured to always failover; fallback to failover');
    failover = true;
  }
  if (!cleanup) {
    checkNodeNotDrained(target);
    if (!failover && !inst.running) {
      if (!fallback) throw prereq(`Can't migrate, please use failover: Instance ${inst.name} is not running`, ECODE.state);
      ctx.log("Can't migrate, instance offline, fallback to failover");
      failover = true;
    }
  }
  if (!failover && op['live'] !== undefined && op['live'] !== null && op['mode'] !== undefined && op['mode'] !== null) {
    throw prereq("Only one of the 'live' and 'mode' parameters are accepted", ECODE.inval);
  }
  if (ctx.dryRun) return null;
  if (failover) {
    ctx.log(`Failover instance ${inst.name}`);
    ctx.log(
      inst.disksActive
        ? '* checking disk consistency between source and target'
        : '* not checking disk consistency as instance is not running',
    );
    ctx.log('* shutting down instance on source node');
    ctx.log("* deactivating the instance's disks on source node");
    const up = inst.adminState === 'up' && !inst.forthcoming;
    if (up) {
      ctx.log(`* activating the instance's disks on target node ${target.name}`);
      ctx.log(`* starting the instance on the target node ${target.name}`);
    }
    swapPrimary(ctx, inst, target.name, up);
  } else if (cleanup) {
    ctx.log(`Migrating instance ${inst.name}`);
    ctx.log(`* instance confirmed to be running on its primary node (${inst.primaryNode})`);
  } else {
    ctx.log(`Migrating instance ${inst.name}`);
    ctx.log('* checking disk consistency between source and target');
    ctx.log(`* migrating instance to ${target.name}`);
    swapPrimary(ctx, inst, target.name, true);
    ctx.log('* done');
  }
  return null;
}

/** LUInstanceMove: copies the disks to another node and starts it there if marked up. */
const move: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  const target = findNode(ctx, op['target_node']);
  inst.disks.forEach((_, idx) => {
    if (!COPYABLE.has(inst.diskTemplate)) {
      throw prereq(`Instance disk ${idx} has disk type ${inst.diskTemplate} and is not suitable for copying`, ECODE.state);
    }
  });
  if (target.name === inst.primaryNode) throw prereq(`Instance ${inst.name} is already on the node ${target.name}`, ECODE.state);
  checkTargetNode(target);
  const up = inst.adminState === 'up';
  if (up) checkNodeFreeMemory(target, `failing over instance ${inst.name}`, maxMem(ctx.cluster, inst));
  else ctx.log('Not checking memory on the secondary node as instance will not be started');
  if (ctx.dryRun) return null;
  ctx.log(`Shutting down instance ${inst.name} on source node ${inst.primaryNode}`);
  ctx.log('Removing the disks on the original node');
  if (up) ctx.log(`Starting instance ${inst.name} on node ${target.name}`);
  swapPrimary(ctx, inst, target.name, up);
  return null;
};

/** Groups an instance's nodes are in, by name. */
const groupsOf = (ctx: OpContext, inst: InstanceData) => new Set(instanceNodes(inst).map((n) => nodeNamed(ctx.cluster, n).group));

/** The opcodes hail answers for moving one instance to another group (Cluster/Utils.hs iMoveToJob). */
function groupChangeOps(op: OpInput, ctx: OpContext, inst: InstanceData, groups: string[]): Record<string, unknown>[] | string {
  const name = inst.name;
  if (!MIRRORED.has(inst.diskTemplate)) return `Instances of type ${inst.diskTemplate} cannot be relocated`;
  const drbd = inst.diskTemplate === 'drbd';
  const disk = diskUsageOf(
    inst.diskTemplate,
    inst.disks.map((d) => d.size),
  );
  const picked = allocate(ctx.cluster, { memory: minMem(ctx.cluster, inst), disk, nodes: drbd ? 2 : 1, groups, needsMemory: inst.running });
  if (typeof picked === 'string') return drbd ? `Can't find any good nodes for relocation: ${picked}` : picked;
  const migrate = (target?: string) =>
    followUp(op, {
      OP_ID: 'OP_INSTANCE_MIGRATE',
      instance_name: name,
      ...(target === undefined ? {} : { target_node: target }),
      allow_runtime_changes: false,
      ignore_ipolicy: false,
      cleanup: false,
      allow_failover: true,
      ignore_hvversions: true,
    });
  const replace = (node: string) =>
    followUp(op, {
      OP_ID: 'OP_INSTANCE_REPLACE_DISKS',
      instance_name: name,
      early_release: op['early_release'] === true,
      ignore_ipolicy: false,
      mode: 'replace_new_secondary',
      disks: [],
      remote_node: node,
    });
  const [p, s] = picked as [string, string | undefined];
  return drbd ? [replace(p), migrate(), replace(s as string)] : [migrate(p)];
}

/** LUInstanceChangeGroup: answers the job it submits (JobIdListOnly). */
const changeGroup: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  const requested = Array.isArray(op['target_groups']) ? op['target_groups'].map((g) => findGroup(ctx, g)) : null;
  checkIAllocatorOrNode(ctx, op['iallocator'], null);
  const own = groupsOf(ctx, inst);
  const targets = requested ?? ctx.cluster.groups.filter((g) => !own.has(g.name));
  const conflicting = targets.filter((g) => own.has(g.name));
  if (conflicting.length > 0) {
    const uuids = commaJoin(conflicting.map((g) => g.uuid));
    throw prereq(`Can't use group(s) '${uuids}' as targets, they are used by the instance '${String(op['instance_name'])}'`, ECODE.inval);
  }
  if (targets.length === 0) throw prereq('There are no possible target groups', ECODE.inval);
  if (ctx.dryRun) return null;
  const ops = groupChangeOps(
    op,
    ctx,
    inst,
    targets.map((g) => g.name),
  );
  if (typeof ops === 'string') {
    ctx.log(`Unable to evacuate instances ${inst.name} (${ops})`);
    throw new OpExecError(`Unable to evacuate instances ${inst.name} (${ops})`);
  }
  ctx.log(`Instances to be moved: ${inst.name} (to ${commaJoin(targets.map((g) => g.uuid))})`);
  ctx.log(`Iallocator returned 1 job(s) for changing group of instance '${String(op['instance_name'])}'`);
  return { jobs: ctx.submitJobs([ops as never]) };
};

// ---- disks -------------------------------------------------------------------------------

/** LUInstanceActivateDisks: answers `[[node, iv_name, dev_path], ...]`. */
const activateDisks: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  checkNodeOnline(pnodeOf(ctx, inst));
  if (ctx.dryRun) return null;
  inst.disksActive = true;
  touch(inst, ctx);
  return inst.disks.map((_, i) => [inst.primaryNode, `disk/${i}`, devicePath(ctx.cluster, inst, i)]);
};

/** LUInstanceDeactivateDisks (the state check runs in Exec, so a dry run skips it). */
const deactivateDisks: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  if (ctx.dryRun) return null;
  if (op['force'] !== true) checkInstanceState(ctx.cluster, inst, INSTANCE_DOWN, 'cannot shutdown disks');
  inst.disksActive = false;
  touch(inst, ctx);
  return null;
};

/** LUInstanceRecreateDisks: `disks` is a list of indices or of `[index, {size, mode, spindles}]`. */
const recreateDisks: OpExecutor = (op, ctx) => {
  const raw = Array.isArray(op['disks']) ? op['disks'] : [];
  const mods: Array<[number, Record<string, unknown>]> = raw.map((d) =>
    typeof d === 'number' ? [d, {}] : [Number((d as unknown[])[0]), { ...((d as unknown[])[1] as object) }],
  );
  mods.sort((a, b) => a[0] - b[0]);
  const seen = mods.map(([i]) => i);
  const dups = [...new Set(seen.filter((i, k) => seen.indexOf(i) !== k))];
  if (dups.length > 0) throw prereq(`Some disks have been specified more than once: ${commaJoin(dups)}`, ECODE.inval);
  const wanted = Array.isArray(op['nodes']) ? op['nodes'] : [];
  const ial = nonEmpty(op['iallocator']) || wanted.length > 0 ? checkIAllocatorOrNode(ctx, op['iallocator'], wanted) : null;
  for (const [idx, params] of mods) {
    const bad = Object.keys(params).filter((k) => !['size', 'mode', 'spindles'].includes(k));
    if (bad.length > 0) {
      throw prereq(`Parameters for disk ${idx} try to change unmodifyable parameter(s): ${commaJoin(bad)}`, ECODE.inval);
    }
  }
  const inst = findInstance(ctx, op['instance_name']);
  let nodes = wanted.map((n) => findNode(ctx, n).name);
  const current = instanceNodes(inst);
  if (nodes.length > 0 && nodes.length !== current.length) {
    throw prereq(
      `Instance ${inst.name} currently has ${current.length} nodes, but ${nodes.length} replacement nodes were specified`,
      ECODE.inval,
    );
  }
  if (ial === null) checkNodeOnline(nodeNamed(ctx.cluster, nodes[0] ?? inst.primaryNode));
  if (inst.disks.length === 0) throw prereq(`Instance '${String(op['instance_name'])}' has no disks`, ECODE.inval);
  const relocating = ial !== null || nodes.length > 0;
  if (!(relocating && pnodeOf(ctx, inst).offline)) checkInstanceState(ctx.cluster, inst, INSTANCE_NOT_RUNNING, 'cannot recreate disks');
  const changes = new Map(mods.length > 0 ? mods : inst.disks.map((_, i) => [i, {}] as [number, Record<string, unknown>]));
  const maxIdx = Math.max(...changes.keys());
  if (maxIdx >= inst.disks.length) throw prereq(`Invalid disk index '${maxIdx}'`, ECODE.inval);
  if (relocating && changes.size !== inst.disks.length) {
    throw prereq("Can't recreate disks partially and change the nodes at the same time", ECODE.inval);
  }
  if (ial !== null) {
    const disk = diskUsageOf(
      inst.diskTemplate,
      inst.disks.map((d) => d.size),
    );
    const req = {
      memory: maxMem(ctx.cluster, inst),
      disk,
      nodes: current.length === 2 ? 2 : 1,
      groups: [pnodeOf(ctx, inst).group],
      needsMemory: false,
    } as const;
    const picked = allocate(ctx.cluster, req);
    if (typeof picked === 'string') throw prereq(`Can't compute nodes using iallocator '${ial}': ${picked}`, ECODE.nores);
    nodes = picked;
    ctx.log(`Selected nodes for instance ${inst.name} via iallocator ${ial}: ${commaJoin(nodes)}`);
  }
  if (ctx.dryRun) return null;
  if (nodes.length > 0) ctx.log("Changing the instance's nodes, you will have to remove any disks left on the older nodes manually");
  reaccount(ctx.cluster, inst, () => {
    for (const [idx, params] of changes) {
      const disk = inst.disks[idx];
      if (!disk) continue;
      if (typeof params['size'] === 'number') disk.size = params['size'];
      if (params['mode'] === 'rw' || params['mode'] === 'ro') disk.mode = params['mode'];
      if (typeof params['spindles'] === 'number') disk.spindles = params['spindles'];
    }
    if (nodes.length > 0) [inst.primaryNode, ...inst.secondaryNodes] = nodes as [string, ...string[]];
  });
  touch(inst, ctx);
  return null;
};

/** LUInstanceGrowDisk. */
const growDisk: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  const nodes = instanceNodes(inst).map((n) => nodeNamed(ctx.cluster, n));
  for (const n of nodes) checkNodeOnline(n);
  const idx = Number(op['disk']);
  const disk = findDisk(inst, idx);
  if (!GROWABLE.has(inst.diskTemplate)) {
    throw prereq(`Instance's disk layout ${inst.diskTemplate} does not support growing`, ECODE.inval);
  }
  const amount = Number(op['amount']);
  const absolute = op['absolute'] === true;
  const target = absolute ? amount : disk.size + amount;
  const delta = target - disk.size;
  if (delta < 0) {
    throw prereq(`Requested size (${formatUnitH(target)}) is smaller than current disk size (${formatUnitH(disk.size)})`, ECODE.state);
  }
  if (inst.diskTemplate === 'plain' || inst.diskTemplate === 'drbd') checkNodesFreeDisk(ctx.cluster, nodes, delta);
  const violation = diskSizeViolation(ctx.cluster, inst, idx, target);
  if (violation) {
    const msg = `Growing disk ${idx} violates policy: ${violation}`;
    if (op['ignore_ipolicy'] !== true) throw prereq(msg, ECODE.inval);
    ctx.log(msg);
  }
  if (ctx.dryRun) return null;
  ctx.log(`Growing disk ${idx} of instance '${inst.name}' by ${formatUnitH(delta)} to ${formatUnitH(target)}`);
  reaccount(ctx.cluster, inst, () => {
    disk.size = target;
  });
  touch(inst, ctx);
  return null;
};

/** cmdlib/common.py _ComputeMinMaxSpec for one disk's size against the group's policy. */
function diskSizeViolation(cluster: ClusterData, inst: InstanceData, idx: number, size: number): string | null {
  const group = cluster.groups.find((g) => g.name === nodeNamed(cluster, inst.primaryNode).group);
  const minmax = (group?.ipolicy.minmax ?? cluster.info.ipolicy.minmax)[0];
  if (!minmax) return null;
  const [lo, hi] = [minmax.min['disk-size'], minmax.max['disk-size']];
  return size > hi || size < lo ? `disk-size/${idx} value ${size} is not in range [${lo}, ${hi}]` : null;
}

/** The replace-disks modes (constants.REPLACE_DISK_*). */
const REPLACE = { pri: 'replace_on_primary', sec: 'replace_on_secondary', chg: 'replace_new_secondary', auto: 'replace_auto' } as const;

/** LUInstanceReplaceDisks and TLReplaceDisks.CheckPrereq/Exec. */
const replaceDisks: OpExecutor = (op, ctx) => {
  const mode = op['mode'];
  const remoteGiven = nonEmpty(op['remote_node']);
  let ial: string | null = null;
  if (mode === REPLACE.chg) {
    if (!remoteGiven && !nonEmpty(op['iallocator'])) {
      throw prereq('When changing the secondary either an iallocator script must be used or the new node given', ECODE.inval);
    }
    ial = checkIAllocatorOrNode(ctx, op['iallocator'], remoteGiven ? op['remote_node'] : null);
  } else if (remoteGiven || nonEmpty(op['iallocator'])) {
    throw prereq('The iallocator and new node options can only be used when changing the secondary node', ECODE.inval);
  }
  const inst = findInstance(ctx, op['instance_name']);
  let remote = remoteGiven ? findNode(ctx, op['remote_node']) : null;
  if (inst.secondaryNodes.length !== 1) {
    throw prereq(`The instance has a strange layout, expected one secondary but found ${inst.secondaryNodes.length}`, ECODE.fault);
  }
  const secondary = nodeNamed(ctx.cluster, inst.secondaryNodes[0] as string);
  if (ial !== null) {
    remote = relocateTarget(ctx, inst, ial, false);
    ctx.log(`Selected new secondary for instance '${inst.uuid}': ${remote.name}`);
  }
  if (remote?.name === inst.primaryNode) throw prereq('The specified node is the primary node of the instance', ECODE.inval);
  if (remote === secondary) throw prereq('The specified node is already the secondary node of the instance', ECODE.inval);
  const listed = Array.isArray(op['disks']) ? op['disks'].map(Number) : [];
  if (listed.length > 0 && (mode === REPLACE.auto || mode === REPLACE.chg))
    throw prereq('Cannot specify disks to be replaced', ECODE.inval);
  let disks = listed.length > 0 ? listed : inst.disks.map((_, i) => i);
  const pnode = pnodeOf(ctx, inst);
  let check: NodeData[] = [pnode, secondary];
  if (mode === REPLACE.auto) {
    if (!inst.disksActive) throw prereq(`Please run activate-disks on instance ${inst.name} first`, ECODE.state);
    disks = [];
    check = [];
  } else if (mode === REPLACE.chg && remote) {
    checkNodeNotDrained(remote);
    checkNodeVmCapable(remote);
    check = [remote, pnode];
    if (secondary.offline && op['early_release'] !== true) {
      ctx.log(`Old secondary ${secondary.uuid} is offline, automatically enabling early-release mode`);
    }
  }
  if (inst.disks.length === 0 || inst.diskTemplate !== 'drbd') {
    throw prereq('Can only run replace disks for DRBD8-based instances', ECODE.inval);
  }
  for (const n of check) checkNodeOnline(n);
  for (const d of disks) findDisk(inst, d);
  if (ctx.dryRun) return null;
  if (disks.length === 0) {
    ctx.log(`No disks need replacement for instance '${inst.name}'`);
    return null;
  }
  ctx.log(`Replacing disk(s) ${commaJoin(disks)} for instance '${inst.name}'`);
  ctx.log(`Current primary node: ${inst.primaryNode}`);
  ctx.log(`Current secondary node: ${secondary.name}`);
  if (mode === REPLACE.chg && remote) {
    const need = diskUsageOf(
      inst.diskTemplate,
      inst.disks.map((d) => d.size),
    );
    if (!remote.live || remote.live.dfree < need) {
      throw new OpExecError(`Can't create block device: not enough free space on node ${remote.name}`);
    }
    const newSecondary = remote.name;
    reaccount(ctx.cluster, inst, () => {
      inst.secondaryNodes = [newSecondary];
    });
    touch(inst, ctx);
  }
  return null;
};

// ---- console -----------------------------------------------------------------------------

/** LUInstanceConsole: the console dict the hypervisor answers (InstanceConsole.ToDict). */
const consoleOp: OpExecutor = (op, ctx) => {
  const inst = findInstance(ctx, op['instance_name']);
  const pnode = pnodeOf(ctx, inst);
  checkNodeOnline(pnode);
  if (ctx.dryRun) return null;
  if (!inst.running) {
    const state = inst.adminState === 'up' ? 'ERROR_down' : inst.adminState === 'down' ? 'ADMIN_down' : 'ADMIN_offline';
    throw new OpExecError(`Instance ${inst.name} is not running (state ${state})`);
  }
  return instanceConsole(ctx.cluster, inst, pnode);
};

/** hv_kvm/hv_fake GetInstanceConsole. */
function instanceConsole(cluster: ClusterData, inst: InstanceData, pnode: NodeData): Record<string, unknown> {
  if (inst.hypervisor !== 'kvm') {
    return { instance: inst.name, kind: 'message', message: `Console not available for ${inst.hypervisor} hypervisor` };
  }
  const hv = filledHv(cluster, inst);
  if (hv['serial_console'] === true) {
    const group = cluster.groups.find((g) => g.name === pnode.group);
    const nd = { ...(cluster.info['ndparams'] as object), ...group?.ndparams, ...pnode.ndparams } as Record<string, unknown>;
    const ctrl = `/var/run/ganeti/kvm-hypervisor/ctrl/${inst.name}`;
    const command = [
      '/usr/lib/ganeti/tools/kvm-console-wrapper',
      '/usr/bin/socat',
      inst.name,
      `${ctrl}.monitor`,
      'STDIO,raw,echo=0,escape=0x1d',
      `UNIX-CONNECT:${ctrl}.serial`,
    ];
    return { instance: inst.name, kind: 'ssh', host: pnode.name, port: nd['ssh_port'] ?? 22, user: 'root', command };
  }
  const vnc = hv['vnc_bind_address'];
  if (typeof vnc === 'string' && vnc !== '' && (inst.networkPort ?? 0) > 5900) {
    return { instance: inst.name, kind: 'vnc', host: vnc, port: inst.networkPort, display: (inst.networkPort ?? 0) - 5900 };
  }
  return { instance: inst.name, kind: 'message', message: `No serial shell for instance ${inst.name}` };
}

/** Every instance opcode's executor. */
export const INSTANCE_OPS: OpExecutors = {
  ...INSTANCE_MODIFY_OPS,
  OP_INSTANCE_STARTUP: startup,
  OP_INSTANCE_SHUTDOWN: shutdown,
  OP_INSTANCE_REBOOT: reboot,
  OP_INSTANCE_REINSTALL: reinstall,
  OP_INSTANCE_REMOVE: remove,
  OP_INSTANCE_RENAME: rename,
  OP_INSTANCE_FAILOVER: (op, ctx) => migration(op, ctx, true),
  OP_INSTANCE_MIGRATE: (op, ctx) => migration(op, ctx, false),
  OP_INSTANCE_MOVE: move,
  OP_INSTANCE_CHANGE_GROUP: changeGroup,
  OP_INSTANCE_ACTIVATE_DISKS: activateDisks,
  OP_INSTANCE_DEACTIVATE_DISKS: deactivateDisks,
  OP_INSTANCE_RECREATE_DISKS: recreateDisks,
  OP_INSTANCE_GROW_DISK: growDisk,
  OP_INSTANCE_REPLACE_DISKS: replaceDisks,
  OP_INSTANCE_CONSOLE: consoleOp,
};
