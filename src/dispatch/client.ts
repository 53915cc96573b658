/**
 * Client: one connection endpoint (Ganeti's `Client`), over a socket, a pipe pair or any
 * Duplex. Raw `send`/`recv` of messages, and `call` for request/response with pipelining.
 * It never re-sends a request: after a close, the caller decides (spec §3.2 shows why).
 */
import type { Duplex } from 'node:stream';
import { DEFAULT_MAX_DEPTH, type DecodeOptions } from '../codec.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, checkCount, checkDurationMs } from '../defaults.js';
import { clientCallsObserved, observeClientCall, publishClientConnect } from '../diagnostics.js';
import { ConnectionClosedError, ErrorCodes, GanetiError, ProtocolError, TimeoutError } from '../errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, EOM, checkByteLimit, type MessageTooLargeError } from '../framing.js';
import { buildCallText, decodeResponse, type Response } from '../message.js';
import { connectSocket, type ConnectOptions } from '../transport/connect.js';
import { Connection, type ConnectionOwner, type StreamPair } from '../transport/connection.js';

export type { StreamPair } from '../transport/connection.js';

/** Default for `maxQueuedMessages`: messages received and not taken before reading pauses. */
export const DEFAULT_MAX_QUEUED_MESSAGES = 64;

/** The outcome of {@link Client.recv} (Ganeti `RecvResult`). */
export type RecvResult =
  | { readonly kind: 'ok'; readonly message: Buffer }
  | { readonly kind: 'closed' }
  | { readonly kind: 'error'; readonly error: Error };

/** Options of a {@link Client}. */
export interface ClientOptions extends DecodeOptions {
  /**
   * Time allowed for each answer (`call`) or message (`recv`), in ms. `0` = no limit.
   * Default: 180000 (`luxiDefRwto`). A `call` that times out destroys the connection,
   * because a late answer could otherwise be taken for the next call's.
   */
  requestTimeoutMs?: number;
  /** Largest message accepted, in bytes. `0` = no limit. Default: 64 MiB. */
  maxMessageBytes?: number;
  /** Messages received but not yet taken before reading pauses; `0` = no limit. Default: 64. */
  maxQueuedMessages?: number;
}

/** Options of {@link connectClient}: connecting plus the client's own. */
export interface ConnectClientOptions extends ClientOptions, ConnectOptions {}

/** Per-call options. */
export interface CallOptions {
  /** Overrides the client's `requestTimeoutMs` for this call. */
  timeoutMs?: number;
  /**
   * Aborts waiting: the promise rejects with `signal.reason`. The request may already be
   * sent; its answer is read and dropped when it comes, so later calls stay in step.
   */
  signal?: AbortSignal;
}

/**
 * Someone waiting for the next message: a call (its answer, decoded on arrival, settles
 * the call's promise) or a recv (the raw message). One object per wait, no closures on
 * the default path: the promise's functions are captured by a shared executor.
 */
class Waiter {
  resolve!: (value: unknown) => void;
  reject!: (reason: unknown) => void;
  /** Set when the caller stopped waiting: a call's answer is still read, then dropped. */
  abandoned = false;
  /** When the shared timer times this call out (performance.now() ms); 0 = own timer or none. */
  deadline = 0;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  constructor(
    readonly forCall: boolean,
    /** A call's method, for its timeout message. */
    readonly method: string,
    readonly timeoutMs: number,
  ) {}
}

// The executor of every wait's promise: it stores the functions on the waiter being made.
let capturing: Waiter | undefined;
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  const w = capturing as Waiter;
  w.resolve = resolve;
  w.reject = reject;
}

/**
 * A connection endpoint. Messages come out of `recv` in arrival order, and answers to
 * pipelined `call`s resolve in request order (the protocol has no ids, so order is the
 * only link between a request and its answer).
 */
export class Client implements ConnectionOwner {
  readonly #conn: Connection;
  readonly #decodeOptions: DecodeOptions;
  readonly #requestTimeoutMs: number;
  // Callers waiting for a message, oldest first (from #head).
  #waiters: Waiter[] = [];
  #head = 0;
  #end: RecvResult | undefined;
  #failure: Error | undefined;
  // close() callers waiting for the answers still due.
  #idleWaiters: Array<() => void> = [];
  // One timer for all calls on the default timeout: answers come in FIFO order and those
  // calls share one duration, so the oldest such call always has the earliest deadline.
  #sharedTimer: NodeJS.Timeout | undefined;

  /**
   * Wraps a connected Duplex (a socket) or a `{ readable, writable }` pair (pipes).
   * The client takes ownership: it reads the stream and destroys it on close.
   */
  constructor(stream: Duplex | StreamPair, options: ClientOptions = {}) {
    const maxDepth = checkCount('maxDepth', options.maxDepth ?? DEFAULT_MAX_DEPTH);
    const invalidUtf8 = options.invalidUtf8 ?? 'latin1';
    if (invalidUtf8 !== 'latin1' && invalidUtf8 !== 'reject') {
      throw new RangeError(`invalidUtf8 must be 'latin1' or 'reject', got ${String(invalidUtf8)}`);
    }
    this.#decodeOptions = { maxDepth, invalidUtf8 };
    this.#requestTimeoutMs = checkDurationMs('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.#conn = new Connection(
      stream,
      {
        maxMessageBytes: checkByteLimit('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
        maxQueuedMessages: checkCount('maxQueuedMessages', options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES),
        idleTimeoutMs: 0,
        sendTimeoutMs: 0,
        lingerMs: 0,
        lingerBytes: 0,
        frames: true,
      },
      this,
    );
  }

  /** True once the connection ended (closed by either side, or failed). */
  get closed(): boolean {
    return this.#end !== undefined;
  }

  /** Requests sent whose answers (or messages awaited) have not arrived yet. */
  get pending(): number {
    return this.#waiters.length - this.#head;
  }

  /** The underlying streams, for `clientToHandle`-style reuse elsewhere. */
  get streams(): StreamPair {
    return this.#conn.streams;
  }

  /**
   * Sends one raw message (Ganeti `sendMsg`): its bytes plus 0x03. Returns false when the
   * write buffer is full (wait for the stream's 'drain' to be gentle).
   * @throws ProtocolError if the payload contains 0x03 or the client is closed.
   */
  send(message: string | Buffer): boolean {
    this.#checkOpen();
    const payload = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    if (payload.indexOf(EOM) !== -1) throw new ProtocolError('Message terminator found in payload', ErrorCodes.invalidMessage);
    this.#conn.sendFrame(payload);
    return !this.#conn.writeBlocked;
  }

  /**
   * Waits for the next message (Ganeti `recvMsgExt`): `ok`, `closed` (EOF, also in the
   * middle of a message) or `error` (a timeout, a stream error, an oversize message).
   */
  recv(options: CallOptions = {}): Promise<RecvResult> {
    if (this.pending === 0) {
      const message = this.#conn.take();
      if (message !== undefined) return Promise.resolve({ kind: 'ok', message });
    }
    if (this.#end) return Promise.resolve(this.#end);
    const timeoutMs = options.timeoutMs === undefined ? this.#requestTimeoutMs : checkDurationMs('timeoutMs', options.timeoutMs);
    return this.#wait(false, '', timeoutMs, options.signal) as Promise<RecvResult>;
  }

  /**
   * Waits for the next message (Ganeti `recvMsg`).
   * @throws ConnectionClosedError at EOF, or the error of a failed receive.
   */
  async recvMsg(options: CallOptions = {}): Promise<Buffer> {
    const result = await this.recv(options);
    if (result.kind === 'ok') return result.message;
    if (result.kind === 'closed') throw new ConnectionClosedError();
    throw result.error;
  }

  /**
   * Calls `method` with `args` and resolves with the result (Ganeti `callMethod`).
   * Calls may be pipelined; answers resolve in order.
   * @throws the decoded GanetiError on `success:false`; RequestError for a plain-string
   *   failure; ConnectionClosedError; TimeoutError; GenericError for a malformed answer.
   */
  call(method: string, args: unknown, options?: CallOptions): Promise<unknown> {
    if (!clientCallsObserved()) return this.#call(method, args, options);
    return observeClientCall(this, method, args, () => this.#call(method, args, options));
  }

  #call(method: string, args: unknown, options: CallOptions | undefined): Promise<unknown> {
    let timeoutMs = this.#requestTimeoutMs;
    try {
      this.#checkOpen();
      if (options !== undefined) {
        options.signal?.throwIfAborted();
        if (options.timeoutMs !== undefined) timeoutMs = checkDurationMs('timeoutMs', options.timeoutMs);
      }
      this.#conn.send(buildCallText(method, args));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#wait(true, method, timeoutMs, options?.signal, options?.timeoutMs === undefined);
  }

  /**
   * Closes gracefully: ends our side; answers still due are awaited up to the request
   * timeout. Resolves when the connection is closed. Closing twice is harmless.
   */
  async close(): Promise<void> {
    while (!this.#end && this.#hasLiveWaiters()) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    if (!this.#end) {
      // End our side after the queued writes are flushed, so nothing sent is lost.
      this.#conn.flush();
      const { writable } = this.#conn.streams;
      await new Promise<void>((resolve) => writable.end(() => resolve()));
    }
    this.destroy();
  }

  /** Closes at once. Waiting calls fail with `error` (or ConnectionClosedError). */
  destroy(error?: Error): void {
    if (this.#end) return;
    if (error !== undefined) this.#failure ??= error;
    this.#finish();
    this.#conn.destroy();
  }

  /**
   * Detaches the streams from this client without closing them and returns them with any
   * bytes already read but not yet taken (Ganeti `clientToHandle`). The client is closed.
   */
  detach(): { streams: StreamPair; buffered: Buffer } {
    this.#checkOpen();
    if (this.pending > 0) throw new ProtocolError('Cannot detach a client with calls in flight', ErrorCodes.invalidMessage);
    this.#conn.flush();
    const streams = this.#conn.streams;
    const buffered = this.#conn.detach();
    this.#end = { kind: 'closed' };
    return { streams, buffered };
  }

  /** Feeds bytes as if they had been read (the bytes a handed-off connection carried). */
  inject(bytes: Buffer): void {
    this.#conn.inject(bytes);
  }

  // --- ConnectionOwner ---------------------------------------------------------

  onMessages(): void {
    const conn = this.#conn;
    while (this.#head < this.#waiters.length && !this.#end) {
      const message = conn.take();
      if (message === undefined) break;
      this.#deliver(this.#shiftWaiter(), message);
    }
    if (this.#idleWaiters.length > 0) this.#notifyIdle();
  }

  onFrameError(error: MessageTooLargeError): void {
    this.destroy(error);
  }

  onInputEnd(): void {
    this.#finish();
    this.#conn.endOutput();
  }

  onError(error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    this.#failure ??=
      code === 'ECONNRESET' || code === 'EPIPE' ? new ConnectionClosedError(`Connection reset by peer (${code})`, { cause: error }) : error;
  }

  onClose(): void {
    this.#finish();
  }

  // --- waiting -----------------------------------------------------------------

  #checkOpen(): void {
    if (this.#end) {
      throw new ProtocolError('Connection is closed', ErrorCodes.destroyed, {
        cause: this.#end.kind === 'error' ? this.#end.error : undefined,
      });
    }
  }

  #hasLiveWaiters(): boolean {
    for (let i = this.#head; i < this.#waiters.length; i++) if (!(this.#waiters[i] as Waiter).abandoned) return true;
    return false;
  }

  #shiftWaiter(): Waiter {
    const w = this.#waiters[this.#head] as Waiter;
    this.#waiters[this.#head++] = DONE;
    if (this.#head === this.#waiters.length) {
      this.#waiters = [];
      this.#head = 0;
    }
    return w;
  }

  /**
   * Queues a waiter for the next message. A call's waiter that gives up stays in the queue
   * (its answer is on the way and must be consumed); a recv's waiter leaves it, so the next
   * message goes to the next recv, as a timed-out Ganeti `recvMsg` leaves data unread.
   */
  #wait(forCall: boolean, method: string, timeoutMs: number, signal: AbortSignal | undefined, sharedTimeout = false): Promise<unknown> {
    const w = new Waiter(forCall, method, timeoutMs);
    capturing = w;
    const promise = new Promise<unknown>(capture);
    capturing = undefined;
    if (timeoutMs > 0) {
      if (forCall && sharedTimeout) {
        w.deadline = performance.now() + timeoutMs;
        this.#sharedTimer ??= setTimeout(this.#onSharedTimer, timeoutMs).unref();
      } else {
        w.timer = setTimeout(() => this.#expire(w), timeoutMs);
      }
    }
    if (signal !== undefined) {
      w.signal = signal;
      w.onAbort = () => {
        this.#giveUp(w);
        w.reject(signal.reason);
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
    }
    this.#waiters.push(w);
    // A message that came before anyone waited (a server's refusal, say) is the answer.
    if (this.#conn.queued > 0) this.onMessages();
    return promise;
  }

  /** The caller stops waiting: a call's answer will be dropped, a recv leaves the queue. */
  #giveUp(w: Waiter): void {
    clearTimeout(w.timer);
    if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
    if (w.forCall) {
      w.abandoned = true;
    } else {
      const at = this.#waiters.indexOf(w, this.#head);
      if (at !== -1) this.#waiters.splice(at, 1);
    }
    if (this.#idleWaiters.length > 0) this.#notifyIdle();
  }

  #expire(w: Waiter): void {
    if (w.abandoned) return;
    this.#giveUp(w);
    if (!w.forCall) {
      w.resolve({ kind: 'error', error: new TimeoutError(`Timeout in reading a response (no message within ${w.timeoutMs} ms)`) });
      return;
    }
    const error = new TimeoutError(`No answer to ${w.method} within ${w.timeoutMs} ms`);
    w.reject(error);
    // A late answer would be taken for the next call's: the connection is dropped.
    queueMicrotask(() => this.destroy(new ConnectionClosedError('Connection dropped after a request timed out', { cause: error })));
  }

  #onSharedTimer = (): void => {
    this.#sharedTimer = undefined;
    if (this.#end) return;
    let first: Waiter | undefined;
    for (let i = this.#head; i < this.#waiters.length; i++) {
      const w = this.#waiters[i] as Waiter;
      if (w.deadline > 0 && !w.abandoned) {
        first = w;
        break;
      }
    }
    if (first === undefined) return;
    const left = first.deadline - performance.now();
    if (left <= 0) this.#expire(first);
    else this.#sharedTimer = setTimeout(this.#onSharedTimer, Math.ceil(left)).unref();
  };

  #deliver(w: Waiter, message: Buffer): void {
    if (w.timer !== undefined) clearTimeout(w.timer);
    if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
    if (!w.forCall) {
      w.resolve({ kind: 'ok', message });
      return;
    }
    let response: Response;
    try {
      response = decodeResponse(message, this.#decodeOptions);
    } catch (err) {
      // A malformed answer (e.g. a Haskell peer's non-ASCII byte 0x03 split a frame,
      // spec §1.5) leaves us out of step with the server. It is judged on arrival, before
      // later messages of the same read reach later calls, and the connection is dropped
      // so that no call gets another call's answer.
      if (!w.abandoned) w.reject(err);
      this.destroy(new ConnectionClosedError('Connection dropped after a malformed answer', { cause: err }));
      return;
    }
    if (w.abandoned) return;
    if (response.success) w.resolve(response.result);
    else w.reject(GanetiError.fromWire(response.result));
  }

  #notifyIdle(): void {
    const idle = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of idle) resolve();
  }

  /** The connection ended: every waiter learns how. */
  #finish(): void {
    if (this.#end) return;
    const failure = this.#failure;
    this.#end = failure === undefined ? { kind: 'closed' } : { kind: 'error', error: failure };
    clearTimeout(this.#sharedTimer);
    this.#sharedTimer = undefined;
    const waiters = this.#waiters;
    const head = this.#head;
    this.#waiters = [];
    this.#head = 0;
    for (let i = head; i < waiters.length; i++) {
      const w = waiters[i] as Waiter;
      clearTimeout(w.timer);
      if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
      if (w.abandoned) continue;
      if (!w.forCall) w.resolve(this.#end);
      else w.reject(failure ?? new ConnectionClosedError());
    }
    this.#notifyIdle();
  }
}

const DONE = new Waiter(false, '', 0);

/**
 * Connects to a daemon socket and returns a {@link Client} (Ganeti `connectClient`).
 * @throws see {@link connectSocket}.
 */
export async function connectClient(path: string, options: ConnectClientOptions = {}): Promise<Client> {
  const socket = await connectSocket(path, options);
  const client = new Client(socket, options);
  publishClientConnect(path, client);
  return client;
}
