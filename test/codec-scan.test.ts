import assert from 'node:assert/strict';
import { isAscii, isUtf8 } from 'node:buffer';
import test from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { decodeJson, needsExactParse } from '../src/codec.js';
import { ErrorCodes, ProtocolError } from '../src/errors.js';
import { parseExactJson } from '../src/exact-json.js';

// The pre-parse scan skips strings natively and must still see structure correctly when
// strings hold escaped quotes and backslashes.

test('duplicate keys after strings with escaped quotes and backslashes keep the first value', () => {
  assert.deepEqual(decodeJson('{"a\\"b":1,"s":"x\\\\","a\\"b":2}'), { 'a"b': 1, s: 'x\\' });
  assert.deepEqual(decodeJson('{"k":"\\\\\\"","k":2}'), { k: '\\"' });
  assert.deepEqual(decodeJson('{"t":"\\\\","n":12345678901234567890}'), { t: '\\', n: 12345678901234567890n });
});

test('a brace or colon inside an escaped string is not structure', () => {
  assert.deepEqual(decodeJson('{"a":"\\"{:}[\\"","b":[1]}'), { a: '"{:}["', b: [1] });
});

test('decodes like JSON.parse for objects of strings full of quotes and backslashes', () => {
  const tricky = fc.string({ unit: fc.constantFrom('"', '\\', 'a', '{', ':', '}', '\u00e9', '\u0103', ' ') });
  const value = fc.dictionary(tricky, fc.oneof(tricky, fc.integer(), fc.array(tricky, { maxLength: 4 })), { maxKeys: 8 });
  fc.assert(
    fc.property(fc.array(value, { maxLength: 4 }), (v) => {
      const text = JSON.stringify(v);
      assert.deepEqual(decodeJson(Buffer.from(text)), JSON.parse(text));
    }),
    { numRuns: 500, seed: 20261125 },
  );
});

// ---------------------------------------------------------------------------------------
// The scan against two oracles. Ground truth: the scan must say "exact" whenever JSON.parse
// and parseExactJson disagree on the decoded text. And the scan before the allocation-free
// rewrite (kept below, verbatim, as the oracle only) bounds the false positives: wherever it
// said "native", the scan must too. Depth errors must be the same throws.

/** Runs of the equivalence property; the benchmark script (bench/codec-scan.ts) runs 200,000. */
const EQUIVALENCE_RUNS = Number(process.env['SCAN_EQUIVALENCE_RUNS'] ?? 20_000);
const EQUIVALENCE_SEED = Number(process.env['SCAN_EQUIVALENCE_SEED'] ?? 20261203);

const LEGACY_LINEAR_KEY_LIMIT = 16;
const LEGACY_BIG_INTEGER_DIGITS = 16;

function legacyNeedsExactParse(bytes: Buffer, maxDepth: number): boolean {
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
      if (++digitRun >= LEGACY_BIG_INTEGER_DIGITS) needsExact = true;
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
        if (keys.length - start > LEGACY_LINEAR_KEY_LIMIT) {
          set = new Set(keys.slice(start));
          levelSets[depth - 1] = set;
        }
        break;
      }
    }
  }
  return needsExact;
}

/** The text decodeJson would parse for these bytes (the default 'latin1' policy). */
function textOf(bytes: Buffer): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

/** True when JSON.parse would give something else than the exact parser (or only one of them fails). */
function nativeLosesInformation(text: string): boolean {
  let native: unknown;
  let exact: unknown;
  let nativeFailed = false;
  let exactFailed = false;
  try {
    native = JSON.parse(text);
  } catch {
    nativeFailed = true;
  }
  try {
    exact = parseExactJson(text);
  } catch {
    exactFailed = true;
  }
  if (nativeFailed || exactFailed) return nativeFailed !== exactFailed;
  return !isDeepStrictEqual(native, exact);
}

type Outcome = { verdict: boolean } | { error: string };

function outcomeOf(scan: (bytes: Buffer, maxDepth: number) => boolean, bytes: Buffer, maxDepth: number): Outcome {
  try {
    return { verdict: scan(bytes, maxDepth) };
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `scan threw ${String(err)}`);
    assert.equal(err.code, ErrorCodes.tooDeep);
    return { error: err.message };
  }
}

/** What one input showed, for the benchmark's statistics. */
export interface CheckResult {
  truth: boolean;
  legacy: Outcome;
  scan: Outcome;
}

/** Checks the three rules on one input; throws (an assertion) when one fails. */
export function checkScan(bytes: Buffer, maxDepth: number): CheckResult {
  const legacy = outcomeOf(legacyNeedsExactParse, bytes, maxDepth);
  const scan = outcomeOf(needsExactParse, bytes, maxDepth);
  const truth = nativeLosesInformation(textOf(bytes));
  if ('error' in legacy || 'error' in scan) {
    assert.deepEqual(scan, legacy, 'the same depth error at the same maxDepth');
  } else {
    if (scan.verdict) assert.ok(legacy.verdict, 'no false positive the former scan did not have');
    if (truth) assert.ok(scan.verdict, 'JSON.parse would lose information');
  }
  return { truth, legacy, scan };
}

// Inputs. Keys from a small pool (duplicates happen), escaped and backslashed keys, keys whose
// former hash collides ("Aa" and "BB" hash alike), numbers at the 15/16-digit and exponent
// edges, strings around the 32-byte short-string limit and long ones, non-ASCII and Latin-1.

const ws = fc.constantFrom('', '', '', ' ', '\n  ', '\t');
const collidingKey = fc.array(fc.constantFrom('Aa', 'BB'), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
const keyText = fc.oneof(
  fc.constantFrom('a', 'b', 'name', 'uuid', 'args', 'method', '', 'k1', 'k2', 'é', '\\u0061', 'a\\"b', 'x\\\\', '\\n'),
  collidingKey,
  fc.string({ unit: fc.constantFrom('a', 'b', 'c', '"', '\\', 'é', '{', ':'), maxLength: 40 }).map((s) => JSON.stringify(s).slice(1, -1)),
);
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.constantFrom(
    '999999999999999',
    '9007199254740991',
    '9007199254740993',
    '-9007199254740993',
    '123456789012345.5',
    '0.1234567890123456',
  ),
  fc.constantFrom('1e400', '-1E400', '1e-400', '2.5e+308', '1.5e7', '0.1', '-0', '-0.0', '32768.0', '1700000000.123456', '1E2'),
  fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 40 })).map(([a, b]) => `1${'0'.repeat(a)}.${'5'.repeat(b + 1)}`),
);
const stringText = fc
  .oneof(
    fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '/', '\n', 'é', '中', '😀', '{', '}', '[', ']', ':', ','), maxLength: 80 }),
    fc.tuple(fc.nat({ max: 70 }), fc.constantFrom('', '\\', '"', '\\\\', 'é')).map(([len, tail]) => 'x'.repeat(len) + tail),
    fc.tuple(fc.nat({ max: 3000 }), fc.nat({ max: 3000 })).map(([len, at]) => {
      const s = 'y'.repeat(len);
      return s.slice(0, at % (len + 1)) + '"\\' + s.slice(at % (len + 1));
    }),
  )
  .map((s) => JSON.stringify(s));

const { value: valueText } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null'),
    fc.tuple(fc.array(tie('value'), { maxLength: 5 }), ws).map(([items, w]) => `[${w}${items.join(`,${w}`)}${w}]`),
    fc
      .tuple(fc.array(fc.tuple(keyText, tie('value')), { maxLength: 12 }), ws)
      .map(([entries, w]) => `{${w}${entries.map(([k, v]) => `"${k}"${w}:${w}${v}`).join(`,${w}`)}${w}}`),
  ),
}));

/** Objects with many keys: tables built, doubled, nested, and a Set for hostile colliding keys. */
const manyKeysText = fc
  .record({
    count: fc.integer({ min: 1, max: 400 }),
    style: fc.constantFrom('plain', 'uuid', 'colliding', 'nested'),
    duplicateAt: fc.option(fc.nat(), { nil: undefined }),
    inner: fc.nat({ max: 40 }),
  })
  .map(({ count, style, duplicateAt, inner }) => {
    const name = (i: number): string => {
      if (style === 'colliding') return Array.from({ length: 9 }, (_, b) => ((i >> b) & 1 ? 'Aa' : 'BB')).join('');
      if (style === 'uuid')
        return `${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}-1111-2222-3333-${String(i).padStart(12, '0')}`;
      return `k${i}`;
    };
    const keys = Array.from({ length: count }, (_, i) => name(i));
    if (duplicateAt !== undefined) keys.push(keys[duplicateAt % count] as string);
    const inside = (i: number): string =>
      style === 'nested' ? `{${Array.from({ length: inner }, (_, j) => `"${name(j)}":${i}`).join(',')}}` : String(i);
    return `{${keys.map((k, i) => `"${k}":${inside(i)}`).join(',')}}`;
  });

const nestingText = fc
  .tuple(
    fc.integer({ min: 0, max: 1030 }),
    fc.constantFrom('[', '{"a":', '["[",', '{"\\"":'),
    fc.constantFrom('1', '12345678901234567', '"x"', ''),
    fc.boolean(),
  )
  .map(([depth, open, leaf, closed]) => {
    const close = open.startsWith('[') ? ']' : '}';
    return open.repeat(depth) + leaf + (closed ? close.repeat(depth) : '');
  });

const soupText = fc
  .array(
    fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      '"',
      '\\',
      ':',
      ',',
      '1',
      '12345678',
      'e',
      'E',
      '-',
      '.',
      ' ',
      'a',
      'é',
      '\\u0061',
      '"a"',
      '"k":',
      '"k"',
      'x'.repeat(40),
    ),
    {
      maxLength: 60,
    },
  )
  .map((parts) => parts.join(''));

/** A valid text, then maybe cut short or with a byte inserted, deleted or replaced. */
const mutated = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: valueText }, { weight: 1, arbitrary: manyKeysText }),
    fc.nat(),
    fc.constantFrom('none', 'none', 'cut', 'insert', 'delete', 'replace'),
    fc.constantFrom('"', '\\', '{', '}', '[', ']', ':', ',', '9', 'e', ' '),
  )
  .map(([text, at, how, ch]) => {
    const p = at % (text.length + 1);
    if (how === 'cut') return text.slice(0, p);
    if (how === 'insert') return text.slice(0, p) + ch + text.slice(p);
    if (how === 'delete') return text.slice(0, p) + text.slice(p + 1);
    if (how === 'replace') return text.slice(0, p) + ch + text.slice(p + 1);
    return text;
  });

/** One input: the bytes (UTF-8, or Latin-1 when every character fits: invalid UTF-8) and a maxDepth. */
export const scanInput = fc
  .tuple(
    fc.oneof({ weight: 6, arbitrary: mutated }, { weight: 1, arbitrary: nestingText }, { weight: 2, arbitrary: soupText }),
    fc.constantFrom('utf8', 'utf8', 'utf8', 'latin1'),
    fc.constantFrom(0, 1, 2, 3, 5, 8, 1024, 1024),
  )
  .map(([text, encoding, maxDepth]) => ({
    bytes: Buffer.from(text, encoding === 'latin1' && /^[\u0000-\u00ff]*$/.test(text) ? 'latin1' : 'utf8'),
    maxDepth,
  }));

test(`the scan flags every message JSON.parse would get wrong, and no more than the former scan (${EQUIVALENCE_RUNS} seeded inputs)`, (t) => {
  const seen = { inputs: 0, groundTruth: 0, scan: 0, former: 0, fewerThanFormer: 0, depthErrors: 0, bytes: 0 };
  fc.assert(
    fc.property(scanInput, ({ bytes, maxDepth }) => {
      const r = checkScan(bytes, maxDepth);
      seen.inputs++;
      seen.bytes += bytes.length;
      if ('error' in r.scan) seen.depthErrors++;
      else {
        if (r.truth) seen.groundTruth++;
        if (r.scan.verdict) seen.scan++;
        if ('verdict' in r.legacy && r.legacy.verdict) seen.former++;
        if ('verdict' in r.legacy && r.legacy.verdict && !r.scan.verdict) seen.fewerThanFormer++;
      }
    }),
    { numRuns: EQUIVALENCE_RUNS, seed: EQUIVALENCE_SEED },
  );
  t.diagnostic(
    `inputs ${seen.inputs} (${seen.bytes} bytes): JSON.parse loses information on ${seen.groundTruth}, the scan says exact on ${seen.scan}, ` +
      `the former scan on ${seen.former} (${seen.fewerThanFormer} fewer false positives now), depth errors ${seen.depthErrors}`,
  );
});

test('hostile shapes: the same verdicts and depth errors as the oracles', () => {
  const colliding = (bits: number, i: number): string => Array.from({ length: bits }, (_, b) => ((i >> b) & 1 ? 'Aa' : 'BB')).join('');
  const obj = (keys: string[], value = (i: number): string => String(i)): string =>
    `{${keys.map((k, i) => `"${k}":${value(i)}`).join(',')}}`;
  const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));
  const cases: Array<[string, boolean]> = [
    // 512 keys with one former hash: the table gives way to a Set (the former verdict, true).
    [obj(range(512, (i) => colliding(9, i))), true],
    // Two such keys only: compared byte by byte, they are different keys.
    [obj([colliding(3, 0), colliding(3, 1)]), false],
    [obj(range(5000, (i) => `key-${i}`)), false],
    [obj([...range(5000, (i) => `key-${i}`), 'key-4321']), true],
    // Nested tables: every inner object has 30 keys, the outer one 300.
    [
      obj(
        range(300, (i) => `o${i}`),
        () => obj(range(30, (j) => `i${j}`)),
      ),
      false,
    ],
    [obj([...range(300, (i) => `o${i}`), 'o17'], () => obj(range(30, (j) => `i${j}`))), true],
    [
      obj(
        range(300, (i) => `o${i}`),
        (i) => obj(range(30, (j) => (i === 250 && j === 29 ? 'i3' : `i${j}`))),
      ),
      true,
    ],
    // The same key in sibling objects is no duplicate.
    [`[${range(200, () => obj(range(20, (j) => `s${j}`))).join(',')}]`, false],
    [`{"a":"${'\\\\'.repeat(5000)}","a":1}`, true],
    [`{"a":"${'x'.repeat(100000)}\\"","b":"${'\\"'.repeat(3000)}"}`, false],
    [`{"a":"${'x'.repeat(100000)}`, false],
    [`{"${'k'.repeat(70000)}":1,"${'k'.repeat(69999)}j":2}`, false],
    [`{"${'k'.repeat(70000)}":1,"${'k'.repeat(70000)}":2}`, true],
    [`{"\\u0061":1,"b":2}`, true],
    ['{"é":1,"e":2}', false],
    ['{"é":1,"é":2}', true],
    [`[${'1'.repeat(15)}]`, false],
    [`[${'1'.repeat(16)}]`, true],
    ['[1e5]', true],
    ['["1e400", "1234567890123456"]', false],
  ];
  for (const [text, verdict] of cases) {
    const bytes = Buffer.from(text, 'utf8');
    const result = checkScan(bytes, 1024);
    assert.deepEqual(result.scan, { verdict }, text.slice(0, 80));
  }
  const latin1 = Buffer.from('{"\u00e9":1,"\u00e9":2}', 'latin1');
  assert.deepEqual(checkScan(latin1, 1024).scan, { verdict: true });
});

test('depth: the same error at the same maxDepth, also after the verdict is known and after a throw', () => {
  const deep = (d: number, prefix = ''): Buffer => Buffer.from(`${prefix}${'['.repeat(d)}${']'.repeat(d)}`);
  for (const prefix of ['', '[12345678901234567,', '{"a":1,"a":', '{"\\u0062":']) {
    for (const maxDepth of [1, 2, 7, 1024]) {
      const fits = prefix === '' ? maxDepth : maxDepth - 1;
      assert.doesNotThrow(() => checkScan(deep(fits, prefix), maxDepth));
      const over = checkScan(deep(fits + 1, prefix), maxDepth);
      assert.ok('error' in over.scan && /deeper than/.test(over.scan.error), `${prefix} ${maxDepth}`);
    }
  }
  // (Too deep for the ground truth's comparison: the two scans only.)
  assert.equal(needsExactParse(deep(3000), 0), false);
  assert.equal(legacyNeedsExactParse(deep(3000), 0), false);
  // The scratch state a throw leaves behind does not leak into the next message.
  assert.throws(() => needsExactParse(Buffer.from(`{"a":{"b":${'['.repeat(2000)}`), 1024), ProtocolError);
  assert.equal(needsExactParse(Buffer.from('{"a":1,"b":{"a":2}}'), 1024), false);
  assert.equal(needsExactParse(Buffer.from('{"a":1,"b":{"a":2},"a":3}'), 1024), true);
});

test('decodeJson keeps the first of duplicate keys in large, nested and colliding objects', () => {
  const keys = Array.from({ length: 600 }, (_, i) => `n${i}`);
  const text = `{"outer":{${keys.map((k, i) => `"${k}":${i}`).join(',')},"n599":"late"},"BBBB":1,"AaAa":2,"AaBB":3,"BBAa":4}`;
  const value = decodeJson(text) as { outer: Record<string, unknown> } & Record<string, unknown>;
  assert.equal(value.outer['n599'], 599);
  assert.equal(Object.keys(value.outer).length, 600);
  assert.deepEqual([value['BBBB'], value['AaAa'], value['AaBB'], value['BBAa']], [1, 2, 3, 4]);
});
