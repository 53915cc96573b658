/**
 * Ganeti's query filter language (qlang) for the demo luxid: parsing a JSON filter
 * (Query/Language.hs `readFilter`), compiling it against a field table (unknown field =>
 * ParameterError) and evaluating it per item (Query/Filter.hs). Building filters is the
 * Luxi client's business, not this module's.
 */
import { ParameterError } from '../errors.js';
import { compileFilterRegex, LuxiParseError } from '../protocols/luxi/decode.js';
import type { PcreRegex } from '../protocols/luxi/pcre.js';
import type { QueryCell } from '../protocols/luxi/types.js';
import type { FieldSpec, QueryContext } from './fields.js';

/**
 * A request that luxid would have refused to parse, found while answering (unknown
 * resource, malformed filter or opcode). It is the Luxi dispatch's LuxiParseError, so the
 * client gets the plain string `"Failed to parse request: " + message` (spec §2.1). Its
 * message reads like Ganeti's `fromJVal` failures: `Cannot convert value '...', error: ...`.
 */
export class DemoParseError extends LuxiParseError {
  readonly code = 'UDS_ERR_LUXI_PARSE';
  constructor(value: unknown, reason: string) {
    super(`Cannot convert value '${show(value)}', error: ${reason}`);
  }
}

/** A filter value: Ganeti's `QuotedString` or `NumericValue` (integers only). */
export type FilterValue = string | number | bigint;

/** A parsed filter; field references are names until compiled. */
export type Filter =
  | { op: 'empty' }
  | { op: 'and' | 'or'; args: Filter[] }
  | { op: 'not'; arg: Filter }
  | { op: 'true'; field: string }
  | { op: '==' | '<' | '>' | '<=' | '>='; field: string; value: FilterValue }
  | { op: '=~'; field: string; re: PcreRegex }
  | { op: '=[]'; field: string; value: FilterValue };

/** Compact JSON for messages (bigints as digits). */
export function show(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

function readValue(all: unknown, v: unknown): FilterValue {
  if (typeof v === 'string' || typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) {
      throw new DemoParseError(all, `Cannot deserialise numeric filter value, expecting integral but got a fractional value: ${v}`);
    }
    return v;
  }
  throw new DemoParseError(all, `Cannot deserialise filter value, expecting string or integer, got ${show(v)}`);
}

function readField(all: unknown, v: unknown): string {
  if (typeof v !== 'string') throw new DemoParseError(all, `Unable to read String from ${show(v)}`);
  return v;
}

const COMPARISONS = new Set(['==', '=', '<', '>', '<=', '>=', '!=', '=~', '=[]']);

/**
 * Parses a JSON filter (`null` or `[op, args...]`).
 * @throws DemoParseError for anything luxid would fail to decode: unknown operators, wrong
 *   arity, non-integral numbers, invalid regular expressions.
 */
export function parseFilter(json: unknown, all: unknown = json): Filter {
  if (json === null) return { op: 'empty' };
  if (!Array.isArray(json) || typeof json[0] !== 'string') {
    throw new DemoParseError(all, `Cannot deserialise filter: expected array [string, args], got ${show(json)}`);
  }
  const [op, ...args] = json as [string, ...unknown[]];
  switch (op) {
    case '&':
    case '|':
      return { op: op === '&' ? 'and' : 'or', args: args.map((a) => parseFilter(a, all)) };
    case '!':
      if (args.length !== 1) throw new DemoParseError(all, `Cannot deserialise field, expected [filter] but got ${show(args)}`);
      return { op: 'not', arg: parseFilter(args[0], all) };
    case '?':
      if (args.length !== 1) throw new DemoParseError(all, `Cannot deserialise field, expected [fieldname] but got ${show(args)}`);
      return { op: 'true', field: readField(all, args[0]) };
    default:
      break;
  }
  if (!COMPARISONS.has(op)) throw new DemoParseError(all, `Unknown filter operand '${op}'`);
  if (args.length !== 2) {
    throw new DemoParseError(all, `Cannot deserialise field/value pair, expected [fieldname, value] but got ${show(args)}`);
  }
  const fieldName = readField(all, args[0]);
  if (op === '=~') {
    if (typeof args[1] !== 'string') throw new DemoParseError(all, `Unable to read String from ${show(args[1])}`);
    try {
      return { op: '=~', field: fieldName, re: compileFilterRegex(args[1]) };
    } catch (err) {
      if (err instanceof LuxiParseError) throw new DemoParseError(all, err.message);
      throw err;
    }
  }
  const value = readValue(all, args[1]);
  if (op === '=[]') return { op: '=[]', field: fieldName, value };
  // "=" is the legacy spelling of "=="; "!=" is "not ==" (Language.hs readFilterArray).
  if (op === '=' || op === '==') return { op: '==', field: fieldName, value };
  if (op === '!=') return { op: 'not', arg: { op: '==', field: fieldName, value } };
  return { op: op as '<' | '>' | '<=' | '>=', field: fieldName, value };
}

/** Every field a filter mentions, in order, without duplicates (Ganeti `filterArguments`). */
export function filterFields(f: Filter): string[] {
  const out: string[] = [];
  const walk = (x: Filter): void => {
    switch (x.op) {
      case 'empty':
        return;
      case 'and':
      case 'or':
        x.args.forEach(walk);
        return;
      case 'not':
        walk(x.arg);
        return;
      default:
        if (!out.includes(x.field)) out.push(x.field);
    }
  };
  walk(f);
  return out;
}

/**
 * The names a filter asks for when it is only `==` on `nameField` joined by `|`
 * (Ganeti `requestedNames`); `null` for any other filter, `[]` for the empty one.
 */
export function requestedNames(f: Filter, nameField: string): FilterValue[] | null {
  if (f.op === 'empty') return [];
  if (f.op === '==') return f.field === nameField ? [f.value] : null;
  if (f.op === 'or') {
    const out: FilterValue[] = [];
    for (const a of f.args) {
      const r = requestedNames(a, nameField);
      if (r === null) return null;
      out.push(...r);
    }
    return out;
  }
  return null;
}

/**
 * Checks that every field the filter mentions exists.
 * @throws ParameterError "Can't find field named 'x'" (Filter.hs `compileFilter`).
 */
export function checkFilterFields<T>(f: Filter, fields: ReadonlyMap<string, FieldSpec<T>>): void {
  for (const name of filterFields(f)) {
    if (!fields.has(name)) throw new ParameterError(`Can't find field named '${name}'`);
  }
}

/** Haskell `show` of a FilterValue, for error messages. */
function showValue(v: FilterValue): string {
  return typeof v === 'string' ? `QuotedString ${JSON.stringify(v)}` : `NumericValue ${v}`;
}

/** `compareNameComponent`: exact, or `lookup` is the name's first dot-separated components. */
export function nameMatches(name: string, lookup: string): boolean {
  return name === lookup || (name.startsWith(lookup) && name[lookup.length] === '.');
}

function compare(op: '==' | '<' | '>' | '<=' | '>=', actual: unknown, expected: FilterValue): boolean {
  let a: string | number | bigint;
  let e: string | number | bigint;
  if (typeof expected === 'string' && typeof actual === 'string') {
    a = actual;
    e = expected;
  } else if (typeof expected !== 'string' && (typeof actual === 'number' || typeof actual === 'bigint')) {
    const bothInt = typeof actual === 'bigint' || Number.isInteger(actual);
    a = bothInt ? BigInt(actual) : actual;
    e = bothInt ? BigInt(expected) : Number(expected);
  } else {
    throw new ParameterError(`Invalid types in comparison, trying to compare ${show(actual)} with '${showValue(expected)}'`);
  }
  switch (op) {
    case '==':
      return a === e;
    case '<':
      return a < e;
    case '>':
      return a > e;
    case '<=':
      return a <= e;
    case '>=':
      return a >= e;
  }
}

function leaf<T>(f: Exclude<Filter, { op: 'empty' | 'and' | 'or' | 'not' }>, spec: FieldSpec<T>, cell: QueryCell): boolean {
  // A cell without data lets the item pass (Filter.hs `wrapGetter`: "filter has no data to work").
  if (cell[0] !== 0) return true;
  let v = cell[1];
  if (spec.mode === 'timestamp' && Array.isArray(v)) v = v[0];
  switch (f.op) {
    case 'true':
      if (typeof v !== 'boolean') throw new ParameterError(`Unexpected value '${show(v)}' in boolean context`);
      return v;
    case '=~':
      if (typeof v !== 'string') {
        throw new ParameterError(`Invalid field value used in regexp matching, expecting string but got '${show(v)}'`);
      }
      return f.re.test(v);
    case '=[]': {
      const wantString = typeof f.value === 'string';
      if (!Array.isArray(v) || !v.every((x) => (wantString ? typeof x === 'string' : Number.isInteger(x) || typeof x === 'bigint'))) {
        throw new ParameterError(`Cannot convert value '${show(v)}', error: Unable to read list of ${wantString ? 'String' : 'Integer'}`);
      }
      return v.some((x) => (wantString ? x === f.value : BigInt(x as number) === BigInt(f.value)));
    }
    case '==':
      if (spec.mode === 'hostname' && typeof v === 'string' && typeof f.value === 'string') return nameMatches(v, f.value);
      return compare('==', v, f.value);
    default:
      return compare(f.op, v, f.value);
  }
}

/**
 * Evaluates a filter on one item. Fields must have been checked with {@link checkFilterFields}.
 * @throws ParameterError on type mismatches, as Ganeti does.
 */
export function evaluateFilter<T>(f: Filter, item: T, ctx: QueryContext, fields: ReadonlyMap<string, FieldSpec<T>>): boolean {
  switch (f.op) {
    case 'empty':
      return true;
    case 'and':
      return f.args.every((a) => evaluateFilter(a, item, ctx, fields));
    case 'or':
      return f.args.some((a) => evaluateFilter(a, item, ctx, fields));
    case 'not':
      return !evaluateFilter(f.arg, item, ctx, fields);
    default: {
      const spec = fields.get(f.field);
      if (!spec) throw new ParameterError(`Can't find field named '${f.field}'`);
      return leaf(f, spec, spec.get(item, ctx));
    }
  }
}
