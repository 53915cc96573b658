/**
 * The demo's stand-in for the `hail` iallocator in its node-evacuate and change-group modes
 * (htools Cluster/Evacuate.hs nodeEvacInstance, Cluster/Utils.hs iMoveToJob): which
 * instances can move where, as the opcode jobs hail answers, unpacked and logged as
 * cmdlib/common.py LoadNodeEvacResult does. Placement is greedy (most free memory or disk
 * first) instead of hail's cluster score.
 */
import { OpExecError, OpPrereqError } from '../../errors.js';
import type { OpCode } from '../../protocols/luxi/types.js';
import type { InstanceData, NodeData } from '../cluster.js';
import { niceCompare } from '../fields.js';
import { DRBD_META_MIB, ECODE } from './common.js';
import type { OpContext, OpInput } from './context.js';
import { childOp, commaJoin, info, warn } from './lu-support.js';

/**
 * cmdlib/common.py CheckIAllocatorOrNode: at most one of iallocator and node; neither (or
 * ".") means the cluster's default iallocator.
 * @returns the iallocator to use, or null when a node was given.
 */
export function checkIAllocatorOrNode(ctx: OpContext, iallocator: unknown, node: unknown): string | null {
  const n = node === undefined || (Array.isArray(node) && node.length === 0) ? null : node;
  if (iallocator === undefined) iallocator = null;
  if (n !== null && iallocator !== null) throw new OpPrereqError('Do not specify both, iallocator and node', ECODE.inval);
  if ((n === null && iallocator === null) || iallocator === '.') {
    const def = ctx.cluster.info['default_iallocator'];
    if (typeof def === 'string' && def) return def;
    throw new OpPrereqError(
      'No iallocator or node given and no cluster-wide default iallocator found; please specify either an iallocator or a node, or set a cluster-wide default iallocator',
      ECODE.inval,
    );
  }
  return iallocator === null ? null : String(iallocator);
}

/** cmdlib/common.py GetDefaultIAllocator. */
export function defaultIAllocator(ctx: OpContext, iallocator: unknown): string {
  const name = iallocator || ctx.cluster.info['default_iallocator'];
  if (typeof name !== 'string' || !name) {
    throw new OpPrereqError('No iallocator was specified, neither in the opcode nor as a cluster-wide default', ECODE.inval);
  }
  return name;
}

/** The one iallocator the fake cluster has installed. */
function checkIAllocatorExists(name: string): void {
  if (name !== 'hail') {
    throw new OpExecError(`Failure while running the iallocator script: iallocator module '${name}' not found in the search path`);
  }
}

/** Free memory and disk per node as the planned moves leave them. */
class Tally {
  readonly #free = new Map<string, { mem: number; disk: number }>();
  constructor(readonly nodes: readonly NodeData[]) {
    for (const n of nodes) if (n.live) this.#free.set(n.name, { mem: n.live.mfree, disk: n.live.dfree });
  }
  /** Nodes that can take instances: online, undrained, vm-capable, answering. */
  usable(group: string, exclude: ReadonlySet<string>): NodeData[] {
    return this.nodes.filter((n) => n.group === group && !n.offline && !n.drained && n.vmCapable && n.live && !exclude.has(n.name));
  }
  mem(node: string): number {
    return this.#free.get(node)?.mem ?? 0;
  }
  disk(node: string): number {
    return this.#free.get(node)?.disk ?? 0;
  }
  add(node: string, mem: number, disk: number): void {
    const f = this.#free.get(node);
    if (f) {
      f.mem += mem;
      f.disk += disk;
    }
  }
}

function memOf(inst: InstanceData): number {
  const m = inst.beparams['maxmem'];
  return inst.running && typeof m === 'number' ? m : 0;
}

function diskOf(inst: InstanceData): number {
  const meta = inst.diskTemplate === 'drbd' ? DRBD_META_MIB : 0;
  return inst.disks.reduce((s, d) => s + d.size + meta, 0);
}

/** The usable node with the most of `key` free that fits `need`, or the hail failure text. */
function best(tally: Tally, candidates: NodeData[], key: 'mem' | 'disk', need: number): NodeData | string {
  if (candidates.length === 0) return 'no nodes available';
  const fit = candidates.filter((n) => tally[key](n.name) >= need);
  if (fit.length === 0) return `Allocation failed: ${key === 'mem' ? 'FailMem' : 'FailDisk'}`;
  return [...fit].sort((a, b) => tally[key](b.name) - tally[key](a.name) || niceCompare(a.name, b.name))[0] as NodeData;
}

/** iMoveToJob's migration for a failover move (`opF`); `target` for FailoverToAny. */
function migrateOp(parent: OpInput, inst: InstanceData, target: string | null): OpCode {
  return childOp(parent, 'OP_INSTANCE_MIGRATE', {
    instance_name: inst.name,
    target_node: target,
    allow_runtime_changes: false,
    ignore_ipolicy: false,
    cleanup: false,
    allow_failover: true,
    ignore_hvversions: true,
  });
}

/** iMoveToJob's `opR`: replace the secondary by `node`. */
function replaceOp(parent: OpInput, inst: InstanceData, node: string, earlyRelease: boolean): OpCode {
  return childOp(parent, 'OP_INSTANCE_REPLACE_DISKS', {
    instance_name: inst.name,
    early_release: earlyRelease,
    ignore_ipolicy: false,
    mode: 'replace_new_secondary',
    disks: [],
    remote_node: node,
  });
}

interface Move {
  ops: OpCode[];
  nodes: string[];
  group: string;
}

/** Evacuate.hs evacOneNodeOnly / nodeEvacInstance for one instance in one group. */
function planOne(
  tally: Tally,
  parent: OpInput,
  inst: InstanceData,
  mode: 'primary' | 'secondary' | 'all',
  group: string,
  exclude: ReadonlySet<string>,
  earlyRelease: boolean,
): Move | string {
  const t = inst.diskTemplate;
  if (t === 'plain' || t === 'file') return `Instances of type ${t} cannot be relocated`;
  const mem = memOf(inst);
  const disk = diskOf(inst);
  if (t !== 'drbd') {
    if (mode === 'secondary') return `Instances with disk template '${t}' can't execute change secondary`;
    const target = best(tally, tally.usable(group, new Set([...exclude, inst.primaryNode])), 'mem', mem);
    if (typeof target === 'string') return `Can't find any good node: ${target}`;
    tally.add(inst.primaryNode, mem, 0);
    tally.add(target.name, -mem, 0);
    return { ops: [migrateOp(parent, inst, target.name)], nodes: [target.name], group };
  }
  const secondary = inst.secondaryNodes[0] ?? '';
  if (mode === 'primary') {
    const sNode = tally.nodes.find((n) => n.name === secondary);
    if (!sNode || sNode.offline || !sNode.live) return 'FailN1';
    if (tally.mem(secondary) < mem) return 'FailMem';
    tally.add(inst.primaryNode, mem, 0);
    tally.add(secondary, -mem, 0);
    return { ops: [migrateOp(parent, inst, null)], nodes: [secondary, inst.primaryNode], group };
  }
  if (mode === 'secondary') {
    const target = best(tally, tally.usable(group, new Set([...exclude, inst.primaryNode, secondary])), 'disk', disk);
    if (typeof target === 'string') return `Can't find any good node: ${target}`;
    tally.add(secondary, 0, disk);
    tally.add(target.name, 0, -disk);
    return { ops: [replaceOp(parent, inst, target.name, earlyRelease)], nodes: [inst.primaryNode, target.name], group };
  }
  // ChangeAll into another group: r:p, f, r:s.
  const pool = tally.usable(group, exclude);
  const p = best(
    tally,
    pool.filter((n) => tally.disk(n.name) >= disk),
    'mem',
    mem,
  );
  if (typeof p === 'string') return `Can't find any good nodes for relocation: ${p}`;
  const s = best(
    tally,
    pool.filter((n) => n.name !== p.name),
    'disk',
    disk,
  );
  if (typeof s === 'string') return `Can't find any good nodes for relocation: ${s}`;
  tally.add(inst.primaryNode, mem, disk);
  tally.add(secondary, 0, disk);
  tally.add(p.name, -mem, -disk);
  tally.add(s.name, 0, -disk);
  return {
    ops: [replaceOp(parent, inst, p.name, earlyRelease), migrateOp(parent, inst, null), replaceOp(parent, inst, s.name, earlyRelease)],
    nodes: [p.name, s.name],
    group,
  };
}

/** LoadNodeEvacResult: refuses on any failure, logs the moves, answers the jobs. */
function loadResult(ctx: OpContext, moved: Array<[InstanceData, Move]>, failed: Array<[string, string]>, useNodes: boolean): OpCode[][] {
  if (failed.length > 0) {
    const why = commaJoin(failed.map(([name, reason]) => `${name} (${reason})`));
    warn(ctx, `Unable to evacuate instances ${why}`);
    throw new OpExecError(`Unable to evacuate instances ${why}`);
  }
  if (moved.length > 0) {
    info(
      ctx,
      `Instances to be moved: ${commaJoin(moved.map(([inst, m]) => `${inst.name} (to ${useNodes ? commaJoin(m.nodes) : m.group})`))}`,
    );
  }
  return moved.map(([, m]) => m.ops);
}

/** IAReqNodeEvac: the jobs that move `instances` off `node` within its group. */
export function nodeEvacJobs(
  ctx: OpContext,
  parent: OpInput,
  iallocator: string,
  mode: 'primary' | 'secondary',
  instances: InstanceData[],
  node: NodeData,
  earlyRelease: boolean,
): OpCode[][] {
  checkIAllocatorExists(iallocator);
  const tally = new Tally(ctx.cluster.nodes);
  const moved: Array<[InstanceData, Move]> = [];
  const failed: Array<[string, string]> = [];
  for (const inst of instances) {
    const group = ctx.cluster.nodes.find((n) => n.name === inst.primaryNode)?.group ?? node.group;
    const r = planOne(tally, parent, inst, mode, group, new Set([node.name]), earlyRelease);
    if (typeof r === 'string') failed.push([inst.name, r]);
    else moved.push([inst, r]);
  }
  return loadResult(ctx, moved, failed, true);
}

/** IAReqGroupChange: the jobs that move `instances` into one of `targets` (group names). */
export function changeGroupJobs(
  ctx: OpContext,
  parent: OpInput,
  iallocator: string,
  instances: InstanceData[],
  targets: string[],
  earlyRelease: boolean,
): OpCode[][] {
  checkIAllocatorExists(iallocator);
  const tally = new Tally(ctx.cluster.nodes);
  const policyRank = (g: string) => {
    const p = ctx.cluster.groups.find((x) => x.name === g)?.allocPolicy;
    return p === 'preferred' ? 0 : p === 'last_resort' ? 1 : 2;
  };
  const order = targets.filter((g) => policyRank(g) < 2).sort((a, b) => policyRank(a) - policyRank(b));
  const moved: Array<[InstanceData, Move]> = [];
  const failed: Array<[string, string]> = [];
  for (const inst of instances) {
    let first = 'no target groups available';
    let done: Move | null = null;
    for (const g of order) {
      const r = planOne(tally, parent, inst, 'all', g, new Set(), earlyRelease);
      if (typeof r !== 'string') {
        done = r;
        break;
      }
      if (first === 'no target groups available') first = r;
    }
    if (done) moved.push([inst, done]);
    else failed.push([inst.name, first]);
  }
  return loadResult(ctx, moved, failed, false);
}
