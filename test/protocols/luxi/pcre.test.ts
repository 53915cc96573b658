import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFilterRegex, LuxiParseError, readFilter } from '../../../src/protocols/luxi/decode.js';
import { compilePcre, PcreError, utf8Bytes } from '../../../src/protocols/luxi/pcre.js';

/** [pattern, subjects it matches, subjects it does not match, JavaScript source (when pinned)]. */
const MATCHES: ReadonlyArray<readonly [string, string[], string[], string?]> = [
  ['^web', ['web1.example.com'], ['db1.example.com', 'WEB1']],
  ['(?i)^web', ['web1', 'WEB1', 'Web2'], ['db1'], '(?:^|(?<=\\n)(?=[^]))[\\x57\\x77][\\x45\\x65][\\x42\\x62]'],
  ['(?i:WEB)1', ['web1', 'WeB1'], ['web2']],
  ['(?i:a)b', ['Ab', 'ab'], ['aB']],
  ['a(?i)b|c', ['aB', 'C'], ['AB']],
  ['(a(?i)b)c', ['aBc'], ['aBC']],
  ['(?-i)a', ['a'], ['A']],
  ['(?s)a.b', ['a\nb'], ['ab']],
  ['a.b', ['axb'], ['a\nb']],
  ['(?x) ^ web \\d # the rest', ['web1'], ['web 1', 'web']],
  ['(?x)[ ]x', [' x'], ['x']],
  ['\\Aweb', ['web'], ['x\nweb']],
  ['com\\Z', ['a.com', 'a.com\n'], ['a.com\n\n', 'a.comx']],
  ['com\\z', ['a.com'], ['a.com\n']],
  ['com$', ['a.com', 'a.com\n', 'a.com\nb'], ['a.comx']],
  ['(?-m)com$', ['a.com', 'a.com\n'], ['a.com\nb']],
  ['^b', ['a\nb', 'b'], ['ab']],
  ['^$', [''], ['a\n']],
  ['[[:digit:]]+', ['web1'], ['web']],
  ['^[[:alpha:]]+$', ['abc'], ['ab1', 'é']],
  ['[[:^alpha:]]', ['1'], ['abc']],
  ['[[:upper:][:digit:]]', ['A', '7'], ['a']],
  ['(?i)[[:upper:]]', ['a'], ['1']],
  ['[[:space:]]', ['\v'], ['\u00a0']],
  ['[[:xdigit:]]{2}', ['fF'], ['fg']],
  ['\\h', [' ', '\t', '\u00e0'], ['\n']],
  ['\\H', ['a'], [' ']],
  ['\\v', ['\r'], [' ']],
  ['\\s', ['\v'], ['x']],
  ['\\Q.*+\\E$', ['a.*+'], ['aaa']],
  ['\\Q(', ['('], ['x']],
  ['[\\Q]\\E]', [']'], ['x']],
  ['a*+a', [], ['aaa']],
  ['a++b', ['aab'], ['ac']],
  ['(?>a+)b', ['aab'], []],
  ['(?>ab|a)b', ['abb'], ['ab']],
  ['\\d?+1', ['11'], ['1']],
  ['\\x{41}\\x42\\103\\o{104}', ['ABCD'], ['abcd']],
  ['\\x', ['\0'], ['x']],
  ['\\0101', ['\u00081'], ['A']],
  ['\\8', ['8'], ['\b']],
  ['\\cA\\e', ['\u0001\u001b'], ['A']],
  ['(a)\\1', ['aa'], ['ab']],
  ['(?<n>a)\\k<n>(?P=n)\\g{n}\\k{n}', ['aaaaa'], ['aaaa']],
  ['(a)(b)\\g{-1}\\g1', ['abba'], ['abab']],
  ['(?>(a))\\1', ['aa'], ['ab'], '(?=((a)))\\1(?:)(?:\\2)'],
  ['a{2}', ['aa'], ['a']],
  ['a{2,}?', ['aa'], ['a']],
  ['a{,2}', ['a{,2}'], ['aa']],
  ['x{', ['x{'], ['x']],
  ['(?U)a+', ['a'], []],
  ['(?=a)*b', ['b'], []],
  ['(?<=ab|c)d', ['abd', 'cd'], ['bd']],
  ['(?<!a)b', ['b', 'cb'], ['ab']],
  ['\\bweb\\b', ['a web b'], ['webs']],
  ['\\p{Lu}', ['A', '\u00c9'], ['a']],
  ['\\P{L}', ['1'], ['a']],
  ['\\R', ['\r\n', '\n'], ['x']],
  ['(*FAIL)|x', ['x'], ['y']],
  ['(?|a|b)c', ['ac', 'bc'], ['cc']],
  ['(?#comment)a', ['a'], ['b']],
  ['a(?#c)+', ['aa'], ['b']],
  ['[]a]', [']', 'a'], ['b']],
  ['[^]a]', ['b'], [']', 'a']],
  ['[\\d-z]', ['-', 'z', '5'], ['y']],
  ['(?i)[a-c]', ['B'], ['d']],
  ['(?i)[^a]', ['b'], ['A', 'a']],
  ['[\\w.]+@', ['a.b@'], ['@']],
  // Bytes, as luxid (UTF-8, no PCRE_UTF8): é is two bytes, . matches one, case folding is ASCII only.
  ['^.$', ['a'], ['é']],
  ['^..$', ['é'], ['a']],
  ['^caf\\xc3\\xa9', ['café.example.com'], ['cafe']],
  ['é', ['café'], ['cafe']],
  ['(?i)É', ['É'], ['é']],
  ['\\w', ['a'], ['é']],
  ['a\0b', ['a'], ['b']],
];

/** [pattern, libpcre's offset, libpcre's message] as the real luxid answered them (pcre-real.test.ts). */
const ERRORS: ReadonlyArray<readonly [string, number, string]> = [
  ['(', 1, 'missing )'],
  [')', 0, 'unmatched parentheses'],
  ['a)', 1, 'unmatched parentheses'],
  ['[a', 2, 'missing terminating ] for character class'],
  ['[]', 2, 'missing terminating ] for character class'],
  ['*x', 0, 'nothing to repeat'],
  ['a**', 2, 'nothing to repeat'],
  ['x{2}{3}', 6, 'nothing to repeat'],
  ['^*', 1, 'nothing to repeat'],
  ['(?#x)*', 5, 'nothing to repeat'],
  ['a{2,1}', 5, 'numbers out of order in {} quantifier'],
  ['a{70000}', 7, 'number too big in {} quantifier'],
  ['\\', 1, '\\ at end of pattern'],
  ['\\c', 2, '\\c at end of pattern'],
  ['(?', 2, 'unrecognized character after (? or (?-'],
  ['(?z)', 2, 'unrecognized character after (? or (?-'],
  ['(?<', 3, 'unrecognized character after (?<'],
  ['(?<1a>x)', 3, 'group name must start with a non-digit'],
  ['(?P', 3, 'unrecognized character after (?P'],
  ['(?#abc', 6, 'missing ) after comment'],
  ['[[:foo:]]', 3, 'unknown POSIX class name'],
  ['[:digit:]', 0, 'POSIX named classes are supported only within a class'],
  ['[[.a.]]', 1, 'POSIX collating elements are not supported'],
  ['[z-a]', 3, 'range out of order in character class'],
  ['[a-\\d]', 4, 'invalid range in character class'],
  ['\\L', 1, 'PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u'],
  ['\\x{100}', 6, 'character value in \\x{} or \\o{} is too large'],
  ['\\x{zz}', 3, 'non-hex character in \\x{} (closing brace missing?)'],
  ['\\o{', 3, 'non-octal character in \\o{} (closing brace missing?)'],
  ['\\400', 3, 'octal value is greater than \\377 in 8-bit non-UTF-8 mode'],
  ['\\1', 2, 'reference to non-existent subpattern'],
  ['(a)\\2', 5, 'reference to non-existent subpattern'],
  ['\\k', 1, '\\k is not followed by a braced, angle-bracketed, or quoted name'],
  ['\\g0', 2, 'a numbered reference must not be zero'],
  ['(?<=a+)b', 6, 'lookbehind assertion is not fixed length'],
  ['(?R', 3, '(?R or (?[+-]digits must be followed by )'],
  ['(*FOO)', 5, '(*VERB) not recognized or malformed'],
  ['(?X)\\y', 5, 'unrecognized character follows \\'],
  ['[\\N]', 2, '\\N is not supported in a class'],
  // Offsets count UTF-8 bytes.
  ['é(', 3, 'missing )'],
  ['€(', 4, 'missing )'],
  ['[é-a]', 4, 'range out of order in character class'],
];

/** Constructs PCRE takes and the translation refuses, naming them. */
const REFUSED: ReadonlyArray<readonly [string, RegExp]> = [
  ['(?R)', /recursion/],
  ['(a)(?1)', /recursion or a subroutine call/],
  ['(?(1)a|b)', /conditional group/],
  ['a\\Kb', /\\K/],
  ['(?|(a)|(b))', /branch reset group .* with capturing groups/],
  ['(*COMMIT)a', /verb \(\*COMMIT\)/],
  ['(?C1)', /callout/],
  ['(?i)(a)\\1', /back reference under \(\?i\)/],
];

describe('compilePcre', () => {
  for (const [pattern, yes, no, source] of MATCHES) {
    test(`${JSON.stringify(pattern)} matches ${JSON.stringify(yes)} and not ${JSON.stringify(no)}`, () => {
      const re = compilePcre(pattern);
      for (const s of yes) assert.equal(re.test(s), true, `${JSON.stringify(s)} (source ${re.source})`);
      for (const s of no) assert.equal(re.test(s), false, `${JSON.stringify(s)} (source ${re.source})`);
      if (source !== undefined) assert.equal(re.source, source);
    });
  }

  for (const [pattern, offset, reason] of ERRORS) {
    test(`refuses ${JSON.stringify(pattern)} as libpcre does: (${offset}, ${reason})`, () => {
      assert.throws(
        () => compilePcre(pattern),
        (err: unknown) => err instanceof PcreError && err.offset === offset && err.reason === reason && err.code === 'UDS_ERR_PCRE',
      );
    });
  }

  for (const [pattern, what] of REFUSED) {
    test(`refuses ${JSON.stringify(pattern)}, naming the construct`, () => {
      assert.throws(
        () => compilePcre(pattern),
        (err: unknown) => err instanceof PcreError && what.test(err.reason) && /not supported by ganeti-uds/.test(err.reason),
      );
    });
  }

  test('the multiline option off gives PCRE default $ and ^', () => {
    const re = compilePcre('^b$', { multiline: false });
    assert.equal(re.test('b\n'), true);
    assert.equal(re.test('a\nb'), false);
  });

  test('utf8Bytes hands ASCII through and spells other text as its UTF-8 bytes', () => {
    assert.equal(utf8Bytes('web1'), 'web1');
    assert.equal(utf8Bytes('é'), '\u00c3\u00a9');
  });
});

describe('luxid error text for a bad =~ pattern', () => {
  test('compileFilterRegex fails with Haskell show of the (offset, message) pair', () => {
    assert.throws(
      () => compileFilterRegex('\\'),
      (err: unknown) => err instanceof LuxiParseError && err.message === '(1,"\\\\ at end of pattern")',
    );
  });

  test('readFilter accepts what Ganeti clients send and refuses a bad pattern', () => {
    assert.deepEqual(readFilter(['=~', 'name', '(?i)^web']), ['=~', 'name', '(?i)^web']);
    assert.throws(() => readFilter(['=~', 'name', '(']), { message: '(1,"missing )")' });
  });
});
