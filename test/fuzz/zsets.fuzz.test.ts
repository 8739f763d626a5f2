// Differential fuzzer for sorted sets: random sequences of sorted set commands (and the key
// commands that touch them) on a few keys go to nodis and to a real redis-server, at random
// zset-max-listpack-entries/-value, and every reply must match byte for byte, as must every
// set's members, scores and encoding and DEBUG OBJECT's serialized length after each sequence.
// Scores include ±inf, -0, equal scores, decimals that print with 17 digits, and integers past
// 2^53; members are short, long, binary, empty and integer-like, so sets cross between the
// listpack and skiplist encodings. Lex ranges run on a key whose scores are all equal, as Redis
// documents them.
//
//   FUZZ_SEED=123 replays one run; FUZZ_RUNS sets the number of sequences (default 60).

import { describe, it, before, after } from 'node:test';
import fc from 'fast-check';
import { Differential, differentialSuite } from '../helpers/differential.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;

const KEYS = ['a', 'b', 'c'];
/** The key whose scores are all 0, for lex ranges. */
const LEX = 'l';
const key = fc.constantFrom(...KEYS);
const anyKey = fc.constantFrom(...KEYS, LEX);
const member = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('x', 'y', 'z', 'hello', '', '0', '1', '-1', '128', '9223372036854775807', '007', '1.5', '\x00', '\xff\r\n', 'ab', 'b') },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 60 }).map((i) => `m${i}`) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a).toString('latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 200 }).map((n) => 'L'.repeat(n)) },
);
const score = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 5 }).map(String) },
  { weight: 3, arbitrary: fc.constantFrom('inf', '-inf', '+inf', '-0', '0.1', '0.2', '1.5', '1e17', '9007199254740993', '-2.5e-5', '3.0000000000000004', '1e308', '0x1p3') },
  { weight: 2, arbitrary: fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('nan', 'x', '') },
);
/** Pairs of score, member, added at once (sets grow past the listpack limits). */
const pairs = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 200 }).chain((n) => fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }).map(String), member), { minLength: n, maxLength: n })) },
);
const index = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -30, max: 30 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('9223372036854775807', '-9223372036854775808', 'x') });
const bound = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -6, max: 6 }).map(String) },
  { weight: 2, arbitrary: fc.integer({ min: -6, max: 6 }).map((i) => `(${i}`) },
  { weight: 2, arbitrary: fc.constantFrom('-inf', '+inf', '(-inf', '(inf', '1.5', '(0.1', 'nan', '', '(', ' 1', 'x') },
);
const lexBound = fc.oneof(
  { weight: 4, arbitrary: member.map((m) => `[${m}`) },
  { weight: 3, arbitrary: member.map((m) => `(${m}`) },
  { weight: 2, arbitrary: fc.constantFrom('-', '+', '[', '(', 'x') },
);
const limit = fc.option(fc.tuple(fc.integer({ min: -2, max: 8 }).map(String), fc.integer({ min: -2, max: 8 }).map(String)));
const flags = fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']);
const keysArg = fc.array(fc.oneof(key, fc.constant('s')), { minLength: 1, maxLength: 3 });

const command: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(key, flags, pairs).map(([k, f, ps]) => ['ZADD', k, ...f, ...(f.includes('INCR') ? ps.slice(0, 1) : ps).flat()]) },
  { weight: 2, arbitrary: fc.tuple(member).map(([m]) => ['ZADD', LEX, '0', m]) },
  { weight: 3, arbitrary: fc.tuple(key, score, member).map(([k, s, m]) => ['ZINCRBY', k, s, m]) },
  { weight: 3, arbitrary: fc.tuple(anyKey, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['ZREM', k, ...ms]) },
  { weight: 2, arbitrary: fc.tuple(anyKey, member).map(([k, m]) => ['ZSCORE', k, m]) },
  { weight: 1, arbitrary: fc.tuple(anyKey, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['ZMSCORE', k, ...ms]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('ZRANK', 'ZREVRANK'), anyKey, member).map(([c, k, m]) => [c, k, m]) },
  { weight: 3, arbitrary: fc.tuple(anyKey, index, index, fc.boolean(), fc.boolean()).map(([k, a, b, rev, ws]) => ['ZRANGE', k, a, b, ...(rev ? ['REV'] : []), ...(ws ? ['WITHSCORES'] : [])]) },
  {
    weight: 3,
    arbitrary: fc.tuple(key, bound, bound, fc.boolean(), fc.boolean(), limit).map(([k, a, b, rev, ws, l]) => [
      'ZRANGE', k, a, b, 'BYSCORE', ...(rev ? ['REV'] : []), ...(ws ? ['WITHSCORES'] : []), ...(l ? ['LIMIT', ...l] : []),
    ]),
  },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('ZRANGEBYSCORE', 'ZREVRANGEBYSCORE'), key, bound, bound, limit).map(([c, k, a, b, l]) => [c, k, a, b, 'WITHSCORES', ...(l ? ['LIMIT', ...l] : [])]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('ZRANGEBYLEX', 'ZREVRANGEBYLEX'), lexBound, lexBound, limit).map(([c, a, b, l]) => [c, LEX, a, b, ...(l ? ['LIMIT', ...l] : [])]) },
  { weight: 2, arbitrary: fc.tuple(key, bound, bound).map(([k, a, b]) => ['ZCOUNT', k, a, b]) },
  { weight: 2, arbitrary: fc.tuple(lexBound, lexBound).map(([a, b]) => ['ZLEXCOUNT', LEX, a, b]) },
  { weight: 2, arbitrary: fc.tuple(key, index, index).map(([k, a, b]) => ['ZREMRANGEBYRANK', k, a, b]) },
  { weight: 2, arbitrary: fc.tuple(key, bound, bound).map(([k, a, b]) => ['ZREMRANGEBYSCORE', k, a, b]) },
  { weight: 2, arbitrary: fc.tuple(lexBound, lexBound).map(([a, b]) => ['ZREMRANGEBYLEX', LEX, a, b]) },
  { weight: 2, arbitrary: fc.tuple(key, anyKey, index, index, fc.boolean()).map(([d, s, a, b, rev]) => ['ZRANGESTORE', d, s, a, b, ...(rev ? ['REV'] : [])]) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom('ZUNION', 'ZINTER', 'ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFF', 'ZDIFFSTORE'), key, keysArg, fc.option(fc.constantFrom('SUM', 'MIN', 'MAX')), fc.boolean())
      .map(([c, dst, ks, agg, weights]) => {
        const store = c.endsWith('STORE');
        const diff = c.startsWith('ZDIFF');
        const opts: string[] = [];
        if (!diff && weights) opts.push('WEIGHTS', ...ks.map((_, i) => ['2', '-1', '0.5'][i]));
        if (!diff && agg !== null) opts.push('AGGREGATE', agg);
        if (!store) opts.push('WITHSCORES');
        return [c, ...(store ? [dst] : []), String(ks.length), ...ks, ...opts];
      }),
  },
  { weight: 1, arbitrary: fc.tuple(keysArg, fc.integer({ min: 0, max: 3 })).map(([ks, l]) => ['ZINTERCARD', String(ks.length), ...ks, 'LIMIT', String(l)]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), key, fc.option(fc.integer({ min: 0, max: 5 }).map(String))).map(([c, k, n]) => (n === null ? [c, k] : [c, k, n])) },
  { weight: 2, arbitrary: fc.tuple(keysArg, fc.constantFrom('MIN', 'MAX'), fc.option(fc.integer({ min: 1, max: 5 }).map(String))).map(([ks, w, n]) => ['ZMPOP', String(ks.length), ...ks, w, ...(n === null ? [] : ['COUNT', n])]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('BZPOPMIN', 'BZPOPMAX'), fc.array(key, { minLength: 1, maxLength: 2 })).map(([c, ks]) => [c, ...ks, '0.01']) },
  { weight: 1, arbitrary: fc.tuple(keysArg, fc.constantFrom('MIN', 'MAX')).map(([ks, w]) => ['BZMPOP', '0.01', String(ks.length), ...ks, w, 'COUNT', '2']) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('100', '-0', '0')).map(([k, n]) => ['ZRANDMEMBER', k, n, 'WITHSCORES']) },
  { weight: 2, arbitrary: anyKey.map((k) => ['ZCARD', k]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('SET', 'SADD'), key).map(([c, k]) => [c, k, '1']) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('DEL', 'EXISTS', 'TYPE'), key).map(([c, k]) => [c, k]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('RENAME', 'COPY'), key, key).map(([c, s, d]) => (c === 'COPY' ? [c, s, d, 'REPLACE'] : [c, s, d])) },
  { weight: 1, arbitrary: anyKey.map((k) => ['OBJECT', 'ENCODING', k]) },
);

/** DEBUG OBJECT without what differs by nature (the address, the LRU clock). */
function debugObject(r: string): string {
  return r.replace(/Value at:0x[0-9a-f]+/, 'Value at:?').replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru:?');
}

describe('differential fuzzer: sorted sets', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start({}, ['--enable-debug-command', 'yes']));
  after(() => d.stop());

  it('answers random sorted set command sequences like Redis', async () => {
    const limits = fc.tuple(fc.constantFrom('128', '0', '1', '5', '20'), fc.constantFrom('64', '0', '3', '10'));
    const property = fc.asyncProperty(limits, fc.array(command, { minLength: 5, maxLength: 40 }), async ([entries, value], steps) => {
      await d.withConfig({ 'zset-max-listpack-entries': entries, 'zset-max-listpack-value': value }, async () => {
        await d.withPair(async (p) => {
          await p.setup(['SADD', 's', 'x', 'y', '1']);
          for (const argv of steps) await p.do(...argv);
          for (const k of [...KEYS, LEX]) {
            await p.do('ZRANGE', k, '0', '-1', 'WITHSCORES');
            await p.do('TYPE', k);
            if ((await p.nodis.call('TYPE', k)) === '+zset\r\n') {
              await p.do('OBJECT', 'ENCODING', k);
              await p.do('DEBUG', 'DIGEST-VALUE', k);
              await p.norm(debugObject, 'DEBUG', 'OBJECT', k);
            }
          }
        });
      });
    });
    try {
      await fc.assert(property, { seed: SEED, numRuns: RUNS });
    } catch (e) {
      const err = e as Error;
      const cause = err.cause instanceof Error ? `\n${err.cause.message}` : '';
      err.message = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} reproduces this run\n${err.message}${cause}`;
      throw err;
    }
  });
});
