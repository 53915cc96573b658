/**
 * The HTTP(S) side of the RAPI client: options and their defaults, the connection agent
 * (keep-alive, CA or pinned certificate), one request with its timeout, abort signal and
 * answer limits, and the mapping of every failure to a RapiError. It knows nothing of
 * RAPI resources (client.ts) and never re-sends a request.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import { DEFAULT_MAX_DEPTH, decodeJson, encodeJson } from '../codec.js';
import { MAX_TIMER_MS, checkCount } from '../defaults.js';
import {
  RapiCertificateError,
  RapiConnectionError,
  RapiError,
  RapiErrorCodes,
  RapiStatusError,
  RapiResponseError,
  RapiTimeoutError,
  type RapiRequestInfo,
} from './client-errors.js';
import { DEFAULT_RAPI_PORT } from './types.js';

/**
 * Default timeout of one request, in ms. Python's GanetiRapiClient sets none (curl's
 * default); the longest RAPI call that blocks, `GET /2/jobs/ID/wait`, returns within 10 s
 * (rlib2 `_WFJC_TIMEOUT`), and `GET /2/os` runs a job; 60 s covers both.
 */
export const DEFAULT_RAPI_TIMEOUT_MS = 60_000;
/** Default largest answer accepted, in bytes: 64 MiB, as the Luxi message limit. */
export const DEFAULT_RAPI_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Options of a {@link RapiClient}. */
export interface RapiClientOptions {
  /**
   * Where the RAPI server is: `https://cluster.example.com:5080`, `http://127.0.0.1:5080`,
   * or a bare `host` / `host:port` (HTTPS). A string that names no port means port 5080
   * (Ganeti's); a URL object is taken as it is. A path (`https://proxy/ganeti`) is put
   * before every resource path. `user:password@` in the URL gives the credentials.
   * Required.
   */
  url: string | URL;
  /** User name for HTTP Basic authentication (a line of Ganeti's RAPI users file). Needs `password`. */
  username?: string;
  /** Password for HTTP Basic authentication. Needs `username`. */
  password?: string;
  /** CA certificate(s), PEM, that the server's certificate must chain to. Default: Node's bundled CAs. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /**
   * SHA-256 fingerprint(s) of the server's certificate (as `openssl x509 -noout
   * -fingerprint -sha256` prints it; colons and case do not matter). The connection is
   * used only when the certificate matches one; the certificate chain and host name are
   * then not checked, unless `ca` is given too. Suits Ganeti's self-signed `rapi.pem`.
   * Checked before any byte of the request (credentials included) is sent.
   */
  pinnedCertSha256?: string | readonly string[];
  /** Refuse a server certificate that does not chain to `ca` (or Node's CAs). Ignored with a pin and no `ca`. Default: true. */
  rejectUnauthorized?: boolean;
  /**
   * Check that the certificate names the host of `url`. Ganeti's self-signed certificate
   * names the cluster, so connecting by IP address needs `false` (Python's client never
   * checks it). Default: true.
   */
  verifyHostname?: boolean;
  /** Timeout of each request, from the call to the answer's last byte, in ms; per call too. `0` = none. Default: 60000. */
  timeoutMs?: number;
  /** Largest answer accepted, in bytes; a larger one fails with RAPI_ERR_RESPONSE_TOO_LARGE. `0` = no limit. Default: 64 MiB. */
  maxResponseBytes?: number;
  /** Deepest JSON nesting accepted in answers. `0` = no limit. Default: 1024. */
  maxDepth?: number;
  /**
   * Keep connections open between requests (`Connection: keep-alive`). `false` sends
   * `Connection: close`, after which ganeti-rapi lingers ~40 ms before it ends each answer
   * (measured: /version 56 ms instead of 18 ms over HTTPS). Default: true.
   */
  keepAlive?: boolean;
  /** The `User-Agent` header. Default: `ganeti-uds RapiClient`. */
  userAgent?: string;
}

/** Per-call options. */
export interface RapiCallOptions {
  /** Aborts the request; the call then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** This call's timeout, in ms (`0` = none). Default: the client's `timeoutMs`. */
  timeoutMs?: number;
}

/** Query parameters in order; a key may repeat (`tag=a&tag=b`). */
export type QueryPairs = ReadonlyArray<readonly [string, string]>;

/** The options after defaults and checks. */
export interface ResolvedRapiClientOptions {
  readonly protocol: 'http:' | 'https:';
  readonly host: string;
  readonly port: number;
  /** The path prefix without a trailing slash (`''` for none). */
  readonly basePath: string;
  /** The server's base URL, for messages: `https://host:5080`. */
  readonly origin: string;
  readonly authorization: string | undefined;
  readonly ca: string | Buffer | Array<string | Buffer> | undefined;
  readonly pins: readonly string[] | undefined;
  readonly rejectUnauthorized: boolean;
  readonly verifyHostname: boolean;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxDepth: number;
  readonly keepAlive: boolean;
  readonly userAgent: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
// The authority's port, when a string names one: scheme://[user@]host:PORT/...
const EXPLICIT_PORT = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i;

function checkTimeout(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new RangeError(`${name} must be a whole number of ms from 0 to ${MAX_TIMER_MS}, got ${String(value)}`);
  }
  return value;
}

/** Normalises a SHA-256 fingerprint to 64 lower-case hex digits. */
function normalizeFingerprint(value: string): string | undefined {
  const hex = value.replace(/[\s:]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

/**
 * Applies defaults and checks every option once.
 * @throws TypeError for a malformed URL or credentials; RangeError for a bad number or fingerprint.
 */
export function resolveRapiClientOptions(options: RapiClientOptions): ResolvedRapiClientOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('RapiClient options must be an object');
  const given = options.url;
  if (typeof given !== 'string' && !(given instanceof URL)) {
    throw new TypeError(`url must be a string or URL, got ${typeof given}`);
  }
  let text = typeof given === 'string' ? given.trim() : given.href;
  if (typeof given === 'string' && !SCHEME.test(text)) text = `https://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`url is not a valid URL: ${JSON.stringify(String(given))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`url must be http:// or https://, got ${JSON.stringify(url.protocol)}`);
  }
  if (url.search !== '' || url.hash !== '') throw new TypeError(`url must not have a query or fragment: ${JSON.stringify(String(given))}`);
  const explicitPort = typeof given === 'string' ? EXPLICIT_PORT.test(text) : true;
  const port = url.port !== '' ? Number(url.port) : explicitPort ? (url.protocol === 'https:' ? 443 : 80) : DEFAULT_RAPI_PORT;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new TypeError(`url names no host: ${JSON.stringify(String(given))}`);

  const username = options.username ?? (url.username !== '' ? decodeURIComponent(url.username) : undefined);
  const password = options.password ?? (url.password !== '' ? decodeURIComponent(url.password) : undefined);
  if (username !== undefined && password === undefined) throw new TypeError('password is required with username');
  if (username === undefined && password !== undefined) throw new TypeError('username is required with password');
  if (username?.includes(':')) throw new TypeError('username must not contain ":" (HTTP Basic authentication)');

  let pins: string[] | undefined;
  if (options.pinnedCertSha256 !== undefined) {
    const list = typeof options.pinnedCertSha256 === 'string' ? [options.pinnedCertSha256] : [...options.pinnedCertSha256];
    if (list.length === 0) throw new RangeError('pinnedCertSha256 must name at least one fingerprint');
    pins = list.map((pin) => {
      const hex = typeof pin === 'string' ? normalizeFingerprint(pin) : undefined;
      if (hex === undefined)
        throw new RangeError(`pinnedCertSha256 must be SHA-256 fingerprints (64 hex digits), got ${JSON.stringify(pin)}`);
      return hex;
    });
    if (url.protocol !== 'https:') throw new TypeError('pinnedCertSha256 needs an https:// url');
  }
  const ca =
    options.ca === undefined ? undefined : typeof options.ca === 'string' || Buffer.isBuffer(options.ca) ? options.ca : [...options.ca];

  const displayHost = host.includes(':') ? `[${host}]` : host;
  return Object.freeze({
    protocol: url.protocol,
    host,
    port,
    basePath: url.pathname.replace(/\/+$/, ''),
    origin: `${url.protocol}//${displayHost}:${port}`,
    authorization: username === undefined ? undefined : `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`,
    ca,
    pins,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    verifyHostname: options.verifyHostname ?? true,
    timeoutMs: checkTimeout('timeoutMs', options.timeoutMs ?? DEFAULT_RAPI_TIMEOUT_MS),
    maxResponseBytes: checkCount('maxResponseBytes', options.maxResponseBytes ?? DEFAULT_RAPI_MAX_RESPONSE_BYTES),
    maxDepth: checkCount('maxDepth', options.maxDepth ?? DEFAULT_MAX_DEPTH),
    keepAlive: options.keepAlive ?? true,
    userAgent: options.userAgent ?? 'ganeti-uds RapiClient',
  });
}

/** Marks a pin mismatch found while connecting, before a request owns the socket. */
class PinMismatch extends Error {
  readonly code = 'ERR_RAPI_PIN_MISMATCH';
}

function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

/**
 * An https.Agent that hands a new TLS socket to a request only once its certificate
 * matched a pin: nothing (not even the Authorization header) goes to a server that fails.
 */
class PinningAgent extends https.Agent {
  readonly #pins: readonly string[];
  readonly #connectTimeoutMs: number;
  readonly #pending = new Set<tls.TLSSocket>();

  constructor(options: https.AgentOptions, pins: readonly string[], connectTimeoutMs: number) {
    super(options);
    this.#pins = pins;
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | undefined {
    const socket = super.createConnection(options) as tls.TLSSocket;
    this.#pending.add(socket);
    let timer: NodeJS.Timeout | undefined;
    const done = (err: Error | null): void => {
      socket.off('secureConnect', onSecure);
      socket.off('error', done);
      if (timer !== undefined) clearTimeout(timer);
      this.#pending.delete(socket);
      if (err !== null) socket.destroy();
      callback?.(err, socket);
    };
    const onSecure = (): void => {
      const fingerprint = normalizeFingerprint(socket.getPeerCertificate().fingerprint256 ?? '') ?? '';
      if (this.#pins.includes(fingerprint)) done(null);
      else {
        const why =
          fingerprint === ''
            ? 'the server showed no certificate to check against the pins'
            : `the server's certificate SHA-256 ${colonHex(fingerprint)} matches no pinned fingerprint`;
        done(new PinMismatch(why));
      }
    };
    socket.once('secureConnect', onSecure);
    socket.once('error', done);
    // The request's own timer cannot reach a socket not yet handed over; this one can.
    if (this.#connectTimeoutMs > 0) {
      timer = setTimeout(() => done(new Error(`TLS handshake not done within ${this.#connectTimeoutMs} ms`)), this.#connectTimeoutMs);
    }
    return undefined;
  }

  override destroy(): void {
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
    super.destroy();
  }
}

function createAgent(o: ResolvedRapiClientOptions): http.Agent {
  if (o.protocol === 'http:') return new http.Agent({ keepAlive: o.keepAlive });
  const pinnedOnly = o.pins !== undefined && o.ca === undefined;
  const tlsOptions: https.AgentOptions = {
    keepAlive: o.keepAlive,
    rejectUnauthorized: pinnedOnly ? false : o.rejectUnauthorized,
  };
  if (o.ca !== undefined) tlsOptions.ca = o.ca;
  if (!o.verifyHostname || pinnedOnly) tlsOptions.checkServerIdentity = () => undefined;
  if (o.pins === undefined) return new https.Agent(tlsOptions);
  // No session resumption: a resumed session shows no certificate (Node's
  // getPeerCertificate() is empty then), so the pin could not be checked.
  tlsOptions.maxCachedSessions = 0;
  return new PinningAgent(tlsOptions, o.pins, o.timeoutMs);
}

// Node's codes for certificates that fail verification (OpenSSL's X509_V_ERR_* names).
const CERTIFICATE_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_RAPI_PIN_MISMATCH',
]);

const CONNECT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

/** How one request ends: exactly one of these takes effect, the first called. */
interface Outcome {
  succeed(value: unknown): void;
  fail(err: unknown): void;
}

/** A body text for an error message: at most 1000 characters. */
function bodyText(body: Buffer): string {
  const text = body.toString('utf8');
  return text.length > 1000 ? `${text.slice(0, 1000)}...` : text;
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Sends requests to one RAPI server over one agent. `request` resolves with the decoded
 * JSON of a 200 answer (null for an empty one, as Python's client) and rejects with a
 * RapiError, or with `signal.reason` on abort.
 */
export class RapiTransport {
  readonly #o: ResolvedRapiClientOptions;
  readonly #agent: http.Agent;
  readonly #inFlight = new Set<(why: string) => void>();
  #closed: Promise<void> | undefined;
  #idle: (() => void) | undefined;

  constructor(options: ResolvedRapiClientOptions) {
    this.#o = options;
    this.#agent = createAgent(options);
  }

  /** The resolved options. */
  get options(): ResolvedRapiClientOptions {
    return this.#o;
  }

  /** Requests still waiting for their answer. */
  get pending(): number {
    return this.#inFlight.size;
  }

  /**
   * Sends one request. `path` starts with `/` and is already encoded; `body` (if given) is
   * sent as JSON. Never re-sent.
   */
  async request(method: string, path: string, query: QueryPairs, body: unknown, call: RapiCallOptions = {}): Promise<unknown> {
    const search = query.length > 0 ? `?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, v])).toString()}` : '';
    const info: RapiRequestInfo = { method, path: `${this.#o.basePath}${path}${search}` };
    const timeoutMs = call.timeoutMs === undefined ? this.#o.timeoutMs : checkTimeout('timeoutMs', call.timeoutMs);
    // Made here, so its stack shows the caller.
    const timeoutError =
      timeoutMs > 0
        ? new RapiTimeoutError(`${method} ${info.path}: no complete answer within ${timeoutMs} ms`, info, timeoutMs)
        : undefined;
    if (this.#closed !== undefined) {
      throw new RapiError(`${method} ${info.path}: the client is closed`, RapiErrorCodes.closed, info);
    }
    call.signal?.throwIfAborted();
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(encodeJson(body), 'utf8');
    const headers: http.OutgoingHttpHeaders = {
      accept: 'application/json',
      'content-type': 'application/json',
      'content-length': payload.length,
      'user-agent': this.#o.userAgent,
    };
    if (this.#o.authorization !== undefined) headers['authorization'] = this.#o.authorization;
    const module = this.#o.protocol === 'https:' ? https : http;

    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let sent = false;
      const signal = call.signal;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#inFlight.delete(cancel);
        if (this.#inFlight.size === 0) this.#idle?.();
        return true;
      };
      const outcome: Outcome = {
        succeed: (value) => {
          if (settle()) resolve(value);
        },
        fail: (err) => {
          if (!settle()) return;
          req.destroy();
          reject(err);
        },
      };
      const cancel = (why: string): void => outcome.fail(new RapiConnectionError(why, info, sent));
      const onAbort = (): void => outcome.fail(signal?.reason);
      const req = module.request({
        host: this.#o.host,
        port: this.#o.port,
        method,
        path: info.path,
        headers,
        agent: this.#agent,
      });
      const timer = timeoutError !== undefined ? setTimeout(() => outcome.fail(timeoutError), timeoutMs) : undefined;
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#inFlight.add(cancel);
      req.on('finish', () => {
        sent = true;
      });
      req.on('error', (err) => outcome.fail(this.#connectionError(err, info, sent)));
      req.on('response', (res) => this.#readAnswer(res, info, outcome));
      req.end(payload);
    });
  }

  #readAnswer(res: http.IncomingMessage, info: RapiRequestInfo, outcome: Outcome): void {
    const max = this.#o.maxResponseBytes;
    const tooLarge = () =>
      new RapiResponseError(`the answer exceeds maxResponseBytes (${max} bytes)`, info, RapiErrorCodes.responseTooLarge);
    const declared = Number(res.headers['content-length']);
    if (max > 0 && Number.isFinite(declared) && declared > max) {
      outcome.fail(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (max > 0 && size > max) outcome.fail(tooLarge());
      else chunks.push(chunk);
    });
    res.on('error', (err) => outcome.fail(this.#connectionError(err, info, true)));
    res.on('close', () => {
      if (!res.complete) outcome.fail(this.#connectionError(new Error('the connection closed in the middle of the answer'), info, true));
    });
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      const status = res.statusCode ?? 0;
      const type = mediaType(res.headers['content-type']);
      if (status !== 200) {
        outcome.fail(new RapiStatusError(info, status, this.#errorBody(body, type)));
        return;
      }
      if (body.length === 0) {
        outcome.succeed(null);
        return;
      }
      if (type !== 'application/json') {
        const shown = type === '' ? 'no content type' : `content type ${JSON.stringify(type)}`;
        outcome.fail(new RapiResponseError(`the server answered 200 with ${shown}, not application/json: ${bodyText(body)}`, info));
        return;
      }
      try {
        outcome.succeed(decodeJson(body, { maxDepth: this.#o.maxDepth }));
      } catch (err) {
        outcome.fail(
          new RapiResponseError(`the answer is not usable JSON: ${(err as Error).message}`, info, RapiErrorCodes.badResponse, {
            cause: err,
          }),
        );
      }
    });
  }

  #errorBody(body: Buffer, type: string): unknown {
    if (body.length === 0) return '';
    if (type === 'application/json' || /^\s*[[{]/.test(body.toString('latin1', 0, 16))) {
      try {
        return decodeJson(body, { maxDepth: this.#o.maxDepth });
      } catch {
        // Not JSON after all: keep the text.
      }
    }
    return bodyText(body);
  }

  #connectionError(err: Error, info: RapiRequestInfo, sent: boolean): RapiError {
    if (err instanceof RapiError) return err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (CERTIFICATE_ERROR_CODES.has(code)) {
      return new RapiCertificateError(`${this.#o.origin} refused: ${err.message}`, info, { cause: err });
    }
    if (!sent && CONNECT_ERROR_CODES.has(code)) {
      return new RapiConnectionError(`could not connect to ${this.#o.origin}: ${err.message}`, info, false, { cause: err });
    }
    const what = sent
      ? `the connection to ${this.#o.origin} broke after the request was sent (it may have taken effect)`
      : `the connection to ${this.#o.origin} failed before the request was sent`;
    return new RapiConnectionError(`${what}: ${err.message}`, info, sent, { cause: err });
  }

  /**
   * Refuses new requests, waits for those in flight to be answered, then closes the
   * kept-alive connections. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      const end = () => {
        this.#agent.destroy();
        resolve();
      };
      if (this.#inFlight.size === 0) end();
      else this.#idle = end;
    });
    return this.#closed;
  }

  /** Fails every request in flight (RapiConnectionError) and closes all connections now. */
  destroy(): void {
    this.#closed ??= Promise.resolve();
    for (const cancel of [...this.#inFlight]) {
      cancel('the client was destroyed');
    }
    this.#agent.destroy();
  }
}
