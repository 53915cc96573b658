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

// ---- The exactness scan ----------------------------------------------------------------

/** A run of this many digits may be an integer beyond 2^53 (2^53 has 16 digits). */
const BIG_INTEGER_DIGITS = 16;
/**
 * Bytes of a string walked in JS before native `indexOf` looks for its end: a call costs
 * about as much as walking ~50 bytes, and UUIDs (36) stay in JS (measured, bench/codec-scan.ts).
 */
const FIRST_WINDOW_BYTES = 48;
/** The same after an escape that `indexOf` found: the string is known to be long. */
const LATER_WINDOW_BYTES = 8;
/** Keys an object compares by print (behind a Bloom filter); the next one gives it a hash table. */
const LINEAR_KEY_LIMIT = 24;
/** Probes of one table lookup after which the object falls back to a Set (hostile keys). */
const MAX_PROBES = 32;

// Scratch memory of the scan, shared by every call. needsExactParse is synchronous and
// calls nothing that could call it again (no callbacks, no awaits), so one set serves all
// calls without re-entrancy: each call starts at index 0 and overwrites what the previous
// one left, so nothing is cleared or allocated per message. The arrays grow by doubling,
// and after a message that made one larger than its RETAIN_* size, it is dropped back to
// its initial size, so one huge message does not pin memory.

/** Ints per open container in `scratchLevels`, as a shift: 8. */
const LEVEL_BITS = 3;
/** Where the container's keys start in `scratchKeys`; -1 for an array. */
const LEVEL_KEYS = 0;
/** Base of the object's hash table in `scratchTable`, or TABLE_NONE / TABLE_SET. */
const LEVEL_TABLE = 1;
/** 32 - log2(size of that table): the shift that turns a mixed hash into a slot. */
const LEVEL_SHIFT = 2;
/** Two ints: a 64-bit Bloom filter of the object's key prints (before it has a table). */
const LEVEL_BLOOM = 3;
const TABLE_NONE = -1;
const TABLE_SET = -2;
/** Ints per key of the open objects in `scratchKeys`: 4 (start, length, print, hash). */
const KEY_START = 0;
const KEY_LENGTH = 1;
/** Length, first, middle and last byte of the key in one int: a cheap first comparison. */
const KEY_PRINT = 2;
/** The key's hash, once the object has a table. */
const KEY_HASH = 3;

const INITIAL_LEVELS = 64;
const INITIAL_KEYS = 256;
const INITIAL_TABLE_SLOTS = 1024;
const RETAIN_LEVELS = 4096;
const RETAIN_KEYS = 8192;
const RETAIN_TABLE_SLOTS = 16384;

let scratchLevels: Int32Array = new Int32Array(INITIAL_LEVELS << LEVEL_BITS);
let scratchKeys: Int32Array = new Int32Array(INITIAL_KEYS * 4);
/** Hash tables of the open objects that have one, as a stack: slot = key index + 1, 0 = empty. */
let scratchTable: Int32Array = new Int32Array(INITIAL_TABLE_SLOTS);
let tableTop = 0;
/** Sets of key hashes, by level, for objects whose keys defeat the table (never in practice). */
const levelSets: Array<Set<number> | undefined> = [];
/** A Set was made or an array grew past its RETAIN_* size during this call. */
let scratchDirty = false;
// Long strings only: the first quote and the first backslash at or after where they were
// last searched (message length: none). A value below the scan position is stale.
let nextQuote = -1;
let nextBackslash = -1;
/** Whether the string scanStringEnd last skipped holds a backslash. */
let stringEscaped = false;

/**
 * Decides the route of one message: true when JSON.parse would lose information, that is
 * when the bytes outside strings hold a run of 16 digits (maybe beyond 2^53), a digit
 * followed by an exponent (maybe beyond a double's range), or an object key that is escaped
 * or repeats an earlier key of the same object. One pass, no allocation for ordinary
 * messages (see the scratch notes above); it does not validate: JSON.parse does.
 * Exported for tests and benchmarks; not part of the package API.
 * @throws ProtocolError (UDS_ERR_TOO_DEEP) past `maxDepth` nested arrays/objects (`0`: no limit).
 */
export function needsExactParse(bytes: Buffer, maxDepth: number): boolean {
  const n = bytes.length;
  let levels = scratchLevels;
  let depth = 0;
  let keyCount = 0;
  let strStart = 0;
  let strEnd = 0;
  tableTop = 0;
  nextQuote = -1;
  nextBackslash = -1;
  stringEscaped = false;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b === 0x22) {
      strStart = i + 1;
      strEnd = scanStringEnd(bytes, strStart, n);
      i = strEnd + 1;
      continue;
    }
    if (b <= 0x39 && b >= 0x30) {
      let j = i + 1;
      while (j < n) {
        const c = bytes[j] as number;
        if (c > 0x39 || c < 0x30) break;
        j++;
      }
      // 16 digits, or an exponent: 1e400 must fail, not become Infinity.
      if (j - i >= BIG_INTEGER_DIGITS || (j < n && ((bytes[j] as number) | 0x20) === 0x65)) {
        return finishDepthOnly(bytes, j, depth, maxDepth);
      }
      i = j;
      continue;
    }
    const folded = b | 0x20; // '[' and '{', ']' and '}' differ only in bit 0x20
    if (folded === 0x7b) {
      if (++depth > maxDepth && maxDepth !== 0) throw tooDeep(maxDepth);
      const at = (depth - 1) << LEVEL_BITS;
      if (at >= levels.length) levels = growLevels();
      levels[at + LEVEL_KEYS] = b === 0x7b ? keyCount : -1;
      levels[at + LEVEL_TABLE] = TABLE_NONE;
      levels[at + LEVEL_BLOOM] = 0;
      levels[at + LEVEL_BLOOM + 1] = 0;
    } else if (folded === 0x7d) {
      if (depth > 0) {
        depth--;
        const at = depth << LEVEL_BITS;
        const start = levels[at + LEVEL_KEYS] as number;
        if (start >= 0) {
          keyCount = start;
          const table = levels[at + LEVEL_TABLE] as number;
          if (table >= 0) tableTop = table;
          else if (table === TABLE_SET) levelSets[depth] = undefined;
        }
      }
    } else if (b === 0x3a && depth > 0) {
      // ':' ends a key (the last string): look for it among this object's earlier keys.
      const start = levels[((depth - 1) << LEVEL_BITS) + LEVEL_KEYS] as number;
      if (start >= 0) {
        // "\u0061" and "a" are the same key: let the exact parser judge escaped keys.
        if (stringEscaped || isDuplicateKey(bytes, depth - 1, keyCount, strStart, strEnd - strStart)) {
          return finishDepthOnly(bytes, i + 1, depth, maxDepth);
        }
        keyCount++;
      }
    }
    i++;
  }
  if (scratchDirty) releaseScratch();
  return false;
}

/**
 * Skips a string whose first byte (after the quote) is at `from`; returns the index of its
 * closing quote (`n` when unterminated) and sets `stringEscaped`. Short strings are walked
 * byte by byte; past the window (FIRST_WINDOW_BYTES), native indexOf finds the next quote
 * and backslash, and the walk goes on after each escape it finds.
 */
function scanStringEnd(bytes: Buffer, from: number, n: number): number {
  let j = from;
  let escaped = false;
  let window = FIRST_WINDOW_BYTES;
  for (;;) {
    const stop = j + window < n ? j + window : n;
    let c = 0;
    while (j < stop) {
      c = bytes[j] as number;
      if (c === 0x22 || c === 0x5c) break;
      j++;
    }
    if (j < stop) {
      if (c === 0x22) break; // the closing quote
      escaped = true;
      j += 2;
      continue;
    }
    if (j >= n) {
      j = n; // unterminated: JSON.parse reports it
      break;
    }
    if (nextQuote < j) {
      nextQuote = bytes.indexOf(0x22, j);
      if (nextQuote < 0) nextQuote = n;
    }
    if (nextBackslash < j) {
      nextBackslash = bytes.indexOf(0x5c, j);
      if (nextBackslash < 0) nextBackslash = n;
    }
    if (nextQuote <= nextBackslash) {
      j = nextQuote; // no escape before the next quote: it closes the string (or none: n)
      break;
    }
    escaped = true;
    window = LATER_WINDOW_BYTES;
    j = nextBackslash + 2; // skip the escape, then walk again
  }
  stringEscaped = escaped;
  return j;
}

/** Stores key `index` of the object at `level` and tells whether the object had it already. */
function isDuplicateKey(bytes: Buffer, level: number, index: number, from: number, len: number): boolean {
  const levels = scratchLevels;
  let keys = scratchKeys;
  const k = index << 2;
  if (k >= keys.length) keys = growKeys();
  const print =
    len === 0
      ? 0
      : (len << 24) ^ ((bytes[from] as number) << 16) ^ ((bytes[from + (len >> 1)] as number) << 8) ^ (bytes[from + len - 1] as number);
  keys[k + KEY_START] = from;
  keys[k + KEY_LENGTH] = len;
  keys[k + KEY_PRINT] = print;
  const at = level << LEVEL_BITS;
  const first = levels[at + LEVEL_KEYS] as number;
  if (index - first < LINEAR_KEY_LIMIT && levels[at + LEVEL_TABLE] === TABLE_NONE) {
    const bit = Math.imul(print, 0x9e3779b1) >>> 26;
    const word = at + LEVEL_BLOOM + (bit >> 5);
    const mask = 1 << (bit & 31);
    const seen = levels[word] as number;
    if ((seen & mask) === 0) {
      levels[word] = seen | mask;
      return false;
    }
    for (let p = first << 2; p < k; p += 4) {
      if (keys[p + KEY_PRINT] === print && keys[p + KEY_LENGTH] === len && sameBytes(bytes, keys[p + KEY_START] as number, from, len))
        return true;
    }
    return false;
  }
  return isHashedDuplicate(bytes, level, index);
}

function sameBytes(bytes: Buffer, a: number, b: number, len: number): boolean {
  for (let m = 0; m < len; m++) if (bytes[a + m] !== bytes[b + m]) return false;
  return true;
}

/** The scan already needs the exact parser; it only goes on for the depth limit. */
function finishDepthOnly(bytes: Buffer, from: number, depth: number, maxDepth: number): true {
  const n = bytes.length;
  if (maxDepth !== 0 && depth + (n - from) > maxDepth) {
    for (let i = from; i < n; i++) {
      const b = bytes[i] as number;
      if (b === 0x22) {
        i = scanStringEnd(bytes, i + 1, n);
        continue;
      }
      const folded = b | 0x20;
      if (folded === 0x7b) {
        if (++depth > maxDepth) throw tooDeep(maxDepth);
      } else if (folded === 0x7d && depth > 0) {
        depth--;
      }
    }
  }
  if (scratchDirty) releaseScratch();
  return true;
}

function tooDeep(maxDepth: number): ProtocolError {
  if (scratchDirty) releaseScratch();
  return new ProtocolError(
    `JSON nesting deeper than ${maxDepth} levels; raise maxDepth (--max-depth) if such messages are expected`,
    ErrorCodes.tooDeep,
  );
}

/** The key hash of the former scan (length, then h * 31 + byte), kept for the Set fallback. */
function hashKey(bytes: Buffer, start: number, len: number): number {
  let h = len;
  for (let k = start, end = start + len; k < end; k++) h = (Math.imul(h, 31) + (bytes[k] as number)) | 0;
  return h;
}

const PROBE_ADDED = 0;
const PROBE_DUPLICATE = 1;
const PROBE_LIMIT = 2;

/**
 * Looks key `index` (already stored) up among the earlier keys of the object at `level`
 * and adds it, building or doubling the object's table as needed. The table is the top one
 * of `scratchTable`: keys are only added to the innermost open object, and the objects
 * inside it have closed and freed theirs.
 */
function isHashedDuplicate(bytes: Buffer, level: number, index: number): boolean {
  const levels = scratchLevels;
  const keys = scratchKeys;
  const at = level << LEVEL_BITS;
  const first = levels[at + LEVEL_KEYS] as number;
  const k = index << 2;
  keys[k + KEY_HASH] = hashKey(bytes, keys[k + KEY_START] as number, keys[k + KEY_LENGTH] as number);
  let table = levels[at + LEVEL_TABLE] as number;
  if (table === TABLE_SET) return isSetDuplicate(level, index);
  let shift = levels[at + LEVEL_SHIFT] as number;
  const count = index - first + 1;
  if (table === TABLE_NONE || count * 2 > 1 << (32 - shift)) {
    if (table === TABLE_NONE) {
      // The keys so far were compared one by one, not hashed.
      for (let p = first << 2; p < k; p += 4) {
        keys[p + KEY_HASH] = hashKey(bytes, keys[p + KEY_START] as number, keys[p + KEY_LENGTH] as number);
      }
      table = tableTop;
    }
    shift = 27; // 32 slots at least; a new table is at most 1/4 full, and doubles at 1/2
    while (count * 4 > 1 << (32 - shift)) shift--;
    const size = 1 << (32 - shift);
    if (table + size > scratchTable.length) growTable(table + size);
    scratchTable.fill(0, table, table + size);
    levels[at + LEVEL_TABLE] = table;
    levels[at + LEVEL_SHIFT] = shift;
    tableTop = table + size;
    for (let i = first; i < index; i++) {
      if (insertSlot(bytes, table, shift, i, false) === PROBE_LIMIT) return toSet(level, index);
    }
  }
  const result = insertSlot(bytes, table, shift, index, true);
  if (result === PROBE_LIMIT) return toSet(level, index);
  return result === PROBE_DUPLICATE;
}

/** Linear probing from the key's mixed hash; `check` compares equal hashes byte by byte. */
function insertSlot(bytes: Buffer, base: number, shift: number, index: number, check: boolean): number {
  const keys = scratchKeys;
  const slots = scratchTable;
  const k = index << 2;
  const h = keys[k + KEY_HASH] as number;
  const mask = (1 << (32 - shift)) - 1;
  let s = Math.imul(h, 0x9e3779b1) >>> shift;
  for (let probes = 0; probes < MAX_PROBES; probes++) {
    const slot = slots[base + s] as number;
    if (slot === 0) {
      slots[base + s] = index + 1;
      return PROBE_ADDED;
    }
    if (check) {
      const o = (slot - 1) << 2;
      const len = keys[k + KEY_LENGTH] as number;
      if (
        keys[o + KEY_HASH] === h &&
        keys[o + KEY_LENGTH] === len &&
        sameBytes(bytes, keys[o + KEY_START] as number, keys[k + KEY_START] as number, len)
      ) {
        return PROBE_DUPLICATE;
      }
    }
    s = (s + 1) & mask;
  }
  return PROBE_LIMIT;
}

/**
 * Hostile keys (many with one slot) defeat the table: the object goes on with a Set of
 * hashes, where equal hashes count as the same key, as the former scan did.
 */
function toSet(level: number, index: number): boolean {
  const at = level << LEVEL_BITS;
  const first = scratchLevels[at + LEVEL_KEYS] as number;
  const set = new Set<number>();
  for (let i = first; i < index; i++) set.add(scratchKeys[(i << 2) + KEY_HASH] as number);
  tableTop = scratchLevels[at + LEVEL_TABLE] as number;
  scratchLevels[at + LEVEL_TABLE] = TABLE_SET;
  levelSets[level] = set;
  scratchDirty = true;
  return isSetDuplicate(level, index);
}

function isSetDuplicate(level: number, index: number): boolean {
  const set = levelSets[level] as Set<number>;
  const h = scratchKeys[(index << 2) + KEY_HASH] as number;
  if (set.has(h)) return true;
  set.add(h);
  return false;
}

function growLevels(): Int32Array {
  scratchLevels = grown(scratchLevels, scratchLevels.length * 2, RETAIN_LEVELS << LEVEL_BITS);
  return scratchLevels;
}

function growKeys(): Int32Array {
  scratchKeys = grown(scratchKeys, scratchKeys.length * 2, RETAIN_KEYS * 4);
  return scratchKeys;
}

function growTable(atLeast: number): void {
  let size = scratchTable.length * 2;
  while (size < atLeast) size *= 2;
  scratchTable = grown(scratchTable, size, RETAIN_TABLE_SLOTS);
}

function grown(old: Int32Array, size: number, retain: number): Int32Array {
  const next = new Int32Array(size);
  next.set(old);
  if (size > retain) scratchDirty = true;
  return next;
}

/** After a message that needed a Set or outgrew the RETAIN_* sizes: back to the initial sizes. */
function releaseScratch(): void {
  levelSets.length = 0;
  if (scratchLevels.length > RETAIN_LEVELS << LEVEL_BITS) scratchLevels = new Int32Array(INITIAL_LEVELS << LEVEL_BITS);
  if (scratchKeys.length > RETAIN_KEYS * 4) scratchKeys = new Int32Array(INITIAL_KEYS * 4);
  if (scratchTable.length > RETAIN_TABLE_SLOTS) scratchTable = new Int32Array(INITIAL_TABLE_SLOTS);
  scratchDirty = false;
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
/**
 * From this length on, `Buffer.byteLength(text) === text.length` (only ASCII encodes to one
 * UTF-8 byte per UTF-16 unit) tests a string for ASCII faster than the regex: 2.6x at 100
 * characters, 5x at 1 KB and beyond; shorter strings are quicker with the regex (measured).
 */
const ASCII_BY_LENGTH_FROM = 64;

function escapeChar(c: string): string {
  return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * Encodes a value as compact, ASCII-only JSON: every character above U+007F is written as
 * `\uXXXX` (astral characters as surrogate pairs), so no peer can mangle it and no byte
 * 0x03 can appear. `bigint` values are written as exact integers.
 * Same as `escapeNonAscii(encodeJsonUnchecked(value))`.
 * @throws TypeError for values JSON cannot represent at the top level (undefined, cycles).
 */
export function encodeJson(value: unknown): string {
  return escapeNonAscii(encodeJsonUnchecked(value));
}

/**
 * {@link encodeJson} without the ASCII step: the text may hold characters above U+007F.
 * For writers that check a whole batch of messages once with {@link escapeNonAscii}.
 * @throws TypeError as {@link encodeJson}.
 */
export function encodeJsonUnchecked(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    text = stringifyExactJson(value);
  }
  if (text === undefined) throw new TypeError(`Cannot encode ${typeof value} as JSON`);
  return text;
}

/**
 * Writes every character above U+007F of `text` as a lower-case `\uXXXX` escape (UTF-16
 * units, so astral characters become surrogate pairs, as Python's `ensure_ascii`); returns
 * `text` itself when it is ASCII already. Outside strings JSON is ASCII, so escaping a
 * concatenation of encoded messages (and ASCII terminators) equals escaping each one.
 */
export function escapeNonAscii(text: string): string {
  const ascii = text.length < ASCII_BY_LENGTH_FROM ? !NON_ASCII.test(text) : Buffer.byteLength(text, 'utf8') === text.length;
  return ascii ? text : text.replace(NON_ASCII_ALL, escapeChar);
}
