/**
 * Binding a server socket (Ganeti `openServerSocket`/`connectServer`, `Daemon.cleanupSocket`):
 * stale socket removal that never steals a live one or deletes a non-socket, the socket
 * mode set through the umask so it is never wider at any moment, owner/group, backlog,
 * and removal of our own socket file on close.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { dirname } from 'node:path';
import { ErrorCodes, ProtocolError } from '../errors.js';
import { checkSocketPath } from './connect.js';

/** The identity of a socket file we created, so close removes ours and nobody else's. */
export interface SocketFileIdentity {
  path: string;
  dev: number;
  ino: number;
}

/** Options of {@link listenSocket}. */
export interface ListenOptions {
  /** File mode of the socket. Default: 0o660 (luxid); Ganeti's WConfd uses 0o600. */
  mode: number;
  /** Owner uid or user name to chown the socket to (needs privilege). Default: unchanged. */
  owner?: number | undefined;
  /** Group gid to chgrp the socket to. Default: unchanged. */
  group?: number | undefined;
  /** Listen backlog. */
  backlog: number;
  /** Remove a stale socket file (nothing answers on it) before binding. Default: true. */
  removeStaleSocket: boolean;
}

function listenError(path: string, err: NodeJS.ErrnoException): ProtocolError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new ProtocolError(`Cannot listen on ${path}: the path is in use; remove it or choose another socket path`, ErrorCodes.listen, {
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
      return new ProtocolError(
        `Cannot listen on ${path}: permission denied on its directory; choose a writable directory`,
        ErrorCodes.listen,
        { cause: err },
      );
    case 'ENOENT':
      return new ProtocolError(`Cannot listen on ${path}: its directory does not exist; create it first`, ErrorCodes.listen, {
        cause: err,
      });
    default:
      return new ProtocolError(`Cannot listen on ${path}: ${err.message}`, ErrorCodes.listen, { cause: err });
  }
}

/** Resolves true when something accepts connections on `path`. */
function isAnswering(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createConnection({ path });
    const finish = (answering: boolean): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(answering);
    };
    // A live server that is too busy to accept within a second still counts as live.
    const timer = setTimeout(() => finish(true), 1000);
    probe.once('connect', () => finish(true));
    probe.once('error', (err: NodeJS.ErrnoException) => finish(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'));
  });
}

/**
 * Makes `path` free for binding: nothing there is fine; a socket nobody answers on is
 * removed (when allowed); a live socket or any other kind of file is refused.
 * @throws ProtocolError naming the path and what to do.
 */
export async function clearStaleSocket(path: string, removeStaleSocket: boolean): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw listenError(path, err as NodeJS.ErrnoException);
  }
  if (!stat.isSocket()) {
    throw new ProtocolError(
      `Cannot listen on ${path}: a file that is not a socket is there; it is left alone, choose another path`,
      ErrorCodes.listen,
    );
  }
  if (await isAnswering(path)) {
    throw new ProtocolError(
      `Cannot listen on ${path}: another server is answering on it; stop it or choose another socket path`,
      ErrorCodes.listen,
    );
  }
  if (!removeStaleSocket) {
    throw new ProtocolError(`Cannot listen on ${path}: a stale socket file is there and removeStaleSocket is off`, ErrorCodes.listen);
  }
  await fs.promises.unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw listenError(path, err);
  });
}

function bind(server: net.Server, path: string, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ path, backlog }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Binds `server` to `path` with the requested mode. The umask is narrowed around the bind
 * so the socket is never created wider than `mode`; the mode is then set exactly.
 * @returns the identity of the new socket file.
 */
export async function listenSocket(server: net.Server, path: string, options: ListenOptions): Promise<SocketFileIdentity> {
  checkSocketPath(path);
  if (!Number.isInteger(options.mode) || options.mode < 0 || options.mode > 0o777) {
    throw new RangeError(`mode must be a file mode from 0o000 to 0o777, got ${String(options.mode)}`);
  }
  await clearStaleSocket(path, options.removeStaleSocket);
  let previousUmask: number | undefined;
  try {
    previousUmask = process.umask(~options.mode & 0o777);
  } catch {
    previousUmask = undefined; // worker threads cannot change the umask; the chmod below still applies
  }
  try {
    await bind(server, path, options.backlog);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // libuv's pipe bind reports a missing directory as EACCES; look before blaming permissions.
    if (e.code === 'EACCES' && !fs.existsSync(dirname(path))) {
      throw listenError(path, Object.assign(new Error(e.message, { cause: e }), { code: 'ENOENT' }));
    }
    throw listenError(path, e);
  } finally {
    if (previousUmask !== undefined) process.umask(previousUmask);
  }
  try {
    await fs.promises.chmod(path, options.mode);
    if (options.owner !== undefined || options.group !== undefined) {
      await fs.promises.chown(path, options.owner ?? -1, options.group ?? -1);
    }
  } catch (err) {
    server.close();
    throw new ProtocolError(`Could not set socket properties on ${path}: ${(err as Error).message}`, ErrorCodes.listen, { cause: err });
  }
  const stat = await fs.promises.lstat(path);
  return { path, dev: stat.dev, ino: stat.ino };
}

/** Removes the socket file if it is still the one we created. */
export function removeSocketFile(identity: SocketFileIdentity): void {
  try {
    const stat = fs.lstatSync(identity.path);
    if (stat.isSocket() && stat.dev === identity.dev && stat.ino === identity.ino) fs.unlinkSync(identity.path);
  } catch {
    // Already gone: nothing to do.
  }
}
