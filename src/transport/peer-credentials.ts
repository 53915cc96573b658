/**
 * Peer credentials of a Unix socket connection (SO_PEERCRED). Node has no API for this,
 * so an optional native addon (native/peercred) is loaded when it was built; without it
 * the credentials are `undefined` and uid/gid checks fail closed with a clear error.
 * Owns finding the addon from dist/, build/src/ or an installed package; nothing else.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The identity of the process at the other end of a connection. */
export interface PeerCredentials {
  /** Process id (-1 where the platform does not tell, e.g. getpeereid on BSD). */
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

interface PeerCredAddon {
  getPeerCredentials(fd: number): [pid: number, uid: number, gid: number];
}

/** Where node-gyp puts the addon, relative to the package root. */
const ADDON_RELATIVE = join('native', 'peercred', 'build', 'Release', 'peercred.node');
/** Directories walked up from this module: dist/transport (2) or build/src/transport (3) to the root. */
const MAX_LEVELS_UP = 4;

let addon: PeerCredAddon | null | undefined;

/**
 * Finds the built addon by walking up from this module's directory until the package
 * root (the first directory holding package.json). This works from dist/transport,
 * build/src/transport and node_modules/ganeti-uds/dist/transport alike, and never looks
 * outside the package, so no stray file elsewhere is ever loaded as native code.
 */
function findAddon(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level <= MAX_LEVELS_UP; level++) {
    const candidate = join(dir, ADDON_RELATIVE);
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, 'package.json'))) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

function loadAddon(): PeerCredAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  const path = findAddon();
  if (path !== undefined) {
    try {
      const loaded = createRequire(import.meta.url)(path) as Partial<PeerCredAddon>;
      if (typeof loaded.getPeerCredentials === 'function') addon = loaded as PeerCredAddon;
    } catch {
      // Built for another Node ABI or platform: behave as if it were not built.
    }
  }
  return addon;
}

/** True when peer credentials can be read on this installation (the addon is built and loads). */
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
