/**
 * Peer credentials of a Unix socket connection (SO_PEERCRED). Node has no API for this,
 * so an optional native addon (native/peercred) is loaded when it was built; without it
 * the credentials are `undefined` and uid/gid checks fail closed with a clear error.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** The identity of the process at the other end of a connection. */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

interface PeerCredAddon {
  getPeerCredentials(fd: number): [pid: number, uid: number, gid: number];
}

let addon: PeerCredAddon | null | undefined;

function loadAddon(): PeerCredAddon | null {
  if (addon !== undefined) return addon;
  try {
    const require = createRequire(import.meta.url);
    addon = require('../../native/peercred/build/Release/peercred.node') as PeerCredAddon;
  } catch {
    addon = null;
  }
  return addon;
}

/** True when peer credentials can be read on this installation. */
export function peerCredentialsAvailable(): boolean {
  return loadAddon() !== null;
}

/** Reads the peer credentials of a connected Unix socket, or undefined when unavailable. */
export function getPeerCredentials(socket: Socket): PeerCredentials | undefined {
  const native = loadAddon();
  if (native === null) return undefined;
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  try {
    const [pid, uid, gid] = native.getPeerCredentials(fd);
    return { pid, uid, gid };
  } catch {
    return undefined;
  }
}
