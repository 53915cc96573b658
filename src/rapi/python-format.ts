/**
 * How Ganeti's RAPI daemon spells things, since our answers must read the same: its JSON
 * (simplejson's `", "`/`": "` separators, ASCII only, a newline at the end), Python's
 * `str()`/`repr()` of the values an error carries, `html.escape` of error messages, and
 * `urllib.parse.parse_qs` for query strings. Pure functions; no I/O.
 */
import { stringifyExactJson } from '../exact-json.js';

// A JSON string token, or one of the separators outside strings.
const JSON_TOKENS = /"(?:[^"\\]|\\.)*"|[,:]/g;
const NON_ASCII = /[\u0080-\uffff]/g;

/**
 * The bytes Ganeti's `serializer.DumpJson` writes for `value`: simplejson with its default
 * separators (`", "` and `": "`), `\uXXXX` for every non-ASCII character, and a final
 * newline. Integers beyond 2^53 (bigint) are written exactly.
 */
export function dumpJson(value: unknown): string {
  let text = toJson(value);
  // Only then walk the value: few answers hold private parameters at all.
  if (text.includes('"osparams_private') || text.includes('"osparams_secret')) text = toJson(hidePrivateValues(value));
  text = text.replace(JSON_TOKENS, (token) => (token === ',' ? ', ' : token === ':' ? ': ' : token));
  text = text.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${text}\n`;
}

function toJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value === undefined ? null : value);
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    text = stringifyExactJson(value);
  }
  return text ?? 'null';
}

/** `constants.PRIVATE_PARAMETERS_BLACKLIST`. */
const PRIVATE_PARAMETERS = new Set(['osparams_private', 'osparams_secret', 'osparams_private_cluster']);

/** `serializer.PrivateDict(v)` as DumpJson then writes it: every value hidden as null. */
function privateDict(v: unknown): unknown {
  if (v === null || v === undefined) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.filter((p) => Array.isArray(p) && p.length === 2).map((p) => [String(p[0]), null]));
  if (typeof v === 'object') return Object.fromEntries(Object.keys(v).map((k) => [k, null]));
  return v;
}

/**
 * What ganeti-rapi's answers show of private parameters: its luxi client wraps every
 * `osparams_private`/`osparams_secret` it reads in a PrivateDict (`serializer.LoadJson`,
 * `WrapPrivateValues`), and DumpJson writes those values as null: `null` becomes `{}`, and
 * `{"pw": "x"}` becomes `{"pw": null}`; `osparams_private_cluster` per OS.
 */
export function hidePrivateValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hidePrivateValues);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!PRIVATE_PARAMETERS.has(k)) out[k] = hidePrivateValues(v);
    else if (!k.endsWith('_cluster')) out[k] = privateDict(v);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([os, params]) => [os, privateDict(params)]));
    } else out[k] = v;
  }
  return out;
}

/** Python's `html.escape(text)` (quote=True): `& < > " '`. */
export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#x27;'));
}

/** Python's `repr()` of a str: single quotes unless the text has `'` and no `"`. */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr()` of a JSON value as simplejson decodes it (lists, dicts, None, True...). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return pyReprString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyReprString(k)}: ${pyRepr(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

function pyFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const s = String(n);
  // Python writes 1e-05 where JavaScript writes 1e-5.
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python's `repr()` of a tuple of these values: `('a', 'b')`, `('a',)`. */
export function pyReprTuple(values: readonly unknown[]): string {
  return values.length === 1 ? `(${pyRepr(values[0])},)` : `(${values.map(pyRepr).join(', ')})`;
}

/**
 * Python's `str(exc)` for an exception raised with `args`: '' for none, `str(arg)` for
 * one, else the tuple's repr. This is the message ganeti-rapi puts in a 500 answer.
 */
export function pyExceptionStr(args: readonly unknown[]): string {
  if (args.length === 0) return '';
  if (args.length === 1) {
    const only = args[0];
    return typeof only === 'string' ? only : pyRepr(only);
  }
  return pyReprTuple(args);
}

/** Python's `type(value).__name__` for a decoded JSON value. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** Python's `int(text)` for a str: optional blanks and sign, digits with single `_` between. */
export function pyInt(text: string): number | undefined {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number((m[2] ?? '').replaceAll('_', ''));
  return m[1] === '-' ? -n : n;
}

function decodeComponent(text: string): string {
  const plus = text.replaceAll('+', ' ');
  // parse_qs decodes %XX as UTF-8 with errors='replace'; keep malformed escapes as written.
  const bytes: number[] = [];
  for (let i = 0; i < plus.length; i++) {
    const c = plus.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(plus.slice(i + 1, i + 3))) {
      bytes.push(parseInt(plus.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(plus[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Python's `urllib.parse.parse_qs(query)`: pairs split on `&`, a pair without `=` or with
 * an empty value dropped, `+` and `%XX` decoded; each name maps to its values in order.
 */
export function parseQs(query: string): Map<string, string[]> {
  const args = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const value = pair.slice(eq + 1);
    if (value === '') continue;
    const name = decodeComponent(pair.slice(0, eq));
    const list = args.get(name);
    if (list) list.push(decodeComponent(value));
    else args.set(name, [decodeComponent(value)]);
  }
  return args;
}
