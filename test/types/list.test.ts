// The list structure (types/list.ts) against a plain array: random operations at every node
// size, with short, long, integer and binary elements, checking every element after each step.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ListValue, listCursor, setPackedThreshold } from '../../src/types/list.js';
import {
  lpCheck,
  lpEntryLen,
  lpIntValue,
  lpPrepare,
  lpRead,
  lpWriteEntry,
  lpWriteHeader,
  lpEquals,
  LP_HDR_SIZE,
} from '../../src/types/listpack.js';

function contents(l: ListValue): string[] {
  const out: string[] = [];
  if (l.length === 0) return out;
  listCursor.seek(l, 0);
  for (let i = 0; i < l.length; i++) out.push(listCursor.next());
  return out;
}

function reversed(l: ListValue): string[] {
  const out: string[] = [];
  if (l.length === 0) return out;
  listCursor.seek(l, l.length - 1, true);
  for (let i = 0; i < l.length; i++) out.push(listCursor.next());
  return out;
}

const element = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'xxx', '', '0', '-1', '127', '128', '-4096', '4095', '32768', '-8388608', '2147483648', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '007', '-0', '1e3') },
  { weight: 3, arbitrary: fc.integer({ min: -1e6, max: 1e6 }).map(String) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a).toString('latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 5000 }).map((n) => 'v'.repeat(n)) },
);

type Op =
  | { op: 'pushHead' | 'pushTail'; s: string }
  | { op: 'popHead' | 'popTail' }
  | { op: 'set'; i: number; s: string }
  | { op: 'insert'; i: number; s: string; after: boolean }
  | { op: 'remove'; i: number; n: number }
  | { op: 'rem'; s: string; limit: number; tail: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('pushHead' as const, 'pushTail' as const), s: element }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('popHead' as const, 'popTail' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('set' as const), i: fc.nat(1000), s: element }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), i: fc.nat(1000), s: element, after: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), i: fc.nat(1000), n: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rem' as const), s: element, limit: fc.nat(3), tail: fc.boolean() }) },
);

function apply(l: ListValue, model: string[], o: Op): void {
  switch (o.op) {
    case 'pushHead':
      l.pushHead(o.s);
      model.unshift(o.s);
      break;
    case 'pushTail':
      l.pushTail(o.s);
      model.push(o.s);
      break;
    case 'popHead':
      if (model.length) assert.equal(l.popHead(), model.shift());
      break;
    case 'popTail':
      if (model.length) assert.equal(l.popTail(), model.pop());
      break;
    case 'set':
      if (model.length) {
        const i = o.i % model.length;
        l.set(i, o.s);
        model[i] = o.s;
      }
      break;
    case 'insert': {
      if (model.length === 0) {
        l.pushTail(o.s);
        model.push(o.s);
        break;
      }
      const i = o.i % model.length;
      l.insert(i, o.s, o.after);
      model.splice(o.after ? i + 1 : i, 0, o.s);
      break;
    }
    case 'remove':
      if (model.length) {
        const i = o.i % model.length;
        const n = Math.min(o.n, model.length - i);
        l.removeRange(i, n);
        model.splice(i, n);
      }
      break;
    case 'rem': {
      let removed = 0;
      if (!o.tail) {
        for (let i = 0; i < model.length; i++) {
          if (model[i] === o.s && (o.limit === 0 || removed < o.limit)) {
            model.splice(i--, 1);
            removed++;
          }
        }
      } else {
        for (let i = model.length - 1; i >= 0; i--) {
          if (model[i] === o.s && (o.limit === 0 || removed < o.limit)) {
            model.splice(i, 1);
            removed++;
          }
        }
      }
      assert.equal(l.removeMatching(o.s, o.limit, o.tail), removed);
      break;
    }
  }
}

describe('list structure', () => {
  it('encodes listpack entries as Redis does', () => {
    const cases: Array<[string, number]> = [
      ['0', 1], ['127', 1], ['128', 2], ['-1', 2], ['-4096', 2], ['4095', 2], ['4096', 3], ['-32768', 3],
      ['32768', 4], ['-8388608', 4], ['8388608', 5], ['2147483647', 5], ['2147483648', 9],
      ['-9223372036854775808', 9], ['9223372036854775807', 9], ['', 1], ['a', 2], ['a'.repeat(63), 64], ['a'.repeat(64), 66],
      ['a'.repeat(4095), 4097], ['a'.repeat(4096), 4101],
    ];
    const buf = Buffer.alloc(10000);
    for (const [s, enc] of cases) {
      const size = lpPrepare(s);
      const end = lpWriteEntry(buf, 0, s);
      assert.equal(end, size, s.slice(0, 10));
      assert.equal(lpEntryLen(buf, 0), size);
      assert.equal(size - enc, enc <= 127 ? 1 : enc < 16383 ? 2 : 3, `backlen of ${s.slice(0, 10)}`);
      assert.equal(lpRead(buf, 0), s);
      assert.ok(lpEquals(buf, 0, s));
    }
    for (const s of ['9223372036854775808', '-0', '007', '+1', '1 ', '']) {
      if (s !== '') assert.equal(lpIntValue(s), null, s);
    }
    // A whole listpack passes the integrity check.
    const lp = Buffer.alloc(64);
    let p = LP_HDR_SIZE;
    for (const s of ['a', '1', '-70000']) p = lpWriteEntry(lp, p, s);
    lp[p] = 0xff;
    lpWriteHeader(lp, 0, p - LP_HDR_SIZE, 3);
    assert.deepEqual(lpCheck(lp, 0, p + 1), [LP_HDR_SIZE, p, 3]);
    lpWriteHeader(lp, 0, p - LP_HDR_SIZE, 2);
    assert.equal(lpCheck(lp, 0, p + 1), null);
  });

  for (const fill of [-2, -1, -5, 1, 4, 128, 0, -6]) {
    it(`matches an array under random operations (list-max-listpack-size ${fill})`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 50, maxLength: 400 }), (ops) => {
          const l = new ListValue(fill);
          const model: string[] = [];
          for (const o of ops) {
            apply(l, model, o);
            assert.equal(l.length, model.length);
          }
          assert.deepEqual(contents(l), model);
          assert.deepEqual(reversed(l), [...model].reverse());
          for (let i = 0; i < model.length; i += 7) assert.equal(l.get(i), model[i]);
          assert.deepEqual(contents(l.dup()), model);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('keeps long lists correct with many nodes', () => {
    const l = new ListValue(-2);
    const model: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const s = i % 3 === 0 ? String(i) : `e${i}`;
      if (i % 2) {
        l.pushTail(s);
        model.push(s);
      } else {
        l.pushHead(s);
        model.unshift(s);
      }
    }
    assert.ok(l.nodeCount > 10);
    for (let i = 0; i < model.length; i += 97) assert.equal(l.get(i), model[i]);
    l.removeRange(100, 15000);
    model.splice(100, 15000);
    assert.deepEqual(contents(l), model);
  });

  it('stores elements past the packed threshold as plain nodes', () => {
    assert.ok(setPackedThreshold(5));
    try {
      const l = new ListValue(-2);
      for (const s of ['aaaaaa', 'b', 'cccccccc', 'd']) l.pushTail(s);
      for (let i = 0; i < 20; i++) l.pushTail(`x${i}xxxx`);
      assert.equal(l.get(0), 'aaaaaa');
      l.insert(2, 'yyyyyyyy', false);
      assert.equal(l.get(2), 'yyyyyyyy');
      assert.equal(l.get(3), 'cccccccc');
    } finally {
      setPackedThreshold(0);
    }
  });
});
