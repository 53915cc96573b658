/**
 * Strict readers of Luxi argument values, with the error texts of Haskell's Text.JSON and
 * Ganeti's instances (`fromJVal`, `parseJobId`, `readFilter`, ...), so a parse failure reads
 * like the real luxid's. Pure functions; the method table (methods.ts) composes them.
 */
import { compilePcre, PcreError, type PcreRegex } from './pcre.js';
import type { JobId, QueryFilter } from './types.js';

/** A Luxi request that luxid would refuse to parse. The server answers "Failed to parse request: <message>". */
export class LuxiParseError extends Error {
  override readonly name = 'LuxiParseError';
}

/** Throws a LuxiParseError with `message`. */
export function fail(message: string): never {
  throw new LuxiParseError(message);
}

/**
 * Renders a value as Text.JSON's `pp_value` does (`", "` and `": "` separators), for error
 * texts; `bigint` is written exactly.
 */
export function ppValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(ppValue).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${ppValue(v)}`).join(', ')}}`;
  }
  return String(value);
}

/**
 * Haskell's `show` of a String: double quotes, `\\`, `\"`, control characters by name,
 * and every non-ASCII character as a decimal escape (`\233`), with `\&` where a digit
 * follows a numeric escape. luxid writes key lists and values with it in its error texts.
 */
export function haskellShowString(s: string): string {
  let out = '"';
  let numericBefore = false;
  let shiftOutBefore = false;
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    // `\&` ends an escape that the next character would extend (`\123\&4`, `\SO\&H`).
    if ((numericBefore && ch >= '0' && ch <= '9') || (shiftOutBefore && ch === 'H')) out += '\\&';
    numericBefore = false;
    shiftOutBefore = code === 14;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (HASKELL_ESCAPES[code] !== undefined) out += `\\${HASKELL_ESCAPES[code]}`;
    else {
      out += `\\${code}`;
      numericBefore = true;
    }
  }
  return `${out}"`;
}

/** Haskell's names for control characters in `show` (GHC.Show `showLitChar`). */
const HASKELL_ESCAPES: Readonly<Record<number, string>> = {
  ...Object.fromEntries(
    'NUL SOH STX ETX EOT ENQ ACK a b t n v f r SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US'
      .split(' ')
      .map((name, code) => [code, name]),
  ),
  127: 'DEL',
};

/** Haskell's `show` of a list of strings: `["a","b"]`, no spaces. */
export function haskellShowStrings(list: readonly string[]): string {
  return `[${list.map(haskellShowString).join(',')}]`;
}

/** Ganeti `fromJVal`: runs `read` on `value`, prefixing failures with the value. */
export function fromJVal<T>(value: unknown, read: (v: unknown) => T): T {
  try {
    return read(value);
  } catch (err) {
    if (!(err instanceof LuxiParseError)) throw err;
    return fail(`Cannot convert value '${ppValue(value)}', error: ${err.message}`);
  }
}

/** Ganeti `fromJResult`: prefixes failures with `what: `. */
export function fromJResult<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof LuxiParseError)) throw err;
    return fail(`${what}: ${err.message}`);
  }
}

/** A failed `[a, b] <- fromJVal args` pattern in `decodeLuxiCall` (GHC's wording). */
export function patternFailure(method: string): never {
  return fail(`Pattern match failure in do expression at src/Ganeti/Luxi.hs (${method})`);
}

/** Reads a JSON array of any values (`[JSValue]`). */
export function readArray(v: unknown): unknown[] {
  if (!Array.isArray(v)) fail('Unable to read list');
  return v;
}

/** Reads an array of exactly `n` values (Text.JSON's Pair, Triple; Ganeti's Tuple5). */
export function readTuple(v: unknown, n: 2 | 3 | 5): unknown[] {
  if (!Array.isArray(v) || v.length !== n) fail(`Unable to read ${n === 2 ? 'Pair' : n === 3 ? 'Triple' : 'Tuple5'}`);
  return v;
}

/**
 * Reads a `String` as Text.JSON does (`readJSONs` of Char): a JSON string, or a list of
 * one-character strings, which it joins.
 */
export function readString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) fail('Unable to read String');
  return v
    .map((c) => {
      if (typeof c !== 'string' || [...c].length !== 1) fail('Unable to read Char');
      return c;
    })
    .join('');
}

export function readBool(v: unknown): boolean {
  if (typeof v !== 'boolean') fail('Unable to read Bool');
  return v;
}

/** Haskell rounds half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Reads an `Int`: any JSON number, rounded as Haskell's `round` does (Text.JSON). */
export function readInt(v: unknown): number {
  if (typeof v === 'bigint') {
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    fail(`Integer ${v} is beyond the range this server handles`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) fail('Unable to read Int');
  return roundHalfEven(v);
}

/** Reads a `NonNegative Int`. */
export function readNonNegativeInt(v: unknown): number {
  const n = readInt(v);
  if (n < 0) fail(`Invalid value for non-negative type '${n}'`);
  return n;
}

/** Reads a `Double` (seconds since the epoch for SetWatcherPause). */
export function readDouble(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number') fail('Unable to read Double');
  return v;
}

export function readList<T>(read: (v: unknown) => T): (v: unknown) => T[] {
  return (v) => readArray(v).map(read);
}

export const readStrings = readList(readString);

/** Largest job id luxid can hold (`JobId` is a Haskell `Int`, 64 bits). */
const MAX_JOB_ID = 2n ** 63n - 1n;

/** A job id in canonical form: a number when it is a safe integer, else an exact bigint. */
function makeJobId(n: bigint): JobId {
  if (n < 0n) fail(`Invalid value for job ID ' ${n}'`);
  if (n > MAX_JOB_ID) fail(`Job id ${n} is beyond the range this server handles`);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/**
 * Reads a job id (Ganeti `parseJobId`): a non-negative integer, or a string holding one.
 * Ids up to 2^63-1 are kept exactly: beyond 2^53 they come back as a bigint.
 */
export function readJobId(v: unknown): JobId {
  if (typeof v === 'string') {
    if (!/^\s*-?\d+\s*$/.test(v)) fail(`parsing job id: cannot parse string '${v}'`);
    return makeJobId(BigInt(v.trim()));
  }
  if (typeof v === 'bigint') return makeJobId(v);
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (!Number.isInteger(v)) fail(`Got fractional job ID from master daemon?! Value:${v}`);
    if (!Number.isSafeInteger(v)) fail(`Job id ${v} is beyond the range this server handles`);
    return makeJobId(BigInt(v));
  }
  return fail(`Wrong type/value for job id: ${ppValue(v)}`);
}

/** `null` or a list, else `read` (luxid maps `null` to `[]` for QueryJobs, QueryFilters, QueryFields). */
export function nullAsEmpty<T>(read: (v: unknown) => T[]): (v: unknown) => T[] {
  return (v) => (v === null ? [] : read(v));
}

/** The resources `Query` and `QueryFields` accept (Ganeti `QueryTypeOp` then `QueryTypeLuxi`). */
export const QUERY_RESOURCES = ['cluster', 'instance', 'node', 'group', 'os', 'export', 'network', 'lock', 'job', 'filter'] as const;
const RESOURCE_SET: ReadonlySet<string> = new Set(QUERY_RESOURCES);

/** Reads a query resource (Ganeti `decodeItemType`, Query/Language.hs). */
export function readItemType(v: unknown): string {
  if (typeof v !== 'string') fail(`Invalid value '${ppValue(v)}for query type`);
  // The missing space after "neither" is Ganeti's.
  if (!RESOURCE_SET.has(v)) fail(`Can't parse value '${v}' as neitherQueryTypeLuxi nor QueryTypeOp`);
  return v;
}

/** Tag kinds of `QueryTags` (Ganeti `TagKind`). */
export const TAG_KINDS = ['instance', 'node', 'nodegroup', 'cluster', 'network'] as const;

export function readTagKind(v: unknown): string {
  if (typeof v !== 'string') fail(`Can't parse value '${ppValue(v)}' as a TagKind`);
  if (!(TAG_KINDS as readonly string[]).includes(v)) fail(`Invalid string value for type TagKind: ${JSON.stringify(v)}`);
  return v;
}

/** Query-language operators (Constants.hs `qlangOp*`), by argument shape. */
const LIST_OPS = new Set(['&', '|']);
const FIELD_VALUE_OPS = new Set(['==', '=', '!=', '<', '>', '<=', '>=', '=[]']);

function readFilterValue(v: unknown): void {
  if (typeof v === 'string' || typeof v === 'bigint') return;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) fail(`Cannot deserialise numeric filter value, expecting integral but got a fractional value: ${v}`);
    return;
  }
  fail(`Cannot deserialise filter value, expecting string or integer, got ${ppValue(v)}`);
}

/**
 * Compiles an `=~` pattern as luxid does (PCRE, see pcre.ts).
 * @throws LuxiParseError with luxid's text for a pattern PCRE refuses: `show` of libpcre's
 *   (offset, message) pair, e.g. `(1,"missing )")` (Language.hs `mkRegex` fails with it).
 */
export function compileFilterRegex(pattern: string): PcreRegex {
  try {
    return compilePcre(pattern);
  } catch (err) {
    if (err instanceof PcreError) fail(`(${err.offset},${haskellShowString(err.reason)})`);
    throw err;
  }
}

/** Checks a query filter (Ganeti `readFilter`, Query/Language.hs) and returns it unchanged. */
export function readFilter(v: unknown): QueryFilter {
  if (v === null) return null;
  if (!Array.isArray(v) || typeof v[0] !== 'string') {
    fail(`Cannot deserialise filter: expected array [string, args], got ${ppValue(v)}`);
  }
  const [op, ...args] = v as [string, ...unknown[]];
  if (LIST_OPS.has(op)) {
    args.forEach(readFilter);
  } else if (op === '!') {
    if (args.length !== 1) fail(`Cannot deserialise field, expected [filter] but got ${ppValue(args)}`);
    readFilter(args[0]);
  } else if (op === '?') {
    if (args.length !== 1) fail(`Cannot deserialise field, expected [fieldname] but got ${ppValue(args)}`);
    readString(args[0]);
  } else if (FIELD_VALUE_OPS.has(op) || op === '=~') {
    if (args.length !== 2) fail(`Cannot deserialise field/value pair, expected [fieldname, value] but got ${ppValue(args)}`);
    readString(args[0]);
    if (op === '=~') {
      compileFilterRegex(readString(args[1]));
    } else {
      readFilterValue(args[1]);
    }
  } else {
    fail(`Unknown filter operand '${op}'`);
  }
  return v;
}

/** Reads a filter rule predicate (Ganeti `FilterPredicate`): `["jobid"|"opcode"|"reason", filter]`. */
export function readFilterPredicate(v: unknown): unknown {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string') {
    if (!['jobid', 'opcode', 'reason'].includes(v[0])) fail(`malformed FilterPredicate: bad parameter list for ${v[0]}`);
    readFilter(v[1]);
    return v;
  }
  return fail('malformed FilterPredicate: must be a list with the first entry being a string describing the predicate type');
}

/** Reads a filter rule action (Ganeti `FilterAction`): a name, or `["RATE_LIMIT", n > 0]`. */
export function readFilterAction(v: unknown): unknown {
  if (v === 'ACCEPT' || v === 'PAUSE' || v === 'REJECT' || v === 'CONTINUE') return v;
  if (Array.isArray(v) && v[0] === 'RATE_LIMIT') {
    const n = v[1];
    if (v.length === 2 && typeof n === 'number' && Number.isInteger(n) && n > 0) return v;
    fail('RATE_LIMIT argument must be a positive integer');
  }
  return fail(`malformed FilterAction JSON: ${ppValue(v)}`);
}

/** Reads a reason trail (Ganeti `ReasonTrail`): `[[source, reason, timestamp-integer], ...]`. */
export function readReasonTrail(v: unknown): unknown[] {
  return readArray(v).map((elem) => {
    const [source, reason, ts] = readTuple(elem, 3);
    readString(source);
    readString(reason);
    if (typeof ts !== 'bigint' && !(typeof ts === 'number' && Number.isInteger(ts))) fail('Unable to read Integer');
    return elem;
  });
}
