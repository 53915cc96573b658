/**
 * One connection: a stream (a socket, a pipe pair or any Duplex), its FrameDecoder, the
 * messages received and not yet taken, batched writes, large writes in pieces that wait
 * for 'drain', idle and send timeouts, and the two ways to end: a lingering close (send
 * what is owed, half-close, read and discard for a bounded time) or destroy. The server's
 * connections, the Client and the proxy are built on it: framing and writing live here only.
 *
 *   stream ──data──> [chunk observer] ──> FrameDecoder ──> inbox ──take()──> owner
 *   owner ──send()──> batch (one string per pass) ──ASCII check──> stream.write
 */
import { EOM, FrameDecoder, type MessageTooLargeError } from '../framing.js';
import { escapeNonAscii } from '../codec.js';
import type { Duplex, Readable, Writable } from 'node:stream';

/** What the connection is doing with its two directions. */
export const ConnectionState = {
  /** Reading and writing. */
  open: 'open',
  /** Our side is half-closed (`endOutput`); still reading. */
  outputEnded: 'outputEnded',
  /** Our side is half-closed; input is read and discarded until EOF or a limit, then destroyed. */
  lingering: 'lingering',
  /** Destroyed. */
  closed: 'closed',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** Reasons the owner holds reading; reading runs when none is set. */
export const ReadHold = {
  /** The owner is busy with a message (one request at a time). */
  busy: 1,
  /** Our output waits for 'drain': per-message backpressure. */
  output: 2,
  /** Another stream this one forwards to waits for 'drain' (the proxy). */
  forward: 4,
  /** The owner takes no more input (a server shutting down answers what it has). */
  stopped: 8,
} as const;
export type ReadHold = (typeof ReadHold)[keyof typeof ReadHold];

/** Options of a {@link Connection}; the owners resolve and check them. */
export interface ConnectionOptions {
  /** Largest message in bytes, `0` = no limit. */
  maxMessageBytes: number;
  /** Messages received and not taken before reading stops; `0` = no limit. */
  maxQueuedMessages: number;
  /** Close after this long without traffic either way (the owner may veto), ms; `0` = never. */
  idleTimeoutMs: number;
  /** Destroy when a blocked write has not drained after this long, ms; `0` = never. */
  sendTimeoutMs: number;
  /** A lingering close destroys the stream after this long at the latest, ms. */
  lingerMs: number;
  /** A lingering close destroys the stream once the peer sent this many more bytes. */
  lingerBytes: number;
  /** Split the input into messages. `false`: chunks go to `onChunk` only (a forwarder). */
  frames: boolean;
  /** Where bytes read and written are counted (a server shares one for all its connections). */
  counters?: ByteCounters;
  /**
   * Write what `send` queued on the next tick when the owner does not `flush()` first.
   * Default: true. A server, which flushes after each pass itself, turns it off.
   */
  autoFlush?: boolean;
}

/** Byte counters a connection adds to. */
export interface ByteCounters {
  bytesIn: number;
  bytesOut: number;
}

/** What a connection tells its owner. Every method runs synchronously in a stream event. */
export interface ConnectionOwner {
  /** Raw input, before framing (the proxy forwards it). */
  onChunk?(chunk: Buffer): void;
  /** New messages are in the inbox: take them with `take()`. */
  onMessages(): void;
  /** A message passed `maxMessageBytes`: no further messages come from this stream. */
  onFrameError(error: MessageTooLargeError): void;
  /** The peer ended its side; `lostBytes` of an unfinished message were dropped. */
  onInputEnd(lostBytes: number): void;
  /** Output that waited for 'drain' has drained. */
  onWritable?(): void;
  /** No traffic for `idleTimeoutMs`. Return true to destroy the connection. */
  onIdle?(): boolean;
  /** A blocked write did not drain within `sendTimeoutMs`; the connection is destroyed next. */
  onSendTimeout?(): void;
  /** A stream error (the connection is destroyed next unless it is already closed). */
  onError?(error: Error): void;
  /** Both directions are gone. Called once. */
  onClose(): void;
}

/** A stream pair: what a pipe connection reads from and writes to. */
export interface StreamPair {
  readable: Readable;
  writable: Writable;
}

/** Answers of one pass gathered before they are written out early: encoded JSON is ASCII, so chars = bytes. */
const BATCH_CHARS = 64 * 1024;
const EOM_STRING = '\x03';
const EOM_BYTE = Buffer.from([EOM]);
const EMPTY: Buffer[] = [];

/**
 * A framed connection. The owner sends encoded JSON texts (`send`), takes received
 * messages (`take`), and holds reading while it cannot take more (`hold`/`release`).
 * Everything the owner sends in one synchronous pass leaves in one write.
 */
export class Connection {
  readonly #readable: Readable;
  readonly #writable: Writable;
  readonly #owner: ConnectionOwner;
  readonly #o: ConnectionOptions;
  #decoder: FrameDecoder | undefined;
  #state: ConnectionState = ConnectionState.open;
  #inputEnded = false;
  #inbox: Buffer[] = EMPTY;
  #head = 0;
  #holds = 0;
  #reading = true;
  #out = '';
  #flushScheduled = false;
  /** Set by traffic; the idle check clears it. Cheaper than re-arming a timer per read and write. */
  #active = false;
  #idleChecks = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #sendTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #lingered = 0;
  #writeBlocked = false;
  #closed = false;
  /** Bytes read and written (shared with the owner when it passed `counters`). */
  readonly counters: ByteCounters;

  constructor(stream: Duplex | StreamPair, options: ConnectionOptions, owner: ConnectionOwner) {
    if (isStreamPair(stream)) {
      this.#readable = stream.readable;
      this.#writable = stream.writable;
    } else {
      this.#readable = stream;
      this.#writable = stream;
    }
    this.#owner = owner;
    this.#o = options;
    this.counters = options.counters ?? { bytesIn: 0, bytesOut: 0 };
    if (options.frames) this.#decoder = new FrameDecoder({ maxMessageBytes: options.maxMessageBytes });
    this.#attach();
    if (options.idleTimeoutMs > 0) this.#armIdle();
  }

  /** The state of our side (see {@link ConnectionState}). */
  get state(): ConnectionState {
    return this.#state;
  }

  /** True once the peer ended its side. */
  get inputEnded(): boolean {
    return this.#inputEnded;
  }

  /** True while our output waits for 'drain' (or the batch is over its size). */
  get writeBlocked(): boolean {
    return this.#writeBlocked || this.#writable.writableNeedDrain || this.#out.length >= BATCH_CHARS;
  }

  /** Messages received and not yet taken. */
  get queued(): number {
    return this.#inbox.length - this.#head;
  }

  /** The streams, for handing the connection on. */
  get streams(): StreamPair {
    return { readable: this.#readable, writable: this.#writable };
  }

  /** The next received message, or undefined when none is waiting. */
  take(): Buffer | undefined {
    if (this.#head === this.#inbox.length) return undefined;
    const message = this.#inbox[this.#head] as Buffer;
    this.#inbox[this.#head++] = EMPTY_BUFFER;
    if (this.#head === this.#inbox.length) {
      this.#inbox = EMPTY;
      this.#head = 0;
    }
    if (!this.#reading) this.#updateReading();
    return message;
  }

  /** Stops reading for `reason` until {@link release} of the same reason. */
  hold(reason: ReadHold): void {
    if ((this.#holds & reason) !== 0) return;
    this.#holds |= reason;
    this.#updateReading();
  }

  release(reason: ReadHold): void {
    if ((this.#holds & reason) === 0) return;
    this.#holds &= ~reason;
    this.#updateReading();
  }

  /**
   * Queues one message: an encoded JSON text (any characters; non-ASCII is escaped when
   * the batch is written) followed by 0x03. Texts sent in one synchronous pass leave in
   * one write, at the next `flush()` or on the next tick.
   */
  send(text: string): void {
    if (this.#state !== ConnectionState.open) return;
    if (text.length >= BATCH_CHARS) {
      // A large text goes out as it is: appending it to the batch would flatten a copy.
      this.flush();
      this.#write(text);
      this.#write(EOM_STRING);
      return;
    }
    this.#out += text;
    this.#out += EOM_STRING;
    if (this.#out.length >= BATCH_CHARS) this.flush();
    else if (!this.#flushScheduled && this.#o.autoFlush !== false) {
      this.#flushScheduled = true;
      process.nextTick(this.#flushLater);
    }
  }

  /** Writes a raw frame: `payload` (checked by the caller to hold no 0x03) and 0x03. */
  sendFrame(payload: Buffer): void {
    if (this.#state !== ConnectionState.open) return;
    this.flush();
    this.#writeBytes(payload);
    this.#writeBytes(EOM_BYTE);
  }

  /** Writes bytes unchanged (a forwarder). Returns false when the stream's buffer is full. */
  sendRaw(chunk: Buffer): boolean {
    if (this.#state !== ConnectionState.open) return true;
    this.flush();
    return this.#writeBytes(chunk);
  }

  /** Writes the batch gathered so far. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#out.length === 0) return;
    const out = this.#out;
    this.#out = '';
    this.#write(out);
  }

  /**
   * Sends one message made of `head`, the pieces, then `tail` and 0x03, writing each piece
   * as the reader takes the previous ones, so the whole text never exists at once. Calls
   * `done(undefined)` when the last piece is written, or `done(error)` when a piece could
   * not be encoded: before the first piece nothing was sent; after it, the connection is
   * destroyed (a half-sent message cannot be finished).
   */
  sendPieces(head: string, pieces: Iterator<string>, tail: string, done: (error: unknown) => void): void {
    this.flush();
    let started = false;
    const step = (): void => {
      if (this.#state !== ConnectionState.open) return;
      try {
        for (;;) {
          const next = pieces.next();
          if (next.done === true) break;
          if (!started) {
            started = true;
            this.#write(head);
          }
          if (!this.#write(next.value)) {
            this.#writable.once('drain', step);
            return;
          }
        }
      } catch (err) {
        if (started) this.destroy();
        done(err);
        return;
      }
      if (!started) this.#write(head);
      this.#write(tail + EOM_STRING);
      done(undefined);
    };
    step();
  }

  /** Half-closes our side after the output is flushed and goes on reading. */
  endOutput(): void {
    if (this.#state !== ConnectionState.open) return;
    this.flush();
    this.#state = ConnectionState.outputEnded;
    this.#writable.end();
  }

  /**
   * The lingering close: writes what is owed, half-closes, then reads and discards what
   * the peer still sends, so that a peer that is still writing does not get EPIPE and
   * reads every answer and the error that explains the close. The stream is destroyed at
   * the peer's EOF, after `lingerMs`, or after `lingerBytes` more bytes, whichever is first.
   */
  close(): void {
    if (this.#state === ConnectionState.lingering || this.#state === ConnectionState.closed) return;
    this.flush();
    const wasOpen = this.#state === ConnectionState.open;
    this.#state = ConnectionState.lingering;
    this.#inbox = EMPTY;
    this.#head = 0;
    this.#decoder = undefined;
    this.#updateReading();
    this.#lingerTimer = setTimeout(this.#endLinger, this.#o.lingerMs);
    this.#lingerTimer.unref?.();
    if (wasOpen) this.#writable.end();
    if (this.#inputEnded) this.#whenWritten(this.#destroyNow);
  }

  /** Closes both directions at once; data not yet written is lost. */
  destroy(): void {
    if (this.#state === ConnectionState.closed) return;
    this.#state = ConnectionState.closed;
    this.#clearTimers();
    this.#out = '';
    this.#readable.destroy();
    if (this.#writable !== (this.#readable as unknown)) this.#writable.destroy();
    // A stream pair's halves may already be gone: report the close once, now.
    this.#finish();
  }

  /**
   * Lets go of the streams without closing them: listeners removed, reading paused.
   * Returns the bytes read but not taken (whole messages re-framed, then the partial one).
   */
  detach(): Buffer {
    this.#clearTimers();
    this.#readable.pause();
    this.#detachListeners();
    const parts: Buffer[] = [];
    for (let i = this.#head; i < this.#inbox.length; i++) parts.push(this.#inbox[i] as Buffer, EOM_BYTE);
    if (this.#decoder) parts.push(this.#decoder.takePending());
    this.#inbox = EMPTY;
    this.#head = 0;
    this.#state = ConnectionState.closed;
    this.#closed = true;
    return Buffer.concat(parts);
  }

  /** Feeds bytes as if they had been read (those a handed-off connection carried). */
  inject(bytes: Buffer): void {
    if (bytes.length > 0) this.#onData(bytes);
  }

  // --- internals ---------------------------------------------------------------

  #attach(): void {
    const r = this.#readable;
    r.on('data', this.#onData);
    r.on('end', this.#onEnd);
    r.on('error', this.#onError);
    r.on('close', this.#onStreamClose);
    const w = this.#writable;
    w.on('drain', this.#onDrain);
    if (w !== (r as unknown)) {
      w.on('error', this.#onError);
      w.on('close', this.#onStreamClose);
    }
  }

  #detachListeners(): void {
    const r = this.#readable;
    r.off('data', this.#onData);
    r.off('end', this.#onEnd);
    r.off('error', this.#onError);
    r.off('close', this.#onStreamClose);
    const w = this.#writable;
    w.off('drain', this.#onDrain);
    w.off('error', this.#onError);
    w.off('close', this.#onStreamClose);
  }

  /** The one place that decides whether to read. */
  #updateReading(): void {
    let read: boolean;
    if (this.#state === ConnectionState.closed || this.#inputEnded) read = false;
    else if (this.#state === ConnectionState.lingering) read = true;
    else read = this.#holds === 0 && (this.#o.maxQueuedMessages === 0 || this.queued < this.#o.maxQueuedMessages);
    if (read === this.#reading) return;
    this.#reading = read;
    if (read) this.#readable.resume();
    else this.#readable.pause();
  }

  #write(text: string): boolean {
    this.#active = true;
    // One ASCII check per write, of the whole batch: JSON outside strings is ASCII.
    const escaped = escapeNonAscii(text);
    this.counters.bytesOut += escaped.length;
    return this.#afterWrite(this.#writable.write(escaped, 'latin1'));
  }

  #writeBytes(bytes: Buffer): boolean {
    this.#active = true;
    this.counters.bytesOut += bytes.length;
    return this.#afterWrite(this.#writable.write(bytes));
  }

  #afterWrite(ok: boolean): boolean {
    if (!ok && !this.#writeBlocked) {
      this.#writeBlocked = true;
      if (this.#o.sendTimeoutMs > 0 && this.#sendTimer === undefined) {
        this.#sendTimer = setTimeout(this.#onSendTimeout, this.#o.sendTimeoutMs);
        this.#sendTimer.unref?.();
      }
    }
    return ok;
  }

  #flushLater = (): void => {
    if (this.#flushScheduled) this.flush();
  };

  #whenWritten(fn: () => void): void {
    const w = this.#writable;
    if (w.writableFinished || w.destroyed) fn();
    else w.once('finish', fn);
  }

  #onData = (chunk: Buffer): void => {
    this.counters.bytesIn += chunk.length;
    this.#active = true;
    if (this.#state === ConnectionState.lingering) {
      this.#lingered += chunk.length;
      if (this.#lingered > this.#o.lingerBytes) this.destroy();
      return;
    }
    this.#owner.onChunk?.(chunk);
    const decoder = this.#decoder;
    // onChunk may have closed the connection.
    if (decoder === undefined || (this.#state as ConnectionState) === ConnectionState.closed) return;
    const failedBefore = decoder.error;
    const messages = decoder.push(chunk);
    if (messages.length > 0) {
      if (this.#head === this.#inbox.length) {
        this.#inbox = messages;
        this.#head = 0;
      } else {
        for (const m of messages) this.#inbox.push(m);
      }
      if (this.#o.maxQueuedMessages !== 0 && this.queued >= this.#o.maxQueuedMessages) this.#updateReading();
      this.#owner.onMessages();
    }
    const error = decoder.error;
    if (error !== undefined && failedBefore === undefined && this.#state !== ConnectionState.closed) this.#owner.onFrameError(error);
  };

  #onEnd = (): void => {
    this.#inputEnded = true;
    this.#reading = false;
    if (this.#state === ConnectionState.lingering) {
      this.#whenWritten(this.#destroyNow);
      return;
    }
    const lost = this.#decoder?.end() ?? 0;
    this.#owner.onInputEnd(lost);
  };

  #onError = (error: Error): void => {
    if (this.#state === ConnectionState.closed) return;
    this.#owner.onError?.(error);
    this.destroy();
  };

  #onStreamClose = (): void => {
    // One half of a pair closing (or the socket) ends the connection.
    if (this.#state !== ConnectionState.closed) {
      this.#state = ConnectionState.closed;
      this.#clearTimers();
      this.#readable.destroy();
      if (this.#writable !== (this.#readable as unknown)) this.#writable.destroy();
    }
    this.#finish();
  };

  #onDrain = (): void => {
    if (!this.#writeBlocked) return;
    this.#writeBlocked = false;
    clearTimeout(this.#sendTimer);
    this.#sendTimer = undefined;
    this.#owner.onWritable?.();
  };

  #onSendTimeout = (): void => {
    this.#sendTimer = undefined;
    if (this.#state === ConnectionState.closed) return;
    this.#owner.onSendTimeout?.();
    this.destroy();
  };

  #destroyNow = (): void => {
    this.destroy();
  };

  #endLinger = (): void => {
    this.#lingerTimer = undefined;
    this.destroy();
  };

  /** Four checks per idle period: the connection closes after 1 to 1.25 idle periods without traffic. */
  #armIdle(): void {
    this.#idleTimer = setTimeout(this.#onIdleCheck, Math.max(1, Math.ceil(this.#o.idleTimeoutMs / IDLE_CHECKS)));
    this.#idleTimer.unref?.();
  }

  #onIdleCheck = (): void => {
    this.#idleTimer = undefined;
    if (this.#state === ConnectionState.closed) return;
    if (this.#active || this.#writeBlocked) {
      this.#active = false;
      this.#idleChecks = 0;
    } else if (++this.#idleChecks >= IDLE_CHECKS) {
      this.#idleChecks = 0;
      if (this.#owner.onIdle?.() ?? true) {
        this.destroy();
        return;
      }
    }
    this.#armIdle();
  };

  #clearTimers(): void {
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#sendTimer);
    clearTimeout(this.#lingerTimer);
    this.#idleTimer = this.#sendTimer = this.#lingerTimer = undefined;
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    this.#owner.onClose();
  }
}

const IDLE_CHECKS = 4;
const EMPTY_BUFFER = Buffer.alloc(0);

function isStreamPair(stream: Duplex | StreamPair): stream is StreamPair {
  return 'readable' in stream && 'writable' in stream && typeof stream.readable === 'object' && typeof stream.writable === 'object';
}
