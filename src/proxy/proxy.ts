/**
 * A recording proxy: accepts clients on one socket, opens one upstream connection per
 * client to a real daemon (luxid, wconfd), forwards the bytes unchanged both ways, and
 * reports every request/response pair. Owns the socket pairing, backpressure and the
 * FIFO that pairs answers with requests; decoding for reports lives in exchange.ts.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_MAX_DEPTH } from '../codec.js';
import { DEFAULT_BACKLOG, DEFAULT_LINGER_BYTES, DEFAULT_SOCKET_MODE, checkCount } from '../defaults.js';
import { ConnectionClosedError } from '../errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, checkByteLimit } from '../framing.js';
import { silentLogger, type Logger } from '../logger.js';
import { checkSocketPath, connectError } from '../transport/connect.js';
import { Connection, ReadHold } from '../transport/connection.js';
import { listenSocket, removeSocketFile, type SocketFileIdentity } from '../transport/listen.js';
import { ExchangeOutcome, summarizeRequest, summarizeResponse, type ProxyExchange } from './exchange.js';

/** Which end of a proxied connection something happened on. */
export type ProxySide = 'client' | 'upstream' | 'proxy';

/** Connection events of a proxy, for `onConnection`. */
export type ProxyConnectionEvent =
  | { readonly kind: 'open'; readonly connectionId: number }
  /**
   * A socket error (`side` says which), or a frame over `maxMessageBytes` after which the
   * connection is still forwarded but no longer reported.
   */
  | { readonly kind: 'error'; readonly connectionId: number; readonly side: ProxySide; readonly error: Error }
  /**
   * Both sockets are closed. `closedBy` is the side that ended or failed first; `error`
   * is the first error seen (e.g. NoMasterError when the upstream refused), else null.
   */
  | {
      readonly kind: 'close';
      readonly connectionId: number;
      readonly closedBy: ProxySide;
      readonly error: Error | null;
      readonly exchanges: number;
    };

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  /** Socket path the proxy listens on (clients connect here). Required. */
  listen: string;
  /** Socket path of the real daemon, e.g. luxid's `ganeti-query`. Required. */
  upstream: string;
  /**
   * Called with each exchange once its response has been forwarded (or its connection
   * closed). Runs after forwarding, so a slow callback slows later reports, not traffic.
   * Exceptions it throws are logged and dropped.
   */
  onExchange?: (exchange: ProxyExchange) => void;
  /** Called on connection open, error and close. Exceptions are logged and dropped. */
  onConnection?: (event: ProxyConnectionEvent) => void;
  /**
   * Replace `osparams_secret`, `osparams_private` and `osparams_private_cluster` values in
   * reported args by `"<redacted>"`. The forwarded bytes are never changed. Default: true.
   */
  redactSecrets?: boolean;
  /**
   * Largest frame tracked for reports, in bytes. A larger frame is still forwarded, but
   * the connection's exchanges are no longer reported (an `error` event says so).
   * `0` = no limit. Default: 64 MiB.
   */
  maxMessageBytes?: number;
  /** Deepest JSON nesting decoded for reports. `0` = no limit. Default: 1024. */
  maxDepth?: number;
  /** Mode of the listen socket file. Default: 0o660 (luxid's). */
  mode?: number;
  /** Replace a stale socket file at `listen`. Default: true. */
  removeStaleSocket?: boolean;
  /** Listen backlog; the kernel caps it at net.core.somaxconn. Default: 4096. */
  backlog?: number;
  /** A pino-compatible logger. Default: silent. */
  logger?: Logger;
}

interface Resolved {
  readonly listen: string;
  readonly upstream: string;
  readonly onExchange: (exchange: ProxyExchange) => void;
  readonly onConnection: (event: ProxyConnectionEvent) => void;
  readonly redactSecrets: boolean;
  readonly maxMessageBytes: number;
  readonly maxDepth: number;
  readonly mode: number;
  readonly removeStaleSocket: boolean;
  readonly backlog: number;
  readonly logger: Logger;
}

function resolveOptions(options: ProxyOptions): Resolved {
  checkSocketPath(options.listen);
  checkSocketPath(options.upstream);
  if (options.listen === options.upstream) {
    throw new RangeError(`listen and upstream must be different sockets, both are ${options.listen}`);
  }
  const logger = options.logger ?? silentLogger;
  const guard = <T>(name: string, fn: ((value: T) => void) | undefined): ((value: T) => void) => {
    if (fn === undefined) return () => {};
    return (value) => {
      try {
        fn(value);
      } catch (err) {
        logger.error({ err: String(err) }, `proxy ${name} callback threw`);
      }
    };
  };
  return Object.freeze({
    listen: options.listen,
    upstream: options.upstream,
    onExchange: guard('onExchange', options.onExchange),
    onConnection: guard('onConnection', options.onConnection),
    redactSecrets: options.redactSecrets ?? true,
    maxMessageBytes: checkByteLimit('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
    maxDepth: checkCount('maxDepth', options.maxDepth ?? DEFAULT_MAX_DEPTH),
    mode: options.mode ?? DEFAULT_SOCKET_MODE,
    removeStaleSocket: options.removeStaleSocket ?? true,
    backlog: checkCount('backlog', options.backlog ?? DEFAULT_BACKLOG),
    logger,
  });
}

/** Counters of a proxy. */
export interface ProxyStats {
  /** Proxied connections open now. */
  connections: number;
  /** Connections accepted since start. */
  connectionsTotal: number;
  /** Exchanges reported (all outcomes). */
  exchanges: number;
  /** Bytes forwarded from clients to the upstream, and back. */
  bytesUp: number;
  bytesDown: number;
}

/** A listening proxy. Create with {@link createProxy}. */
export class UdsProxy {
  readonly #o: Resolved;
  readonly #server: net.Server;
  readonly #connections = new Set<ProxyConnection>();
  #socketFile: SocketFileIdentity | undefined;
  #nextId = 1;
  #closing: Promise<void> | undefined;
  readonly stats: ProxyStats = { connections: 0, connectionsTotal: 0, exchanges: 0, bytesUp: 0, bytesDown: 0 };

  /** Use {@link createProxy}, which also starts listening. */
  constructor(options: ProxyOptions) {
    this.#o = resolveOptions(options);
    this.#server = net.createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket));
    this.#server.on('error', (err) => this.#o.logger.error({ err: err.message }, 'proxy server error'));
  }

  /** The socket path listened on, once listening. */
  get address(): string | undefined {
    return this.#socketFile?.path;
  }

  /** The upstream socket path. */
  get upstream(): string {
    return this.#o.upstream;
  }

  /** Binds the listen socket (replacing a stale one). */
  async listen(): Promise<void> {
    if (this.#socketFile) throw new Error(`proxy already listens on ${this.#socketFile.path}`);
    this.#socketFile = await listenSocket(this.#server, this.#o.listen, {
      mode: this.#o.mode,
      owner: undefined,
      group: undefined,
      backlog: this.#o.backlog,
      removeStaleSocket: this.#o.removeStaleSocket,
    });
    this.#o.logger.info({ listen: this.#o.listen, upstream: this.#o.upstream }, 'proxy listening');
  }

  /**
   * Stops accepting, cuts every proxied connection (their pending requests are reported
   * as unanswered), and removes the listen socket file. Calling it again returns the same
   * promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => {
      if (!this.#server.listening) resolve();
      else this.#server.close(() => resolve());
    });
    await Promise.all([...this.#connections].map((conn) => conn.destroy()));
    await serverClosed;
    if (this.#socketFile) removeSocketFile(this.#socketFile);
    this.#o.logger.info({ listen: this.#o.listen }, 'proxy closed');
  }

  #accept(client: net.Socket): void {
    if (this.#closing) {
      client.destroy();
      return;
    }
    this.stats.connectionsTotal++;
    const conn = new ProxyConnection(this.#nextId++, client, this.#o, this.stats, () => {
      this.#connections.delete(conn);
      this.stats.connections = this.#connections.size;
    });
    this.#connections.add(conn);
    this.stats.connections = this.#connections.size;
  }
}

interface PendingRequest {
  readonly frame: Buffer;
  readonly at: number;
  readonly wallClock: number;
}

/**
 * One client connection and its upstream connection, each a transport Connection. Chunks
 * are written on before they are looked at, so the proxy adds no wait of its own; each
 * side's frames then feed the report. Requests on a connection are answered in order (the
 * protocol has no ids), so a FIFO pairs each response with the oldest open request:
 *
 *   client ──chunk──> upstream          client <──chunk── upstream
 *      └─> frames ─> #pending[#head..] ─> paired with each response frame
 */
class ProxyConnection {
  readonly #id: number;
  readonly #client: Connection;
  readonly #upstream: Connection;
  readonly #o: Resolved;
  readonly #stats: ProxyStats;
  readonly #onGone: () => void;
  #pending: PendingRequest[] = [];
  #head = 0;
  #seq = 0;
  #tracking = true;
  #closedBy: ProxySide | undefined;
  #error: Error | null = null;
  #open = 2;
  readonly #gone: Promise<void>;
  #markGone!: () => void;

  constructor(id: number, client: net.Socket, options: Resolved, stats: ProxyStats, onGone: () => void) {
    this.#id = id;
    this.#o = options;
    this.#stats = stats;
    this.#onGone = onGone;
    this.#gone = new Promise((resolve) => {
      this.#markGone = resolve;
    });
    // Writes made before the connect completes are buffered by net.Socket and flushed on connect.
    const upstream = net.createConnection({ path: options.upstream, allowHalfOpen: true });
    const connOptions = {
      maxMessageBytes: options.maxMessageBytes,
      maxQueuedMessages: 0,
      idleTimeoutMs: 0,
      sendTimeoutMs: 0,
      lingerMs: LINGER_MS,
      lingerBytes: options.maxMessageBytes || DEFAULT_LINGER_BYTES,
      frames: true,
    };
    this.#client = new Connection(client, connOptions, {
      onChunk: (chunk) => {
        // Forward first: the report must not delay the daemon.
        if (!this.#upstream.sendRaw(chunk)) this.#client.hold(ReadHold.forward);
        this.#stats.bytesUp += chunk.length;
      },
      onMessages: () => this.#takeRequests(),
      onFrameError: (error) => this.#stopTracking('client', error),
      onInputEnd: () => {
        this.#closedBy ??= 'client';
        this.#upstream.endOutput();
      },
      onWritable: () => this.#upstream.release(ReadHold.forward),
      onError: (error) => this.#fail('client', error),
      onClose: () => this.#sideClosed(this.#upstream),
    });
    this.#upstream = new Connection(upstream, connOptions, {
      onChunk: (chunk) => {
        if (!this.#client.sendRaw(chunk)) this.#upstream.hold(ReadHold.forward);
        this.#stats.bytesDown += chunk.length;
      },
      onMessages: () => this.#takeResponses(),
      onFrameError: (error) => this.#stopTracking('upstream', error),
      onInputEnd: () => {
        this.#closedBy ??= 'upstream';
        this.#client.endOutput();
      },
      onWritable: () => this.#client.release(ReadHold.forward),
      onError: (error: NodeJS.ErrnoException) => {
        // Before the connect completes, errno errors mean the daemon is not reachable.
        this.#fail('upstream', upstream.connecting || error.syscall === 'connect' ? connectError(options.upstream, error) : error);
      },
      onClose: () => this.#sideClosed(this.#client),
    });
    options.onConnection({ kind: 'open', connectionId: id });
  }

  /** Cuts both sockets; resolves once both are closed and reported. */
  destroy(): Promise<void> {
    this.#closedBy ??= 'proxy';
    this.#client.destroy();
    this.#upstream.destroy();
    return this.#gone;
  }

  #takeRequests(): void {
    const at = performance.now();
    const wallClock = Date.now();
    for (let frame = this.#client.take(); frame !== undefined; frame = this.#client.take()) {
      if (this.#tracking) this.#pending.push({ frame, at, wallClock });
    }
  }

  #takeResponses(): void {
    const at = performance.now();
    for (let frame = this.#upstream.take(); frame !== undefined; frame = this.#upstream.take()) {
      if (this.#tracking) this.#answer(frame, at);
    }
  }

  #answer(response: Buffer, at: number): void {
    const request = this.#head < this.#pending.length ? this.#pending[this.#head] : undefined;
    if (request !== undefined) {
      this.#pending[this.#head++] = DONE;
      if (this.#head === this.#pending.length) {
        this.#pending = [];
        this.#head = 0;
      }
    }
    const summary = summarizeResponse(response, this.#o.maxDepth);
    this.#report({
      outcome: request ? ExchangeOutcome.answered : ExchangeOutcome.unsolicited,
      startedAt: new Date(request?.wallClock ?? Date.now()),
      durationMs: request ? at - request.at : 0,
      request: request?.frame ?? null,
      response,
      ...this.#summarizeRequest(request),
      ...summary,
    });
  }

  #summarizeRequest(request: PendingRequest | undefined): { method: string | null; args: unknown } {
    if (request === undefined) return { method: null, args: undefined };
    return summarizeRequest(request.frame, this.#o.redactSecrets, this.#o.maxDepth);
  }

  #report(fields: Omit<ProxyExchange, 'connectionId' | 'seq'>): void {
    this.#stats.exchanges++;
    this.#o.onExchange({ connectionId: this.#id, seq: ++this.#seq, ...fields });
  }

  #stopTracking(side: ProxySide, error: Error): void {
    this.#tracking = false;
    this.#pending = [];
    this.#head = 0;
    this.#o.logger.warn({ conn: this.#id, side, err: error.message }, 'frame too large to report; forwarding only');
    this.#o.onConnection({ kind: 'error', connectionId: this.#id, side, error });
  }

  #fail(side: ProxySide, error: Error): void {
    this.#closedBy ??= side;
    this.#error ??= error;
    this.#o.logger.debug({ conn: this.#id, side, err: error.message }, 'proxied connection failed');
    this.#o.onConnection({ kind: 'error', connectionId: this.#id, side, error });
    // One side is broken: the other cannot be served any more.
    this.#client.destroy();
    this.#upstream.destroy();
  }

  /** One side is gone: the other gets no more data, so it closes (lingering) too. */
  #sideClosed(other: Connection): void {
    if (--this.#open > 0) {
      other.close();
      return;
    }
    const now = performance.now();
    const reason =
      this.#error?.message ??
      new ConnectionClosedError(`Connection closed by the ${this.#closedBy ?? 'client'} before the answer came`).message;
    for (let i = this.#head; i < this.#pending.length; i++) {
      const request = this.#pending[i] as PendingRequest;
      this.#report({
        outcome: ExchangeOutcome.unanswered,
        startedAt: new Date(request.wallClock),
        durationMs: now - request.at,
        request: request.frame,
        response: null,
        ...this.#summarizeRequest(request),
        success: null,
        errorClass: null,
        errorMessage: reason,
      });
    }
    this.#pending = [];
    this.#head = 0;
    this.#o.onConnection({
      kind: 'close',
      connectionId: this.#id,
      closedBy: this.#closedBy ?? 'client',
      error: this.#error,
      exchanges: this.#seq,
    });
    this.#onGone();
    this.#markGone();
  }
}

/** Time a side whose peer is gone gets to flush (and the proxy discards its input), in ms. */
const LINGER_MS = 1000;

const DONE: PendingRequest = { frame: Buffer.alloc(0), at: 0, wallClock: 0 };

/**
 * Creates a proxy and starts listening on `options.listen`. Each client connection gets
 * its own upstream connection; when the upstream refuses or closes, the client is closed
 * too, and when the client closes, so is the upstream.
 * @throws RangeError / TypeError for bad options; ProtocolError (code UDS_ERR_LISTEN)
 *   when the listen path is taken or not writable.
 */
export async function createProxy(options: ProxyOptions): Promise<UdsProxy> {
  const proxy = new UdsProxy(options);
  await proxy.listen();
  return proxy;
}
