/**
 * Demo executors for the node opcodes, as Ganeti 3.0's lib/cmdlib/node.py and misc.py LUs
 * behave on a cluster of fake nodes: add/remove/set-params/powercycle/migrate/evacuate, OOB
 * and restricted commands. NODE_OPS also gathers the storage (node-storage.ts), group
 * (group.ts) and network (network.ts) executors; the fake iallocator lives in evacuate.ts.
 */
import { randomUUID } from 'node:crypto';
import { OpExecError, OpPrereqError } from '../../errors.js';
import type { NodeData } from '../cluster.js';
import { niceCompare } from '../fields.js';
import { ECODE, touch, findGroup } from './common.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';
import { checkIAllocatorOrNode, nodeEvacJobs } from './evacuate.js';
import { GROUP_OPS } from './group.js';
import {
  adjustCandidatePool,
  checkNdParamsNotGlobal,
  childOp,
  commaJoin,
  decideSelfPromotion,
  expandNodeParam,
  forceDictType,
  info,
  isIPv4,
  masterCandidateStats,
  masterNode,
  ND_TYPES,
  niceSort,
  nodeInstances,
  param,
  resultWithJobs,
  supportsOob,
  updatedParams,
  verifyDiskState,
  verifyHvState,
  warn,
  wantedNodes,
} from './lu-support.js';
import { NETWORK_OPS } from './network.js';
import { STORAGE_OPS, unreachableMessage } from './node-storage.js';

/** Live data of a freshly installed fake node (what its node daemon reports). */
function freshLive(): NonNullable<NodeData['live']> {
  return {
    mtotal: 32768,
    mnode: 1024,
    mfree: 28672,
    dtotal: 524288,
    dfree: 524288,
    ctotal: 8,
    cnos: 1,
    cnodes: 1,
    csockets: 1,
    sptotal: 2,
    spfree: 2,
    bootid: randomUUID(),
  };
}

/**
 * netutils.GetHostname for a fake cluster: a short name gets the cluster's domain; the
 * address is the existing node's, the opcode's `primary_ip`, or the next free one in the
 * master's /24.
 */
function resolveNode(ctx: OpContext, op: OpInput): { name: string; ip: string } {
  const raw = String(op['node_name']);
  const domain = ctx.cluster.info.name.includes('.') ? ctx.cluster.info.name.slice(ctx.cluster.info.name.indexOf('.') + 1) : '';
  const name = raw.includes('.') || !domain ? raw : `${raw}.${domain}`;
  const existing = ctx.cluster.nodes.find((n) => n.name === name);
  if (existing) return { name, ip: existing.primaryIp };
  const given = param(op, 'primary_ip');
  if (isIPv4(given)) return { name, ip: given };
  const master = masterNode(ctx.cluster);
  const prefix = (master?.primaryIp ?? '192.0.2.1').split('.').slice(0, 3).join('.');
  const used = new Set(ctx.cluster.nodes.flatMap((n) => [n.primaryIp, n.secondaryIp]));
  for (let i = 10; i < 255; i++) if (!used.has(`${prefix}.${i}`)) return { name, ip: `${prefix}.${i}` };
  throw new OpPrereqError(`Can't resolve ${name}`, ECODE.resolver);
}

/** LUNodeAdd. */
function nodeAdd(op: OpInput, ctx: OpContext): null {
  const c = ctx.cluster;
  const { name, ip: primaryIp } = resolveNode(ctx, op);
  const readd = op['readd'] === true;
  if (readd && name === c.info.master) throw new OpPrereqError('Cannot readd the master node', ECODE.state);
  if (readd && param(op, 'group') !== null) {
    throw new OpPrereqError('Cannot pass a node group when a node is being readded', ECODE.inval);
  }
  const secondaryIp = String(param(op, 'secondary_ip') ?? primaryIp);
  if (!isIPv4(secondaryIp)) throw new OpPrereqError(`Secondary IP (${secondaryIp}) needs to be a valid IPv4 address`, ECODE.inval);
  const existing = c.nodes.find((n) => n.name === name);
  if (!readd && existing) throw new OpPrereqError(`Node ${name} is already in the configuration`, ECODE.exists);
  if (readd && !existing) throw new OpPrereqError(`Node ${name} is not in the configuration`, ECODE.noent);
  for (const n of c.nodes) {
    if (readd && n.name === name) {
      if (n.secondaryIp !== secondaryIp) {
        throw new OpPrereqError("Readded node doesn't have the same IP address configuration as before", ECODE.inval);
      }
      continue;
    }
    if ([n.primaryIp, n.secondaryIp].some((x) => x === primaryIp || x === secondaryIp)) {
      throw new OpPrereqError(`New node ip address(es) conflict with existing node ${n.name}`, ECODE.notunique);
    }
  }
  const masterCapable = (param(op, 'master_capable') ?? existing?.masterCapable ?? true) as boolean;
  const vmCapable = (param(op, 'vm_capable') ?? existing?.vmCapable ?? true) as boolean;
  if (readd && existing && !vmCapable) {
    const { primary, secondary } = nodeInstances(c, existing.name);
    if (primary.length > 0 || secondary.length > 0) {
      throw new OpPrereqError(`Node ${name} being re-added with vm_capable flag set to false, but it already holds instances`, ECODE.state);
    }
  }
  const master = masterNode(c);
  const masterSingle = master ? master.primaryIp === master.secondaryIp : true;
  const newSingle = secondaryIp === primaryIp;
  if (masterSingle !== newSingle) {
    throw new OpPrereqError(
      masterSingle
        ? 'The master has no secondary ip but the new node has one'
        : "The master has a secondary ip but the new node doesn't have one",
      ECODE.inval,
    );
  }
  const masterCandidate = masterCapable ? decideSelfPromotion(c, existing ? [existing.name] : []) : false;
  const group = existing ? existing.group : findGroup(ctx, param(op, 'group')).name;
  const ndparams = param(op, 'ndparams') as Record<string, unknown> | null;
  if (ndparams && Object.keys(ndparams).length > 0) {
    forceDictType(ndparams, ND_TYPES);
    checkNdParamsNotGlobal(ndparams, 'node', 'cluster or group');
  }
  if (param(op, 'hv_state')) verifyHvState(op['hv_state']);
  if (param(op, 'disk_state')) verifyDiskState(op['disk_state']);
  if (ctx.dryRun) return null;

  const now = ctx.now();
  let node: NodeData;
  if (existing) {
    node = existing;
    node.offline = false;
    node.drained = false;
    info(ctx, 'Readding a node, the offline/drained flags were reset');
    node.masterCandidate = masterCandidate;
    node.primaryIp = primaryIp;
    // A re-added node was reinstalled: its node daemon answers again.
    if (!node.live) node.live = freshLive();
    else node.live.bootid = randomUUID();
    touch(node, ctx);
  } else {
    node = {
      name,
      uuid: randomUUID(),
      group,
      primaryIp,
      secondaryIp,
      offline: false,
      drained: false,
      masterCandidate,
      masterCapable,
      vmCapable,
      ndparams: {},
      tags: [],
      ctime: now,
      mtime: now,
      serialNo: 1,
      live: freshLive(),
      powered: true,
      pvAllocatable: true,
    };
    c.nodes.push(node);
  }
  node.powered = true;
  node.masterCapable = masterCapable;
  node.vmCapable = vmCapable;
  if (node.masterCandidate) info(ctx, 'Node will be a master candidate');
  node.ndparams = ndparams ? structuredClone(ndparams) : {};
  return null;
}

/** LUNodeRemove. */
function nodeRemove(op: OpInput, ctx: OpContext): null {
  const c = ctx.cluster;
  const node = expandNodeParam(ctx, op);
  if (node.name === c.info.master) {
    throw new OpPrereqError('Node is the master node, failover to another node is required', ECODE.inval);
  }
  for (const inst of c.instances) {
    if (inst.primaryNode === node.name || inst.secondaryNodes.includes(node.name)) {
      throw new OpPrereqError(`Instance ${inst.name} is still running on the node, please remove first`, ECODE.inval);
    }
  }
  if (ctx.dryRun) return null;
  adjustCandidatePool(ctx, [node.name]);
  c.nodes.splice(c.nodes.indexOf(node), 1);
  delete c.exports[node.name];
  return null;
}

type Role = 'candidate' | 'drained' | 'offline' | 'regular';
const FLAGS = ['master_candidate', 'drained', 'offline'] as const;
const ROLE_FLAGS: Record<Role, [boolean, boolean, boolean]> = {
  candidate: [true, false, false],
  drained: [false, true, false],
  offline: [false, false, true],
  regular: [false, false, false],
};

function roleOf(n: NodeData): Role {
  if (n.masterCandidate) return 'candidate';
  if (n.drained) return 'drained';
  if (n.offline) return 'offline';
  return 'regular';
}

/** LUNodeSetParams: answers `[[param, str(new value)], ...]`. */
function nodeSetParams(op: OpInput, ctx: OpContext): Array<[string, string]> | null {
  const c = ctx.cluster;
  const node = expandNodeParam(ctx, op);
  const flags: Record<(typeof FLAGS)[number], boolean | null> = {
    master_candidate: param(op, 'master_candidate') as boolean | null,
    drained: param(op, 'drained') as boolean | null,
    offline: param(op, 'offline') as boolean | null,
  };
  const masterCapable = param(op, 'master_capable') as boolean | null;
  const vmCapable = param(op, 'vm_capable') as boolean | null;
  const secondaryIp = param(op, 'secondary_ip') as string | null;
  const ndparams = param(op, 'ndparams') as Record<string, unknown> | null;
  const powered = param(op, 'powered') as boolean | null;
  const allMods = [
    flags.offline,
    flags.master_candidate,
    flags.drained,
    masterCapable,
    vmCapable,
    secondaryIp,
    ndparams,
    param(op, 'hv_state'),
    param(op, 'disk_state'),
  ];
  if (allMods.every((m) => m === null)) throw new OpPrereqError('Please pass at least one modification', ECODE.inval);
  if (allMods.filter((m) => m === true).length > 1) {
    throw new OpPrereqError("Can't set the node into more than one state at the same time", ECODE.inval);
  }
  const mightDemote = flags.master_candidate === false || flags.offline === true || flags.drained === true || masterCapable === false;
  if (secondaryIp && !isIPv4(secondaryIp)) {
    throw new OpPrereqError(`Secondary IP (${secondaryIp}) needs to be a valid IPv4 address`, ECODE.inval);
  }
  const lockAll = op['auto_promote'] === true && mightDemote;
  const isMaster = node.name === c.info.master;

  // CheckPrereq.
  if ((flags.master_candidate !== null || flags.drained !== null || flags.offline !== null) && isMaster) {
    throw new OpPrereqError('The master role can be changed only via master-failover', ECODE.inval);
  }
  if (flags.master_candidate && !node.masterCapable) {
    throw new OpPrereqError(`Node ${node.name} is not master capable, cannot make it a master candidate`, ECODE.state);
  }
  const held = nodeInstances(c, node.name);
  if (vmCapable === false && (held.primary.length > 0 || held.secondary.length > 0)) {
    throw new OpPrereqError(`Node ${node.name} hosts instances, cannot unset the vm_capable flag`, ECODE.state);
  }
  if (node.masterCandidate && mightDemote && !lockAll) {
    const [remaining, should] = masterCandidateStats(c, [node.name]);
    if (remaining < should) {
      throw new OpPrereqError(
        'Not enough master candidates, please pass auto promote option to allow promotion (--auto-promote or RAPI auto_promote=True)',
        ECODE.state,
      );
    }
  }
  const oldFlags: [boolean, boolean, boolean] = [node.masterCandidate, node.drained, node.offline];
  const oldRole = roleOf(node);
  const current = { master_candidate: node.masterCandidate, drained: node.drained, offline: node.offline };
  for (const f of FLAGS) {
    if (flags[f] === false && current[f] === false) {
      info(ctx, `Ignoring request to unset flag ${f}, already unset`);
      flags[f] = null;
    }
  }
  if (supportsOob(c, node)) {
    if (flags.offline === false && !(node.powered || powered === true)) {
      throw new OpPrereqError(`Node ${node.name} needs to be turned on before its offline status can be reset`, ECODE.state);
    }
  } else if (powered !== null) {
    throw new OpPrereqError(
      `Unable to change powered state for node ${node.name} as it does not support out-of-band handling`,
      ECODE.state,
    );
  }
  if (flags.drained === false || flags.offline === false || (masterCapable && !node.masterCapable)) {
    if (decideSelfPromotion(c)) {
      flags.master_candidate = true;
      info(ctx, 'Auto-promoting node to master candidate');
    }
  }
  if (masterCapable === false && node.masterCandidate) {
    if (isMaster) throw new OpPrereqError('Master must remain master capable', ECODE.state);
    info(ctx, 'Demoting from master candidate');
    flags.master_candidate = false;
  }
  let newRole: Role;
  if (flags.master_candidate) newRole = 'candidate';
  else if (flags.drained) newRole = 'drained';
  else if (flags.offline) newRole = 'offline';
  else if (FLAGS.some((f) => flags[f] === false)) newRole = 'regular';
  else newRole = oldRole;
  if (oldRole === 'offline' && newRole !== oldRole) {
    if (!node.live) {
      throw new OpPrereqError(
        `Node ${node.name} is being de-offlined but fails to report its version: ${unreachableMessage(node)}`,
        ECODE.state,
      );
    }
    warn(ctx, 'Transitioning node from offline to online state without using re-add. Please make sure the node is healthy!');
  }
  if (secondaryIp) checkSecondaryIpChange(ctx, op, node, secondaryIp);
  let newNdparams: Record<string, unknown> | null = null;
  if (ndparams && Object.keys(ndparams).length > 0) {
    newNdparams = forceDictType(updatedParams(node.ndparams, ndparams), ND_TYPES);
    checkNdParamsNotGlobal(ndparams, 'node', 'cluster or group');
  }
  if (param(op, 'hv_state')) verifyHvState(op['hv_state']);
  if (param(op, 'disk_state')) verifyDiskState(op['disk_state']);
  if (ctx.dryRun) return null;

  // Exec.
  const result: Array<[string, string]> = [];
  if (newNdparams) node.ndparams = newNdparams;
  if (powered !== null) node.powered = powered;
  if (masterCapable !== null) {
    node.masterCapable = masterCapable;
    result.push(['master_capable', masterCapable ? 'True' : 'False']);
  }
  if (vmCapable !== null) {
    node.vmCapable = vmCapable;
    result.push(['vm_capable', vmCapable ? 'True' : 'False']);
  }
  if (secondaryIp) {
    node.secondaryIp = secondaryIp;
    result.push(['secondary_ip', secondaryIp]);
  }
  if (newRole !== oldRole) {
    const newFlags = ROLE_FLAGS[newRole];
    FLAGS.forEach((f, i) => {
      if (oldFlags[i] !== newFlags[i]) result.push([f, newFlags[i] ? 'True' : 'False']);
    });
    [node.masterCandidate, node.drained, node.offline] = newFlags;
    if (lockAll) adjustCandidatePool(ctx, [node.name]);
  }
  touch(node, ctx);
  return result;
}

/** LUNodeSetParams' secondary IP checks (single- vs multi-homed cluster, affected instances). */
function checkSecondaryIpChange(ctx: OpContext, op: OpInput, node: NodeData, ip: string): void {
  const c = ctx.cluster;
  const master = masterNode(c);
  const isMaster = master?.name === node.name;
  const masterSingle = master ? master.secondaryIp === master.primaryIp : true;
  const force = op['force'] === true;
  if (masterSingle && ip !== node.primaryIp) {
    if (force && isMaster)
      warn(ctx, 'Transitioning from single-homed to multi-homed cluster; all nodes will require a secondary IP address');
    else {
      throw new OpPrereqError(
        'Changing the secondary ip on a single-homed cluster requires the --force option to be passed, and the target node to be the master',
        ECODE.inval,
      );
    }
  } else if (!masterSingle && ip === node.primaryIp) {
    if (force && isMaster)
      warn(ctx, 'Transitioning from multi-homed to single-homed cluster; secondary IP addresses will have to be removed');
    else {
      throw new OpPrereqError(
        'Cannot set the secondary IP to be the same as the primary IP on a multi-homed cluster, unless the --force option is passed, and the target node is the master',
        ECODE.inval,
      );
    }
  }
  const affected = c.instances.filter(
    (i) => i.diskTemplate === 'drbd' && (i.primaryNode === node.name || i.secondaryNodes.includes(node.name)),
  );
  if (node.offline) {
    if (affected.length > 0) {
      throw new OpPrereqError(
        `Cannot change secondary IP address: offline node has instances (${commaJoin(affected.map((i) => i.name))}) configured to use it`,
        ECODE.state,
      );
    }
    return;
  }
  for (const inst of affected) {
    if (inst.adminState !== 'down') {
      throw new OpPrereqError(`Instance '${inst.name}' is marked to be ${inst.adminState}, cannot change secondary ip`, ECODE.state);
    }
    const pnode = c.nodes.find((n) => n.name === inst.primaryNode);
    if (pnode && !pnode.offline && inst.running) {
      throw new OpPrereqError(`Instance ${inst.name} is running, cannot change secondary ip`, ECODE.state);
    }
  }
  if (!node.live) throw new OpPrereqError(`Failure checking secondary ip on node ${node.name}: ${unreachableMessage(node)}`, ECODE.environ);
}

/** LUNodePowercycle: answers the node daemon's "Reboot scheduled in 5 seconds". */
function nodePowercycle(op: OpInput, ctx: OpContext): string | null {
  const node = expandNodeParam(ctx, op);
  if (node.name === ctx.cluster.info.master && op['force'] !== true) {
    throw new OpPrereqError('The node is the master and the force parameter was not set', ECODE.inval);
  }
  if (ctx.dryRun) return null;
  // node_powercycle accepts offline nodes (rpc_defs ACCEPT_OFFLINE_NODE); only a silent daemon fails.
  if (!node.live) throw new OpExecError(`Failed to schedule the reboot: ${unreachableMessage(node)}`);
  // The hard reset five seconds later: a new boot id, and the node's instances stop running.
  node.live.bootid = randomUUID();
  for (const inst of ctx.cluster.instances) if (inst.primaryNode === node.name) inst.running = false;
  return 'Reboot scheduled in 5 seconds';
}

/** LUNodeMigrate: one OP_INSTANCE_MIGRATE job per primary instance of the node. */
function nodeMigrate(op: OpInput, ctx: OpContext): unknown {
  const node = expandNodeParam(ctx, op);
  if (ctx.dryRun) return null;
  const jobs = ctx.cluster.instances
    .filter((i) => i.primaryNode === node.name)
    .map((inst) => [
      childOp(op, 'OP_INSTANCE_MIGRATE', {
        instance_name: inst.name,
        mode: param(op, 'mode'),
        live: param(op, 'live'),
        iallocator: param(op, 'iallocator'),
        target_node: param(op, 'target_node'),
        allow_runtime_changes: op['allow_runtime_changes'] ?? true,
        ignore_ipolicy: op['ignore_ipolicy'] ?? false,
      }),
    ]);
  return resultWithJobs(ctx, jobs);
}

/** LUNodeEvacuate. */
function nodeEvacuate(op: OpInput, ctx: OpContext): unknown {
  const c = ctx.cluster;
  const iallocator = checkIAllocatorOrNode(ctx, param(op, 'iallocator'), param(op, 'remote_node'));
  const node = expandNodeParam(ctx, op);
  let remote: NodeData | null = null;
  const mode = String(op['mode']);
  if (param(op, 'remote_node') !== null) {
    remote = expandNodeParam(ctx, op, 'remote_node', 'remote_node_uuid');
    if (remote.name === node.name) throw new OpPrereqError('Can not use evacuated node as a new secondary node', ECODE.inval);
    if (mode !== 'secondary-only') {
      throw new OpPrereqError('Without the use of an iallocator only secondary instances can be evacuated', ECODE.inval);
    }
  }
  if (mode === 'all') {
    throw new OpPrereqError(
      'Due to an issue with the iallocator interface it is not possible to evacuate all instances at once; specify explicitly whether to evacuate primary or secondary instances',
      ECODE.inval,
    );
  }
  const held = nodeInstances(c, node.name);
  const instances = mode === 'primary-only' ? held.primary : held.secondary;
  if (instances.length > 0) {
    info(ctx, `Evacuating instances from node '${node.name}': ${commaJoin(niceSort(instances.map((i) => i.name)))}`);
  } else {
    info(ctx, `No instances to evacuate from node '${node.name}'`);
  }
  if (remote) {
    for (const i of instances) {
      if (i.primaryNode === remote.name) {
        throw new OpPrereqError(`Node ${remote.name} is the primary node of instance ${i.name}, cannot use it as secondary`, ECODE.inval);
      }
    }
  }
  if (ctx.dryRun) return null;
  const earlyRelease = op['early_release'] === true;
  let jobs: ReturnType<typeof childOp>[][] = [];
  if (instances.length === 0) jobs = [];
  else if (remote) {
    const target = remote.name;
    jobs = instances.map((inst) => [
      childOp(op, 'OP_INSTANCE_REPLACE_DISKS', {
        instance_name: inst.name,
        remote_node: target,
        disks: [],
        mode: 'replace_new_secondary',
        early_release: earlyRelease,
      }),
    ]);
  } else {
    jobs = nodeEvacJobs(ctx, op, iallocator ?? 'hail', mode === 'primary-only' ? 'primary' : 'secondary', instances, node, earlyRelease);
  }
  return resultWithJobs(ctx, jobs);
}

/** constants RS_NORMAL / RS_NODATA / RS_UNAVAIL. */
const RS_NORMAL = 0;
const RS_UNAVAIL = 3;

/**
 * LUOobCommand. A node whose ndparams name an OOB program gets the answers of a fake
 * program that always works: power-on/off record the power state (null payload),
 * power-cycle renews the boot id, power-status answers `{"powered": ...}`, health
 * answers `[["hardware", "OK"]]`. A node without one answers (RS_UNAVAIL, None).
 */
function oobCommand(op: OpInput, ctx: OpContext): unknown {
  const c = ctx.cluster;
  const command = String(op['command']);
  const skipMaster = command === 'power-off' || command === 'power-cycle';
  const master = masterNode(c);
  const names = Array.isArray(op['node_names']) ? (op['node_names'] as unknown[]) : [];
  let nodes: NodeData[];
  if (names.length > 0) {
    nodes = wantedNodes(ctx, names);
    if (skipMaster && master && nodes.includes(master)) {
      const handler = supportsOob(c, master);
      const more = handler
        ? `run '${handler} ${command} ${master.name}' if you want to operate on the master regardless`
        : 'it does not support out-of-band operations';
      throw new OpPrereqError(`Operating on the master node ${master.name} is not allowed for ${command}; ${more}`, ECODE.inval);
    }
  } else {
    nodes = c.nodes.filter((n) => !(skipMaster && n === master));
  }
  for (const n of nodes) {
    if (op['ignore_status'] !== true && command === 'power-off' && !n.offline) {
      throw new OpPrereqError(`Cannot power off node ${n.name} because it is not marked offline`, ECODE.state);
    }
  }
  if (ctx.dryRun) return null;
  const sorted = [...nodes].sort((a, b) => niceCompare(a.name, b.name));
  return sorted.map((n) => {
    const entry: unknown[] = [[RS_NORMAL, n.name]];
    if (!supportsOob(c, n)) {
      entry.push([RS_UNAVAIL, null]);
      return entry;
    }
    let payload: unknown = null;
    if (command === 'power-on' || command === 'power-off') {
      n.powered = command === 'power-on';
      touch(n, ctx);
    } else if (command === 'power-cycle') {
      if (n.live) n.live.bootid = randomUUID();
    } else if (command === 'power-status') {
      payload = { powered: n.powered };
    } else if (command === 'health') {
      payload = [['hardware', 'OK']];
    }
    entry.push([RS_NORMAL, payload]);
    return entry;
  });
}

/**
 * LURestrictedCommand: `[(ok, output or error)]` per node. The nodes of the demo have no
 * restricted-commands directory (Debian builds Ganeti with restricted commands enabled),
 * so each reachable node answers noded's "Executing command 'x' failed".
 */
function restrictedCommand(op: OpInput, ctx: OpContext): unknown {
  const command = String(op['command']);
  const names = Array.isArray(op['nodes']) ? (op['nodes'] as unknown[]) : [];
  const uuids = Array.isArray(op['node_uuids']) ? (op['node_uuids'] as unknown[]) : [];
  const nodes =
    names.length > 0 ? names.map((n) => expandNodeParam(ctx, { node_name: n })) : uuids.map((u) => expandNodeParam(ctx, { node_name: u }));
  if (ctx.dryRun) return null;
  return nodes.map((n) => {
    let why: string;
    if (n.offline) why = 'Node is marked offline';
    else if (!n.live) why = unreachableMessage(n);
    else why = `Executing command '${command}' failed`;
    return [false, `Command '${command}' on node '${n.name}' failed: ${why}`];
  });
}

/** Every node, storage, group and network executor, by OP_ID. */
export const NODE_OPS: OpExecutors = {
  OP_NODE_ADD: nodeAdd,
  OP_NODE_REMOVE: nodeRemove,
  OP_NODE_SET_PARAMS: nodeSetParams,
  OP_NODE_POWERCYCLE: nodePowercycle,
  OP_NODE_MIGRATE: nodeMigrate,
  OP_NODE_EVACUATE: nodeEvacuate,
  OP_OOB_COMMAND: oobCommand,
  OP_RESTRICTED_COMMAND: restrictedCommand,
  ...STORAGE_OPS,
  ...GROUP_OPS,
  ...NETWORK_OPS,
};
