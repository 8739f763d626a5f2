// The sorted set structure (types/zset.ts) against a naive sorted array: random inserts, score
// updates, deletions, rank and range queries and range deletions, checking the tree's invariants
// (separators, subtree counts, leaf links, the member map) as it grows and shrinks.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ZSetValue,
  ZCursor,
  DEFAULT_ZSET_LIMITS,
  LEX_MINUS,
  LEX_PLUS,
  type LexBound,
  type LexRange,
  type ScoreRange,
  type ZSetLimits,
} from '../../src/types/zset.js';

type Entry = [string, number];

/** The model: entries sorted by score, then member. */
class Naive {
  items: Entry[] = [];
  private less(a: Entry, b: Entry): boolean {
    return a[1] < b[1] || (a[1] === b[1] && a[0] < b[0]);
  }
  find(m: string): number {
    return this.items.findIndex((e) => e[0] === m);
  }
  add(m: string, s: number): boolean {
    const at = this.find(m);
    // An equal score (0 and -0 included) changes nothing.
    if (at >= 0 && this.items[at][1] === s) return false;
    if (at >= 0) this.items.splice(at, 1);
    const e: Entry = [m, s];
    let i = 0;
    while (i < this.items.length && this.less(this.items[i], e)) i++;
    this.items.splice(i, 0, e);
    return at < 0;
  }
  delete(m: string): boolean {
    const at = this.find(m);
    if (at < 0) return false;
    this.items.splice(at, 1);
    return true;
  }
  inScore(r: ScoreRange): Entry[] {
    return this.items.filter(
      ([, s]) => (r.minex ? s > r.min : s >= r.min) && (r.maxex ? s < r.max : s <= r.max),
    );
  }
  inLex(r: LexRange): Entry[] {
    const gteMin = (m: string): boolean =>
      r.min === LEX_MINUS ? true : r.min === LEX_PLUS ? false : r.minex ? m > r.min : m >= r.min;
    const lteMax = (m: string): boolean =>
      r.max === LEX_PLUS ? true : r.max === LEX_MINUS ? false : r.maxex ? m < r.max : m <= r.max;
    return this.items.filter(([m]) => gteMin(m) && lteMax(m));
  }
}

function all(z: ZSetValue): Entry[] {
  return [...z.entries()];
}

function sameEntries(actual: Entry[], expected: Entry[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.equal(actual[i][0], expected[i][0], `${what}: member at ${i}`);
    assert.ok(Object.is(actual[i][1], expected[i][1]), `${what}: score at ${i}`);
  }
}

const SCORES = [-Infinity, -5, -1.5, -0, 0, 1, 1, 2.25, 3, 1e300, Infinity];

describe('sorted set structure', () => {
  it('orders by score, then by member bytes, with ±inf and binary members', () => {
    const z = ZSetValue.create(DEFAULT_ZSET_LIMITS);
    z.add('b', 1);
    z.add('a', 1);
    z.add('\xff', -Infinity);
    z.add('\x00', Infinity);
    z.add('ab', 1);
    z.add('A', 1);
    sameEntries(all(z), [['\xff', -Infinity], ['A', 1], ['a', 1], ['ab', 1], ['b', 1], ['\x00', Infinity]], 'order');
    assert.equal(z.rank('ab'), 3);
    assert.equal(z.rank('ab', true), 2);
    assert.equal(z.rank('zz'), -1);
    assert.equal(z.add('ab', -Infinity), false);
    assert.equal(z.rank('ab'), 0);
    assert.equal(z.score('ab'), -Infinity);
    assert.equal(z.score('nope'), undefined);
    z.checkStructure();
  });

  it('keeps -0 in a skiplist, equal to 0 for order and updates; a listpack holds it as 0', () => {
    const z = ZSetValue.skiplist(DEFAULT_ZSET_LIMITS);
    z.add('a', -0);
    assert.ok(Object.is(z.score('a'), -0));
    z.add('a', 0);
    assert.ok(Object.is(z.score('a'), -0), 'an equal score is no update');
    z.toListpack();
    assert.ok(Object.is(z.score('a'), 0), 'converted to a listpack');
    const l = ZSetValue.listpack(DEFAULT_ZSET_LIMITS);
    l.add('a', -0);
    assert.ok(Object.is(l.score('a'), 0));
  });

  it('converts listpack to skiplist as zsetAdd does, and back when asked', () => {
    const limits: ZSetLimits = { maxListpackEntries: 3, maxListpackValue: 5 };
    const z = ZSetValue.create(limits);
    assert.equal(z.encoding(), 'listpack');
    for (const m of ['a', 'b', 'c']) z.add(m, 1);
    assert.equal(z.encoding(), 'listpack');
    z.add('a', 7);
    assert.equal(z.encoding(), 'listpack', 'an update never converts');
    z.add('d', 1);
    assert.equal(z.encoding(), 'skiplist');
    z.delete('d');
    assert.equal(z.encoding(), 'skiplist', 'one way');
    z.toListpackIfFits();
    assert.equal(z.encoding(), 'listpack');
    z.add('toolong', 1);
    assert.equal(z.encoding(), 'skiplist', 'a long member converts');
    z.checkStructure();
    assert.equal(ZSetValue.create(limits, 6).encoding(), 'skiplist');
    assert.equal(ZSetValue.create({ maxListpackEntries: 0, maxListpackValue: 64 }).encoding(), 'skiplist');
    // The limits object is read live.
    const live: ZSetLimits = { maxListpackEntries: 1, maxListpackValue: 64 };
    const y = ZSetValue.create(live);
    y.add('a', 1);
    live.maxListpackEntries = 10;
    y.add('b', 1);
    assert.equal(y.encoding(), 'listpack');
  });

  it('dup copies members, scores and encoding', () => {
    const z = ZSetValue.create({ maxListpackEntries: 2, maxListpackValue: 64 });
    for (let i = 0; i < 1000; i++) z.add(`m${i}`, i % 7);
    const d = z.dup();
    d.checkStructure();
    assert.equal(d.encoding(), 'skiplist');
    sameEntries(all(d), all(z), 'dup');
    d.add('m1', 100);
    assert.equal(z.score('m1'), 1);
    const small = ZSetValue.create(DEFAULT_ZSET_LIMITS);
    small.add('x', 1);
    assert.equal(small.dup().encoding(), 'listpack');
  });

  it('builds from sorted arrays in every size', () => {
    for (const n of [0, 1, 127, 128, 129, 1000, 6145, 20000]) {
      const members: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i < n; i++) {
        members.push(`m${String(i).padStart(6, '0')}`);
        scores.push(i);
      }
      const z = ZSetValue.fromSorted(DEFAULT_ZSET_LIMITS, members.slice(), scores.slice(), false);
      z.checkStructure();
      assert.equal(z.size, n);
      if (n > 0) {
        assert.equal(z.rank(members[n >> 1]), n >> 1);
        assert.deepEqual(z.at(n - 1), [members[n - 1], n - 1]);
      }
    }
  });

  it('walks with a cursor both ways', () => {
    const z = ZSetValue.create(DEFAULT_ZSET_LIMITS);
    for (let i = 0; i < 1000; i++) z.add(`m${i}`, i);
    const c = z.seekRank(500, new ZCursor());
    assert.equal(c.member, 'm500');
    for (let i = 501; i < 1000; i++) {
      assert.equal(c.next(), true);
      assert.equal(c.score, i);
    }
    assert.equal(c.next(), false);
    z.seekRank(300, c);
    for (let i = 299; i >= 0; i--) {
      assert.equal(c.prev(), true);
      assert.equal(c.score, i);
    }
    assert.equal(c.prev(), false);
    assert.equal(z.seekRank(1000).leaf, null);
  });

  it('grows to several levels and shrinks back, in random order', () => {
    const z = ZSetValue.create({ maxListpackEntries: 0, maxListpackValue: 64 });
    const n = 60000;
    const order = Array.from({ length: n }, (_, i) => i);
    let seed = 7;
    const rnd = (k: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    for (let i = n - 1; i > 0; i--) {
      const j = rnd(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const i of order) z.add(`k${i}`, i % 1000);
    z.checkStructure();
    assert.equal(z.size, n);
    // Every rank agrees with the sorted order.
    const sorted = order.slice().sort((a, b) => a % 1000 - b % 1000 || (`k${a}` < `k${b}` ? -1 : 1));
    for (let r = 0; r < n; r += 997) assert.equal(z.rank(`k${sorted[r]}`), r);
    assert.equal(z.countBelowScore(500, false), 30000);
    assert.equal(z.countBelowScore(500, true), 30060);
    // Delete most of it, in another order, then range-delete the middle.
    for (let k = 0; k < order.length - 5000; k++) assert.equal(z.delete(`k${order[(k * 7919) % n]}`) || true, true);
    z.checkStructure();
    const before = z.size;
    const removed = z.deleteRangeByRank(10, before - 11);
    assert.equal(removed, before - 20);
    assert.equal(z.size, 20);
    z.checkStructure();
    assert.equal(z.deleteRangeByRank(0, 19), 20);
    assert.equal(z.size, 0);
    z.checkStructure();
  });

  it('matches a sorted array under random operations', () => {
    const member = fc.oneof(
      fc.constantFrom('a', 'b', 'c', 'ab', '', '\x00', '\xff', 'zz'),
      fc.integer({ min: 0, max: 400 }).map((i) => `m${i}`),
    );
    const score = fc.oneof(fc.constantFrom(...SCORES), fc.integer({ min: -20, max: 20 }).map((i) => i / 4));
    const bound = fc.oneof(fc.constantFrom(...SCORES), fc.integer({ min: -20, max: 20 }).map((i) => i / 4));
    const lexBound: fc.Arbitrary<LexBound> = fc.oneof(member, fc.constantFrom<LexBound>(LEX_MINUS, LEX_PLUS));
    const op = fc.oneof(
      { arbitrary: fc.tuple(fc.constant('add' as const), member, score), weight: 6 },
      { arbitrary: fc.tuple(fc.constant('bulk' as const), fc.integer({ min: 1, max: 3000 }), score), weight: 1 },
      { arbitrary: fc.tuple(fc.constant('del' as const), member), weight: 3 },
      { arbitrary: fc.tuple(fc.constant('rank' as const), member, fc.boolean()), weight: 2 },
      { arbitrary: fc.tuple(fc.constant('byrank' as const), fc.nat(3000), fc.nat(3000), fc.boolean()), weight: 2 },
      {
        arbitrary: fc.tuple(fc.constant('byscore' as const), bound, bound, fc.boolean(), fc.boolean(), fc.boolean()),
        weight: 2,
      },
      {
        arbitrary: fc.tuple(fc.constant('bylex' as const), lexBound, lexBound, fc.boolean(), fc.boolean(), fc.boolean()),
        weight: 2,
      },
      { arbitrary: fc.tuple(fc.constant('delrank' as const), fc.nat(3000), fc.nat(600)), weight: 1 },
      { arbitrary: fc.tuple(fc.constant('delscore' as const), bound, bound, fc.boolean(), fc.boolean()), weight: 1 },
      { arbitrary: fc.tuple(fc.constant('dellex' as const), lexBound, lexBound, fc.boolean(), fc.boolean()), weight: 1 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.array(op, { maxLength: 60 }), (maxEntries, ops) => {
        const z = ZSetValue.create({ maxListpackEntries: maxEntries, maxListpackValue: 64 });
        const model = new Naive();
        // Lex ranges assume equal scores: a second set where every score is 0 checks them.
        const lz = ZSetValue.create({ maxListpackEntries: maxEntries, maxListpackValue: 64 });
        const lmodel = new Naive();
        let bulk = 0;
        for (const o of ops) {
          switch (o[0]) {
            case 'add': {
              const isNew = z.add(o[1], o[2]);
              // What a listpack stores of -0 (the add may also have converted the set first).
              const s = z.isListpack && o[2] === 0 ? 0 : o[2];
              assert.equal(isNew, model.add(o[1], s));
              lz.add(o[1], 0);
              lmodel.add(o[1], 0);
              break;
            }
            case 'bulk':
              for (let i = 0; i < o[1]; i++) {
                const m = `b${bulk++}`;
                const s = (o[2] === Infinity || o[2] === -Infinity ? 0 : o[2]) + (i % 13);
                z.add(m, s);
                model.add(m, s);
                lz.add(m, 0);
                lmodel.add(m, 0);
              }
              break;
            case 'del':
              assert.equal(z.delete(o[1]), model.delete(o[1]));
              lz.delete(o[1]);
              lmodel.delete(o[1]);
              break;
            case 'rank': {
              const at = model.find(o[1]);
              const expected = at < 0 ? -1 : o[2] ? model.items.length - 1 - at : at;
              assert.equal(z.rank(o[1], o[2]), expected);
              break;
            }
            case 'byrank': {
              const n = model.items.length;
              const start = Math.min(o[1], o[2]);
              const stop = Math.min(Math.max(o[1], o[2]), n - 1);
              let expected = start <= stop ? model.items.slice(start, stop + 1) : [];
              if (o[3]) expected = expected.reverse();
              sameEntries([...z.rangeByRank(start, stop, o[3])], expected, 'rangeByRank');
              break;
            }
            case 'byscore': {
              const r: ScoreRange = { min: o[1], max: o[2], minex: o[3], maxex: o[4] };
              let expected = model.inScore(r);
              const [first, end] = z.scoreRanks(r);
              assert.equal(Math.max(0, end - first), expected.length, 'count in score range');
              if (o[5]) expected = expected.reverse();
              sameEntries([...z.rangeByScore(r, o[5])], expected, 'rangeByScore');
              break;
            }
            case 'bylex': {
              const r: LexRange = { min: o[1], max: o[2], minex: o[3] || typeof o[1] !== 'string', maxex: o[4] || typeof o[2] !== 'string' };
              let expected = lmodel.inLex(r);
              if (o[5]) expected = expected.reverse();
              sameEntries([...lz.rangeByLex(r, o[5])], expected, 'rangeByLex');
              break;
            }
            case 'delrank': {
              const n = model.items.length;
              const start = Math.min(o[1], n);
              const stop = start + o[2];
              const expected = n === 0 || start >= n ? 0 : Math.min(stop, n - 1) - start + 1;
              assert.equal(z.deleteRangeByRank(start, stop), expected);
              model.items.splice(start, expected);
              break;
            }
            case 'delscore': {
              const r: ScoreRange = { min: o[1], max: o[2], minex: o[3], maxex: o[4] };
              const gone = model.inScore(r);
              assert.equal(z.deleteRangeByScore(r), gone.length);
              for (const [m] of gone) model.delete(m);
              break;
            }
            case 'dellex': {
              const r: LexRange = { min: o[1], max: o[2], minex: o[3] || typeof o[1] !== 'string', maxex: o[4] || typeof o[2] !== 'string' };
              const gone = lmodel.inLex(r);
              assert.equal(lz.deleteRangeByLex(r), gone.length);
              for (const [m] of gone) lmodel.delete(m);
              break;
            }
          }
        }
        z.checkStructure();
        lz.checkStructure();
        sameEntries(all(z), model.items, 'contents');
        sameEntries(all(lz), lmodel.items, 'lex contents');
        for (const [m, s] of model.items) assert.ok(Object.is(z.score(m), s));
        assert.equal(z.size, model.items.length);
        assert.equal(z.encoding(), model.items.length > maxEntries || z.encoding() === 'skiplist' ? z.encoding() : 'listpack');
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    );
  });
});
