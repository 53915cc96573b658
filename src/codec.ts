/**
 * JSON codec for message payloads: ASCII-only output (spec §1.5) and exact big integers
 * (spec §1.4). One byte scan decides the route: native JSON for the common message, the
 * exact parser (exact-json.ts) only for the rare one that needs it. No framing, no I/O.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { ErrorCodes, ProtocolError } from './errors.js';
import { parseExactJson, stringifyExactJson } from './exact-json.js';

/** Default for `maxDepth`: 1024 nested arrays/objects (systemd varlink and Python use similar). */
export const DEFAULT_MAX_DEPTH = 1024;

/**
 * What to do with bytes that are not valid UTF-8. Real Haskell peers send each character
 * as its code point mod 256 (spec §1.5), so Latin-1 decoding recovers every character
 * below U+0100 exactly; `'reject'` fails the message instead.
 */
export type InvalidUtf8Policy = 'latin1' | 'reject';

/** Options of {@link decodeJson}. */
export interface DecodeOptions {
  /** Deepest nesting of arrays and objects accepted; checked before parsing. `0` = no limit. Default: 1024. */
  maxDepth?: number;
  /** Handling of invalid UTF-8. Default: `'latin1'`. */
  invalidUtf8?: InvalidUtf8Policy;
}

/** Keys hashed per object before switching from a linear search to a Set. */
const LINEAR_KEY_LIMIT = 16;
/** A run of this many digits may be an integer beyond 2^53 (2^53 has 16 digits). */
const BIG_INTEGER_DIGITS = 16;

/**
 * One pass over the bytes outside strings, tracking nesting depth, digit runs, exponents
 * and object keys (by hash, per object). Strings are skipped with native `indexOf` (to the
 * next quote, and to the next backslash only when one lies inside the string).
 * Returns true when the native parser would lose information (a big integer, an exponent
 * that may overflow, a duplicate key).
 * @throws ProtocolError (UDS_ERR_TOO_DEEP) past `maxDepth`.
 */
function needsExactParse(bytes: Buffer, maxDepth: number): boolean {
  const n = bytes.length;
  let needsExact = false;
  let depth = 0;
  let digitRun = 0;
  let strStart = 0;
  let strEnd = 0;
  let strEscaped = false;
  // The first backslash at or after the scan position (-1: none left in the message).
  let nextBackslash = bytes.indexOf(0x5c);
  // Per open container: the index in `keys` where its keys start, or -1 for an array.
  const levelStart: number[] = [];
  const levelSets: Array<Set<number> | undefined> = [];
  const keys: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = bytes[i] as number;
    if (b === 0x22) {
      strStart = i + 1;
      let end = bytes.indexOf(0x22, strStart);
      strEscaped = nextBackslash !== -1 && nextBackslash < end;
      if (strEscaped) {
        // Escapes inside: walk this string byte by byte (an escaped quote does not end it).
        let j = strStart;
        for (; j < n; j++) {
          const c = bytes[j] as number;
          if (c === 0x22) break;
          if (c === 0x5c) j++;
        }
        end = j;
        nextBackslash = end + 1 < n ? bytes.indexOf(0x5c, end + 1) : -1;
      }
      if (end === -1) end = n; // unterminated: JSON.parse reports it
      strEnd = end;
      i = end;
      digitRun = 0;
      continue;
    }
    if (b >= 0x30 && b <= 0x39) {
      if (++digitRun >= BIG_INTEGER_DIGITS) needsExact = true;
      continue;
    }
    if ((b === 0x65 || b === 0x45) && digitRun > 0) {
      needsExact = true; // an exponent: 1e400 must fail, not become Infinity
    }
    digitRun = 0;
    switch (b) {
      case 0x7b: // {
      case 0x5b: // [
        if (++depth > maxDepth && maxDepth !== 0) {
          throw new ProtocolError(
            `JSON nesting deeper than ${maxDepth} levels; raise maxDepth (--max-depth) if such messages are expected`,
            ErrorCodes.tooDeep,
          );
        }
        levelStart.push(b === 0x7b ? keys.length : -1);
        levelSets.push(undefined);
        break;
      case 0x7d: // }
      case 0x5d: // ]
        if (depth > 0) {
          depth--;
          const start = levelStart.pop() as number;
          levelSets.pop();
          if (start >= 0) keys.length = start;
        }
        break;
      case 0x3a: {
        // ':' ends a key: look for the same key earlier in this object.
        if (needsExact || depth === 0) break;
        if (strEscaped) {
          needsExact = true; // "\u0061" and "a" are the same key: let the exact parser judge
          break;
        }
        let h = strEnd - strStart;
        for (let k = strStart; k < strEnd; k++) h = (Math.imul(h, 31) + (bytes[k] as number)) | 0;
        const start = levelStart[depth - 1] as number;
        if (start < 0) break;
        let set = levelSets[depth - 1];
        if (set !== undefined) {
          if (set.has(h)) needsExact = true;
          else set.add(h);
          break;
        }
        for (let k = start; k < keys.length; k++) {
          if (keys[k] === h) {
            needsExact = true;
            break;
          }
        }
        keys.push(h);
        if (keys.length - start > LINEAR_KEY_LIMIT) {
          set = new Set(keys.slice(start));
          levelSets[depth - 1] = set;
        }
        break;
      }
    }
  }
  return needsExact;
}

/**
 * Decodes one message payload.
 * - UTF-8 (invalid UTF-8: see {@link InvalidUtf8Policy}); leading and trailing JSON
 *   whitespace is accepted (Python appends `\n`).
 * - Integers beyond 2^53 become `bigint`; duplicate keys keep the first value (as Ganeti);
 *   numbers that overflow a double are an error, never Infinity or null.
 * @throws ProtocolError with code UDS_ERR_INVALID_JSON, UDS_ERR_TOO_DEEP or UDS_ERR_INVALID_UTF8.
 */
export function decodeJson(input: Buffer | string, options: DecodeOptions = {}): unknown {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const needsExact = needsExactParse(bytes, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  let text: string;
  if (isAscii(bytes)) {
    text = bytes.toString('latin1'); // ASCII: the cheapest decoding
  } else if (isUtf8(bytes)) {
    text = bytes.toString('utf8');
  } else if ((options.invalidUtf8 ?? 'latin1') === 'latin1') {
    text = bytes.toString('latin1');
  } else {
    throw new ProtocolError('Message is not valid UTF-8', ErrorCodes.invalidUtf8);
  }
  try {
    return needsExact ? parseExactJson(text) : JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(`Invalid JSON: ${(err as Error).message}`, ErrorCodes.invalidJson, { cause: err });
  }
}

const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;

function escapeChar(c: string): string {
  return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * Encodes a value as compact, ASCII-only JSON: every character above U+007F is written as
 * `\uXXXX` (astral characters as surrogate pairs), so no peer can mangle it and no byte
 * 0x03 can appear. `bigint` values are written as exact integers.
 * @throws TypeError for values JSON cannot represent at the top level (undefined, cycles).
 */
export function encodeJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    text = stringifyExactJson(value);
  }
  if (text === undefined) throw new TypeError(`Cannot encode ${typeof value} as JSON`);
  return NON_ASCII.test(text) ? text.replace(NON_ASCII_ALL, escapeChar) : text;
}
