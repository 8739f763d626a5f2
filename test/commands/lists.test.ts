// List commands, checked against real Redis byte for byte: every command's normal use, options
// and errors, missing keys, wrong types, huge/negative/zero counts, binary values, long lists
// (many quicklist nodes), RESP3, keyspace events and the replication stream. Blocking is in
// test/keyspace/blocking.test.ts, RDB in test/persistence/lists.test.ts.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite, type StepLike } from '../helpers/differential.js';
import { bulkText } from '../helpers/resp.js';

const BINARY = '\x00\x01\xff\r\n\x80 \xe9\x00';
const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
const LONG = 'x'.repeat(5000);
const HUGE = 'y'.repeat(70000);

/** Values at every listpack encoding's edges, and strings that look like numbers but are not. */
const EDGE_VALUES = [
  '0', '1', '127', '128', '-1', '-4096', '4095', '4096', '-4097', '32767', '32768', '-32768', '-32769',
  '8388607', '8388608', '-8388608', '-8388609', '2147483647', '2147483648', '-2147483648', '-2147483649',
  INT64_MAX, INT64_MIN, '9223372036854775808', '-9223372036854775809', '007', '-0', '+1', ' 1', '1.5', '',
  'a'.repeat(63), 'a'.repeat(64), 'b'.repeat(4095), 'b'.repeat(4096), BINARY,
];

/** Steps that push count numbered elements onto key (in chunks, so the commands stay small). */
function fill(key: string, count: number, prefix = 'e', chunk = 500): StepLike[] {
  const steps: StepLike[] = [];
  for (let i = 0; i < count; i += chunk) {
    const args: string[] = [];
    for (let j = i; j < Math.min(count, i + chunk); j++) args.push(j % 3 === 0 ? String(j) : `${prefix}${j}`);
    steps.push({ cmd: ['RPUSH', key, ...args], setup: true });
  }
  return steps;
}

/** Every list command against a key holding a string: WRONGTYPE (or the reply that comes first). */
const WRONGTYPE_STEPS: StepLike[] = [
  ['SET', 's', 'v'],
  ['LPUSH', 's', 'a'], ['RPUSH', 's', 'a'], ['LPUSHX', 's', 'a'], ['RPUSHX', 's', 'a'],
  ['LINSERT', 's', 'BEFORE', 'a', 'b'], ['LINSERT', 's', 'bad', 'a', 'b'],
  ['LLEN', 's'], ['LINDEX', 's', '0'], ['LINDEX', 's', 'x'], ['LSET', 's', '0', 'a'], ['LSET', 's', 'x', 'a'],
  ['LRANGE', 's', '0', '-1'], ['LRANGE', 's', 'x', '-1'], ['LTRIM', 's', '0', '1'], ['LPOS', 's', 'a'], ['LPOS', 's', 'a', 'COUNT', '0'],
  ['LREM', 's', '0', 'a'], ['LPOP', 's'], ['LPOP', 's', '2'], ['LPOP', 's', '0'], ['RPOP', 's'], ['RPOP', 's', '0'],
  ['LMPOP', '1', 's', 'LEFT'], ['LMPOP', '2', 'nokey', 's', 'RIGHT', 'COUNT', '3'],
  ['RPUSH', 'l', 'x'],
  ['LMPOP', '2', 's', 'l', 'LEFT'],
  ['LMOVE', 's', 'l', 'LEFT', 'RIGHT'], ['LMOVE', 'l', 's', 'LEFT', 'RIGHT'], ['LRANGE', 'l', '0', '-1'],
  ['RPOPLPUSH', 's', 'l'], ['RPOPLPUSH', 'l', 's'], ['RPOPLPUSH', 'nokey', 's'],
  ['BLPOP', 's', '0'], ['BRPOP', 'nokey', 's', '0'], ['BLMPOP', '0', '1', 's', 'LEFT'],
  ['BLMOVE', 's', 'l', 'LEFT', 'LEFT', '0'], ['BLMOVE', 'l', 's', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', 's', 'l', '0'],
  ['GET', 'l'], ['INCR', 'l'], ['APPEND', 'l', 'x'],
];

describe('list commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  describe('LPUSH RPUSH LPUSHX RPUSHX LLEN', () => {
    it('pushes at both ends, binary and empty values too', async () => {
      await d.check([
        ['LPUSH', 'l', 'a'],
        ['LPUSH', 'l', 'b', 'c', 'd'],
        ['RPUSH', 'l', 'e', 'f'],
        ['RPUSH', 'l', BINARY, '', BINARY],
        ['LRANGE', 'l', '0', '-1'],
        ['LLEN', 'l'],
        ['LLEN', 'nokey'],
        ['LPUSH', BINARY, BINARY],
        ['LRANGE', BINARY, '0', '-1'],
        ['LPUSH', '', ''],
        ['LRANGE', '', '0', '-1'],
        ['TYPE', 'l'],
        ['OBJECT', 'ENCODING', 'l'],
        ['LPUSH', 'l'],
        ['RPUSH'],
        ['LLEN', 'l', 'x'],
      ]);
    });

    it('keeps every encoding of a value as it was sent', async () => {
      await d.check([['RPUSH', 'l', ...EDGE_VALUES], ['LRANGE', 'l', '0', '-1'], ['LPUSH', 'm', ...EDGE_VALUES], ['LRANGE', 'm', '0', '-1']]);
      for (let i = 0; i < EDGE_VALUES.length; i += 5) {
        await d.check([['RPUSH', 'l', ...EDGE_VALUES], ['LINDEX', 'l', String(i)], ['LINDEX', 'l', String(-i - 1)], ['LPOS', 'l', EDGE_VALUES[i]]]);
      }
    });

    it('LPUSHX and RPUSHX only push onto an existing list', async () => {
      await d.check([
        ['LPUSHX', 'l', 'a'],
        ['RPUSHX', 'l', 'a', 'b'],
        ['EXISTS', 'l'],
        ['RPUSH', 'l', 'x'],
        ['LPUSHX', 'l', 'a', 'b'],
        ['RPUSHX', 'l', 'c', 'd'],
        ['LRANGE', 'l', '0', '-1'],
        ['LPUSHX', 'l'],
      ]);
    });

    it('long lists: many nodes, long and very long values', async () => {
      await d.check([
        ...fill('l', 3000),
        ['LLEN', 'l'],
        ['LPUSH', 'l', LONG, HUGE, 'short'],
        ['RPUSH', 'l', HUGE, LONG],
        ['LINDEX', 'l', '0'],
        ['LINDEX', 'l', '1'],
        ['LINDEX', 'l', '2'],
        ['LINDEX', 'l', '1500'],
        ['LINDEX', 'l', '-1'],
        ['LINDEX', 'l', '-2'],
        ['LRANGE', 'l', '1490', '1510'],
        ['LRANGE', 'l', '-10', '-1'],
        ['LRANGE', 'l', '0', '5'],
        ['LLEN', 'l'],
        ['OBJECT', 'ENCODING', 'l'],
      ]);
    });
  });

  describe('LINDEX LSET LRANGE', () => {
    it('LINDEX: positive, negative and out-of-range indexes', async () => {
      await d.check([
        ['RPUSH', 'l', 'a', 'b', 'c'],
        ['LINDEX', 'l', '0'],
        ['LINDEX', 'l', '2'],
        ['LINDEX', 'l', '3'],
        ['LINDEX', 'l', '-1'],
        ['LINDEX', 'l', '-3'],
        ['LINDEX', 'l', '-4'],
        ['LINDEX', 'l', INT64_MAX],
        ['LINDEX', 'l', INT64_MIN],
        ['LINDEX', 'l', 'x'],
        ['LINDEX', 'l', '1.0'],
        ['LINDEX', 'l', '9223372036854775808'],
        ['LINDEX', 'nokey', '0'],
        ['LINDEX', 'nokey', 'x'],
      ]);
    });

    it('LSET replaces in place, with Redis errors for a missing key and a bad index', async () => {
      await d.check([
        ['LSET', 'nokey', '0', 'a'],
        ['LSET', 'nokey', 'x', 'a'],
        ['RPUSH', 'l', 'a', 'b', 'c'],
        ['LSET', 'l', '0', 'A'],
        ['LSET', 'l', '-1', 'C'],
        ['LSET', 'l', '3', 'x'],
        ['LSET', 'l', '-4', 'x'],
        ['LSET', 'l', 'x', 'x'],
        ['LSET', 'l', '1', LONG],
        ['LSET', 'l', '1', '12345'],
        ['LSET', 'l', '2', BINARY],
        ['LRANGE', 'l', '0', '-1'],
        ...fill('big', 2000),
        ['LSET', 'big', '1000', LONG],
        ['LSET', 'big', '1001', HUGE],
        ['LSET', 'big', '1000', 'small'],
        ['LSET', 'big', '1001', '7'],
        ['LRANGE', 'big', '995', '1005'],
        ['LLEN', 'big'],
      ]);
    });

    it('LRANGE: every kind of range', async () => {
      const ranges = [
        ['0', '-1'], ['0', '0'], ['1', '2'], ['-2', '-1'], ['-100', '100'], ['5', '2'], ['10', '20'], ['-1', '-2'],
        ['3', '3'], ['4', '-1'], [INT64_MIN, INT64_MAX], [INT64_MAX, INT64_MIN], ['0', INT64_MIN], ['x', '1'], ['0', 'y'], ['1.5', '2'],
      ];
      await d.check([['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'], ...ranges.map((r) => ['LRANGE', 'l', ...r]), ['LRANGE', 'nokey', '0', '-1'], ['LRANGE', 'nokey', 'x', '-1']]);
      await d.check([...fill('l', 1000), ...ranges.map((r) => ['LRANGE', 'l', ...r]), ['LRANGE', 'l', '100', '120'], ['LRANGE', 'l', '-600', '-580']]);
    });
  });

  describe('LPOP RPOP', () => {
    it('single pops, counts, and the key deleted when empty', async () => {
      await d.check([
        ['LPOP', 'nokey'],
        ['RPOP', 'nokey'],
        ['LPOP', 'nokey', '0'],
        ['LPOP', 'nokey', '3'],
        ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
        ['LPOP', 'l'],
        ['RPOP', 'l'],
        ['LPOP', 'l', '0'],
        ['LPOP', 'l', '1'],
        ['RPOP', 'l', '2'],
        ['LPOP', 'l', '-1'],
        ['LPOP', 'l', 'x'],
        ['LPOP', 'l', INT64_MIN],
        ['LPOP', 'l', '1', '2'],
        ['RPOP', 'l', '1', '2', '3'],
        ['LPOP', 'l', INT64_MAX],
        ['EXISTS', 'l'],
        ['RPUSH', 'l', 'x'],
        ['RPOP', 'l', '9223372036854775808'],
        ['RPOP', 'l'],
        ['EXISTS', 'l'],
      ]);
    });

    it('pops across nodes', async () => {
      await d.check([...fill('l', 2000), ['LPOP', 'l', '700'], ['RPOP', 'l', '700'], ['LLEN', 'l'], ['LRANGE', 'l', '0', '3'], ['RPOP', 'l', '1000'], ['EXISTS', 'l']]);
    });

    it('RESP3 replies', async () => {
      await d.check(
        [
          ['LPOP', 'nokey'],
          ['LPOP', 'nokey', '1'],
          ['RPUSH', 'l', 'a', 'b', 'c'],
          ['LPOP', 'l', '0'],
          ['LPOP', 'l', '2'],
          ['LINDEX', 'l', '5'],
          ['LRANGE', 'l', '0', '-1'],
          ['LPOS', 'l', 'zz'],
          ['LPOS', 'l', 'zz', 'COUNT', '0'],
          ['LMPOP', '1', 'nokey', 'LEFT'],
          ['LMPOP', '1', 'l', 'LEFT'],
          ['LMOVE', 'nokey', 'x', 'LEFT', 'LEFT'],
          ['BLPOP', 'nokey', '0.01'],
          ['BLMPOP', '0.01', '1', 'nokey', 'LEFT'],
          ['BLMOVE', 'nokey', 'x', 'LEFT', 'LEFT', '0.01'],
          ['BRPOPLPUSH', 'nokey', 'x', '0.01'],
        ],
        { resp3: true },
      );
    });
  });

  describe('LTRIM LREM LINSERT', () => {
    it('LTRIM: ranges, emptying the list, errors', async () => {
      await d.check([
        ['LTRIM', 'nokey', '0', '1'],
        ['LTRIM', 'nokey', 'x', '1'],
        ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
        ['LTRIM', 'l', '1', '-2'],
        ['LRANGE', 'l', '0', '-1'],
        ['LTRIM', 'l', '0', '100'],
        ['LTRIM', 'l', '-2', '-1'],
        ['LRANGE', 'l', '0', '-1'],
        ['LTRIM', 'l', 'x', '1'],
        ['LTRIM', 'l', '0', 'y'],
        ['LTRIM', 'l', '5', '1'],
        ['EXISTS', 'l'],
        ...fill('big', 3000),
        ['LTRIM', 'big', '1000', '-1000'],
        ['LLEN', 'big'],
        ['LRANGE', 'big', '0', '2'],
        ['LRANGE', 'big', '-3', '-1'],
        ['LTRIM', 'big', INT64_MIN, INT64_MAX],
        ['LLEN', 'big'],
        ['LTRIM', 'big', '-1', '0'],
        ['EXISTS', 'big'],
      ]);
    });

    it('LREM: from the head, from the tail, all, and the key deleted when empty', async () => {
      await d.check([
        ['LREM', 'nokey', '0', 'a'],
        ['LREM', 'nokey', 'x', 'a'],
        ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b', 'a'],
        ['LREM', 'l', '1', 'a'],
        ['LRANGE', 'l', '0', '-1'],
        ['LREM', 'l', '-2', 'a'],
        ['LRANGE', 'l', '0', '-1'],
        ['LREM', 'l', '0', 'b'],
        ['LREM', 'l', '0', 'zz'],
        ['LREM', 'l', 'x', 'a'],
        ['LRANGE', 'l', '0', '-1'],
        ['LREM', 'l', INT64_MIN, 'a'],
        ['LREM', 'l', '0', 'c'],
        ['EXISTS', 'l'],
        ['RPUSH', 'n', '1', '01', '1', '-0', '0', '1'],
        ['LREM', 'n', '0', '1'],
        ['LREM', 'n', '0', '0'],
        ['LRANGE', 'n', '0', '-1'],
        ...fill('big', 3000, 'x'),
        ['RPUSH', 'big', ...Array.from({ length: 40 }, () => 'dup')],
        ['LPUSH', 'big', ...Array.from({ length: 40 }, () => 'dup')],
        ['LREM', 'big', '-45', 'dup'],
        ['LREM', 'big', '10', 'dup'],
        ['LRANGE', 'big', '0', '40'],
        ['LREM', 'big', '0', 'dup'],
        ['LREM', 'big', '0', '3'],
        ['LLEN', 'big'],
      ]);
    });

    it('LINSERT: before and after, missing pivot or key, syntax', async () => {
      await d.check([
        ['LINSERT', 'nokey', 'BEFORE', 'a', 'x'],
        ['LINSERT', 'nokey', 'middle', 'a', 'x'],
        ['RPUSH', 'l', 'a', 'b', 'c'],
        ['LINSERT', 'l', 'BEFORE', 'a', 'x'],
        ['LINSERT', 'l', 'after', 'c', 'y'],
        ['LINSERT', 'l', 'AfTeR', 'b', BINARY],
        ['LINSERT', 'l', 'before', 'zz', 'w'],
        ['LINSERT', 'l', 'after\0x', 'b', 'nul'],
        ['LINSERT', 'l', 'aft3r', 'b', 'w'],
        ['LINSERT', 'l', 'BEFORE', 'b', LONG],
        ['LINSERT', 'l', 'BEFORE', 'b', '42'],
        ['LRANGE', 'l', '0', '-1'],
        ...fill('big', 3000),
        ['LINSERT', 'big', 'BEFORE', 'e1000', 'ins1'],
        ['LINSERT', 'big', 'AFTER', '999', 'ins2'],
        ['LINSERT', 'big', 'AFTER', 'e2999', 'last'],
        ['LINSERT', 'big', 'BEFORE', '0', 'first'],
        ['LINSERT', 'big', 'BEFORE', 'e1000', HUGE],
        ['LRANGE', 'big', '998', '1004'],
        ['LRANGE', 'big', '0', '1'],
        ['LRANGE', 'big', '-2', '-1'],
        ['LLEN', 'big'],
      ]);
    });
  });

  describe('LPOS', () => {
    it('RANK, COUNT and MAXLEN, negative ranks, in Redis order', async () => {
      const list = ['a', 'b', 'c', '1', '2', '3', 'c', 'c', '1'];
      const cases: string[][] = [
        ['c'], ['c', 'RANK', '2'], ['c', 'RANK', '-1'], ['c', 'RANK', '-3'], ['c', 'RANK', '4'], ['c', 'RANK', '-4'],
        ['c', 'COUNT', '0'], ['c', 'COUNT', '2'], ['c', 'COUNT', '0', 'RANK', '2'], ['c', 'COUNT', '0', 'RANK', '-1'],
        ['c', 'COUNT', '1', 'RANK', '-2'], ['c', 'MAXLEN', '3'], ['c', 'MAXLEN', '2'], ['c', 'RANK', '-1', 'MAXLEN', '2'],
        ['c', 'RANK', '-1', 'MAXLEN', '3', 'COUNT', '0'], ['1'], ['1', 'RANK', '-1'], ['zz'], ['zz', 'COUNT', '3'],
        ['c', 'RANK', '0'], ['c', 'RANK', 'x'], ['c', 'COUNT', '-1'], ['c', 'COUNT', 'x'], ['c', 'MAXLEN', '-1'], ['c', 'MAXLEN', 'x'],
        ['c', 'RANK'], ['c', 'FOO', '1'], ['c', 'COUNT', '1', 'COUNT', '2'], ['c', 'RANK', INT64_MAX], ['c', 'RANK', '-' + INT64_MAX],
        ['c', 'COUNT', INT64_MAX], ['c', 'MAXLEN', INT64_MAX], ['c', 'rank', '1\0x'], ['c', 'count\0', '1'],
      ];
      await d.check([['RPUSH', 'l', ...list], ...cases.map((c) => ['LPOS', 'l', ...c]), ['LPOS', 'nokey', 'a'], ['LPOS', 'nokey', 'a', 'COUNT', '1'], ['LPOS', 'nokey', 'a', 'RANK', '0']]);
      await d.check(
        [['RPUSH', 'l', ...list], ...cases.slice(0, 12).map((c) => ['LPOS', 'l', ...c]), ['LPOS', 'nokey', 'a'], ['LPOS', 'nokey', 'a', 'COUNT', '1']],
        { resp3: true },
      );
    });

    it('searches long lists from either end', async () => {
      await d.check([
        ...fill('l', 3000),
        ['LPOS', 'l', 'e1000'],
        ['LPOS', 'l', '1500'],
        ['LPOS', 'l', '1500', 'RANK', '-1'],
        ['LPOS', 'l', 'e2999', 'MAXLEN', '2999'],
        ['LPOS', 'l', 'e2999', 'MAXLEN', '3000'],
        ['RPUSH', 'l', 'e1000', 'e1000'],
        ['LPOS', 'l', 'e1000', 'COUNT', '0'],
        ['LPOS', 'l', 'e1000', 'COUNT', '0', 'RANK', '-1'],
        ['LPOS', 'l', 'e1000', 'COUNT', '2', 'RANK', '-2', 'MAXLEN', '1'],
      ]);
    });
  });

  describe('LMOVE RPOPLPUSH LMPOP', () => {
    it('LMOVE in every direction, onto itself and onto new keys', async () => {
      const steps: StepLike[] = [['RPUSH', 'src', 'a', 'b', 'c', 'd']];
      for (const from of ['LEFT', 'RIGHT']) for (const to of ['LEFT', 'RIGHT']) steps.push(['LMOVE', 'src', 'dst', from, to], ['LRANGE', 'dst', '0', '-1']);
      steps.push(
        ['EXISTS', 'src'],
        ['LMOVE', 'src', 'dst', 'left', 'right'],
        ['LMOVE', 'dst', 'dst', 'LEFT', 'RIGHT'],
        ['LMOVE', 'dst', 'dst', 'RIGHT', 'RIGHT'],
        ['LRANGE', 'dst', '0', '-1'],
        ['RPUSH', 'one', 'x'],
        ['LMOVE', 'one', 'one', 'LEFT', 'LEFT'],
        ['LRANGE', 'one', '0', '-1'],
        ['LMOVE', 'nokey', 'dst', 'LEFT', 'LEFT'],
        ['LMOVE', 'dst', 'new', 'LEFT', 'UP'],
        ['LMOVE', 'dst', 'new', 'DOWN', 'LEFT'],
        ['LMOVE', 'dst', 'new', 'left\0x', 'RIGHT'],
        ['LRANGE', 'new', '0', '-1'],
        ['LMOVE', 'dst', 'new', 'LEFT'],
      );
      await d.check(steps);
    });

    it('RPOPLPUSH', async () => {
      await d.check([
        ['RPOPLPUSH', 'nokey', 'dst'],
        ['RPUSH', 'src', 'a', 'b', 'c'],
        ['RPOPLPUSH', 'src', 'dst'],
        ['RPOPLPUSH', 'src', 'src'],
        ['LRANGE', 'src', '0', '-1'],
        ['RPOPLPUSH', 'src', 'dst'],
        ['RPOPLPUSH', 'src', 'dst'],
        ['EXISTS', 'src'],
        ['LRANGE', 'dst', '0', '-1'],
        ['RPOPLPUSH', 'src'],
      ]);
    });

    it('LMPOP: the first non-empty key, counts, errors in Redis order', async () => {
      await d.check([
        ['LMPOP', '2', 'a', 'b', 'LEFT'],
        ['RPUSH', 'b', '1', '2', '3', '4', '5'],
        ['RPUSH', 'c', 'x'],
        ['LMPOP', '2', 'a', 'b', 'LEFT'],
        ['LMPOP', '2', 'a', 'b', 'RIGHT', 'COUNT', '2'],
        ['LMPOP', '3', 'a', 'b', 'c', 'left', 'count', '10'],
        ['EXISTS', 'b'],
        ['LMPOP', '1', 'c', 'RIGHT', 'COUNT', INT64_MAX],
        ['LMPOP', '0', 'a', 'LEFT'],
        ['LMPOP', '-1', 'a', 'LEFT'],
        ['LMPOP', 'x', 'a', 'LEFT'],
        ['LMPOP', INT64_MAX, 'a', 'LEFT'],
        ['LMPOP', '3', 'a', 'b', 'LEFT'],
        ['LMPOP', '1', 'a', 'UP'],
        ['LMPOP', '1', 'a', 'LEFT', 'COUNT'],
        ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'],
        ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '-1'],
        ['LMPOP', '1', 'a', 'LEFT', 'COUNT', 'x'],
        ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '2'],
        ['LMPOP', '1', 'a', 'LEFT', 'FOO'],
        ['LMPOP', '1'],
        ['LMPOP', '1', 'a'],
      ]);
    });
  });

  describe('blocking commands that need not block', () => {
    it('serve at once when data is there, and time out on an empty key', async () => {
      await d.check([
        ['RPUSH', 'a', '1', '2', '3'],
        ['RPUSH', 'b', 'x', 'y'],
        ['BLPOP', 'nokey', 'a', 'b', '0'],
        ['BRPOP', 'b', 'a', '0'],
        ['BLPOP', 'b', 'b', '0.5'],
        ['EXISTS', 'b'],
        ['BLMPOP', '0', '2', 'nokey', 'a', 'RIGHT', 'COUNT', '5'],
        ['RPUSH', 'a', '1', '2', '3'],
        ['BLMPOP', '1', '1', 'a', 'LEFT'],
        ['BLMOVE', 'a', 'dst', 'RIGHT', 'LEFT', '0'],
        ['BRPOPLPUSH', 'a', 'dst', '0'],
        ['LRANGE', 'dst', '0', '-1'],
        ['EXISTS', 'a'],
        ['BLPOP', 'nokey', '0.05'],
        ['BRPOP', 'nokey', 'nokey2', '0.01'],
        ['BLMPOP', '0.01', '2', 'nokey', 'nokey2', 'LEFT', 'COUNT', '3'],
        ['BLMOVE', 'nokey', 'dst', 'LEFT', 'RIGHT', '0.01'],
        ['BRPOPLPUSH', 'nokey', 'dst', '0.01'],
      ]);
    });

    it('timeout and argument errors, in Redis order', async () => {
      await d.check([
        ['BLPOP', 'k', '-1'],
        ['BLPOP', 'k', 'x'],
        ['BLPOP', 'k', ''],
        ['BLPOP', 'k', 'nan'],
        ['BLPOP', 'k', ' 1'],
        ['BLPOP', 'k', '-inf'],
        ['BRPOP', 'k', '-0.5'],
        ['BLPOP', 'k'],
        ['BLMPOP', 'x', '1', 'k', 'LEFT'],
        ['BLMPOP', '-1', '1', 'k', 'LEFT'],
        ['BLMPOP', '0', '0', 'k', 'LEFT'],
        ['BLMPOP', 'x', '0', 'k', 'LEFT'],
        ['BLMPOP', '0', '2', 'k', 'LEFT'],
        ['BLMPOP', 'x', '1', 'k', 'UP'],
        ['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '0'],
        ['BLMPOP', '0', '1', 'k'],
        ['BLMOVE', 'a', 'b', 'UP', 'LEFT', '-1'],
        ['BLMOVE', 'a', 'b', 'LEFT', 'UP', '-1'],
        ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '-1'],
        ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', 'x'],
        ['BRPOPLPUSH', 'a', 'b', '-1'],
        ['BRPOPLPUSH', 'a', 'b', 'x'],
        ['BRPOPLPUSH', 'a', 'b'],
      ]);
    });
  });

  describe('types and keys', () => {
    it('WRONGTYPE everywhere it belongs, in Redis order', async () => {
      await d.check(WRONGTYPE_STEPS);
    });

    it('TYPE, SCAN TYPE, COPY, MOVE, RENAME, DEL carry lists', async () => {
      await d.check([
        ['RPUSH', 'l', 'a', 'b', 'c'],
        ...fill('big', 2000),
        ['SET', 's', 'v'],
        ['TYPE', 'l'],
        ['COPY', 'l', 'l2'],
        ['COPY', 'big', 'big2'],
        ['RPUSH', 'l2', 'd'],
        ['LPOP', 'big2', '10'],
        ['LRANGE', 'l', '0', '-1'],
        ['LRANGE', 'l2', '0', '-1'],
        ['LLEN', 'big'],
        ['LLEN', 'big2'],
        ['LRANGE', 'big', '0', '10'],
        ['COPY', 'l', 's'],
        ['COPY', 'l', 's', 'REPLACE'],
        ['LRANGE', 's', '0', '-1'],
        ['RENAME', 'l2', 'l3'],
        ['LRANGE', 'l3', '0', '-1'],
        ['MOVE', 'l3', '1'],
        ['SELECT', '1'],
        ['LRANGE', 'l3', '0', '-1'],
        ['RPUSH', 'l3', 'moved'],
        ['SELECT', '0'],
        ['EXISTS', 'l3'],
        ['DEL', 'big', 'l'],
        ['EXISTS', 'big2'],
        ['OBJECT', 'ENCODING', 'big2'],
      ]);
      await d.withPair(async (p) => {
        await p.setup(['RPUSH', 'l', 'a'], ['SET', 's', 'v'], ['RPUSH', 'm', 'b']);
        assert.deepEqual(await p.scanAll('SCAN', '0', 'TYPE', 'list'), ['l', 'm']);
        assert.deepEqual(await p.scanAll('SCAN', '0', 'TYPE', 'LIST', 'MATCH', 'l*'), ['l']);
      });
    });

    it('list-max-listpack-size (and its old name) at every setting', async () => {
      for (const size of ['1', '4', '-1', '-5', '0', '-6']) {
        await d.withConfig({ 'list-max-listpack-size': size }, async () => {
          await d.check([
            ['CONFIG', 'GET', 'list-max-ziplist-size'],
            ...fill('l', 300),
            ['LINSERT', 'l', 'BEFORE', 'e100', 'x'],
            ['LSET', 'l', '200', LONG],
            ['LREM', 'l', '0', 'e50'],
            ['LTRIM', 'l', '10', '-10'],
            ['LRANGE', 'l', '0', '-1'],
            ['OBJECT', 'ENCODING', 'l'],
          ]);
        });
      }
    });

    it('DUMP payloads: nodis loads Redis\'s and Redis loads nodis\'s', async () => {
      await d.withPair(async (p) => {
        const lists: Array<[string, string[]]> = [
          ['small', ['a', '1', '-5', BINARY]],
          ['edges', EDGE_VALUES],
          ['long', Array.from({ length: 3000 }, (_, i) => (i % 2 ? `v${i}` : String(i * 7)))],
          ['plain', ['a', HUGE, 'b']],
        ];
        for (const [key, items] of lists) {
          for (let i = 0; i < items.length; i += 500) await p.setup('RPUSH', key, ...items.slice(i, i + 500));
          const fromRedis = bulkText(await p.redis.call('DUMP', key));
          const fromNodis = bulkText(await p.nodis.call('DUMP', key));
          assert.equal(await p.nodis.call('RESTORE', `${key}-r`, '0', fromRedis), '+OK\r\n');
          assert.equal(await p.redis.call('RESTORE', `${key}-r`, '0', fromNodis), '+OK\r\n');
          await p.do('LRANGE', `${key}-r`, '0', '-1');
          await p.do('LLEN', `${key}-r`);
          assert.equal(await p.nodis.call('LRANGE', `${key}-r`, '0', '-1'), await p.nodis.call('LRANGE', key, '0', '-1'));
        }
        // A small list's payload is Redis's, byte for byte.
        await p.do('DUMP', 'small');
      });
    });
  });

  describe('side effects', () => {
    const WRITES: StepLike[] = [
      ['LPUSH', 'l', 'a', 'b'],
      ['RPUSH', 'l', 'c'],
      ['LPUSHX', 'l', 'd'],
      ['RPUSHX', 'l', 'e'],
      ['LPUSHX', 'nokey', 'x'],
      ['LINSERT', 'l', 'BEFORE', 'c', 'x'],
      ['LINSERT', 'l', 'BEFORE', 'zz', 'x'],
      ['LSET', 'l', '0', 'z'],
      ['LTRIM', 'l', '0', '-1'],
      ['LTRIM', 'l', '1', '-1'],
      ['LREM', 'l', '0', 'x'],
      ['LREM', 'l', '0', 'nothing'],
      ['LPOP', 'l'],
      ['RPOP', 'l', '1'],
      ['LPOP', 'l', '0'],
      ['RPUSH', 'm', '1', '2', '3', '4'],
      ['LMOVE', 'm', 'n', 'LEFT', 'RIGHT'],
      ['LMOVE', 'm', 'm', 'RIGHT', 'LEFT'],
      ['RPOPLPUSH', 'm', 'n'],
      ['LMPOP', '2', 'nokey', 'm', 'RIGHT', 'COUNT', '10'],
      ['LMPOP', '1', 'n', 'LEFT'],
      ['RPUSH', 'o', '1', '2', '3'],
      ['BLPOP', 'nokey', 'o', '0'],
      ['BRPOP', 'o', '0'],
      ['BLMPOP', '0', '1', 'o', 'LEFT', 'COUNT', '5'],
      ['RPUSH', 'o', '1', '2', '3'],
      ['BLMOVE', 'o', 'p', 'LEFT', 'right', '0'],
      ['BRPOPLPUSH', 'o', 'p', '0'],
      ['BLMOVE', 'o', 'o', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'o', 'p', '0'],
      ['LTRIM', 'p', '5', '10'],
      ['RPUSH', 'q', 'a'],
      ['LREM', 'q', '0', 'a'],
      ['RPUSH', 'q', 'a'],
      ['LMOVE', 'q', 'r', 'LEFT', 'LEFT'],
      ['RPUSH', 'big', ...Array.from({ length: 200 }, (_, i) => `e${i}`)],
      ['LTRIM', 'big', '50', '-50'],
      ['RENAME', 'big', 'big2'],
      ['COPY', 'big2', 'big3'],
      ['DEL', 'big2'],
    ];

    it('publish the keyspace events Redis publishes', async () => {
      await d.check(WRITES, { events: true });
    });

    it('propagate what Redis propagates', async () => {
      await d.check(WRITES, { replication: true });
    });

    it('count dirty changes as Redis', async () => {
      for (const step of WRITES) {
        await d.withPair(async (p) => {
          await p.setup(['CONFIG', 'RESETSTAT']);
          await p.setup(['RPUSH', 'l', 'a', 'b', 'c', 'x', 'x'], ['RPUSH', 'm', '1', '2'], ['RPUSH', 'o', '1', '2'], ['RPUSH', 'q', 'a']);
          const before = await Promise.all([p.nodis.call('INFO', 'persistence'), p.redis.call('INFO', 'persistence')]);
          await p.step(step);
          const after = await Promise.all([p.nodis.call('INFO', 'persistence'), p.redis.call('INFO', 'persistence')]);
          const dirty = (r: string | null): number => Number(/rdb_changes_since_last_save:(\d+)/.exec(r ?? '')![1]);
          assert.equal(dirty(after[0]) - dirty(before[0]), dirty(after[1]) - dirty(before[1]), `dirty changes of ${JSON.stringify(step)}`);
        });
      }
    });
  });
});
