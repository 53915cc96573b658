/**
 * The cluster-wide opcodes of the demo (Ganeti 3.0 lib/cmdlib/cluster/__init__.py) and
 * CLUSTER_OPS, which gathers them with the other executors this area owns: set-params
 * (cluster-params.ts), verification (cluster-verify.ts), queries and OS/ExtStorage
 * diagnose (cluster-query.ts), tags (cluster-tags.ts), backups (cluster-backup.ts) and the
 * test opcodes (cluster-test.ts). Changes go to `ctx.cluster.info`, which QueryClusterInfo
 * answers; Ganeti's cfg.Update of the cluster sets its mtime.
 */
import { OpExecError, OpPrereqError } from '../../errors.js';
import { BACKUP_OPS } from './cluster-backup.js';
import { CLUSTER_SET_PARAMS } from './cluster-params.js';
import { QUERY_OPS } from './cluster-query.js';
import { TAG_OPS } from './cluster-tags.js';
import { TEST_OPS } from './cluster-test.js';
import { VERIFY_OPS } from './cluster-verify.js';
import { ECODE, findInstance, asDict } from './common.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';
import { info, masterNode, nodeNdParams } from './lu-support.js';

/** The keys LUClusterQuery answers, in its order (QueryClusterInfo answers more). */
const CLUSTER_QUERY_KEYS = [
  'software_version',
  'protocol_version',
  'config_version',
  'os_api_version',
  'export_version',
  'vcs_version',
  'architecture',
  'name',
  'master',
  'default_hypervisor',
  'enabled_hypervisors',
  'hvparams',
  'os_hvp',
  'beparams',
  'osparams',
  'ipolicy',
  'nicparams',
  'ndparams',
  'diskparams',
  'candidate_pool_size',
  'max_running_jobs',
  'max_tracked_jobs',
  'mac_prefix',
  'master_netdev',
  'master_netmask',
  'use_external_mip_script',
  'volume_group_name',
  'drbd_usermode_helper',
  'file_storage_dir',
  'shared_file_storage_dir',
  'maintain_node_health',
  'ctime',
  'mtime',
  'uuid',
  'tags',
  'uid_pool',
  'default_iallocator',
  'default_iallocator_params',
  'reserved_lvs',
  'primary_ip_version',
  'prealloc_wipe_disks',
  'hidden_os',
  'blacklisted_os',
  'enabled_disk_templates',
  'install_image',
  'instance_communication_network',
  'compression_tools',
  'enabled_user_shutdown',
] as const;

/** Marks the cluster object changed (ConfigWriter.Update of the cluster). */
export function touchCluster(ctx: OpContext): void {
  ctx.cluster.info['mtime'] = ctx.now();
}

/** OP_CLUSTER_POST_INIT (LUClusterPostInit): true; notes an Open vSwitch without a link. */
function postInit(_op: OpInput, ctx: OpContext): unknown {
  const master = masterNode(ctx.cluster);
  const nd = master ? nodeNdParams(ctx.cluster, master) : {};
  if (nd['ovs'] === true && !nd['ovs_link']) {
    info(
      ctx,
      'No physical interface for OpenvSwitch was given. OpenvSwitch will not have an outside connection. This might not be what you want.',
    );
  }
  return ctx.dryRun ? null : true;
}

/**
 * OP_CLUSTER_DESTROY (LUClusterDestroy): refuses while other nodes or any instance remain;
 * otherwise answers the master's uuid, as the LU does. The demo keeps serving the data.
 * @throws OpPrereqError "There are still N node(s) in this cluster." / "... instance(s) ..." (wrong_input).
 */
function destroy(_op: OpInput, ctx: OpContext): unknown {
  const c = ctx.cluster;
  const master = masterNode(c);
  if (!master || c.nodes.length !== 1 || c.nodes[0] !== master) {
    throw new OpPrereqError(`There are still ${c.nodes.length - 1} node(s) in this cluster.`, ECODE.inval);
  }
  if (c.instances.length > 0) {
    throw new OpPrereqError(`There are still ${c.instances.length} instance(s) in this cluster.`, ECODE.inval);
  }
  return ctx.dryRun ? null : master.uuid;
}

/** OP_CLUSTER_QUERY (LUClusterQuery): the cluster dict, hypervisor parameters of enabled hypervisors only. */
function clusterQuery(_op: OpInput, ctx: OpContext): unknown {
  if (ctx.dryRun) return null;
  const src = structuredClone(ctx.cluster.info) as Record<string, unknown>;
  const enabled = Array.isArray(src['enabled_hypervisors']) ? (src['enabled_hypervisors'] as string[]) : [];
  const hvparams = asDict(src['hvparams']);
  src['hvparams'] = Object.fromEntries(enabled.map((hv) => [hv, hvparams[hv] ?? {}]));
  const osHvp: Record<string, unknown> = {};
  for (const [os, hvs] of Object.entries(asDict(src['os_hvp']))) {
    osHvp[os] = Object.fromEntries(Object.entries(asDict(hvs)).filter(([hv]) => enabled.includes(hv)));
  }
  src['os_hvp'] = osHvp;
  return Object.fromEntries(CLUSTER_QUERY_KEYS.map((k) => [k, src[k] ?? null]));
}

/**
 * OP_CLUSTER_REPAIR_DISK_SIZES (LUClusterRepairDiskSizes): `[[instance, disk index, "size"
 * | "spindles", new value], ...]`. The fake nodes report every disk at its recorded size,
 * so nothing changes; instances on offline nodes are skipped with the LU's warning.
 * @throws OpPrereqError "Instance 'x' not known" (unknown_entity).
 */
function repairDiskSizes(op: OpInput, ctx: OpContext): unknown {
  const names = Array.isArray(op['instances']) ? (op['instances'] as unknown[]) : [];
  const insts = names.length > 0 ? names.map((n) => findInstance(ctx, n)) : ctx.cluster.instances;
  if (ctx.dryRun) return null;
  const offline = new Set(ctx.cluster.nodes.filter((n) => n.offline).map((n) => n.name));
  const warned = new Set<string>();
  for (const inst of insts) {
    if (inst.disks.length === 0 || !offline.has(inst.primaryNode) || warned.has(inst.primaryNode)) continue;
    warned.add(inst.primaryNode);
    ctx.log(` - WARNING: Failure in blockdev_getdimensions call to node ${inst.primaryNode}, ignoring`);
  }
  return [];
}

/** A host name as netutils.Hostname accepts it (labels of letters, digits, '-' and '_'). */
const HOSTNAME_RE = /^[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*\.?$/i;

/**
 * OP_CLUSTER_RENAME (LUClusterRename): the new name. The demo resolves every well-formed
 * name and keeps the master IP, so only the name can change.
 * @throws OpPrereqError "Invalid hostname 'x'" (wrong_input) or "Neither the name nor the
 *   IP address of the cluster has changed" (wrong_input).
 */
function rename(op: OpInput, ctx: OpContext): unknown {
  const wanted = String(op['name']);
  if (!HOSTNAME_RE.test(wanted) || wanted.length > 255) throw new OpPrereqError(`Invalid hostname '${wanted}'`, ECODE.inval);
  const name = wanted.replace(/\.$/, '').toLowerCase();
  if (name === ctx.cluster.info.name) {
    throw new OpPrereqError('Neither the name nor the IP address of the cluster has changed', ECODE.inval);
  }
  if (ctx.dryRun) return null;
  ctx.cluster.info.name = name;
  touchCluster(ctx);
  return name;
}

/** OP_CLUSTER_REDIST_CONF (LUClusterRedistConf): rewrites the config (new mtime); null. */
function redistConf(_op: OpInput, ctx: OpContext): unknown {
  if (ctx.dryRun) return null;
  touchCluster(ctx);
  return null;
}

/**
 * OP_CLUSTER_ACTIVATE_MASTER_IP / OP_CLUSTER_DEACTIVATE_MASTER_IP: null; the fake master
 * node answers the RPC unless it is marked offline.
 * @throws OpExecError "Could not activate the master IP: Node is marked offline".
 */
const masterIp =
  (verb: 'activate' | 'deactivate') =>
  (_op: OpInput, ctx: OpContext): unknown => {
    if (ctx.dryRun) return null;
    if (masterNode(ctx.cluster)?.offline !== false) throw new OpExecError(`Could not ${verb} the master IP: Node is marked offline`);
    return null;
  };

/** ssh.py SSH_KEY_VALID_BITS: default and accepted sizes per key type. */
const SSH_KEY_BITS: Record<string, { default: number; valid: (bits: number) => boolean }> = {
  dsa: { default: 1024, valid: (b) => b === 1024 },
  rsa: { default: 2048, valid: (b) => b >= 768 },
  ecdsa: { default: 384, valid: (b) => [256, 384, 521].includes(b) },
};

/**
 * OP_CLUSTER_RENEW_CRYPTO (LUClusterRenewCrypto): null. Renewing SSH keys records the new
 * key type and size (when the cluster may modify the SSH setup).
 * @throws OpPrereqError "Invalid key type and bit size combination: T with N bits" (wrong_input).
 */
function renewCrypto(op: OpInput, ctx: OpContext): unknown {
  const c = ctx.cluster.info;
  const oldType = typeof c['ssh_key_type'] === 'string' ? c['ssh_key_type'] : null;
  const type = typeof op['ssh_key_type'] === 'string' ? op['ssh_key_type'] : (oldType ?? 'rsa');
  const spec = SSH_KEY_BITS[type] ?? SSH_KEY_BITS['rsa'];
  let bits = typeof op['ssh_key_bits'] === 'number' ? op['ssh_key_bits'] : null;
  if (bits === null) bits = oldType === type && typeof c['ssh_key_bits'] === 'number' ? c['ssh_key_bits'] : (spec?.default ?? 2048);
  if (!spec?.valid(bits)) throw new OpPrereqError(`Invalid key type and bit size combination: ${type} with ${bits} bits`, ECODE.inval);
  if (ctx.dryRun) return null;
  if (op['node_certificates'] === true) ctx.log('Renewing Node SSL certificates');
  if (op['renew_ssh_keys'] === true) {
    if (c['modify_ssh_setup'] === true) {
      ctx.log('Renewing SSH keys');
      c['ssh_key_type'] = type;
      c['ssh_key_bits'] = bits;
      touchCluster(ctx);
    } else {
      ctx.log('Cannot renew SSH keys if the cluster is configured to not modify the SSH setup.');
    }
  }
  return null;
}

/** Every executor of the cluster, query, OS, ExtStorage, backup, tags and test opcodes. */
export const CLUSTER_OPS: OpExecutors = {
  OP_CLUSTER_POST_INIT: postInit,
  OP_CLUSTER_DESTROY: destroy,
  OP_CLUSTER_QUERY: clusterQuery,
  OP_CLUSTER_REPAIR_DISK_SIZES: repairDiskSizes,
  OP_CLUSTER_RENAME: rename,
  OP_CLUSTER_SET_PARAMS: CLUSTER_SET_PARAMS,
  OP_CLUSTER_REDIST_CONF: redistConf,
  OP_CLUSTER_ACTIVATE_MASTER_IP: masterIp('activate'),
  OP_CLUSTER_DEACTIVATE_MASTER_IP: masterIp('deactivate'),
  OP_CLUSTER_RENEW_CRYPTO: renewCrypto,
  ...VERIFY_OPS,
  ...QUERY_OPS,
  ...TAG_OPS,
  ...BACKUP_OPS,
  ...TEST_OPS,
};
