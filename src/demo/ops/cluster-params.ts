/**
 * OP_CLUSTER_SET_PARAMS (Ganeti 3.0 lib/cmdlib/cluster/__init__.py LUClusterSetParams) over
 * the cluster info dict: the checks of CheckArguments and CheckPrereq in the LU's order,
 * then every given parameter applied to the info key QueryClusterInfo shows. Checks that
 * need node RPCs (volume groups, DRBD helpers, hypervisor and OS parameter syntax) pass on
 * the fake nodes.
 */
import { ConfigurationError, OpExecError, OpPrereqError } from '../../errors.js';
import type { IPolicy } from '../cluster.js';
import { asDict, asList, ECODE, isGiven, prereq } from './common.js';
import type { OpContext, OpExecutor, OpInput } from './context.js';
import { LVM_TEMPLATES, upgradeBeParams } from './instance-model.js';
import {
  adjustCandidatePool,
  BE_TYPES,
  childOp,
  commaJoin,
  DISK_DT_TYPES,
  forceDictType,
  ND_TYPES,
  NIC_TYPES,
  param,
  resultWithJobs,
  updatedIPolicy,
  updatedParams,
  verifyDiskState,
  verifyHvState,
  warn,
} from './lu-support.js';

type Dict = Record<string, unknown>;

const NIC_MODES = ['bridged', 'routed', 'openvswitch'];
/** constants.UIDPOOL_UID_MIN / MAX. */
const UID_MIN = 0;
const UID_MAX = 4294967295;
/** The iallocators installed on the fake master (constants.IALLOCATOR_SEARCH_PATH). */
const IALLOCATORS = ['hail'];

/** uidpool.CheckUidPool. */
function checkUidPool(pool: unknown): void {
  for (const range of asList(pool)) {
    const [lower, higher] = asList(range) as number[];
    if (lower === undefined || higher === undefined) continue;
    if (lower > higher) {
      throw new OpPrereqError(
        `Lower user-id range boundary value (${lower}) is larger than higher boundary value (${higher})`,
        ECODE.inval,
      );
    }
    if (lower < UID_MIN) {
      throw new OpPrereqError(`Lower user-id range boundary value (${lower}) is smaller than UIDPOOL_UID_MIN (${UID_MIN}).`, ECODE.inval);
    }
    if (higher > UID_MAX) {
      throw new OpPrereqError(`Higher user-id range boundary value (${higher}) is larger than UIDPOOL_UID_MAX (${UID_MAX}).`, ECODE.inval);
    }
  }
}

const uidRanges = (v: unknown): Array<[number, number]> => asList(v).map((r) => [Number(asList(r)[0]), Number(asList(r)[1])]);

/** uidpool.AddToUidPool / RemoveFromUidPool. */
function addUids(pool: Array<[number, number]>, add: Array<[number, number]>): void {
  for (const r of add) if (!pool.some((p) => p[0] === r[0] && p[1] === r[1])) pool.push(r);
}
function removeUids(pool: Array<[number, number]>, remove: Array<[number, number]>): void {
  for (const r of remove) {
    const at = pool.findIndex((p) => p[0] === r[0] && p[1] === r[1]);
    if (at < 0)
      throw new OpPrereqError(`User-id range to be removed is not found in the current user-id pool: ${r[0]}-${r[1]}`, ECODE.inval);
    pool.splice(at, 1);
  }
}

/** utils.VerifyDictOptions over the cluster's disk parameter defaults, as the LU wraps it. */
function checkDiskParams(ctx: OpContext, diskparams: Dict): void {
  const defaults = asDict(ctx.cluster.info['diskparams']);
  const invalid: string[] = [];
  for (const [template, params] of Object.entries(diskparams)) {
    forceDictType(params, DISK_DT_TYPES);
    const known = asDict(defaults[template]);
    for (const k of Object.keys(asDict(params))) if (!(k in known)) invalid.push(`${template}/${k}`);
  }
  if (invalid.length > 0) {
    throw new OpPrereqError(
      `While verify diskparams options: ('Provided option keys not supported: ${commaJoin(invalid)}', 'wrong_input')`,
      ECODE.inval,
    );
  }
}

/** common.py CheckIpolicyVsDiskTemplates. */
function checkIPolicyTemplates(ipolicy: IPolicy, enabled: readonly string[]): void {
  const notEnabled = ipolicy['disk-templates'].filter((t) => !enabled.includes(t)).sort();
  if (notEnabled.length > 0) {
    throw new OpPrereqError(
      `The following disk templates are allowed by the ipolicy, but not enabled on the cluster: ${commaJoin(notEnabled)}`,
      ECODE.inval,
    );
  }
}

/** LUClusterSetParams._CheckInstancesOfDisabledDiskTemplates. */
function checkDisabledTemplates(ctx: OpContext, disabled: readonly string[]): void {
  for (const template of disabled) {
    const users = ctx.cluster.instances.filter((i) => i.diskTemplate === template && i.disks.length > 0);
    if (users.length > 0) {
      const desc = users.flatMap((i) => i.disks.map((d, idx) => `disk/${idx} ${d.uuid} (on ${i.name})`));
      throw new OpPrereqError(
        `Cannot disable disk template '${template}', because there is at least one disk using it:\n * ${desc.join('\n * ')}`,
        ECODE.state,
      );
    }
  }
  if (disabled.includes('diskless')) {
    const inst = ctx.cluster.instances.find((i) => i.disks.length === 0);
    if (inst) {
      throw new OpPrereqError(
        `Cannot disable disk template 'diskless', because there is at least one instance using it:\n * ${inst.name}`,
        ECODE.state,
      );
    }
  }
}

/** objects.NIC.CheckParameterSyntax plus the LU's routed-needs-an-IP check over every NIC. */
function checkNicParams(ctx: OpContext, nicparams: Dict): void {
  const mode = String(nicparams['mode']);
  if (!NIC_MODES.includes(mode)) throw new ConfigurationError(`Invalid NIC mode '${mode}'`);
  if (mode === 'bridged' && !nicparams['link']) throw new ConfigurationError('Missing bridged NIC link');
  const problems: string[] = [];
  for (const inst of ctx.cluster.instances) {
    inst.nics.forEach((nic, idx) => {
      // The demo keeps each NIC's mode and link filled in, so they win over the new defaults.
      const target = nic.mode || mode;
      if (target === 'routed' && !nic.ip) problems.push(`Instance ${inst.name}, nic/${idx}: routed NIC with no ip address`);
    });
  }
  if (problems.length > 0) throw new OpPrereqError(`Cannot apply the change, errors:\n${problems.join('\n')}`, ECODE.inval);
}

/** LUClusterSetParams._CheckVgName (the node-side VG size check passes on fake nodes). */
function checkVgName(ctx: OpContext, op: OpInput, enabled: readonly string[]): void {
  const lvm = enabled.some((t) => LVM_TEMPLATES.has(t));
  const vg = op['vg_name'];
  if (vg === '' && lvm) {
    throw new OpPrereqError('Cannot unset volume group if lvm-based disk templates are or get enabled.', ECODE.inval);
  }
  if (!isGiven(op, 'vg_name') && !ctx.cluster.info['volume_group_name'] && lvm) {
    throw new OpPrereqError('Please specify a volume group when enabling lvm-based disk-templates.', ECODE.inval);
  }
  if (vg === '' && ctx.cluster.instances.some((i) => i.diskTemplate === 'plain')) {
    throw new OpPrereqError('Cannot disable lvm storage while lvm-based instances exist', ECODE.inval);
  }
}

/** LUClusterSetParams._CheckDrbdHelper (the helper exists on every fake node). */
function checkDrbdHelper(ctx: OpContext, op: OpInput, enabled: readonly string[], newlyEnabled: readonly string[]): void {
  if (op['drbd_helper'] === '') {
    if (enabled.includes('drbd')) throw new OpPrereqError('Cannot disable drbd helper while DRBD is enabled.', ECODE.state);
    if (ctx.cluster.instances.some((i) => i.diskTemplate === 'drbd')) {
      throw new OpPrereqError('Cannot disable drbd helper while drbd-based instances exist', ECODE.inval);
    }
  } else if (!isGiven(op, 'drbd_helper') && newlyEnabled.includes('drbd') && !ctx.cluster.info['drbd_usermode_helper']) {
    throw new OpPrereqError('Cannot enable DRBD without a DRBD usermode helper set.', ECODE.state);
  }
}

/** The checks of CheckArguments, in the LU's order. */
function checkArguments(op: OpInput): void {
  for (const key of ['uid_pool', 'add_uids', 'remove_uids']) if (asList(op[key]).length > 0) checkUidPool(op[key]);
  if (op['mac_prefix'] && !/^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/.test(String(op['mac_prefix']))) {
    throw new OpPrereqError(`Invalid MAC address prefix '${String(op['mac_prefix'])}'`, ECODE.inval);
  }
  if (isGiven(op, 'master_netmask') && !(Number(op['master_netmask']) >= 0 && Number(op['master_netmask']) <= 32)) {
    throw new OpPrereqError(`CIDR netmask (${String(op['master_netmask'])}) not valid`, ECODE.inval);
  }
  const image = op['install_image'];
  if (typeof image === 'string' && image !== '' && !image.startsWith('/') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(image)) {
    throw prereq('Install image must be an absolute path or a URL');
  }
}

/** cluster/__init__.py CheckCompressionTools. */
function checkCompressionTools(tools: readonly string[]): void {
  const illegal = tools.filter((t) => !/^[-_a-zA-Z0-9]+$/.test(t));
  if (illegal.length > 0) {
    throw new OpPrereqError(
      `The tools '${illegal.join(', ')}' contain illegal characters: only alphanumeric values, dashes, and underscores are allowed`,
      ECODE.inval,
    );
  }
  if (!tools.includes('gzip'))
    throw new OpPrereqError('For compatibility reasons, the gzip utility must be present among the compression tools', ECODE.inval);
  if (tools.includes('none'))
    throw new OpPrereqError('none is a reserved value used for no compression, and cannot be used as the name of a tool', ECODE.inval);
}

/** The `(add|remove, os)` modifications of hidden_os / blacklisted_os. */
function modifyOsList(ctx: OpContext, target: string[], mods: unknown, desc: string): void {
  for (const mod of asList(mods)) {
    const [action, os] = asList(mod) as [string, string];
    if (action === 'add') {
      if (target.includes(os)) ctx.log(`OS ${os} already in ${desc} OS list, ignoring`);
      else target.push(os);
    } else if (target.includes(os)) {
      target.splice(target.indexOf(os), 1);
    } else {
      ctx.log(`OS ${os} not found in ${desc} OS list, ignoring`);
    }
  }
}

/**
 * The instance communication network change (_ModifyInstanceCommunicationNetwork): the
 * OP_NETWORK_ADD / OP_NETWORK_CONNECT jobs that make it exist and reach every group.
 */
function communicationNetwork(op: OpInput, ctx: OpContext, name: string): unknown {
  const info = ctx.cluster.info;
  if (name === info['instance_communication_network']) {
    ctx.log(`Instance communication network already is '${name}', nothing to do.`);
    return null;
  }
  const previous = String(info['instance_communication_network'] ?? '');
  if (ctx.cluster.networks.some((n) => n.name === previous))
    ctx.log(`Previous instance communication network '${previous}' should be removed manually.`);
  ctx.log(
    name
      ? `Changing instance communication network to '${name}', only new instances will be affected.`
      : 'Disabling instance communication network, only new instances will be affected.',
  );
  info['instance_communication_network'] = name;
  if (!name) return null;
  const net = ctx.cluster.networks.find((n) => n.name === name);
  const jobs = [];
  // Ganeti's defaults for that network (constants INSTANCE_COMMUNICATION_*).
  if (!net) {
    jobs.push(
      childOp(op, 'OP_NETWORK_ADD', {
        network_name: name,
        network: '169.254.0.0/16',
        mac_prefix: '52:54:00',
        conflicts_check: true,
        tags: [],
      }),
    );
  }
  for (const g of [...ctx.cluster.groups].sort((a, b) => (a.uuid < b.uuid ? -1 : 1))) {
    if (net && name in g.networks) continue;
    jobs.push(
      childOp(op, 'OP_NETWORK_CONNECT', {
        group_name: g.uuid,
        network_name: name,
        network_mode: 'routed',
        network_link: 'communication_rt',
        network_vlan: '',
        conflicts_check: true,
      }),
    );
  }
  return jobs.length === 0 ? null : resultWithJobs(ctx, [jobs]);
}

/**
 * OP_CLUSTER_SET_PARAMS (LUClusterSetParams): null, or `{"jobs": [...]}` when the instance
 * communication network needs creating or connecting.
 * @throws OpPrereqError, TypeEnforcementError, ConfigurationError with the LU's texts.
 */
export const CLUSTER_SET_PARAMS: OpExecutor = (op, ctx) => {
  const info = ctx.cluster.info;
  checkArguments(op);
  if (isGiven(op, 'diskparams')) checkDiskParams(ctx, asDict(op['diskparams']));

  const old = asList(info['enabled_disk_templates']).map(String);
  const wantedTemplates = asList(op['enabled_disk_templates']).map(String);
  const enabled = wantedTemplates.length > 0 ? wantedTemplates : old;
  const newlyEnabled = wantedTemplates.filter((t) => !old.includes(t));
  const disabled = wantedTemplates.length > 0 ? old.filter((t) => !wantedTemplates.includes(t)) : [];
  checkDisabledTemplates(ctx, disabled);
  checkVgName(ctx, op, enabled);
  checkDrbdHelper(ctx, op, enabled, newlyEnabled);
  if (isGiven(op, 'diskparams') && 'drbd' in asDict(op['diskparams'])) {
    warn(ctx, 'Changing DRBD parameters only affects devices created in the future, not existing ones');
    warn(ctx, 'You need to shutdown and start (not reboot!) existing instances to adopt the changes');
    warn(ctx, 'Alternatively you can swap the secondary node by running `gnt-instance replace-disks --new-secondary $instance`');
  }
  const beparams = asDict(op['beparams']);
  const newBe = Object.keys(beparams).length > 0 ? forceDictType(upgradeBeParams(beparams), BE_TYPES) : null;
  const ndparams = asDict(op['ndparams']);
  const newNd = Object.keys(ndparams).length > 0 ? forceDictType(structuredClone(ndparams), ND_TYPES) : null;
  if (op['hv_state']) verifyHvState(op['hv_state']);
  if (op['disk_state']) verifyDiskState(op['disk_state']);
  const ipolicyUpdate = asDict(op['ipolicy']);
  const newIPolicy = Object.keys(ipolicyUpdate).length > 0 ? updatedIPolicy(info.ipolicy, ipolicyUpdate, false) : null;
  checkIPolicyTemplates(newIPolicy ?? info.ipolicy, enabled);
  const nicUpdate = asDict(op['nicparams']);
  let newNic: Dict | null = null;
  if (Object.keys(nicUpdate).length > 0) {
    forceDictType(nicUpdate, NIC_TYPES);
    newNic = { ...asDict(asDict(info['nicparams'])['default']), ...nicUpdate };
    checkNicParams(ctx, newNic);
  }
  const iallocator = op['default_iallocator'];
  if (typeof iallocator === 'string' && iallocator !== '' && !IALLOCATORS.includes(iallocator)) {
    throw new OpPrereqError(`Invalid default iallocator script '${iallocator}' specified`, ECODE.inval);
  }
  const tools = asList(op['compression_tools']).map(String);
  if (tools.length > 0) checkCompressionTools(tools);
  if (ctx.dryRun) return null;

  // Exec, in the LU's order.
  if (wantedTemplates.length > 0) info['enabled_disk_templates'] = [...wantedTemplates];
  if (isGiven(op, 'vg_name')) {
    const vg = op['vg_name'] === '' ? null : op['vg_name'];
    if (vg === info['volume_group_name']) ctx.log('Cluster LVM configuration already in desired state, not changing');
    else info['volume_group_name'] = vg;
  }
  for (const key of ['file_storage_dir', 'shared_file_storage_dir'] as const) {
    if (!isGiven(op, key)) continue;
    const label = key === 'file_storage_dir' ? 'Global file storage dir' : 'Global shared file storage dir';
    if (info[key] === op[key]) ctx.log(`${label} already set to value '${String(info[key])}'`);
    else info[key] = op[key];
  }
  if (isGiven(op, 'drbd_helper')) {
    if (!enabled.includes('drbd')) ctx.log('Note that you specified a drbd user helper, but did not enable the drbd disk template.');
    const helper = op['drbd_helper'] === '' ? null : op['drbd_helper'];
    if (helper === info['drbd_usermode_helper']) ctx.log('Cluster DRBD helper already in desired state, not changing');
    else info['drbd_usermode_helper'] = helper;
  }
  for (const [key, state] of [
    ['enabled_data_collectors', 'active'],
    ['data_collector_interval', 'interval'],
  ] as const) {
    const current = asDict(info[key]);
    for (const [name, v] of Object.entries(asDict(op[key]))) {
      // A collector Ganeti does not know is a KeyError in the LU's Exec.
      if (!(name in current)) throw new OpExecError(`'${name}'`);
      current[name] = state === 'interval' ? Math.trunc(Number(v)) : v;
    }
  }
  const hvparams = asDict(info['hvparams']);
  for (const [hv, params] of Object.entries(asDict(op['hvparams']))) hvparams[hv] = { ...asDict(hvparams[hv]), ...asDict(params) };
  if (isGiven(op, 'enabled_hypervisors')) {
    const hvs = asList(op['enabled_hypervisors']).map(String);
    info['enabled_hypervisors'] = hvs;
    info['default_hypervisor'] = hvs[0] ?? info['default_hypervisor'];
    // QueryClusterInfo shows the parameters of enabled hypervisors only.
    info['hvparams'] = Object.fromEntries(hvs.map((hv) => [hv, hvparams[hv] ?? {}]));
  }
  if (isGiven(op, 'os_hvp')) {
    const osHvp = asDict(info['os_hvp']);
    for (const [os, hvs] of Object.entries(asDict(op['os_hvp']))) {
      const cur = asDict(osHvp[os]);
      for (const [hv, params] of Object.entries(asDict(hvs))) {
        if (params === null) delete cur[hv];
        else cur[hv] = { ...asDict(cur[hv]), ...asDict(params) };
      }
      if (Object.keys(cur).length === 0) delete osHvp[os];
      else osHvp[os] = cur;
    }
    info['os_hvp'] = osHvp;
  }
  if (newBe) info['beparams'] = { ...asDict(info['beparams']), default: { ...asDict(asDict(info['beparams'])['default']), ...newBe } };
  if (newNic) info['nicparams'] = { ...asDict(info['nicparams']), default: newNic };
  if (newIPolicy) info.ipolicy = newIPolicy;
  if (isGiven(op, 'osparams')) {
    const osp = asDict(info['osparams']);
    for (const [os, params] of Object.entries(asDict(op['osparams']))) {
      const merged = updatedParams(asDict(osp[os]), asDict(params), true, true);
      if (Object.keys(merged).length === 0) delete osp[os];
      else osp[os] = merged;
    }
    info['osparams'] = osp;
  }
  if (newNd) info['ndparams'] = { ...asDict(info['ndparams']), ...newNd };
  if (isGiven(op, 'diskparams')) {
    const dp = asDict(info['diskparams']);
    for (const [t, params] of Object.entries(asDict(op['diskparams']))) dp[t] = { ...asDict(dp[t]), ...asDict(params) };
  }
  const simple = ['max_running_jobs', 'max_tracked_jobs', 'maintain_node_health', 'prealloc_wipe_disks'];
  if (isGiven(op, 'candidate_pool_size')) {
    info['candidate_pool_size'] = op['candidate_pool_size'];
    adjustCandidatePool(ctx, []);
  }
  for (const key of simple) if (isGiven(op, key)) info[key] = op[key];
  const pool = uidRanges(info['uid_pool']);
  if (isGiven(op, 'add_uids')) addUids(pool, uidRanges(op['add_uids']));
  if (isGiven(op, 'remove_uids')) removeUids(pool, uidRanges(op['remove_uids']));
  info['uid_pool'] = isGiven(op, 'uid_pool') ? uidRanges(op['uid_pool']) : pool;
  for (const key of [
    'default_iallocator',
    'default_iallocator_params',
    'reserved_lvs',
    'use_external_mip_script',
    'enabled_user_shutdown',
  ]) {
    if (isGiven(op, key)) info[key] = structuredClone(op[key]);
  }
  for (const [key, desc] of [
    ['hidden_os', 'hidden'],
    ['blacklisted_os', 'blacklisted'],
  ] as const) {
    if (!isGiven(op, key)) continue;
    const osList = asList(info[key]).map(String);
    modifyOsList(ctx, osList, op[key], desc);
    info[key] = osList;
  }
  if (op['mac_prefix']) info['mac_prefix'] = String(op['mac_prefix']).toLowerCase();
  if (op['master_netdev']) {
    ctx.log(`Shutting down master ip on the current netdev (${String(info['master_netdev'])})`);
    ctx.log(`Changing master_netdev from ${String(info['master_netdev'])} to ${String(op['master_netdev'])}`);
    info['master_netdev'] = op['master_netdev'];
  }
  if (op['master_netmask']) {
    ctx.log(`Changing master IP netmask to ${String(op['master_netmask'])}`);
    info['master_netmask'] = op['master_netmask'];
  }
  if (op['install_image']) info['install_image'] = op['install_image'];
  if (isGiven(op, 'zeroing_image')) {
    const z = String(op['zeroing_image']);
    if (z !== '' && !z.startsWith('/') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(z))
      throw prereq('Zeroing image must be an absolute path or a URL');
    info['zeroing_image'] = z;
  }
  if (op['master_netdev']) ctx.log(`Starting the master ip on the new master netdev (${String(op['master_netdev'])})`);
  if (tools.length > 0) info['compression_tools'] = tools;
  info['mtime'] = ctx.now();
  const network = param(op, 'instance_communication_network');
  return typeof network === 'string' ? communicationNetwork(op, ctx, network) : null;
};
