/**
 * Piecewise JSON encoding for large values: the same text as `encodeJson`, produced as
 * pieces of about `pieceChars` characters, so a writer can send a large answer without
 * ever holding its whole text (perf-notes lesson 3). Large arrays near the top are cut
 * into slices that the native encoder handles; the rest goes through `encodeJson`.
 */
import { encodeJson } from './codec.js';

/** Elements of one array slice encoded at once. */
const SLICE_ELEMENTS = 512;
/** How deep objects and arrays are opened to find large arrays. */
const OPEN_DEPTH = 3;

/** Default for `minElements`: values with fewer elements and members near the top are encoded whole. */
export const DEFAULT_PIECEWISE_MIN_ELEMENTS = 4096;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * Counts array elements and object members of `value` and of its children (two levels:
 * enough to see a Query result's rows or a config's instance map), stopping past `limit`.
 */
function membersNearTop(value: unknown, depth: number, limit: number): number {
  let count = 0;
  if (Array.isArray(value)) {
    count = value.length;
    if (depth === 0) {
      for (let i = 0; i < value.length && count < limit; i++) {
        const item: unknown = value[i];
        if (typeof item === 'object' && item !== null) count += membersNearTop(item, 1, limit - count);
      }
    }
  } else if (isPlainObject(value)) {
    for (const key in value) {
      count++;
      if (depth === 0 && count < limit) {
        const item = value[key];
        if (typeof item === 'object' && item !== null) count += membersNearTop(item, 1, limit - count);
      }
      if (count >= limit) break;
    }
  }
  return count;
}

/**
 * True when `value` and its children hold at least `minElements` array elements and
 * object members together: the cheap test for "worth encoding piecewise".
 */
export function isLargeJsonValue(value: unknown, minElements = DEFAULT_PIECEWISE_MIN_ELEMENTS): boolean {
  return membersNearTop(value, 0, minElements) >= minElements;
}

/** True for an object with more than SLICE_ELEMENTS members (arrays are sliced instead). */
function hasManyMembers(value: object): boolean {
  if (Array.isArray(value)) return false;
  let n = 0;
  for (const _key in value) if (++n > SLICE_ELEMENTS) return true;
  return false;
}

function* parts(value: unknown, depth: number): Generator<string> {
  if (depth < OPEN_DEPTH && Array.isArray(value) && value.length > SLICE_ELEMENTS) {
    yield '[';
    for (let i = 0; i < value.length; i += SLICE_ELEMENTS) {
      const slice = value.slice(i, i + SLICE_ELEMENTS);
      // An array's holes and undefined elements encode as null, as JSON.stringify does.
      const text = encodeJson(slice);
      yield (i === 0 ? '' : ',') + text.slice(1, -1);
    }
    yield ']';
    return;
  }
  if (depth < OPEN_DEPTH && (Array.isArray(value) || isPlainObject(value)) && (depth === 0 || hasManyMembers(value))) {
    const isArray = Array.isArray(value);
    yield isArray ? '[' : '{';
    let first = true;
    const entries: Array<[string, unknown]> = isArray ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    for (const [key, item] of entries) {
      const encodable = item !== undefined && typeof item !== 'function' && typeof item !== 'symbol';
      if (!isArray && !encodable) continue;
      yield (first ? '' : ',') + (isArray ? '' : encodeJson(key) + ':');
      first = false;
      if (encodable) yield* parts(item, depth + 1);
      else yield 'null';
    }
    yield isArray ? ']' : '}';
    return;
  }
  yield encodeJson(value);
}

/**
 * Encodes `value` as `encodeJson` would, as pieces of roughly `pieceChars` characters
 * (a piece can be larger when one element alone is). Lazy: each piece is made when asked
 * for. Throws as `encodeJson` does, possibly after some pieces were produced.
 */
export function* encodeJsonPieces(value: unknown, pieceChars = 1 << 20): Generator<string> {
  let pending = '';
  for (const part of parts(value, 0)) {
    pending += part;
    if (pending.length >= pieceChars) {
      yield pending;
      pending = '';
    }
  }
  if (pending.length > 0) yield pending;
}
