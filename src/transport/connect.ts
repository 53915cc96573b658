/**
 * Opening a client socket (Ganeti `openClientSocket`, Python `Transport._Connect`):
 * connect timeout, optional retries while the daemon is not up yet, AbortSignal, and
 * errno errors turned into errors that name the path and the fix.
 */
import * as net from 'node:net';
import { DEFAULT_CONNECT_RETRY_DELAY_MS, DEFAULT_CONNECT_TIMEOUT_MS, checkDurationMs } from '../defaults.js';
import { ErrorCodes, NoMasterError, PermissionError, ProtocolError, TimeoutError } from '../errors.js';

/** Longest socket path Linux accepts (`sun_path` is 108 bytes with the final NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Options of {@link connectSocket}. */
export interface ConnectOptions {
  /** Time allowed for connecting, retries included, in ms. `0` = no limit. Default: 30000 (`luxiDefCtmo`). */
  connectTimeoutMs?: number;
  /**
   * Retry while the socket is missing or refuses (ENOENT, ECONNREFUSED), as Python's
   * client does, until `connectTimeoutMs` runs out. Default: false (one attempt, as
   * Haskell's `openClientSocket`). A full listen backlog (EAGAIN) is retried either way,
   * within `connectTimeoutMs`, after a few milliseconds.
   */
  retry?: boolean;
  /** Delay between attempts when retrying, in ms. Default: 1000. */
  retryDelayMs?: number;
  /** Aborts connecting; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

const RETRYABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);
/**
 * A full listen backlog refuses a Unix-socket connect at once with EAGAIN: a burst, not an
 * absent daemon. Such attempts are always retried within the connect timeout, after a
 * short delay that doubles from this up to {@link BACKLOG_RETRY_MAX_MS}.
 */
const BACKLOG_RETRY_FIRST_MS = 2;
const BACKLOG_RETRY_MAX_MS = 100;

/** Checks that `path` fits in `sun_path`; Linux would otherwise truncate or refuse it. */
export function checkSocketPath(path: string): void {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('socket path must be a non-empty string');
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new RangeError(
      `socket path is ${bytes} bytes, longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket address holds: ${path}; use a shorter path`,
    );
  }
}

/** Turns a connect errno error into our error family, naming the path and the fix. */
export function connectError(path: string, err: NodeJS.ErrnoException): ProtocolError {
  switch (err.code) {
    case 'ENOENT':
      return new NoMasterError(`No socket at ${path}: is the daemon running, and is this the right path?`, { cause: err });
    case 'ECONNREFUSED':
      return new NoMasterError(`Connection refused at ${path}: no daemon is listening there (a stale socket file?)`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new PermissionError(`Permission denied connecting to ${path}: run as a user in the socket's group, or change its mode`, {
        cause: err,
      });
    case 'EAGAIN':
      return new ProtocolError(`The daemon at ${path} is overloaded (listen backlog full); try again`, ErrorCodes.connect, { cause: err });
    case 'ENOTSOCK':
      return new ProtocolError(`${path} is not a socket`, ErrorCodes.connect, { cause: err });
    default:
      return new ProtocolError(`Cannot connect to ${path}: ${err.message}`, ErrorCodes.connect, { cause: err });
  }
}

function attempt(path: string, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason);
    };
    const done = (): void => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('connect', onConnect);
    };
    const onError = (err: Error): void => {
      done();
      socket.destroy();
      reject(err);
    };
    const onConnect = (): void => {
      done();
      resolve(socket);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Connects a Unix stream socket to `path`.
 * @throws NoMasterError (nothing listens), PermissionError, TimeoutError (connect took
 *   longer than `connectTimeoutMs`), ProtocolError (other errno), RangeError (path too
 *   long), or `signal.reason` when aborted.
 */
export async function connectSocket(path: string, options: ConnectOptions = {}): Promise<net.Socket> {
  checkSocketPath(path);
  const timeoutMs = checkDurationMs('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const retryDelayMs = checkDurationMs('retryDelayMs', options.retryDelayMs ?? DEFAULT_CONNECT_RETRY_DELAY_MS);
  options.signal?.throwIfAborted();
  const timeoutError = new TimeoutError(`Connect timed out after ${timeoutMs} ms: ${path}`);
  const controller = new AbortController();
  const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(timeoutError), timeoutMs) : undefined;
  const onOuterAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let lastError: NodeJS.ErrnoException | undefined;
  let backlogDelayMs = BACKLOG_RETRY_FIRST_MS;
  const timedOut = (err: unknown): never => {
    if (controller.signal.reason === timeoutError && lastError) {
      throw new TimeoutError(`${timeoutError.message} (last error: ${connectError(path, lastError).message})`, { cause: lastError });
    }
    throw err;
  };
  try {
    for (;;) {
      let delayMs = retryDelayMs;
      try {
        return await attempt(path, controller.signal);
      } catch (err) {
        if (controller.signal.aborted) timedOut(controller.signal.reason);
        const errno = err as NodeJS.ErrnoException;
        const code = errno.code ?? '';
        if (code === 'EAGAIN') {
          delayMs = backlogDelayMs;
          backlogDelayMs = Math.min(backlogDelayMs * 2, BACKLOG_RETRY_MAX_MS);
        } else if (!options.retry || !RETRYABLE.has(code)) {
          throw connectError(path, errno);
        }
        lastError = errno;
      }
      await sleep(delayMs, controller.signal).catch(timedOut);
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}
