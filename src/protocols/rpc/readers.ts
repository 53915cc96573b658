/**
 * Argument readers for generic RPC methods: each checks one JSON argument the way
 * Haskell's `Text.JSON.readJSON` does for the matching type, and fails with the same
 * text ("Unable to read String", ...), which the dispatcher prefixes with "RPC input: ".
 * Pure functions; no I/O.
 */

/** The failure of a reader: its message is the Text.JSON text, without the "RPC input: " prefix. */
export class RpcInputError extends Error {
  override readonly name = 'RpcInputError';
}

/**
 * Reads one JSON argument: returns the (possibly converted) value or throws
 * {@link RpcInputError} with the text Haskell would give.
 */
export type RpcArgReader<T = unknown> = (value: unknown) => T;

function fail(text: string): never {
  throw new RpcInputError(text);
}

/**
 * A Haskell `String`: a JSON string. Like Text.JSON, it also accepts a list of
 * one-character strings and joins them (the real wconfd answers `echo [["a","b"]]` with
 * `"ab"`), and rejects any other element with "Unable to read Char".
 */
export const readString: RpcArgReader<string> = (value) => {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    let out = '';
    for (const element of value) {
      if (typeof element !== 'string' || [...element].length !== 1) fail('Unable to read Char');
      out += element;
    }
    return out;
  }
  return fail('Unable to read String');
};

/** A Haskell `Bool`: a JSON `true` or `false`. */
export const readBool: RpcArgReader<boolean> = (value) => (typeof value === 'boolean' ? value : fail('Unable to read Bool'));

/** Haskell's `round`: to the nearest integer, halves to the even neighbour (2.5 gives 2). */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function readIntegral(typeName: string): RpcArgReader<number | bigint> {
  return (value) => {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number') return Number.isInteger(value) ? value : roundHalfEven(value);
    return fail(`Unable to read ${typeName}`);
  };
}

/**
 * A Haskell `Int`: any JSON number, rounded as Haskell's `round` does (the real wconfd
 * takes `1.5` for an Int). Big integers arrive as bigint and are kept.
 */
export const readInt: RpcArgReader<number | bigint> = readIntegral('Int');

/** A Haskell `Integer`: as {@link readInt}, with Integer's error text. */
export const readInteger: RpcArgReader<number | bigint> = readIntegral('Integer');

/** A Haskell `Double`: any JSON number. */
export const readDouble: RpcArgReader<number> = (value) => {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return fail('Unable to read Double');
};

/** Any JSON value, unchecked (Haskell `JSValue`). */
export const readAny: RpcArgReader<unknown> = (value) => value;

/** A Haskell list `[a]`: a JSON array whose every element `element` reads. */
export function readList<T>(element: RpcArgReader<T>): RpcArgReader<T[]> {
  return (value) => (Array.isArray(value) ? value.map((v) => element(v)) : fail('Unable to read list'));
}

/** Ganeti's `MaybeForJSON a`: `null`, or what `inner` reads. */
export function readMaybe<T>(inner: RpcArgReader<T>): RpcArgReader<T | null> {
  return (value) => (value === null ? null : inner(value));
}

/** The Text.JSON text for a wrong-shaped argument list of `arity` elements. */
export function arityErrorText(arity: number): string {
  switch (arity) {
    case 0:
      return 'Unable to read ()';
    case 1:
      return 'Unable to read 1 tuple'; // Ganeti's OneTuple, THH/Types.hs
    case 2:
      return 'Unable to read Pair';
    case 3:
      return 'Unable to read Triple';
    default:
      // Text.JSON has tuples up to 4 ("Unable to read 4 tuple"); no WConfd method has more.
      return `Unable to read ${arity} tuple`;
  }
}
