/**
 * WConfd (`ganeti-wconfd`, spec §6.4): the table of its 54 RPC methods with their
 * arities (WConfd/Core.hs and ConfigModifications.hs `exportedFunctions`), the default
 * socket path and timeouts, and the argument and result types; WConfdClient (one typed
 * method per wire method) lives in wconfd-client.ts and is re-exported here. The daemon
 * side is not here: build one with createRpcHandler over this table's names.
 */
export { WConfdClient, type WConfdClientOptions } from './wconfd-client.js';

/** Connect timeout of WConfd clients: `wconfdDefCtmo` = 10 s (WConfd/Client.hs). */
export const DEFAULT_WCONFD_CONNECT_TIMEOUT_MS = 10_000;
/** Answer timeout of WConfd clients: `wconfdDefRwto` = 60 s (WConfd/Client.hs). */
export const DEFAULT_WCONFD_REQUEST_TIMEOUT_MS = 60_000;
/** Socket file mode of `ganeti-wconfd`: 0600. */
export const WCONFD_SOCKET_MODE = 0o600;

/**
 * The WConfd socket path (Path.hs `defaultWConfdSocket`):
 * `$GANETI_ROOTDIR/var/run/ganeti/socket/ganeti-wconfd`, the root prefix being empty
 * when GANETI_ROOTDIR is unset.
 */
export function defaultWConfdSocketPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return `${env['GANETI_ROOTDIR'] ?? ''}/var/run/ganeti/socket/ganeti-wconfd`;
}

/**
 * Every WConfd wire method and its number of arguments, in Ganeti's export order.
 * Argument meanings are in spec §6.4.
 */
export const WCONFD_METHODS = {
  // General
  echo: 1,
  cleanupLocks: 0,
  prepareClusterDestruction: 1,
  // Config
  readConfig: 0,
  writeConfig: 2,
  verifyConfig: 0,
  lockConfig: 2,
  unlockConfig: 1,
  writeConfigAndUnlock: 2,
  flushConfig: 0,
  flushConfigGroup: 1,
  // Temporary reservations
  dropAllReservations: 1,
  computeDRBDMap: 0,
  allocateDRBDMinor: 2,
  releaseDRBDMinors: 1,
  reserveMAC: 2,
  generateMAC: 2,
  generateDRBDSecret: 1,
  reserveLV: 2,
  reserveIp: 4,
  releaseIp: 3,
  generateIp: 2,
  commitTemporaryIps: 1,
  commitReleaseTemporaryIp: 2,
  listReservedIps: 1,
  // Locks
  listLocks: 1,
  listAllLocks: 0,
  listAllLocksOwners: 0,
  listLocksWaitingStatus: 0,
  tryUpdateLocks: 2,
  updateLocksWaiting: 3,
  freeLocks: 1,
  freeLocksLevel: 2,
  downGradeLocksLevel: 2,
  intersectLocks: 2,
  opportunisticLockUnion: 2,
  guardedOpportunisticLockUnion: 3,
  hasPendingRequest: 1,
  // Config modifications (ConfigModifications.hs)
  addInstance: 3,
  addInstanceDisk: 4,
  addTcpUdpPort: 1,
  allocatePort: 0,
  attachInstanceDisk: 3,
  detachInstanceDisk: 2,
  removeInstance: 1,
  removeInstanceDisk: 2,
  setInstancePrimaryNode: 2,
  setInstanceStatus: 4,
  updateCluster: 1,
  updateDisk: 1,
  updateInstance: 1,
  updateNetwork: 1,
  updateNode: 1,
  updateNodeGroup: 1,
} as const;

/** A WConfd wire method name. */
export type WConfdMethodName = keyof typeof WCONFD_METHODS;

/** True if `name` is a WConfd wire method. */
export function isWConfdMethod(name: string): name is WConfdMethodName {
  return Object.hasOwn(WCONFD_METHODS, name);
}

/**
 * A lock owner's identity (Locking/Locks.hs `ClientId`): `[job id or name, livelock
 * file path, pid]`.
 */
export type ClientId = readonly [owner: number | string, livelockPath: string, pid: number];
/** How a lock is held. */
export type LockOwnership = 'shared' | 'exclusive';
/** A lock request: acquire in a mode, or release. */
export type LockRequest = readonly (readonly [lock: string, request: LockOwnership | 'release'])[];
/** Lock levels (for `freeLocksLevel`, `downGradeLocksLevel`). */
export type LockLevel = 'cluster' | 'instance' | 'nodegroup' | 'node' | 'node-res' | 'network' | 'config';
/** The cluster configuration as WConfd ships it (a large JSON object; see Ganeti's `ConfigData`). */
export type ConfigData = Record<string, unknown>;
/** An Instance, Disk, Node, NodeGroup, Network or Cluster object as in ConfigData (Ganeti's `objects.py` dicts). */
export type ConfigObject = Record<string, unknown>;
/** `computeDRBDMap`'s answer: per node uuid (every node, even without minors), its minors and their disk uuids. */
export type DrbdMap = [nodeUuid: string, minors: [minor: number, diskUuid: string][]][];
/** One temporary IPv4 reservation of `listReservedIps` (TempRes.hs `IPv4Reservation`: address before network). */
export type IpReservation = [action: 'reserve' | 'release', address: string, networkUuid: string];
/** An instance's admin state (`setInstanceStatus`). */
export type AdminState = 'up' | 'down' | 'offline';
/** Who set an instance's admin state (`setInstanceStatus`). */
export type AdminStateSource = 'admin' | 'user';
/** The answer of the `update*` calls: the object's new serial number and mtime (seconds, fractional). */
export type SerialAndMtime = [serial: number, mtime: number];
