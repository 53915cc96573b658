/**
 * The table of Ganeti 3.0's opcodes: every opcode with its parameters in the order luxid
 * parses them, each parameter's Haskell type as written in `src/Ganeti/OpParams.hs` /
 * `OpCodes.hs`, whether it is required, optional or defaulted, and its documentation.
 * One source for SubmitJob validation (parse.ts), the TypeScript opcode types (types.ts)
 * and the demo's executors. Facts only: nothing here runs.
 */

/**
 * How luxid treats a missing or null parameter (THH `fieldIsOptional` / `fieldDefault`):
 * - `required`: must be present (`simpleField` without default); a missing key is
 *   "key 'x' not found, object contains only [...]".
 * - `optional`: missing or null is `Nothing` and not stored (`optionalField`, OptionalOmitNull).
 * - `optionalNull`: like optional, but stored as null (`optionalNullSerField`).
 * - `default`: missing or null takes `default` (`defaultField`), which is stored.
 * - `rest`: takes every key no other parameter takes (`andRestArguments`); the opcode then
 *   has no superfluous-key check. No opcode of Ganeti 3.0.2 has such a parameter (the one
 *   `andRestArguments` is inside `IDiskParams`).
 */
export type OpParamPresence = 'required' | 'optional' | 'optionalNull' | 'default' | 'rest';

/** One opcode parameter. */
export interface OpParamDef {
  /** The JSON key. */
  readonly name: string;
  /**
   * The Haskell type, in Haskell syntax as OpParams.hs writes it, e.g. `NonEmptyString`,
   * `[NonEmptyString]`, `NonNegative Int`, `TagKind`, `GenericContainer String (JSObject JSValue)`. Type synonyms are kept as written;
   * htype.ts knows each named type. For an `optional`/`optionalNull` parameter this is the
   * type inside the `Maybe` (OpParams.hs writes `optionalField $ simpleField "x" [t| T |]`,
   * and `T` is given here). The one module qualifier, `Qlang.QueryTypeOp`, is dropped.
   */
  readonly type: string;
  readonly presence: OpParamPresence;
  /** For `default`: the default as luxid stores it (JSON). */
  readonly default?: unknown;
  /**
   * A custom reader (THH `fieldRead`/`specialNumericalField`) that replaces plain readJSON,
   * by name: e.g. `parseUnitAssumeBinary` (sizes may be strings with units). No top-level
   * opcode parameter of Ganeti 3.0.2 has one: the only `specialNumericalField` is the `size`
   * key inside `IDiskParams` (the elements of `disks`), which belongs to that type's reader.
   */
  readonly reader?: string;
  /**
   * Ganeti's parameter documentation (OpParams.hs `withDoc`, or the `withDoc` an opcode puts
   * around the parameter in OpCodes.hs), one line. Empty for the parameters OpParams.hs
   * leaves undocumented (`hotplug`, `hotplug_if_possible`, OpClusterSetParams'
   * `file_storage_dir`, `shared_file_storage_dir`, `gluster_storage_dir`,
   * `instance_communication_network`, `zeroing_image`, `modify_etc_hosts`), as in Python's
   * generated `ganeti.opcodes`.
   */
  readonly doc: string;
}

/** One opcode. */
export interface OpCodeDef {
  /** `OP_INSTANCE_STARTUP` etc. (deCamelCase of the Haskell constructor). */
  readonly id: string;
  /**
   * Ganeti's opcode documentation (Hs2Py/OpDoc.hs, the same as the Python class docstring),
   * all of it with whitespace collapsed into one paragraph. Some keep Ganeti's epydoc markup
   * (`@type x:`, `@ivar x:`, `C{...}`, `L{...}`): escape `@` before using one in TSDoc.
   */
  readonly doc: string;
  /** The Haskell result type as OpCodes.hs writes it (e.g. `JobIdListOnly`, `()`). */
  readonly result: string;
  /** Parameters in OpCodes.hs order (luxid reports the first failing one). */
  readonly params: readonly OpParamDef[];
}

// ---------------------------------------------------------------------------------------
// The table itself follows (filled in from OpCodes.hs / OpParams.hs at tag v3.0.2).

// Builders named after THH's field combinators, so that each definition below stays on one
// line and reads like its OpParams.hs original. Every result, and its default, is frozen: the
// table is shared, and a caller filling in defaults must copy them.

/** `simpleField` with no default: the key must be present. */
function req(name: string, type: string, doc: string): OpParamDef {
  return Object.freeze({ name, type, presence: 'required', doc });
}

/** `optionalField`: a missing or null key is `Nothing`, and is not stored. */
function opt(name: string, type: string, doc: string): OpParamDef {
  return Object.freeze({ name, type, presence: 'optional', doc });
}

/** `optionalNullSerField`: as `opt`, but `Nothing` is stored as null. */
function optNull(name: string, type: string, doc: string): OpParamDef {
  return Object.freeze({ name, type, presence: 'optionalNull', doc });
}

/** `defaultField [| value |]`: a missing or null key takes `value` (as JSON), which is stored. */
function dflt(name: string, type: string, value: unknown, doc: string): OpParamDef {
  return Object.freeze({ name, type, presence: 'default', default: Object.freeze(value), doc });
}

/** OpCodes.hs `withDoc "..." pX`: the same parameter, documented for one opcode. */
function withDoc(doc: string, param: OpParamDef): OpParamDef {
  return Object.freeze({ ...param, doc });
}

/** OpCodes.hs `defaultField [| v |] pX`: the same parameter, defaulted for one opcode. */
function withDefault(value: unknown, param: OpParamDef): OpParamDef {
  return Object.freeze({ ...param, presence: 'default', default: Object.freeze(value) });
}

// The parameters (OpParams.hs), named and ordered as there; only those an opcode uses.
const pDryRun = opt('dry_run', 'Bool', "Run checks only, don't execute");
const pDebugLevel = opt('debug_level', 'NonNegative Int', 'Debug level');
const pOpPriority = dflt(
  'priority',
  'OpSubmitPriority',
  0,
  "Opcode priority. Note: python uses a separate constant, we're using the actual value we know it's the default",
);
const pDependencies = optNull('depends', '[JobDependency]', 'Job dependencies');
const pComment = optNull('comment', 'String', 'Comment field');
const pReason = req('reason', 'ReasonTrail', 'Reason trail field');
const pSequential = dflt('sequential', 'Bool', false, 'Sequential job execution');
const pDebugSimulateErrors = dflt('debug_simulate_errors', 'Bool', false, 'Whether to simulate errors (useful for debugging)');
const pErrorCodes = dflt('error_codes', 'Bool', false, 'Error codes');
const pSkipChecks = dflt('skip_checks', 'ListSet VerifyOptionalChecks', [], 'Which checks to skip');
const pIgnoreErrors = dflt('ignore_errors', 'ListSet CVErrorCode', [], 'List of error codes that should be treated as warnings');
const pVerbose = dflt('verbose', 'Bool', false, 'Verbose mode');
const pDebug = dflt('debug', 'Bool', false, 'Debug mode');
const pOptGroupName = opt('group_name', 'NonEmptyString', 'Optional group name');
const pGroupName = req('group_name', 'NonEmptyString', 'Group name');
const pHotplug = dflt('hotplug', 'Bool', false, '');
const pHotplugIfPossible = dflt('hotplug_if_possible', 'Bool', false, '');
const pInstances = dflt('instances', '[NonEmptyString]', [], 'List of instances');
const pOutputFields = req('output_fields', '[NonEmptyString]', 'Selected output fields');
const pName = req('name', 'NonEmptyString', 'A generic name');
const pForce = dflt('force', 'Bool', false, 'Whether to force the operation');
const pHvState = opt('hv_state', 'JSObject JSValue', 'Set hypervisor states');
const pDiskState = opt('disk_state', 'JSObject JSValue', 'Set disk states');
const pClusterFileStorageDir = opt('file_storage_dir', 'String', '');
const pClusterSharedFileStorageDir = opt('shared_file_storage_dir', 'String', '');
const pClusterGlusterStorageDir = opt('gluster_storage_dir', 'String', '');
const pInstallImage = opt('install_image', 'String', 'OS image for running OS scripts in a safe environment');
const pInstanceCommunicationNetwork = opt('instance_communication_network', 'String', '');
const pZeroingImage = opt('zeroing_image', 'String', '');
const pCompressionTools = opt('compression_tools', '[NonEmptyString]', 'List of enabled compression tools');
const pVgName = opt('vg_name', 'String', 'Volume group name');
const pEnabledHypervisors = opt('enabled_hypervisors', '[Hypervisor]', 'List of enabled hypervisors');
const pClusterHvParams = opt(
  'hvparams',
  'GenericContainer String (JSObject JSValue)',
  'Cluster-wide hypervisor parameters, hypervisor-dependent',
);
const pClusterBeParams = opt('beparams', 'JSObject JSValue', 'Cluster-wide backend parameter defaults');
const pOsHvp = opt('os_hvp', 'GenericContainer String (JSObject JSValue)', 'Cluster-wide per-OS hypervisor parameter defaults');
const pClusterOsParams = opt('osparams', 'GenericContainer String (JSObject JSValue)', 'Cluster-wide OS parameter defaults');
const pClusterOsParamsPrivate = opt(
  'osparams_private_cluster',
  'GenericContainer String (JSObject (Private JSValue))',
  'Cluster-wide private OS parameter defaults',
);
const pGroupDiskParams = opt('diskparams', 'GenericContainer DiskTemplate (JSObject JSValue)', "Disk templates' parameter defaults");
const pCandidatePoolSize = opt('candidate_pool_size', 'Positive Int', 'Master candidate pool size');
const pMaxRunningJobs = opt('max_running_jobs', 'Positive Int', 'Maximal number of jobs to run simultaneously');
const pMaxTrackedJobs = opt('max_tracked_jobs', 'Positive Int', 'Maximal number of jobs tracked in the job queue');
const pUidPool = opt(
  'uid_pool',
  '[(Int, Int)]',
  'Set UID pool, must be list of lists describing UID ranges (two items, start and end inclusive)',
);
const pAddUids = opt(
  'add_uids',
  '[(Int, Int)]',
  'Extend UID pool, must be list of lists describing UID ranges (two items, start and end inclusive)',
);
const pRemoveUids = opt(
  'remove_uids',
  '[(Int, Int)]',
  'Shrink UID pool, must be list of lists describing UID ranges (two items, start and end inclusive) to be removed',
);
const pMaintainNodeHealth = opt('maintain_node_health', 'Bool', 'Whether to automatically maintain node health');
const pModifyEtcHosts = opt('modify_etc_hosts', 'Bool', '');
const pPreallocWipeDisks = opt('prealloc_wipe_disks', 'Bool', 'Whether to wipe disks before allocating them to instances');
const pNicParams = opt('nicparams', 'INicParams', 'Cluster-wide NIC parameter defaults');
const pIpolicy = opt('ipolicy', 'JSObject JSValue', 'Ipolicy specs');
const pDrbdHelper = opt('drbd_helper', 'String', 'DRBD helper program');
const pDefaultIAllocator = opt('default_iallocator', 'String', 'Default iallocator for cluster');
const pDefaultIAllocatorParams = opt('default_iallocator_params', 'JSObject JSValue', 'Default iallocator parameters for cluster');
const pMasterNetdev = opt('master_netdev', 'String', 'Master network device');
const pMasterNetmask = opt('master_netmask', 'NonNegative Int', 'Netmask of the master IP');
const pReservedLvs = opt('reserved_lvs', '[NonEmptyString]', 'List of reserved LVs');
const pHiddenOs = opt(
  'hidden_os',
  '[(DdmSimple, NonEmptyString)]',
  'Modify list of hidden operating systems: each modification must have two items, the operation and the OS name; the operation can be add or remove',
);
const pBlacklistedOs = opt(
  'blacklisted_os',
  '[(DdmSimple, NonEmptyString)]',
  'Modify list of blacklisted operating systems: each modification must have two items, the operation and the OS name; the operation can be add or remove',
);
const pUseExternalMipScript = opt('use_external_mip_script', 'Bool', 'Whether to use an external master IP address setup script');
const pEnabledDiskTemplates = opt('enabled_disk_templates', '[DiskTemplate]', 'List of enabled disk templates');
const pEnabledUserShutdown = opt('enabled_user_shutdown', 'Bool', 'Whether user shutdown is enabled cluster wide');
const pQueryWhat = req('what', 'QueryTypeOp', 'Resource(s) to query for');
const pUseLocking = dflt('use_locking', 'Bool', false, 'Whether to use synchronization');
const pQueryFields = req('fields', '[NonEmptyString]', 'Requested fields');
const pQueryFilter = opt('qfilter', '[JSValue]', 'Query filter');
const pQueryFieldsFields = opt('fields', '[NonEmptyString]', 'Requested fields; if not given, all are returned');
const pNodeNames = dflt('node_names', '[NonEmptyString]', [], 'List of node names to run the OOB command against');
const pNodeUuids = opt('node_uuids', '[NonEmptyString]', 'List of node UUIDs');
const pOobCommand = req('command', 'OobCommand', 'OOB command to run');
const pOobTimeout = dflt('timeout', 'Int', 60, 'Timeout before the OOB helper will be terminated');
const pIgnoreStatus = dflt('ignore_status', 'Bool', false, 'Ignores the node offline status for power off');
const pPowerDelay = dflt('power_delay', 'Double', 2, 'Time in seconds to wait between powering on nodes');
const pRequiredNodes = req('nodes', '[NonEmptyString]', 'Required list of node names');
const pRequiredNodeUuids = opt('node_uuids', '[NonEmptyString]', 'Required list of node UUIDs');
const pRestrictedCommand = req('command', 'NonEmptyString', 'Restricted command name');
const pNodeName = req('node_name', 'NonEmptyString', 'A required node name (for single-node LUs)');
const pNodeUuid = opt('node_uuid', 'NonEmptyString', 'A node UUID (for single-node LUs)');
const pPrimaryIp = opt('primary_ip', 'NonEmptyString', 'Primary IP address');
const pSecondaryIp = opt('secondary_ip', 'NonEmptyString', 'Secondary IP address');
const pReadd = dflt('readd', 'Bool', false, 'Whether node is re-added to cluster');
const pNodeGroup = opt('group', 'NonEmptyString', 'Initial node group');
const pMasterCapable = opt('master_capable', 'Bool', 'Whether node can become master or master candidate');
const pVmCapable = opt('vm_capable', 'Bool', 'Whether node can host instances');
const pNdParams = opt('ndparams', 'JSObject JSValue', 'Node parameters');
const pNames = dflt('names', '[NonEmptyString]', [], 'List of names');
const pNodes = dflt('nodes', '[NonEmptyString]', [], 'List of nodes');
const pStorageType = req('storage_type', 'StorageType', 'Storage type');
const pOptStorageType = opt('storage_type', 'StorageType', 'Storage type');
const pStorageName = opt('name', 'NonEmptyString', 'Storage name');
const pStorageChanges = req('changes', 'JSObject JSValue', 'Requested storage changes');
const pIgnoreConsistency = dflt('ignore_consistency', 'Bool', false, 'Whether to ignore disk consistency');
const pIgnoreHVVersions = dflt('ignore_hvversions', 'Bool', false, 'Whether to ignore incompatible Hypervisor versions');
const pMasterCandidate = opt('master_candidate', 'Bool', 'Whether the node should become a master candidate');
const pOffline = opt('offline', 'Bool', 'Whether to mark the node or instance offline');
const pDrained = opt('drained', 'Bool', 'Whether to mark the node as drained');
const pAutoPromote = dflt('auto_promote', 'Bool', false, 'Whether node(s) should be promoted to master candidate if necessary');
const pPowered = opt('powered', 'Bool', 'Whether the node should be marked as powered');
const pMigrationMode = opt('mode', 'MigrationMode', 'Migration type (live/non-live)');
const pMigrationLive = opt('live', 'Bool', "Obsolete 'live' migration mode (do not use)");
const pMigrationTargetNode = opt('target_node', 'NonEmptyString', 'Target node for instance migration/failover');
const pMigrationTargetNodeUuid = opt('target_node_uuid', 'NonEmptyString', 'Target node UUID for instance migration/failover');
const pAllowRuntimeChgs = dflt('allow_runtime_changes', 'Bool', true, 'Whether to allow runtime changes while migrating');
const pIgnoreIpolicy = dflt('ignore_ipolicy', 'Bool', false, 'Whether to ignore ipolicy violations');
const pIallocator = opt('iallocator', 'NonEmptyString', 'Iallocator for deciding the target node for shared-storage instances');
const pEarlyRelease = dflt('early_release', 'Bool', false, 'Whether to release locks as soon as possible');
const pRemoteNode = opt('remote_node', 'NonEmptyString', 'New secondary node');
const pRemoteNodeUuid = opt('remote_node_uuid', 'NonEmptyString', 'New secondary node UUID');
const pEvacMode = req('mode', 'EvacMode', 'Node evacuation mode');
const pIgnoreSoftErrors = opt('ignore_soft_errors', 'Bool', 'Ignore soft htools errors');
const pInstanceName = req('instance_name', 'String', 'A required instance name (for single-instance LUs)');
const pInstanceCommunication = dflt(
  'instance_communication',
  'Bool',
  false,
  'Enable or disable the communication mechanism for an instance',
);
const pOptInstanceCommunication = opt('instance_communication', 'Bool', 'Enable or disable the communication mechanism for an instance');
const pForceVariant = dflt('force_variant', 'Bool', false, 'Whether to force an unknown OS variant');
const pWaitForSync = dflt('wait_for_sync', 'Bool', true, 'Whether to wait for the disk to synchronize');
const pNameCheck = dflt('name_check', 'Bool', true, 'Whether to check name');
const pInstBeParams = dflt('beparams', 'JSObject JSValue', {}, 'Backend parameters for instance');
const pInstDisks = req('disks', '[IDiskParams]', 'List of instance disks');
const pExtParams = dflt('ext_params', 'JSObject JSValue', {}, 'List of ExtStorage parameters');
const pFileDriver = opt('file_driver', 'FileDriver', 'Driver for file-backed disks');
const pFileStorageDir = opt('file_storage_dir', 'NonEmptyString', 'Directory for storing file-backed disks');
const pInstHvParams = dflt('hvparams', 'JSObject JSValue', {}, 'Hypervisor parameters for instance, hypervisor-dependent');
const pHypervisor = opt('hypervisor', 'Hypervisor', 'Selected hypervisor for an instance');
const pResetDefaults = dflt('identify_defaults', 'Bool', false, 'Reset instance parameters to default if equal');
const pIpCheck = dflt('ip_check', 'Bool', true, "Whether to ensure instance's IP address is inactive");
const pIpConflictsCheck = dflt('conflicts_check', 'Bool', true, 'Whether to check for conflicting IP addresses');
const pInstCreateMode = req('mode', 'InstCreateMode', 'Instance creation mode');
const pInstNics = req('nics', '[INicParams]', 'List of NIC (network interface) definitions');
const pNoInstall = opt('no_install', 'Bool', 'Do not install the OS (will disable automatic start)');
const pInstOs = opt('os_type', 'NonEmptyString', 'OS type for instance installation');
const pInstOsParams = dflt('osparams', 'JSObject JSValue', {}, 'OS parameters for instance');
const pInstOsParamsPrivate = opt('osparams_private', 'JSObject (Private JSValue)', 'Private OS parameters for instance');
const pInstOsParamsSecret = opt('osparams_secret', 'JSObject (Secret JSValue)', 'Secret OS parameters for instance');
const pPrimaryNode = opt('pnode', 'NonEmptyString', 'Primary node for an instance');
const pPrimaryNodeUuid = opt('pnode_uuid', 'NonEmptyString', 'Primary node UUID for an instance');
const pSecondaryNode = opt('snode', 'NonEmptyString', 'Secondary node for an instance');
const pSecondaryNodeUuid = opt('snode_uuid', 'NonEmptyString', 'Secondary node UUID for an instance');
const pSourceHandshake = opt('source_handshake', '[JSValue]', 'Signed handshake from source (remote import only)');
const pSourceInstance = opt('source_instance_name', 'NonEmptyString', 'Source instance name (remote import only)');
const pSourceShutdownTimeout = dflt(
  'source_shutdown_timeout',
  'NonNegative Int',
  120,
  'How long source instance was given to shut down (remote import only)',
);
const pSourceX509Ca = opt('source_x509_ca', 'NonEmptyString', 'Source X509 CA in PEM format (remote import only)');
const pSrcNode = opt('src_node', 'NonEmptyString', 'Source node for import');
const pSrcNodeUuid = opt('src_node_uuid', 'NonEmptyString', 'Source node UUID for import');
const pSrcPath = opt('src_path', 'NonEmptyString', 'Source directory for import');
const pStartInstance = dflt('start', 'Bool', true, 'Whether to start instance after creation');
const pForthcoming = dflt('forthcoming', 'Bool', false, 'Whether to only reserve resources');
const pCommit = dflt('commit', 'Bool', false, 'Commit the already reserved instance');
const pInstTags = dflt('tags', '[NonEmptyString]', [], 'Instance tags');
const pMultiAllocInstances = dflt('instances', '[JSValue]', [], 'List of instance create opcodes describing the instances to allocate');
const pOpportunisticLocking = dflt(
  'opportunistic_locking',
  'Bool',
  false,
  "Whether to employ opportunistic locking for nodes, meaning nodes already locked by another opcode won't be considered for instance allocation (only when an iallocator is used)",
);
const pInstanceUuid = opt('instance_uuid', 'NonEmptyString', 'An instance UUID (for single-instance LUs)');
const pTempOsParams = opt(
  'osparams',
  'JSObject JSValue',
  'Temporary OS parameters (currently only in reinstall, might be added to install as well)',
);
const pTempOsParamsPrivate = opt('osparams_private', 'JSObject (Private JSValue)', 'Private OS parameters for instance reinstalls');
const pTempOsParamsSecret = opt('osparams_secret', 'JSObject (Secret JSValue)', 'Secret OS parameters for instance reinstalls');
const pShutdownTimeout = dflt('shutdown_timeout', 'NonNegative Int', 120, 'How long to wait for instance to shut down');
/** OpParams.hs `pShutdownTimeout'` (the same timeout under the key `timeout`). */
const pInstShutdownTimeout = dflt('timeout', 'NonNegative Int', 120, 'How long to wait for instance to shut down');
const pIgnoreFailures = dflt('ignore_failures', 'Bool', false, 'Whether to ignore failures during removal');
const pNewName = req('new_name', 'NonEmptyString', 'New group or instance name');
const pIgnoreOfflineNodes = dflt('ignore_offline_nodes', 'Bool', false, 'Whether to ignore offline nodes');
const pTempHvParams = dflt('hvparams', 'JSObject JSValue', {}, 'Temporary hypervisor parameters, hypervisor-dependent');
const pTempBeParams = dflt('beparams', 'JSObject JSValue', {}, 'Temporary backend parameters');
const pNoRemember = dflt('no_remember', 'Bool', false, 'Do not remember instance state changes');
const pStartupPaused = dflt('startup_paused', 'Bool', false, 'Pause instance at startup');
const pIgnoreSecondaries = dflt('ignore_secondaries', 'Bool', false, 'Whether to start the instance even if secondary disks are failing');
const pRebootType = req('reboot_type', 'RebootType', 'How to reboot the instance');
const pReplaceDisksMode = req('mode', 'ReplaceDisksMode', 'Replacement mode');
const pReplaceDisksList = dflt('disks', '[DiskIndex]', [], 'List of disk indices');
const pMigrationCleanup = dflt('cleanup', 'Bool', false, 'Whether a previously failed migration should be cleaned up');
const pAllowFailover = dflt('allow_failover', 'Bool', false, 'Whether we can fallback to failover if migration is not possible');
const pForceFailover = dflt('force_failover', 'Bool', false, 'Disallow migration moves and always use failovers');
const pMoveTargetNode = req('target_node', 'NonEmptyString', 'Target node for instance move');
const pMoveTargetNodeUuid = opt('target_node_uuid', 'NonEmptyString', 'Target node UUID for instance move');
const pMoveCompress = dflt('compress', 'String', 'none', 'Compression mode to use during instance moves');
const pBackupCompress = dflt('compress', 'String', 'none', 'Compression mode to use for moves during backups/imports');
const pIgnoreDiskSize = dflt('ignore_size', 'Bool', false, 'Whether to ignore recorded disk size');
const pWaitForSyncFalse = dflt('wait_for_sync', 'Bool', false, 'Whether to wait for the disk to synchronize (defaults to false)');
const pRecreateDisksInfo = dflt('disks', 'RecreateDisksInfo', [], 'Disk list for recreate disks');
const pStatic = dflt('static', 'Bool', false, 'Whether to only return configuration data without querying nodes');
const pInstParamsNicChanges = dflt('nics', 'SetParamsMods INicParams', [], 'List of NIC changes');
const pInstParamsDiskChanges = dflt('disks', 'SetParamsMods IDiskParams', [], 'List of disk changes');
const pRuntimeMem = opt('runtime_mem', 'Positive Int', 'New runtime memory');
const pOptDiskTemplate = opt('disk_template', 'DiskTemplate', 'Instance disk template');
const pOsNameChange = opt('os_name', 'NonEmptyString', "Change the instance's OS without reinstalling the instance");
const pDiskIndex = req('disk', 'DiskIndex', 'Disk index for e.g. grow disk');
const pDiskChgAmount = req('amount', 'NonNegative Int', 'Disk amount to add or grow to');
const pDiskChgAbsolute = dflt('absolute', 'Bool', false, 'Whether the amount parameter is an absolute target or a relative one');
const pTargetGroups = opt('target_groups', '[NonEmptyString]', 'Destination group names or UUIDs (defaults to "all but current group")');
const pNodeGroupAllocPolicy = opt('alloc_policy', 'AllocPolicy', 'Instance allocation policy');
const pGroupNodeParams = opt('ndparams', 'JSObject JSValue', 'Default node parameters for group');
const pExportMode = req('mode', 'ExportMode', 'Export mode');
const pExportTargetNode = req('target_node', 'ExportTarget', 'Target node (depends on export mode)');
const pExportTargetNodeUuid = opt('target_node_uuid', 'NonEmptyString', 'Target node UUID (if local export)');
const pShutdownInstance = dflt('shutdown', 'Bool', true, 'Whether to shutdown the instance before export');
const pRemoveInstance = dflt('remove_instance', 'Bool', false, 'Whether to remove instance after export');
const pIgnoreRemoveFailures = dflt('ignore_remove_failures', 'Bool', false, 'Whether to ignore failures while removing instances');
const pX509KeyName = opt('x509_key_name', '[JSValue]', 'Name of X509 key (remote export only)');
const pX509DestCA = opt('destination_x509_ca', 'NonEmptyString', 'Destination X509 CA (remote export only)');
const pZeroFreeSpace = dflt('zero_free_space', 'Bool', false, 'Whether to zero the free space on the disks of the instance');
const pHelperStartupTimeout = opt('helper_startup_timeout', 'Int', 'Startup timeout for the helper VM');
const pHelperShutdownTimeout = opt('helper_shutdown_timeout', 'Int', 'Shutdown timeout for the helper VM');
const pZeroingTimeoutFixed = opt(
  'zeroing_timeout_fixed',
  'Int',
  'The fixed part of time to wait before declaring the zeroing operation to have failed',
);
const pZeroingTimeoutPerMiB = opt(
  'zeroing_timeout_per_mib',
  'Double',
  'The variable part of time to wait before declaring the zeroing operation to have failed, dependent on total size of disks',
);
const pTagsObject = req('kind', 'TagKind', 'Tag kind');
const pTagsName = opt('name', 'String', 'Name of object');
const pTagsList = req('tags', '[String]', 'List of tag names');
const pTagSearchPattern = req('pattern', 'NonEmptyString', 'Search pattern (regular expression)');
const pDelayDuration = req('duration', 'Double', "Duration parameter for 'OpTestDelay'");
const pDelayOnMaster = dflt('on_master', 'Bool', true, "on_master field for 'OpTestDelay'");
const pDelayOnNodes = dflt('on_nodes', '[NonEmptyString]', [], "on_nodes field for 'OpTestDelay'");
const pDelayOnNodeUuids = opt('on_node_uuids', '[NonEmptyString]', "on_node_uuids field for 'OpTestDelay'");
const pDelayRepeat = dflt('repeat', 'NonNegative Int', 0, 'Repeat parameter for OpTestDelay');
const pDelayInterruptible = dflt('interruptible', 'Bool', false, 'Allows socket-based interruption of a running OpTestDelay');
const pDelayNoLocks = dflt('no_locks', 'Bool', true, "Don't take locks during the delay");
const pIAllocatorDirection = req('direction', 'IAllocatorTestDir', 'IAllocator test direction');
const pIAllocatorMode = req('mode', 'IAllocatorMode', 'IAllocator test mode');
const pIAllocatorReqName = req('name', 'NonEmptyString', 'IAllocator target name (new instance, node to evac, etc.)');
const pIAllocatorNics = opt('nics', '[INicParams]', 'Custom OpTestIAllocator nics');
const pIAllocatorDisks = opt('disks', '[JSValue]', 'Custom OpTestAllocator disks');
const pIAllocatorMemory = opt('memory', 'NonNegative Int', 'IAllocator memory field');
const pIAllocatorVCpus = opt('vcpus', 'NonNegative Int', 'IAllocator vcpus field');
const pIAllocatorOs = opt('os', 'NonEmptyString', 'IAllocator os field');
const pIAllocatorInstances = opt('instances', '[NonEmptyString]', 'IAllocator instances field');
const pIAllocatorEvacMode = opt('evac_mode', 'EvacMode', 'IAllocator evac mode');
const pIAllocatorSpindleUse = dflt('spindle_use', 'NonNegative Int', 1, 'IAllocator spindle use');
const pIAllocatorCount = dflt('count', 'NonNegative Int', 1, 'IAllocator count field');
const pJQueueNotifyWaitLock = dflt('notify_waitlock', 'Bool', false, "'OpTestJqueue' notify_waitlock");
const pJQueueNotifyExec = dflt('notify_exec', 'Bool', false, "'OpTestJQueue' notify_exec");
const pJQueueLogMessages = dflt('log_messages', '[String]', [], "'OpTestJQueue' log_messages");
const pJQueueFail = dflt('fail', 'Bool', false, "'OpTestJQueue' fail attribute");
const pTestDummyResult = req('result', 'JSValue', "'OpTestDummy' result field");
const pTestDummyMessages = req('messages', 'JSValue', "'OpTestDummy' messages field");
const pTestDummyFail = req('fail', 'JSValue', "'OpTestDummy' fail field");
const pTestDummySubmitJobs = req('submit_jobs', 'JSValue', "'OpTestDummy' submit_jobs field");
const pNetworkName = req('network_name', 'NonEmptyString', 'Network name');
const pNetworkAddress4 = req('network', 'IPv4Network', 'Network address (IPv4 subnet)');
const pNetworkGateway4 = opt('gateway', 'IPv4Address', 'Network gateway (IPv4 address)');
const pNetworkAddress6 = opt('network6', 'IPv6Network', 'Network address (IPv6 subnet)');
const pNetworkGateway6 = opt('gateway6', 'IPv6Address', 'Network gateway (IPv6 address)');
const pNetworkMacPrefix = opt('mac_prefix', 'NonEmptyString', 'Network specific mac prefix (that overrides the cluster one)');
const pNetworkAddRsvdIps = opt('add_reserved_ips', '[IPv4Address]', 'Which IP addresses to reserve');
const pNetworkRemoveRsvdIps = opt('remove_reserved_ips', '[IPv4Address]', 'Which external IP addresses to release');
const pNetworkMode = req('network_mode', 'NICMode', 'Network mode when connecting to a group');
const pNetworkLink = req('network_link', 'NonEmptyString', 'Network link when connecting to a group');
const pAdminStateSource = opt('admin_state_source', 'AdminStateSource', 'Who last changed the instance admin state');
const pNetworkVlan = dflt('network_vlan', 'String', '', 'Network vlan when connecting to a group');
const pEnabledDataCollectors = opt('enabled_data_collectors', 'GenericContainer String Bool', 'Set the active data collectors');
const pDataCollectorInterval = opt(
  'data_collector_interval',
  'GenericContainer String Int',
  'Sets the interval in that data collectors are run',
);
const pNodeSslCerts = dflt('node_certificates', 'Bool', false, 'Whether to renew node SSL certificates');
const pSshKeyBits = opt('ssh_key_bits', 'Positive Int', 'The number of bits of the SSH key Ganeti uses');
const pSshKeyType = opt('ssh_key_type', 'SshKeyType', 'The type of the SSH key Ganeti uses');
const pRenewSshKeys = dflt('renew_ssh_keys', 'Bool', false, 'Whether to renew SSH keys');
const pNodeSetup = dflt('node_setup', 'Bool', false, 'Whether to perform a SSH setup on the new node');
const pVerifyClutter = dflt('verify_clutter', 'Bool', false, "Whether to check for clutter in the 'authorized_keys' file.");
const pLongSleep = dflt('long_sleep', 'Bool', false, 'Whether to allow long instance shutdowns during exports');

/** Parameters every opcode has (OpCodes.hs `CommonOpParams`), in parse order. */
export const COMMON_OP_PARAMS: readonly OpParamDef[] = [pDryRun, pDebugLevel, pOpPriority, pDependencies, pComment, pReason];

/** Every opcode of Ganeti 3.0, in OpCodes.hs order. */
export const OPCODES: readonly OpCodeDef[] = [
  {
    id: 'OP_CLUSTER_POST_INIT',
    doc: 'Post cluster initialization. This opcode does not touch the cluster at all. Its purpose is to run hooks after the cluster has been initialized.',
    result: 'Bool',
    params: [],
  },
  {
    id: 'OP_CLUSTER_DESTROY',
    doc: 'Destroy the cluster. This opcode has no other parameters. All the state is irreversibly lost after the execution of this opcode.',
    result: 'NonEmptyString',
    params: [],
  },
  {
    id: 'OP_CLUSTER_QUERY',
    doc: 'Query cluster information.',
    result: 'JSObject JSValue',
    params: [],
  },
  {
    id: 'OP_CLUSTER_VERIFY',
    doc: 'Submits all jobs necessary to verify the cluster.',
    result: 'JobIdListOnly',
    params: [pDebugSimulateErrors, pErrorCodes, pSkipChecks, pIgnoreErrors, pVerbose, pOptGroupName, pVerifyClutter],
  },
  {
    id: 'OP_CLUSTER_VERIFY_CONFIG',
    doc: 'Verify the cluster config.',
    result: 'Bool',
    params: [pDebugSimulateErrors, pErrorCodes, pIgnoreErrors, pVerbose],
  },
  {
    id: 'OP_CLUSTER_VERIFY_GROUP',
    doc: 'Run verify on a node group from the cluster. @type skip_checks: C{list} @ivar skip_checks: steps to be skipped from the verify process; this needs to be a subset of L{constants.VERIFY_OPTIONAL_CHECKS}; currently only L{constants.VERIFY_NPLUSONE_MEM} can be passed',
    result: 'Bool',
    params: [pGroupName, pDebugSimulateErrors, pErrorCodes, pSkipChecks, pIgnoreErrors, pVerbose, pVerifyClutter],
  },
  {
    id: 'OP_CLUSTER_VERIFY_DISKS',
    doc: 'Verify the cluster disks.',
    result: 'JobIdListOnly',
    params: [pOptGroupName],
  },
  {
    id: 'OP_GROUP_VERIFY_DISKS',
    doc: 'Verifies the status of all disks in a node group. Result: a tuple of three elements: - dict of node names with issues (values: error msg) - list of instances with degraded disks (that should be activated) - dict of instances with missing logical volumes (values: (node, vol) pairs with details about the missing volumes) In normal operation, all lists should be empty. A non-empty instance list (3rd element of the result) is still ok (errors were fixed) but non-empty node list means some node is down, and probably there are unfixable drbd errors. Note that only instances that are drbd-based are taken into consideration. This might need to be revisited in the future.',
    result: '(Map String String, [String], Map String [[String]])',
    params: [pGroupName],
  },
  {
    id: 'OP_CLUSTER_REPAIR_DISK_SIZES',
    doc: 'Verify the disk sizes of the instances and fixes configuration mismatches. Parameters: optional instances list, in case we want to restrict the checks to only a subset of the instances. Result: a list of tuples, (instance, disk, parameter, new-size) for changed configurations. In normal operation, the list should be empty. @type instances: list @ivar instances: the list of instances to check, or empty for all instances',
    result: '[(NonEmptyString, NonNegative Int, NonEmptyString, NonNegative Int)]',
    params: [pInstances],
  },
  {
    id: 'OP_CLUSTER_CONFIG_QUERY',
    doc: 'Query cluster configuration values.',
    result: '[JSValue]',
    params: [pOutputFields],
  },
  {
    id: 'OP_CLUSTER_RENAME',
    doc: 'Rename the cluster. @type name: C{str} @ivar name: The new name of the cluster. The name and/or the master IP address will be changed to match the new name and its IP address.',
    result: 'NonEmptyString',
    params: [pName],
  },
  {
    id: 'OP_CLUSTER_SET_PARAMS',
    doc: 'Change the parameters of the cluster. @type vg_name: C{str} or C{None} @ivar vg_name: The new volume group name or None to disable LVM usage.',
    result: 'Either () JobIdListOnly',
    params: [
      pForce,
      pHvState,
      pDiskState,
      pVgName,
      pEnabledHypervisors,
      pClusterHvParams,
      pClusterBeParams,
      pOsHvp,
      pClusterOsParams,
      pClusterOsParamsPrivate,
      pGroupDiskParams,
      pCandidatePoolSize,
      pMaxRunningJobs,
      pMaxTrackedJobs,
      pUidPool,
      pAddUids,
      pRemoveUids,
      pMaintainNodeHealth,
      pPreallocWipeDisks,
      pNicParams,
      withDoc('Cluster-wide node parameter defaults', pNdParams),
      withDoc('Cluster-wide ipolicy specs', pIpolicy),
      pDrbdHelper,
      pDefaultIAllocator,
      pDefaultIAllocatorParams,
      pNetworkMacPrefix,
      pMasterNetdev,
      pMasterNetmask,
      pReservedLvs,
      pHiddenOs,
      pBlacklistedOs,
      pUseExternalMipScript,
      pEnabledDiskTemplates,
      pModifyEtcHosts,
      pClusterFileStorageDir,
      pClusterSharedFileStorageDir,
      pClusterGlusterStorageDir,
      pInstallImage,
      pInstanceCommunicationNetwork,
      pZeroingImage,
      pCompressionTools,
      pEnabledUserShutdown,
      pEnabledDataCollectors,
      pDataCollectorInterval,
    ],
  },
  {
    id: 'OP_CLUSTER_REDIST_CONF',
    doc: 'Force a full push of the cluster configuration.',
    result: '()',
    params: [],
  },
  {
    id: 'OP_CLUSTER_ACTIVATE_MASTER_IP',
    doc: 'Activate the master IP on the master node.',
    result: '()',
    params: [],
  },
  {
    id: 'OP_CLUSTER_DEACTIVATE_MASTER_IP',
    doc: 'Deactivate the master IP on the master node.',
    result: '()',
    params: [],
  },
  {
    id: 'OP_CLUSTER_RENEW_CRYPTO',
    doc: "Renews the cluster node's SSL client certificates.",
    result: '()',
    params: [pNodeSslCerts, pRenewSshKeys, pSshKeyType, pSshKeyBits, pVerbose, pDebug],
  },
  {
    id: 'OP_QUERY',
    doc: 'Query for resources/items. @ivar what: Resources to query for, must be one of L{constants.QR_VIA_OP} @ivar fields: List of fields to retrieve @ivar qfilter: Query filter',
    result: 'QueryResponse',
    params: [pQueryWhat, pUseLocking, pQueryFields, pQueryFilter],
  },
  {
    id: 'OP_QUERY_FIELDS',
    doc: 'Query for available resource/item fields. @ivar what: Resources to query for, must be one of L{constants.QR_VIA_OP} @ivar fields: List of fields to retrieve',
    result: 'QueryFieldsResponse',
    params: [pQueryWhat, pQueryFieldsFields],
  },
  {
    id: 'OP_OOB_COMMAND',
    doc: 'Interact with OOB.',
    result: '[[(QueryResultCode, JSValue)]]',
    params: [
      pNodeNames,
      withDoc('List of node UUIDs to run the OOB command against', pNodeUuids),
      pOobCommand,
      pOobTimeout,
      pIgnoreStatus,
      pPowerDelay,
    ],
  },
  {
    id: 'OP_RESTRICTED_COMMAND',
    doc: 'Runs a restricted command on node(s).',
    result: '[(Bool, String)]',
    params: [
      pUseLocking,
      withDoc('Nodes on which the command should be run (at least one)', pRequiredNodes),
      withDoc('Node UUIDs on which the command should be run (at least one)', pRequiredNodeUuids),
      pRestrictedCommand,
    ],
  },
  {
    id: 'OP_NODE_REMOVE',
    doc: 'Remove a node. @type node_name: C{str} @ivar node_name: The name of the node to remove. If the node still has instances on it, the operation will fail.',
    result: '()',
    params: [pNodeName, pNodeUuid],
  },
  {
    id: 'OP_NODE_ADD',
    doc: "Add a node to the cluster. @type node_name: C{str} @ivar node_name: The name of the node to add. This can be a short name, but it will be expanded to the FQDN. @type primary_ip: IP address @ivar primary_ip: The primary IP of the node. This will be ignored when the opcode is submitted, but will be filled during the node add (so it will be visible in the job query). @type secondary_ip: IP address @ivar secondary_ip: The secondary IP of the node. This needs to be passed if the cluster has been initialized in 'dual-network' mode, otherwise it must not be given. @type readd: C{bool} @ivar readd: Whether to re-add an existing node to the cluster. If this is not passed, then the operation will abort if the node name is already in the cluster; use this parameter to 'repair' a node that had its configuration broken, or was reinstalled without removal from the cluster. @type group: C{str} @ivar group: The node group to which this node will belong. @type vm_capable: C{bool} @ivar vm_capable: The vm_capable node attribute @type master_capable: C{bool} @ivar master_capable: The master_capable node attribute",
    result: '()',
    params: [
      pNodeName,
      pHvState,
      pDiskState,
      pPrimaryIp,
      pSecondaryIp,
      pReadd,
      pNodeGroup,
      pMasterCapable,
      pVmCapable,
      pNdParams,
      pNodeSetup,
    ],
  },
  {
    id: 'OP_NODE_QUERYVOLS',
    doc: 'Get list of volumes on node.',
    result: '[JSValue]',
    params: [pOutputFields, withDoc('Empty list to query all nodes, node names otherwise', pNodes)],
  },
  {
    id: 'OP_NODE_QUERY_STORAGE',
    doc: 'Get information on storage for node(s).',
    result: '[[JSValue]]',
    params: [pOutputFields, pOptStorageType, withDoc('Empty list to query all, list of names to query otherwise', pNodes), pStorageName],
  },
  {
    id: 'OP_NODE_MODIFY_STORAGE',
    doc: 'Modifies the properies of a storage unit',
    result: '()',
    params: [pNodeName, pNodeUuid, pStorageType, pStorageName, pStorageChanges],
  },
  {
    id: 'OP_REPAIR_NODE_STORAGE',
    doc: 'Repairs the volume group on a node.',
    result: '()',
    params: [pNodeName, pNodeUuid, pStorageType, pStorageName, pIgnoreConsistency],
  },
  {
    id: 'OP_NODE_SET_PARAMS',
    doc: 'Change the parameters of a node.',
    result: '[(NonEmptyString, JSValue)]',
    params: [
      pNodeName,
      pNodeUuid,
      pForce,
      pHvState,
      pDiskState,
      pMasterCandidate,
      withDoc('Whether to mark the node offline', pOffline),
      pDrained,
      pAutoPromote,
      pMasterCapable,
      pVmCapable,
      pSecondaryIp,
      pNdParams,
      pPowered,
    ],
  },
  {
    id: 'OP_NODE_POWERCYCLE',
    doc: 'Tries to powercycle a node.',
    result: 'Maybe NonEmptyString',
    params: [pNodeName, pNodeUuid, pForce],
  },
  {
    id: 'OP_NODE_MIGRATE',
    doc: 'Migrate all instances from a node.',
    result: 'JobIdListOnly',
    params: [
      pNodeName,
      pNodeUuid,
      pMigrationMode,
      pMigrationLive,
      pMigrationTargetNode,
      pMigrationTargetNodeUuid,
      pAllowRuntimeChgs,
      pIgnoreIpolicy,
      pIallocator,
    ],
  },
  {
    id: 'OP_NODE_EVACUATE',
    doc: 'Evacuate instances off a number of nodes.',
    result: 'JobIdListOnly',
    params: [pEarlyRelease, pNodeName, pNodeUuid, pRemoteNode, pRemoteNodeUuid, pIallocator, pEvacMode, pIgnoreSoftErrors],
  },
  {
    id: 'OP_INSTANCE_CREATE',
    doc: 'Create an instance. @ivar instance_name: Instance name @ivar mode: Instance creation mode (one of L{constants.INSTANCE_CREATE_MODES}) @ivar source_handshake: Signed handshake from source (remote import only) @ivar source_x509_ca: Source X509 CA in PEM format (remote import only) @ivar source_instance_name: Previous name of instance (remote import only) @ivar source_shutdown_timeout: Shutdown timeout used for source instance (remote import only)',
    result: '[NonEmptyString]',
    params: [
      pInstanceName,
      pForceVariant,
      pWaitForSync,
      pNameCheck,
      pIgnoreIpolicy,
      pOpportunisticLocking,
      pInstBeParams,
      pInstDisks,
      pOptDiskTemplate,
      pOptGroupName,
      pFileDriver,
      pFileStorageDir,
      pInstHvParams,
      pHypervisor,
      pIallocator,
      pResetDefaults,
      pIpCheck,
      pIpConflictsCheck,
      pInstCreateMode,
      pInstNics,
      pNoInstall,
      pInstOsParams,
      pInstOsParamsPrivate,
      pInstOsParamsSecret,
      pInstOs,
      pPrimaryNode,
      pPrimaryNodeUuid,
      pSecondaryNode,
      pSecondaryNodeUuid,
      pSourceHandshake,
      pSourceInstance,
      pSourceShutdownTimeout,
      pSourceX509Ca,
      pSrcNode,
      pSrcNodeUuid,
      pSrcPath,
      pBackupCompress,
      pStartInstance,
      pForthcoming,
      pCommit,
      pInstTags,
      pInstanceCommunication,
      pHelperStartupTimeout,
      pHelperShutdownTimeout,
    ],
  },
  {
    id: 'OP_INSTANCE_MULTI_ALLOC',
    doc: 'Allocates multiple instances.',
    result: 'InstanceMultiAllocResponse',
    params: [pOpportunisticLocking, pIallocator, pMultiAllocInstances],
  },
  {
    id: 'OP_INSTANCE_REINSTALL',
    doc: "Reinstall an instance's OS.",
    result: '()',
    params: [pInstanceName, pInstanceUuid, pForceVariant, pInstOs, pTempOsParams, pTempOsParamsPrivate, pTempOsParamsSecret],
  },
  {
    id: 'OP_INSTANCE_REMOVE',
    doc: 'Remove an instance.',
    result: '()',
    params: [pInstanceName, pInstanceUuid, pShutdownTimeout, pIgnoreFailures],
  },
  {
    id: 'OP_INSTANCE_RENAME',
    doc: 'Rename an instance.',
    result: 'NonEmptyString',
    params: [pInstanceName, pInstanceUuid, withDoc('New instance name', pNewName), pNameCheck, pIpCheck],
  },
  {
    id: 'OP_INSTANCE_STARTUP',
    doc: 'Startup an instance.',
    result: '()',
    params: [
      pInstanceName,
      pInstanceUuid,
      pForce,
      pIgnoreOfflineNodes,
      pTempHvParams,
      pTempBeParams,
      pNoRemember,
      pStartupPaused,
      pShutdownTimeout,
    ],
  },
  {
    id: 'OP_INSTANCE_SHUTDOWN',
    doc: 'Shutdown an instance.',
    result: '()',
    params: [pInstanceName, pInstanceUuid, pForce, pIgnoreOfflineNodes, pInstShutdownTimeout, pNoRemember, pAdminStateSource],
  },
  {
    id: 'OP_INSTANCE_REBOOT',
    doc: 'Reboot an instance.',
    result: '()',
    params: [pInstanceName, pInstanceUuid, pShutdownTimeout, pIgnoreSecondaries, pRebootType],
  },
  {
    id: 'OP_INSTANCE_REPLACE_DISKS',
    doc: 'Replace the disks of an instance.',
    result: '()',
    params: [
      pInstanceName,
      pInstanceUuid,
      pEarlyRelease,
      pIgnoreIpolicy,
      pReplaceDisksMode,
      pReplaceDisksList,
      pRemoteNode,
      pRemoteNodeUuid,
      pIallocator,
    ],
  },
  {
    id: 'OP_INSTANCE_FAILOVER',
    doc: 'Failover an instance.',
    result: '()',
    params: [
      pInstanceName,
      pInstanceUuid,
      pShutdownTimeout,
      pIgnoreConsistency,
      pMigrationTargetNode,
      pMigrationTargetNodeUuid,
      pIgnoreIpolicy,
      pMigrationCleanup,
      pIallocator,
    ],
  },
  {
    id: 'OP_INSTANCE_MIGRATE',
    doc: 'Migrate an instance. This migrates (without shutting down an instance) to its secondary node. @ivar instance_name: the name of the instance @ivar mode: the migration mode (live, non-live or None for auto)',
    result: '()',
    params: [
      pInstanceName,
      pInstanceUuid,
      pMigrationMode,
      pMigrationLive,
      pMigrationTargetNode,
      pMigrationTargetNodeUuid,
      pAllowRuntimeChgs,
      pIgnoreIpolicy,
      pMigrationCleanup,
      pIallocator,
      pAllowFailover,
      pIgnoreHVVersions,
    ],
  },
  {
    id: 'OP_INSTANCE_MOVE',
    doc: 'Move an instance. This move (with shutting down an instance and data copying) to an arbitrary node. @ivar instance_name: the name of the instance @ivar target_node: the destination node',
    result: '()',
    params: [
      pInstanceName,
      pInstanceUuid,
      pShutdownTimeout,
      pIgnoreIpolicy,
      pMoveTargetNode,
      pMoveTargetNodeUuid,
      pMoveCompress,
      pIgnoreConsistency,
    ],
  },
  {
    id: 'OP_INSTANCE_CONSOLE',
    doc: "Connect to an instance's console.",
    result: 'JSObject JSValue',
    params: [pInstanceName, pInstanceUuid],
  },
  {
    id: 'OP_INSTANCE_ACTIVATE_DISKS',
    doc: "Activate an instance's disks.",
    result: '[(NonEmptyString, NonEmptyString, Maybe NonEmptyString)]',
    params: [pInstanceName, pInstanceUuid, pIgnoreDiskSize, pWaitForSyncFalse],
  },
  {
    id: 'OP_INSTANCE_DEACTIVATE_DISKS',
    doc: "Deactivate an instance's disks.",
    result: '()',
    params: [pInstanceName, pInstanceUuid, pForce],
  },
  {
    id: 'OP_INSTANCE_RECREATE_DISKS',
    doc: "Recreate an instance's disks.",
    result: '()',
    params: [
      pInstanceName,
      pInstanceUuid,
      pRecreateDisksInfo,
      withDoc('New instance nodes, if relocation is desired', pNodes),
      withDoc('New instance node UUIDs, if relocation is desired', pNodeUuids),
      pIallocator,
    ],
  },
  {
    id: 'OP_INSTANCE_QUERY_DATA',
    doc: 'Compute the run-time status of instances.',
    result: 'JSObject (JSObject JSValue)',
    params: [pUseLocking, pInstances, pStatic],
  },
  {
    id: 'OP_INSTANCE_SET_PARAMS',
    doc: 'Change the parameters of an instance.',
    result: '[(NonEmptyString, JSValue)]',
    params: [
      pInstanceName,
      pInstanceUuid,
      pForce,
      pForceVariant,
      pIgnoreIpolicy,
      pInstParamsNicChanges,
      pInstParamsDiskChanges,
      pInstBeParams,
      pRuntimeMem,
      pInstHvParams,
      pOptDiskTemplate,
      pExtParams,
      pFileDriver,
      pFileStorageDir,
      pPrimaryNode,
      pPrimaryNodeUuid,
      withDoc('Secondary node (used when changing disk template)', pRemoteNode),
      withDoc('Secondary node UUID (used when changing disk template)', pRemoteNodeUuid),
      pIallocator,
      pOsNameChange,
      pInstOsParams,
      pInstOsParamsPrivate,
      pWaitForSync,
      withDoc('Whether to mark the instance as offline', pOffline),
      pIpConflictsCheck,
      pHotplug,
      pHotplugIfPossible,
      pOptInstanceCommunication,
    ],
  },
  {
    id: 'OP_INSTANCE_GROW_DISK',
    doc: 'Grow a disk of an instance.',
    result: '()',
    params: [pInstanceName, pInstanceUuid, pWaitForSync, pDiskIndex, pDiskChgAmount, pDiskChgAbsolute, pIgnoreIpolicy],
  },
  {
    id: 'OP_INSTANCE_CHANGE_GROUP',
    doc: 'Moves an instance to another node group.',
    result: 'JobIdListOnly',
    params: [pInstanceName, pInstanceUuid, pEarlyRelease, pIallocator, pTargetGroups],
  },
  {
    id: 'OP_GROUP_ADD',
    doc: 'Add a node group to the cluster.',
    result: 'Either () JobIdListOnly',
    params: [
      pGroupName,
      pNodeGroupAllocPolicy,
      pGroupNodeParams,
      pGroupDiskParams,
      pHvState,
      pDiskState,
      withDoc('Group-wide ipolicy specs', pIpolicy),
    ],
  },
  {
    id: 'OP_GROUP_ASSIGN_NODES',
    doc: 'Assign nodes to a node group.',
    result: '()',
    params: [
      pGroupName,
      pForce,
      withDoc('List of nodes to assign', pRequiredNodes),
      withDoc('List of node UUIDs to assign', pRequiredNodeUuids),
    ],
  },
  {
    id: 'OP_GROUP_SET_PARAMS',
    doc: 'Change the parameters of a node group.',
    result: '[(NonEmptyString, JSValue)]',
    params: [
      pGroupName,
      pNodeGroupAllocPolicy,
      pGroupNodeParams,
      pGroupDiskParams,
      pHvState,
      pDiskState,
      withDoc('Group-wide ipolicy specs', pIpolicy),
    ],
  },
  {
    id: 'OP_GROUP_REMOVE',
    doc: 'Remove a node group from the cluster.',
    result: '()',
    params: [pGroupName],
  },
  {
    id: 'OP_GROUP_RENAME',
    doc: 'Rename a node group in the cluster.',
    result: 'NonEmptyString',
    params: [pGroupName, withDoc('New group name', pNewName)],
  },
  {
    id: 'OP_GROUP_EVACUATE',
    doc: 'Evacuate a node group in the cluster.',
    result: 'JobIdListOnly',
    params: [pGroupName, pEarlyRelease, pIallocator, pTargetGroups, pSequential, pForceFailover],
  },
  {
    id: 'OP_OS_DIAGNOSE',
    doc: 'Compute the list of guest operating systems.',
    result: '[[JSValue]]',
    params: [pOutputFields, withDoc('Which operating systems to diagnose', pNames)],
  },
  {
    id: 'OP_EXT_STORAGE_DIAGNOSE',
    doc: 'Compute the list of external storage providers.',
    result: '[[JSValue]]',
    params: [pOutputFields, withDoc('Which ExtStorage Provider to diagnose', pNames)],
  },
  {
    id: 'OP_BACKUP_PREPARE',
    doc: 'Prepares an instance export. @ivar instance_name: Instance name @ivar mode: Export mode (one of L{constants.EXPORT_MODES})',
    result: 'Maybe (JSObject JSValue)',
    params: [pInstanceName, pInstanceUuid, pExportMode],
  },
  {
    id: 'OP_BACKUP_EXPORT',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Ganeti's own text, not a template.
    doc: 'Export an instance. For local exports, the export destination is the node name. For remote exports, the export destination is a list of tuples, each consisting of hostname/IP address, port, magic, HMAC and HMAC salt. The HMAC is calculated using the cluster domain secret over the value "${index}:${hostname}:${port}". The destination X509 CA must be a signed certificate. @ivar mode: Export mode (one of L{constants.EXPORT_MODES}) @ivar target_node: Export destination @ivar x509_key_name: X509 key to use (remote export only) @ivar destination_x509_ca: Destination X509 CA in PEM format (remote export only)',
    result: '(Bool, [Bool])',
    params: [
      pInstanceName,
      pInstanceUuid,
      pBackupCompress,
      pShutdownTimeout,
      pExportTargetNode,
      pExportTargetNodeUuid,
      pShutdownInstance,
      pRemoveInstance,
      pIgnoreRemoveFailures,
      withDefault('local', pExportMode),
      pX509KeyName,
      pX509DestCA,
      pZeroFreeSpace,
      pZeroingTimeoutFixed,
      pZeroingTimeoutPerMiB,
      pLongSleep,
    ],
  },
  {
    id: 'OP_BACKUP_REMOVE',
    doc: "Remove an instance's export.",
    result: '()',
    params: [pInstanceName, pInstanceUuid],
  },
  {
    id: 'OP_TAGS_GET',
    doc: 'Returns the tags of the given object.',
    result: '[NonEmptyString]',
    params: [pTagsObject, pUseLocking, withDoc('Name of object to retrieve tags from', pTagsName)],
  },
  {
    id: 'OP_TAGS_SEARCH',
    doc: 'Searches the tags in the cluster for a given pattern.',
    result: '[(NonEmptyString, NonEmptyString)]',
    params: [pTagSearchPattern],
  },
  {
    id: 'OP_TAGS_SET',
    doc: 'Add a list of tags on a given object.',
    result: '()',
    params: [pTagsObject, pTagsList, withDoc('Name of object where tag(s) should be added', pTagsName)],
  },
  {
    id: 'OP_TAGS_DEL',
    doc: 'Remove a list of tags from a given object.',
    result: '()',
    params: [pTagsObject, pTagsList, withDoc('Name of object where tag(s) should be deleted', pTagsName)],
  },
  {
    id: 'OP_TEST_DELAY',
    doc: 'Sleeps for a configured amount of time. This is used just for debugging and testing. Parameters: - duration: the time to sleep, in seconds - on_master: if true, sleep on the master - on_nodes: list of nodes in which to sleep If the on_master parameter is true, it will execute a sleep on the master (before any node sleep). If the on_nodes list is not empty, it will sleep on those nodes (after the sleep on the master, if that is enabled). As an additional feature, the case of duration < 0 will be reported as an execution error, so this opcode can be used as a failure generator. The case of duration == 0 will not be treated specially.',
    result: '()',
    params: [pDelayDuration, pDelayOnMaster, pDelayOnNodes, pDelayOnNodeUuids, pDelayRepeat, pDelayInterruptible, pDelayNoLocks],
  },
  {
    id: 'OP_TEST_ALLOCATOR',
    doc: "Allocator framework testing. This opcode has two modes: - gather and return allocator input for a given mode (allocate new or replace secondary) and a given instance definition (direction 'in') - run a selected allocator for a given operation (as above) and return the allocator output (direction 'out')",
    result: 'String',
    params: [
      pIAllocatorDirection,
      pIAllocatorMode,
      pIAllocatorReqName,
      pIAllocatorNics,
      pIAllocatorDisks,
      pHypervisor,
      pIallocator,
      pInstTags,
      pIAllocatorMemory,
      pIAllocatorVCpus,
      pIAllocatorOs,
      pOptDiskTemplate,
      pIAllocatorInstances,
      pIAllocatorEvacMode,
      pTargetGroups,
      pIAllocatorSpindleUse,
      pIAllocatorCount,
      pOptGroupName,
    ],
  },
  {
    id: 'OP_TEST_JQUEUE',
    doc: 'Utility opcode to test some aspects of the job queue.',
    result: 'Bool',
    params: [pJQueueNotifyWaitLock, pJQueueNotifyExec, pJQueueLogMessages, pJQueueFail],
  },
  {
    id: 'OP_TEST_OS_PARAMS',
    doc: 'Utility opcode to test secret os parameter transmission.',
    result: '()',
    params: [pInstOsParamsSecret],
  },
  {
    id: 'OP_TEST_DUMMY',
    doc: 'Utility opcode used by unittests.',
    result: '()',
    params: [pTestDummyResult, pTestDummyMessages, pTestDummyFail, pTestDummySubmitJobs],
  },
  {
    id: 'OP_NETWORK_ADD',
    doc: 'Add an IP network to the cluster.',
    result: '()',
    params: [
      pNetworkName,
      pNetworkAddress4,
      pNetworkGateway4,
      pNetworkAddress6,
      pNetworkGateway6,
      pNetworkMacPrefix,
      pNetworkAddRsvdIps,
      pIpConflictsCheck,
      withDoc('Network tags', pInstTags),
    ],
  },
  {
    id: 'OP_NETWORK_REMOVE',
    doc: 'Remove an existing network from the cluster. Must not be connected to any nodegroup.',
    result: '()',
    params: [pNetworkName, pForce],
  },
  {
    id: 'OP_NETWORK_SET_PARAMS',
    doc: "Modify Network's parameters except for IPv4 subnet",
    result: '()',
    params: [
      pNetworkName,
      pNetworkGateway4,
      pNetworkAddress6,
      pNetworkGateway6,
      pNetworkMacPrefix,
      withDoc('Which external IP addresses to reserve', pNetworkAddRsvdIps),
      pNetworkRemoveRsvdIps,
    ],
  },
  {
    id: 'OP_NETWORK_CONNECT',
    doc: 'Connect a Network to a specific Nodegroup with the defined netparams (mode, link). Nics in this Network will inherit those params. Produce errors if a NIC (that its not already assigned to a network) has an IP that is contained in the Network this will produce error unless --no-conflicts-check is passed.',
    result: '()',
    params: [pGroupName, pNetworkName, pNetworkMode, pNetworkLink, pNetworkVlan, pIpConflictsCheck],
  },
  {
    id: 'OP_NETWORK_DISCONNECT',
    doc: 'Disconnect a Network from a Nodegroup. Produce errors if NICs are present in the Network unless --no-conficts-check option is passed.',
    result: '()',
    params: [pGroupName, pNetworkName],
  },
];
