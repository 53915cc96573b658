/**
 * WConfd (`ganeti-wconfd`, spec §6.4): the table of its 54 RPC methods with their
 * arities (WConfd/Core.hs and ConfigModifications.hs `exportedFunctions`), the default
 * socket path and timeouts, and WConfdClient with typed calls for the common methods.
 * The daemon side is not here: build one with createRpcHandler over this table's names.
 */
import type { CallOptions } from '../../dispatch/client.js';
import { RpcClient, type RpcClientOptions } from './client.js';

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

/** Options of {@link WConfdClient.connect}. */
export interface WConfdClientOptions extends RpcClientOptions {
  /** Socket path. Default: {@link defaultWConfdSocketPath}. */
  path?: string;
}

/**
 * A WConfd client with typed methods for the common calls and {@link call} for the
 * rest. Methods answering Haskell `()` (the wire `[]`) resolve with `undefined`.
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

  /** `readConfig()`: the whole configuration. */
  async readConfig(): Promise<ConfigData> {
    return (await this.call('readConfig')) as ConfigData;
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
  async lockConfig(cid: ClientId, shared: boolean): Promise<ConfigData | null> {
    return (await this.call('lockConfig', cid, shared)) as ConfigData | null;
  }
  /** `unlockConfig(cid)`. */
  unlockConfig(cid: ClientId): Promise<void> {
    return this.#unit('unlockConfig', cid);
  }
  /** `writeConfigAndUnlock(cid, cfg)`: true when written. */
  async writeConfigAndUnlock(cid: ClientId, config: ConfigData): Promise<boolean> {
    return (await this.call('writeConfigAndUnlock', cid, config)) as boolean;
  }
  /** `flushConfig()`: writes the configuration to disk now. */
  flushConfig(): Promise<void> {
    return this.#unit('flushConfig');
  }
  /** `flushConfigGroup(groupUuid)`. */
  flushConfigGroup(groupUuid: string): Promise<void> {
    return this.#unit('flushConfigGroup', groupUuid);
  }
  /** `dropAllReservations(cid)`: releases every temporary reservation of `cid`. */
  dropAllReservations(cid: ClientId): Promise<void> {
    return this.#unit('dropAllReservations', cid);
  }
  /** `allocatePort()`: a free TCP/UDP port, or null when none is left. */
  async allocatePort(): Promise<number | null> {
    return (await this.call('allocatePort')) as number | null;
  }
  /** `cleanupLocks()`: frees the locks of dead owners. */
  cleanupLocks(): Promise<void> {
    return this.#unit('cleanupLocks');
  }
  /** `listLocks(cid)`: the locks `cid` holds. */
  async listLocks(cid: ClientId): Promise<[lock: string, ownership: LockOwnership][]> {
    return (await this.call('listLocks', cid)) as [string, LockOwnership][];
  }
  /** `listAllLocks()`: every lock anyone holds. */
  async listAllLocks(): Promise<string[]> {
    return (await this.call('listAllLocks')) as string[];
  }
  /** `listAllLocksOwners()`: every held lock with its owners. */
  async listAllLocksOwners(): Promise<[lock: string, owners: [ClientId, LockOwnership][]][]> {
    return (await this.call('listAllLocksOwners')) as [string, [ClientId, LockOwnership][]][];
  }
  /** `listLocksWaitingStatus()`: the lock allocation and the pending requests. */
  listLocksWaitingStatus(): Promise<unknown> {
    return this.call('listLocksWaitingStatus');
  }
  /** `tryUpdateLocks(cid, request)`: the owners blocking the request; empty when granted. */
  async tryUpdateLocks(cid: ClientId, request: LockRequest): Promise<ClientId[]> {
    return (await this.call('tryUpdateLocks', cid, request)) as ClientId[];
  }
  /** `updateLocksWaiting(cid, priority, request)`: as tryUpdateLocks, but queues the request. */
  async updateLocksWaiting(cid: ClientId, priority: number, request: LockRequest): Promise<ClientId[]> {
    return (await this.call('updateLocksWaiting', cid, priority, request)) as ClientId[];
  }
  /** `hasPendingRequest(cid)`: whether `cid` waits for a lock. */
  async hasPendingRequest(cid: ClientId): Promise<boolean> {
    return (await this.call('hasPendingRequest', cid)) as boolean;
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
  async opportunisticLockUnion(cid: ClientId, request: readonly (readonly [string, LockOwnership])[]): Promise<string[]> {
    return (await this.call('opportunisticLockUnion', cid, request)) as string[];
  }
  /** `generateMAC(cid, networkUuid | null)`: a fresh reserved MAC address. */
  async generateMAC(cid: ClientId, networkUuid: string | null): Promise<string> {
    return (await this.call('generateMAC', cid, networkUuid)) as string;
  }
  /** `computeDRBDMap()`: node uuid to the DRBD minors in use. */
  computeDRBDMap(): Promise<unknown> {
    return this.call('computeDRBDMap');
  }
}
