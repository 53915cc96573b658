/**
 * The RAPI v2 HTTP(S) server: Node's own http/https, Ganeti's request order (resource
 * lookup 404, method 501, authentication 401/403, body 413/415/400, then the resource),
 * ganeti-rapi's answers and error bodies, and limits against hostile clients (body size,
 * header and request timeouts). Resources talk to luxid through a small LuxiClient pool.
 * The resources themselves live in resources-*.ts; the URL map in routes.ts.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { decodeJson } from '../codec.js';
import { type Logger, silentLogger } from '../logger.js';
import { RapiHttpError, errorBody } from './http-error.js';
import { LuxiPool } from './luxi-pool.js';
import { dumpJson, parseQs } from './python-format.js';
import { RapiRequest } from './request.js';
import type { RapiMethod } from './resource.js';
import { RapiRouter } from './routes.js';
import { DEFAULT_RAPI_PORT } from './types.js';
export { DEFAULT_RAPI_PORT } from './types.js';
import { RAPI_AUTH_REALM, RapiUsers, parseBasicCredentials, verifyPassword, type RapiUser } from './users.js';

/** Listen address. ganeti-rapi binds to all addresses; we default to loopback. */
export const DEFAULT_RAPI_HOST = '127.0.0.1';
/** Luxi answer timeout: 60 s, as Python's `luxi.Client` (`constants.LUXI_DEF_RWTO` is 180 for luxid's side). */
export const DEFAULT_RAPI_LUXI_TIMEOUT_MS = 60_000;
/** Largest request body accepted (ganeti-rapi has no limit; a RAPI body is a few KiB). */
export const DEFAULT_RAPI_MAX_BODY_BYTES = 1024 * 1024;
/** Time allowed for the request headers: lib/http/server.py `READ_TIMEOUT` (10 s). */
export const DEFAULT_RAPI_HEADERS_TIMEOUT_MS = 10_000;
/** Time allowed for a whole request (headers and body) to arrive. */
export const DEFAULT_RAPI_REQUEST_TIMEOUT_MS = 30_000;
/** Idle time before a kept-alive connection is closed (ganeti-rapi closes after each answer). */
export const DEFAULT_RAPI_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Connections held at once (ganeti-rapi: `--max-clients`, default 20, one process each). */
export const DEFAULT_RAPI_MAX_CONNECTIONS = 1024;
/** Time in-flight requests get at close() before their connections are cut. */
export const DEFAULT_RAPI_CLOSE_GRACE_MS = 2_000;

/** The `resource` of a request that matched no URL pattern. */
export const UNMATCHED_RESOURCE = '(unmatched)';

/** What {@link RapiServerOptions.onRequest} receives once an answer is sent (or the client left). */
export interface RapiRequestEvent {
  method: string;
  /** The URL pattern, e.g. `/2/instances/[instance_name]`; {@link UNMATCHED_RESOURCE} for a 404. */
  resource: string;
  status: number;
  durationMs: number;
  /** Request body bytes read. */
  bytesIn: number;
  /** Response body bytes written. */
  bytesOut: number;
}

/** Options of {@link startRapiServer}. */
export interface RapiServerOptions {
  /** luxid's socket (real `ganeti-query`, or `serve --demo`'s). Required. */
  luxiSocket: string;
  /** Address to listen on. Default: 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default: 5080. */
  port?: number;
  /**
   * Users: a users-file path (Ganeti's format, re-read when it changes) or a list.
   * Default: none, so every request that needs authentication is refused (401).
   */
  users?: string | RapiUser[];
  /** HTTPS with one PEM holding the key and the certificate (like ganeti's rapi.pem). Default: plain HTTP. */
  tls?: { pem: string | Buffer };
  /** ganeti-rapi's `--require-authentication`: reads need a user too. Default: false. */
  requireAuthForReads?: boolean;
  /** Time each luxi call may take, in ms. Default: 60000. */
  luxiTimeoutMs?: number;
  /** Largest request body, in bytes; larger is 413. Default: 1 MiB. */
  maxBodyBytes?: number;
  /** Time for the request headers, in ms. Default: 10000. */
  headersTimeoutMs?: number;
  /** Time for the whole request to arrive, in ms. Default: 30000. */
  requestTimeoutMs?: number;
  /** Idle keep-alive time, in ms. Default: 5000. */
  keepAliveTimeoutMs?: number;
  /** Connections held at once; more are refused. Default: 1024. */
  maxConnections?: number;
  /** Called once per request, after the answer (for metrics). Exceptions are ignored. */
  onRequest?: (event: RapiRequestEvent) => void;
  logger?: Logger;
}

/** A running server. */
export interface RapiServer {
  readonly address: { host: string; port: number };
  /** Whether it serves HTTPS. */
  readonly tls: boolean;
  /** Stops listening, lets requests in flight finish (up to 2 s), closes the luxi connections. */
  close(): Promise<void>;
}

interface Resolved {
  router: RapiRouter;
  pool: LuxiPool;
  users: RapiUsers;
  requireAuthForReads: boolean;
  maxBodyBytes: number;
  onRequest: ((event: RapiRequestEvent) => void) | undefined;
  logger: Logger;
}

function checkMs(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1)
    throw new RangeError(`${name} must be a whole number of ms in 0..2^31-1, got ${String(value)}`);
  return v;
}

const JSON_TYPE = 'application/json';
const SERVER_HEADER = 'ganeti-uds RAPI (Ganeti 3.0 compatible)';

/** Body bytes of a request, or an error when the client sends more than allowed. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (max > 0 && declared > max) {
      reject(new RapiHttpError(413));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (max > 0 && size > max) {
        reject(new RapiHttpError(413));
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('client aborted')));
  });
}

/** The authentication step (`HttpServerRequestAuthentication.PreHandleRequest` + rapi `Authenticate`). */
function authenticate(r: Resolved, req: IncomingMessage, access: readonly string[]): void {
  const header = req.headers.authorization;
  const required = r.requireAuthForReads || access.length > 0;
  if (!required && header === undefined) return;
  const unauthorized = (): RapiHttpError => new RapiHttpError(401, null, { 'WWW-Authenticate': `Basic realm="${RAPI_AUTH_REALM}"` });
  if (!header) throw unauthorized();
  const creds = parseBasicCredentials(header);
  if (creds === null) throw unauthorized();
  const user = r.users.get(creds.user);
  if (user === undefined || !verifyPassword(creds.user, creds.password, user.password)) throw unauthorized();
  if (access.length === 0 || user.options.some((o) => access.includes(o))) return;
  throw new RapiHttpError(403);
}

async function handle(
  r: Resolved,
  req: IncomingMessage,
  res: ServerResponse,
  note: (resource: string, bytesIn: number) => void,
): Promise<void> {
  // Node hands the request target over as latin1 text: recover the UTF-8 bytes Ganeti decodes.
  const rawUrl = Buffer.from(req.url ?? '/', 'latin1').toString('utf8');
  if (req.httpVersion === '1.1' && req.headers.host === undefined) throw new RapiHttpError(400, 'Missing Host header');
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const queryArgs = q < 0 ? new Map<string, string[]>() : parseQs(rawUrl.slice(q + 1));
  const match = r.router.match(path);
  if (match === undefined) throw new RapiHttpError(404);
  note(match.resource.pattern, 0);
  const method = (req.method ?? 'GET').toUpperCase();
  const spec = match.resource.methods[method as RapiMethod];
  if (spec === undefined) throw new RapiHttpError(501, `Method ${method} is unsupported for path ${rawUrl}`);

  authenticate(r, req, spec.access);
  const bytes = await readBody(req, r.maxBodyBytes);
  note(match.resource.pattern, bytes.length);
  let body: unknown = null;
  if (bytes.length > 0) {
    const type = req.headers['content-type'] ?? 'application/octet-stream';
    if (type.toLowerCase() !== JSON_TYPE) throw new RapiHttpError(415);
    try {
      body = decodeJson(bytes, { invalidUtf8: 'reject' });
    } catch {
      throw new RapiHttpError(400, 'Unable to parse JSON data');
    }
  }
  const abort = new AbortController();
  const onClose = (): void => {
    if (!res.writableEnded) abort.abort(new Error('client went away'));
  };
  res.on('close', onClose);
  const rapiReq = new RapiRequest({
    items: match.items,
    queryArgs,
    body,
    path: rawUrl,
    opName: match.resource.className.replace(/^R_2_/, ''),
    pool: r.pool,
    signal: abort.signal,
  });
  let result: unknown;
  try {
    result = await spec.run(rapiReq);
  } finally {
    rapiReq.finish();
    res.off('close', onClose);
  }
  send(res, 200, dumpJson(result), {});
}

/** Body bytes sent per response, for the onRequest event. */
const sentBytes = new WeakMap<ServerResponse, number>();

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string>): number {
  if (res.headersSent || res.destroyed) return 0;
  const payload = Buffer.from(text, 'utf8');
  sentBytes.set(res, payload.length);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': payload.length, Server: SERVER_HEADER, ...headers });
  res.end(payload);
  return payload.length;
}

/**
 * Starts a RAPI server. Resolves once it listens.
 * @throws RangeError for a bad option; the listen error (EADDRINUSE, ...); a TLS error for a bad PEM.
 */
export async function startRapiServer(options: RapiServerOptions): Promise<RapiServer> {
  if (typeof options.luxiSocket !== 'string' || options.luxiSocket === '') throw new TypeError('luxiSocket must be a socket path');
  const logger = options.logger ?? silentLogger;
  const port = options.port ?? DEFAULT_RAPI_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0..65535, got ${String(options.port)}`);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_RAPI_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0)
    throw new RangeError(`maxBodyBytes must be a whole number >= 0, got ${String(maxBodyBytes)}`);
  const luxiTimeoutMs = checkMs('luxiTimeoutMs', options.luxiTimeoutMs, DEFAULT_RAPI_LUXI_TIMEOUT_MS);
  const r: Resolved = {
    router: new RapiRouter(),
    pool: new LuxiPool(options.luxiSocket, { requestTimeoutMs: luxiTimeoutMs, connectTimeoutMs: Math.min(luxiTimeoutMs, 10_000) }),
    users: new RapiUsers(options.users, (message) => logger.warn({ file: options.users }, message)),
    requireAuthForReads: options.requireAuthForReads ?? false,
    maxBodyBytes,
    onRequest: options.onRequest,
    logger,
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    let resource = UNMATCHED_RESOURCE;
    let bytesIn = 0;
    let bytesOut: number;
    let reported = false;
    const report = (): void => {
      if (reported) return;
      reported = true;
      bytesOut = sentBytes.get(res) ?? 0;
      const event: RapiRequestEvent = {
        method: req.method ?? '',
        resource,
        status: res.statusCode,
        durationMs: performance.now() - started,
        bytesIn,
        bytesOut,
      };
      logger.debug({ method: event.method, url: req.url, status: event.status, ms: Math.round(event.durationMs * 10) / 10 }, 'request');
      try {
        r.onRequest?.(event);
      } catch {
        // a metrics hook must not break serving
      }
    };
    res.once('finish', report);
    res.once('close', report);
    handle(r, req, res, (pattern, n) => {
      resource = pattern;
      bytesIn = n;
    }).catch((err: unknown) => {
      const http = err instanceof RapiHttpError ? err : new RapiHttpError(500, err instanceof Error ? err.message : String(err));
      if (!(err instanceof RapiHttpError)) logger.error({ url: req.url, err: String(err) }, 'request failed');
      // A refused body is not read: close the connection rather than drain it.
      const headers: Record<string, string> = { ...http.headers };
      if (http.status === 413) headers['Connection'] = 'close';
      send(res, http.status, errorBody(http.status, http.detail), headers);
      if (http.status === 413) res.once('finish', () => req.socket.destroySoon());
    });
  };

  const serverOptions = {
    requireHostHeader: false,
    headersTimeout: checkMs('headersTimeoutMs', options.headersTimeoutMs, DEFAULT_RAPI_HEADERS_TIMEOUT_MS),
    requestTimeout: checkMs('requestTimeoutMs', options.requestTimeoutMs, DEFAULT_RAPI_REQUEST_TIMEOUT_MS),
    keepAliveTimeout: checkMs('keepAliveTimeoutMs', options.keepAliveTimeoutMs, DEFAULT_RAPI_KEEP_ALIVE_TIMEOUT_MS),
    // Node checks the two timeouts above every 30 s by default: too coarse against slow clients.
    connectionsCheckingInterval: 1000,
  };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, key: options.tls.pem, cert: options.tls.pem }, listener)
    : createHttpServer(serverOptions, listener);
  server.maxConnections = options.maxConnections ?? DEFAULT_RAPI_MAX_CONNECTIONS;
  // Malformed requests Node's parser refuses: answer in Ganeti's shape, then close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const text = errorBody(status, null);
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
        `Content-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  });

  const host = options.host ?? DEFAULT_RAPI_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const address = { host, port: typeof addr === 'object' && addr !== null ? addr.port : port };
  logger.info({ host, port: address.port, tls: options.tls !== undefined, luxi: options.luxiSocket }, 'RAPI listening');

  let closing: Promise<void> | undefined;
  return {
    address,
    tls: options.tls !== undefined,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), DEFAULT_RAPI_CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(timer);
          r.pool.close();
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}
