/**
 * The server (Ganeti `connectServer` + `listener` + `clientLoop` + `handleClient`): binds
 * a socket, accepts connections, and runs each request through a Handler, answering in
 * request order. Adds what Ganeti lacks: limits, backpressure, a graceful close.
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { type DecodeOptions, type InvalidUtf8Policy } from '../codec.js';
import * as diag from '../diagnostics.js';
import {
  DEFAULT_BACKLOG,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_USER,
  DEFAULT_SEND_TIMEOUT_MS,
  DEFAULT_SOCKET_MODE,
  checkCount,
  checkDurationMs,
} from '../defaults.js';
import { GenericError, toGanetiError } from '../errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, FrameDecoder, checkByteLimit } from '../framing.js';
import { childLogger, silentLogger, truncateForLog, type Logger } from '../logger.js';
import { buildResponse, parseCall } from '../message.js';
import { listenSocket, removeSocketFile, type SocketFileIdentity } from '../transport/listen.js';
import { getPeerCredentials, type PeerCredentials } from '../transport/peer-credentials.js';
import type { Handler, RequestContext } from './handler.js';

/** Options of {@link createServer}. Every limit accepts `0` for "no limit". */
export interface ServerOptions {
  /** Largest request in bytes, cut off while streaming. Default: 64 MiB. */
  maxMessageBytes?: number;
  /** Deepest JSON nesting accepted, checked before parsing. Default: 1024. */
  maxDepth?: number;
  /** Handling of invalid UTF-8 in requests. Default: `'latin1'` (see codec.ts). */
  invalidUtf8?: InvalidUtf8Policy;
  /** Close a connection idle this long, in ms (Ganeti `recvTmo`). Default: 180000. */
  idleTimeoutMs?: number;
  /** Close a connection whose reader takes longer than this to accept an answer, in ms (`sendTmo`). Default: 180000. */
  sendTimeoutMs?: number;
  /** Connections held at once; more are answered with an error and closed. Default: 4096. */
  maxConnections?: number;
  /** Connections per peer uid (needs peer credentials). Default: 1024. */
  maxConnectionsPerUser?: number;
  /** Only these peer uids may connect (needs peer credentials; refused otherwise). Default: anyone who can open the socket. */
  allowUids?: readonly number[];
  /** Only peers whose primary gid is listed may connect (needs peer credentials). Default: anyone. */
  allowGids?: readonly number[];
  /** Socket file mode. Default: 0o660 (luxid; use 0o600 for WConfd-like daemons). */
  mode?: number;
  /** Owner uid for the socket file. Default: unchanged. */
  owner?: number;
  /** Group gid for the socket file. Default: unchanged. */
  group?: number;
  /** Listen backlog. Default: 128. */
  backlog?: number;
  /** Remove a stale socket file (one nobody answers on) when listening. Default: true. */
  removeStaleSocket?: boolean;
  /** Time `close()` gives requests in flight before cutting connections, in ms. Default: 5000. */
  closeGraceMs?: number;
  /** A pino-compatible logger. Default: silent. */
  logger?: Logger;
}

type Resolved = Readonly<Required<Omit<ServerOptions, 'owner' | 'group' | 'allowUids' | 'allowGids' | 'logger'>>> & {
  readonly owner: number | undefined;
  readonly group: number | undefined;
  readonly allowUids: ReadonlySet<number> | undefined;
  readonly allowGids: ReadonlySet<number> | undefined;
  readonly logger: Logger;
  readonly decode: DecodeOptions;
};

function resolveOptions(options: ServerOptions): Resolved {
  const mode = options.mode ?? DEFAULT_SOCKET_MODE;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new RangeError(`mode must be a file mode from 0o000 to 0o777, got ${String(options.mode)}`);
  }
  const maxDepth = checkCount('maxDepth', options.maxDepth ?? 1024);
  const invalidUtf8 = options.invalidUtf8 ?? 'latin1';
  if (invalidUtf8 !== 'latin1' && invalidUtf8 !== 'reject') {
    throw new RangeError(`invalidUtf8 must be 'latin1' or 'reject', got ${String(invalidUtf8)}`);
  }
  return Object.freeze({
    maxMessageBytes: checkByteLimit('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
    maxDepth,
    invalidUtf8,
    idleTimeoutMs: checkDurationMs('idleTimeoutMs', options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS),
    sendTimeoutMs: checkDurationMs('sendTimeoutMs', options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS),
    maxConnections: checkCount('maxConnections', options.maxConnections ?? DEFAULT_MAX_CONNECTIONS),
    maxConnectionsPerUser: checkCount('maxConnectionsPerUser', options.maxConnectionsPerUser ?? DEFAULT_MAX_CONNECTIONS_PER_USER),
    allowUids: options.allowUids ? new Set(options.allowUids) : undefined,
    allowGids: options.allowGids ? new Set(options.allowGids) : undefined,
    mode,
    owner: options.owner,
    group: options.group,
    backlog: checkCount('backlog', options.backlog ?? DEFAULT_BACKLOG),
    removeStaleSocket: options.removeStaleSocket ?? true,
    closeGraceMs: checkDurationMs('closeGraceMs', options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS),
    logger: options.logger ?? silentLogger,
    decode: { maxDepth, invalidUtf8 },
  });
}

/** Counters of a server, readable at any time. */
export interface ServerStats {
  /** Connections open now. */
  connections: number;
  /** Connections accepted since start (refused ones included). */
  connectionsTotal: number;
  /** Connections refused by a limit or an access rule. */
  connectionsRefused: number;
  /** Requests answered. */
  requests: number;
  /** Answers with `success:false` (parse errors and handler errors). */
  errors: number;
  /** Bytes received and sent. */
  bytesIn: number;
  bytesOut: number;
}

const EOM_STRING = '\x03';
const FAILED_TO_PARSE = 'Failed to parse request: ';

/** A server for one Handler. Create with {@link createServer}. */
export class UdsServer {
  readonly #handler: Handler<unknown, unknown>;
  readonly #options: Resolved;
  readonly #server: net.Server;
  readonly #connections = new Set<ServerConnection>();
  readonly #perUser = new Map<number, number>();
  #socketFile: SocketFileIdentity | undefined;
  #nextId = 1;
  #closing: Promise<void> | undefined;
  #listening: Promise<void> | undefined;
  readonly stats: ServerStats = {
    connections: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    requests: 0,
    errors: 0,
    bytesIn: 0,
    bytesOut: 0,
  };

  constructor(handler: Handler<unknown, unknown>, options: ServerOptions = {}) {
    this.#handler = handler as Handler<unknown, unknown>;
    this.#options = resolveOptions(options);
    this.#server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) => this.#accept(socket));
    this.#server.on('error', (err) => this.#options.logger.error({ err }, 'server error'));
  }

  /** The resolved options (defaults filled in). */
  get options(): Resolved {
    return this.#options;
  }

  /** The socket path listened on, once listening. */
  get address(): string | undefined {
    return this.#socketFile?.path;
  }

  /**
   * Binds to `path` and starts accepting. A stale socket file there is replaced; a live
   * socket or a non-socket file is refused with an error naming the path.
   */
  listen(path: string): Promise<void> {
    if (this.#listening) return Promise.reject(new Error(`server already listens on ${this.#socketFile?.path ?? path}`));
    if (this.#closing) return Promise.reject(new Error('the server is closed; create a new one'));
    this.#listening = this.#listen(path);
    return this.#listening;
  }

  async #listen(path: string): Promise<void> {
    const o = this.#options;
    this.#socketFile = await listenSocket(this.#server, path, {
      mode: o.mode,
      owner: o.owner,
      group: o.group,
      backlog: o.backlog,
      removeStaleSocket: o.removeStaleSocket,
    });
    o.logger.info({ path, mode: `0${o.mode.toString(8)}` }, 'listening');
  }

  /**
   * Serves a connection that did not come from `listen` (a pipe pair, a socket handed
   * over from another process). Limits and access rules apply as to accepted sockets.
   */
  serve(stream: Duplex): void {
    this.#accept(stream);
  }

  /**
   * Stops accepting, lets requests already received be answered for up to `graceMs`,
   * then cuts what is left and removes the socket file. Calling it again returns the
   * same promise.
   */
  close(graceMs: number = this.#options.closeGraceMs): Promise<void> {
    this.#closing ??= this.#close(checkDurationMs('graceMs', graceMs));
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    // A listen() still setting the socket's mode finishes first, so close removes a whole socket.
    await this.#listening?.catch(() => {});
    const serverClosed = new Promise<void>((resolve) => {
      if (!this.#server.listening) resolve();
      else this.#server.close(() => resolve());
    });
    for (const conn of this.#connections) conn.drain();
    const allGone = new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.#connections.size === 0) resolve();
        else setTimeout(check, 10).unref();
      };
      check();
    });
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([allGone, grace]);
    clearTimeout(timer);
    for (const conn of this.#connections) conn.destroy();
    await serverClosed;
    if (this.#socketFile) removeSocketFile(this.#socketFile);
    this.#options.logger.info({ path: this.#socketFile?.path }, 'closed');
  }

  #refuse(stream: Duplex, reason: string): void {
    this.stats.connectionsRefused++;
    this.#options.logger.warn({ reason }, 'connection refused');
    stream.on('error', () => {});
    stream.end(buildResponse(false, new GenericError(reason).toWire()) + EOM_STRING);
    setTimeout(() => stream.destroy(), 1000).unref();
  }

  #accept(stream: Duplex): void {
    const o = this.#options;
    this.stats.connectionsTotal++;
    if (this.#closing) {
      this.#refuse(stream, 'Server is shutting down; try again later');
      return;
    }
    if (o.maxConnections !== 0 && this.#connections.size >= o.maxConnections) {
      this.#refuse(stream, `Server busy: the limit of ${o.maxConnections} connections is reached; try again later (--max-connections raises it)`);
      return;
    }
    const peer = stream instanceof net.Socket ? getPeerCredentials(stream) : undefined;
    const needsPeer = o.allowUids !== undefined || o.allowGids !== undefined;
    if (needsPeer && peer === undefined) {
      this.#refuse(stream, 'Access denied: peer credentials are unavailable (build native/peercred), so allowUids/allowGids cannot be checked');
      return;
    }
    if (peer !== undefined) {
      if ((o.allowUids && !o.allowUids.has(peer.uid) && !(o.allowGids?.has(peer.gid) ?? false)) ||
          (!o.allowUids && o.allowGids && !o.allowGids.has(peer.gid))) {
        this.#refuse(stream, `Access denied for uid ${peer.uid} gid ${peer.gid}`);
        return;
      }
      const count = this.#perUser.get(peer.uid) ?? 0;
      if (o.maxConnectionsPerUser !== 0 && count >= o.maxConnectionsPerUser) {
        this.#refuse(stream, `Server busy: uid ${peer.uid} holds ${count} connections, the per-user limit; close some (--max-connections-per-user raises it)`);
        return;
      }
      this.#perUser.set(peer.uid, count + 1);
    }
    const id = this.#nextId++;
    const conn = new ServerConnection(stream, id, peer, this.#handler, o, this.stats, () => {
      this.#connections.delete(conn);
      this.stats.connections = this.#connections.size;
      if (peer !== undefined) {
        const left = (this.#perUser.get(peer.uid) ?? 1) - 1;
        if (left <= 0) this.#perUser.delete(peer.uid);
        else this.#perUser.set(peer.uid, left);
      }
    });
    this.#connections.add(conn);
    this.stats.connections = this.#connections.size;
  }
}

/**
 * One accepted connection. Requests are handled one at a time, in arrival order, so
 * answers leave in request order (the protocol has no request ids; order is the only
 * link). Synchronous handlers answer all requests of a read at once, in one corked write.
 *
 *   received ──> decoder ──> #queue[#head..] ──> handler (one at a time) ──> socket
 *                            (paused while the socket's write buffer is full)
 */
class ServerConnection {
  readonly #stream: Duplex;
  readonly #id: number;
  readonly #peer: PeerCredentials | undefined;
  readonly #handler: Handler<unknown, unknown>;
  readonly #o: Resolved;
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
    options: Resolved,
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
    if (!this.#draining && !this.#inputEnded) this.#stream.resume();
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
    if (this.#busy || this.#gone) return;
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

  #replyError(err: unknown): void {
    const error = toGanetiError(err);
    this.#logger.warn({ error: String(error) }, 'Failed to execute request');
    this.#stats.requests++;
    this.#stats.errors++;
    this.#write(buildResponse(false, error.toWire()));
    if (this.#observed) diag.publishServerAnswer(this.#observed, false, error);
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
    const context = (this.#ctx ??= this.#context());
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
    if (result instanceof Promise || (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function')) {
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
    if (!this.#draining && !this.#inputEnded && !this.#stream.writableNeedDrain) this.#stream.resume();
    this.#pump();
  }
}

const EMPTY = Buffer.alloc(0);
/** Answers gathered in one pass before they are written out early (encoded JSON is ASCII: chars = bytes). */
const OUT_BATCH_CHARS = 64 * 1024;

/** Creates a server for `handler` (Ganeti `connectServer` + `listener`). Call `listen(path)` next. */
export function createServer(handler: Handler<unknown, unknown>, options: ServerOptions = {}): UdsServer {
  return new UdsServer(handler, options);
}
