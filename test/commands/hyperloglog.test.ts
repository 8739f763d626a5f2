// HyperLogLog commands against real Redis: the values are compared byte for byte (GET) after every
// change, in both encodings and across the sparse-to-dense promotion, with every error, the cached
// cardinality, keyspace events and the replication stream; random PFADD / PFMERGE / PFCOUNT
// sequences with fast-check; and checks of the hash and estimator against known values.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite, type Pair, type PairOptions, type StepLike } from '../helpers/differential.js';
import { RawConnection, bulkText } from '../helpers/resp.js';
import { ByteString, RawString, RObject } from '../../src/types/value.js';
import { selfTest } from '../../src/types/hyperloglog.js';

/** Stands in for a list in nodis until the list type exists (the oracle gets a real list). */
class FakeList extends RObject {
  readonly type = 'list';
  encoding(): string {
    return 'listpack';
  }
}

function withList(d: Differential): PairOptions {
  return {
    prepare: async (p: Pair) => {
      assert.equal(await p.redis.call('RPUSH', 'l', 'x'), ':1\r\n');
      d.nodis.server.dbs[0].dict.set('l', new FakeList());
    },
  };
}

/** n distinct elements with a prefix. */
function elements(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);
}

describe('HyperLogLog commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  describe('PFADD and PFCOUNT', () => {
    it('build the same sparse bytes as Redis, element by element', async () => {
      const steps: StepLike[] = [['PFADD', 'h'], ['GET', 'h'], ['PFCOUNT', 'h'], ['GET', 'h'], ['PFADD', 'h']];
      for (const e of ['a', 'b', 'c', '', 'a', '\x00', '\xff\xfe', 'x'.repeat(7), 'y'.repeat(8), 'z'.repeat(9), 'foo bar baz qux 12345']) {
        steps.push(['PFADD', 'h', e], ['GET', 'h']);
      }
      steps.push(['PFCOUNT', 'h'], ['GET', 'h'], ['PFCOUNT', 'h'], ['PFADD', 'h', 'a', 'b'], ['GETRANGE', 'h', '15', '15'], ['PFADD', 'h', 'new1', 'new2'], ['GETRANGE', 'h', '15', '15']);
      for (let i = 0; i < 40; i++) steps.push(['PFADD', 'h', ...elements(`e${i}-`, 7)], ['GET', 'h']);
      steps.push(['PFCOUNT', 'h'], ['OBJECT', 'ENCODING', 'h'], ['PFDEBUG', 'ENCODING', 'h'], ['PFDEBUG', 'DECODE', 'h']);
      await d.check(steps);
    });

    it('count like Redis up to large cardinalities, dense after promotion', async () => {
      const steps: StepLike[] = [];
      for (let i = 0; i < 60; i++) {
        steps.push(['PFADD', 'h', ...elements(`k${i}:`, 500)]);
        if (i % 5 === 0) steps.push(['GET', 'h'], ['PFCOUNT', 'h'], ['PFDEBUG', 'ENCODING', 'h']);
      }
      steps.push(['GET', 'h'], ['PFCOUNT', 'h'], ['STRLEN', 'h']);
      await d.check(steps);
    });

    it('promote to dense when a register passes 32 or the value passes hll-sparse-max-bytes', async () => {
      for (const max of ['0', '20', '100', '3000', '12000', '20000']) {
        await d.withConfig({ 'hll-sparse-max-bytes': max }, async () => {
          const steps: StepLike[] = [];
          for (let i = 0; i < 30; i++) steps.push(['PFADD', 'h', ...elements(`m${i}-`, 60)], ['PFDEBUG', 'ENCODING', 'h'], ['STRLEN', 'h']);
          steps.push(['GET', 'h'], ['PFCOUNT', 'h']);
          await d.check(steps);
        });
      }
      // A register over 32 (no element found by chance gets one: 2^-32 each) comes from a dense
      // value written by hand, merged into a sparse one.
      await d.check([
        ['SET', 'src', denseWith([[5, 40], [16383, 63], [0, 33]])],
        ['PFCOUNT', 'src'],
        ['PFADD', 'h', 'a'],
        ['PFMERGE', 'h', 'src'],
        ['PFDEBUG', 'ENCODING', 'h'],
        ['GET', 'h'],
        ['PFCOUNT', 'h'],
        ['PFDEBUG', 'GETREG', 'h'],
      ]);
    });

    it('turn strings that hold HLLs into writable values, raw-encoded', async () => {
      await d.withPair(async (p) => {
        await p.setup(['PFADD', 'src', 'a', 'b', 'c']);
        const bytes = bulkText(await p.do('GET', 'src'));
        await p.run([
          ['SET', 'copy', bytes],
          ['OBJECT', 'ENCODING', 'copy'],
          ['PFCOUNT', 'copy'],
          ['OBJECT', 'ENCODING', 'copy'],
          ['SET', 'copy2', bytes],
          ['PFADD', 'copy2'],
          ['OBJECT', 'ENCODING', 'copy2'],
          ['PFADD', 'copy2', 'd'],
          ['GET', 'copy2'],
          ['SET', 'copy3', bytes],
          ['PFCOUNT', 'copy3', 'src'],
          ['OBJECT', 'ENCODING', 'copy3'],
          ['SET', 'copy4', bytes],
          ['PFDEBUG', 'ENCODING', 'copy4'],
          ['OBJECT', 'ENCODING', 'copy4'],
          ['APPEND', 'src', ''],
          ['PFADD', 'src', 'e'],
          ['GET', 'src'],
        ]);
      });
    });

    it('refuse other types and strings that are not HLLs', async () => {
      await d.check(
        [
          ['SET', 's', 'bar'],
          ['SET', 'i', '12345'],
          ['SET', 'fake', 'HYLL\x01\x00\x00\x00'],
          ['SET', 'fake2', 'HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff'],
          ['SET', 'fake3', 'HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff'],
          ['SET', 'fake4', 'HyLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff'],
          ...['l', 's', 'i', 'fake', 'fake2', 'fake3', 'fake4'].flatMap((k) => [
            { cmd: ['PFADD', k, 'a'], error: true },
            { cmd: ['PFADD', k], error: true },
            { cmd: ['PFCOUNT', k], error: true },
            { cmd: ['PFCOUNT', 'nokey', k], error: true },
            { cmd: ['PFMERGE', 'dst', k], error: true },
            { cmd: ['PFMERGE', k, 'nokey'], error: true },
            { cmd: ['PFDEBUG', 'GETREG', k], error: true },
            { cmd: ['PFDEBUG', 'NOSUCH', k], error: true },
            ...(k === 'l' ? [] : [['OBJECT', 'ENCODING', k]]),
          ]),
          ['EXISTS', 'dst'],
          { cmd: ['PFADD'], error: true },
          { cmd: ['PFCOUNT'], error: true },
          { cmd: ['PFMERGE'], error: true },
        ],
        withList(d),
      );
    });

    it('detect corrupted values as Redis does', async () => {
      const steps: StepLike[] = [];
      const corruptions: Array<[string, string]> = [
        ['16', '\x7f'],
        ['16', '\x00'],
        ['17', '\x00'],
        ['18', 'x'],
        ['20', '\xff\xff\xff'],
        ['4', 'x'],
        ['4', '\x00'],
        ['0', 'X'],
        ['16', '\x80'],
        ['17', '\xfe'],
        ['12000', '\x01'],
      ];
      for (const [pos, bytes] of corruptions) {
        for (const n of [3, 200]) {
          steps.push(['DEL', 'h'], ['PFADD', 'h', ...elements('c', n)], ['PFADD', 'ok', 'x'], ['SETRANGE', 'h', pos, bytes], ['STRLEN', 'h']);
          steps.push(['PFCOUNT', 'h'], ['PFADD', 'h', ...elements('more', 20)], ['GET', 'h'], ['PFCOUNT', 'h', 'ok'], ['PFMERGE', 'ok', 'h'], ['PFMERGE', 'h', 'ok']);
          steps.push(['PFDEBUG', 'GETREG', 'h'], ['PFDEBUG', 'DECODE', 'h'], ['PFDEBUG', 'TODENSE', 'h'], ['GET', 'h'], ['GET', 'ok']);
        }
      }
      steps.push(['DEL', 'h'], ['PFADD', 'h', ...elements('d', 3000)], ['PFDEBUG', 'ENCODING', 'h'], ['SETRANGE', 'h', '12304', 'x'], ['PFCOUNT', 'h']);
      steps.push(['PFADD', 'h', 'a'], ['PFMERGE', 'x', 'h'], ['PFCOUNT', 'h', 'x']);
      await d.check(steps);
    });

    it('answer the union of several keys without changing them', async () => {
      await d.check([
        ['PFADD', 'a', ...elements('a', 100)],
        ['PFADD', 'b', ...elements('b', 100), ...elements('a', 50)],
        ['PFADD', 'c', ...elements('c', 3000)],
        ['PFCOUNT', 'a', 'b'],
        ['PFCOUNT', 'a', 'b', 'c', 'nokey'],
        ['PFCOUNT', 'nokey', 'nokey2'],
        ['PFCOUNT', 'a', 'a'],
        ['GET', 'a'],
        ['GET', 'c'],
        ['PFCOUNT', 'a'],
        ['PFCOUNT', 'c'],
        ['GET', 'c'],
      ]);
    });
  });

  describe('PFMERGE', () => {
    it('merges sparse and dense values into sparse or dense destinations', async () => {
      const steps: StepLike[] = [
        ['PFADD', 's1', ...elements('x', 20)],
        ['PFADD', 's2', ...elements('y', 30), ...elements('x', 10)],
        ['PFADD', 'd1', ...elements('z', 4000)],
        ['PFMERGE', 'm1', 's1', 's2'],
        ['GET', 'm1'],
        ['PFCOUNT', 'm1'],
        ['PFMERGE', 'm2', 's1', 'd1'],
        ['GET', 'm2'],
        ['PFDEBUG', 'ENCODING', 'm2'],
        ['PFMERGE', 's1', 's2'],
        ['GET', 's1'],
        ['PFMERGE', 's2', 'd1'],
        ['GET', 's2'],
        ['PFMERGE', 'empty'],
        ['GET', 'empty'],
        ['PFMERGE', 'empty2', 'nokey', 'nokey2'],
        ['GET', 'empty2'],
        ['PFCOUNT', 'empty2'],
        ['PFMERGE', 'd1', 'd1'],
        ['GET', 'd1'],
        ['SET', 't', 'x', 'EX', '100'],
        ['DEL', 't'],
        ['PFADD', 't', 'a'],
        ['EXPIRE', 't', '100'],
        ['PFMERGE', 't', 's1'],
        ['TTL', 't'],
      ];
      await d.check(steps);
    });

    it('grows a sparse destination register by register, up to hll-sparse-max-bytes', async () => {
      for (const max of ['50', '700', '3000']) {
        await d.withConfig({ 'hll-sparse-max-bytes': max }, () =>
          d.check([
            ['PFADD', 'a', ...elements('a', 150)],
            ['PFADD', 'b', ...elements('b', 150)],
            ['PFMERGE', 'dst', 'a', 'b'],
            ['PFDEBUG', 'ENCODING', 'dst'],
            ['GET', 'dst'],
            ['PFMERGE', 'a', 'b'],
            ['GET', 'a'],
          ]),
        );
      }
    });
  });

  describe('PFDEBUG and PFSELFTEST', () => {
    it('PFDEBUG reports, decodes and converts', async () => {
      await d.check([
        ['PFADD', 'h', 'a', 'b', 'c'],
        ['PFDEBUG', 'ENCODING', 'h'],
        ['PFDEBUG', 'encoding', 'h'],
        ['PFDEBUG', 'DECODE', 'h'],
        ['PFDEBUG', 'GETREG', 'h'],
        ['PFDEBUG', 'ENCODING', 'h'],
        ['PFDEBUG', 'DECODE', 'h'],
        ['PFDEBUG', 'TODENSE', 'h'],
        ['GET', 'h'],
        ['PFADD', 'h2', 'a'],
        ['PFDEBUG', 'todense', 'h2'],
        ['GET', 'h2'],
        ['PFADD', 'e'],
        ['PFDEBUG', 'DECODE', 'e'],
        ['PFDEBUG', 'GETREG\0x', 'e'],
        ['PFDEBUG', 'NOSUCH', 'e'],
        ['PFDEBUG', 'NO\0SUCH', 'e'],
        ['PFDEBUG', 'GETREG', 'nokey'],
        ['PFDEBUG', 'NOSUCH', 'nokey'],
        { cmd: ['PFDEBUG', 'GETREG'], error: true },
        { cmd: ['PFDEBUG', 'GETREG', 'h', 'x'], error: true },
      ]);
    });

    it('answer in RESP3 as Redis does (PFDEBUG GETREG: 16384 integers)', async () => {
      await d.check(
        [
          ['PFADD', 'h', 'a', 'b'],
          ['PFDEBUG', 'ENCODING', 'h'],
          ['PFDEBUG', 'DECODE', 'h'],
          ['PFDEBUG', 'GETREG', 'h'],
          ['PFCOUNT', 'h'],
          ['PFMERGE', 'm', 'h'],
          ['PFDEBUG', 'DECODE', 'h'],
          ['SET', 's', 'x'],
          ['PFCOUNT', 's'],
        ],
        { resp3: true },
      );
    });

    it('keep a dense value in place, and short sparse ones as strings', async () => {
      await d.check([['PFADD', 'h', 'a'], ['PFADD', 'big', ...elements('x', 5000)]]);
      const db = d.nodis.server.dbs[0];
      assert.ok(db.dict.get('h') instanceof RawString);
      const v = db.dict.get('big');
      assert.ok(v instanceof ByteString);
      await d.check([['PFADD', 'big', ...elements('y', 5000)], ['PFCOUNT', 'big'], ['PFDEBUG', 'ENCODING', 'big'], ['STRLEN', 'big'], ['PFMERGE', 'big', 'h']], { flush: false });
      assert.equal(db.dict.get('big'), v);
      assert.equal(v.bytes.buffer.byteLength, v.bytes.length);
    });

    it('PFSELFTEST passes', async () => {
      await d.check([['PFSELFTEST'], { cmd: ['PFSELFTEST', 'x'], error: true }]);
    });
  });

  describe('side effects', () => {
    const STEPS: StepLike[] = [
      ['PFADD', 'h', 'a', 'b'],
      ['PFADD', 'h', 'a'],
      ['PFADD', 'h'],
      ['PFADD', 'new'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h', 'new'],
      ['PFADD', 'h', 'c'],
      ['PFCOUNT', 'h'],
      ['PFMERGE', 'm', 'h', 'new'],
      ['PFMERGE', 'm'],
      ['PFDEBUG', 'ENCODING', 'm'],
      ['PFDEBUG', 'TODENSE', 'm'],
      ['PFDEBUG', 'TODENSE', 'm'],
      ['PFADD', 'g', 'x'],
      ['PFDEBUG', 'GETREG', 'g'],
      ['PFCOUNT', 'nokey'],
    ];

    it('publish the keyspace events Redis publishes', async () => {
      await d.check(STEPS, { events: true });
    });

    it('propagate what Redis propagates', async () => {
      await d.check(STEPS, { replication: true });
    });

    it('abort a WATCHed transaction when they change the key, and only then', async () => {
      const watched = (cmd: string[]): string[][] => [['WATCH', 'h'], cmd, ['MULTI'], ['PING'], ['EXEC']];
      await d.check([
        ...watched(['PFADD', 'h', 'a']),
        ...watched(['PFADD', 'h', 'a']),
        ...watched(['PFCOUNT', 'h']),
        ...watched(['PFCOUNT', 'h']),
        ...watched(['PFCOUNT', 'h', 'other']),
        ...watched(['PFMERGE', 'h']),
        ...watched(['PFMERGE', 'other', 'h']),
        ...watched(['PFDEBUG', 'ENCODING', 'h']),
      ]);
    });

    it('count changes, hits and misses as Redis does', async () => {
      const steps = STEPS.map((s) => (Array.isArray(s) ? s : s.cmd)).filter((s) => s[1] !== 'GETREG');
      const effects = async (conn: RawConnection): Promise<number[][]> => {
        const snapshot = async (): Promise<number[]> => {
          const info = bulkText(await conn.call('INFO', 'everything'));
          const field = (name: string) => Number(new RegExp(`\\r\\n${name}:(\\d+)`).exec(info)![1]);
          return [field('rdb_changes_since_last_save'), field('keyspace_hits'), field('keyspace_misses')];
        };
        const out: number[][] = [];
        for (const cmd of steps) {
          const b = await snapshot();
          await conn.call(...cmd);
          const a = await snapshot();
          out.push(a.map((v, i) => v - b[i]));
        }
        return out;
      };
      const [nodis, redis] = await d.withPair(async (p) => [await effects(p.nodis), await effects(p.redis)]);
      for (let i = 0; i < steps.length; i++) assert.deepEqual(nodis[i], redis[i], `effects of ${JSON.stringify(steps[i])} [dirty, hits, misses]`);
    });
  });

  describe('random command sequences', () => {
    it('leave identical bytes', async () => {
      const key = fc.constantFrom('a', 'b', 'c');
      const element = fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 5000 }).map(String) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a).toString('latin1')) },
      );
      const command: fc.Arbitrary<string[]> = fc.oneof(
        { weight: 6, arbitrary: fc.tuple(key, fc.array(element, { maxLength: 40 })).map(([k, es]) => ['PFADD', k, ...es]) },
        { weight: 2, arbitrary: fc.tuple(key, fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 1000000 })).map(([k, n, from]) => ['PFADD', k, ...elements('r', n, from)]) },
        { weight: 2, arbitrary: fc.tuple(key, fc.array(key, { maxLength: 3 })).map(([k, ks]) => ['PFMERGE', k, ...ks]) },
        { weight: 2, arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ['PFCOUNT', ...ks]) },
        { weight: 1, arbitrary: key.map((k) => ['PFDEBUG', 'ENCODING', k]) },
        { weight: 1, arbitrary: key.map((k) => ['DEL', k]) },
      );
      const maxBytes = fc.constantFrom('3000', '3000', '300', '8000', '0');
      await fc.assert(
        fc.asyncProperty(maxBytes, fc.array(command, { minLength: 1, maxLength: 15 }), async (max, steps) => {
          await d.withConfig({ 'hll-sparse-max-bytes': max }, () =>
            d.check([...steps, ['GET', 'a'], ['GET', 'b'], ['GET', 'c'], ['PFCOUNT', 'a', 'b', 'c']]),
          );
        }),
        { numRuns: 150 },
      );
    });
  });
});

/** A dense HLL value (stale cached count) with the given [register, value] pairs set. */
function denseWith(registers: Array<[number, number]>): string {
  const b = Buffer.alloc(16 + 12288);
  b.write('HYLL', 0, 'latin1');
  b[15] = 0x80;
  for (const [i, v] of registers) {
    const bit = i * 6;
    const byte = 16 + (bit >> 3);
    const fb = bit & 7;
    b[byte] |= (v << fb) & 0xff;
    if (fb > 2) b[byte + 1] |= v >> (8 - fb);
  }
  return b.toString('latin1');
}

describe('HyperLogLog internals', () => {
  it('pass the self test with other sparse limits', () => {
    for (const max of [0, 100, 3000]) assert.equal(selfTest(max), null);
  });
});
