/**
 * The errors of the RAPI client: one base class with a stable `code`, and a class per way a
 * request can fail (an HTTP error answer, a bad answer, no connection, a certificate that
 * does not check out, a timeout). Aborts reject with the signal's reason, not with these.
 *
 * They are not GanetiErrors: those are Ganeti exceptions in wire form (`[Class, [args]]`),
 * and RAPI sends none (its error body is `{code, message, explain}`, lib/http/server.py).
 */

/** Stable codes of RAPI client failures, for `err.code` checks. */
export const RapiErrorCodes = {
  /** The server answered with an HTTP status other than 200. */
  http: 'RAPI_ERR_HTTP',
  /** A 200 answer that is not JSON, has another content type, or nests too deep. */
  badResponse: 'RAPI_ERR_BAD_RESPONSE',
  /** An answer larger than `maxResponseBytes`. */
  responseTooLarge: 'RAPI_ERR_RESPONSE_TOO_LARGE',
  /** No connection, or it broke before the whole answer came. */
  connection: 'RAPI_ERR_CONNECTION',
  /** TLS verification failed: unknown CA, wrong host name, or a pinned fingerprint that differs. */
  certificate: 'RAPI_ERR_CERTIFICATE',
  /** No complete answer within the timeout. */
  timeout: 'RAPI_ERR_TIMEOUT',
  /** A request after `close()` or `destroy()`. */
  closed: 'RAPI_ERR_CLOSED',
} as const;
export type RapiErrorCode = (typeof RapiErrorCodes)[keyof typeof RapiErrorCodes];

/** What a failed request was. */
export interface RapiRequestInfo {
  /** HTTP method, e.g. `PUT`. */
  readonly method: string;
  /** Path and query as sent, e.g. `/2/instances/web1/shutdown?dry-run=1`. */
  readonly path: string;
}

/** Base of every RAPI client failure. `name` is the class name; `code` is stable. */
export class RapiError extends Error {
  readonly code: RapiErrorCode;
  readonly method: string;
  readonly path: string;

  constructor(message: string, code: RapiErrorCode, request: RapiRequestInfo, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.method = request.method;
    this.path = request.path;
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, configurable: true });
  }
}

/**
 * The server answered with an HTTP error. Ganeti's body `{code, message, explain}` gives
 * `serverMessage` and `explain`; the message reads like Python's `GanetiApiError`
 * (`404 Not Found: Nothing matches the given URI`). Ganeti HTML-escapes `message`
 * (lib/http/server.py `_SetError`); it is kept as sent.
 */
export class RapiStatusError extends RapiError {
  /** The HTTP status, e.g. 404. */
  readonly status: number;
  /** The body's `message` (e.g. `Not Found`, or the handler's text), if the body had one. */
  readonly serverMessage: string | undefined;
  /** The body's `explain`, if any. */
  readonly explain: string | undefined;
  /** The decoded JSON body, or the body text (cut to 1000 characters) when it is not JSON. */
  readonly body: unknown;

  constructor(request: RapiRequestInfo, status: number, body: unknown) {
    const fields = errorFields(body);
    const detail =
      fields.message !== undefined
        ? `${fields.message}${fields.explain !== undefined ? `: ${fields.explain}` : ''}`
        : typeof body === 'string' && body !== ''
          ? body
          : 'no error body';
    super(`${request.method} ${request.path}: ${status} ${detail}`, RapiErrorCodes.http, request);
    this.status = status;
    this.serverMessage = fields.message;
    this.explain = fields.explain;
    this.body = body;
  }
}

function errorFields(body: unknown): { message: string | undefined; explain: string | undefined } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { message: undefined, explain: undefined };
  const record = body as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v));
  return { message: text(record['message']), explain: text(record['explain']) };
}

/** A 200 answer the client cannot use: not JSON, not `application/json`, too deep, or too large. */
export class RapiResponseError extends RapiError {
  constructor(
    message: string,
    request: RapiRequestInfo,
    code: typeof RapiErrorCodes.badResponse | typeof RapiErrorCodes.responseTooLarge = RapiErrorCodes.badResponse,
    options?: ErrorOptions,
  ) {
    super(`${request.method} ${request.path}: ${message}`, code, request, options);
  }
}

/**
 * The connection failed or broke. `requestSent` tells whether the whole request had been
 * written: then a write may have taken effect on the server (the client never re-sends;
 * look at the job list before trying again).
 */
export class RapiConnectionError extends RapiError {
  readonly requestSent: boolean;
  constructor(
    message: string,
    request: RapiRequestInfo,
    requestSent: boolean,
    options?: ErrorOptions,
    code: typeof RapiErrorCodes.connection | typeof RapiErrorCodes.certificate = RapiErrorCodes.connection,
  ) {
    super(`${request.method} ${request.path}: ${message}`, code, request, options);
    this.requestSent = requestSent;
  }
}

/** The server's certificate was refused (before anything was sent). */
export class RapiCertificateError extends RapiConnectionError {
  constructor(message: string, request: RapiRequestInfo, options?: ErrorOptions) {
    super(message, request, false, options, RapiErrorCodes.certificate);
  }
}

/** No complete answer within the timeout. The request may have reached the server. */
export class RapiTimeoutError extends RapiError {
  /** The timeout that ran out, in ms. */
  readonly timeoutMs: number;
  constructor(message: string, request: RapiRequestInfo, timeoutMs: number) {
    super(message, RapiErrorCodes.timeout, request);
    this.timeoutMs = timeoutMs;
  }
}
