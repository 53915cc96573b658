/**
 * What the proxy reports about one request/response pair, and the decoding behind it.
 * Decoding happens only for the report, after the bytes were forwarded; a frame that is
 * not a request or response (a raw pipe message, broken JSON) is reported with nulls.
 */
import { decodeJson } from '../codec.js';
import { GanetiError } from '../errors.js';
import { decodeResponse } from '../message.js';
import { redactSecrets } from '../logger.js';

/** How an exchange ended. */
export const ExchangeOutcome = {
  /** A request and the response that followed it in order. */
  answered: 'answered',
  /** A request whose connection closed before a response came. */
  unanswered: 'unanswered',
  /** A response with no request before it (e.g. a server refusing a connection). */
  unsolicited: 'unsolicited',
} as const;
export type ExchangeOutcome = (typeof ExchangeOutcome)[keyof typeof ExchangeOutcome];

/** One exchange seen by the proxy: a request paired with its response by order. */
export interface ProxyExchange {
  /** The proxied connection, numbered from 1 per proxy. */
  readonly connectionId: number;
  /** The exchange's position on its connection, from 1. */
  readonly seq: number;
  readonly outcome: ExchangeOutcome;
  /** When the request's last byte arrived (for unsolicited responses: the response's). */
  readonly startedAt: Date;
  /** From the request's last byte to the response's last byte, in ms (fractional); to the close when unanswered. */
  readonly durationMs: number;
  /** The request frame as received and forwarded, without the 0x03 (null when unsolicited). */
  readonly request: Buffer | null;
  /** The response frame as received and forwarded, without the 0x03 (null when unanswered). */
  readonly response: Buffer | null;
  /** The request's `method` when the request is a JSON object with a string method, else null. */
  readonly method: string | null;
  /**
   * The request's decoded `args` (secret params replaced by `"<redacted>"` when the proxy
   * redacts), or undefined when the request has none or is not JSON.
   */
  readonly args: unknown;
  /** The response's `success`, or null when there is no response or it is malformed. */
  readonly success: boolean | null;
  /**
   * For a failed response: the error class, e.g. `OpPrereqError`; `RequestError` for a
   * plain-string failure such as "Failed to parse request: ...". Null otherwise.
   */
  readonly errorClass: string | null;
  /** For a failed response: the error's message. For an unanswered request: why. Null otherwise. */
  readonly errorMessage: string | null;
}

/** The request fields of a report. */
export interface RequestSummary {
  method: string | null;
  args: unknown;
}

/** The response fields of a report. */
export interface ResponseSummary {
  success: boolean | null;
  errorClass: string | null;
  errorMessage: string | null;
}

/** Decodes a request frame for a report; never throws. */
export function summarizeRequest(frame: Buffer, redact: boolean, maxDepth: number): RequestSummary {
  let value: unknown;
  try {
    value = decodeJson(frame, { maxDepth, invalidUtf8: 'latin1' });
  } catch {
    return { method: null, args: undefined };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { method: null, args: undefined };
  const call = value as Record<string, unknown>;
  const method = typeof call['method'] === 'string' ? call['method'] : null;
  const args = Object.hasOwn(call, 'args') ? call['args'] : undefined;
  return { method, args: redact ? redactSecrets(args) : args };
}

// Haskell and Python both write `success` first (`buildResponse`, `FormatResponse`), so a
// successful answer is recognised from its first bytes without decoding a large result.
const SUCCESS_PREFIX = /^\s*\{\s*"success"\s*:\s*true\s*,/;
const PREFIX_BYTES = 64;

/** Decodes a response frame for a report; never throws. */
export function summarizeResponse(frame: Buffer, maxDepth: number): ResponseSummary {
  if (SUCCESS_PREFIX.test(frame.toString('latin1', 0, Math.min(frame.length, PREFIX_BYTES)))) {
    return { success: true, errorClass: null, errorMessage: null };
  }
  try {
    const response = decodeResponse(frame, { maxDepth, invalidUtf8: 'latin1' });
    if (response.success) return { success: true, errorClass: null, errorMessage: null };
    const error = GanetiError.fromWire(response.result);
    return { success: false, errorClass: error.className, errorMessage: error.message };
  } catch {
    return { success: null, errorClass: null, errorMessage: null };
  }
}
