// Sorted set commands, checked against real Redis byte for byte: every command's normal use,
// options and errors (in Redis's order), missing keys, wrong types, binary members, scores in
// every syntax Redis reads (inf, exclusive bounds, hex, blanks) and as it prints them (RESP2
// bulk strings and RESP3 doubles), Redis 7.0's encodings (listpack and skiplist) and their
// conversions, keyspace events, dirty counts and the replication stream (BZPOPMIN as ZPOPMIN,
// ZMPOP as ZPOPMIN with a count …); plus nodis-only checks of what is random (ZRANDMEMBER).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite, quiet, readBoth, send, waitBlocked, splitAggregate, type Pair, type StepLike } from '../helpers/differential.js';
import { bulkText } from '../helpers/resp.js';
import { lengthOnly } from '../helpers/collections.js';

const BINARY = '\x00\x01\xff\r\n\x80 \xe9\x00';

function range(n: number, prefix = 'm'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** ZADD key score member … for members prefix0 … with scores from score(i). */
function zadd(key: string, n: number, score: (i: number) => number | string = (i) => i, prefix = 'm'): string[] {
  const out = ['ZADD', key];
  for (let i = 0; i < n; i++) out.push(String(score(i)), `${prefix}${i}`);
  return out;
}

/** Scores in the syntaxes ZADD reads, and values that print in every %.17g shape. */
const SCORES = [
  '0', '-0', '1', '-1', '1.5', '0.1', '1e-300', '-1e300', '123456789012345678', '1e17', '4611686018427387904',
  '9007199254740993', '3.0000000000000004', '0x10', '0x1p-3', 'inf', '+inf', '-inf', 'Infinity', '-INF', '.5', '5.', '1E2',
];

const AGAINST_STRING: string[][] = [
  ['ZADD', 's', '1', 'a'], ['ZINCRBY', 's', '1', 'a'], ['ZREM', 's', 'a'], ['ZCARD', 's'], ['ZSCORE', 's', 'a'],
  ['ZMSCORE', 's', 'a'], ['ZRANK', 's', 'a'], ['ZREVRANK', 's', 'a'], ['ZCOUNT', 's', '0', '1'], ['ZLEXCOUNT', 's', '-', '+'],
  ['ZRANGE', 's', '0', '-1'], ['ZRANGE', 's', '(1', '2', 'BYSCORE'], ['ZRANGESTORE', 'd', 's', '0', '-1'],
  ['ZRANGEBYSCORE', 's', '0', '1'], ['ZREVRANGEBYSCORE', 's', '1', '0'], ['ZRANGEBYLEX', 's', '-', '+'],
  ['ZREVRANGEBYLEX', 's', '+', '-'], ['ZREVRANGE', 's', '0', '1'], ['ZREMRANGEBYRANK', 's', '0', '1'],
  ['ZREMRANGEBYSCORE', 's', '0', '1'], ['ZREMRANGEBYLEX', 's', '-', '+'], ['ZUNION', '2', 'z', 's'], ['ZINTER', '1', 's'],
  ['ZDIFF', '2', 's', 'z'], ['ZUNIONSTORE', 'd', '1', 's'], ['ZINTERSTORE', 'd', '2', 'z', 's'], ['ZDIFFSTORE', 'd', '1', 's'],
  ['ZINTERCARD', '1', 's'], ['ZRANDMEMBER', 's'], ['ZRANDMEMBER', 's', '2'], ['ZPOPMIN', 's'], ['ZPOPMAX', 's', '2'],
  ['ZMPOP', '2', 'nokey', 's', 'MIN'], ['BZPOPMIN', 's', '0'], ['BZPOPMAX', 'nokey', 's', '0'], ['BZMPOP', '0', '1', 's', 'MAX'],
  ['ZSCAN', 's', '0'],
];

describe('sorted set commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  describe('ZADD ZINCRBY ZSCORE ZMSCORE ZCARD ZREM', () => {
    it('add, update and read members, binary and empty ones too', async () => {
      await d.check([
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
        ['ZADD', 'z', '1', 'a'],
        ['ZADD', 'z', '5', 'a', '0', BINARY, '-1', ''],
        ['ZCARD', 'z'],
        ['ZCARD', 'nokey'],
        ['ZSCORE', 'z', 'a'],
        ['ZSCORE', 'z', BINARY],
        ['ZSCORE', 'z', ''],
        ['ZSCORE', 'z', 'nope'],
        ['ZSCORE', 'nokey', 'a'],
        ['ZMSCORE', 'z', 'a', 'nope', '', BINARY],
        ['ZMSCORE', 'nokey', 'a', 'b'],
        ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
        ['ZREM', 'z', 'a', 'nope', 'a'],
        ['ZREM', 'nokey', 'a'],
        ['ZREM', 'z', 'b', 'c', BINARY, '', 'more'],
        ['EXISTS', 'z'],
        ['ZADD', 'z', '1', 'a', '1', 'a', '2', 'a'],
        ['ZSCORE', 'z', 'a'],
      ]);
    });

    it('reads scores in every syntax and prints them as Redis 7.0 does, in RESP2 and RESP3', async () => {
      const steps: StepLike[] = [];
      for (const [i, s] of SCORES.entries()) steps.push(['ZADD', 'z', s, `m${i}`], ['ZSCORE', 'z', `m${i}`]);
      steps.push(['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCAN', 'z', '0'], ['ZMSCORE', 'z', 'm0', 'm1', 'nope']);
      await d.check(steps);
      await d.check(steps, { resp3: true });
    });

    it('refuses scores Redis refuses', async () => {
      await d.check([
        ...['nan', 'NaN', '', ' 1', '1 ', '1x', '0x', '1e', '1e400', '-1e400', '1e-400', '\x001', '1\x00', 'abc', '--1', '+-1'].map(
          (s) => ['ZADD', 'z', s, 'a'],
        ),
        ['ZINCRBY', 'z', 'nan', 'a'],
        ['ZINCRBY', 'z', 'x', 'a'],
        ['EXISTS', 'z'],
      ]);
    });

    it('NX XX GT LT CH INCR, alone and together, with Redis errors in Redis order', async () => {
      await d.check([
        ['ZADD', 'z', '10', 'a', '20', 'b'],
        ['ZADD', 'z', 'NX', '1', 'a', '30', 'c'],
        ['ZADD', 'z', 'XX', '1', 'a', '40', 'd'],
        ['ZADD', 'z', 'XX', 'CH', '2', 'a', '40', 'd', '20', 'b'],
        ['ZADD', 'z', 'GT', 'CH', '1', 'a', '25', 'b', '5', 'e'],
        ['ZADD', 'z', 'LT', 'CH', '1', 'a', '25', 'b', '5', 'f'],
        ['ZADD', 'z', 'XX', 'GT', '100', 'a', '100', 'nope'],
        ['ZADD', 'z', 'nx', 'ch', 'incr', '5', 'g'],
        ['ZADD', 'z', 'NX', 'INCR', '5', 'g'],
        ['ZADD', 'z', 'XX', 'INCR', '5', 'nope'],
        ['ZADD', 'z', 'INCR', '5', 'g'],
        ['ZADD', 'z', 'GT', 'INCR', '-1', 'g'],
        ['ZADD', 'z', 'LT', 'INCR', '-1', 'g'],
        ['ZADD', 'z', 'INCR', '0', 'g'],
        ['ZADD', 'z', 'CH', '1', 'a', '1', 'a'],
        ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
        ['ZADD', 'nokey', 'XX', '1', 'a'],
        ['ZADD', 'nokey', 'XX', 'INCR', '1', 'a'],
        ['EXISTS', 'nokey'],
        ['ZADD', 'z', 'NX', 'XX', '1', 'a'],
        ['ZADD', 'z', 'NX', 'GT', '1', 'a'],
        ['ZADD', 'z', 'GT', 'LT', '1', 'a'],
        ['ZADD', 'z', 'LT', 'NX', '1', 'a'],
        ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
        ['ZADD', 'z', 'NX', 'XX', '1'],
        ['ZADD', 'z', '1', 'a', '2'],
        ['ZADD', 'z', 'NX'],
        ['ZADD', 'z', 'NX', 'XX', 'x', 'a'],
        ['ZADD', 'z', 'INCR', 'x', 'a', 'y', 'b'],
        ['ZADD', 'z', '1', 'a', 'x', 'b'],
        ['ZADD', 'z', 'nx\x00junk', '1', 'z'],
        ['ZADD', 'str', 'x', 'a'],
        ['SET', 'str', 'v'],
        ['ZADD', 'str', 'x', 'a'],
        ['ZADD', 'str', '1', 'a'],
        ['ZADD', 'str', 'NX', 'XX', '1', 'a'],
      ]);
    });

    it('ZINCRBY and INCR: creation, inf, and NaN errors', async () => {
      await d.check([
        ['ZINCRBY', 'z', '1.5', 'a'],
        ['ZINCRBY', 'z', '-0.25', 'a'],
        ['ZINCRBY', 'z', 'inf', 'a'],
        ['ZINCRBY', 'z', '-inf', 'a'],
        ['ZSCORE', 'z', 'a'],
        ['ZINCRBY', 'z', '+inf', 'b'],
        ['ZADD', 'z', 'INCR', '-inf', 'b'],
        ['ZADD', 'z', 'INCR', 'inf', 'b'],
        ['ZINCRBY', 'z', '0.1', 'c'],
        ['ZINCRBY', 'z', '0.2', 'c'],
        ['ZINCRBY', 'z', 'nx', 'c'],
        ['ZINCRBY', 'z', '1'],
        ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ]);
      await d.check([['ZINCRBY', 'z', '0.1', 'a'], ['ZINCRBY', 'z', '0.2', 'a'], ['ZADD', 'z', 'INCR', '1e308', 'a'], ['ZADD', 'z', 'INCR', '1e308', 'a']], { resp3: true });
    });

    it('orders equal scores by member bytes', async () => {
      await d.check([
        ['ZADD', 'z', '1', 'b', '1', 'a', '1', 'B', '1', '\xff', '1', '\x00', '1', 'ab', '1', '', '0', 'z', '2', 'A'],
        ['ZRANGE', 'z', '0', '-1'],
        ['ZRANK', 'z', 'ab'],
        ['ZREVRANK', 'z', 'ab'],
      ]);
    });
  });

  describe('ZRANGE and its forms', () => {
    const SET = zadd('z', 10, (i) => (i < 5 ? i : i * 1.5));
    it('by rank: every kind of range, REV, WITHSCORES', async () => {
      const steps: StepLike[] = [SET];
      for (const [a, b] of [['0', '-1'], ['2', '4'], ['-3', '-1'], ['5', '2'], ['-100', '100'], ['10', '20'], ['0', '0'], ['-1', '-1'], ['3', '-8'], ['-11', '0']]) {
        steps.push(['ZRANGE', 'z', a, b], ['ZRANGE', 'z', a, b, 'REV', 'WITHSCORES'], ['ZREVRANGE', 'z', a, b, 'WITHSCORES'], ['ZRANGE', 'z', a, b, 'withscores']);
      }
      steps.push(['ZRANGE', 'nokey', '0', '-1'], ['ZREVRANGE', 'nokey', '0', '-1', 'WITHSCORES']);
      await d.check(steps);
      await d.check(steps, { resp3: true });
    });

    it('by score: bounds, exclusive bounds, inf, LIMIT, REV', async () => {
      const steps: StepLike[] = [SET, ['ZADD', 'z', '-inf', 'ninf', 'inf', 'pinf', '3', 'three']];
      const ranges = [
        ['-inf', '+inf'], ['3', '6'], ['(3', '6'], ['3', '(6'], ['(3', '(6'], ['6', '3'], ['(3', '(3'], ['3', '3'], ['-inf', '-inf'],
        ['inf', 'inf'], ['(-inf', '(inf'], ['', ''], ['(', '10'], [' 2', '5'], ['0x2', '0x5'], ['1e-400', '1e400'], ['-1e400', '(4'],
      ];
      for (const [min, max] of ranges) {
        steps.push(
          ['ZRANGEBYSCORE', 'z', min, max, 'WITHSCORES'],
          ['ZREVRANGEBYSCORE', 'z', max, min],
          ['ZRANGE', 'z', min, max, 'BYSCORE'],
          ['ZRANGE', 'z', max, min, 'BYSCORE', 'REV', 'WITHSCORES'],
          ['ZCOUNT', 'z', min, max],
        );
      }
      for (const [off, cnt] of [['0', '3'], ['2', '2'], ['5', '-1'], ['-1', '2'], ['0', '0'], ['20', '5'], ['3', '100'], ['1', '-5']]) {
        steps.push(
          ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'LIMIT', off, cnt],
          ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'WITHSCORES', 'LIMIT', off, cnt],
          ['ZRANGE', 'z', '(1', '10', 'BYSCORE', 'LIMIT', off, cnt, 'WITHSCORES'],
          ['ZRANGE', 'z', '10', '(1', 'BYSCORE', 'REV', 'LIMIT', off, cnt],
        );
      }
      steps.push(['ZRANGEBYSCORE', 'nokey', '0', '1'], ['ZCOUNT', 'nokey', '0', '1']);
      await d.check(steps);
      await d.check(steps.slice(0, 20), { resp3: true });
    });

    it('by lex: bounds, - and +, LIMIT, REV', async () => {
      const steps: StepLike[] = [['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'ab', '0', '', '0', BINARY, '0', 'e\xff']];
      const ranges = [
        ['-', '+'], ['[a', '[c'], ['(a', '(c'], ['[a', '(c'], ['(a', '[c'], ['[c', '[a'], ['-', '-'], ['+', '+'], ['+', '-'],
        ['[', '+'], ['(', '+'], ['-', '[b'], ['(ab', '+'], ['[a', '[a'], ['(a', '[a'], ['[\x00', '(\x01'], ['-\x00x', '+\x00'],
      ];
      for (const [min, max] of ranges) {
        steps.push(
          ['ZRANGEBYLEX', 'z', min, max],
          ['ZREVRANGEBYLEX', 'z', max, min],
          ['ZRANGE', 'z', min, max, 'BYLEX'],
          ['ZRANGE', 'z', max, min, 'BYLEX', 'REV'],
          ['ZLEXCOUNT', 'z', min, max],
        );
      }
      for (const [off, cnt] of [['0', '3'], ['2', '2'], ['5', '-1'], ['-1', '2'], ['0', '0'], ['20', '5']]) {
        steps.push(['ZRANGEBYLEX', 'z', '-', '+', 'LIMIT', off, cnt], ['ZREVRANGEBYLEX', 'z', '+', '-', 'LIMIT', off, cnt]);
      }
      steps.push(['ZRANGEBYLEX', 'nokey', '-', '+'], ['ZLEXCOUNT', 'nokey', '-', '+']);
      await d.check(steps);
    });

    it('argument errors, in Redis order', async () => {
      await d.check([
        SET,
        ['ZRANGE', 'z', 'x', '1'],
        ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
        ['ZRANGE', 'z', '0', '1', 'LIMIT', 'x', '1'],
        ['ZRANGE', 'z', '0', '1', 'LIMIT', '0'],
        ['ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'],
        ['ZRANGE', 'z', 'x', 'y', 'BYLEX', 'WITHSCORES'],
        ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
        ['ZRANGE', 'z', '0', '1', 'REV', 'REV'],
        ['ZRANGE', 'z', '0', '1', 'FOO'],
        ['ZRANGE', 'z', 'a', 'b', 'BYSCORE'],
        ['ZRANGE', 'z', '(a', '1', 'BYSCORE'],
        ['ZRANGE', 'z', 'nan', '1', 'BYSCORE'],
        ['ZRANGE', 'z', '1', '(nan', 'BYSCORE'],
        ['ZRANGE', 'z', 'a', 'b', 'BYLEX'],
        ['ZRANGE', 'z', '[a', 'b', 'BYLEX'],
        ['ZRANGE', 'z', '+a', '[b', 'BYLEX'],
        ['ZRANGE', 'z', '', '[b', 'BYLEX'],
        ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'],
        ['ZRANGEBYSCORE', 'z', '0', '1', 'BYSCORE'],
        ['ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'],
        ['ZREVRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
        ['ZREVRANGE', 'z', '0', '1', 'BYSCORE'],
        ['ZCOUNT', 'z', 'x', '1'],
        ['ZLEXCOUNT', 'z', 'x', '+'],
        ['ZRANGE', 'nokey', 'x', '1'],
        ['ZRANGESTORE', 'd', 'z', '0', '1', 'WITHSCORES'],
        ['SET', 'str', 'x'],
        ['ZRANGE', 'str', 'x', '1'],
        ['ZRANGE', 'str', '0', '1', 'BYLEX'],
      ]);
    });

    it('ZRANGESTORE: every form, onto new, old and other-typed keys, and empty results', async () => {
      await d.check([
        SET,
        ['SET', 'str', 'x'],
        ['ZRANGESTORE', 'd', 'z', '0', '-1'],
        ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
        ['OBJECT', 'ENCODING', 'd'],
        ['ZRANGESTORE', 'd', 'z', '2', '5', 'REV'],
        ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
        ['ZRANGESTORE', 'd', 'z', '(2', '9', 'BYSCORE', 'LIMIT', '1', '2'],
        ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
        ['ZRANGESTORE', 'str', 'z', '9', '(2', 'BYSCORE', 'REV'],
        ['ZRANGE', 'str', '0', '-1', 'WITHSCORES'],
        ['ZRANGESTORE', 'd', 'z', '[m1', '+', 'BYLEX'],
        ['ZRANGE', 'd', '0', '-1'],
        ['ZRANGESTORE', 'd', 'z', '5', '2'],
        ['EXISTS', 'd'],
        ['ZRANGESTORE', 'str', 'nokey', '0', '-1'],
        ['EXISTS', 'str'],
        ['ZRANGESTORE', 'z', 'z', '0', '1'],
        ['ZRANGE', 'z', '0', '-1'],
      ]);
    });
  });

  describe('ZRANK ZREVRANK', () => {
    it('ranks from both ends, in both encodings', async () => {
      for (const n of [5, 300]) {
        await d.check([
          zadd('z', n, (i) => Math.floor(i / 3)),
          ['ZRANK', 'z', 'm0'],
          ['ZRANK', 'z', `m${n - 1}`],
          ['ZRANK', 'z', 'm4'],
          ['ZREVRANK', 'z', 'm4'],
          ['ZREVRANK', 'z', 'm0'],
          ['ZRANK', 'z', 'nope'],
          ['ZREVRANK', 'z', 'nope'],
          ['ZRANK', 'nokey', 'a'],
          ['ZREVRANK', 'nokey', 'a'],
          ['OBJECT', 'ENCODING', 'z'],
          ['DEL', 'z'],
        ]);
      }
      await d.check([['ZRANK', 'nokey', 'a'], ['ZADD', 'z', '1', 'a'], ['ZRANK', 'z', 'b'], ['ZRANK', 'z', 'a']], { resp3: true });
    });
  });

  describe('ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX', () => {
    it('remove ranges, delete emptied keys, refuse bad ranges', async () => {
      for (const n of [10, 400]) {
        await d.check([
          zadd('z', n),
          ['ZREMRANGEBYRANK', 'z', '0', '1'],
          ['ZREMRANGEBYRANK', 'z', '-2', '-1'],
          ['ZREMRANGEBYRANK', 'z', '5', '2'],
          ['ZREMRANGEBYRANK', 'z', '100', '200'],
          ['ZREMRANGEBYSCORE', 'z', '(3', '5'],
          ['ZREMRANGEBYSCORE', 'z', '5', '3'],
          ['ZREMRANGEBYSCORE', 'z', '-inf', '(4'],
          ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
          ['ZREMRANGEBYRANK', 'z', '0', '-1'],
          ['EXISTS', 'z'],
          zadd('z', n, () => 0),
          ['ZREMRANGEBYLEX', 'z', '[m1', '(m2'],
          ['ZREMRANGEBYLEX', 'z', '(m5', '+'],
          ['ZRANGE', 'z', '0', '-1'],
          ['ZREMRANGEBYLEX', 'z', '-', '+'],
          ['EXISTS', 'z'],
          ['ZREMRANGEBYRANK', 'nokey', '0', '1'],
          ['ZREMRANGEBYSCORE', 'nokey', '0', '1'],
          ['ZREMRANGEBYLEX', 'nokey', '-', '+'],
          ['ZREMRANGEBYRANK', 'nokey', 'x', '1'],
          ['ZREMRANGEBYRANK', 'z', '1', 'x'],
          ['ZREMRANGEBYSCORE', 'z', 'x', '1'],
          ['ZREMRANGEBYSCORE', 'z', '1', 'nan'],
          ['ZREMRANGEBYLEX', 'z', 'a', '+'],
          ['ZREMRANGEBYLEX', 'z', '-', 'b'],
        ]);
      }
    });
  });

  describe('ZUNION ZINTER ZDIFF ZINTERCARD and the STORE forms', () => {
    const SOURCES: string[][] = [
      ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'z2', '1', 'b', '2', 'c', '3', 'd'],
      ['ZADD', 'z3', 'inf', 'a', '-inf', 'c', '0.1', 'e'],
      ['SADD', 's1', 'a', 'd', 'x'],
      ['SADD', 'si', '1', '2', '3'],
      ['ZADD', 'zi', '1', '1', '2', '5'],
    ];
    it('union and intersection with WEIGHTS and AGGREGATE, sets as inputs', async () => {
      const steps: StepLike[] = [...SOURCES];
      const inputs = [['2', 'z1', 'z2'], ['3', 'z1', 'z2', 'z3'], ['2', 'z1', 's1'], ['2', 'si', 'zi'], ['1', 'nokey'], ['2', 'z1', 'nokey'], ['2', 'z1', 'z1'], ['3', 'z3', 'z3', 'z1']];
      const options = [[], ['WEIGHTS', '2', '0.5', '-1'], ['AGGREGATE', 'MIN'], ['AGGREGATE', 'max'], ['WEIGHTS', '0', 'inf', '1', 'AGGREGATE', 'SUM'], ['WEIGHTS', '-inf', '1', 'inf', 'AGGREGATE', 'MIN']];
      for (const input of inputs) {
        for (const opt of options) {
          const o = opt.length > 1 && opt[0] === 'WEIGHTS' ? ['WEIGHTS', ...opt.slice(1, 1 + Number(input[0])), ...opt.slice(1 + 3)] : opt;
          if (o[0] === 'WEIGHTS' && o.length < 1 + Number(input[0])) continue;
          steps.push(['ZUNION', ...input, ...o, 'WITHSCORES'], ['ZINTER', ...input, ...o, 'WITHSCORES'], ['ZUNIONSTORE', 'd', ...input, ...o], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', 'd', ...input, ...o], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES']);
        }
      }
      await d.check(steps);
      await d.check(steps.slice(0, 30), { resp3: true });
    });

    it('difference, cardinality with LIMIT, empty results deleting the destination', async () => {
      await d.check([
        ...SOURCES,
        ['ZDIFF', '2', 'z1', 'z2', 'WITHSCORES'],
        ['ZDIFF', '3', 'z1', 'z2', 's1'],
        ['ZDIFF', '1', 'z1'],
        ['ZDIFF', '2', 'z1', 'z1'],
        ['ZDIFF', '2', 'nokey', 'z1'],
        ['ZDIFF', '2', 's1', 'z1', 'WITHSCORES'],
        ['ZDIFFSTORE', 'd', '2', 'z1', 'z2'],
        ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
        ['ZDIFFSTORE', 'd', '2', 'z1', 'z1'],
        ['EXISTS', 'd'],
        ['SET', 'd', 'x'],
        ['ZINTERSTORE', 'd', '2', 'z1', 'nokey'],
        ['EXISTS', 'd'],
        ['ZINTERCARD', '2', 'z1', 'z2'],
        ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '1'],
        ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '0'],
        ['ZINTERCARD', '3', 'z1', 'z2', 's1'],
        ['ZINTERCARD', '1', 'nokey'],
        ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '-1'],
        ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', 'x'],
        ['ZINTERCARD', '0', 'z1'],
        ['ZINTERCARD', '-1', 'z1'],
        ['ZINTERCARD', 'x', 'z1'],
        ['ZINTERCARD', '3', 'z1'],
        ['ZINTERCARD', '1', 'z1', 'WITHSCORES'],
        ['ZINTERCARD', '1', 'z1', 'WEIGHTS', '1'],
        ['ZINTERCARD', '1', 'z1', 'LIMIT'],
      ]);
    });

    it('argument errors, in Redis order', async () => {
      await d.check([
        ...SOURCES,
        ['SET', 'str', 'x'],
        ['ZUNION', '0', 'z1'],
        ['ZUNIONSTORE', 'd', '0', 'z1'],
        ['ZINTERSTORE', 'd', '-1', 'z1'],
        ['ZDIFF', 'x', 'z1'],
        ['ZDIFFSTORE', 'd', '3', 'z1', 'z2'],
        ['ZUNION', '2', 'z1', 'str'],
        ['ZUNION', '2', 'z1', 'str', 'FOO'],
        ['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1'],
        ['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1', 'x'],
        ['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1', 'nan'],
        ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE'],
        ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'avg'],
        ['ZUNIONSTORE', 'd', '2', 'z1', 'z2', 'WITHSCORES'],
        ['ZDIFF', '2', 'z1', 'z2', 'WEIGHTS', '1', '2'],
        ['ZDIFF', '2', 'z1', 'z2', 'AGGREGATE', 'MIN'],
        ['ZINTER', '2', 'z1', 'z2', 'LIMIT', '1'],
        ['ZUNION', '1', 'z1', 'WITHSCORES', 'WITHSCORES', 'AGGREGATE', 'MAX', 'WEIGHTS', '3'],
      ]);
    });

    it('results take the encoding Redis gives them', async () => {
      await d.withConfig({ 'zset-max-listpack-entries': '4', 'zset-max-listpack-value': '8' }, () =>
        d.check([
          zadd('a', 6),
          ['ZADD', 'b', '1', 'm1', '2', 'averyveryverylongmember'],
          ['ZUNIONSTORE', 'd1', '1', 'a'],
          ['OBJECT', 'ENCODING', 'd1'],
          ['ZINTERSTORE', 'd2', '2', 'a', 'b'],
          ['OBJECT', 'ENCODING', 'd2'],
          ['ZUNIONSTORE', 'd3', '1', 'b'],
          ['OBJECT', 'ENCODING', 'd3'],
          ['ZDIFFSTORE', 'd4', '2', 'a', 'b'],
          ['OBJECT', 'ENCODING', 'd4'],
          ['ZRANGESTORE', 'd5', 'a', '0', '2'],
          ['OBJECT', 'ENCODING', 'd5'],
          ['ZRANGESTORE', 'd6', 'a', '0', '4'],
          ['OBJECT', 'ENCODING', 'd6'],
          ['ZRANGESTORE', 'd7', 'b', '0', '-1'],
          ['OBJECT', 'ENCODING', 'd7'],
          ['ZRANGESTORE', 'd8', 'a', '-inf', 'inf', 'BYSCORE', 'LIMIT', '0', '3'],
          ['OBJECT', 'ENCODING', 'd8'],
        ]),
      );
    });
  });

  describe('encodings', () => {
    it('listpack within the limits, skiplist past them, one way', async () => {
      await d.withConfig({ 'zset-max-listpack-entries': '3', 'zset-max-listpack-value': '5' }, () =>
        d.check([
          ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
          ['OBJECT', 'ENCODING', 'z'],
          ['ZADD', 'z', '4', 'a'],
          ['OBJECT', 'ENCODING', 'z'],
          ['ZADD', 'z', '4', 'd'],
          ['OBJECT', 'ENCODING', 'z'],
          ['ZREM', 'z', 'a', 'b', 'c'],
          ['OBJECT', 'ENCODING', 'z'],
          // -0: a listpack holds it as 0, a skiplist as -0, also when the add converts the set.
          ['ZADD', 'neg', '-0', 'a', '1', 'b', '2', 'c'],
          ['ZADD', 'neg', '-0', 'd'],
          ['ZSCORE', 'neg', 'a'],
          ['ZSCORE', 'neg', 'd'],
          ['ZADD', 'neg2', '1', 'a'],
          ['ZADD', 'neg2', '-0', 'a'],
          ['ZSCORE', 'neg2', 'a'],
          ['ZADD', 'long', '1', 'abcdef'],
          ['OBJECT', 'ENCODING', 'long'],
          ['ZADD', 'fits', '1', 'abcde'],
          ['ZADD', 'fits', '1', 'abcdefgh'],
          ['OBJECT', 'ENCODING', 'fits'],
          ['CONFIG', 'SET', 'zset-max-ziplist-entries', '0'],
          ['ZADD', 'zero', '1', 'a'],
          ['OBJECT', 'ENCODING', 'zero'],
          ['CONFIG', 'GET', 'zset-max-listpack-entries'],
          ['CONFIG', 'SET', 'zset-max-ziplist-entries', '10'],
          ['ZADD', 'later', '1', 'a'],
          ['ZADD', 'later', '1', 'b', '2', 'c', '3', 'd', '4', 'e'],
          ['OBJECT', 'ENCODING', 'later'],
          ['DEBUG', 'RELOAD'],
          ['OBJECT', 'ENCODING', 'z'],
          ['OBJECT', 'ENCODING', 'long'],
          ['OBJECT', 'ENCODING', 'later'],
          ['ZRANGE', 'later', '0', '-1', 'WITHSCORES'],
        ]),
      );
    });
  });

  describe('ZPOPMIN ZPOPMAX ZMPOP', () => {
    it('pops from either end, with counts, deleting emptied keys', async () => {
      const steps: StepLike[] = [
        zadd('z', 6),
        ['ZPOPMIN', 'z'],
        ['ZPOPMAX', 'z'],
        ['ZPOPMIN', 'z', '2'],
        ['ZPOPMAX', 'z', '0'],
        ['ZPOPMAX', 'z', '10'],
        ['EXISTS', 'z'],
        ['ZPOPMIN', 'nokey'],
        ['ZPOPMIN', 'nokey', '3'],
        ['ZPOPMIN', 'nokey', '0'],
        ['ZPOPMIN', 'z', '-1'],
        ['ZPOPMIN', 'z', 'x'],
        ['ZPOPMIN', 'z', '1', '2'],
        zadd('z', 6),
        ['ZMPOP', '2', 'nokey', 'z', 'MIN'],
        ['ZMPOP', '1', 'z', 'max', 'COUNT', '3'],
        ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '10'],
        ['ZMPOP', '2', 'nokey', 'z', 'MIN'],
        ['ZMPOP', '0', 'z', 'MIN'],
        ['ZMPOP', '-1', 'z', 'MIN'],
        ['ZMPOP', 'x', 'z', 'MIN'],
        ['ZMPOP', '2', 'z', 'MIN'],
        ['ZMPOP', '1', 'z', 'UP'],
        ['ZMPOP', '1', 'z'],
        ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'],
        ['ZMPOP', '1', 'z', 'MIN', 'COUNT', 'x'],
        ['ZMPOP', '1', 'z', 'MIN', 'COUNT'],
        ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '2'],
        ['ZMPOP', '1', 'z', 'MIN', 'FOO'],
      ];
      await d.check(steps);
      await d.check(steps, { resp3: true });
    });
  });

  describe('blocking pops that need not block', () => {
    it('serve at once when data is there, and time out on missing keys', async () => {
      const steps: StepLike[] = [
        zadd('a', 4),
        ['ZADD', 'b', '1', 'x', '2', 'y'],
        ['BZPOPMIN', 'nokey', 'a', 'b', '0'],
        ['BZPOPMAX', 'b', 'a', '0'],
        ['BZMPOP', '0', '2', 'nokey', 'a', 'MAX', 'COUNT', '5'],
        ['BZMPOP', '0.5', '1', 'b', 'MIN'],
        ['EXISTS', 'a'],
        ['BZPOPMIN', 'nokey', '0.01'],
        ['BZPOPMAX', 'nokey', 'nokey2', '0.01'],
        ['BZMPOP', '0.01', '2', 'nokey', 'nokey2', 'MIN', 'COUNT', '3'],
      ];
      await d.check(steps);
      await d.check(steps, { resp3: true });
    });

    it('timeout and argument errors, in Redis order', async () => {
      await d.check([
        ['BZPOPMIN', 'k', '-1'],
        ['BZPOPMIN', 'k', 'x'],
        ['BZPOPMAX', 'k', 'nan'],
        ['BZPOPMAX', 'k'],
        ['BZMPOP', 'x', '1', 'k', 'MIN'],
        ['BZMPOP', '-1', '1', 'k', 'MIN'],
        ['BZMPOP', '0', '0', 'k', 'MIN'],
        ['BZMPOP', 'x', '0', 'k', 'MIN'],
        ['BZMPOP', 'x', '1', 'k', 'UP'],
        ['BZMPOP', 'x', '1', 'k', 'MIN', 'COUNT', '0'],
        ['BZMPOP', '0', '2', 'k', 'MIN'],
        ['BZMPOP', '0', '1', 'k'],
      ]);
    });
  });

  describe('ZRANDMEMBER', () => {
    it('answers as Redis where the answer is not random', async () => {
      const steps: StepLike[] = [
        zadd('z', 5, (i) => i / 2),
        ['ZRANDMEMBER', 'nokey'],
        ['ZRANDMEMBER', 'nokey', '5'],
        ['ZRANDMEMBER', 'nokey', '-5', 'WITHSCORES'],
        ['ZRANDMEMBER', 'z', '0'],
        ['ZRANDMEMBER', 'z', '0', 'WITHSCORES'],
        ['ZRANDMEMBER', 'z', '5'],
        ['ZRANDMEMBER', 'z', '100', 'WITHSCORES'],
        ['ZRANDMEMBER', 'z', '9223372036854775807'],
        ['ZRANDMEMBER', 'z', 'x'],
        ['ZRANDMEMBER', 'z', '1', 'x'],
        ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
        ['ZRANDMEMBER', 'z', '-9223372036854775808'],
        ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
        ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
        ['ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES'],
        ['ZRANDMEMBER', 'z', 'x', 'WITHSCORES'],
        { cmd: ['ZRANDMEMBER', 'z', '-7', 'WITHSCORES'], norm: lengthOnly },
        { cmd: ['ZRANDMEMBER', 'z', '3'], norm: lengthOnly },
        { cmd: ['ZRANDMEMBER', 'z', '1', 'WITHSCORES'], norm: lengthOnly },
      ];
      await d.check(steps);
      await d.check(steps, { resp3: true });
    });

    it('random picks are members with their scores, distinct when the count is positive', async () => {
      await d.withPair(async (p) => {
        for (const n of [10, 300]) {
          await p.setup(['DEL', 'z'], zadd('z', n, (i) => i * 2));
          for (const count of [1, 3, n - 2, -5, -(n * 2)]) {
            for (const resp of [2]) {
              void resp;
              const reply = await p.nodis.call('ZRANDMEMBER', 'z', String(count), 'WITHSCORES');
              const items = splitAggregate(reply!).items.map(bulkText);
              assert.equal(items.length, 2 * Math.abs(count));
              const seen = new Set<string>();
              for (let i = 0; i < items.length; i += 2) {
                assert.equal(items[i + 1], String(Number(items[i].slice(1)) * 2));
                seen.add(items[i]);
              }
              if (count > 0) assert.equal(seen.size, count);
            }
          }
          const one = bulkText(await p.nodis.call('ZRANDMEMBER', 'z'));
          assert.match(one!, /^m\d+$/);
        }
      });
    });
  });

  describe('ZSCAN', () => {
    it('returns a listpack whole and walks a skiplist with a cursor', async () => {
      await d.withPair(async (p) => {
        await p.setup(zadd('small', 5, (i) => i + 0.5), zadd('big', 500, (i) => i * 1e17));
        await p.do('ZSCAN', 'small', '0');
        await p.do('ZSCAN', 'small', '0', 'MATCH', 'm[1-3]');
        await p.do('ZSCAN', 'nokey', '0');
        await p.do('ZSCAN', 'small', 'x');
        await p.do('ZSCAN', 'small', '0', 'COUNT', '0');
        const all = await p.scanAll('ZSCAN', 'big', '0', 'COUNT', '7');
        assert.equal(all.length, 1000);
      });
    });
  });

  describe('blocking pops that block', () => {
    /** A flushed admin pair plus n client pairs, closed after fn. */
    async function clients(n: number, fn: (admin: Pair, cs: Pair[]) => Promise<void>, resp3 = false): Promise<void> {
      const admin = await d.pair();
      const cs: Pair[] = [];
      try {
        for (let i = 0; i < n; i++) cs.push(await d.pair({ flush: false, resp3 }));
        await fn(admin, cs);
      } finally {
        for (const p of cs) p.close();
        admin.close();
      }
      const check = await d.pair({ flush: false });
      try {
        await waitBlocked(check, 0);
      } finally {
        check.close();
      }
    }

    it('serves waiting clients first come, first served, from the key that gets members', async () => {
      for (const resp3 of [false, true]) {
        await clients(3, async (admin, [c1, c2, c3]) => {
          send(c1, 'BZPOPMIN', 'k', '0');
          await waitBlocked(admin, 1);
          send(c2, 'BZPOPMAX', 'j', 'k', '0');
          await waitBlocked(admin, 2);
          send(c3, 'BZMPOP', '0', '2', 'j', 'k', 'MAX', 'COUNT', '5');
          await waitBlocked(admin, 3);
          await admin.do('ZADD', 'k', '1', 'a', '2', 'b');
          await readBoth(c1, 'BZPOPMIN');
          await readBoth(c2, 'BZPOPMAX');
          await quiet(c3);
          await admin.do('EXISTS', 'k');
          await admin.do('ZADD', 'j', '1', 'x', '2', 'y', '3', 'z');
          await readBoth(c3, 'BZMPOP');
          await admin.do('ZRANGE', 'j', '0', '-1', 'WITHSCORES');
        }, resp3);
      }
    });

    it('times out with the null array, in RESP2 and RESP3', async () => {
      for (const resp3 of [false, true]) {
        await clients(1, async (_admin, [c1]) => {
          for (const cmd of [['BZPOPMIN', 'k', '0.05'], ['BZPOPMAX', 'k', 'j', '0.05'], ['BZMPOP', '0.05', '1', 'k', 'MIN']]) {
            send(c1, ...cmd);
            await readBoth(c1, cmd[0]);
          }
        }, resp3);
      }
    });

    it('only a sorted set serves: other types and deleted keys leave clients waiting', async () => {
      await clients(1, async (admin, [c1]) => {
        send(c1, 'BZPOPMIN', 'k', '0');
        await waitBlocked(admin, 1);
        await admin.do('RPUSH', 'k', 'a');
        await quiet(c1);
        await admin.do('DEL', 'k');
        await admin.do('ZADD', 'k', '1', 'a');
        await readBoth(c1, 'a sorted set at last');
        send(c1, 'BZPOPMIN', 'k', '0');
        await waitBlocked(admin, 1);
        await admin.do('ZADD', 'src', '5', 'five', '6', 'six');
        await admin.do('ZUNIONSTORE', 'k', '1', 'src');
        await readBoth(c1, 'ZUNIONSTORE readies the key');
        send(c1, 'BZPOPMAX', 'k2', '0');
        await waitBlocked(admin, 1);
        await admin.do('ZINCRBY', 'k2', '3', 'm');
        await readBoth(c1, 'ZINCRBY readies the key');
        send(c1, 'BZPOPMAX', 'k3', '0');
        await waitBlocked(admin, 1);
        await admin.do('ZRANGESTORE', 'k3', 'src', '0', '0');
        await readBoth(c1, 'ZRANGESTORE readies the key');
        send(c1, 'BZMPOP', '0', '1', 'k4', 'MIN');
        await waitBlocked(admin, 1);
        await admin.do('RENAME', 'src', 'k4');
        await readBoth(c1, 'RENAME readies the key');
      });
    });

    it('inside MULTI a blocking pop answers at once', async () => {
      await clients(1, async (_admin, [c1]) => {
        await c1.do('ZADD', 'k', '1', 'a');
        await c1.do('MULTI');
        await c1.do('BZPOPMIN', 'k', '0');
        await c1.do('BZPOPMIN', 'k', '0');
        await c1.do('BZMPOP', '0', '1', 'k', 'MIN');
        await c1.do('EXEC');
      });
    });

    it('a served client notifies and propagates as ZPOPMIN/ZPOPMAX', async () => {
      const scenario = async (p: Pair): Promise<void> => {
        const cs = [await d.pair({ flush: false }), await d.pair({ flush: false }), await d.pair({ flush: false })];
        try {
          send(cs[0], 'BZPOPMIN', 'a', '0');
          await waitBlocked(p, 1);
          send(cs[1], 'BZMPOP', '0', '2', 'x', 'a', 'MAX', 'COUNT', '5');
          await waitBlocked(p, 2);
          send(cs[2], 'BZPOPMAX', 'b', '0');
          await waitBlocked(p, 3);
          await p.do('ZADD', 'a', '1', 'one', '2', 'two', '3', 'three');
          await readBoth(cs[0], 'BZPOPMIN');
          await readBoth(cs[1], 'BZMPOP');
          await p.do('MULTI');
          await p.do('ZADD', 'b', '1', 'x');
          await p.do('ZADD', 'c', '2', 'y');
          await p.do('EXEC');
          await readBoth(cs[2], 'BZPOPMAX after EXEC');
        } finally {
          for (const c of cs) c.close();
        }
      };
      await d.capture(scenario, { events: true, replication: true });
    });
  });

  describe('side effects', () => {
    const WRITES: StepLike[] = [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'z', '1', 'a'],
      ['ZADD', 'z', 'NX', '5', 'a'],
      ['ZADD', 'z', 'CH', '5', 'a', '6', 'd'],
      ['ZADD', 'z', 'INCR', '1', 'a'],
      ['ZADD', 'z', 'INCR', '0', 'a'],
      ['ZADD', 'nokey', 'XX', '1', 'a'],
      ['ZINCRBY', 'z', '2', 'b'],
      ['ZINCRBY', 'z', '2', 'new'],
      ['ZREM', 'z', 'nope'],
      ['ZREM', 'z', 'new', 'nope'],
      ['ZREMRANGEBYRANK', 'z', '0', '0'],
      ['ZREMRANGEBYRANK', 'z', '10', '20'],
      ['ZREMRANGEBYSCORE', 'z', '(5', '6'],
      ['ZREMRANGEBYSCORE', 'z', '100', '200'],
      ['ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c'],
      ['ZREMRANGEBYLEX', 'lex', '[a', '[b'],
      ['ZREMRANGEBYLEX', 'lex', '-', '+'],
      ['ZADD', 'p', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZPOPMIN', 'p'],
      ['ZPOPMAX', 'p', '2'],
      ['ZPOPMAX', 'p', '0'],
      ['ZPOPMIN', 'nokey'],
      ['ZMPOP', '2', 'nokey', 'p', 'MIN', 'COUNT', '10'],
      ['ZMPOP', '1', 'nokey', 'MIN'],
      ['ZADD', 'q', '1', 'a', '2', 'b', '3', 'c'],
      ['BZPOPMIN', 'nokey', 'q', '0'],
      ['BZPOPMAX', 'q', '0'],
      ['BZMPOP', '0', '1', 'q', 'MAX', 'COUNT', '3'],
      ['ZADD', 'r', '1', 'a', '2', 'b'],
      ['ZADD', 's', '2', 'b', '3', 'c'],
      ['ZUNIONSTORE', 'u', '2', 'r', 's'],
      ['ZINTERSTORE', 'i', '2', 'r', 's', 'WEIGHTS', '2', '3'],
      ['ZDIFFSTORE', 'df', '2', 'r', 's'],
      ['ZINTERSTORE', 'u', '2', 'r', 'nokey'],
      ['ZINTERSTORE', 'nokey2', '2', 'r', 'nokey'],
      ['ZRANGESTORE', 'rs', 'r', '0', '-1'],
      ['ZRANGESTORE', 'rs', 'r', '5', '6'],
      ['ZRANGESTORE', 'rs2', 'r', '5', '6'],
      zadd('big', 200),
      ['ZREMRANGEBYRANK', 'big', '50', '-50'],
      ['RENAME', 'big', 'big2'],
      ['COPY', 'big2', 'big3'],
      ['DEL', 'big2'],
      ['ZUNION', '2', 'r', 's'],
      ['ZRANGE', 'r', '0', '-1'],
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
          await p.setup(['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '6', 'd'], ['ZADD', 'lex', '0', 'a', '0', 'b'], ['ZADD', 'p', '1', 'a', '2', 'b', '3', 'c'], ['ZADD', 'q', '1', 'a', '2', 'b'], ['ZADD', 'r', '1', 'a'], ['ZADD', 's', '1', 'a', '3', 'c']);
          const before = await Promise.all([p.nodis.call('INFO', 'persistence'), p.redis.call('INFO', 'persistence')]);
          await p.step(step);
          const after = await Promise.all([p.nodis.call('INFO', 'persistence'), p.redis.call('INFO', 'persistence')]);
          const dirty = (r: string | null): number => Number(/rdb_changes_since_last_save:(\d+)/.exec(r ?? '')![1]);
          assert.equal(dirty(after[0]) - dirty(before[0]), dirty(after[1]) - dirty(before[1]), `dirty changes of ${JSON.stringify(step)}`);
        });
      }
    });
  });

  describe('types and keys', () => {
    it('WRONGTYPE everywhere it belongs', async () => {
      await d.check([['SET', 's', 'v'], ['ZADD', 'z', '1', 'a'], ...AGAINST_STRING]);
    });

    it('TYPE, SCAN TYPE, COPY, MOVE, RENAME, DEBUG DIGEST-VALUE carry sorted sets', async () => {
      await d.check([
        ['ZADD', 'z', '1', 'a', '2.5', 'b', '-inf', 'c'],
        zadd('big', 500, (i) => i / 3),
        ['TYPE', 'z'],
        ['COPY', 'z', 'z2'],
        ['COPY', 'big', 'big2'],
        ['ZADD', 'z2', '3', 'd'],
        ['ZPOPMIN', 'big2', '10'],
        ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
        ['ZRANGE', 'z2', '0', '-1', 'WITHSCORES'],
        ['ZCARD', 'big'],
        ['ZCARD', 'big2'],
        ['OBJECT', 'ENCODING', 'big2'],
        ['DEBUG', 'DIGEST-VALUE', 'z', 'big', 'big2'],
        ['RENAME', 'z2', 'z3'],
        ['MOVE', 'z3', '1'],
        ['SELECT', '1'],
        ['ZRANGE', 'z3', '0', '-1'],
        ['SELECT', '0'],
        ['DEBUG', 'DIGEST'],
        ['DEBUG', 'RELOAD'],
        ['DEBUG', 'DIGEST'],
        ['ZRANGE', 'big', '0', '5', 'WITHSCORES'],
      ]);
      await d.withPair(async (p) => {
        await p.setup(['ZADD', 'z', '1', 'a'], ['SET', 's', 'v'], ['ZADD', 'y', '1', 'b']);
        assert.deepEqual(await p.scanAll('SCAN', '0', 'TYPE', 'zset'), ['y', 'z']);
      });
    });

    it('DUMP payloads: nodis loads Redis\'s and Redis loads nodis\'s, byte for byte', async () => {
      await d.withPair(async (p) => {
        const sets: string[][] = [
          ['ZADD', 'small', '1', 'a', '-0', 'b', '1.5', 'c', 'inf', 'd', '1e17', 'e', '0.1', '12', '-inf', BINARY],
          zadd('big', 400, (i) => (i % 3 ? i / 7 : i)),
        ];
        for (const cmd of sets) {
          const key = cmd[1];
          await p.setup(cmd);
          const fromRedis = bulkText(await p.redis.call('DUMP', key));
          const fromNodis = bulkText(await p.nodis.call('DUMP', key));
          assert.equal(fromNodis, fromRedis, `DUMP ${key}`);
          assert.equal(await p.nodis.call('RESTORE', `${key}-r`, '0', fromRedis!), '+OK\r\n');
          assert.equal(await p.redis.call('RESTORE', `${key}-r`, '0', fromNodis!), '+OK\r\n');
          await p.do('ZRANGE', `${key}-r`, '0', '-1', 'WITHSCORES');
          await p.do('OBJECT', 'ENCODING', `${key}-r`);
        }
      });
    });
  });
});
