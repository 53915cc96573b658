/**
 * The server (Ganeti `connectServer` + `listener` + `clientLoop` + `handleClient`): binds
 * a socket, accepts connections, and runs each request through a Handler, answering in
 * request order. Adds what Ganeti lacks: limits, backpressure, a graceful close.
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { checkDurationMs } from '../defaults.js';
import { GenericError } from '../errors.js';
import { buildResponseText } from '../message.js';
import { Connection, type ConnectionOwner } from '../transport/connection.js';
import { listenSocket, removeSocketFile, type SocketFileIdentity } from '../transport/listen.js';
import { getPeerCredentials } from '../transport/peer-credentials.js';
import type { Handler } from './handler.js';
import { ServerConnection } from './server-connection.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions, type ServerStats } from './server-options.js';

export type { ServerOptions, ServerStats } from './server-options.js';

/** A server for one Handler. Create with {@link createServer}. */
export class UdsServer {
  readonly #handler: Handler<unknown, unknown>;
  readonly #options: ResolvedServerOptions;
  readonly #server: net.Server;
  readonly #connections = new Set<ServerConnection>();
  readonly #refused = new Set<Connection>();
  /** Resolved when the last connection is gone while closing. */
  #lastGone: (() => void) | undefined;
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
    this.#options = resolveServerOptions(options);
    this.#server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) => this.#accept(socket));
    this.#server.on('error', (err) => this.#options.logger.error({ err }, 'server error'));
  }

  /** The resolved options (defaults filled in). */
  get options(): ResolvedServerOptions {
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
      if (this.#connections.size === 0) resolve();
      else this.#lastGone = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([allGone, grace]);
    clearTimeout(timer);
    for (const conn of this.#connections) conn.destroy();
    for (const conn of this.#refused) conn.destroy();
    await serverClosed;
    if (this.#socketFile) removeSocketFile(this.#socketFile);
    this.#options.logger.info({ path: this.#socketFile?.path }, 'closed');
  }

  /** Answers a connection it will not serve with the reason, then closes it (lingering). */
  #refuse(stream: Duplex, reason: string): void {
    this.stats.connectionsRefused++;
    this.#options.logger.warn({ reason }, 'connection refused');
    const o = this.#options;
    const refused = this.#refused;
    const owner: ConnectionOwner = {
      onMessages: () => {},
      onFrameError: () => {},
      onInputEnd: () => {},
      onClose: () => refused.delete(conn),
    };
    const conn = new Connection(
      stream,
      {
        maxMessageBytes: 0,
        maxQueuedMessages: 0,
        idleTimeoutMs: 0,
        sendTimeoutMs: o.sendTimeoutMs,
        lingerMs: o.lingerMs,
        lingerBytes: o.lingerBytes,
        frames: false,
        counters: this.stats,
      },
      owner,
    );
    // Kept until closed, so close() can cut them instead of waiting for the linger to end.
    refused.add(conn);
    conn.send(buildResponseText(false, new GenericError(reason).toWire()));
    conn.close();
  }

  #accept(stream: Duplex): void {
    const o = this.#options;
    this.stats.connectionsTotal++;
    if (this.#closing) {
      this.#refuse(stream, 'Server is shutting down; try again later');
      return;
    }
    if (o.maxConnections !== 0 && this.#connections.size >= o.maxConnections) {
      this.#refuse(
        stream,
        `Server busy: the limit of ${o.maxConnections} connections is reached; try again later (--max-connections raises it)`,
      );
      return;
    }
    const peer = stream instanceof net.Socket ? getPeerCredentials(stream) : undefined;
    const needsPeer = o.allowUids !== undefined || o.allowGids !== undefined;
    if (needsPeer && peer === undefined) {
      this.#refuse(
        stream,
        'Access denied: peer credentials are unavailable (build native/peercred), so allowUids/allowGids cannot be checked',
      );
      return;
    }
    if (peer !== undefined) {
      if (
        (o.allowUids && !o.allowUids.has(peer.uid) && !(o.allowGids?.has(peer.gid) ?? false)) ||
        (!o.allowUids && o.allowGids && !o.allowGids.has(peer.gid))
      ) {
        this.#refuse(stream, `Access denied for uid ${peer.uid} gid ${peer.gid}`);
        return;
      }
      const count = this.#perUser.get(peer.uid) ?? 0;
      if (o.maxConnectionsPerUser !== 0 && count >= o.maxConnectionsPerUser) {
        this.#refuse(
          stream,
          `Server busy: uid ${peer.uid} holds ${count} connections, the per-user limit; close some (--max-connections-per-user raises it)`,
        );
        return;
      }
      this.#perUser.set(peer.uid, count + 1);
    }
    const id = this.#nextId++;
    const conn = new ServerConnection(stream, id, peer, this.#handler, o, this.stats, () => {
      this.#connections.delete(conn);
      this.stats.connections = this.#connections.size;
      if (this.#connections.size === 0) this.#lastGone?.();
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

/** Creates a server for `handler` (Ganeti `connectServer` + `listener`). Call `listen(path)` next. */
export function createServer(handler: Handler<unknown, unknown>, options: ServerOptions = {}): UdsServer {
  return new UdsServer(handler, options);
}
