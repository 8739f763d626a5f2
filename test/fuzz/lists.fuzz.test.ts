// Differential fuzzer for lists: random sequences of list commands (and the key commands that
// touch lists) on a few keys go to nodis and to a real redis-server, at random node sizes
// (list-max-listpack-size), and every reply must match byte for byte, as must every list's
// contents and DEBUG OBJECT's quicklist figures (nodes, sizes, serialized length) after each
// sequence. Values are short, long,
// integers at the listpack encodings' edges, binary and empty, so lists cross between the small
// and packed forms and nodes split, fill and empty.
//
//   FUZZ_SEED=123 replays one run; FUZZ_RUNS sets the number of sequences (default 60).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite } from '../helpers/differential.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;

const KEYS = ['a', 'b', 'c'];
const key = fc.constantFrom(...KEYS);
const value = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('x', 'y', 'hello', '', '0', '1', '-1', '127', '128', '-4096', '70000', '2147483648', '9223372036854775807', '007', '1.5', '\x00', '\xff\r\n') },
  { weight: 3, arbitrary: fc.integer({ min: -200, max: 200 }).map(String) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a).toString('latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 9000 }).map((n) => 'L'.repeat(n)) },
);
/** Several values, pushed at once (lists grow past the small form and across nodes). */
const values = fc.oneof(
  { weight: 4, arbitrary: fc.array(value, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 300 }).chain((n) => fc.array(value, { minLength: n, maxLength: n })) },
);
const index = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -30, max: 30 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('9223372036854775807', '-9223372036854775808', '1000', '-1000', 'x') },
);
const count = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-1', '9223372036854775807', '100000', 'x') },
);
const end = fc.constantFrom('LEFT', 'RIGHT', 'left', 'right');

const command: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'), key, values).map(([c, k, vs]) => [c, k, ...vs]) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, fc.option(count)).map(([c, k, n]) => (n === null ? [c, k] : [c, k, n])) },
  { weight: 2, arbitrary: fc.tuple(key, index).map(([k, i]) => ['LINDEX', k, i]) },
  { weight: 2, arbitrary: fc.tuple(key, index, value).map(([k, i, v]) => ['LSET', k, i, v]) },
  { weight: 2, arbitrary: fc.tuple(key, index, index).map(([k, s, e]) => ['LRANGE', k, s, e]) },
  { weight: 2, arbitrary: fc.tuple(key, index, index).map(([k, s, e]) => ['LTRIM', k, s, e]) },
  { weight: 3, arbitrary: fc.tuple(key, index, value).map(([k, n, v]) => ['LREM', k, n, v]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.constantFrom('BEFORE', 'AFTER', 'after'), value, value).map(([k, w, p, v]) => ['LINSERT', k, w, p, v]) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(key, value, fc.array(fc.oneof(fc.tuple(fc.constant('RANK'), index), fc.tuple(fc.constant('COUNT'), count), fc.tuple(fc.constant('MAXLEN'), count)), { maxLength: 3 }))
      .map(([k, v, opts]) => ['LPOS', k, v, ...opts.flat()].map((a) => (a === '-9223372036854775808' ? '-1' : a))),
  },
  { weight: 3, arbitrary: fc.tuple(key, key, end, end).map(([s, d, f, t]) => ['LMOVE', s, d, f, t]) },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([s, d]) => ['RPOPLPUSH', s, d]) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.array(key, { minLength: 1, maxLength: 3 }), end, fc.option(count))
      .map(([ks, w, n]) => ['LMPOP', String(ks.length), ...ks, w, ...(n === null ? [] : ['COUNT', n])]),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('BLPOP', 'BRPOP'), fc.array(key, { minLength: 1, maxLength: 2 })).map(([c, ks]) => [c, ...ks, '0.01']) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.array(key, { minLength: 1, maxLength: 2 }), end, fc.option(count)).map(([ks, w, n]) => ['BLMPOP', '0.01', String(ks.length), ...ks, w, ...(n === null ? [] : ['COUNT', n])]),
  },
  { weight: 1, arbitrary: fc.tuple(key, key, end, end).map(([s, d, f, t]) => ['BLMOVE', s, d, f, t, '0.01']) },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([s, d]) => ['BRPOPLPUSH', s, d, '0.01']) },
  { weight: 2, arbitrary: key.map((k) => ['LLEN', k]) },
  { weight: 1, arbitrary: key.map((k) => ['SET', k, 'string']) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('DEL', 'EXISTS', 'TYPE'), key).map(([c, k]) => [c, k]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('RENAME', 'COPY'), key, key).map(([c, s, d]) => (c === 'COPY' ? [c, s, d, 'REPLACE'] : [c, s, d])) },
  { weight: 1, arbitrary: key.map((k) => ['OBJECT', 'ENCODING', k]) },
);

/** DEBUG OBJECT without what differs by nature (the address, the LRU clock). */
function debugObject(r: string): string {
  return r.replace(/Value at:0x[0-9a-f]+/, 'Value at:?').replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru:?');
}

describe('differential fuzzer: lists', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start({}, ['--enable-debug-command', 'yes']));
  after(() => d.stop());

  it('answers random list command sequences like Redis', async () => {
    const fill = fc.constantFrom('-2', '-1', '1', '4', '16', '-5');
    const property = fc.asyncProperty(fill, fc.array(command, { minLength: 5, maxLength: 40 }), async (size, steps) => {
      await d.withConfig({ 'list-max-listpack-size': size }, async () => {
        await d.withPair(async (p) => {
          for (const argv of steps) await p.do(...argv);
          for (const k of KEYS) {
            await p.do('LRANGE', k, '0', '-1');
            await p.do('TYPE', k);
            // The quicklist's shape too: nodes split, fill and merge where Redis's do.
            if ((await p.nodis.call('TYPE', k)) === '+list\r\n') await p.norm(debugObject, 'DEBUG', 'OBJECT', k);
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
