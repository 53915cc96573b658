/**
 * The server's options: their documented defaults, validation, and resolution into one
 * frozen object; and the counters a server keeps. No I/O.
 */
import { DEFAULT_MAX_DEPTH, type DecodeOptions, type InvalidUtf8Policy } from '../codec.js';
import {
  DEFAULT_BACKLOG,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LINGER_BYTES,
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_USER,
  DEFAULT_SEND_TIMEOUT_MS,
  DEFAULT_SOCKET_MODE,
  checkCount,
  checkDurationMs,
} from '../defaults.js';
import { DEFAULT_MAX_MESSAGE_BYTES, checkByteLimit } from '../framing.js';
import { silentLogger, type Logger } from '../logger.js';

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
  /** Listen backlog; the kernel caps it at net.core.somaxconn. Default: 4096. */
  backlog?: number;
  /** Remove a stale socket file (one nobody answers on) when listening. Default: true. */
  removeStaleSocket?: boolean;
  /** Time `close()` gives requests in flight before cutting connections, in ms. Default: 5000. */
  closeGraceMs?: number;
  /**
   * After the server ends a connection (a parse error, an oversize frame, `closeAfterReply`,
   * shutdown), it half-closes and reads and discards for up to this long, so a peer still
   * writing gets every answer rather than a broken pipe, in ms. Default: 5000.
   */
  lingerMs?: number;
  /** ... and for at most this many more bytes from the peer. Default: 64 MiB. */
  lingerBytes?: number;
  /** A pino-compatible logger. Default: silent. */
  logger?: Logger;
}

export type ResolvedServerOptions = Readonly<Required<Omit<ServerOptions, 'owner' | 'group' | 'allowUids' | 'allowGids' | 'logger'>>> & {
  readonly owner: number | undefined;
  readonly group: number | undefined;
  readonly allowUids: ReadonlySet<number> | undefined;
  readonly allowGids: ReadonlySet<number> | undefined;
  readonly logger: Logger;
  readonly decode: DecodeOptions;
};

export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  const mode = options.mode ?? DEFAULT_SOCKET_MODE;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new RangeError(`mode must be a file mode from 0o000 to 0o777, got ${String(options.mode)}`);
  }
  const maxDepth = checkCount('maxDepth', options.maxDepth ?? DEFAULT_MAX_DEPTH);
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
    lingerMs: checkDurationMs('lingerMs', options.lingerMs ?? DEFAULT_LINGER_MS),
    lingerBytes: checkByteLimit('lingerBytes', options.lingerBytes ?? DEFAULT_LINGER_BYTES),
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
