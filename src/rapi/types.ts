/**
 * The shapes of Ganeti's Remote API, version 2: the field lists rlib2 answers with
 * (`I_FIELDS`, `N_FIELDS`, `G_FIELDS`, `NET_FIELDS`, `J_FIELDS`, ... in Ganeti 3.0's
 * lib/rapi/rlib2.py), the records they make, and the request bodies of the write
 * resources, derived from the opcode types with the parameters the resource sets itself
 * left out. Types and constants only: the client is client.ts.
 */
import type { FieldDefinition, JobId, JobLogEntry, JobStatus, QueryCell } from '../protocols/luxi/types.js';
import type {
  AllocPolicy,
  DiskTemplate,
  EvacMode,
  MigrationMode,
  NICMode,
  OpBackupExport,
  OpClusterSetParams,
  OpGroupAdd,
  OpGroupSetParams,
  OpInstanceCreate,
  OpInstanceFailover,
  OpInstanceGrowDisk,
  OpInstanceMigrate,
  OpInstanceRecreateDisks,
  OpInstanceReboot,
  OpInstanceRemove,
  OpInstanceRename,
  OpInstanceReplaceDisks,
  OpInstanceSetParams,
  OpInstanceShutdown,
  OpNetworkAdd,
  OpNetworkConnect,
  OpNetworkDisconnect,
  OpNetworkSetParams,
  OpNodeEvacuate,
  OpNodeMigrate,
  OpNodeSetParams,
  ReasonTrail,
  ReplaceDisksMode,
} from '../protocols/luxi/opcodes/types.js';

export type { JobId, JobLogEntry, JobStatus };

/** The RAPI version this client speaks (`GET /version` answers it; Ganeti's `RAPI_VERSION`). */
export const RAPI_VERSION = 2;
/** Ganeti's RAPI port (`GANETI_RAPI_PORT`), used when the URL names none. */
export const DEFAULT_RAPI_PORT = 5080;

/** The optional features a Ganeti 3.0 server lists at `GET /2/features` (rlib2 `ALL_FEATURES`). */
export const RAPI_FEATURES = ['instance-create-reqv1', 'instance-reinstall-reqv1', 'node-migrate-reqv1', 'node-evac-res1'] as const;
export type RapiFeature = (typeof RAPI_FEATURES)[number];

// --- Field lists, in rlib2's order ---------------------------------------------------

const COMMON_FIELDS = ['ctime', 'mtime', 'uuid', 'serial_no', 'tags'] as const;

/** Fields of `GET /2/instances/NAME` and `GET /2/instances?bulk=1` (rlib2 `I_FIELDS`). */
export const INSTANCE_FIELDS = [
  'name',
  'admin_state',
  'os',
  'pnode',
  'snodes',
  'disk_template',
  'nic.ips',
  'nic.macs',
  'nic.modes',
  'nic.uuids',
  'nic.names',
  'nic.links',
  'nic.networks',
  'nic.networks.names',
  'nic.bridges',
  'network_port',
  'disk.sizes',
  'disk.spindles',
  'disk_usage',
  'disk.uuids',
  'disk.names',
  'beparams',
  'hvparams',
  'oper_state',
  'oper_ram',
  'oper_vcpus',
  'status',
  'custom_hvparams',
  'custom_beparams',
  'custom_nicparams',
  ...COMMON_FIELDS,
] as const;

/** Fields of `GET /2/nodes/NAME` and `GET /2/nodes?bulk=1` (rlib2 `N_FIELDS`). */
export const NODE_FIELDS = [
  'name',
  'offline',
  'master_candidate',
  'drained',
  'dtotal',
  'dfree',
  'sptotal',
  'spfree',
  'mtotal',
  'mnode',
  'mfree',
  'pinst_cnt',
  'sinst_cnt',
  'ctotal',
  'cnos',
  'cnodes',
  'csockets',
  'pip',
  'sip',
  'role',
  'pinst_list',
  'sinst_list',
  'master_capable',
  'vm_capable',
  'ndparams',
  'group.uuid',
  ...COMMON_FIELDS,
] as const;

/** Fields of `GET /2/groups/NAME` and `GET /2/groups?bulk=1` (rlib2 `G_FIELDS`). */
export const GROUP_FIELDS = [
  'alloc_policy',
  'name',
  'node_cnt',
  'node_list',
  'ipolicy',
  'custom_ipolicy',
  'diskparams',
  'custom_diskparams',
  'ndparams',
  'custom_ndparams',
  ...COMMON_FIELDS,
] as const;

/** Fields of `GET /2/networks/NAME` and `GET /2/networks?bulk=1` (rlib2 `NET_FIELDS`). */
export const NETWORK_FIELDS = [
  'name',
  'network',
  'gateway',
  'network6',
  'gateway6',
  'mac_prefix',
  'free_count',
  'reserved_count',
  'map',
  'group_list',
  'inst_list',
  'external_reservations',
  ...COMMON_FIELDS,
] as const;

/** Fields of `GET /2/filters/UUID` and `GET /2/filters?bulk=1` (rlib2 `FILTER_RULE_FIELDS`). */
export const FILTER_RULE_FIELDS = ['watermark', 'priority', 'predicates', 'action', 'reason_trail', 'uuid'] as const;

/** Fields of `GET /2/jobs?bulk=1` (rlib2 `J_FIELDS_BULK`). */
export const JOB_FIELDS_BULK = ['id', 'ops', 'status', 'summary', 'opstatus', 'received_ts', 'start_ts', 'end_ts'] as const;

/** Fields of `GET /2/jobs/ID` (rlib2 `J_FIELDS`). */
export const JOB_FIELDS = [...JOB_FIELDS_BULK, 'oplog', 'opresult'] as const;

// --- Records -------------------------------------------------------------------------

/** The fields every object has. `ctime`/`mtime` are seconds (fractional); null when never set. */
export interface RapiCommonFields {
  ctime: number | null;
  mtime: number | null;
  uuid: string;
  serial_no: number;
  tags: string[];
}

/** An instance's effective backend parameters; rlib2 adds `memory`, a copy of `maxmem`. */
export interface RapiBeParams {
  maxmem: number;
  minmem: number;
  /** rlib2's compatibility alias of `maxmem` (`_UpdateBeparams`). */
  memory: number;
  vcpus: number;
  always_failover: boolean;
  auto_balance: boolean;
  spindle_use: number;
  [param: string]: unknown;
}

/** `status` of an instance, as Ganeti computes it from admin and runtime state. */
export type InstanceStatus =
  | 'running'
  | 'ADMIN_down'
  | 'ADMIN_offline'
  | 'USER_down'
  | 'ERROR_up'
  | 'ERROR_down'
  | 'ERROR_wrongnode'
  | 'ERROR_nodedown'
  | 'ERROR_nodeoffline';

/**
 * An instance as `GET /2/instances/NAME` answers it. Live fields (`oper_*`) are null when
 * the primary node cannot be asked (offline, or not reachable).
 */
export interface RapiInstance extends RapiCommonFields {
  name: string;
  admin_state: 'up' | 'down' | 'offline';
  os: string | null;
  pnode: string;
  snodes: string[];
  disk_template: DiskTemplate;
  'nic.ips': Array<string | null>;
  'nic.macs': string[];
  'nic.modes': NICMode[];
  'nic.uuids': string[];
  'nic.names': Array<string | null>;
  'nic.links': Array<string | null>;
  'nic.networks': Array<string | null>;
  'nic.networks.names': Array<string | null>;
  'nic.bridges': Array<string | null>;
  network_port: number | null;
  /** Disk sizes in MiB. */
  'disk.sizes': number[];
  'disk.spindles': Array<number | null>;
  /** Disk space used on the nodes, in MiB. */
  disk_usage: number;
  'disk.uuids': string[];
  'disk.names': Array<string | null>;
  beparams: RapiBeParams;
  hvparams: Record<string, unknown>;
  oper_state: boolean | null;
  /** Memory in use, in MiB. */
  oper_ram: number | null;
  oper_vcpus: number | null;
  status: InstanceStatus;
  custom_hvparams: Record<string, unknown>;
  custom_beparams: Record<string, unknown>;
  custom_nicparams: Array<Record<string, unknown>>;
}

/** A node's role letter in node records: Master, master Candidate, Regular, Drained, Offline. */
export type NodeRoleLetter = 'M' | 'C' | 'R' | 'D' | 'O';

/**
 * A node as `GET /2/nodes/NAME` answers it. Sizes are MiB; live fields (disk, memory,
 * CPUs) are null when the node cannot be asked.
 */
export interface RapiNode extends RapiCommonFields {
  name: string;
  offline: boolean;
  master_candidate: boolean;
  drained: boolean;
  dtotal: number | null;
  dfree: number | null;
  sptotal: number | null;
  spfree: number | null;
  mtotal: number | null;
  mnode: number | null;
  mfree: number | null;
  pinst_cnt: number;
  sinst_cnt: number;
  ctotal: number | null;
  cnos: number | null;
  cnodes: number | null;
  csockets: number | null;
  pip: string;
  sip: string;
  role: NodeRoleLetter;
  pinst_list: string[];
  sinst_list: string[];
  master_capable: boolean;
  vm_capable: boolean;
  ndparams: Record<string, unknown>;
  'group.uuid': string;
}

/** A node's role as `/2/nodes/NAME/role` reads and sets it (rlib2 `_NR_MAP`). */
export type RapiNodeRole = 'master' | 'master-candidate' | 'regular' | 'drained' | 'offline';

/** A node group as `GET /2/groups/NAME` answers it. */
export interface RapiGroup extends RapiCommonFields {
  alloc_policy: AllocPolicy;
  name: string;
  node_cnt: number;
  node_list: string[];
  ipolicy: Record<string, unknown>;
  custom_ipolicy: Record<string, unknown>;
  diskparams: Record<string, Record<string, unknown>>;
  custom_diskparams: Record<string, Record<string, unknown>>;
  ndparams: Record<string, unknown>;
  custom_ndparams: Record<string, unknown>;
}

/** A network as `GET /2/networks/NAME` answers it. */
export interface RapiNetwork extends RapiCommonFields {
  name: string;
  network: string;
  gateway: string | null;
  network6: string | null;
  gateway6: string | null;
  mac_prefix: string | null;
  free_count: number;
  reserved_count: number;
  /** One character per address: `X` reserved, `.` free. */
  map: string;
  /** The groups connected: `[group, mode, link, vlan]`. */
  group_list: Array<[group: string, mode: NICMode, link: string, vlan: string]>;
  inst_list: string[];
  external_reservations: string;
}

/** A job filter rule as `GET /2/filters/UUID` answers it. */
export interface RapiFilterRule {
  watermark: number;
  priority: number;
  predicates: unknown[][];
  /** `ACCEPT`, `CONTINUE`, `PAUSE`, `REJECT` or `["RATE_LIMIT", n]`. */
  action: string | [string, number];
  reason_trail: ReasonTrail;
  uuid: string;
}

/** A timestamp in job records: `[seconds, microseconds]`, null before it happened. */
export type JobTimestamp = [seconds: number, microseconds: number] | null;

/** A job as `GET /2/jobs?bulk=1` lists it. `ops` are the opcodes as luxid stored them. */
export interface RapiJobSummary {
  id: JobId;
  ops: Array<{ OP_ID: string; [param: string]: unknown }>;
  status: JobStatus;
  summary: string[];
  opstatus: JobStatus[];
  received_ts: JobTimestamp;
  start_ts: JobTimestamp;
  end_ts: JobTimestamp;
}

/** A job as `GET /2/jobs/ID` answers it: the summary plus each opcode's log and result. */
export interface RapiJob extends RapiJobSummary {
  oplog: JobLogEntry[][];
  /** One result per opcode; a failed opcode's is the error in wire form `[Class, [args]]`. */
  opresult: unknown[];
}

/** The answer of `GET /2/jobs/ID/wait`: the asked fields' values and the new log entries. */
export interface RapiJobChange {
  job_info: unknown[];
  log_entries: JobLogEntry[];
}

/** An entry of a non-bulk list of instances or nodes. */
export interface RapiIdUri {
  id: string;
  uri: string;
}
/** An entry of a non-bulk list of groups or networks. */
export interface RapiNameUri {
  name: string;
  uri: string;
}
/** An entry of a non-bulk list of jobs. */
export interface RapiJobUri {
  id: JobId;
  uri: string;
}
/** An entry of a non-bulk list of filter rules. */
export interface RapiUuidUri {
  uuid: string;
  uri: string;
}

/** What `GET /2/instances/NAME/console` answers (Ganeti's `InstanceConsole`). */
export interface RapiInstanceConsole {
  instance: string;
  kind: 'msg' | 'ssh' | 'spice' | 'vnc' | (string & {});
  message?: string;
  host?: string;
  port?: number;
  user?: string;
  command?: string[];
  display?: number;
  [key: string]: unknown;
}

/**
 * What `GET /2/info` answers: luxid's QueryClusterInfo, plus rlib2's aliases `vg_name`
 * and `drbd_helper`. The commonest keys are typed; the rest are `unknown`.
 */
export interface RapiClusterInfo {
  name: string;
  master: string;
  software_version: string;
  protocol_version: number;
  config_version: number;
  os_api_version: number;
  export_version: number;
  vcs_version: string;
  architecture: [string, string];
  default_hypervisor: string;
  enabled_hypervisors: string[];
  enabled_disk_templates: DiskTemplate[];
  hvparams: Record<string, Record<string, unknown>>;
  beparams: Record<string, Record<string, unknown>>;
  nicparams: Record<string, Record<string, unknown>>;
  ndparams: Record<string, unknown>;
  diskparams: Record<string, Record<string, unknown>>;
  ipolicy: Record<string, unknown>;
  candidate_pool_size: number;
  max_running_jobs: number;
  max_tracked_jobs: number;
  volume_group_name: string | null;
  /** rlib2's alias of `volume_group_name`. */
  vg_name?: string | null;
  drbd_usermode_helper: string | null;
  /** rlib2's alias of `drbd_usermode_helper`. */
  drbd_helper?: string | null;
  default_iallocator: string;
  ctime: number | null;
  mtime: number | null;
  uuid: string;
  tags: string[];
  [key: string]: unknown;
}

/** The answer of `PUT /2/query/RESOURCE` (Ganeti's `QueryResponse`). */
export interface RapiQueryResult {
  fields: FieldDefinition[];
  data: QueryCell[][];
}
/** The answer of `GET /2/query/RESOURCE/fields`. */
export interface RapiQueryFieldsResult {
  fields: FieldDefinition[];
}
/** What `/2/query/RESOURCE` can ask about (rlib2 forwards it to luxid's Query). */
export type RapiQueryResource =
  | 'cluster'
  | 'node'
  | 'instance'
  | 'group'
  | 'job'
  | 'lock'
  | 'os'
  | 'export'
  | 'extstorage'
  | 'network'
  | 'filter'
  | (string & {});

// --- Request bodies ------------------------------------------------------------------

/**
 * An opcode's parameters as a RAPI body: without `OP_ID`, without `reason` (the server
 * builds the reason trail from `?reason=`), and without `Static`, the parameters the
 * resource takes from the URL or the query (rlib2 refuses a body that sets them: "Can't
 * overwrite static parameters").
 */
export type RapiBody<Op, Static extends string = never> = Omit<Op, 'OP_ID' | 'reason' | Static>;

/**
 * `POST /2/instances` (request version 1; the client adds `__version__: 1`). rlib2 renames
 * `name` to `instance_name` and `os` to `os_type`.
 */
export type RapiInstanceCreateBody = RapiBody<OpInstanceCreate, 'instance_name' | 'os_type' | 'dry_run'> & {
  name: string;
  os?: string | null;
};
/** `POST /2/instances-multi-alloc`. */
export interface RapiInstancesMultiAllocBody {
  instances: RapiInstanceCreateBody[];
  iallocator?: string | null;
  opportunistic_locking?: boolean | null;
}
/** `PUT /2/instances/NAME/modify`; `custom_beparams`/`custom_hvparams` are rlib2's other names of `beparams`/`hvparams`. */
export type RapiInstanceModifyBody = RapiBody<OpInstanceSetParams, 'instance_name'> & {
  custom_beparams?: Record<string, unknown> | null;
  custom_hvparams?: Record<string, unknown> | null;
};
/** `DELETE /2/instances/NAME`. */
export type RapiInstanceRemoveBody = RapiBody<OpInstanceRemove, 'instance_name' | 'ignore_failures' | 'dry_run'>;
/** `PUT /2/instances/NAME/shutdown`. */
export type RapiInstanceShutdownBody = RapiBody<OpInstanceShutdown, 'instance_name' | 'no_remember' | 'dry_run'>;
/** `POST /2/instances/NAME/reboot` (the type and ignore_secondaries go in the query). */
export type RapiInstanceRebootBody = RapiBody<OpInstanceReboot, 'instance_name' | 'reboot_type' | 'ignore_secondaries' | 'dry_run'>;
/** `POST /2/instances/NAME/reinstall` (request version 1: the shutdown, reinstall and startup opcodes it makes). */
export interface RapiInstanceReinstallBody {
  os?: string | null;
  /** Start the instance afterwards. Default (server): true. */
  start?: boolean;
  osparams?: Record<string, unknown> | null;
}
/** `POST /2/instances/NAME/replace-disks`; Python's client defaults `mode` to `replace_auto`. */
export type RapiInstanceReplaceDisksBody = RapiBody<OpInstanceReplaceDisks, 'instance_name'> & { mode: ReplaceDisksMode };
/** `POST /2/instances/NAME/recreate-disks`. */
export type RapiInstanceRecreateDisksBody = RapiBody<OpInstanceRecreateDisks, 'instance_name'>;
/** `POST /2/instances/NAME/disk/N/grow`; `amount` in MiB. */
export type RapiInstanceGrowDiskBody = RapiBody<OpInstanceGrowDisk, 'instance_name' | 'disk'>;
/** `PUT /2/instances/NAME/export`; rlib2 renames `destination` to `target_node`. */
export type RapiInstanceExportBody = RapiBody<OpBackupExport, 'instance_name' | 'target_node'> & {
  destination: OpBackupExport['target_node'];
};
/** `PUT /2/instances/NAME/migrate`. */
export type RapiInstanceMigrateBody = RapiBody<OpInstanceMigrate, 'instance_name'>;
/** `PUT /2/instances/NAME/failover`. */
export type RapiInstanceFailoverBody = RapiBody<OpInstanceFailover, 'instance_name'>;
/** `PUT /2/instances/NAME/rename`. */
export type RapiInstanceRenameBody = RapiBody<OpInstanceRename, 'instance_name'>;

/** `POST /2/nodes/NAME/evacuate`. */
export type RapiNodeEvacuateBody = RapiBody<OpNodeEvacuate, 'node_name' | 'dry_run'> & { mode: EvacMode };
/** `POST /2/nodes/NAME/migrate` (request version 1: the body, and no query at all; see RapiClient.migrateNode). */
export type RapiNodeMigrateBody = RapiBody<OpNodeMigrate, 'node_name'> & { mode?: MigrationMode | null };
/** `POST /2/nodes/NAME/modify`. */
export type RapiNodeModifyBody = RapiBody<OpNodeSetParams, 'node_name'>;

/** `POST /2/groups`; rlib2 renames `name` to `group_name`. */
export type RapiGroupCreateBody = RapiBody<OpGroupAdd, 'group_name' | 'dry_run'> & { name: string };
/** `PUT /2/groups/NAME/modify`; `custom_*` are rlib2's other names of the parameter dicts. */
export type RapiGroupModifyBody = RapiBody<OpGroupSetParams, 'group_name'> & {
  custom_ndparams?: Record<string, unknown> | null;
  custom_ipolicy?: Record<string, unknown> | null;
  custom_diskparams?: Record<string, Record<string, unknown>> | null;
};

/** `POST /2/networks`. */
export type RapiNetworkCreateBody = RapiBody<OpNetworkAdd, 'dry_run'>;
/** `PUT /2/networks/NAME/connect`. */
export type RapiNetworkConnectBody = RapiBody<OpNetworkConnect, 'network_name' | 'dry_run'>;
/** `PUT /2/networks/NAME/disconnect`. */
export type RapiNetworkDisconnectBody = RapiBody<OpNetworkDisconnect, 'network_name' | 'dry_run'>;
/** `PUT /2/networks/NAME/modify`. */
export type RapiNetworkModifyBody = RapiBody<OpNetworkSetParams, 'network_name'>;

/** `PUT /2/modify`; rlib2 forbids `compression_tools` here (`PUT_FORBIDDEN`). */
export type RapiClusterModifyBody = Omit<RapiBody<OpClusterSetParams>, 'compression_tools'>;

/** `POST /2/filters` and `PUT /2/filters/UUID`: defaults priority 0, no predicates, `CONTINUE`, no reason. */
export interface RapiFilterBody {
  priority?: number;
  predicates?: unknown[][];
  action?: string | [string, number];
  reason?: ReasonTrail;
}

// Compile-time checks that each record has exactly the fields of rlib2's list.
type SameKeys<R, F extends readonly string[]> = [Exclude<keyof R, F[number]>, Exclude<F[number], keyof R>] extends [never, never]
  ? true
  : { extra: Exclude<keyof R, F[number]>; missing: Exclude<F[number], keyof R> };
const fieldsMatch: [
  SameKeys<RapiInstance, typeof INSTANCE_FIELDS>,
  SameKeys<RapiNode, typeof NODE_FIELDS>,
  SameKeys<RapiGroup, typeof GROUP_FIELDS>,
  SameKeys<RapiNetwork, typeof NETWORK_FIELDS>,
  SameKeys<RapiFilterRule, typeof FILTER_RULE_FIELDS>,
  SameKeys<RapiJobSummary, typeof JOB_FIELDS_BULK>,
  SameKeys<RapiJob, typeof JOB_FIELDS>,
] = [true, true, true, true, true, true, true];
void fieldsMatch;
