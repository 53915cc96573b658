/**
 * One accepted connection of a server: framing, the request queue, running the Handler
 * one request at a time, answers in order, backpressure, idle and send timeouts. The
 * accept loop, limits and shutdown belong to server.ts.
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as diag from '../diagnostics.js';
import { GenericError, toGanetiError } from '../errors.js';
import { FrameDecoder } from '../framing.js';
import { childLogger, silentLogger, truncateForLog, type Logger } from '../logger.js';
import { buildResponse, parseCall, responseHead } from '../message.js';
import { encodeJsonPieces, isLargeJsonValue } from '../json-pieces.js';
import type { PeerCredentials } from '../transport/peer-credentials.js';
import { DropConnection, type Handler, type RequestContext } from './handler.js';
import type { ResolvedServerOptions, ServerStats } from './server-options.js';

/** The end-of-message byte as a string, for appending to encoded (ASCII) JSON. */
export const EOM_STRING = '\x03';
const FAILED_TO_PARSE = 'Failed to parse request: ';

/**
 * One accepted connection. Requests are handled one at a time, in arrival order, so
 * answers leave in request order (the protocol has no request ids; order is the only
 * link). Synchronous handlers answer all requests of a read at once, in one write.
 *
 *   received ──> decoder ──> #queue[#head..] ──> handler (one at a time) ──> socket
 *                            (paused while the socket's write buffer is full)
 */
export class ServerConnection {
  readonly #stream: Duplex;
  readonly #id: number;
  readonly #peer: PeerCredentials | undefined;
  readonly #handler: Handler<unknown, unknown>;
  readonly #o: ResolvedServerOptions;
  readonly #stats: ServerStats;
  readonly #onGone: () => void;
  readonly #decoder: FrameDecoder;
  readonly #logger: Logger;
  #queue: Buffer[] = [];
  #head = 0;
  #busy = false;
  #closeAfterReply = false;
  #inputEnded = false;
  #draining = false;
  #gone = false;
  #abort: AbortController | undefined;
  #ctx: RequestContext | undefined;
  #sendTimer: NodeJS.Timeout | undefined;
  // Answers of the current #pump pass not yet written.
  #out = '';
  #batching = false;
  /** The request being answered, kept only while diagnostics channels have subscribers. */
  #observed: diag.ServerRequestMessage | undefined;

  constructor(
    stream: Duplex,
    id: number,
    peer: PeerCredentials | undefined,
    handler: Handler<unknown, unknown>,
    options: ResolvedServerOptions,
    stats: ServerStats,
    onGone: () => void,
  ) {
    this.#stream = stream;
    this.#id = id;
    this.#peer = peer;
    this.#handler = handler;
    this.#o = options;
    this.#stats = stats;
    this.#onGone = onGone;
    this.#decoder = new FrameDecoder({ maxMessageBytes: options.maxMessageBytes });
    this.#logger = childLogger(options.logger, { conn: id });
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('error', this.#onError);
    stream.on('close', this.#onClose);
    stream.on('drain', this.#onDrain);
    if (options.idleTimeoutMs > 0 && stream instanceof net.Socket) {
      stream.setTimeout(options.idleTimeoutMs);
      stream.on('timeout', this.#onIdle);
    }
    this.#logger.debug({ peer }, 'connection accepted');
    diag.publishServerConnect(id, peer, stream);
  }

  /** Stop reading; answer what was received; then close. */
  drain(): void {
    this.#draining = true;
    this.#stream.pause();
    this.#maybeFinish();
  }

  destroy(): void {
    this.#stream.destroy();
  }

  #onData = (chunk: Buffer): void => {
    this.#stats.bytesIn += chunk.length;
    const messages = this.#decoder.push(chunk);
    if (this.#head === this.#queue.length) {
      this.#queue = messages;
      this.#head = 0;
    } else {
      for (const m of messages) this.#queue.push(m);
    }
    this.#pump();
  };

  #onEnd = (): void => {
    const lost = this.#decoder.end();
    if (lost > 0) this.#logger.debug({ bytes: lost }, 'connection closed in the middle of a message');
    this.#inputEnded = true;
    this.#pump();
  };

  #onError = (err: Error): void => {
    this.#logger.debug({ err: err.message }, 'connection error');
  };

  #onClose = (): void => {
    if (this.#gone) return;
    this.#gone = true;
    clearTimeout(this.#sendTimer);
    this.#abort?.abort(new Error('connection closed'));
    this.#logger.debug({}, 'connection closed');
    this.#onGone();
  };

  #onDrain = (): void => {
    clearTimeout(this.#sendTimer);
    this.#sendTimer = undefined;
    if (!this.#busy && !this.#draining && !this.#inputEnded) this.#stream.resume();
    this.#pump();
  };

  #onIdle = (): void => {
    if (this.#busy || this.#head < this.#queue.length) return;
    this.#logger.debug({ idleTimeoutMs: this.#o.idleTimeoutMs }, 'closing idle connection');
    this.#stream.destroy();
  };

  /** Handles queued requests while the handler is free and the socket takes writes. */
  #pump(): void {
    if (this.#gone) return;
    const stream = this.#stream;
    // The answers of one pass leave in one write (one syscall for a burst of pipelined
    // requests); #write flushes early past OUT_BATCH_CHARS so backpressure stays per message.
    this.#batching = true;
    while (!this.#busy && !this.#closeAfterReply && this.#head < this.#queue.length) {
      if (stream.writableNeedDrain) {
        stream.pause();
        this.#armSendTimer();
        break;
      }
      const message = this.#queue[this.#head] as Buffer;
      this.#queue[this.#head++] = EMPTY;
      this.#handle(message);
    }
    if (this.#head === this.#queue.length && this.#head > 0) {
      this.#queue = [];
      this.#head = 0;
    }
    if (!this.#busy && this.#head === this.#queue.length && this.#decoder.error && !this.#closeAfterReply) {
      this.#failParse(this.#decoder.error.message);
    }
    this.#batching = false;
    this.#flush();
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (this.#busy || this.#gone || this.#stream.destroyed) return;
    const idle = this.#head === this.#queue.length;
    if (this.#closeAfterReply || (idle && (this.#inputEnded || this.#draining))) {
      if (this.#closeAfterReply && !this.#stream.writableEnded) {
        // Close fully once the answer is flushed, as Ganeti's hClose does: a half-close
        // would let a peer that keeps streaming (an oversize frame) hold the connection.
        this.#stream.pause();
        this.#stream.end(() => this.#stream.destroy());
        return;
      }
      this.#stream.end();
      if (this.#draining) setTimeout(() => this.#stream.destroy(), 1000).unref();
    }
  }

  #armSendTimer(): void {
    if (this.#sendTimer !== undefined || this.#o.sendTimeoutMs === 0) return;
    this.#sendTimer = setTimeout(() => {
      this.#logger.warn({ sendTimeoutMs: this.#o.sendTimeoutMs }, 'peer does not read its answers; closing');
      this.#stream.destroy();
    }, this.#o.sendTimeoutMs);
  }

  #write(text: string): void {
    this.#stats.bytesOut += text.length + 1;
    if (text.length >= OUT_BATCH_CHARS) {
      // A large answer goes out as it is: `text + EOM` would flatten a copy of it first.
      this.#flush();
      this.#stream.write(text);
      this.#stream.write(EOM_STRING);
      return;
    }
    if (!this.#batching) {
      this.#stream.write(text + EOM_STRING);
      return;
    }
    this.#out += text + EOM_STRING;
    if (this.#out.length >= OUT_BATCH_CHARS) this.#flush();
  }

  #flush(): void {
    if (this.#out.length === 0) return;
    const out = this.#out;
    this.#out = '';
    this.#stream.write(out);
  }

  #failParse(reason: string): void {
    this.#logger.warn({ reason }, 'Failed to parse request');
    this.#stats.errors++;
    this.#stats.requests++;
    this.#write(buildResponse(false, FAILED_TO_PARSE + reason));
    this.#closeAfterReply = true;
    diag.publishServerParseError(this.#id, reason);
  }

  #reply(result: unknown): void {
    if (isLargeJsonValue(result)) {
      this.#replyPiecewise(result);
      return;
    }
    let text: string;
    try {
      text = buildResponse(true, result === undefined ? null : result);
    } catch (err) {
      this.#replyError(new GenericError(`The handler's result cannot be encoded as JSON: ${(err as Error).message}`));
      return;
    }
    this.#stats.requests++;
    this.#write(text);
    if (this.#observed) diag.publishServerAnswer(this.#observed, true, result);
  }

  /**
   * Sends a large result piece by piece, waiting for 'drain' whenever the socket's buffer
   * is full, so the whole answer text never exists at once. The connection is busy until
   * the last piece is written; an encoding failure after the first piece can no longer be
   * answered, so it closes the connection.
   */
  #replyPiecewise(result: unknown): void {
    this.#busy = true;
    this.#flush();
    const stream = this.#stream;
    const pieces = encodeJsonPieces(result, PIECE_CHARS);
    let started = false;
    const finish = (): void => {
      if (!started) stream.write(responseHead(true));
      stream.write('}' + EOM_STRING);
      this.#stats.requests++;
      this.#stats.bytesOut += responseHead(true).length + 2;
      if (this.#observed) diag.publishServerAnswer(this.#observed, true, result);
    };
    // Returns true when the answer is complete, false when it waits for 'drain'.
    const step = (): boolean => {
      try {
        for (;;) {
          const next = pieces.next();
          if (next.done) return true;
          if (!started) {
            started = true;
            stream.write(responseHead(true));
          }
          this.#stats.bytesOut += next.value.length;
          if (!stream.write(next.value)) {
            this.#armSendTimer();
            return false;
          }
        }
      } catch (err) {
        if (started) {
          this.#logger.error({ err: (err as Error).message }, 'answer failed half-way through encoding; closing the connection');
          stream.destroy();
        }
        throw err;
      }
    };
    const resumeLater = (): void => {
      stream.once('drain', () => {
        if (this.#gone) return;
        let done: boolean;
        try {
          done = step();
        } catch {
          return; // the connection was destroyed
        }
        if (done) this.#settle(finish);
        else resumeLater();
      });
    };
    let done: boolean;
    try {
      done = step();
    } catch (err) {
      this.#busy = false;
      if (!started) this.#replyError(new GenericError(`The handler's result cannot be encoded as JSON: ${(err as Error).message}`));
      return;
    }
    if (done) {
      // Finished at once: the caller (#pump or #settle) goes on as after any answer.
      this.#busy = false;
      finish();
    } else {
      this.#stream.pause(); // no new requests are read while the answer waits for the reader
      resumeLater();
    }
  }

  #replyError(err: unknown): void {
    if (err instanceof DropConnection) {
      this.#drop();
      return;
    }
    const error = toGanetiError(err);
    this.#logger.warn({ error: String(error) }, 'Failed to execute request');
    this.#stats.requests++;
    this.#stats.errors++;
    this.#write(buildResponse(false, error.toWire()));
    if (this.#observed) diag.publishServerAnswer(this.#observed, false, error);
  }

  /** The handler asked for no answer (DropConnection): write the answers made so far, then destroy the connection. */
  #drop(): void {
    this.#logger.debug({}, 'handler dropped the connection without an answer');
    this.#closeAfterReply = true; // #pump handles no further request
    this.#flush();
    this.#stream.destroy();
  }

  #context(): RequestContext {
    const self = this;
    return {
      connectionId: this.#id,
      peer: this.#peer,
      logger: this.#logger,
      get signal(): AbortSignal {
        self.#abort ??= new AbortController();
        return self.#abort.signal;
      },
      closeAfterReply: () => {
        this.#closeAfterReply = true;
      },
    };
  }

  #handle(message: Buffer): void {
    const logger = this.#logger;
    let input: unknown;
    // One context per connection: nothing in it is per request, and building an object
    // with a getter for every request cost ~10% of a pipelined server's CPU time.
    this.#ctx ??= this.#context();
    const context = this.#ctx;
    let preview: string | undefined;
    try {
      if (logger !== silentLogger && this.#handler.describeLong === undefined) preview = message.toString('latin1', 0, 600);
      const call = parseCall(message, this.#o.decode);
      // Let go of the raw bytes now: a large request need not stay alive while it runs.
      message = EMPTY;
      input = this.#handler.parse(call.method, call.args, context);
      this.#observed = diag.serverRequestsObserved() ? diag.publishServerRequest(this.#id, call.method, call.args, input) : undefined;
    } catch (err) {
      this.#failParse((err as Error).message ?? String(err));
      return;
    }
    if (logger !== silentLogger) {
      logger.debug({ request: truncateForLog(this.#handler.describeLong?.(input) ?? preview ?? '', 500) }, 'request');
    }
    let result: unknown;
    try {
      result = this.#handler.exec(input, context);
    } catch (err) {
      this.#replyError(err);
      return;
    }
    if (
      result instanceof Promise ||
      (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function')
    ) {
      this.#busy = true;
      this.#stream.pause();
      Promise.resolve(result).then(
        (value) => this.#settle(() => this.#reply(value)),
        (err: unknown) => this.#settle(() => this.#replyError(err)),
      );
      return;
    }
    this.#reply(result);
  }

  #settle(send: () => void): void {
    this.#busy = false;
    if (this.#gone) return;
    send();
    // send() may have started a piecewise answer that keeps the connection busy.
    if (!this.#busy && !this.#draining && !this.#inputEnded && !this.#stream.writableNeedDrain) this.#stream.resume();
    this.#pump();
  }
}

const EMPTY = Buffer.alloc(0);
/** Size of the pieces a large answer is written in. */
const PIECE_CHARS = 1 << 20;
/** Answers gathered in one pass before they are written out early (encoded JSON is ASCII: chars = bytes). */
const OUT_BATCH_CHARS = 64 * 1024;
