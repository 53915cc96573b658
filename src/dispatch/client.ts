/**
 * Client: one connection endpoint (Ganeti's `Client`), over a socket, a pipe pair or any
 * Duplex. Raw `send`/`recv` of messages, and `call` for request/response with pipelining.
 * It never re-sends a request: after a close, the caller decides (spec §3.2 shows why).
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { DecodeOptions } from '../codec.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, checkDurationMs } from '../defaults.js';
import { ConnectionClosedError, ErrorCodes, GanetiError, ProtocolError, TimeoutError } from '../errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, FrameDecoder, checkByteLimit, encodeFrame } from '../framing.js';
import { clientCallsObserved, observeClientCall, publishClientConnect } from '../diagnostics.js';
import { buildCall, decodeResponse, type Response } from '../message.js';
import { connectSocket, type ConnectOptions } from '../transport/connect.js';

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
  /** Messages received but not yet taken before reading pauses. Default: 64. */
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

/** A stream pair: what a pipe client reads from and writes to. */
export interface StreamPair {
  readable: Readable;
  writable: Writable;
}

/** What a waiter gets: a raw message (recv) or an answer already decoded (call). */
type Delivered = RecvResult | { readonly kind: 'response'; readonly response: Response };

interface Waiter {
  resolve(result: Delivered): void;
  /** A call's waiter: its message is an answer, decoded as it arrives. */
  forCall: boolean;
  /** Set when a call's caller stopped waiting: its answer is still read, then dropped. */
  abandoned: boolean;
  /** When the shared timer times this waiter out (performance.now() ms); 0 = it has its own timer or none. */
  deadline: number;
  /** Times the waiter out. */
  expire?: () => void;
}

const EOM_STRING = '\x03';

/**
 * A connection endpoint. Messages come out of `recv` in arrival order, and answers to
 * pipelined `call`s resolve in request order (the protocol has no ids, so order is the
 * only link between a request and its answer).
 */
export class Client {
  readonly #readable: Readable;
  readonly #writable: Writable;
  readonly #decoder: FrameDecoder;
  readonly #decodeOptions: DecodeOptions;
  readonly #requestTimeoutMs: number;
  readonly #maxQueued: number;
  // Messages received that nobody waits for yet, and callers waiting for a message.
  #inbox: Buffer[] = [];
  #waiters: Waiter[] = [];
  #end: RecvResult | undefined;
  #corked = false;
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
    if ('readable' in stream && 'writable' in stream && typeof stream.readable === 'object') {
      this.#readable = (stream as StreamPair).readable;
      this.#writable = (stream as StreamPair).writable;
    } else {
      this.#readable = stream as Duplex;
      this.#writable = stream as Duplex;
    }
    this.#decoder = new FrameDecoder({
      maxMessageBytes: checkByteLimit('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
    });
    this.#decodeOptions = { maxDepth: options.maxDepth, invalidUtf8: options.invalidUtf8 } as DecodeOptions;
    this.#requestTimeoutMs = checkDurationMs('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.#maxQueued = options.maxQueuedMessages ?? 64;
    this.#readable.on('data', this.#onData);
    this.#readable.on('end', this.#onEnd);
    this.#readable.on('error', this.#onError);
    this.#readable.on('close', this.#onClose);
    if ((this.#writable as unknown) !== this.#readable) {
      this.#writable.on('error', this.#onError);
      this.#writable.on('close', this.#onClose);
    }
  }

  /** True once the connection ended (closed by either side, or failed). */
  get closed(): boolean {
    return this.#end !== undefined;
  }

  /** Requests sent whose answers (or messages awaited) have not arrived yet. */
  get pending(): number {
    return this.#waiters.length;
  }

  /** The underlying streams, for `clientToHandle`-style reuse elsewhere. */
  get streams(): StreamPair {
    return { readable: this.#readable, writable: this.#writable };
  }

  /**
   * Sends one raw message (Ganeti `sendMsg`): its bytes plus 0x03. Returns false when the
   * write buffer is full (wait for the stream's 'drain' to be gentle).
   * @throws ProtocolError if the payload contains 0x03 or the client is closed.
   */
  send(message: string | Buffer): boolean {
    this.#checkOpen();
    return this.#write(encodeFrame(message));
  }

  /**
   * Waits for the next message (Ganeti `recvMsgExt`): `ok`, `closed` (EOF, also in the
   * middle of a message) or `error` (a timeout, a stream error, an oversize message).
   */
  recv(options: CallOptions = {}): Promise<RecvResult> {
    const message = this.#takeInbox();
    if (message !== undefined) return Promise.resolve({ kind: 'ok', message });
    if (this.#end) return Promise.resolve(this.#end);
    return this.#wait(options, false, (timeoutMs) => ({
      kind: 'error',
      error: new TimeoutError(`Timeout in reading a response (no message within ${timeoutMs} ms)`),
    })) as Promise<RecvResult>;
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
  call(method: string, args: unknown, options: CallOptions = {}): Promise<unknown> {
    if (!clientCallsObserved()) return this.#call(method, args, options);
    return observeClientCall(this, method, args, () => this.#call(method, args, options));
  }

  async #call(method: string, args: unknown, options: CallOptions): Promise<unknown> {
    this.#checkOpen();
    options.signal?.throwIfAborted();
    const request = buildCall(method, args) + EOM_STRING;
    this.#write(request);
    const result = await this.#wait(options, true, (timeoutMs) => {
      const error = new TimeoutError(`No answer to ${method} within ${timeoutMs} ms`);
      // A late answer would be taken for the next call's: the connection is dropped.
      queueMicrotask(() => this.destroy(new ConnectionClosedError('Connection dropped after a request timed out', { cause: error })));
      return { kind: 'error', error };
    });
    if (result.kind === 'closed') throw new ConnectionClosedError();
    if (result.kind === 'error') throw result.error;
    if (result.kind !== 'response') throw new ProtocolError('A call received an undecoded message', ErrorCodes.invalidMessage);
    if (!result.response.success) throw GanetiError.fromWire(result.response.result);
    return result.response.result;
  }

  /**
   * Closes gracefully: ends our side; answers still due are awaited up to the request
   * timeout. Resolves when the connection is closed. Closing twice is harmless.
   */
  async close(): Promise<void> {
    while (!this.#end && this.#waiters.some((w) => !w.abandoned)) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    if (!this.#end) {
      // End our side after the queued writes are flushed, so nothing sent is lost.
      await new Promise<void>((resolve) => this.#writable.end(() => resolve()));
    }
    this.destroy();
  }

  /** Closes at once. Waiting calls fail with `error` (or ConnectionClosedError). */
  destroy(error?: Error): void {
    if (this.#end) return;
    this.#finish(error ? { kind: 'error', error } : { kind: 'closed' });
    this.#readable.destroy();
    if ((this.#writable as unknown) !== this.#readable) this.#writable.destroy();
  }

  /**
   * Detaches the streams from this client without closing them and returns them with any
   * bytes already read but not yet taken (Ganeti `clientToHandle`). The client is closed.
   */
  detach(): { streams: StreamPair; buffered: Buffer } {
    this.#checkOpen();
    if (this.#waiters.length > 0) throw new ProtocolError('Cannot detach a client with calls in flight', ErrorCodes.invalidMessage);
    this.#readable.pause();
    this.#readable.off('data', this.#onData);
    this.#readable.off('end', this.#onEnd);
    this.#readable.off('error', this.#onError);
    this.#readable.off('close', this.#onClose);
    this.#writable.off('error', this.#onError);
    this.#writable.off('close', this.#onClose);
    const parts: Buffer[] = [];
    for (const message of this.#inbox) parts.push(message, Buffer.from([3]));
    const tail = this.#decoder.takePending();
    parts.push(tail);
    this.#inbox = [];
    this.#end = { kind: 'closed' };
    return { streams: { readable: this.#readable, writable: this.#writable }, buffered: Buffer.concat(parts) };
  }

  /** Feeds bytes as if they had been read (the bytes a handed-off connection carried). */
  inject(bytes: Buffer): void {
    if (bytes.length > 0) this.#onData(bytes);
  }

  #checkOpen(): void {
    if (this.#end) {
      throw new ProtocolError('Connection is closed', ErrorCodes.destroyed, {
        cause: this.#end.kind === 'error' ? this.#end.error : undefined,
      });
    }
  }

  #write(data: string | Buffer): boolean {
    // Writes of one tick leave together (one writev for a burst of pipelined calls).
    if (!this.#corked) {
      this.#corked = true;
      this.#writable.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#writable.uncork();
      });
    }
    return this.#writable.write(data);
  }

  #takeInbox(): Buffer | undefined {
    const message = this.#inbox.shift();
    if (message !== undefined && this.#inbox.length < this.#maxQueued && this.#readable.isPaused() && !this.#end) {
      this.#readable.resume();
    }
    return message;
  }

  /**
   * Queues a waiter for the next message. A call's waiter that gives up stays in the queue
   * (its answer is on the way and must be consumed); a recv's waiter leaves it, so the next
   * message goes to the next recv, as a timed-out Ganeti `recvMsg` leaves data unread.
   */
  #wait(options: CallOptions, forCall: boolean, onTimeout: (timeoutMs: number) => RecvResult): Promise<Delivered> {
    const timeoutMs = options.timeoutMs === undefined ? this.#requestTimeoutMs : checkDurationMs('timeoutMs', options.timeoutMs);
    return new Promise<Delivered>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const signal = options.signal;
      const giveUp = (): void => {
        if (forCall) {
          waiter.abandoned = true;
        } else {
          const at = this.#waiters.indexOf(waiter);
          if (at !== -1) this.#waiters.splice(at, 1);
        }
      };
      const onAbort = (): void => {
        giveUp();
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        forCall,
        abandoned: false,
        deadline: 0,
        resolve: (result) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      const expire = (): void => {
        giveUp();
        signal?.removeEventListener('abort', onAbort);
        resolve(onTimeout(timeoutMs));
      };
      if (timeoutMs > 0 && forCall && options.timeoutMs === undefined) {
        waiter.deadline = performance.now() + timeoutMs;
        waiter.expire = expire;
        this.#sharedTimer ??= setTimeout(this.#onSharedTimer, timeoutMs).unref();
      } else if (timeoutMs > 0) {
        timer = setTimeout(expire, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #onSharedTimer = (): void => {
    this.#sharedTimer = undefined;
    const first = this.#waiters.find((w) => w.deadline > 0);
    if (first === undefined || this.#end) return;
    const left = first.deadline - performance.now();
    if (left <= 0) first.expire?.();
    else this.#sharedTimer = setTimeout(this.#onSharedTimer, Math.ceil(left)).unref();
  };

  #deliver(message: Buffer): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      this.#inbox.push(message);
      if (this.#inbox.length >= this.#maxQueued) this.#readable.pause();
    } else if (!waiter.forCall) {
      waiter.resolve({ kind: 'ok', message });
    } else {
      let response: Response;
      try {
        response = decodeResponse(message, this.#decodeOptions);
      } catch (err) {
        // A malformed answer (e.g. a Haskell peer's non-ASCII byte 0x03 split a frame,
        // spec §1.5) leaves us out of step with the server. It is judged on arrival, before
        // later messages of the same read reach later calls, and the connection is dropped
        // so that no call gets another call's answer.
        if (!waiter.abandoned) waiter.resolve({ kind: 'error', error: err as Error });
        this.destroy(new ConnectionClosedError('Connection dropped after a malformed answer', { cause: err }));
        return;
      }
      if (!waiter.abandoned) waiter.resolve({ kind: 'response', response });
    }
    if (this.#idleWaiters.length > 0) this.#notifyIdle();
  }

  #notifyIdle(): void {
    const idle = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of idle) resolve();
  }

  #onData = (chunk: Buffer): void => {
    const messages = this.#decoder.push(chunk);
    for (const message of messages) {
      if (this.#end) return;
      this.#deliver(message);
    }
    const error = this.#decoder.error;
    if (error) this.destroy(error);
  };

  #onEnd = (): void => {
    this.#decoder.end();
    this.#finish({ kind: 'closed' });
    this.#writable.end();
  };

  #onError = (error: Error): void => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      this.#finish({ kind: 'error', error: new ConnectionClosedError(`Connection reset by peer (${code})`, { cause: error }) });
    } else {
      this.#finish({ kind: 'error', error });
    }
  };

  #onClose = (): void => {
    this.#finish({ kind: 'closed' });
  };

  #finish(result: RecvResult): void {
    if (this.#end) return;
    this.#end = result;
    clearTimeout(this.#sharedTimer);
    this.#sharedTimer = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (waiter.abandoned) continue;
      waiter.resolve(result);
    }
    this.#notifyIdle();
  }
}

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
