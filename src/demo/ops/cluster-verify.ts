/**
 * Cluster verification on the fake nodes (Ganeti 3.0 lib/cmdlib/cluster/verify.py):
 * OP_CLUSTER_VERIFY and OP_CLUSTER_VERIFY_DISKS submit their follow-up jobs;
 * OP_CLUSTER_VERIFY_CONFIG and OP_CLUSTER_VERIFY_GROUP log Ganeti's report lines and answer
 * whether no error was found. What the demo can find: instances marked running on an
 * offline primary, offline secondaries, N+1 memory shortfalls and dangling references;
 * fake nodes never fail RPCs, certificates or file checks.
 */
import type { ClusterData, GroupData, InstanceData } from '../cluster.js';
import { byUuid, findGroup } from './common.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';
import { filledBe } from './instance-model.js';
import { childOp, resultWithJobs } from './lu-support.js';

/** A verify error descriptor (constants.CV_*): object type, code, description. */
type CvError = readonly [objectType: string, code: string];
const CV_ECLUSTERDANGLINGNODES: CvError = ['node', 'ECLUSTERDANGLINGNODES'];
const CV_ECLUSTERDANGLINGINST: CvError = ['node', 'ECLUSTERDANGLINGINST'];
const CV_EINSTANCEBADNODE: CvError = ['instance', 'EINSTANCEBADNODE'];
const CV_ENODEN1: CvError = ['node', 'ENODEN1'];

/** constants.DTS_MIRRORED. */
const MIRRORED = new Set(['drbd', 'sharedfile', 'rbd', 'gluster', 'diskless', 'ext', 'blockdev']);

/** verify.py _VerifyErrors: formats findings as the LU logs them and remembers an error. */
class Findings {
  bad = false;
  readonly #op: OpInput;
  readonly #ctx: OpContext;

  constructor(op: OpInput, ctx: OpContext) {
    this.#op = op;
    this.#ctx = ctx;
  }

  /** `_ErrorIf`: reports when `cond` holds, or always under debug_simulate_errors. */
  errorIf(cond: boolean, what: CvError, item: string | null, message: string): void {
    if (!cond && this.#op['debug_simulate_errors'] !== true) return;
    const [objectType, code] = what;
    const ignored = Array.isArray(this.#op['ignore_errors']) && (this.#op['ignore_errors'] as unknown[]).includes(code);
    const level = ignored ? 'WARNING' : 'ERROR';
    // With error_codes Python formats the item with %s, so a missing one reads "None".
    const line =
      this.#op['error_codes'] === true
        ? `  - ${level}:${code}:${objectType}:${item ?? 'None'}:${message}`
        : `  - ${level}: ${objectType} ${item ?? ''}: ${message}`;
    this.#ctx.log(line);
    if (!ignored) this.bad = true;
  }
}

/**
 * OP_CLUSTER_VERIFY (LUClusterVerify): submits OP_CLUSTER_VERIFY_CONFIG and one
 * OP_CLUSTER_VERIFY_GROUP per group (each depending on the config job), or only the named
 * group's job; answers `{"jobs": [[true, id], ...]}`. The group name is not checked here:
 * the group job fails on an unknown one.
 */
function clusterVerify(op: OpInput, ctx: OpContext): unknown {
  if (ctx.dryRun) return null;
  const common = {
    debug_simulate_errors: op['debug_simulate_errors'],
    verbose: op['verbose'],
    error_codes: op['error_codes'],
    ignore_errors: op['ignore_errors'],
  };
  const groupJob = (group: string, depends: unknown) =>
    childOp(op, 'OP_CLUSTER_VERIFY_GROUP', {
      group_name: group,
      depends,
      verify_clutter: op['verify_clutter'],
      skip_checks: op['skip_checks'],
      ...common,
    });
  const group = op['group_name'];
  if (typeof group === 'string' && group !== '') return resultWithJobs(ctx, [[groupJob(group, null)]]);
  // verify.py extends the job list while it builds the group jobs, so job i depends on
  // the job -(i + 1) places back: always the config job.
  const jobs = [[childOp(op, 'OP_CLUSTER_VERIFY_CONFIG', common)]];
  byUuid(ctx.cluster.groups).forEach((g, i) => {
    jobs.push([groupJob(g.uuid, [[-(i + 1), []]])]);
  });
  return resultWithJobs(ctx, jobs);
}

/** OP_CLUSTER_VERIFY_CONFIG (LUClusterVerifyConfig): true when the configuration is sound. */
function verifyConfig(op: OpInput, ctx: OpContext): unknown {
  if (ctx.dryRun) return null;
  const f = new Findings(op, ctx);
  const c = ctx.cluster;
  ctx.log('* Verifying cluster config');
  ctx.log('* Verifying cluster certificate files');
  ctx.log('* Verifying hypervisor parameters');
  ctx.log('* Verifying all nodes belong to an existing group');
  const groups = new Set(c.groups.map((g) => g.name));
  const nodes = new Set(c.nodes.map((n) => n.name));
  const dangling = c.nodes.filter((n) => !groups.has(n.group));
  const pretty = dangling.map(
    (n) =>
      `${n.name} (${c.instances
        .filter((i) => i.primaryNode === n.name)
        .map((i) => i.name)
        .join(', ')})`,
  );
  f.errorIf(
    dangling.length > 0,
    CV_ECLUSTERDANGLINGNODES,
    null,
    `the following nodes (and their instances) belong to a non existing group: ${pretty.join(', ')}`,
  );
  const homeless = c.instances.filter((i) => !nodes.has(i.primaryNode));
  f.errorIf(
    homeless.length > 0,
    CV_ECLUSTERDANGLINGINST,
    null,
    `the following instances have a non-existing primary-node: ${homeless.map((i) => i.name).join(', ')}`,
  );
  return !f.bad;
}

/** The N+1 check of one group (verify.py _VerifyNPlusOneMemory). */
function checkNPlusOne(f: Findings, cluster: ClusterData, group: GroupData): void {
  for (const node of cluster.nodes) {
    if (node.offline || node.group !== group.name || !node.live) continue;
    const byPrimary = new Map<string, InstanceData[]>();
    for (const inst of cluster.instances) {
      if (!inst.secondaryNodes.includes(node.name)) continue;
      byPrimary.set(inst.primaryNode, [...(byPrimary.get(inst.primaryNode) ?? []), inst]);
    }
    for (const [primary, insts] of byPrimary) {
      let needed = 0;
      for (const inst of insts) {
        const be = filledBe(cluster, inst);
        if (be['auto_balance'] !== false) needed += Number(be['minmem'] ?? 0);
      }
      f.errorIf(
        node.live.mfree < needed,
        CV_ENODEN1,
        node.name,
        `not enough memory to accomodate instance failovers should node ${primary} fail (${needed}MiB needed, ${node.live.mfree}MiB available)`,
      );
    }
  }
}

/**
 * OP_CLUSTER_VERIFY_GROUP (LUClusterVerifyGroup): true when the group shows no error.
 * @throws OpPrereqError "Node group 'x' not found" (unknown_entity).
 */
function verifyGroup(op: OpInput, ctx: OpContext): unknown {
  const group = findGroup(ctx, op['group_name']);
  if (ctx.dryRun) return null;
  const c = ctx.cluster;
  ctx.log(`* Verifying group '${group.name}'`);
  const members = c.nodes.filter((n) => n.group === group.name);
  if (members.length === 0) {
    ctx.log('* Empty node group, skipping verification');
    return true;
  }
  const f = new Findings(op, ctx);
  const verbose = op['verbose'] === true;
  const byName = new Map(c.nodes.map((n) => [n.name, n]));
  const insts = c.instances.filter((i) => byName.get(i.primaryNode)?.group === group.name);
  ctx.log(`* Gathering data (${members.length} nodes)`);
  ctx.log('* Verifying node status');
  let nOffline = 0;
  let nDrained = 0;
  for (const n of members) {
    if (n.offline) {
      if (verbose) ctx.log(`* Skipping offline node ${n.name}`);
      nOffline += 1;
      continue;
    }
    const role = n.name === c.info.master ? 'master' : n.masterCandidate ? 'master candidate' : n.drained ? 'drained' : 'regular';
    if (role === 'drained') nDrained += 1;
    if (verbose) ctx.log(`* Verifying node ${n.name} (${role})`);
  }
  ctx.log('* Verifying instance status');
  let iOffline = 0;
  const nonRedundant: InstanceData[] = [];
  const nonBalanced: InstanceData[] = [];
  for (const inst of insts) {
    if (verbose) ctx.log(`* Verifying instance ${inst.name}`);
    if (inst.adminState === 'offline') iOffline += 1;
    const pnode = byName.get(inst.primaryNode);
    f.errorIf(
      inst.adminState === 'up' && pnode?.offline === true,
      CV_EINSTANCEBADNODE,
      inst.name,
      `instance is marked as running and lives on offline node ${inst.primaryNode}`,
    );
    const offlineSecondaries = inst.secondaryNodes.filter((s) => byName.get(s)?.offline);
    f.errorIf(
      offlineSecondaries.length > 0,
      CV_EINSTANCEBADNODE,
      inst.name,
      `instance has offline secondary node(s) ${offlineSecondaries.join(', ')}`,
    );
    if (!MIRRORED.has(inst.diskTemplate)) nonRedundant.push(inst);
    if (filledBe(c, inst)['auto_balance'] === false) nonBalanced.push(inst);
  }
  const skip = Array.isArray(op['skip_checks']) ? (op['skip_checks'] as unknown[]) : [];
  if (!skip.includes('nplusone_mem')) {
    ctx.log('* Verifying N+1 Memory redundancy');
    checkNPlusOne(f, c, group);
  }
  ctx.log('* Other Notes');
  if (nonRedundant.length > 0) ctx.log(`  - NOTICE: ${nonRedundant.length} non-redundant instance(s) found.`);
  if (nonBalanced.length > 0) ctx.log(`  - NOTICE: ${nonBalanced.length} non-auto-balanced instance(s) found.`);
  if (iOffline > 0) ctx.log(`  - NOTICE: ${iOffline} offline instance(s) found.`);
  if (nOffline > 0) ctx.log(`  - NOTICE: ${nOffline} offline node(s) found.`);
  if (nDrained > 0) ctx.log(`  - NOTICE: ${nDrained} drained node(s) found.`);
  return !f.bad;
}

/**
 * OP_CLUSTER_VERIFY_DISKS (LUClusterVerifyDisks): one OP_GROUP_VERIFY_DISKS job per group
 * (or for the named group); no job when every instance uses ext storage.
 * @throws OpPrereqError "Node group 'x' not found" (unknown_entity).
 */
function verifyDisks(op: OpInput, ctx: OpContext): unknown {
  const named = op['group_name'];
  const groups = typeof named === 'string' && named !== '' ? [findGroup(ctx, named)] : byUuid(ctx.cluster.groups);
  if (ctx.dryRun) return null;
  if (ctx.cluster.instances.every((i) => i.diskTemplate === 'ext')) return resultWithJobs(ctx, []);
  return resultWithJobs(
    ctx,
    groups.map((g) => [childOp(op, 'OP_GROUP_VERIFY_DISKS', { group_name: g.uuid })]),
  );
}

/** The verification executors, gathered into CLUSTER_OPS by cluster.ts. */
export const VERIFY_OPS: OpExecutors = {
  OP_CLUSTER_VERIFY: clusterVerify,
  OP_CLUSTER_VERIFY_CONFIG: verifyConfig,
  OP_CLUSTER_VERIFY_GROUP: verifyGroup,
  OP_CLUSTER_VERIFY_DISKS: verifyDisks,
};
