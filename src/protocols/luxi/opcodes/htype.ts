/**
 * Haskell types of opcode parameters, as the opcode table writes them (`Maybe [NonEmptyString]`,
 * `GenericContainer String (JSObject JSValue)`): a small parser to a type tree, and a reader
 * per tree that checks a JSON value as luxid's `readJSON` instances do, with their error
 * texts, and returns the value as luxid stores it again (`showJSON . readJSON`). Named
 * types (enums, Ganeti's objects) are defined in named-types.ts.
 */
import { LuxiParseError, fail, ppValue } from '../decode.js';

/** A parsed Haskell type: a constructor applied to arguments, a list, or a tuple (`()` has none). */
export type HType =
  | { readonly kind: 'con'; readonly name: string; readonly args: readonly HType[] }
  | { readonly kind: 'list'; readonly elem: HType }
  | { readonly kind: 'tuple'; readonly elems: readonly HType[] };

/** Reads one JSON value; throws LuxiParseError with Text.JSON's text; returns the stored form. */
export type ValueReader = (value: unknown) => unknown;

const TOKEN = /\s*([A-Za-z_][A-Za-z0-9_'.]*|[()[\],])/y;

/** Parses `text` as a Haskell type. @throws TypeError for text that is not one (a table bug). */
export function parseHType(text: string): HType {
  const tokens: string[] = [];
  let end = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    tokens.push(m[1] as string);
    end = TOKEN.lastIndex;
  }
  if (text.slice(end).trim() !== '') throw new TypeError(`not a Haskell type: ${text}`);
  let at = 0;
  const peek = () => tokens[at];
  const expect = (t: string) => {
    if (tokens[at] !== t) throw new TypeError(`not a Haskell type: ${text} (expected ${t} at token ${at})`);
    at++;
  };
  const atom = (): HType | undefined => {
    const t = peek();
    if (t === '[') {
      at++;
      const elem = type();
      expect(']');
      return { kind: 'list', elem };
    }
    if (t === '(') {
      at++;
      if (peek() === ')') {
        at++;
        return { kind: 'tuple', elems: [] };
      }
      const elems = [type()];
      while (peek() === ',') {
        at++;
        elems.push(type());
      }
      expect(')');
      return elems.length === 1 ? elems[0] : { kind: 'tuple', elems };
    }
    if (t !== undefined && /^[A-Za-z_]/.test(t)) {
      at++;
      // A module qualifier (`Qlang.QueryTypeOp`) names the same type.
      return { kind: 'con', name: t.slice(t.lastIndexOf('.') + 1), args: [] };
    }
    return undefined;
  };
  const type = (): HType => {
    const head = atom();
    if (!head) throw new TypeError(`not a Haskell type: ${text} (at token ${at})`);
    if (head.kind !== 'con') return head;
    const args: HType[] = [];
    for (let a = atom(); a; a = atom()) args.push(a);
    return args.length === 0 ? head : { kind: 'con', name: head.name, args };
  };
  const result = type();
  if (at !== tokens.length) throw new TypeError(`not a Haskell type: ${text} (trailing tokens)`);
  return result;
}

/** Renders a type tree back in Haskell syntax (for messages and docs). */
export function showHType(t: HType): string {
  switch (t.kind) {
    case 'list':
      return `[${showHType(t.elem)}]`;
    case 'tuple':
      return `(${t.elems.map(showHType).join(', ')})`;
    case 'con':
      return [t.name, ...t.args.map((a) => (a.kind === 'con' && a.args.length > 0 ? `(${showHType(a)})` : showHType(a)))].join(' ');
  }
}

/** How a named type reads: given readers for its type arguments, a reader. */
export type NamedTypeReader = (args: readonly ValueReader[], argTypes: readonly HType[]) => ValueReader;

/** Text.JSON's names of tuple instances by size (`mkError "Unable to read Pair"`). */
const TUPLE_NAMES: Readonly<Record<number, string>> = { 2: 'Pair', 3: 'Triple', 4: 'Quadruple', 5: 'Tuple5' };

/** Reads a tuple as Text.JSON does: an array of exactly that many values. */
export function tupleReader(elems: readonly ValueReader[]): ValueReader {
  if (elems.length === 0) {
    // `()`: Text.JSON reads the unit from an empty array.
    return (v) => {
      if (!Array.isArray(v) || v.length !== 0) fail('Unable to read ()');
      return [];
    };
  }
  const name = TUPLE_NAMES[elems.length] ?? `${elems.length}-tuple`;
  return (v) => {
    if (!Array.isArray(v) || v.length !== elems.length) fail(`Unable to read ${name}`);
    return elems.map((read, i) => read(v[i]));
  };
}

/** Reads a Haskell list (`readJSONList`): an array, each element read. */
export function listReader(elem: ValueReader): ValueReader {
  return (v) => {
    if (!Array.isArray(v)) fail('Unable to read list');
    return v.map(elem);
  };
}

/**
 * Compiles readers for type trees over a table of named types. Readers are cached by the
 * type's text, so each parameter type is compiled once.
 */
export class TypeReaders {
  readonly #named: ReadonlyMap<string, NamedTypeReader>;
  readonly #cache = new Map<string, ValueReader>();

  constructor(named: ReadonlyMap<string, NamedTypeReader>) {
    this.#named = named;
  }

  /** The reader for `type` (Haskell text or tree). @throws TypeError for a type no table entry defines. */
  reader(type: string | HType): ValueReader {
    const tree = typeof type === 'string' ? parseHType(type) : type;
    const key = showHType(tree);
    let read = this.#cache.get(key);
    if (!read) {
      read = this.#compile(tree);
      this.#cache.set(key, read);
    }
    return read;
  }

  /** Whether every named type in `type` is known. */
  knows(type: string | HType): boolean {
    const tree = typeof type === 'string' ? parseHType(type) : type;
    switch (tree.kind) {
      case 'list':
        return this.knows(tree.elem);
      case 'tuple':
        return tree.elems.every((e) => this.knows(e));
      case 'con':
        return this.#named.has(tree.name) && tree.args.every((a) => this.knows(a));
    }
  }

  #compile(t: HType): ValueReader {
    switch (t.kind) {
      case 'list':
        return listReader(this.reader(t.elem));
      case 'tuple':
        return tupleReader(t.elems.map((e) => this.reader(e)));
      case 'con': {
        const named = this.#named.get(t.name);
        if (!named) throw new TypeError(`no reader for the Haskell type ${t.name}`);
        return named(
          t.args.map((a) => this.reader(a)),
          t.args,
        );
      }
    }
  }
}

/**
 * `readJSONWithDesc name`: a failure of `read` becomes "Can't parse value for 'name': ...".
 * Only parse errors are rewrapped; anything else propagates.
 */
export function withDesc(name: string, read: ValueReader): ValueReader {
  return (v) => {
    try {
      return read(v);
    } catch (err) {
      if (err instanceof LuxiParseError) fail(`Can't parse value for '${name}': ${err.message}`);
      throw err;
    }
  };
}

export { ppValue };
