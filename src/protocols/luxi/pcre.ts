/**
 * luxid's `=~` patterns: PCRE 8.x syntax translated to a JavaScript RegExp, with luxid's
 * semantics. luxid compiles with regex-pcre's `makeRegexM` (Query/Language.hs `mkRegex`):
 * default options (multiline), no UTF-8 mode, pattern and subject handed over as UTF-8 bytes.
 * So this module works on bytes: a pattern or subject becomes a string of chars 0-255 (its
 * UTF-8 bytes), every class is a set of bytes, and only ASCII letters fold case (PCRE's C-locale
 * tables). Error offsets are byte offsets, and messages are PCRE's own where PCRE fails; what
 * PCRE accepts but JavaScript cannot express is refused, naming the construct.
 * Formatting the error for the wire is decode.ts's job.
 */

/** A pattern PCRE (or this translation) refuses: PCRE's byte offset and message. */
export class PcreError extends Error {
  override readonly name = 'PcreError';
  readonly code = 'UDS_ERR_PCRE';
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${reason} at offset ${offset}`);
  }
}

/** A compiled pattern. */
export interface PcreRegex {
  /** The pattern as given. */
  readonly pattern: string;
  /** The JavaScript RegExp source; it runs on the subject's UTF-8 bytes as chars 0-255 (see {@link utf8Bytes}). */
  readonly source: string;
  /** Whether PCRE would find a match anywhere in `subject` (Ganeti `PCRE.match`). */
  test(subject: string): boolean;
}

/** PCRE compile options the caller may change; defaults are luxid's. */
export interface PcreOptions {
  /** `^`/`$` at line breaks. Default: true (regex-pcre's `defaultCompOpt` is `compMultiline`). */
  multiline?: boolean;
}

/** The UTF-8 bytes of `s`, one char per byte (what regex-pcre hands to libpcre). */
export function utf8Bytes(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/**
 * Compiles a PCRE pattern as luxid does.
 * @throws PcreError with PCRE's offset and message for a pattern libpcre refuses, or one
 *   naming a construct the translation cannot take (recursion, conditionals, verbs, ...).
 */
export function compilePcre(pattern: string, options: PcreOptions = {}): PcreRegex {
  // regex-pcre passes a NUL-terminated C string: the pattern ends at the first NUL.
  const bytes = utf8Bytes(pattern).split('\0')[0] ?? '';
  const source = new Translator(bytes, options.multiline ?? true).translate();
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (err) {
    throw new PcreError(0, `ganeti-uds could not translate this pattern (${(err as Error).message})`);
  }
  return { pattern, source, test: (subject) => re.test(utf8Bytes(subject)) };
}

/** Sets of bytes, as 256 flags. */
type ByteSet = boolean[];
const setOf = (pred: (b: number) => boolean): ByteSet => Array.from({ length: 256 }, (_, b) => pred(b));
const inv = (s: ByteSet): ByteSet => s.map((x) => !x);
const isUpper = (b: number) => b >= 0x41 && b <= 0x5a;
const isLower = (b: number) => b >= 0x61 && b <= 0x7a;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isAlpha = (b: number) => isUpper(b) || isLower(b);
const isWord = (b: number) => isAlpha(b) || isDigit(b) || b === 0x5f;
const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/** PCRE's POSIX classes in the C locale. */
const POSIX: Readonly<Record<string, (b: number) => boolean>> = {
  alpha: isAlpha,
  lower: isLower,
  upper: isUpper,
  alnum: (b) => isAlpha(b) || isDigit(b),
  ascii: (b) => b < 0x80,
  blank: (b) => b === 0x20 || b === 0x09,
  cntrl: (b) => b < 0x20 || b === 0x7f,
  digit: isDigit,
  graph: (b) => b > 0x20 && b < 0x7f,
  print: (b) => b >= 0x20 && b < 0x7f,
  punct: (b) => b > 0x20 && b < 0x7f && !isAlpha(b) && !isDigit(b),
  space: isSpace,
  word: isWord,
  xdigit: (b) => isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66),
};

/** Backslash classes (PCRE 8.39, 8-bit, non-UTF: `\s` includes VT, `\h` and `\v` include 0xA0 / 0x85). */
const ESCAPE_SETS: Readonly<Record<string, (b: number) => boolean>> = {
  d: isDigit,
  s: isSpace,
  w: isWord,
  h: (b) => b === 0x09 || b === 0x20 || b === 0xa0,
  v: (b) => (b >= 0x0a && b <= 0x0d) || b === 0x85,
};

/** A Unicode property of bytes read as Latin-1 code points (PCRE without UTF uses the byte value). */
function propertySet(name: string): ByteSet | undefined {
  const special: Record<string, string> = { 'L&': '[\\p{Lu}\\p{Ll}\\p{Lt}]', Any: '[^]', Xan: '[\\p{L}\\p{N}]', Xwd: '[\\p{L}\\p{N}_]' };
  const space = '[\\p{Z}\\t\\n\\v\\f\\r]';
  const src = special[name] ?? (name === 'Xsp' || name === 'Xps' ? space : undefined);
  for (const s of src !== undefined ? [src] : [`\\p{${name}}`, `\\p{Script=${name}}`]) {
    try {
      const re = new RegExp(`^${s}$`, 'u');
      return setOf((b) => re.test(String.fromCharCode(b)));
    } catch {
      // not this kind of name
    }
  }
  return undefined;
}

type Node =
  | { t: 'set'; set: ByteSet }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; branches: Node[] }
  | { t: 'group'; kind: 'cap' | 'non' | 'atomic' | '?=' | '?!' | '?<=' | '?<!'; num?: number; body: Node }
  | { t: 'quant'; body: Node; min: number; max: number; mode: 'greedy' | 'lazy' | 'possessive' }
  | { t: 'assert'; js: string }
  | { t: 'ref'; num: number; name?: string; at: number }
  | { t: 'raw'; js: string; len: number | null };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  U: boolean;
  X: boolean;
  J: boolean;
}

/** A class escape or literal inside `[...]`: a byte (may start a range) or a set. */
type ClassItem = { byte: number } | { set: ByteSet };

const MAX_REPEAT = 65535;

/** PCRE's parser, building a Node tree and then the RegExp source. */
class Translator {
  readonly #p: string;
  #pos = 0;
  #flags: Flags;
  #groups = 0;
  readonly #names = new Map<string, number>();
  readonly #refs: Extract<Node, { t: 'ref' }>[] = [];

  constructor(pattern: string, multiline: boolean) {
    this.#p = pattern;
    this.#flags = { i: false, m: multiline, s: false, x: false, U: false, X: false, J: false };
  }

  translate(): string {
    const tree = this.#alternation();
    if (this.#pos < this.#p.length) throw new PcreError(this.#pos, 'unmatched parentheses');
    for (const ref of this.#refs) {
      if (ref.name !== undefined) {
        const num = this.#names.get(ref.name);
        if (num === undefined) throw new PcreError(this.#p.length, 'reference to non-existent subpattern');
        ref.num = num;
      }
      if (ref.num > this.#groups) throw new PcreError(this.#p.length, 'reference to non-existent subpattern');
    }
    return new Emitter().emit(tree);
  }

  #ch(at = this.#pos): string {
    return this.#p[at] ?? '';
  }

  #unsupported(at: number, what: string): never {
    throw new PcreError(at, `${what} is not supported by ganeti-uds (PCRE translated to JavaScript)`);
  }

  /** Skips what PCRE ignores between items: `(?#...)` comments and, with (?x), white space and `#` comments. */
  #skipTrivia(): void {
    for (;;) {
      if (this.#p.startsWith('(?#', this.#pos)) {
        const end = this.#p.indexOf(')', this.#pos);
        if (end < 0) throw new PcreError(this.#p.length, 'missing ) after comment');
        this.#pos = end + 1;
      } else if (this.#flags.x && isSpace(this.#p.charCodeAt(this.#pos))) {
        this.#pos++;
      } else if (this.#flags.x && this.#ch() === '#') {
        const end = this.#p.indexOf('\n', this.#pos);
        this.#pos = end < 0 ? this.#p.length : end + 1;
      } else {
        return;
      }
    }
  }

  #alternation(): Node {
    const branches = [this.#sequence()];
    while (this.#ch() === '|') {
      this.#pos++;
      branches.push(this.#sequence());
    }
    return branches.length === 1 ? (branches[0] as Node) : { t: 'alt', branches };
  }

  #sequence(): Node {
    const items: Node[] = [];
    for (;;) {
      this.#skipTrivia();
      const c = this.#ch();
      if (c === '' || c === '|' || c === ')') break;
      const quant = this.#quantifier(true);
      if (quant !== undefined) throw new PcreError(quant.last, 'nothing to repeat');
      const atom = this.#atom();
      if (atom === undefined) continue;
      let node = atom;
      for (;;) {
        this.#skipTrivia();
        const q = this.#quantifier(false);
        if (q === undefined) break;
        if (node.t === 'assert' || node.t === 'quant') throw new PcreError(q.last, 'nothing to repeat');
        const lookaround = node.t === 'group' && node.kind.startsWith('?');
        node = { t: 'quant', body: lookaround ? { t: 'group', kind: 'non', body: node } : node, ...q.spec };
      }
      items.push(node);
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'seq', items };
  }

  /** Reads a quantifier at the cursor (`peekOnly`: report it, for the "nothing to repeat" check). */
  #quantifier(peekOnly: boolean): { last: number; spec: Omit<Extract<Node, { t: 'quant' }>, 't' | 'body'> } | undefined {
    const start = this.#pos;
    const c = this.#ch();
    let min: number;
    let max: number;
    let end: number;
    if (c === '*' || c === '+' || c === '?') {
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
      end = start + 1;
    } else if (c === '{') {
      // PCRE takes {n}, {n,} and {n,m}; anything else (`{,3}`, `{1`) is literal text.
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#p.slice(start));
      if (m === null) return undefined;
      end = start + m[0].length;
      const big = (digits: string) => digits.length > 5 || Number(digits) > MAX_REPEAT;
      if (big(m[1] as string) || (m[3] !== undefined && big(m[3]))) throw new PcreError(end - 1, 'number too big in {} quantifier');
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) throw new PcreError(end - 1, 'numbers out of order in {} quantifier');
    } else {
      return undefined;
    }
    let mode: 'greedy' | 'lazy' | 'possessive' = this.#flags.U ? 'lazy' : 'greedy';
    if (!peekOnly) {
      if (this.#ch(end) === '+') {
        mode = 'possessive';
        end++;
      } else if (this.#ch(end) === '?') {
        mode = this.#flags.U ? 'greedy' : 'lazy';
        end++;
      }
      this.#pos = end;
    }
    return { last: c === '{' || peekOnly ? end - 1 : start, spec: { min, max, mode } };
  }

  /** One item; undefined for one that produces nothing (`(?i)`, `\E`, an empty `\Q\E`). */
  #atom(): Node | undefined {
    const c = this.#ch();
    const at = this.#pos;
    if (c === '(') return this.#group();
    if (c === '[') return { t: 'set', set: this.#charClass() };
    this.#pos++;
    if (c === '.') return { t: 'set', set: setOf((b) => this.#flags.s || b !== 0x0a) };
    if (c === '^') return { t: 'assert', js: this.#flags.m ? '(?:^|(?<=\\n)(?=[^]))' : '^' };
    if (c === '$') return { t: 'assert', js: this.#flags.m ? '(?=\\n|$)' : '(?=\\n?$)' };
    if (c === '\\') return this.#escape(at);
    return this.#literal(c.charCodeAt(0));
  }

  #literal(b: number): Node {
    return { t: 'set', set: this.#fold(setOf((x) => x === b)) };
  }

  /** Adds the other case of every ASCII letter when (?i) is on. */
  #fold(set: ByteSet): ByteSet {
    if (!this.#flags.i) return set;
    return set.map((x, b) => x || (isAlpha(b) && (set[b ^ 0x20] ?? false)));
  }

  #escape(at: number): Node | undefined {
    const c = this.#ch();
    if (c === '') throw new PcreError(this.#p.length, '\\ at end of pattern');
    const letterAt = this.#pos;
    switch (c) {
      case 'A':
      case 'G': // \G: the start of the match attempt, which is offset 0 for luxid's match.
        this.#pos++;
        return { t: 'assert', js: '^' };
      case 'Z':
        this.#pos++;
        return { t: 'assert', js: '(?=\\n?$)' };
      case 'z':
        this.#pos++;
        return { t: 'assert', js: '$' };
      case 'b':
      case 'B':
        this.#pos++;
        return { t: 'assert', js: `\\${c}` }; // JavaScript's \b without the u flag is ASCII, as PCRE's.
      case 'Q':
        return this.#quoted();
      case 'E':
        this.#pos++;
        return undefined;
      case 'K':
        return this.#unsupported(letterAt, '\\K (reset match start)');
      case 'R':
        this.#pos++;
        return { t: 'raw', js: '(?:\\r\\n|[\\n\\v\\f\\r\\x85])', len: null };
      case 'X':
        this.#pos++;
        return { t: 'raw', js: '(?:\\r\\n|[^])', len: null };
      case 'C':
        this.#pos++;
        return { t: 'set', set: setOf(() => true) };
      case 'N':
        if (this.#ch(this.#pos + 1) === '{') throw new PcreError(letterAt, 'PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u');
        this.#pos++;
        return { t: 'set', set: setOf((b) => b !== 0x0a) };
      case 'g':
      case 'k':
        return this.#backref(at);
      default:
        break;
    }
    if (c >= '1' && c <= '9') {
      const digits = /^\d+/.exec(this.#p.slice(this.#pos))?.[0] ?? '';
      const n = Number(digits);
      if (n < 8 || n <= this.#groups) {
        this.#pos += digits.length;
        return this.#ref(n, undefined, at);
      }
    }
    const item = this.#escapeItem(false, letterAt);
    return 'set' in item ? { t: 'set', set: item.set } : this.#literal(item.byte);
  }

  /** `\Q...\E` outside a class: literal bytes. */
  #quoted(): Node | undefined {
    const start = this.#pos + 1;
    const end = this.#p.indexOf('\\E', start);
    const text = this.#p.slice(start, end < 0 ? undefined : end);
    this.#pos = end < 0 ? this.#p.length : end + 2;
    const items = [...text].map((ch) => this.#literal(ch.charCodeAt(0)));
    if (items.length === 0) return undefined;
    return items.length === 1 ? items[0] : { t: 'group', kind: 'non', body: { t: 'seq', items } };
  }

  #ref(num: number, name: string | undefined, at: number): Node {
    if (this.#flags.i) this.#unsupported(at, 'a back reference under (?i)');
    const ref: Extract<Node, { t: 'ref' }> = name === undefined ? { t: 'ref', num, at } : { t: 'ref', num, name, at };
    this.#refs.push(ref);
    return ref;
  }

  /** `\g` and `\k` references. */
  #backref(at: number): Node {
    const letter = this.#ch();
    const rest = this.#p.slice(this.#pos + 1);
    const named = /^(?:<([^>]*)>|'([^']*)'|\{([^}]*)\})/.exec(rest);
    if (letter === 'k') {
      if (named === null) throw new PcreError(this.#pos, '\\k is not followed by a braced, angle-bracketed, or quoted name');
      this.#pos += 1 + named[0].length;
      return this.#ref(0, named[1] ?? named[2] ?? named[3], at);
    }
    if (named !== null && !named[0].startsWith('{')) this.#unsupported(at, 'a subroutine call \\g<...>');
    const body = named !== null ? (named[3] as string) : (/^-?\d*/.exec(rest)?.[0] ?? '');
    if (named === null && /^\d*$/.test(body) && (body === '' || Number(body) === 0)) {
      if (body === '' && rest !== '') {
        throw new PcreError(this.#pos, '\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number');
      }
      throw new PcreError(this.#pos + body.length, 'a numbered reference must not be zero');
    }
    this.#pos += 1 + (named !== null ? named[0].length : body.length);
    if (!/^-?\d+$/.test(body)) return this.#ref(0, body, at);
    const n = Number(body);
    if (n === 0) throw new PcreError(this.#pos - 1, 'a numbered reference must not be zero');
    const num = n < 0 ? this.#groups + 1 + n : n;
    if (num <= 0) throw new PcreError(this.#pos - 1, 'reference to non-existent subpattern');
    return this.#ref(num, undefined, at);
  }

  /**
   * An escape that stands for a byte or a set (the cursor on the letter after `\`), in or
   * out of a class. Handles \d \s \w \h \v and their negations, \p, control and numeric escapes.
   */
  #escapeItem(inClass: boolean, letterAt: number): ClassItem {
    const c = this.#ch();
    this.#pos++;
    const lower = c.toLowerCase();
    if (ESCAPE_SETS[lower] !== undefined && (c === lower || c === c.toUpperCase())) {
      const set = setOf(ESCAPE_SETS[lower]);
      return { set: c === lower ? set : inv(set) };
    }
    const simple: Record<string, number> = { a: 7, e: 0x1b, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 };
    if (simple[c] !== undefined) return { byte: simple[c] };
    if (c === 'p' || c === 'P') return { set: this.#property(c === 'P') };
    if (c === 'c') {
      const x = this.#ch();
      if (x === '') throw new PcreError(this.#p.length, '\\c at end of pattern');
      if (x.charCodeAt(0) > 0x7f) throw new PcreError(this.#pos, '\\c must be followed by an ASCII character');
      this.#pos++;
      return { byte: x.toUpperCase().charCodeAt(0) ^ 0x40 };
    }
    if (c === 'x') return { byte: this.#braced(16) };
    if (c === 'o') {
      if (this.#ch() !== '{') throw new PcreError(this.#pos - 1, 'missing opening brace after \\o');
      return { byte: this.#braced(8) };
    }
    if (c >= '0' && c <= '7') {
      const digits = /^[0-7]{1,3}/.exec(this.#p.slice(letterAt))?.[0] ?? c;
      this.#pos = letterAt + digits.length;
      const v = Number.parseInt(digits, 8);
      if (v > 0xff) throw new PcreError(this.#pos - 1, 'octal value is greater than \\377 in 8-bit non-UTF-8 mode');
      return { byte: v };
    }
    if ('LlUu'.includes(c) && c !== '') throw new PcreError(letterAt, 'PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u');
    if (inClass && 'BRX'.includes(c)) throw new PcreError(letterAt, 'invalid escape sequence in character class');
    if (inClass && c === 'N') throw new PcreError(letterAt, '\\N is not supported in a class');
    if (inClass && c === 'b') return { byte: 0x08 };
    if (/[A-Za-z0-9]/.test(c) && this.#flags.X && !(c === '8' || c === '9'))
      throw new PcreError(letterAt, 'unrecognized character follows \\');
    // Any other escaped byte stands for itself (\8 and \9 are the digits, \y is y).
    return { byte: c.charCodeAt(0) };
  }

  /** `\xhh`, `\x{hh}` and `\o{ooo}` (the cursor after the letter); values above 0xFF are PCRE errors in 8-bit mode. */
  #braced(radix: 8 | 16): number {
    const digit = radix === 16 ? /[0-9A-Fa-f]/ : /[0-7]/;
    if (this.#ch() !== '{') {
      let text = '';
      while (text.length < 2 && digit.test(this.#ch())) text += this.#p[this.#pos++];
      return text === '' ? 0 : Number.parseInt(text, 16);
    }
    let text = '';
    this.#pos++;
    while (digit.test(this.#ch())) text += this.#p[this.#pos++];
    const what =
      radix === 16 ? 'non-hex character in \\x{} (closing brace missing?)' : 'non-octal character in \\o{} (closing brace missing?)';
    if (this.#ch() !== '}') throw new PcreError(this.#pos, what);
    if (text === '') throw new PcreError(this.#pos, 'digits missing in \\x{} or \\o{}');
    if (Number.parseInt(text, radix) > 0xff) throw new PcreError(this.#pos, 'character value in \\x{} or \\o{} is too large');
    this.#pos++;
    return Number.parseInt(text, radix);
  }

  /** `\pL`, `\p{Name}`, `\p{^Name}` (cursor after the letter). */
  #property(negated: boolean): ByteSet {
    let name: string;
    if (this.#ch() === '{') {
      const end = this.#p.indexOf('}', this.#pos);
      if (end < 0) throw new PcreError(this.#p.length, 'malformed \\P or \\p sequence');
      name = this.#p.slice(this.#pos + 1, end);
      this.#pos = end + 1;
    } else {
      name = this.#ch();
      if (name === '') throw new PcreError(this.#p.length, 'malformed \\P or \\p sequence');
      this.#pos++;
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const set = /^[A-Za-z&]+$/.test(name) ? propertySet(name) : undefined;
    if (set === undefined) throw new PcreError(this.#pos - 1, 'unknown property name after \\P or \\p');
    return negated ? inv(set) : set;
  }

  /** Whether a POSIX `[:name:]` (or `[.x.]`, `[=x=]`) starts at `at` (PCRE `check_posix_syntax`). */
  #posixAt(at: number): { end: number; kind: string; name: string } | undefined {
    const kind = this.#ch(at + 1);
    if (this.#ch(at) !== '[' || !':.='.includes(kind) || kind === '') return undefined;
    for (let i = at + 2; i < this.#p.length; i++) {
      const x = this.#p[i];
      if (x === '\\' && (this.#p[i + 1] === ']' || this.#p[i + 1] === '\\')) i++;
      else if ((x === '[' && this.#p[i + 1] === kind) || x === ']') return undefined;
      else if (x === kind && this.#p[i + 1] === ']') return { end: i + 2, kind, name: this.#p.slice(at + 2, i) };
    }
    return undefined;
  }

  #charClass(): ByteSet {
    const open = this.#pos;
    if (this.#posixAt(open) !== undefined) throw new PcreError(open, 'POSIX named classes are supported only within a class');
    this.#pos++;
    const negated = this.#ch() === '^';
    if (negated) this.#pos++;
    let set: ByteSet = setOf(() => false);
    const add = (s: ByteSet): void => {
      set = set.map((x, b) => x || (s[b] ?? false));
    };
    let first = true;
    for (;;) {
      const c = this.#ch();
      if (c === '') throw new PcreError(this.#p.length, 'missing terminating ] for character class');
      if (c === ']' && !first) {
        this.#pos++;
        break;
      }
      first = false;
      const item = this.#classItem();
      if (item === undefined) continue;
      if ('set' in item) {
        add(item.set);
        continue;
      }
      // A range needs a byte at both ends; `-` before `]` or after a set is literal.
      if (this.#ch() === '-' && this.#ch(this.#pos + 1) !== ']' && this.#ch(this.#pos + 1) !== '') {
        const dash = this.#pos;
        this.#pos++;
        const endItem = this.#posixAt(this.#pos) ? undefined : this.#classItem();
        if (endItem === undefined || 'set' in endItem) {
          if (endItem === undefined) {
            this.#pos = dash;
            add(this.#fold(setOf((b) => b === item.byte)));
            continue;
          }
          throw new PcreError(this.#pos - 1, 'invalid range in character class');
        }
        if (endItem.byte < item.byte) throw new PcreError(this.#pos - 1, 'range out of order in character class');
        add(this.#fold(setOf((b) => b >= item.byte && b <= endItem.byte)));
        continue;
      }
      add(this.#fold(setOf((b) => b === item.byte)));
    }
    return negated ? inv(set) : set;
  }

  /** One element of a class: a byte, a set (escape or POSIX class), or nothing (`\E`, `\Q\E`). */
  #classItem(): ClassItem | undefined {
    const c = this.#ch();
    const posix = this.#posixAt(this.#pos);
    if (posix !== undefined) {
      if (posix.kind !== ':') throw new PcreError(this.#pos, 'POSIX collating elements are not supported');
      const negated = posix.name.startsWith('^');
      const pred = POSIX[negated ? posix.name.slice(1) : posix.name];
      if (pred === undefined) throw new PcreError(this.#pos + 2, 'unknown POSIX class name');
      this.#pos = posix.end;
      const set = this.#fold(setOf(pred));
      return { set: negated ? inv(set) : set };
    }
    this.#pos++;
    if (c !== '\\') return { byte: c.charCodeAt(0) };
    const letter = this.#ch();
    if (letter === '') throw new PcreError(this.#p.length, '\\ at end of pattern');
    if (letter === 'E') {
      this.#pos++;
      return undefined;
    }
    if (letter === 'Q') {
      // \Q...\E in a class: the quoted bytes are class members (a range can't span the quote's end).
      const end = this.#p.indexOf('\\E', this.#pos + 1);
      const text = this.#p.slice(this.#pos + 1, end < 0 ? undefined : end);
      this.#pos = end < 0 ? this.#p.length : end + 2;
      if (text.length === 1) return { byte: text.charCodeAt(0) };
      return text === '' ? undefined : { set: this.#fold(setOf((b) => text.includes(String.fromCharCode(b)))) };
    }
    return this.#escapeItem(true, this.#pos);
  }

  #group(): Node | undefined {
    const open = this.#pos;
    const saved = { ...this.#flags };
    this.#pos++;
    let kind: Extract<Node, { t: 'group' }>['kind'] | 'reset' = 'cap';
    let name: string | undefined;
    if (this.#ch() === '*') {
      if (/[A-Z]/.test(this.#ch(this.#pos + 1))) return this.#verb(open);
    } else if (this.#ch() === '?') {
      this.#pos++;
      const c = this.#ch();
      const two = this.#p.slice(this.#pos, this.#pos + 2);
      if (c === ':') kind = 'non';
      else if (c === '>') kind = 'atomic';
      else if (c === '=' || c === '!') kind = `?${c}`;
      else if (two === '<=' || two === '<!') {
        kind = two === '<=' ? '?<=' : '?<!';
        this.#pos++;
      } else if (c === '|') kind = 'reset';
      else if (c === '(') this.#unsupported(open, 'a conditional group (?(...)...)');
      else if (c === 'C') this.#unsupported(open, 'a callout (?C...)');
      else if (c === 'R' || isDigit(c.charCodeAt(0)) || c === '&' || (/[+-]/.test(c) && isDigit(this.#p.charCodeAt(this.#pos + 1)))) {
        return this.#recursion(open);
      } else if (c === 'P' || c === '<' || c === "'") {
        name = this.#groupName();
        if (name === undefined) return this.#namedRef(open);
      } else {
        const applied = this.#optionSetting();
        if (applied === 'all') return undefined;
        kind = 'non';
      }
      if (name === undefined) this.#pos++;
    }
    const num = kind === 'cap' ? ++this.#groups : undefined;
    if (name !== undefined) {
      if (this.#names.has(name)) {
        if (!this.#flags.J) throw new PcreError(this.#pos - 1, 'two named subpatterns have the same name');
        this.#unsupported(open, 'duplicate group names (?J)');
      }
      this.#names.set(name, num as number);
    }
    const groupsBefore = this.#groups;
    const body = this.#alternation();
    if (this.#ch() !== ')') throw new PcreError(this.#p.length, 'missing )');
    // A branch reset group without captures is a plain group; with them, numbering differs from JavaScript's.
    if (kind === 'reset') {
      if (this.#groups !== groupsBefore) this.#unsupported(open, 'a branch reset group (?|...) with capturing groups');
      kind = 'non';
    }
    if ((kind === '?<=' || kind === '?<!') && !lookbehindFixed(body))
      throw new PcreError(this.#pos, 'lookbehind assertion is not fixed length');
    this.#pos++;
    this.#flags = saved;
    return num === undefined ? { t: 'group', kind, body } : { t: 'group', kind, num, body };
  }

  /** `(?i)`, `(?i-sx)` (rest of the enclosing group: 'all') or `(?i:` (this group: 'group'). */
  #optionSetting(): 'all' | 'group' {
    let on = true;
    const letters = 'imsxUXJ';
    for (;;) {
      const c = this.#ch();
      if (c === ')' || c === ':') {
        if (c === ')') this.#pos++;
        return c === ')' ? 'all' : 'group';
      }
      if (c === '-' && on) on = false;
      else if (c !== '' && letters.includes(c)) this.#flags[c as keyof Flags] = on;
      else throw new PcreError(this.#pos, 'unrecognized character after (? or (?-');
      this.#pos++;
    }
  }

  /** A group name after `(?P<`, `(?<`, `(?'`; undefined (cursor on `=`/`>`) for `(?P=name)` / `(?P>name)`. */
  #groupName(): string | undefined {
    let c = this.#ch();
    if (c === 'P') {
      this.#pos++;
      c = this.#ch();
      if (c === '=' || c === '>') return undefined;
      if (c !== '<') throw new PcreError(this.#pos, 'unrecognized character after (?P');
    }
    this.#pos++;
    const term = c === "'" ? "'" : '>';
    const start = this.#pos;
    if (isDigit(this.#p.charCodeAt(start))) throw new PcreError(start, 'group name must start with a non-digit');
    if (!isWord(this.#p.charCodeAt(start))) {
      throw new PcreError(start, c === '<' ? 'unrecognized character after (?<' : 'syntax error in subpattern name (missing terminator)');
    }
    while (isWord(this.#p.charCodeAt(this.#pos))) this.#pos++;
    if (this.#pos - start > 32) throw new PcreError(this.#pos, 'subpattern name is too long (maximum 32 characters)');
    if (this.#ch() !== term) throw new PcreError(this.#pos, 'syntax error in subpattern name (missing terminator)');
    this.#pos++;
    return this.#p.slice(start, this.#pos - 1);
  }

  /** `(?P=name)` (back reference) and `(?P>name)` (a call, unsupported). */
  #namedRef(open: number): Node {
    if (this.#ch() === '>') this.#unsupported(open, 'a subroutine call (?P>name)');
    this.#pos++;
    const start = this.#pos;
    while (isWord(this.#p.charCodeAt(this.#pos))) this.#pos++;
    if (this.#ch() !== ')') throw new PcreError(this.#pos, 'syntax error in subpattern name (missing terminator)');
    const name = this.#p.slice(start, this.#pos);
    this.#pos++;
    return this.#ref(0, name, open);
  }

  /** `(?R)`, `(?1)`, `(?+1)`, `(?&name)`: PCRE's syntax checked, then refused. */
  #recursion(open: number): never {
    const m = /^(?:R|[+-]?\d+|&\w+)/.exec(this.#p.slice(this.#pos));
    const end = this.#pos + (m?.[0].length ?? 0);
    if (m === null || this.#ch(end) !== ')') {
      if (this.#ch() === '+' || this.#ch() === '-') throw new PcreError(end, 'digit expected after (?+');
      throw new PcreError(end, '(?R or (?[+-]digits must be followed by )');
    }
    return this.#unsupported(open, 'recursion or a subroutine call (?R), (?n), (?&name)');
  }

  /** `(*VERB)`: `(*FAIL)` works; other known verbs are refused; anything else is PCRE's error. */
  #verb(open: number): Node {
    const m = /^\(\*([A-Z_]+)(?:[:=]([^)]*))?\)/.exec(this.#p.slice(open));
    const known = [
      'ACCEPT',
      'COMMIT',
      'F',
      'FAIL',
      'MARK',
      'PRUNE',
      'SKIP',
      'THEN',
      'UTF8',
      'UTF',
      'UCP',
      'CR',
      'LF',
      'CRLF',
      'ANYCRLF',
      'ANY',
    ];
    const verb = m?.[1] ?? '';
    if (m === null || !(known.includes(verb) || verb.startsWith('NO_') || verb.startsWith('BSR_') || verb.startsWith('LIMIT_'))) {
      const close = this.#p.indexOf(')', open);
      throw new PcreError(close < 0 ? this.#p.length : close, '(*VERB) not recognized or malformed');
    }
    if ((verb === 'F' || verb === 'FAIL') && m[2] === undefined) {
      this.#pos = open + m[0].length;
      return { t: 'raw', js: '(?!)', len: 0 };
    }
    return this.#unsupported(open, `the verb (*${verb})`);
  }
}

/** PCRE's rule: each top-level branch of a lookbehind has a fixed length (they may differ). */
function lookbehindFixed(body: Node): boolean {
  const branches = body.t === 'alt' ? body.branches : [body];
  return branches.every((b) => fixedLength(b) !== null);
}

function fixedLength(n: Node): number | null {
  switch (n.t) {
    case 'set':
      return 1;
    case 'assert':
      return 0;
    case 'raw':
      return n.len;
    case 'ref':
      return null;
    case 'seq': {
      let sum = 0;
      for (const item of n.items) {
        const len = fixedLength(item);
        if (len === null) return null;
        sum += len;
      }
      return sum;
    }
    case 'alt': {
      const lens = n.branches.map(fixedLength);
      return lens.every((l) => l !== null && l === lens[0]) ? (lens[0] as number) : null;
    }
    case 'group':
      return n.kind.startsWith('?') ? 0 : fixedLength(n.body);
    case 'quant': {
      const len = fixedLength(n.body);
      return len !== null && n.min === n.max ? len * n.min : null;
    }
  }
}

const hex = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`;
const plain = (b: number) => isWord(b) && b !== 0x5f;

/** Writes the RegExp source: numbered groups only, atomic forms as `(?=(X))\n`. */
class Emitter {
  #count = 0;
  readonly #jsNumber = new Map<number, number>();

  emit(tree: Node): string {
    const body = this.#node(tree, false);
    // Back references were written as markers: their group numbers are known only now.
    return body.replace(/\u{e000}(\d+)\u{e001}/gu, (_, n: string) => `(?:\\${this.#jsNumber.get(Number(n)) ?? 0})`);
  }

  #set(set: ByteSet): string {
    const members = set.flatMap((x, b) => (x ? [b] : []));
    if (members.length === 256) return '[^]';
    if (members.length === 1) {
      const b = members[0] as number;
      return plain(b) ? String.fromCharCode(b) : hex(b);
    }
    let out = '';
    for (let i = 0; i < members.length; ) {
      let j = i;
      while (j + 1 < members.length && (members[j + 1] as number) === (members[j] as number) + 1) j++;
      const lo = members[i] as number;
      const hi = members[j] as number;
      out += hi === lo ? hex(lo) : hi === lo + 1 ? hex(lo) + hex(hi) : `${hex(lo)}-${hex(hi)}`;
      i = j + 1;
    }
    return `[${out}]`;
  }

  #node(n: Node, behind: boolean): string {
    switch (n.t) {
      case 'set':
        return this.#set(n.set);
      case 'assert':
      case 'raw':
        return n.js;
      case 'ref':
        return `\u{e000}${n.num}\u{e001}`;
      case 'seq':
        return n.items.map((x) => this.#node(x, behind)).join('');
      case 'alt':
        return n.branches.map((x) => this.#node(x, behind)).join('|');
      case 'group': {
        if (n.kind === 'atomic') return this.#atomic(() => this.#node(n.body, behind), behind);
        const head = n.kind === 'cap' ? '(' : n.kind === 'non' ? '(?:' : `(${n.kind}`;
        if (n.num !== undefined) this.#jsNumber.set(n.num, ++this.#count);
        return `${head}${this.#node(n.body, behind || n.kind === '?<=' || n.kind === '?<!')})`;
      }
      case 'quant': {
        const q =
          n.min === 0 && n.max === Infinity
            ? '*'
            : n.min === 1 && n.max === Infinity
              ? '+'
              : n.min === 0 && n.max === 1
                ? '?'
                : n.max === Infinity
                  ? `{${n.min},}`
                  : n.min === n.max
                    ? `{${n.min}}`
                    : `{${n.min},${n.max}}`;
        const make = (): string => {
          const inner = this.#node(n.body, behind);
          const single = n.body.t === 'set' || (n.body.t === 'group' && n.body.kind !== 'atomic') || n.body.t === 'ref';
          return `${single ? inner : `(?:${inner})`}${q}${n.mode === 'lazy' ? '?' : ''}`;
        };
        return n.mode === 'possessive' ? this.#atomic(make, behind) : make();
      }
    }
  }

  /** An atomic group: a lookahead captures what X matches first, and a back reference consumes it without backtracking into X. */
  #atomic(inner: () => string, behind: boolean): string {
    // In a lookbehind (fixed length, matched right to left) the plain group is used.
    if (behind) return `(?:${inner()})`;
    const num = ++this.#count;
    return `(?=(${inner()}))\\${num}(?:)`;
  }
}
