/**
 * Handing a connected socket to another process (the role of Ganeti's `clientToFd` /
 * `clientToHandle`, spec §3.1) over Node's IPC channel, together with the bytes the
 * sender had already read but not consumed, so that nothing is lost or reordered.
 * Socket level only; the Client-level wrappers are in protocols/rpc/process-clients.ts.
 */
import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { ErrorCodes, ProtocolError, TimeoutError } from '../errors.js';
import { checkDurationMs } from '../defaults.js';

/** The `type` of the IPC message that carries a handed-off socket. */
export const HANDOFF_MESSAGE_TYPE = 'ganeti-uds:handoff';

/** The IPC message sent with the socket. `buffered` is base64. */
export interface HandoffMessage {
  type: typeof HANDOFF_MESSAGE_TYPE;
  buffered: string;
  /** Free-form data for the receiver (a connection id, the request already answered, ...). */
  info?: unknown;
}

interface HandleInternals {
  _handle?: { readStop?: () => number } | null;
}

/**
 * Takes back the bytes a socket read but nobody consumed, and stops it reading, so
 * that every later byte stays in the kernel for the next owner of the descriptor.
 * All of it runs in one tick: reads only happen in the event loop, so none can slip in.
 */
function stopAndDrain(socket: net.Socket): Buffer {
  socket.pause();
  const parts: Buffer[] = [];
  for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
    parts.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  }
  // `pause()` only stops 'data' events; libuv would go on reading into the stream's
  // buffer, and Node's send() discards what the handle reads after it. readStop is the
  // handle's own method (used by net.Socket itself); there is no public equivalent.
  (socket as unknown as HandleInternals)._handle?.readStop?.();
  return Buffer.concat(parts);
}

/**
 * Sends `socket` to `child` (forked with an IPC channel) with `buffered` bytes, which the
 * receiver puts in front of everything it reads. The socket is closed in this process
 * once sent. Resolves when the message is written to the channel.
 * @throws ProtocolError if the child has no IPC channel, the socket has no handle, or
 *   sending fails.
 */
export function sendSocket(child: ChildProcess, socket: net.Socket, buffered: Buffer = Buffer.alloc(0), info?: unknown): Promise<void> {
  if (!child.connected) {
    return Promise.reject(
      new ProtocolError('cannot hand off a socket: the child has no IPC channel (use child_process.fork)', ErrorCodes.invalidMessage),
    );
  }
  const unread = stopAndDrain(socket);
  const message: HandoffMessage = {
    type: HANDOFF_MESSAGE_TYPE,
    buffered: Buffer.concat([buffered, unread]).toString('base64'),
  };
  if (info !== undefined) message.info = info;
  return new Promise((resolve, reject) => {
    const ok = child.send(message, socket, { keepOpen: false }, (err) => {
      if (err) reject(new ProtocolError(`handing off the socket failed: ${err.message}`, ErrorCodes.invalidMessage, { cause: err }));
      else resolve();
    });
    if (!ok && !child.connected)
      reject(new ProtocolError('handing off the socket failed: the IPC channel is closed', ErrorCodes.invalidMessage));
  });
}

/** A socket received by {@link onHandedOffSocket}; its unconsumed bytes are already put back in front. */
export interface HandedOffSocket {
  socket: net.Socket;
  /** The `info` the sender attached, if any. */
  info: unknown;
}

function isHandoffMessage(value: unknown): value is HandoffMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === HANDOFF_MESSAGE_TYPE &&
    typeof (value as { buffered?: unknown }).buffered === 'string'
  );
}

/**
 * Calls `listener` for every socket handed to this process (a child with an IPC
 * channel). The bytes the sender had buffered are `unshift`ed into the socket, so any
 * reader (a Client, `UdsServer.serve`) sees them first. Returns an unsubscribe function.
 * @throws ProtocolError if this process has no IPC channel.
 */
export function onHandedOffSocket(listener: (received: HandedOffSocket) => void): () => void {
  if (typeof process.send !== 'function') {
    throw new ProtocolError('this process has no IPC channel: it must be started with child_process.fork', ErrorCodes.invalidMessage);
  }
  const onMessage = (message: unknown, handle: unknown): void => {
    if (!isHandoffMessage(message) || !(handle instanceof net.Socket)) return;
    const buffered = Buffer.from(message.buffered, 'base64');
    if (buffered.length > 0) handle.unshift(buffered);
    listener({ socket: handle, info: message.info });
  };
  process.on('message', onMessage);
  return () => {
    process.off('message', onMessage);
  };
}

/** Options of {@link receiveSocket}. */
export interface ReceiveSocketOptions {
  /** Give up after this many ms. `0` = wait forever. Default: 0. */
  timeoutMs?: number;
  /** Aborts waiting; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Waits for the next socket handed to this process.
 * @throws TimeoutError after `timeoutMs`; ProtocolError without an IPC channel.
 */
export function receiveSocket(options: ReceiveSocketOptions = {}): Promise<HandedOffSocket> {
  const timeoutMs = checkDurationMs('timeoutMs', options.timeoutMs ?? 0);
  const signal = options.signal;
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      unsubscribe();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const unsubscribe = onHandedOffSocket((received) => {
      done();
      resolve(received);
    });
    const onAbort = (): void => {
      done();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        done();
        reject(new TimeoutError(`No socket was handed to this process within ${timeoutMs} ms`));
      }, timeoutMs);
    }
  });
}
