/**
 * RapiClient: a typed method per resource of Ganeti's Remote API v2 (Ganeti 3.0's
 * doc/rapi.rst and lib/rapi/connector.py; the same resources as Python's
 * GanetiRapiClient), over client-transport.ts. Writes resolve with the id of the job the
 * server submitted; `waitForJob` follows one to its end. Nothing is ever re-sent.
 */
import type { QueryFilter } from '../protocols/luxi/types.js';
import { RapiError, RapiErrorCodes, RapiTimeoutError } from './client-errors.js';
import {
  RapiTransport,
  resolveRapiClientOptions,
  type QueryPairs,
  type RapiCallOptions,
  type RapiClientOptions,
  type ResolvedRapiClientOptions,
} from './client-transport.js';
export type { QueryPairs, RapiCallOptions, RapiClientOptions, ResolvedRapiClientOptions } from './client-transport.js';
import type {
  JobId,
  JobLogEntry,
  JobStatus,
  RapiClusterInfo,
  RapiClusterModifyBody,
  RapiFeature,
  RapiFilterBody,
  RapiFilterRule,
  RapiGroup,
  RapiGroupCreateBody,
  RapiGroupModifyBody,
  RapiIdUri,
  RapiInstance,
  RapiInstanceConsole,
  RapiInstanceCreateBody,
  RapiInstanceExportBody,
  RapiInstanceFailoverBody,
  RapiInstanceGrowDiskBody,
  RapiInstanceMigrateBody,
  RapiInstanceModifyBody,
  RapiInstanceRebootBody,
  RapiInstanceRecreateDisksBody,
  RapiInstanceReinstallBody,
  RapiInstanceRemoveBody,
  RapiInstanceRenameBody,
  RapiInstanceReplaceDisksBody,
  RapiInstanceShutdownBody,
  RapiInstancesMultiAllocBody,
  RapiJob,
  RapiJobChange,
  RapiJobSummary,
  RapiJobUri,
  RapiNameUri,
  RapiNetwork,
  RapiNetworkConnectBody,
  RapiNetworkCreateBody,
  RapiNetworkDisconnectBody,
  RapiNetworkModifyBody,
  RapiNode,
  RapiNodeEvacuateBody,
  RapiNodeMigrateBody,
  RapiNodeModifyBody,
  RapiNodeRole,
  RapiQueryFieldsResult,
  RapiQueryResource,
  RapiQueryResult,
  RapiUuidUri,
} from './types.js';

/** Options of reads that take a reason (`?reason=`, recorded in the reason trail of jobs). */
export interface RapiReadOptions extends RapiCallOptions {
  reason?: string;
}
/** Options of writes: a reason, and `?dry-run=1` where the resource reads it. */
export interface RapiWriteOptions extends RapiReadOptions {
  dryRun?: boolean;
}
/** Options of writes that also take `?force=1`. */
export interface RapiForceOptions extends RapiWriteOptions {
  force?: boolean;
}
/** `bulk: true` asks for whole records instead of `{id|name, uri}` entries. */
export interface RapiListOptions extends RapiReadOptions {
  bulk?: boolean;
}
type Bulk = RapiListOptions & { bulk: true };
type NotBulk = RapiListOptions & { bulk?: false };

/** Options of {@link RapiClient.waitForJob}. */
export interface RapiWaitForJobOptions {
  /** Stops waiting; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Longest wait in all, in ms; then RapiTimeoutError. `0` = none. Default: 0. */
  timeoutMs?: number;
  /** Called with each new job log entry, in order. */
  onProgress?: (entry: JobLogEntry) => void;
  /** Called with each status change. */
  onStatus?: (status: JobStatus) => void;
}

/** Job statuses after which a job never changes again. */
const FINAL_STATUSES: ReadonlySet<string> = new Set(['success', 'error', 'canceled']);

type QueryValue = string | number | boolean | undefined;

/** Builds query pairs: undefined is left out, booleans are `1`/`0` (Python's `_EncodeQuery`). */
function query(...pairs: Array<readonly [string, QueryValue]>): QueryPairs {
  const out: Array<[string, string]> = [];
  for (const [key, value] of pairs) {
    if (value === undefined) continue;
    out.push([key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value)]);
  }
  return out;
}

/** A flag that is sent only when set, as Python's `_AppendIf`. */
const flag = (value: boolean | undefined): true | undefined => (value === true ? true : undefined);
/** `reason` when non-empty, as Python's `_AppendReason`. */
const reasonOf = (options: RapiReadOptions): readonly [string, QueryValue] => ['reason', options.reason || undefined];
const dryRunOf = (options: RapiWriteOptions): readonly [string, QueryValue] => ['dry-run', flag(options.dryRun)];
const tagPairs = (tags: readonly string[]): Array<readonly [string, QueryValue]> => tags.map((tag) => ['tag', tag] as const);

/** `/2/<collection>/<name>[/<rest>]`, the name percent-encoded. */
function item(collection: string, name: string | number | bigint, rest = ''): string {
  if (typeof name === 'string' && name === '') throw new TypeError(`the ${collection.replace(/s$/, '')} name must not be empty`);
  return `/2/${collection}/${encodeURIComponent(String(name))}${rest}`;
}

/**
 * A typed Ganeti RAPI v2 client over HTTP(S), with Basic authentication, a CA or a pinned
 * certificate, a timeout and an AbortSignal per call. Each method sends exactly one request
 * (waitForJob: a series of `/wait` requests), and none is ever re-sent: on a broken
 * connection a write may or may not have happened (see RapiConnectionError.requestSent).
 */
export class RapiClient {
  readonly #transport: RapiTransport;

  /** @throws TypeError / RangeError for bad options (see {@link RapiClientOptions}). */
  constructor(options: RapiClientOptions) {
    this.#transport = new RapiTransport(resolveRapiClientOptions(options));
  }

  /** The resolved options (URL parts, limits, timeouts; the credentials as the header). */
  get options(): ResolvedRapiClientOptions {
    return this.#transport.options;
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#transport.pending;
  }

  /** Waits for the requests in flight, then closes the kept-alive connections; new requests are refused. */
  close(): Promise<void> {
    return this.#transport.close();
  }

  /** Fails the requests in flight and closes every connection now. */
  destroy(): void {
    this.#transport.destroy();
  }

  /**
   * Sends any request: `path` as given (encode names yourself), `body` as JSON.
   * Resolves with the decoded answer. For resources this class has no method for.
   */
  async request(method: string, path: string, options: RapiCallOptions & { query?: QueryPairs; body?: unknown } = {}): Promise<unknown> {
    if (!path.startsWith('/')) throw new TypeError(`path must start with "/", got ${JSON.stringify(path)}`);
    return this.#transport.request(method, path, options.query ?? [], options.body, options);
  }

  #get<T>(path: string, q: QueryPairs, options: RapiCallOptions, body?: unknown): Promise<T> {
    return this.#transport.request('GET', path, q, body, options) as Promise<T>;
  }
  #put<T = JobId>(path: string, q: QueryPairs, options: RapiCallOptions, body?: unknown): Promise<T> {
    return this.#transport.request('PUT', path, q, body, options) as Promise<T>;
  }
  #post<T = JobId>(path: string, q: QueryPairs, options: RapiCallOptions, body?: unknown): Promise<T> {
    return this.#transport.request('POST', path, q, body, options) as Promise<T>;
  }
  #delete<T = JobId>(path: string, q: QueryPairs, options: RapiCallOptions, body?: unknown): Promise<T> {
    return this.#transport.request('DELETE', path, q, body, options) as Promise<T>;
  }

  // --- Cluster ---------------------------------------------------------------------

  /** `GET /version`: the RAPI version (2). */
  async getVersion(options: RapiCallOptions = {}): Promise<number> {
    return this.#get('/version', [], options);
  }
  /** `GET /2/features`: the optional features the server has. */
  async getFeatures(options: RapiCallOptions = {}): Promise<Array<RapiFeature | (string & {})>> {
    return this.#get('/2/features', [], options);
  }
  /** `GET /2/info`: the cluster's configuration and versions. */
  async getInfo(options: RapiReadOptions = {}): Promise<RapiClusterInfo> {
    return this.#get('/2/info', query(reasonOf(options)), options);
  }
  /** `GET /2/os`: the OS names (with variants, `debootstrap+default`). The server runs OP_OS_DIAGNOSE for it. */
  async getOperatingSystems(options: RapiReadOptions = {}): Promise<string[]> {
    return this.#get('/2/os', query(reasonOf(options)), options);
  }
  /** `PUT /2/redistribute-config`. */
  async redistributeConfig(options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put('/2/redistribute-config', query(reasonOf(options)), options);
  }
  /** `PUT /2/modify`: OP_CLUSTER_SET_PARAMS. */
  async modifyCluster(body: RapiClusterModifyBody, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put('/2/modify', query(reasonOf(options)), options, body);
  }
  /** `GET /2/tags`. */
  async getClusterTags(options: RapiReadOptions = {}): Promise<string[]> {
    return this.#get('/2/tags', query(reasonOf(options)), options);
  }
  /** `PUT /2/tags?tag=...`. */
  async addClusterTags(tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#put('/2/tags', query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }
  /** `DELETE /2/tags?tag=...`. */
  async deleteClusterTags(tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#delete('/2/tags', query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }

  // --- Instances -------------------------------------------------------------------

  /** `GET /2/instances`: `{id, uri}` entries, or whole records with `bulk: true`. */
  getInstances(options: Bulk): Promise<RapiInstance[]>;
  getInstances(options?: NotBulk): Promise<RapiIdUri[]>;
  async getInstances(options: RapiListOptions = {}): Promise<RapiInstance[] | RapiIdUri[]> {
    return this.#get('/2/instances', query(['bulk', flag(options.bulk)], reasonOf(options)), options);
  }
  /** `GET /2/instances/NAME`. */
  async getInstance(name: string, options: RapiReadOptions = {}): Promise<RapiInstance> {
    return this.#get(item('instances', name), query(reasonOf(options)), options);
  }
  /** `GET /2/instances/NAME/info`: submits OP_INSTANCE_QUERY_DATA; the job's result has the details. */
  async getInstanceInfo(name: string, options: RapiReadOptions & { static?: boolean } = {}): Promise<JobId> {
    return this.#get(item('instances', name, '/info'), query(['static', options.static], reasonOf(options)), options);
  }
  /** `POST /2/instances` (request version 1; `__version__: 1` is added). */
  async createInstance(body: RapiInstanceCreateBody, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#post('/2/instances', query(dryRunOf(options), reasonOf(options)), options, { ...body, __version__: 1 });
  }
  /** `POST /2/instances-multi-alloc`. */
  async createInstances(body: RapiInstancesMultiAllocBody, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#post('/2/instances-multi-alloc', query(dryRunOf(options), reasonOf(options)), options, body);
  }
  /** `PUT /2/instances/NAME/modify`: OP_INSTANCE_SET_PARAMS. */
  async modifyInstance(name: string, body: RapiInstanceModifyBody, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put(item('instances', name, '/modify'), query(reasonOf(options)), options, body);
  }
  /** `DELETE /2/instances/NAME`: OP_INSTANCE_REMOVE. */
  async deleteInstance(name: string, body: RapiInstanceRemoveBody = {}, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#delete(item('instances', name), query(dryRunOf(options), reasonOf(options)), options, body);
  }
  /** `PUT /2/instances/NAME/startup`. */
  async startupInstance(name: string, options: RapiForceOptions & { noRemember?: boolean } = {}): Promise<JobId> {
    const q = query(['force', flag(options.force)], dryRunOf(options), ['no_remember', flag(options.noRemember)], reasonOf(options));
    return this.#put(item('instances', name, '/startup'), q, options);
  }
  /** `PUT /2/instances/NAME/shutdown`; the body may set `timeout` (s) and `ignore_offline_nodes`. */
  async shutdownInstance(
    name: string,
    body: RapiInstanceShutdownBody = {},
    options: RapiWriteOptions & { noRemember?: boolean } = {},
  ): Promise<JobId> {
    const q = query(dryRunOf(options), ['no_remember', flag(options.noRemember)], reasonOf(options));
    return this.#put(item('instances', name, '/shutdown'), q, options, body);
  }
  /** `POST /2/instances/NAME/reboot`; `type` defaults to `hard` on the server. */
  async rebootInstance(
    name: string,
    body: RapiInstanceRebootBody = {},
    options: RapiWriteOptions & { type?: 'soft' | 'hard' | 'full'; ignoreSecondaries?: boolean } = {},
  ): Promise<JobId> {
    const q = query(dryRunOf(options), ['type', options.type], ['ignore_secondaries', options.ignoreSecondaries], reasonOf(options));
    return this.#post(item('instances', name, '/reboot'), q, options, body);
  }
  /** `POST /2/instances/NAME/reinstall` (request version 1): shutdown, reinstall, and startup unless `start: false`. */
  async reinstallInstance(name: string, body: RapiInstanceReinstallBody = {}, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#post(item('instances', name, '/reinstall'), query(reasonOf(options)), options, body);
  }
  /** `POST /2/instances/NAME/replace-disks` (parameters in the body). */
  async replaceInstanceDisks(name: string, body: RapiInstanceReplaceDisksBody, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#post(item('instances', name, '/replace-disks'), query(reasonOf(options)), options, body);
  }
  /** `PUT /2/instances/NAME/activate-disks`. */
  async activateInstanceDisks(name: string, options: RapiReadOptions & { ignoreSize?: boolean } = {}): Promise<JobId> {
    return this.#put(
      item('instances', name, '/activate-disks'),
      query(['ignore_size', flag(options.ignoreSize)], reasonOf(options)),
      options,
    );
  }
  /** `PUT /2/instances/NAME/deactivate-disks`. */
  async deactivateInstanceDisks(name: string, options: RapiReadOptions & { force?: boolean } = {}): Promise<JobId> {
    return this.#put(item('instances', name, '/deactivate-disks'), query(['force', flag(options.force)], reasonOf(options)), options);
  }
  /** `POST /2/instances/NAME/recreate-disks`. */
  async recreateInstanceDisks(name: string, body: RapiInstanceRecreateDisksBody = {}, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#post(item('instances', name, '/recreate-disks'), query(reasonOf(options)), options, body);
  }
  /** `POST /2/instances/NAME/disk/INDEX/grow`; `amount` in MiB. */
  async growInstanceDisk(name: string, disk: number, body: RapiInstanceGrowDiskBody, options: RapiReadOptions = {}): Promise<JobId> {
    if (!Number.isInteger(disk) || disk < 0) throw new RangeError(`disk must be a disk index (0, 1, ...), got ${String(disk)}`);
    return this.#post(item('instances', name, `/disk/${disk}/grow`), query(reasonOf(options)), options, body);
  }
  /** `PUT /2/instances/NAME/prepare-export?mode=...`. */
  async prepareInstanceExport(name: string, mode: 'local' | 'remote', options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put(item('instances', name, '/prepare-export'), query(['mode', mode], reasonOf(options)), options);
  }
  /** `PUT /2/instances/NAME/export`. */
  async exportInstance(name: string, body: RapiInstanceExportBody, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put(item('instances', name, '/export'), query(reasonOf(options)), options, body);
  }
  /** `PUT /2/instances/NAME/migrate`. */
  async migrateInstance(name: string, body: RapiInstanceMigrateBody = {}, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put(item('instances', name, '/migrate'), query(reasonOf(options)), options, body);
  }
  /** `PUT /2/instances/NAME/failover`. */
  async failoverInstance(name: string, body: RapiInstanceFailoverBody = {}, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put(item('instances', name, '/failover'), query(reasonOf(options)), options, body);
  }
  /** `PUT /2/instances/NAME/rename`. */
  async renameInstance(name: string, body: RapiInstanceRenameBody, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put(item('instances', name, '/rename'), query(reasonOf(options)), options, body);
  }
  /** `GET /2/instances/NAME/console`: how to reach the console (503 when the instance is not running). */
  async getInstanceConsole(name: string, options: RapiReadOptions = {}): Promise<RapiInstanceConsole> {
    return this.#get(item('instances', name, '/console'), query(reasonOf(options)), options);
  }
  /** `GET /2/instances/NAME/tags`. */
  async getInstanceTags(name: string, options: RapiReadOptions = {}): Promise<string[]> {
    return this.#get(item('instances', name, '/tags'), query(reasonOf(options)), options);
  }
  /** `PUT /2/instances/NAME/tags?tag=...`. */
  async addInstanceTags(name: string, tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#put(item('instances', name, '/tags'), query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }
  /** `DELETE /2/instances/NAME/tags?tag=...`. */
  async deleteInstanceTags(name: string, tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#delete(item('instances', name, '/tags'), query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }

  // --- Nodes -----------------------------------------------------------------------

  /** `GET /2/nodes`: `{id, uri}` entries, or whole records with `bulk: true`. */
  getNodes(options: Bulk): Promise<RapiNode[]>;
  getNodes(options?: NotBulk): Promise<RapiIdUri[]>;
  async getNodes(options: RapiListOptions = {}): Promise<RapiNode[] | RapiIdUri[]> {
    return this.#get('/2/nodes', query(['bulk', flag(options.bulk)], reasonOf(options)), options);
  }
  /** `GET /2/nodes/NAME`. */
  async getNode(name: string, options: RapiReadOptions = {}): Promise<RapiNode> {
    return this.#get(item('nodes', name), query(reasonOf(options)), options);
  }
  /** `GET /2/nodes/NAME/role`. */
  async getNodeRole(name: string, options: RapiReadOptions = {}): Promise<RapiNodeRole> {
    return this.#get(item('nodes', name, '/role'), query(reasonOf(options)), options);
  }
  /** `PUT /2/nodes/NAME/role` with the role as the body (`master` can only be read: use master-failover). */
  async setNodeRole(
    name: string,
    role: Exclude<RapiNodeRole, 'master'>,
    options: RapiForceOptions & { autoPromote?: boolean } = {},
  ): Promise<JobId> {
    const q = query(['force', flag(options.force)], ['auto-promote', options.autoPromote], reasonOf(options));
    return this.#put(item('nodes', name, '/role'), q, options, role);
  }
  /** `POST /2/nodes/NAME/evacuate` (request version 1, `node-evac-res1`: parameters in the body). */
  async evacuateNode(name: string, body: RapiNodeEvacuateBody, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#post(item('nodes', name, '/evacuate'), query(dryRunOf(options), reasonOf(options)), options, body);
  }
  /**
   * `POST /2/nodes/NAME/migrate` (request version 1). Sent with no query at all: Ganeti
   * 3.0's rlib2 reads the body only when the query is empty, so a `?reason=` would make
   * it ignore the body. For a dry run put `dry_run: true` in the body.
   */
  async migrateNode(name: string, body: RapiNodeMigrateBody = {}, options: RapiCallOptions = {}): Promise<JobId> {
    return this.#post(item('nodes', name, '/migrate'), [], options, body);
  }
  /** `POST /2/nodes/NAME/powercycle`. */
  async powercycleNode(name: string, options: RapiReadOptions & { force?: boolean } = {}): Promise<JobId> {
    return this.#post(item('nodes', name, '/powercycle'), query(['force', flag(options.force)], reasonOf(options)), options);
  }
  /** `POST /2/nodes/NAME/modify`: OP_NODE_SET_PARAMS. */
  async modifyNode(name: string, body: RapiNodeModifyBody, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#post(item('nodes', name, '/modify'), query(reasonOf(options)), options, body);
  }
  /** `GET /2/nodes/NAME/storage`: submits OP_NODE_QUERY_STORAGE (needs a `write` user); the job's result has the rows. */
  async getNodeStorage(name: string, storageType: string, outputFields: readonly string[], options: RapiReadOptions = {}): Promise<JobId> {
    const q = query(['storage_type', storageType], ['output_fields', outputFields.join(',')], reasonOf(options));
    return this.#get(item('nodes', name, '/storage'), q, options);
  }
  /** `PUT /2/nodes/NAME/storage/modify`. */
  async modifyNodeStorage(
    name: string,
    storageType: string,
    unit: string,
    options: RapiReadOptions & { allocatable?: boolean } = {},
  ): Promise<JobId> {
    const q = query(['storage_type', storageType], ['name', unit], ['allocatable', options.allocatable], reasonOf(options));
    return this.#put(item('nodes', name, '/storage/modify'), q, options);
  }
  /** `PUT /2/nodes/NAME/storage/repair`. */
  async repairNodeStorage(name: string, storageType: string, unit: string, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put(
      item('nodes', name, '/storage/repair'),
      query(['storage_type', storageType], ['name', unit], reasonOf(options)),
      options,
    );
  }
  /** `GET /2/nodes/NAME/tags`. */
  async getNodeTags(name: string, options: RapiReadOptions = {}): Promise<string[]> {
    return this.#get(item('nodes', name, '/tags'), query(reasonOf(options)), options);
  }
  /** `PUT /2/nodes/NAME/tags?tag=...`. */
  async addNodeTags(name: string, tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#put(item('nodes', name, '/tags'), query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }
  /** `DELETE /2/nodes/NAME/tags?tag=...`. */
  async deleteNodeTags(name: string, tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#delete(item('nodes', name, '/tags'), query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }

  // --- Groups ----------------------------------------------------------------------

  /** `GET /2/groups`: `{name, uri}` entries, or whole records with `bulk: true`. */
  getGroups(options: Bulk): Promise<RapiGroup[]>;
  getGroups(options?: NotBulk): Promise<RapiNameUri[]>;
  async getGroups(options: RapiListOptions = {}): Promise<RapiGroup[] | RapiNameUri[]> {
    return this.#get('/2/groups', query(['bulk', flag(options.bulk)], reasonOf(options)), options);
  }
  /** `GET /2/groups/NAME`. */
  async getGroup(name: string, options: RapiReadOptions = {}): Promise<RapiGroup> {
    return this.#get(item('groups', name), query(reasonOf(options)), options);
  }
  /** `POST /2/groups`: OP_GROUP_ADD. */
  async createGroup(body: RapiGroupCreateBody, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#post('/2/groups', query(dryRunOf(options), reasonOf(options)), options, body);
  }
  /** `PUT /2/groups/NAME/modify`: OP_GROUP_SET_PARAMS. */
  async modifyGroup(name: string, body: RapiGroupModifyBody, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put(item('groups', name, '/modify'), query(reasonOf(options)), options, body);
  }
  /** `DELETE /2/groups/NAME`. */
  async deleteGroup(name: string, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#delete(item('groups', name), query(dryRunOf(options), reasonOf(options)), options);
  }
  /** `PUT /2/groups/NAME/rename`. */
  async renameGroup(name: string, newName: string, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#put(item('groups', name, '/rename'), query(dryRunOf(options), reasonOf(options)), options, { new_name: newName });
  }
  /** `PUT /2/groups/NAME/assign-nodes`. */
  async assignGroupNodes(name: string, nodes: readonly string[], options: RapiForceOptions = {}): Promise<JobId> {
    const q = query(['force', flag(options.force)], dryRunOf(options), reasonOf(options));
    return this.#put(item('groups', name, '/assign-nodes'), q, options, { nodes });
  }
  /** `GET /2/groups/NAME/tags`. */
  async getGroupTags(name: string, options: RapiReadOptions = {}): Promise<string[]> {
    return this.#get(item('groups', name, '/tags'), query(reasonOf(options)), options);
  }
  /** `PUT /2/groups/NAME/tags?tag=...`. */
  async addGroupTags(name: string, tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#put(item('groups', name, '/tags'), query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }
  /** `DELETE /2/groups/NAME/tags?tag=...`. */
  async deleteGroupTags(name: string, tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#delete(item('groups', name, '/tags'), query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }

  // --- Networks --------------------------------------------------------------------

  /** `GET /2/networks`: `{name, uri}` entries, or whole records with `bulk: true`. */
  getNetworks(options: Bulk): Promise<RapiNetwork[]>;
  getNetworks(options?: NotBulk): Promise<RapiNameUri[]>;
  async getNetworks(options: RapiListOptions = {}): Promise<RapiNetwork[] | RapiNameUri[]> {
    return this.#get('/2/networks', query(['bulk', flag(options.bulk)], reasonOf(options)), options);
  }
  /** `GET /2/networks/NAME`. */
  async getNetwork(name: string, options: RapiReadOptions = {}): Promise<RapiNetwork> {
    return this.#get(item('networks', name), query(reasonOf(options)), options);
  }
  /** `POST /2/networks`: OP_NETWORK_ADD. */
  async createNetwork(body: RapiNetworkCreateBody, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#post('/2/networks', query(dryRunOf(options), reasonOf(options)), options, body);
  }
  /** `PUT /2/networks/NAME/connect`. */
  async connectNetwork(name: string, body: RapiNetworkConnectBody, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#put(item('networks', name, '/connect'), query(dryRunOf(options), reasonOf(options)), options, body);
  }
  /** `PUT /2/networks/NAME/disconnect`. */
  async disconnectNetwork(name: string, body: RapiNetworkDisconnectBody, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#put(item('networks', name, '/disconnect'), query(dryRunOf(options), reasonOf(options)), options, body);
  }
  /** `PUT /2/networks/NAME/modify`. */
  async modifyNetwork(name: string, body: RapiNetworkModifyBody, options: RapiReadOptions = {}): Promise<JobId> {
    return this.#put(item('networks', name, '/modify'), query(reasonOf(options)), options, body);
  }
  /** `DELETE /2/networks/NAME`. */
  async deleteNetwork(name: string, options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#delete(item('networks', name), query(dryRunOf(options), reasonOf(options)), options);
  }
  /** `GET /2/networks/NAME/tags`. */
  async getNetworkTags(name: string, options: RapiReadOptions = {}): Promise<string[]> {
    return this.#get(item('networks', name, '/tags'), query(reasonOf(options)), options);
  }
  /** `PUT /2/networks/NAME/tags?tag=...`. */
  async addNetworkTags(name: string, tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#put(item('networks', name, '/tags'), query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }
  /** `DELETE /2/networks/NAME/tags?tag=...`. */
  async deleteNetworkTags(name: string, tags: readonly string[], options: RapiWriteOptions = {}): Promise<JobId> {
    return this.#delete(item('networks', name, '/tags'), query(...tagPairs(tags), dryRunOf(options), reasonOf(options)), options);
  }

  // --- Jobs ------------------------------------------------------------------------

  /** `GET /2/jobs`: `{id, uri}` entries, or summaries with `bulk: true`. */
  getJobs(options: RapiCallOptions & { bulk: true }): Promise<RapiJobSummary[]>;
  getJobs(options?: RapiCallOptions & { bulk?: false }): Promise<RapiJobUri[]>;
  async getJobs(options: RapiCallOptions & { bulk?: boolean } = {}): Promise<RapiJobSummary[] | RapiJobUri[]> {
    return this.#get('/2/jobs', query(['bulk', flag(options.bulk)]), options);
  }
  /** `GET /2/jobs/ID` (404 when there is no such job). */
  async getJob(id: JobId | string, options: RapiCallOptions = {}): Promise<RapiJob> {
    return this.#get(item('jobs', id), [], options);
  }
  /** `DELETE /2/jobs/ID`: cancels a job that has not started; `[done, message]`. */
  async cancelJob(id: JobId | string, options: RapiCallOptions = {}): Promise<[boolean, string]> {
    return this.#delete(item('jobs', id), [], options);
  }
  /**
   * `GET /2/jobs/ID/wait` (a body on a GET, as Ganeti's API has it; needs a `write` user):
   * blocks up to 10 s on the server until `fields` differ from `previousJobInfo` or a log
   * entry newer than `previousLogSerial` appears. Resolves with null when nothing changed.
   */
  async waitForJobChange(
    id: JobId | string,
    fields: readonly string[],
    previousJobInfo: unknown[] | null,
    previousLogSerial: number | null,
    options: RapiCallOptions = {},
  ): Promise<RapiJobChange | null> {
    const body = { fields, previous_job_info: previousJobInfo, previous_log_serial: previousLogSerial };
    return this.#get(item('jobs', id, '/wait'), [], options, body);
  }
  /**
   * Follows a job to its end with `/2/jobs/ID/wait` on `["status"]`, reporting log entries
   * and status changes, then resolves with the job's record (`GET /2/jobs/ID`).
   * @throws RapiStatusError (404) when there is no such job; RapiTimeoutError after
   *   `timeoutMs`; `signal.reason` on abort.
   */
  async waitForJob(id: JobId | string, options: RapiWaitForJobOptions = {}): Promise<RapiJob> {
    const { signal, onProgress, onStatus } = options;
    const totalMs = options.timeoutMs ?? 0;
    if (!Number.isInteger(totalMs) || totalMs < 0)
      throw new RangeError(`timeoutMs must be a whole number of ms >= 0, got ${String(totalMs)}`);
    const path = item('jobs', id, '/wait');
    const deadline = totalMs > 0 ? performance.now() + totalMs : Number.POSITIVE_INFINITY;
    const timeout = new RapiTimeoutError(
      `GET ${path}: job ${String(id)} not finished within ${totalMs} ms`,
      { method: 'GET', path },
      totalMs,
    );
    let previousInfo: unknown[] | null = null;
    let previousSerial: number | null = null;
    let status: string | undefined;
    while (status === undefined || !FINAL_STATUSES.has(status)) {
      signal?.throwIfAborted();
      const call = this.#remainingCall(deadline, timeout, signal);
      let change: RapiJobChange | null;
      try {
        change = await this.waitForJobChange(id, ['status'], previousInfo, previousSerial, call);
      } catch (err) {
        // The last wait's own timer is the overall deadline: report it as such.
        if (err instanceof RapiTimeoutError && Number.isFinite(deadline) && performance.now() >= deadline - 1) throw timeout;
        throw err;
      }
      if (change === null) continue;
      for (const entry of change.log_entries ?? []) {
        const serial = entry[0];
        if (previousSerial !== null && serial <= previousSerial) continue;
        previousSerial = serial;
        onProgress?.(entry);
      }
      const next = change.job_info[0];
      if (typeof next !== 'string') {
        throw new RapiError(`GET ${path}: job_info[0] is not a job status: ${JSON.stringify(next)}`, RapiErrorCodes.badResponse, {
          method: 'GET',
          path,
        });
      }
      if (next !== status) onStatus?.(next as JobStatus);
      status = next;
      previousInfo = change.job_info;
    }
    return this.getJob(id, this.#remainingCall(deadline, timeout, signal));
  }

  #remainingCall(deadline: number, timeout: RapiTimeoutError, signal: AbortSignal | undefined): RapiCallOptions {
    const call: RapiCallOptions = signal ? { signal } : {};
    if (Number.isFinite(deadline)) {
      const left = Math.ceil(deadline - performance.now());
      if (left <= 0) throw timeout;
      // Never longer than the client's own timeout (0 there means none).
      const own = this.options.timeoutMs;
      call.timeoutMs = own > 0 ? Math.min(own, left) : left;
    }
    return call;
  }

  // --- Queries and filters ---------------------------------------------------------

  /** `PUT /2/query/RESOURCE` with `{fields, qfilter}`: luxid's Query. */
  async query(
    what: RapiQueryResource,
    fields: readonly string[],
    filter?: QueryFilter,
    options: RapiReadOptions = {},
  ): Promise<RapiQueryResult> {
    const body: Record<string, unknown> = { fields };
    if (filter !== undefined && filter !== null) body['qfilter'] = filter;
    return this.#put(item('query', what), query(reasonOf(options)), options, body);
  }
  /** `GET /2/query/RESOURCE/fields[?fields=a,b]`: field definitions. */
  async getQueryFields(what: RapiQueryResource, fields?: readonly string[], options: RapiReadOptions = {}): Promise<RapiQueryFieldsResult> {
    return this.#get(item('query', what, '/fields'), query(reasonOf(options), ['fields', fields?.join(',')]), options);
  }
  /** `GET /2/filters`: `{uuid, uri}` entries, or whole rules with `bulk: true`. */
  getFilters(options: RapiCallOptions & { bulk: true }): Promise<RapiFilterRule[]>;
  getFilters(options?: RapiCallOptions & { bulk?: false }): Promise<RapiUuidUri[]>;
  async getFilters(options: RapiCallOptions & { bulk?: boolean } = {}): Promise<RapiFilterRule[] | RapiUuidUri[]> {
    return this.#get('/2/filters', query(['bulk', flag(options.bulk)]), options);
  }
  /** `GET /2/filters/UUID`. */
  async getFilter(uuid: string, options: RapiCallOptions = {}): Promise<RapiFilterRule> {
    return this.#get(item('filters', uuid), [], options);
  }
  /** `POST /2/filters`: adds a rule; resolves with its UUID. */
  async addFilter(body: RapiFilterBody, options: RapiCallOptions = {}): Promise<string> {
    return this.#post('/2/filters', [], options, body);
  }
  /** `PUT /2/filters/UUID`: replaces the rule (or adds it under that UUID); resolves with the UUID. */
  async replaceFilter(uuid: string, body: RapiFilterBody, options: RapiCallOptions = {}): Promise<string> {
    return this.#put(item('filters', uuid), [], options, body);
  }
  /** `DELETE /2/filters/UUID`. */
  async deleteFilter(uuid: string, options: RapiCallOptions = {}): Promise<null> {
    return this.#delete(item('filters', uuid), [], options);
  }
}
