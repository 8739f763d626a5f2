import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globMatch, isLiteralPattern } from '../../src/util/glob.js';
import { Differential, differentialSuite, type Pair } from '../helpers/differential.js';

// [pattern, subject, expected] — expectations follow Redis's stringmatchlen (the differential
// part below checks the same table against a real Redis through KEYS).
const CASES: Array<[string, string, boolean]> = [
  ['', '', true],
  ['', 'a', false],
  ['a', '', false],
  ['*', '', false], // Redis's matcher needs at least one subject byte to enter its loop
  ['*', 'anything', true],
  ['**', 'x', true],
  ['a*', 'a', true],
  ['a**', 'a', true],
  ['*a', 'a', true],
  ['*a', 'ba', true],
  ['*a', 'ab', false],
  ['h?llo', 'hello', true],
  ['h?llo', 'hllo', false],
  ['h*llo', 'hllo', true],
  ['h*llo', 'heeeello', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[a-b]llo', 'hcllo', false],
  ['h[b-a]llo', 'hallo', true], // reversed range
  ['[a-]', 'b', false], // range 'a'..']' reversed: ']'..'a'
  ['[a-]', '`', true],
  ['[a-]', '^', true],
  ['[a-]', '-', false],
  ['[', 'a', false],
  ['[', '', false],
  ['[^', 'x', true],
  ['[abc', 'b', true], // unterminated class runs to the end
  ['[abc', 'd', false],
  ['[]abc]', ']abc]', false],
  ['[]', ']', false],
  ['[]]', ']', false],
  ['[\\]]', ']', true],
  ['[\\', '\\', true],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['\\', '\\', true], // a trailing backslash stands for itself
  ['a\\', 'a\\', true],
  ['\\?', '?', true],
  ['\\?', 'x', false],
  ['[\\-]', '-', true],
  ['[a\\-z]', 'b', false],
  ['[a\\-z]', '-', true],
  ['*[', 'a[', false],
  ['a*b*c', 'abc', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXbYcZ', false],
  ['*?', '', false],
  ['?*', 'a', true],
  ['\x00', '\x00', true],
  ['a\x00*', 'a\x00bc', true],
  ['[\x80-\xff]', '\x90', true],
  ['[a-\xff]', '\xff', true], // signed bytes: the range is \xff(-1)..a(97)
  ['[a-\xff]', '\x00', true],
  ['[a-\xff]', 'b', false],
  ['[a-\xff]', '\x90', false],
  ['[\x01-\x7f]', '\x80', false],
];

describe('globMatch (unit)', () => {
  it('follows Redis rules on a table of patterns', () => {
    for (const [p, s, want] of CASES) {
      assert.equal(globMatch(p, s), want, `globMatch(${JSON.stringify(p)}, ${JSON.stringify(s)})`);
    }
  });

  it('folds only ASCII letters with nocase', () => {
    assert.equal(globMatch('HELLO', 'hello', true), true);
    assert.equal(globMatch('HELLO', 'hello'), false);
    assert.equal(globMatch('h[A-Z]llo', 'hello', true), true);
    assert.equal(globMatch('h[a-z]llo', 'hEllo', true), true);
    assert.equal(globMatch('h[^E]llo', 'hello', true), false);
    assert.equal(globMatch('\xc0', '\xe0', true), false); // À and à are not folded (C locale)
    // An escaped byte inside a class compares exactly even with nocase.
    assert.equal(globMatch('[\\A]', 'a', true), false);
    assert.equal(globMatch('[\\A]', 'A', true), true);
    assert.equal(globMatch('\\A', 'a', true), true);
  });

  it('stays fast on patterns that are exponential for naive matchers', () => {
    const start = Date.now();
    const subject = 'a'.repeat(200);
    assert.equal(globMatch('*a'.repeat(30) + 'b', subject), false);
    assert.equal(globMatch('a*'.repeat(40) + 'b', subject), false);
    assert.equal(globMatch('*?'.repeat(50) + 'x', subject), false);
    assert.equal(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*', subject), true);
    assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
  });

  it('gives up below 1000 nested stars, as Redis does', () => {
    const subject = 'a'.repeat(1100);
    assert.equal(globMatch('*a'.repeat(999), subject), true);
    assert.equal(globMatch('*a'.repeat(1000), subject), true);
    assert.equal(globMatch('*a'.repeat(1001), subject), false);
    // A run of stars counts as one.
    assert.equal(globMatch('**a'.repeat(1000), subject), true);
  });

  it('tells literal patterns apart', () => {
    assert.equal(isLiteralPattern('abc'), true);
    assert.equal(isLiteralPattern(''), true);
    assert.equal(isLiteralPattern('a]b^-'), true);
    assert.equal(isLiteralPattern('a*'), false);
    assert.equal(isLiteralPattern('a?'), false);
    assert.equal(isLiteralPattern('[a'), false);
    assert.equal(isLiteralPattern('a\\b'), false);
  });

  it('literal patterns match exactly their own text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 8 }), fc.string({ unit: 'binary-ascii', maxLength: 8 }), (p, s) => {
        if (!isLiteralPattern(p)) return;
        assert.equal(globMatch(p, s), p === s);
      }),
    );
  });
});

describe('globMatch against Redis (KEYS)', differentialSuite(), () => {
  const d = new Differential();
  let p: Pair;
  before(async () => {
    await d.start();
    p = await d.pair({ flush: false });
  });
  after(async () => {
    p?.close();
    await d.stop();
  });

  async function load(subjects: string[]): Promise<void> {
    await p.setup('FLUSHALL');
    for (const s of new Set(subjects)) await p.setup('SET', s, '1');
  }

  /** The same keys (as a set) on both, and an array: not an error. */
  async function same(pattern: string): Promise<void> {
    assert.equal((await p.unordered('KEYS', pattern))[0], '*', `KEYS ${JSON.stringify(pattern)}`);
  }

  it('agrees on the table of cases', async () => {
    await load(CASES.map((c) => c[1]));
    for (const [p] of CASES) await same(p);
  });

  it('agrees on the nesting limit', async () => {
    await load(['a'.repeat(1100), 'a'.repeat(999), 'b']);
    for (const k of [998, 999, 1000, 1001, 1002]) await same('*a'.repeat(k));
    await same('**a'.repeat(1001));
  });

  it('agrees on random patterns over a tricky alphabet', async () => {
    const alphabet = ['a', 'b', 'A', 'z', '-', '^', ']', '[', '\\', '*', '?', '\x00', '\x80', '\xff'];
    // Every subject of up to two bytes, plus a sample of longer ones.
    const subjects = new Set<string>(['']);
    for (const x of alphabet) {
      subjects.add(x);
      for (const y of alphabet) subjects.add(x + y);
    }
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 250; i++) {
      let k = '';
      for (let j = 3 + rand(4); j > 0; j--) k += alphabet[rand(alphabet.length)];
      subjects.add(k);
    }
    await load([...subjects]);
    const sym = fc.constantFrom(...alphabet);
    const classItem = fc.oneof(sym, fc.tuple(sym, sym).map(([x, y]) => `${x}-${y}`), sym.map((x) => '\\' + x));
    const token = fc.oneof(
      { weight: 3, arbitrary: sym },
      { weight: 2, arbitrary: fc.constant('*') },
      { weight: 1, arbitrary: fc.constant('?') },
      { weight: 1, arbitrary: sym.map((x) => '\\' + x) },
      {
        weight: 3,
        arbitrary: fc
          .tuple(fc.boolean(), fc.array(classItem, { maxLength: 3 }), fc.integer({ min: 0, max: 5 }))
          .map(([neg, items, end]) => `[${neg ? '^' : ''}${items.join('')}${end === 0 ? '' : ']'}`),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { minLength: 1, maxLength: 4 }), async (tokens) => {
        await same(tokens.join(''));
      }),
      { numRuns: 1500 },
    );
  });
});
