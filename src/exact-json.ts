/**
 * The exact JSON path: a parser that keeps integers beyond 2^53 as BigInt, lets the first
 * of duplicate keys win (as Ganeti's `fromObj` does) and refuses numbers that overflow a
 * double; and a serializer that writes BigInt exactly. codec.ts sends only the rare
 * messages that need it here; everything else uses the native JSON functions.
 */

/** A JSON text failed to parse; `position` is the character offset of the problem. */
export class JsonSyntaxError extends SyntaxError {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.position = position;
  }
}

const WS = new Uint8Array(128);
WS[0x20] = WS[0x09] = WS[0x0a] = WS[0x0d] = 1;

/**
 * Parses `text` as JSON. Integers outside the safe range become `bigint`; duplicate keys
 * keep their first value; a number that overflows a double throws.
 * Nesting depth is not limited here: callers check it first (codec.ts does).
 */
export function parseExactJson(text: string): unknown {
  const parser = new ExactParser(text);
  parser.skipWs();
  const value = parser.value();
  parser.skipWs();
  if (parser.pos < text.length) parser.fail('Unexpected data after the JSON value');
  return value;
}

class ExactParser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }

  skipWs(): void {
    const t = this.text;
    let p = this.pos;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c < 128 && WS[c] === 1) p++;
      else break;
    }
    this.pos = p;
  }

  value(): unknown {
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.array();
      case 0x22:
        return this.string();
      case 0x74:
        return this.literal('true', true);
      case 0x66:
        return this.literal('false', false);
      case 0x6e:
        return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail(Number.isNaN(c) ? 'Unexpected end of JSON input' : `Unexpected character ${JSON.stringify(this.text[this.pos])}`);
    }
  }

  literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`Invalid literal, expected ${word}`);
    this.pos += word.length;
    return value;
  }

  object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++;
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return result;
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('Expected a string key');
      const key = this.string();
      this.skipWs();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("Expected ':' after a key");
      this.pos++;
      this.skipWs();
      const value = this.value();
      if (!Object.hasOwn(result, key)) {
        // defineProperty, so a "__proto__" key stays a plain own property.
        Object.defineProperty(result, key, { value, writable: true, enumerable: true, configurable: true });
      }
      this.skipWs();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return result;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("Expected ',' or '}' in an object");
      }
      this.skipWs();
    }
  }

  array(): unknown[] {
    const result: unknown[] = [];
    this.pos++;
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.skipWs();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return result;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("Expected ',' or ']' in an array");
      }
      this.skipWs();
    }
  }

  string(): string {
    const t = this.text;
    const start = ++this.pos;
    let p = start;
    // Fast scan: no escapes, no control characters.
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return t.slice(start, p);
      }
      if (c === 0x5c || c < 0x20 || Number.isNaN(c)) break;
      p++;
    }
    let out = t.slice(start, p);
    for (;;) {
      const c = t.charCodeAt(p);
      if (Number.isNaN(c)) {
        this.pos = p;
        this.fail('Unterminated string');
      }
      if (c === 0x22) {
        this.pos = p + 1;
        return out;
      }
      if (c < 0x20) {
        this.pos = p;
        this.fail('Control character in string');
      }
      if (c !== 0x5c) {
        out += t[p];
        p++;
        continue;
      }
      const e = t[p + 1];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = t.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = p;
            this.fail('Bad \\u escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          this.pos = p;
          this.fail('Bad escape');
      }
      p += 2;
    }
  }

  number(): number | bigint {
    const t = this.text;
    const start = this.pos;
    let p = start;
    if (t.charCodeAt(p) === 0x2d) p++;
    const intStart = p;
    while (isDigit(t.charCodeAt(p))) p++;
    if (p === intStart) {
      this.pos = p;
      this.fail('Expected a digit');
    }
    if (t.charCodeAt(intStart) === 0x30 && p - intStart > 1) {
      this.pos = intStart;
      this.fail('Leading zero in a number');
    }
    let integral = true;
    if (t.charCodeAt(p) === 0x2e) {
      integral = false;
      p++;
      const fracStart = p;
      while (isDigit(t.charCodeAt(p))) p++;
      if (p === fracStart) {
        this.pos = p;
        this.fail('Expected a digit after the decimal point');
      }
    }
    const e = t.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      integral = false;
      p++;
      const s = t.charCodeAt(p);
      if (s === 0x2b || s === 0x2d) p++;
      const expStart = p;
      while (isDigit(t.charCodeAt(p))) p++;
      if (p === expStart) {
        this.pos = p;
        this.fail('Expected a digit in the exponent');
      }
    }
    this.pos = p;
    const literal = t.slice(start, p);
    if (integral) {
      const n = Number(literal);
      return Number.isSafeInteger(n) ? n : BigInt(literal);
    }
    const n = Number(literal);
    if (!Number.isFinite(n)) {
      this.pos = start;
      this.fail(`Number ${literal.length > 40 ? literal.slice(0, 40) + '...' : literal} is out of range for a double`);
    }
    return n;
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Serializes like `JSON.stringify` but writes `bigint` as exact digits. Non-ASCII is left
 * to the caller (codec.ts escapes it). Throws TypeError on cycles.
 */
export function stringifyExactJson(value: unknown): string | undefined {
  return write(value, new Set<object>(), '');
}

function write(value: unknown, seen: Set<object>, key: string): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (k: string) => unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError('Converting circular structure to JSON');
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    const parts: string[] = [];
    for (let i = 0; i < obj.length; i++) parts.push(write(obj[i], seen, String(i)) ?? 'null');
    out = `[${parts.join(',')}]`;
  } else {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(obj)) {
      const s = write(v, seen, k);
      if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(obj);
  return out;
}
