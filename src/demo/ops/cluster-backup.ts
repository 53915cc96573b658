/**
 * The backup opcodes (Ganeti 3.0 lib/cmdlib/backup.py): OP_BACKUP_PREPARE,
 * OP_BACKUP_EXPORT and OP_BACKUP_REMOVE. Exports live in ClusterData.exports (node name ->
 * instance names), which the export query (QueryExports, gnt-backup list) reads.
 */
import { randomBytes } from 'node:crypto';
import { OpPrereqError } from '../../errors.js';
import type { InstanceData } from '../cluster.js';
import { ECODE, expandName, findInstance, findNode, prereq } from './common.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';
import { checkNodeNotDrained, checkNodeOnline, filledHv, nodeNamed, reaccount } from './instance-model.js';
import { warn } from './lu-support.js';

/** constants.RIE_VERSION: the remote import/export protocol version. */
const RIE_VERSION = 0;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * OP_BACKUP_PREPARE (LUBackupPrepare): null for a local export; for a remote one the
 * handshake the destination needs, `{handshake: [version, hmac, salt], x509_key_name:
 * [name, hmac, salt], x509_ca: pem}`. The demo's HMACs and certificate are made up.
 * @throws OpPrereqError "Instance 'x' not known" (unknown_entity), "Can't use offline node: n" (wrong_state).
 */
function backupPrepare(op: OpInput, ctx: OpContext): unknown {
  const inst = findInstance(ctx, op['instance_name']);
  checkNodeOnline(nodeNamed(ctx.cluster, inst.primaryNode));
  if (ctx.dryRun || op['mode'] !== 'remote') return null;
  ctx.log(`Generating X509 certificate on ${inst.primaryNode}`);
  const salt = hex(4);
  const keyName = `x509-${ctx.now().toFixed(0)}-${hex(8)}`;
  const body = Buffer.from(`demo X509 certificate for ${keyName}`).toString('base64');
  return {
    handshake: [RIE_VERSION, hex(20), hex(4)],
    x509_key_name: [keyName, hex(20), salt],
    x509_ca: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
  };
}

/** LUBackupExport.CheckArguments: the remote export's key and CA, zeroing's preconditions. */
function checkExportArguments(op: OpInput): void {
  if (op['mode'] === 'remote') {
    if (!op['x509_key_name']) throw new OpPrereqError('Missing X509 key name for encryption', ECODE.inval);
    if (!op['destination_x509_ca']) throw new OpPrereqError('Missing destination X509 CA', ECODE.inval);
  }
  if (op['zero_free_space'] === true && !op['compress']) throw prereq('Zeroing free space does not make sense unless compression is used');
  if (op['zero_free_space'] === true && op['shutdown'] !== true) throw prereq('Unless the instance is shut down, zeroing cannot be used.');
}

/** LUBackupExport.CheckPrereq's zeroing checks. */
function checkZeroing(op: OpInput, ctx: OpContext, inst: InstanceData): void {
  if (op['zero_free_space'] === true) {
    const hv = filledHv(ctx.cluster, inst);
    if (inst.hypervisor === 'kvm' && hv['user_shutdown'] !== true) {
      throw new OpPrereqError('Instance shutdown detection must be enabled for zeroing to work', ECODE.inval);
    }
    if ('boot_order' in hv && hv['boot_order'] !== 'disk') {
      throw new OpPrereqError('Booting from disk must be set for zeroing to work', ECODE.inval);
    }
    if (!ctx.cluster.info['zeroing_image']) throw new OpPrereqError('A zeroing image must be set for zeroing to work', ECODE.inval);
  } else if (op['zeroing_timeout_fixed'] !== undefined || op['zeroing_timeout_per_mib'] !== undefined) {
    throw new OpPrereqError('Zeroing timeout options can only be used only with the --zero-free-space option', ECODE.inval);
  }
  if (op['long_sleep'] === true && op['shutdown'] !== true) {
    throw new OpPrereqError('The long sleep option only makes sense when the instance can be shut down.', ECODE.inval);
  }
}

/** LUBackupExport's remote-mode checks of the destination data (the demo does not check HMACs). */
function checkRemoteTarget(op: OpInput, inst: InstanceData): void {
  const target = Array.isArray(op['target_node']) ? (op['target_node'] as unknown[]) : [];
  if (target.length !== inst.disks.length) {
    throw new OpPrereqError(
      `Received destination information for ${target.length} disks, but instance ${String(op['instance_name'])} has ${inst.disks.length} disks`,
      ECODE.inval,
    );
  }
  const key = op['x509_key_name'];
  if (!Array.isArray(key) || key.length !== 3) {
    const got = Array.isArray(key) ? key.length : 0;
    const why = Array.isArray(key)
      ? got < 3
        ? `not enough values to unpack (expected 3, got ${got})`
        : 'too many values to unpack (expected 3)'
      : `cannot unpack non-iterable ${typeof key === 'string' ? 'str' : 'int'} object`;
    throw new OpPrereqError(`Invalid data for X509 key name: ${why}`, ECODE.inval);
  }
}

/** instance_utils.py CheckCompressionTool. */
function checkCompression(ctx: OpContext, tool: unknown): void {
  const allowed = Array.isArray(ctx.cluster.info['compression_tools']) ? (ctx.cluster.info['compression_tools'] as string[]) : [];
  if (tool !== 'none' && !allowed.includes(String(tool))) {
    throw new OpPrereqError(`Compression tool not allowed, tools allowed are [${allowed.join(', ')}]`, ECODE.inval);
  }
}

/**
 * OP_BACKUP_EXPORT (LUBackupExport): `[finalize_status, [per-disk status]]`, all true on the
 * fake nodes. A local export lands on `target_node` and replaces the instance's exports on
 * every other node; `remove_instance` then removes the instance. The instance ends as it
 * started (a running one is stopped for the copy and started again).
 * @throws OpPrereqError as the LU: unknown instance or node, offline primary or target,
 *   drained target, removing a running instance without shutdown, bad remote data, zeroing.
 */
function backupExport(op: OpInput, ctx: OpContext): unknown {
  checkExportArguments(op);
  const inst = findInstance(ctx, op['instance_name']);
  const local = op['mode'] !== 'remote';
  const dst = local ? findNode(ctx, op['target_node']) : null;
  checkNodeOnline(nodeNamed(ctx.cluster, inst.primaryNode));
  if (op['remove_instance'] === true && inst.adminState === 'up' && op['shutdown'] !== true) {
    throw new OpPrereqError('Can not remove instance without shutting it down before', ECODE.state);
  }
  if (dst) {
    checkNodeOnline(dst);
    checkNodeNotDrained(dst);
  } else {
    checkRemoteTarget(op, inst);
  }
  checkZeroing(op, ctx, inst);
  checkCompression(ctx, op['compress']);
  if (ctx.dryRun) return null;

  const up = inst.adminState === 'up';
  if (op['shutdown'] === true) ctx.log(`Shutting down instance ${inst.name}`);
  if (!inst.disksActive) ctx.log(`Activating disks for ${inst.name}`);
  if (op['shutdown'] === true && up && op['remove_instance'] !== true) ctx.log(`Starting instance ${inst.name}`);
  if (dst) ctx.log(`Exporting ${inst.disks.length} disk(s) of ${inst.name} to ${dst.name}`);
  if (!inst.disksActive) ctx.log(`Deactivating disks for ${inst.name}`);
  const result: [boolean, boolean[]] = [true, inst.disks.map(() => true)];

  if (op['remove_instance'] === true) {
    ctx.log(`Removing instance ${inst.name}`);
    reaccount(ctx.cluster, inst, () => {
      ctx.cluster.instances.splice(ctx.cluster.instances.indexOf(inst), 1);
    });
  }
  if (dst) {
    const others = ctx.cluster.nodes.filter((n) => n.name !== dst.name);
    if (others.length > 0) ctx.log(`Removing old exports for instance ${inst.name}`);
    for (const n of others) {
      // An offline node's export list cannot be read; its old export stays (as in Ganeti).
      if (n.offline) continue;
      const list = ctx.cluster.exports[n.name];
      if (list?.includes(inst.name)) list.splice(list.indexOf(inst.name), 1);
      if (list && list.length === 0) delete ctx.cluster.exports[n.name];
    }
    const mine = ctx.cluster.exports[dst.name] ?? [];
    if (!mine.includes(inst.name)) mine.push(inst.name);
    ctx.cluster.exports[dst.name] = mine;
  }
  return result;
}

/**
 * OP_BACKUP_REMOVE (LUBackupRemove): drops the instance's exports from every reachable
 * node. An unknown instance name is taken as the export's (FQDN) name; when nothing is
 * found that way the LU only says so in the log. Answers null.
 */
function backupRemove(op: OpInput, ctx: OpContext): unknown {
  if (ctx.dryRun) return null;
  const given = String(op['instance_name']);
  const inst = expandName(ctx.cluster.instances, given);
  const name = inst?.name ?? given;
  let found = false;
  for (const n of ctx.cluster.nodes) {
    if (n.offline) {
      warn(ctx, `Failed to query node ${n.name} (continuing): Node is marked offline`);
      continue;
    }
    const list = ctx.cluster.exports[n.name];
    if (!list?.includes(name)) continue;
    found = true;
    list.splice(list.indexOf(name), 1);
    if (list.length === 0) delete ctx.cluster.exports[n.name];
  }
  if (!inst && !found) {
    ctx.log('Export not found. If trying to remove an export belonging to a deleted instance please use its Fully Qualified Domain Name.');
  }
  return null;
}

/** The backup executors, gathered into CLUSTER_OPS by cluster.ts. */
export const BACKUP_OPS: OpExecutors = {
  OP_BACKUP_PREPARE: backupPrepare,
  OP_BACKUP_EXPORT: backupExport,
  OP_BACKUP_REMOVE: backupRemove,
};
