/**
 * HTTP errors as ganeti-rapi answers them (lib/http/__init__.py `HttpException` classes,
 * lib/http/server.py `HttpResponder._SetError`): a status code, a JSON body
 * `{"code", "message", "explain"}` whose message is html-escaped and defaults to the status'
 * short text, and extra headers (WWW-Authenticate on 401).
 */
import { dumpJson, htmlEscape } from './python-format.js';

/**
 * Short and long texts per status, as Python 3.11's `BaseHTTPRequestHandler.responses`
 * (the interpreter of Debian bookworm's ganeti-rapi) has them.
 */
export const HTTP_STATUS_TEXTS: Readonly<Record<number, readonly [short: string, explain: string]>> = {
  200: ['OK', 'Request fulfilled, document follows'],
  400: ['Bad Request', 'Bad request syntax or unsupported method'],
  401: ['Unauthorized', 'No permission -- see authorization schemes'],
  403: ['Forbidden', 'Request forbidden -- authorization will not help'],
  404: ['Not Found', 'Nothing matches the given URI'],
  405: ['Method Not Allowed', 'Specified method is invalid for this resource'],
  408: ['Request Timeout', 'Request timed out; try again later'],
  411: ['Length Required', 'Client must specify Content-Length'],
  413: ['Request Entity Too Large', 'Entity is too large'],
  415: ['Unsupported Media Type', 'Entity body in unsupported format'],
  431: ['Request Header Fields Too Large', 'The server is unwilling to process the request because its header fields are too large'],
  500: ['Internal Server Error', 'Server got itself in trouble'],
  501: ['Not Implemented', 'Server does not support this operation'],
  502: ['Bad Gateway', 'Invalid responses from another server/proxy'],
  503: ['Service Unavailable', 'The server cannot process the request due to a high load'],
  504: ['Gateway Timeout', 'The gateway server did not receive a timely response'],
  505: ['HTTP Version Not Supported', 'Cannot fulfill request'],
};

/** An HTTP error answer; `message` is the unescaped text (null: the status' short text). */
export class RapiHttpError extends Error {
  override readonly name = 'RapiHttpError';
  readonly status: number;
  readonly detail: string | null;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, message: string | null = null, headers: Record<string, string> = {}) {
    super(message ?? HTTP_STATUS_TEXTS[status]?.[0] ?? 'Unknown');
    this.status = status;
    this.detail = message;
    this.headers = headers;
  }
}

/** Shorthands named after Ganeti's classes (HttpBadRequest, ...). */
export const badRequest = (message?: string): RapiHttpError => new RapiHttpError(400, message ?? null);
export const forbidden = (message?: string): RapiHttpError => new RapiHttpError(403, message ?? null);
export const notFound = (message?: string): RapiHttpError => new RapiHttpError(404, message ?? null);
export const internalError = (message?: string): RapiHttpError => new RapiHttpError(500, message ?? null);
export const badGateway = (message?: string): RapiHttpError => new RapiHttpError(502, message ?? null);
export const serviceUnavailable = (message?: string): RapiHttpError => new RapiHttpError(503, message ?? null);
export const gatewayTimeout = (message?: string): RapiHttpError => new RapiHttpError(504, message ?? null);

/** The JSON body of an error answer, as `HttpResponder._SetError` builds it. */
export function errorBody(status: number, message: string | null): string {
  const [short, explain] = HTTP_STATUS_TEXTS[status] ?? ['Unknown', 'Unknown'];
  // Python tests `if err.message:`, so an empty message also falls back to the short text.
  return dumpJson({ code: status, message: htmlEscape(message || short), explain });
}
