/**
 * One accepted connection of a server: running the Handler one request at a time over a
 * transport Connection, answers in order, per-message backpressure, the parse-error close.
 * Framing, batching, timeouts and the lingering close belong to transport/connection.ts;
 * the accept loop, limits and shutdown to server.ts.
 */
import type { Duplex } from 'node:stream';
import * as diag from '../diagnostics.js';
import { GenericError, toGanetiError } from '../errors.js';
import type { MessageTooLargeError } from '../framing.js';
import { encodeJsonPieces, isLargeJsonValue } from '../json-pieces.js';
import { childLogger, isLogLevelEnabled, truncateForLog, type Logger } from '../logger.js';
import { buildResponseText, parseCall, responseHead } from '../message.js';
import { Connection, ReadHold, type ConnectionOwner } from '../transport/connection.js';
import type { PeerCredentials } from '../transport/peer-credentials.js';
import { DropConnection, type Handler, type RequestContext } from './handler.js';
import type { ResolvedServerOptions, ServerStats } from './server-options.js';

const FAILED_TO_PARSE = 'Failed to parse request: ';

/**
 * One accepted connection. Requests are handled one at a time, in arrival order, so
 * answers leave in request order (the protocol has no request ids; order is the only
 * link). Synchronous handlers answer all requests of a read at once, in one write.
 *
 *   Connection inbox ──take()──> handler (one at a time) ──send()──> Connection
 *   (reading held while the handler is busy or the answers wait for 'drain')
 */
export class ServerConnection implements ConnectionOwner {
  readonly #conn: Connection;
  readonly #id: number;
  readonly #peer: PeerCredentials | undefined;
  readonly #handler: Handler<unknown, unknown>;
  readonly #o: ResolvedServerOptions;
  readonly #stats: ServerStats;
  readonly #onGone: () => void;
  readonly #logger: Logger;
  /** Asked once: a disabled debug level then costs one comparison per request. */
  readonly #debug: boolean;
  #busy = false;
  #closeAfterReply = false;
  #draining = false;
  #frameError: MessageTooLargeError | undefined;
  #gone = false;
  #abort: AbortController | undefined;
  #ctx: RequestContext | undefined;
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
    this.#id = id;
    this.#peer = peer;
    this.#handler = handler;
    this.#o = options;
    this.#stats = stats;
    this.#onGone = onGone;
    this.#logger = childLogger(options.logger, { conn: id });
    this.#debug = isLogLevelEnabled(this.#logger, 'debug');
    this.#conn = new Connection(
      stream,
      {
        maxMessageBytes: options.maxMessageBytes,
        maxQueuedMessages: 0,
        idleTimeoutMs: options.idleTimeoutMs,
        sendTimeoutMs: options.sendTimeoutMs,
        lingerMs: options.lingerMs,
        lingerBytes: options.lingerBytes,
        frames: true,
        counters: stats,
        // Every path that answers flushes: #pump after each pass, #drop and close() themselves.
        autoFlush: false,
      },
      this,
    );
    if (this.#debug) this.#logger.debug({ peer }, 'connection accepted');
    diag.publishServerConnect(id, peer, stream);
  }

  /** Stop taking requests; answer those received; then close (lingering). */
  drain(): void {
    this.#draining = true;
    this.#conn.hold(ReadHold.stopped);
    this.#maybeFinish();
  }

  destroy(): void {
    this.#conn.destroy();
  }

  // --- ConnectionOwner ---------------------------------------------------------

  onMessages(): void {
    this.#pump();
  }

  onFrameError(error: MessageTooLargeError): void {
    this.#frameError = error;
    this.#pump();
  }

  onInputEnd(lostBytes: number): void {
    if (lostBytes > 0 && this.#debug) this.#logger.debug({ bytes: lostBytes }, 'connection closed in the middle of a message');
    this.#pump();
  }

  onWritable(): void {
    this.#conn.release(ReadHold.output);
    this.#pump();
  }

  onIdle(): boolean {
    if (this.#busy || this.#conn.queued > 0) return false;
    if (this.#debug) this.#logger.debug({ idleTimeoutMs: this.#o.idleTimeoutMs }, 'closing idle connection');
    return true;
  }

  onSendTimeout(): void {
    this.#logger.warn({ sendTimeoutMs: this.#o.sendTimeoutMs }, 'peer does not read its answers; closing');
  }

  onError(error: Error): void {
    if (this.#debug) this.#logger.debug({ err: error.message }, 'connection error');
  }

  onClose(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#abort?.abort(new Error('connection closed'));
    if (this.#debug) this.#logger.debug({}, 'connection closed');
    this.#onGone();
  }

  // --- requests ----------------------------------------------------------------

  /** Handles queued requests while the handler is free and the peer takes the answers. */
  #pump(): void {
    if (this.#gone) return;
    const conn = this.#conn;
    while (!this.#busy && !this.#closeAfterReply && conn.queued > 0) {
      if (conn.writeBlocked) {
        // Per-message backpressure: the next request waits until the answers drain.
        conn.flush();
        if (conn.writeBlocked) {
          conn.hold(ReadHold.output);
          return;
        }
      }
      this.#handle(conn.take() as Buffer);
    }
    if (!this.#busy && conn.queued === 0 && this.#frameError !== undefined && !this.#closeAfterReply) {
      this.#failParse(this.#frameError.message);
    }
    conn.flush();
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (this.#busy || this.#gone) return;
    const idle = this.#conn.queued === 0;
    if (this.#closeAfterReply || (idle && (this.#conn.inputEnded || this.#draining))) this.#conn.close();
  }

  #failParse(reason: string): void {
    this.#logger.warn({ reason }, 'Failed to parse request');
    this.#stats.errors++;
    this.#stats.requests++;
    this.#conn.send(buildResponseText(false, FAILED_TO_PARSE + reason));
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
      text = buildResponseText(true, result === undefined ? null : result);
    } catch (err) {
      this.#replyError(new GenericError(`The handler's result cannot be encoded as JSON: ${(err as Error).message}`));
      return;
    }
    this.#stats.requests++;
    this.#conn.send(text);
    if (this.#observed) diag.publishServerAnswer(this.#observed, true, result);
  }

  /**
   * Sends a large result piece by piece as the reader takes it, so the whole answer text
   * never exists at once. No further request is taken until the last piece is written.
   */
  #replyPiecewise(result: unknown): void {
    this.#busy = true;
    this.#conn.hold(ReadHold.busy);
    let sync = true;
    this.#conn.sendPieces(responseHead(true), encodeJsonPieces(result, PIECE_CHARS), '}', (error) => {
      if (error !== undefined) {
        if (this.#conn.state === 'closed') {
          this.#logger.error({ err: (error as Error).message }, 'answer failed half-way through encoding; connection closed');
        } else {
          this.#busy = false;
          this.#conn.release(ReadHold.busy);
          this.#replyError(new GenericError(`The handler's result cannot be encoded as JSON: ${(error as Error).message}`));
          if (!sync) this.#pump();
        }
        return;
      }
      this.#stats.requests++;
      if (this.#observed) diag.publishServerAnswer(this.#observed, true, result);
      this.#busy = false;
      this.#conn.release(ReadHold.busy);
      // Finished at once: the caller (#pump or #settle) goes on as after any answer.
      if (!sync) this.#pump();
    });
    sync = false;
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
    this.#conn.send(buildResponseText(false, error.toWire()));
    if (this.#observed) diag.publishServerAnswer(this.#observed, false, error);
  }

  /** The handler asked for no answer (DropConnection): write the answers made so far, then destroy the connection. */
  #drop(): void {
    if (this.#debug) this.#logger.debug({}, 'handler dropped the connection without an answer');
    this.#closeAfterReply = true; // #pump handles no further request
    this.#conn.flush();
    this.#conn.destroy();
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
    let input: unknown;
    // One context per connection: nothing in it is per request, and building an object
    // with a getter for every request cost ~10% of a pipelined server's CPU time.
    this.#ctx ??= this.#context();
    const context = this.#ctx;
    let preview: string | undefined;
    try {
      if (this.#debug && this.#handler.describeLong === undefined) preview = message.toString('latin1', 0, 600);
      const call = parseCall(message, this.#o.decode);
      input = this.#handler.parse(call.method, call.args, context);
      this.#observed = diag.serverRequestsObserved() ? diag.publishServerRequest(this.#id, call.method, call.args, input) : undefined;
    } catch (err) {
      this.#failParse((err as Error).message ?? String(err));
      return;
    }
    if (this.#debug) {
      this.#logger.debug({ request: truncateForLog(this.#handler.describeLong?.(input) ?? preview ?? '', 500) }, 'request');
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
      this.#conn.hold(ReadHold.busy);
      Promise.resolve(result).then(
        (value) => this.#settle(value, undefined, false),
        (err: unknown) => this.#settle(undefined, err, true),
      );
      return;
    }
    this.#reply(result);
  }

  #settle(value: unknown, error: unknown, failed: boolean): void {
    this.#busy = false;
    if (this.#gone) return;
    this.#conn.release(ReadHold.busy);
    if (failed) this.#replyError(error);
    else this.#reply(value);
    // A piecewise answer keeps the connection busy; its completion pumps.
    if (!this.#busy) this.#pump();
  }
}

/** Size of the pieces a large answer is written in. */
const PIECE_CHARS = 1 << 20;
