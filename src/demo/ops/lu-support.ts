/**
 * What the executors share of the LUs' machinery: the LU feedback lines, Python's `str()`
 * of results, Ganeti's parameter-type tables and dict checks (utils.ForceDictType,
 * cmdlib/common.py GetUpdatedParams, GetUpdatedIPolicy, ...), node roles and master
 * candidate counts, and the follow-up opcodes an LU hands to mcpu.
 */
import { OpPrereqError, TypeEnforcementError } from '../../errors.js';
import type { OpCode } from '../../protocols/luxi/types.js';
import { OPCODES } from '../../protocols/luxi/opcodes/table.js';
import type { ClusterData, GroupData, InstanceData, IPolicy, NodeData } from '../cluster.js';
import { niceCompare } from '../fields.js';
import { asDict, asList, ECODE, findNode } from './common.js';
import type { OpContext, OpInput } from './context.js';

/** mcpu.py `LogInfo`: the job log line " - INFO: msg". */
export function info(ctx: OpContext, message: string): void {
  ctx.log(` - INFO: ${message}`);
}

/** mcpu.py `LogWarning`: the job log line " - WARNING: msg". */
export function warn(ctx: OpContext, message: string): void {
  ctx.log(` - WARNING: ${message}`);
}

/** An opcode parameter, with a missing key read as Python's None. */
export function param(op: OpInput, key: string): unknown {
  const v = op[key];
  return v === undefined ? null : v;
}

/** utils.CommaJoin. */
export function commaJoin(items: Iterable<unknown>): string {
  return [...items].map((x) => pyStr(x)).join(', ');
}

/** utils.NiceSort over names. */
export function niceSort(names: Iterable<string>): string[] {
  return [...names].sort(niceCompare);
}

function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else out += ch;
  }
  return quote + out + quote;
}

/** Python's `repr()` of a JSON value (dicts and lists as Python prints them). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return pyStringRepr(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyStringRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** Python's `str()`: strings as they are, everything else as `repr()`. */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/**
 * `str(err)` of a Python OpPrereqError(msg, code): the tuple repr, which is what LUs that
 * re-wrap an inner error ("While verify diskparams options: %s" % err) show.
 */
export function pyErrStr(err: OpPrereqError): string {
  return `(${err.args.map(pyRepr).join(', ')})`;
}

/** Ganeti's value types for ForceDictType (constants VTYPE_*). */
export type VType = 'string' | 'maybe-string' | 'bool' | 'size' | 'int' | 'float';

/** constants.NDS_PARAMETER_TYPES. */
export const ND_TYPES: Record<string, VType> = {
  cpu_speed: 'float',
  exclusive_storage: 'bool',
  oob_program: 'string',
  ovs: 'bool',
  ovs_link: 'maybe-string',
  ovs_name: 'maybe-string',
  spindle_count: 'int',
  ssh_port: 'int',
};

/** constants.BES_PARAMETER_TYPES. */
export const BE_TYPES: Record<string, VType> = {
  always_failover: 'bool',
  auto_balance: 'bool',
  maxmem: 'size',
  minmem: 'size',
  spindle_use: 'int',
  vcpus: 'int',
};
/** constants.NICS_PARAMETER_TYPES. */
export const NIC_TYPES: Record<string, VType> = { link: 'string', mode: 'string', vlan: 'string' };
/** constants.NDC_GLOBALS: node parameters settable only for the cluster or a group. */
export const ND_GLOBALS = ['exclusive_storage'];

/** constants.DISK_DT_TYPES. */
export const DISK_DT_TYPES: Record<string, VType> = {
  access: 'string',
  'c-delay-target': 'int',
  'c-fill-target': 'int',
  'c-max-rate': 'int',
  'c-min-rate': 'int',
  'c-plan-ahead': 'int',
  'data-stripes': 'int',
  'disk-barriers': 'string',
  'disk-custom': 'string',
  'dynamic-resync': 'bool',
  host: 'string',
  'meta-barriers': 'bool',
  'meta-stripes': 'int',
  metavg: 'string',
  'net-custom': 'string',
  pool: 'string',
  port: 'int',
  protocol: 'string',
  'resync-rate': 'int',
  stripes: 'int',
  volume: 'string',
};

/** constants.ISPECS_PARAMETER_TYPES: every ispec entry is an int. */
export const ISPEC_TYPES: Record<string, VType> = {
  'cpu-count': 'int',
  'disk-count': 'int',
  'disk-size': 'int',
  'memory-size': 'int',
  'nic-count': 'int',
  'spindle-use': 'int',
};

/** constants.HYPER_TYPES. */
export const HYPERVISORS = ['chroot', 'fake', 'kvm', 'lxc', 'xen-hvm', 'xen-pvm'];

function toInt(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
  return null;
}

function toFloat(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return null;
}

/** utils.ParseUnit for sizes: a number of MiB, or a string with an optional m/g/t unit. */
function parseUnit(v: unknown): number | null {
  if (typeof v === 'number') return Math.round(v);
  if (typeof v !== 'string') return null;
  const m = /^\s*([\d.]+)\s*([a-zA-Z]*)\s*$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mult: Record<string, number> = { '': 1, m: 1, mb: 1, mib: 1, g: 1024, gb: 1024, gib: 1024, t: 1048576, tb: 1048576, tib: 1048576 };
  const f = mult[unit];
  if (f === undefined || Number.isNaN(n)) return null;
  return Math.ceil(n * f);
}

/**
 * utils.ForceDictType: checks and converts `target`'s values in place by `types`.
 * @throws TypeEnforcementError "Unknown parameter 'x'", "'x' (value v) is not a valid integer", ...
 */
export function forceDictType(target: unknown, types: Record<string, VType>): Record<string, unknown> {
  if (target === null || typeof target !== 'object' || Array.isArray(target)) {
    throw new TypeEnforcementError(`Expected dictionary, got '${pyStr(target)}'`);
  }
  const t = target as Record<string, unknown>;
  for (const key of Object.keys(t)) {
    const kind = types[key];
    if (!kind) throw new TypeEnforcementError(`Unknown parameter '${key}'`);
    const v = t[key];
    const bad = (what: string) => new TypeEnforcementError(`'${key}' (value ${pyStr(v)}) is not a valid ${what}`);
    if (kind === 'string' || kind === 'maybe-string') {
      if (v === null && kind === 'maybe-string') continue;
      if (typeof v !== 'string') {
        if (v === false) t[key] = '';
        else throw bad('string');
      }
    } else if (kind === 'bool') {
      if (typeof v === 'string' && v !== '') {
        if (v.toLowerCase() === 'false') t[key] = false;
        else if (v.toLowerCase() === 'true') t[key] = true;
        else throw bad('boolean');
      } else {
        t[key] = Boolean(v) && !(typeof v === 'object' && Object.keys(v as object).length === 0);
      }
    } else if (kind === 'int') {
      const n = toInt(v);
      if (n === null) throw bad('integer');
      t[key] = n;
    } else if (kind === 'float') {
      const n = toFloat(v);
      if (n === null) throw bad('float');
      t[key] = n;
    } else {
      const n = parseUnit(v);
      if (n === null) throw new TypeEnforcementError(`'${key}' (value ${pyStr(v)}) is not a valid size. error: Invalid size`);
      t[key] = n;
    }
  }
  return t;
}

/** cmdlib/common.py GetUpdatedParams: `update` over a copy of `old`; "default" (or null) deletes. */
export function updatedParams(
  old: Record<string, unknown>,
  update: Record<string, unknown>,
  useDefault = true,
  useNone = false,
): Record<string, unknown> {
  const out = structuredClone(old);
  for (const [k, v] of Object.entries(update)) {
    if ((useDefault && v === 'default') || (useNone && v === null)) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** constants.IPOLICY_ALL_KEYS. */
const IPOLICY_KEYS = ['minmax', 'std', 'disk-templates', 'vcpu-ratio', 'spindle-ratio'];

/** objects.InstancePolicy.CheckParameterSyntax's key check, as "Invalid instance policy: ...". */
export function checkIPolicyKeys(ipolicy: Record<string, unknown>): void {
  const wrong = Object.keys(ipolicy).filter((k) => !IPOLICY_KEYS.includes(k));
  if (wrong.length > 0) {
    throw new OpPrereqError(`Invalid instance policy: Invalid keys in ipolicy: ${commaJoin(wrong)}`, ECODE.inval);
  }
}

/**
 * cmdlib/common.py GetUpdatedIPolicy: `update` over a copy of `old`. For a group policy an
 * empty or "default" value unsets the key and "std" is refused; the cluster policy can
 * unset nothing.
 * @throws OpPrereqError (wrong_input) with the LU's texts; TypeEnforcementError for a bad ispec.
 */
export function updatedIPolicy<P extends Partial<IPolicy>>(old: P, update: Record<string, unknown>, groupPolicy: boolean): P {
  const out = structuredClone(old) as Record<string, unknown>;
  for (const [key, value] of Object.entries(update)) {
    if (!IPOLICY_KEYS.includes(key)) throw new OpPrereqError(`Invalid key in new ipolicy: ${key}`, ECODE.inval);
    // Python's `not value`, plus [] / ["default"] / "default".
    const empty =
      !value ||
      value === 'default' ||
      (Array.isArray(value) && (value.length === 0 || (value.length === 1 && value[0] === 'default'))) ||
      (typeof value === 'object' && Object.keys(value as object).length === 0);
    if (empty) {
      if (!groupPolicy) throw new OpPrereqError(`Can't unset ipolicy attribute '${key}' on the cluster'`, ECODE.inval);
      delete out[key];
    } else if (key === 'vcpu-ratio' || key === 'spindle-ratio') {
      const f = Number(value);
      if (typeof value === 'boolean' || Number.isNaN(f)) {
        throw new OpPrereqError(
          `Invalid value for attribute '${key}': '${pyStr(value)}', error: could not convert string to float: ${pyStr(value)}`,
          ECODE.inval,
        );
      }
      out[key] = f;
    } else if (key === 'minmax') {
      const minmax = structuredClone(asList(value));
      for (const pair of minmax) for (const spec of Object.values(asDict(pair))) forceDictType(spec, ISPEC_TYPES);
      out[key] = minmax;
    } else if (key === 'std') {
      if (groupPolicy) throw new OpPrereqError('std cannot appear in group instance specs', ECODE.inval);
      out[key] = forceDictType(updatedParams(asDict(out[key]), asDict(value), false, false), ISPEC_TYPES);
    } else {
      out[key] = [...asList(value)];
    }
  }
  checkIPolicyKeys(out);
  return out as P;
}

/** cmdlib/common.py CheckParamsNotGlobal for node parameters. */
export function checkNdParamsNotGlobal(params: Record<string, unknown>, badLevels: string, goodLevels: string): void {
  const used = ND_GLOBALS.filter((k) => k in params);
  if (used.length > 0) {
    throw new OpPrereqError(
      `The following node parameters are global and cannot be customized at ${badLevels} level, please modify them at ${goodLevels} level: ${commaJoin(used)}`,
      ECODE.inval,
    );
  }
}

/** cmdlib/common.py MergeAndVerifyHvState (the check; the demo keeps no static hv state). */
export function verifyHvState(hvState: unknown): void {
  const d = asDict(hvState);
  const invalid = Object.keys(d).filter((h) => !HYPERVISORS.includes(h));
  if (invalid.length > 0) {
    throw new OpPrereqError(`Invalid hypervisor(s) in hypervisor state: ${commaJoin(invalid)}`, ECODE.inval);
  }
  const types: Record<string, VType> = { cpu_node: 'int', cpu_total: 'int', mem_hv: 'int', mem_node: 'int', mem_total: 'int' };
  for (const sub of Object.values(d)) forceDictType(structuredClone(sub), types);
}

/** cmdlib/common.py MergeAndVerifyDiskState (the check; the demo keeps no static disk state). */
export function verifyDiskState(diskState: unknown): void {
  const d = asDict(diskState);
  const invalid = Object.keys(d).filter((t) => t !== 'plain');
  if (invalid.length > 0) {
    throw new OpPrereqError(`Invalid storage type(s) in disk state: ${commaJoin(invalid)}`, ECODE.inval);
  }
  const types: Record<string, VType> = { disk_overhead: 'int', disk_reserved: 'int', disk_total: 'int' };
  for (const units of Object.values(d)) for (const sub of Object.values(asDict(units))) forceDictType(structuredClone(sub), types);
}

/** netutils.IP4Address.IsValid. */
export function isIPv4(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/**
 * cmdlib/common.py ExpandNodeUuidAndName over the opcode's `<name>`/`<name>_uuid` pair: the node,
 * or "Node 'x' not known"; a `_uuid` that names another node is refused as Ganeti does.
 */
export function expandNodeParam(ctx: OpContext, op: OpInput, nameKey = 'node_name', uuidKey = 'node_uuid'): NodeData {
  const node = findNode(ctx, op[nameKey]);
  const expected = param(op, uuidKey);
  if (expected !== null && expected !== node.uuid) {
    throw new OpPrereqError(
      `The nodes UUID '${node.uuid}' does not match the expected UUID '${String(expected)}' for node '${node.name}'. Maybe the node changed since you submitted this job.`,
      ECODE.notunique,
    );
  }
  return node;
}

/** cmdlib/common.py GetWantedNodes: every named node (expanded), or all nodes for an empty list. */
export function wantedNodes(ctx: OpContext, names: unknown): NodeData[] {
  const list = Array.isArray(names) ? names : [];
  if (list.length === 0) return [...ctx.cluster.nodes];
  return list.map((n) => findNode(ctx, n));
}

/** The node of the cluster master. */
export function masterNode(cluster: ClusterData): NodeData | undefined {
  return cluster.nodes.find((n) => n.name === cluster.info.master);
}

/** Instances using a node as primary or as secondary (cluster order). */
export function nodeInstances(cluster: ClusterData, nodeName: string): { primary: InstanceData[]; secondary: InstanceData[] } {
  return {
    primary: cluster.instances.filter((i) => i.primaryNode === nodeName),
    secondary: cluster.instances.filter((i) => i.secondaryNodes.includes(nodeName)),
  };
}

/** ConfigWriter.GetNodeGroupInstances: instances with any node in the group. */
export function groupInstances(ctx: OpContext, group: GroupData): InstanceData[] {
  const members = new Set(ctx.cluster.nodes.filter((n) => n.group === group.name).map((n) => n.name));
  return ctx.cluster.instances.filter((i) => members.has(i.primaryNode) || i.secondaryNodes.some((s) => members.has(s)));
}

/** Whether an instance's disks are internally mirrored (constants.DTS_INT_MIRROR: drbd). */
export function isIntMirror(inst: InstanceData): boolean {
  return inst.diskTemplate === 'drbd';
}

/** ConfigWriter GetMasterCandidateStats: [current, desired, possible] candidates. */
export function masterCandidateStats(cluster: ClusterData, exceptions: readonly string[] = []): [number, number, number] {
  let now = 0;
  let max = 0;
  for (const n of cluster.nodes) {
    if (exceptions.includes(n.name)) continue;
    if (!(n.offline || n.drained) && n.masterCapable) max += 1;
    if (n.masterCandidate) now += 1;
  }
  const pool = cluster.info['candidate_pool_size'];
  const should = typeof pool === 'number' ? Math.min(max, pool) : max;
  return [now, should, max];
}

/** node.py _DecideSelfPromotion: whether one more node should become a master candidate. */
export function decideSelfPromotion(cluster: ClusterData, exceptions: readonly string[] = []): boolean {
  const [now, should] = masterCandidateStats(cluster, exceptions);
  const pool = cluster.info['candidate_pool_size'];
  return now < Math.min(should + 1, typeof pool === 'number' ? pool : Number.POSITIVE_INFINITY);
}

/**
 * cmdlib/common.py AdjustCandidatePool (ConfigWriter MaintainCandidatePool): promotes nodes
 * until the pool has its desired size. Ganeti picks at random; the demo takes name order.
 */
export function adjustCandidatePool(ctx: OpContext, exceptions: readonly string[]): void {
  const cluster = ctx.cluster;
  let [now, should] = masterCandidateStats(cluster, exceptions);
  const promoted: NodeData[] = [];
  for (const n of [...cluster.nodes].sort((a, b) => niceCompare(a.name, b.name))) {
    if (now >= should) break;
    if (n.masterCandidate || n.offline || n.drained || exceptions.includes(n.name) || !n.masterCapable) continue;
    n.masterCandidate = true;
    n.serialNo += 1;
    promoted.push(n);
    now += 1;
  }
  if (promoted.length > 0) info(ctx, `Promoted nodes to master candidate role: ${commaJoin(promoted.map((n) => n.name))}`);
  [now, should] = masterCandidateStats(cluster, exceptions);
  if (now > should) info(ctx, `Note: more nodes are candidates (${now}) than desired (${should})`);
}

/** The node's merged ndparams (cluster, then group, then node). */
export function nodeNdParams(cluster: ClusterData, node: NodeData): Record<string, unknown> {
  const group = cluster.groups.find((g) => g.name === node.group);
  return { ...(cluster.info['ndparams'] as Record<string, unknown> | undefined), ...group?.ndparams, ...node.ndparams };
}

/** cmdlib/common.py SupportsOob: the node's OOB program, or '' when it has none. */
export function supportsOob(cluster: ClusterData, node: NodeData): string {
  const prog = nodeNdParams(cluster, node)['oob_program'];
  return typeof prog === 'string' ? prog : '';
}

/**
 * A follow-up opcode as an LU builds it and mcpu submits it: the LU's parameters (nulls
 * dropped, as luxid drops an optional parameter given as null), the table's defaults for
 * the rest, and mcpu.py `_SetBaseOpParams` from the submitting opcode (priority,
 * debug_level, comment "Submitted by OP_X", the reason trail).
 */
export function childOp(parent: OpInput, id: string, params: Record<string, unknown>): OpCode {
  const def = OPCODES.find((d) => d.id === id);
  if (!def) throw new Error(`no opcode ${id} in the table`);
  const op: Record<string, unknown> = { OP_ID: id };
  for (const p of def.params) {
    const given = params[p.name];
    if (given !== undefined && given !== null) op[p.name] = given;
    else if (p.presence === 'default') op[p.name] = structuredClone(p.default);
  }
  for (const [k, v] of Object.entries(params)) if (!(k in op) && v !== null && v !== undefined) op[k] = v;
  if ('debug_level' in parent && parent['debug_level'] !== undefined) op['debug_level'] = parent['debug_level'];
  op['priority'] = parent['priority'] ?? 0;
  if (!op['comment']) op['comment'] = `Submitted by ${String(parent['OP_ID'])}`;
  const own = Array.isArray(op['reason']) ? (op['reason'] as unknown[]) : [];
  op['reason'] = [...own, ...(Array.isArray(parent['reason']) ? structuredClone(parent['reason'] as unknown[]) : [])];
  return op as OpCode;
}

/** An LU's `ResultWithJobs` as mcpu answers it: `{"jobs": [[true, id], ...]}`. */
export function resultWithJobs(ctx: OpContext, jobs: OpCode[][]): { jobs: unknown[] } {
  return { jobs: jobs.length === 0 ? [] : ctx.submitJobs(jobs) };
}
