/**
 * WConfdClient: one typed method per WConfd wire method (spec §6.4), in the order of
 * WCONFD_METHODS, each taking exactly that method's arguments (the tests hold the two
 * together). Re-exported by wconfd.ts; this module uses wconfd.ts's values only inside
 * calls, so the import cycle between the two is harmless.
 */
import type { CallOptions } from '../../dispatch/client.js';
import { RpcClient, type RpcClientOptions } from './client.js';
import {
  type AdminState,
  type AdminStateSource,
  type ClientId,
  type ConfigData,
  type ConfigObject,
  DEFAULT_WCONFD_CONNECT_TIMEOUT_MS,
  DEFAULT_WCONFD_REQUEST_TIMEOUT_MS,
  type DrbdMap,
  defaultWConfdSocketPath,
  type IpReservation,
  isWConfdMethod,
  type LockLevel,
  type LockOwnership,
  type LockRequest,
  type SerialAndMtime,
  WCONFD_METHODS,
  type WConfdMethodName,
} from './wconfd.js';

/** Options of {@link WConfdClient.connect}. */
export interface WConfdClientOptions extends RpcClientOptions {
  /** Socket path. Default: {@link defaultWConfdSocketPath}. */
  path?: string;
}

/** A lock list with modes, as `opportunisticLockUnion` takes it. */
type LockModes = readonly (readonly [lock: string, ownership: LockOwnership])[];

/**
 * A WConfd client with a typed method for every wire method (`echo` is RpcClient's) and
 * {@link call} for anything else. Methods answering Haskell `()` (the wire `[]`) resolve
 * with `undefined`. The config modifications answering a boolean give `false` when WConfd
 * could not take the config lock: the caller retries, as Ganeti's Python does.
 */
export class WConfdClient extends RpcClient {
  /**
   * Connects with WConfd's defaults: 10 s to connect, 60 s per answer.
   * @throws the errors of `connectClient`.
   */
  static override async connect(path?: string, options: WConfdClientOptions = {}): Promise<WConfdClient> {
    const rpc = await RpcClient.connect(path ?? options.path ?? defaultWConfdSocketPath(), {
      ...options,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_WCONFD_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_WCONFD_REQUEST_TIMEOUT_MS,
    });
    return new WConfdClient(rpc.client);
  }

  /**
   * Calls any method with per-call options. For a known WConfd method the argument count
   * is checked here, before sending, since the daemon would only answer
   * "RPC input: Unable to read ...". `call(method, ...args)` goes through here too.
   * @throws RangeError on a wrong argument count; otherwise as {@link RpcClient.call}.
   */
  override callWith(options: CallOptions, method: WConfdMethodName | (string & {}), ...args: unknown[]): Promise<unknown> {
    if (isWConfdMethod(method) && WCONFD_METHODS[method] !== args.length) {
      return Promise.reject(new RangeError(`WConfd ${method} takes ${WCONFD_METHODS[method]} arguments, got ${args.length}`));
    }
    return super.callWith(options, method, ...args);
  }

  async #unit(method: WConfdMethodName, ...args: unknown[]): Promise<void> {
    await this.call(method, ...args);
  }

  async #typed<T>(method: WConfdMethodName, ...args: unknown[]): Promise<T> {
    return (await this.call(method, ...args)) as T;
  }

  // General

  /** `cleanupLocks()`: frees the locks of dead owners. */
  cleanupLocks(): Promise<void> {
    return this.#unit('cleanupLocks');
  }
  /** `prepareClusterDestruction(cid)`: `cid` must hold the BGL exclusively; WConfd takes it over and unsets the master. */
  prepareClusterDestruction(cid: ClientId): Promise<void> {
    return this.#unit('prepareClusterDestruction', cid);
  }

  // Config

  /** `readConfig()`: the whole configuration. */
  readConfig(): Promise<ConfigData> {
    return this.#typed('readConfig');
  }
  /** `writeConfig(cid, cfg)`: needs the exclusive config lock. */
  writeConfig(cid: ClientId, config: ConfigData): Promise<void> {
    return this.#unit('writeConfig', cid, config);
  }
  /** `verifyConfig()`: fails with ConfigVerifyError when the configuration is inconsistent. */
  verifyConfig(): Promise<void> {
    return this.#unit('verifyConfig');
  }
  /** `lockConfig(cid, shared)`: the configuration once the lock is granted, `null` if not yet (poll again). */
  lockConfig(cid: ClientId, shared: boolean): Promise<ConfigData | null> {
    return this.#typed('lockConfig', cid, shared);
  }
  /** `unlockConfig(cid)`. */
  unlockConfig(cid: ClientId): Promise<void> {
    return this.#unit('unlockConfig', cid);
  }
  /** `writeConfigAndUnlock(cid, cfg)`: true when written. */
  writeConfigAndUnlock(cid: ClientId, config: ConfigData): Promise<boolean> {
    return this.#typed('writeConfigAndUnlock', cid, config);
  }
  /** `flushConfig()`: writes the configuration to disk now. */
  flushConfig(): Promise<void> {
    return this.#unit('flushConfig');
  }
  /** `flushConfigGroup(groupUuid)`. */
  flushConfigGroup(groupUuid: string): Promise<void> {
    return this.#unit('flushConfigGroup', groupUuid);
  }

  // Temporary reservations (TempRes.hs)

  /** `dropAllReservations(cid)`: releases every temporary reservation of `cid`. */
  dropAllReservations(cid: ClientId): Promise<void> {
    return this.#unit('dropAllReservations', cid);
  }
  /** `computeDRBDMap()`: every node uuid with the DRBD minors in use there (configured and reserved). */
  computeDRBDMap(): Promise<DrbdMap> {
    return this.#typed('computeDRBDMap');
  }
  /** `allocateDRBDMinor(diskUuid, nodeUuids)`: a free minor reserved on each node, in the order given. */
  allocateDRBDMinor(diskUuid: string, nodeUuids: readonly string[]): Promise<number[]> {
    return this.#typed('allocateDRBDMinor', diskUuid, nodeUuids);
  }
  /** `releaseDRBDMinors(diskUuid)`: drops the minors reserved for the disk (on error paths). */
  releaseDRBDMinors(diskUuid: string): Promise<void> {
    return this.#unit('releaseDRBDMinors', diskUuid);
  }
  /** `reserveMAC(cid, mac)`: fails with ReservationError when the MAC is in use. */
  reserveMAC(cid: ClientId, mac: string): Promise<void> {
    return this.#unit('reserveMAC', cid, mac);
  }
  /** `generateMAC(cid, networkUuid | null)`: a fresh reserved MAC address. */
  generateMAC(cid: ClientId, networkUuid: string | null): Promise<string> {
    return this.#typed('generateMAC', cid, networkUuid);
  }
  /** `generateDRBDSecret(cid)`: a fresh reserved DRBD shared secret. */
  generateDRBDSecret(cid: ClientId): Promise<string> {
    return this.#typed('generateDRBDSecret', cid);
  }
  /** `reserveLV(cid, "vg/lv")`: fails with ReservationError when the volume is taken. */
  reserveLV(cid: ClientId, volume: string): Promise<void> {
    return this.#unit('reserveLV', cid, volume);
  }
  /** `reserveIp(cid, networkUuid, address, check)`: `check` as Python's `conflicts_check`. */
  reserveIp(cid: ClientId, networkUuid: string, address: string, check: boolean): Promise<void> {
    return this.#unit('reserveIp', cid, networkUuid, address, check);
  }
  /** `releaseIp(cid, networkUuid, address)`: marks the address for release back to the pool. */
  releaseIp(cid: ClientId, networkUuid: string, address: string): Promise<void> {
    return this.#unit('releaseIp', cid, networkUuid, address);
  }
  /** `generateIp(cid, networkUuid)`: a free address of the network, reserved for `cid`. */
  generateIp(cid: ClientId, networkUuid: string): Promise<string> {
    return this.#typed('generateIp', cid, networkUuid);
  }
  /** `commitTemporaryIps(cid)`: applies `cid`'s IP reservations and releases to the pools. */
  commitTemporaryIps(cid: ClientId): Promise<void> {
    return this.#unit('commitTemporaryIps', cid);
  }
  /** `commitReleaseTemporaryIp(networkUuid, address)`: frees the address in the pool now. */
  commitReleaseTemporaryIp(networkUuid: string, address: string): Promise<void> {
    return this.#unit('commitReleaseTemporaryIp', networkUuid, address);
  }
  /** `listReservedIps(cid)`: the IP reservations and releases `cid` holds. */
  listReservedIps(cid: ClientId): Promise<IpReservation[]> {
    return this.#typed('listReservedIps', cid);
  }

  // Locks

  /** `listLocks(cid)`: the locks `cid` holds. */
  listLocks(cid: ClientId): Promise<[lock: string, ownership: LockOwnership][]> {
    return this.#typed('listLocks', cid);
  }
  /** `listAllLocks()`: every lock anyone holds. */
  listAllLocks(): Promise<string[]> {
    return this.#typed('listAllLocks');
  }
  /** `listAllLocksOwners()`: every held lock with its owners. */
  listAllLocksOwners(): Promise<[lock: string, owners: [ClientId, LockOwnership][]][]> {
    return this.#typed('listAllLocksOwners');
  }
  /** `listLocksWaitingStatus()`: the lock allocation and the pending requests. */
  listLocksWaitingStatus(): Promise<unknown> {
    return this.call('listLocksWaitingStatus');
  }
  /** `tryUpdateLocks(cid, request)`: the owners blocking the request; empty when granted. */
  tryUpdateLocks(cid: ClientId, request: LockRequest): Promise<ClientId[]> {
    return this.#typed('tryUpdateLocks', cid, request);
  }
  /** `updateLocksWaiting(cid, priority, request)`: as tryUpdateLocks, but queues the request. */
  updateLocksWaiting(cid: ClientId, priority: number, request: LockRequest): Promise<ClientId[]> {
    return this.#typed('updateLocksWaiting', cid, priority, request);
  }
  /** `freeLocks(cid)`: releases every lock of `cid`. */
  freeLocks(cid: ClientId): Promise<void> {
    return this.#unit('freeLocks', cid);
  }
  /** `freeLocksLevel(cid, level)`. */
  freeLocksLevel(cid: ClientId, level: LockLevel): Promise<void> {
    return this.#unit('freeLocksLevel', cid, level);
  }
  /** `downGradeLocksLevel(cid, level)`: exclusive locks of `level` become shared. */
  downGradeLocksLevel(cid: ClientId, level: LockLevel): Promise<void> {
    return this.#unit('downGradeLocksLevel', cid, level);
  }
  /** `intersectLocks(cid, locks)`: keeps only the listed locks. */
  intersectLocks(cid: ClientId, locks: readonly string[]): Promise<void> {
    return this.#unit('intersectLocks', cid, locks);
  }
  /** `opportunisticLockUnion(cid, request)`: the locks actually acquired. */
  opportunisticLockUnion(cid: ClientId, request: LockModes): Promise<string[]> {
    return this.#typed('opportunisticLockUnion', cid, request);
  }
  /** `guardedOpportunisticLockUnion(count, cid, request)`: as opportunisticLockUnion, acquiring nothing unless `count` are had. */
  guardedOpportunisticLockUnion(count: number, cid: ClientId, request: LockModes): Promise<string[]> {
    return this.#typed('guardedOpportunisticLockUnion', count, cid, request);
  }
  /** `hasPendingRequest(cid)`: whether `cid` waits for a lock. */
  hasPendingRequest(cid: ClientId): Promise<boolean> {
    return this.#typed('hasPendingRequest', cid);
  }

  // Config modifications (ConfigModifications.hs): `false` or `null` means "config lock busy, retry"

  /** `addInstance(instance, cid, replace)`: also commits `cid`'s IPs and releases the instance's DRBD minors. */
  addInstance(instance: ConfigObject, cid: ClientId, replace: boolean): Promise<boolean> {
    return this.#typed('addInstance', instance, cid, replace);
  }
  /** `addInstanceDisk(instanceUuid, disk, index | null, replace)`: `null` appends. */
  addInstanceDisk(instanceUuid: string, disk: ConfigObject, index: number | null, replace: boolean): Promise<boolean> {
    return this.#typed('addInstanceDisk', instanceUuid, disk, index, replace);
  }
  /** `addTcpUdpPort(port)`: returns the port to the cluster's free pool. */
  addTcpUdpPort(port: number): Promise<boolean> {
    return this.#typed('addTcpUdpPort', port);
  }
  /** `allocatePort()`: a free TCP/UDP port, or null when the config lock was busy. */
  allocatePort(): Promise<number | null> {
    return this.#typed('allocatePort');
  }
  /** `attachInstanceDisk(instanceUuid, diskUuid, index | null)`: `null` appends. */
  attachInstanceDisk(instanceUuid: string, diskUuid: string, index: number | null): Promise<boolean> {
    return this.#typed('attachInstanceDisk', instanceUuid, diskUuid, index);
  }
  /** `detachInstanceDisk(instanceUuid, diskUuid)`: the disk stays in the configuration. */
  detachInstanceDisk(instanceUuid: string, diskUuid: string): Promise<boolean> {
    return this.#typed('detachInstanceDisk', instanceUuid, diskUuid);
  }
  /** `removeInstance(instanceUuid)`: also returns its network port and NIC IPs to the pools. */
  removeInstance(instanceUuid: string): Promise<boolean> {
    return this.#typed('removeInstance', instanceUuid);
  }
  /** `removeInstanceDisk(instanceUuid, diskUuid)`: detaches the disk and deletes it. */
  removeInstanceDisk(instanceUuid: string, diskUuid: string): Promise<boolean> {
    return this.#typed('removeInstanceDisk', instanceUuid, diskUuid);
  }
  /** `setInstancePrimaryNode(instanceUuid, nodeUuid)`. */
  setInstancePrimaryNode(instanceUuid: string, nodeUuid: string): Promise<boolean> {
    return this.#typed('setInstancePrimaryNode', instanceUuid, nodeUuid);
  }
  /** `setInstanceStatus(instanceUuid, state, disksActive, source)`, `null` leaving a field alone: the updated Instance. */
  setInstanceStatus(
    instanceUuid: string,
    adminState: AdminState | null,
    disksActive: boolean | null,
    source: AdminStateSource | null,
  ): Promise<ConfigObject | null> {
    return this.#typed('setInstanceStatus', instanceUuid, adminState, disksActive, source);
  }
  /** `updateCluster(cluster)`: stores the object if its serial is current; its new serial and mtime. */
  updateCluster(cluster: ConfigObject): Promise<SerialAndMtime | null> {
    return this.#typed('updateCluster', cluster);
  }
  /** `updateDisk(disk)`: as updateCluster; also releases the disk's DRBD minors. */
  updateDisk(disk: ConfigObject): Promise<SerialAndMtime | null> {
    return this.#typed('updateDisk', disk);
  }
  /** `updateInstance(instance)`: as updateCluster. */
  updateInstance(instance: ConfigObject): Promise<SerialAndMtime | null> {
    return this.#typed('updateInstance', instance);
  }
  /** `updateNetwork(network)`: as updateCluster. */
  updateNetwork(network: ConfigObject): Promise<SerialAndMtime | null> {
    return this.#typed('updateNetwork', network);
  }
  /** `updateNode(node)`: as updateCluster; also bumps the cluster's serial. */
  updateNode(node: ConfigObject): Promise<SerialAndMtime | null> {
    return this.#typed('updateNode', node);
  }
  /** `updateNodeGroup(group)`: as updateCluster. */
  updateNodeGroup(group: ConfigObject): Promise<SerialAndMtime | null> {
    return this.#typed('updateNodeGroup', group);
  }
}
