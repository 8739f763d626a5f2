// Bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO) against real
// Redis byte for byte: every option and error, growth, encodings, dirty counts, keyspace events and
// the replication stream; random sequences with fast-check; and nodis-only checks that a bitmap
// is written in place.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite, type Pair, type PairOptions, type StepLike } from '../helpers/differential.js';
import { RawConnection, bulkText } from '../helpers/resp.js';
import { ByteString, RawString, RObject } from '../../src/types/value.js';

/** Stands in for a list in nodis until the list type exists (the oracle gets a real list). */
class FakeList extends RObject {
  readonly type = 'list';
  encoding(): string {
    return 'listpack';
  }
}

/** check() options giving key l a list value on both servers (see test/commands/strings.test.ts). */
function withList(d: Differential): PairOptions {
  return {
    prepare: async (p: Pair) => {
      assert.equal(await p.redis.call('RPUSH', 'l', 'x'), ':1\r\n');
      d.nodis.server.dbs[0].dict.set('l', new FakeList());
    },
  };
}

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
const BAD_INTEGERS = ['x', '', ' 1', '1 ', '+1', '01', '1.5', '-0', '0x10', '9223372036854775808', '1\0'];

/** [dirty, hits, misses] after each command, as INFO shows them (deltas). */
async function effects(conn: RawConnection, steps: string[][]): Promise<number[][]> {
  const snapshot = async (): Promise<number[]> => {
    const info = bulkText(await conn.call('INFO', 'everything'));
    const field = (name: string) => Number(new RegExp(`\\r\\n${name}:(\\d+)`).exec(info)![1]);
    return [field('rdb_changes_since_last_save'), field('keyspace_hits'), field('keyspace_misses')];
  };
  const out: number[][] = [];
  for (const cmd of steps) {
    const before = await snapshot();
    await conn.call(...cmd);
    const after = await snapshot();
    out.push(after.map((v, i) => v - before[i]));
  }
  return out;
}

describe('bitmap commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  describe('SETBIT and GETBIT', () => {
    it('set, clear and read bits, growing the string with zero bytes', async () => {
      await d.check([
        ['GETBIT', 'k', '0'],
        ['SETBIT', 'k', '1', '1'],
        ['GET', 'k'],
        ['SETBIT', 'k', '1', '1'],
        ['SETBIT', 'k', '7', '1'],
        ['GET', 'k'],
        ['SETBIT', 'k', '100', '1'],
        ['STRLEN', 'k'],
        ['GET', 'k'],
        ['SETBIT', 'k', '100', '0'],
        ['SETBIT', 'k', '0', '0'],
        ['GET', 'k'],
        ['GETBIT', 'k', '1'],
        ['GETBIT', 'k', '7'],
        ['GETBIT', 'k', '100'],
        ['GETBIT', 'k', '101'],
        ['GETBIT', 'k', '1000000'],
        ['SETBIT', 'z', '200', '0'],
        ['GET', 'z'],
        ['SETBIT', 'k', '0', '1'],
        ['GET', 'k'],
      ]);
    });

    it('work on plain, integer, binary and in-place-built strings alike', async () => {
      await d.check([
        ['SET', 's', 'foo'],
        ['GETBIT', 's', '1'],
        ['GETBIT', 's', '2'],
        ['SETBIT', 's', '2', '0'],
        ['SETBIT', 's', '30', '1'],
        ['GET', 's'],
        ['SET', 'i', '12345'],
        ['GETBIT', 'i', '2'],
        ['GETBIT', 'i', '3'],
        ['GETBIT', 'i', '39'],
        ['SETBIT', 'i', '6', '1'],
        ['GET', 'i'],
        ['SET', 'b', '\x00\xff\x80\x01'],
        ['GETBIT', 'b', '8'],
        ['GETBIT', 'b', '16'],
        ['GETBIT', 'b', '31'],
        ['SETBIT', 'b', '31', '0'],
        ['GET', 'b'],
        ['APPEND', 'a', 'xy'],
        ['SETBIT', 'a', '3', '1'],
        ['GET', 'a'],
        ['APPEND', 'a', 'zz'],
        ['SETRANGE', 'a', '6', 'q'],
        ['GET', 'a'],
        ['SETBIT', 'a', '60', '1'],
        ['GETRANGE', 'a', '2', '5'],
        ['STRLEN', 'a'],
        ['INCRBYFLOAT', 'f', '1.5'],
        ['SETBIT', 'f', '0', '1'],
        ['GET', 'f'],
        ['SET', 'e', ''],
        ['GETBIT', 'e', '0'],
        ['SETBIT', 'e', '0', '0'],
        ['GET', 'e'],
      ]);
    });

    it('leave values raw-encoded once written, even when nothing changed', async () => {
      const keys = ['new', 'int', 'emb', 'same', 'big', 'read'];
      await d.check([
        ['SETBIT', 'new', '3', '1'],
        ['SET', 'int', '12'],
        ['SETBIT', 'int', '0', '0'],
        ['SET', 'emb', 'hello'],
        ['SETBIT', 'emb', '200', '1'],
        ['SET', 'same', 'abc'],
        ['SETBIT', 'same', '1', '1'],
        ['SET', 'big', 'x'.repeat(100)],
        ['SETBIT', 'big', '0', '1'],
        ['SET', 'read', 'abc'],
        ['GETBIT', 'read', '1'],
        ...keys.map((k) => ['OBJECT', 'ENCODING', k]),
        ['INCR', 'int'],
        ['OBJECT', 'ENCODING', 'int'],
        ['APPEND', 'new', 'x'],
        ['OBJECT', 'ENCODING', 'new'],
      ]);
    });

    it('check the offset and the bit value with Redis errors', async () => {
      const steps: StepLike[] = [];
      for (const off of [...BAD_INTEGERS, '-1', INT64_MIN, INT64_MAX, '4294967296', '#1', '99999999999999999999']) {
        steps.push({ cmd: ['SETBIT', 'k', off, '1'], error: true }, { cmd: ['GETBIT', 'k', off], error: true });
      }
      for (const bit of [...BAD_INTEGERS, '-1', '2', '10', '20', INT64_MAX, INT64_MIN]) {
        steps.push({ cmd: ['SETBIT', 'k', '0', bit], error: true });
      }
      steps.push({ cmd: ['SETBIT', 'k', 'x', '2'], error: true }, ['EXISTS', 'k']);
      steps.push({ cmd: ['SETBIT', 'k', '0'], error: true }, { cmd: ['GETBIT', 'k'], error: true }, { cmd: ['GETBIT', 'k', '0', '1'], error: true });
      await d.check(steps);
    });

    it('reply WRONGTYPE on other types after checking their arguments', async () => {
      await d.check(
        [
          { cmd: ['SETBIT', 'l', '0', '1'], error: true },
          { cmd: ['SETBIT', 'l', '-1', '1'], error: true },
          { cmd: ['SETBIT', 'l', '0', '2'], error: true },
          { cmd: ['GETBIT', 'l', '0'], error: true },
          { cmd: ['GETBIT', 'l', 'x'], error: true },
          ['TYPE', 'l'],
        ],
        withList(d),
      );
    });
  });

  describe('BITCOUNT', () => {
    it('counts the whole string and byte ranges', async () => {
      const steps: StepLike[] = [['SET', 's', 'foobar'], ['BITCOUNT', 's'], ['BITCOUNT', 'nokey']];
      for (const [a, b] of [
        ['0', '0'], ['1', '1'], ['0', '-1'], ['-2', '-1'], ['-1', '-2'], ['2', '1'], ['0', '100'], ['-100', '100'],
        ['5', '5'], ['6', '6'], ['-7', '-6'], [INT64_MIN, INT64_MAX], [INT64_MAX, INT64_MAX], ['-3', '2'],
      ]) {
        steps.push(['BITCOUNT', 's', a, b], ['BITCOUNT', 's', a, b, 'BYTE'], ['BITCOUNT', 's', a, b, 'bit']);
      }
      steps.push(['SET', 'big', '\xff'.repeat(3) + '\x55'.repeat(100) + '\x01'], ['BITCOUNT', 'big'], ['BITCOUNT', 'big', '1', '-2']);
      steps.push(['BITCOUNT', 'big', '5', '810', 'BIT'], ['BITCOUNT', 'big', '3', '3', 'BIT'], ['BITCOUNT', 'big', '831', '831', 'bit']);
      steps.push(['SET', 'e', ''], ['BITCOUNT', 'e'], ['BITCOUNT', 'e', '0', '-1'], ['BITCOUNT', 'e', '0', '-1', 'BIT']);
      steps.push(['SET', 'i', '-123'], ['BITCOUNT', 'i'], ['BITCOUNT', 'i', '1', '2'], ['BITCOUNT', 'i', '9', '20', 'BIT']);
      await d.check(steps);
    });

    it('counts bit ranges of a written bitmap', async () => {
      const steps: StepLike[] = [];
      for (const bit of [0, 3, 7, 8, 9, 15, 16, 63, 64, 100, 255]) steps.push(['SETBIT', 'm', String(bit), '1']);
      for (let a = -20; a <= 260; a += 13) {
        for (const b of [a, a + 1, a + 7, a + 8, a + 64, -1, -9]) steps.push(['BITCOUNT', 'm', String(a), String(b), 'BIT']);
      }
      await d.check(steps);
    });

    it('checks its arguments as Redis 7.0 does (a missing key answers 0 first)', async () => {
      const steps: StepLike[] = [['SET', 's', 'foobar']];
      for (const key of ['s', 'nokey']) {
        steps.push(
          ['BITCOUNT', key, '0'],
          ['BITCOUNT', key, '0', '1', 'BITS'],
          ['BITCOUNT', key, '0', '1', 'bit\0x'],
          ['BITCOUNT', key, '0', '1', ''],
          ['BITCOUNT', key, '0', '1', 'BIT', 'x'],
          ['BITCOUNT', key, 'a', '1'],
          ['BITCOUNT', key, '0', 'b'],
          ['BITCOUNT', key, '-1', '-2', 'nonsense'],
          ['BITCOUNT', key, '1.5', '2'],
          ['BITCOUNT', key, '0', '99999999999999999999'],
        );
      }
      steps.push({ cmd: ['BITCOUNT'], error: true });
      await d.check(steps);
      await d.check([{ cmd: ['BITCOUNT', 'l'], error: true }, { cmd: ['BITCOUNT', 'l', 'x', 'y'], error: true }], withList(d));
    });
  });

  describe('BITPOS', () => {
    it('finds the first set or clear bit', async () => {
      const steps: StepLike[] = [
        ['BITPOS', 'nokey', '0'],
        ['BITPOS', 'nokey', '1'],
        ['BITPOS', 'nokey', '1', '5', '9', 'BIT'],
        ['SET', 'e', ''],
        ['BITPOS', 'e', '0'],
        ['BITPOS', 'e', '1'],
        ['BITPOS', 'e', '0', '0', '-1'],
        ['SET', 'ones', '\xff\xff\xff'],
        ['BITPOS', 'ones', '0'],
        ['BITPOS', 'ones', '0', '0'],
        ['BITPOS', 'ones', '0', '0', '-1'],
        ['BITPOS', 'ones', '0', '0', '-1', 'BIT'],
        ['BITPOS', 'ones', '0', '3', 'BIT'],
        ['BITPOS', 'ones', '1', '3', '-1', 'BIT'],
        ['SET', 'zeros', '\x00\x00\x00'],
        ['BITPOS', 'zeros', '1'],
        ['BITPOS', 'zeros', '0'],
        ['BITPOS', 'zeros', '1', '1', '-1', 'BIT'],
        ['BITPOS', 'zeros', '0', '9', '-1', 'BIT'],
        ['SET', 's', '\x00\xff\xf0\x0f\x00\x01'],
        ['BITPOS', 's', '1'],
        ['BITPOS', 's', '0'],
        ['BITPOS', 's', '0', '1'],
        ['BITPOS', 's', '0', '1', '1'],
        ['BITPOS', 's', '1', '3'],
        ['BITPOS', 's', '1', '-1'],
        ['BITPOS', 's', '1', '-100', '100'],
        ['BITPOS', 's', '1', '4', '3'],
        ['BITPOS', 's', '1', INT64_MAX],
        ['BITPOS', 's', '0', INT64_MIN, INT64_MAX],
      ];
      for (const bit of ['0', '1']) {
        for (const [a, b] of [['0', '47'], ['1', '7'], ['7', '8'], ['9', '15'], ['12', '27'], ['20', '20'], ['28', '44'], ['-5', '-1'], ['44', '-1'], ['3', '-40']]) {
          steps.push(['BITPOS', 's', bit, a, b, 'BIT'], ['BITPOS', 's', bit, a, b, 'byte']);
        }
        steps.push(['BITPOS', 's', bit, '10'], ['BITPOS', 's', bit, '12']);
      }
      steps.push(['SET', 'i', '1234'], ['BITPOS', 'i', '0'], ['BITPOS', 'i', '1', '1'], ['BITPOS', 'i', '0', '2', '30', 'BIT']);
      await d.check(steps);
    });

    it('finds bits in long strings, aligned and unaligned', async () => {
      const steps: StepLike[] = [];
      for (const prefix of [0, 1, 7, 8, 9, 31, 100]) {
        steps.push(['SET', 'z', '\x00'.repeat(prefix) + '\x10' + '\x00'.repeat(40)], ['BITPOS', 'z', '1'], ['BITPOS', 'z', '1', '3'], ['BITPOS', 'z', '1', '2', '-1']);
        steps.push(['SET', 'o', '\xff'.repeat(prefix) + '\xfe' + '\xff'.repeat(40)], ['BITPOS', 'o', '0'], ['BITPOS', 'o', '0', '3'], ['BITPOS', 'o', '0', '2', '-1', 'BIT']);
      }
      await d.check(steps);
    });

    it('checks its arguments as Redis 7.0 does', async () => {
      const steps: StepLike[] = [['SET', 's', 'foobar']];
      for (const key of ['s', 'nokey']) {
        for (const bit of ['2', '-1', 'x', '', '1.0', INT64_MAX]) steps.push({ cmd: ['BITPOS', key, bit], error: true });
        steps.push(
          ['BITPOS', key, '1', 'x'],
          ['BITPOS', key, '1', '0', 'y'],
          ['BITPOS', key, '1', '0', '1', 'bits'],
          ['BITPOS', key, '1', 'x', '1', 'bits'],
          ['BITPOS', key, '1', '0', 'y', 'bits'],
          ['BITPOS', key, '1', '0', 'y', 'bit'],
          ['BITPOS', key, '1', '0', '1', 'BIT', 'extra'],
          ['BITPOS', key, '1', '0', '1', 'BYTE\0'],
        );
      }
      steps.push({ cmd: ['BITPOS', 's'], error: true });
      await d.check(steps);
      await d.check([{ cmd: ['BITPOS', 'l', '1'], error: true }, { cmd: ['BITPOS', 'l', '2'], error: true }, { cmd: ['BITPOS', 'l', '1', 'x'], error: true }], withList(d));
    });
  });

  describe('BITOP', () => {
    it('combines strings of different lengths, zero-padded', async () => {
      const steps: StepLike[] = [
        ['SET', 'a', '\x01\x02\xff\x00abc'],
        ['SET', 'b', '\xf0\x0f'],
        ['SET', 'c', '123'],
        ['SET', 'e', ''],
      ];
      for (const op of ['AND', 'OR', 'XOR', 'and', 'oR', 'Xor']) {
        steps.push([`BITOP`, op, 'd', 'a', 'b'], ['GET', 'd'], ['BITOP', op, 'd', 'a', 'b', 'c', 'nokey'], ['GET', 'd'], ['BITOP', op, 'd', 'c'], ['GET', 'd']);
        steps.push(['BITOP', op, 'd', 'e', 'a'], ['GET', 'd'], ['BITOP', op, 'd', 'a', 'e'], ['GET', 'd']);
      }
      steps.push(['BITOP', 'NOT', 'd', 'a'], ['GET', 'd'], ['BITOP', 'not', 'd', 'c'], ['GET', 'd'], ['BITOP', 'NOT', 'd', 'nokey'], ['EXISTS', 'd']);
      steps.push(['SET', 'long', 'x'.repeat(100)], ['BITOP', 'XOR', 'long', 'long', 'a'], ['GET', 'long'], ['OBJECT', 'ENCODING', 'long']);
      steps.push(['BITOP', 'AND', 'short', 'b', 'b'], ['OBJECT', 'ENCODING', 'short'], ['STRLEN', 'short']);
      await d.check(steps);
    });

    it('deletes the destination when every source is empty, and drops its time to live', async () => {
      await d.check([
        ['SET', 'd', 'v', 'EX', '100'],
        ['SET', 'e', ''],
        ['BITOP', 'OR', 'd', 'e', 'nokey'],
        ['EXISTS', 'd'],
        ['BITOP', 'AND', 'd', 'nokey'],
        ['SET', 'd', 'v', 'EX', '100'],
        ['BITOP', 'OR', 'd', 'd'],
        ['TTL', 'd'],
        ['GET', 'd'],
      ]);
    });

    it('checks the operation, NOT arity and source types', async () => {
      await d.check(
        [
          ['SET', 'a', 'x'],
          { cmd: ['BITOP', 'NAND', 'd', 'a'], error: true },
          { cmd: ['BITOP', 'DIFF', 'd', 'a', 'a'], error: true },
          { cmd: ['BITOP', 'an', 'd', 'a'], error: true },
          ['BITOP', 'and\0', 'd', 'a'],
          { cmd: ['BITOP', 'NOT', 'd', 'a', 'a'], error: true },
          { cmd: ['BITOP', 'NOT', 'd'], error: true },
          { cmd: ['BITOP', 'AND', 'd'], error: true },
          { cmd: ['BITOP', 'AND', 'd', 'a', 'l'], error: true },
          { cmd: ['BITOP', 'NOT', 'd', 'l'], error: true },
          { cmd: ['BITOP', 'NOSUCH', 'd', 'l'], error: true },
          ['EXISTS', 'd'],
          ['BITOP', 'OR', 'l', 'a'],
          ['TYPE', 'l'],
          ['GET', 'l'],
        ],
        withList(d),
      );
    });
  });

  describe('BITFIELD', () => {
    it('sets, gets and increments every signed and unsigned width', async () => {
      const steps: StepLike[] = [];
      for (let bits = 1; bits <= 64; bits++) {
        for (const sign of bits < 64 ? ['i', 'u'] : ['i']) {
          const t = `${sign}${bits}`;
          const offset = String((bits * 7) % 13);
          steps.push(
            ['BITFIELD', 'f', 'SET', t, offset, '-1', 'GET', t, offset, 'INCRBY', t, offset, '1', 'GET', t, offset],
            ['BITFIELD', 'f', 'SET', t, offset, INT64_MAX, 'INCRBY', t, offset, INT64_MIN, 'GET', t, offset],
            ['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'SET', t, offset, INT64_MIN, 'INCRBY', t, offset, '-1', 'INCRBY', t, offset, INT64_MAX, 'INCRBY', t, offset, '1'],
            ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'SET', t, offset, '3', 'INCRBY', t, offset, INT64_MAX, 'INCRBY', t, offset, INT64_MIN, 'SET', t, offset, '-2'],
            ['BITFIELD', 'f', 'OVERFLOW', 'WRAP', 'INCRBY', t, offset, '5', 'INCRBY', t, offset, '-9', 'GET', t, `#${bits % 3}`],
            ['GET', 'f'],
          );
        }
      }
      await d.check(steps);
    });

    it('wraps, saturates and fails at the edges of each type', async () => {
      const steps: StepLike[] = [];
      const edges = ['0', '1', '-1', '2', '127', '128', '-128', '-129', '255', '256', INT64_MAX, INT64_MIN, '4611686018427387904', '-4611686018427387905'];
      for (const t of ['u1', 'u2', 'u8', 'u32', 'u63', 'i1', 'i2', 'i8', 'i32', 'i63', 'i64']) {
        for (const mode of ['WRAP', 'SAT', 'FAIL']) {
          for (const v of edges) {
            steps.push(['BITFIELD', 'w', 'OVERFLOW', mode, 'SET', t, '5', v, 'GET', t, '5']);
            steps.push(['BITFIELD', 'w', 'OVERFLOW', mode, 'INCRBY', t, '5', v, 'GET', t, '5']);
          }
        }
      }
      steps.push(['GET', 'w']);
      await d.check(steps);
    });

    it('reads past the end as zero and takes # offsets', async () => {
      await d.check([
        ['BITFIELD', 'nokey', 'GET', 'u8', '0', 'GET', 'i64', '1000'],
        ['EXISTS', 'nokey'],
        ['SET', 's', 'abc'],
        ['BITFIELD', 's', 'GET', 'u8', '0', 'GET', 'u8', '#1', 'GET', 'i16', '#1', 'GET', 'u63', '3', 'GET', 'i64', '20', 'GET', 'u8', '24'],
        ['BITFIELD', 's', 'SET', 'u8', '#5', '255'],
        ['GET', 's'],
        ['BITFIELD', 's', 'INCRBY', 'i5', '#10', '3', 'GET', 'i5', '#10', 'GET', 'u2', '#0'],
        ['GET', 's'],
        ['SET', 'n', '7'],
        ['BITFIELD', 'n', 'GET', 'u8', '0', 'GET', 'u4', '4'],
        ['BITFIELD', 'f'],
        ['BITFIELD_RO', 'f'],
        ['BITFIELD', 'f', 'OVERFLOW', 'SAT'],
        ['EXISTS', 'f'],
        ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '5'],
        ['GET', 'f'],
      ]);
    });

    it('checks types, offsets, values and subcommands with Redis errors', async () => {
      const steps: StepLike[] = [];
      for (const t of ['i0', 'u0', 'i65', 'u64', 'x8', 'I8', 'U8', '', 'i', 'u', 'i-1', 'u+8', 'i08', 'u8\0x', 'i 8', 'u1.0']) {
        steps.push(['BITFIELD', 'k', 'GET', t, '0'], ['BITFIELD', 'k', 'SET', t, '0', '1']);
      }
      for (const off of [...BAD_INTEGERS, '-1', '#-1', '#', '##1', '#x', '4294967296', '#4294967296', '#536870912', '#1152921504606846976', '#2305843009213693952', `#${INT64_MAX}`, '99999999999999999999']) {
        steps.push(['BITFIELD', 'k', 'GET', 'u8', off], ['BITFIELD', 'k', 'INCRBY', 'i8', off, '1']);
      }
      for (const v of BAD_INTEGERS) steps.push(['BITFIELD', 'k', 'SET', 'u8', '0', v], ['BITFIELD', 'k', 'INCRBY', 'u8', '0', v]);
      steps.push(
        ['BITFIELD', 'k', 'GET', 'u8'],
        ['BITFIELD', 'k', 'SET', 'u8', '0'],
        ['BITFIELD', 'k', 'INCRBY', 'u8', '0'],
        ['BITFIELD', 'k', 'OVERFLOW'],
        ['BITFIELD', 'k', 'OVERFLOW', 'nope', 'GET', 'u8', '0'],
        ['BITFIELD', 'k', 'OVERFLOW', 'sat\0x', 'INCRBY', 'u2', '0', '9'],
        ['BITFIELD', 'k', 'NOSUCH', 'u8', '0'],
        ['BITFIELD', 'k', 'GET', 'u8', '0', 'SET'],
        ['BITFIELD', 'k', 'get\0x', 'u8', '0'],
        ['BITFIELD', 'k', 'SET', 'u8', '0', '1', 'GET', 'x8', '0'],
        ['EXISTS', 'k'],
        ['BITFIELD_RO', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'],
        ['BITFIELD_RO', 'k', 'INCRBY', 'u8', '0', '1'],
        ['BITFIELD_RO', 'k', 'SET', 'x8', '0', '1'],
        ['BITFIELD_RO', 'k', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
        ['EXISTS', 'k'],
        { cmd: ['BITFIELD'], error: true },
        { cmd: ['BITFIELD_RO'], error: true },
      );
      await d.check(steps);
      await d.check(
        [
          { cmd: ['BITFIELD', 'l', 'GET', 'u8', '0'], error: true },
          { cmd: ['BITFIELD', 'l', 'SET', 'u8', '0', '1'], error: true },
          { cmd: ['BITFIELD', 'l'], error: true },
          { cmd: ['BITFIELD_RO', 'l', 'GET', 'u8', '0'], error: true },
          { cmd: ['BITFIELD', 'l', 'GET', 'x8', '0'], error: true },
        ],
        withList(d),
      );
    });

    it('answers arrays with nulls in RESP2 and RESP3', async () => {
      for (const resp3 of [false, true]) {
        await d.check(
          [
            ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '7', 'GET', 'u2', '0', 'INCRBY', 'i4', '0', '1'],
            ['BITFIELD_RO', 'k', 'GET', 'u2', '0', 'GET', 'i64', '0'],
            ['BITFIELD', 'k'],
          ],
          { resp3 },
        );
      }
    });
  });

  describe('limits', () => {
    it('refuse offsets past proto-max-bulk-len, and accept the last bit below it', async () => {
      await d.withConfig({ 'proto-max-bulk-len': '1048576' }, () =>
        d.check([
          { cmd: ['SETBIT', 'k', '8388608', '1'], error: true },
          ['SETBIT', 'k', '8388607', '1'],
          ['STRLEN', 'k'],
          ['BITCOUNT', 'k'],
          ['BITPOS', 'k', '1'],
          { cmd: ['GETBIT', 'k', '8388608'], error: true },
          ['GETBIT', 'k', '8388607'],
          ['BITFIELD', 'k', 'GET', 'u8', '8388600', 'GET', 'u8', '#1048575'],
          ['BITFIELD', 'k', 'GET', 'u8', '8388608'],
          ['BITFIELD', 'k', 'GET', 'u8', '#1048576'],
          ['BITFIELD', 'k', 'SET', 'i64', '8388607', '-1'],
          ['STRLEN', 'k'],
          ['BITFIELD', 'k', 'SET', 'i64', '#131072', '-1'],
          ['APPEND', 'k', 'x'],
          ['SETRANGE', 'k', '1048575', 'zz'],
          ['SETRANGE', 'k', '1048574', 'zz'],
          ['STRLEN', 'k'],
          ['DEL', 'k'],
          ['SETBIT', 'k', '8388599', '1'],
          ['APPEND', 'k', 'x'],
          ['APPEND', 'k', 'x'],
          ['GETRANGE', 'k', '-3', '-1'],
          ['DEL', 'k'],
        ]),
      );
    });
  });

  describe('side effects', () => {
    const STEPS: StepLike[] = [
      ['SETBIT', 'b', '3', '0'],
      ['SETBIT', 'b', '3', '0'],
      ['SETBIT', 'b', '3', '1'],
      ['SETBIT', 'b', '3', '1'],
      ['SETBIT', 'b', '40', '0'],
      ['GETBIT', 'b', '3'],
      ['SET', 's', 'abc'],
      ['SETBIT', 's', '1', '1'],
      ['SETBIT', 's', '0', '0'],
      ['BITFIELD', 'f', 'SET', 'i5', '0', '0'],
      ['BITFIELD', 'f', 'SET', 'i5', '0', '0'],
      ['BITFIELD', 'f', 'SET', 'i5', '0', '1', 'SET', 'i5', '0', '1', 'INCRBY', 'u3', '0', '1'],
      ['BITFIELD', 'f', 'SET', 'u8', '90', '0'],
      ['BITFIELD', 'f', 'GET', 'u8', '0'],
      ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
      ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '1'],
      ['BITFIELD_RO', 'f', 'GET', 'u8', '0'],
      ['BITOP', 'AND', 'd', 'b', 's'],
      ['BITOP', 'OR', 'd', 'nokey'],
      ['BITOP', 'OR', 'd', 'nokey'],
      ['BITCOUNT', 'b'],
      ['BITPOS', 'b', '1'],
    ];

    it('publish the keyspace events Redis publishes', async () => {
      await d.check(STEPS, { events: true });
    });

    it('propagate what Redis propagates', async () => {
      await d.check(STEPS, { replication: true });
    });

    it('count changes, hits and misses as Redis does', async () => {
      const steps = STEPS.map((s) => (Array.isArray(s) ? s : s.cmd));
      const [nodis, redis] = await d.withPair(async (p) => [await effects(p.nodis, steps), await effects(p.redis, steps)]);
      for (let i = 0; i < steps.length; i++) assert.deepEqual(nodis[i], redis[i], `effects of ${JSON.stringify(steps[i])} [dirty, hits, misses]`);
    });

    it('abort a WATCHed transaction when they change the key, and only then', async () => {
      const watched = (cmd: string[]): string[][] => [['WATCH', 'k'], cmd, ['MULTI'], ['PING'], ['EXEC']];
      await d.check([
        ['SET', 'k', 'abc'],
        ...watched(['SETBIT', 'k', '1', '1']),
        ...watched(['SETBIT', 'k', '0', '1']),
        ...watched(['SETBIT', 'k', '100', '0']),
        ...watched(['BITFIELD', 'k', 'SET', 'u8', '0', '225']),
        ...watched(['BITFIELD', 'k', 'INCRBY', 'u4', '0', '1']),
        ...watched(['BITFIELD', 'k', 'GET', 'u4', '0']),
        ...watched(['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9']),
        ...watched(['GETBIT', 'k', '0']),
        ...watched(['BITOP', 'NOT', 'k', 'k']),
        ...watched(['BITOP', 'AND', 'other', 'k']),
      ]);
    });

    it('dump, copy and reload written bitmaps like any string', async () => {
      await d.check([
        ['SETBIT', 'b', '100', '1'],
        ['DUMP', 'b'],
        ['COPY', 'b', 'c'],
        ['SETBIT', 'c', '0', '1'],
        ['GET', 'b'],
        ['GET', 'c'],
        ['DEBUG', 'RELOAD'],
        ['GET', 'b'],
        ['OBJECT', 'ENCODING', 'b'],
        ['SETBIT', 'b', '200', '1'],
        ['DUMP', 'b'],
        ['BITFIELD', 'n', 'SET', 'u8', '0', '49', 'SET', 'u8', '8', '50'],
        ['DUMP', 'n'],
        ['SETBIT', 'large', '20000', '1'],
        ['DUMP', 'large'],
        ['DEBUG', 'DIGEST-VALUE', 'b', 'n', 'large'],
        ['DEBUG', 'DIGEST'],
        ['DEBUG', 'RELOAD'],
        ['DEBUG', 'DIGEST'],
        ['BITCOUNT', 'large'],
      ]);
    });
  });

  describe('random command sequences', () => {
    it('match Redis', async () => {
      const key = fc.constantFrom('a', 'b', 'c');
      const small = fc.integer({ min: 0, max: 200 }).map(String);
      const index = fc.oneof(fc.integer({ min: -30, max: 30 }).map(String), small);
      const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a).toString('latin1'));
      const type = fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 64 })).map(([s, n]) => (s || n === 64 ? `i${n}` : `u${n}`));
      const fieldOp = fc.oneof(
        fc.tuple(type, small).map(([t, o]) => ['GET', t, o]),
        fc.tuple(type, small, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })).map(([t, o, v]) => ['SET', t, o, String(v)]),
        fc.tuple(type, small, fc.integer({ min: -300, max: 300 })).map(([t, o, v]) => ['INCRBY', t, o, String(v)]),
        fc.constantFrom(['OVERFLOW', 'WRAP'], ['OVERFLOW', 'SAT'], ['OVERFLOW', 'FAIL']),
      );
      const unit = fc.constantFrom<string[]>([], ['BIT'], ['BYTE']);
      const command: fc.Arbitrary<string[]> = fc.oneof(
        fc.tuple(key, small, fc.constantFrom('0', '1')).map(([k, o, v]) => ['SETBIT', k, o, v]),
        fc.tuple(key, small).map(([k, o]) => ['GETBIT', k, o]),
        key.map((k) => ['BITCOUNT', k]),
        fc.tuple(key, index, index, unit).map(([k, a, b, u]) => ['BITCOUNT', k, a, b, ...u]),
        fc.tuple(key, fc.constantFrom('0', '1')).map(([k, b]) => ['BITPOS', k, b]),
        fc.tuple(key, fc.constantFrom('0', '1'), index).map(([k, b, a]) => ['BITPOS', k, b, a]),
        fc.tuple(key, fc.constantFrom('0', '1'), index, index, unit).map(([k, b, a, e, u]) => ['BITPOS', k, b, a, e, ...u]),
        fc.tuple(fc.constantFrom('AND', 'OR', 'XOR'), key, fc.array(key, { minLength: 1, maxLength: 3 })).map(([op, dst, src]) => ['BITOP', op, dst, ...src]),
        fc.tuple(key, key).map(([dst, src]) => ['BITOP', 'NOT', dst, src]),
        fc.tuple(key, fc.array(fieldOp, { minLength: 1, maxLength: 4 })).map(([k, ops]) => ['BITFIELD', k, ...ops.flat()]),
        fc.tuple(key, fc.array(fieldOp, { maxLength: 3 })).map(([k, ops]) => ['BITFIELD_RO', k, ...ops.flat()]),
        fc.tuple(key, bytes).map(([k, v]) => ['SET', k, v]),
        fc.tuple(key, bytes).map(([k, v]) => ['APPEND', k, v]),
        fc.tuple(key, fc.integer({ min: 0, max: 30 }).map(String), bytes).map(([k, o, v]) => ['SETRANGE', k, o, v]),
        key.map((k) => ['GET', k]),
        fc.tuple(key, index, index).map(([k, a, b]) => ['GETRANGE', k, a, b]),
        key.map((k) => ['STRLEN', k]),
        key.map((k) => ['OBJECT', 'ENCODING', k]),
        key.map((k) => ['DEL', k]),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (steps) => {
          await d.check([...steps, ['GET', 'a'], ['GET', 'b'], ['GET', 'c']]);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('bitmaps inside nodis', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('are written in place: SETBIT on a 1 MB bitmap copies nothing', async () => {
    const conn = await RawConnection.open({ port: d.nodis.port });
    try {
      const db = d.nodis.server.dbs[0];
      assert.equal(await conn.call('SETBIT', 'big', String(8 * 1024 * 1024 - 1), '1'), ':0\r\n');
      const v = db.dict.get('big');
      assert.ok(v instanceof ByteString);
      const buffer = v.bytes;
      for (let i = 0; i < 2000; i += 500) {
        const batch: Promise<string | null>[] = [];
        for (let j = i; j < i + 500; j++) batch.push(conn.call('SETBIT', 'big', String((j * 7919) % (8 * 1024 * 1024)), '1'));
        await Promise.all(batch);
      }
      assert.equal(db.dict.get('big'), v, 'the same value object');
      assert.equal(v.bytes, buffer, 'the same buffer');
      assert.equal(v.length, 1024 * 1024);
      const set = new Set([8 * 1024 * 1024 - 1]);
      for (let j = 0; j < 2000; j++) set.add((j * 7919) % (8 * 1024 * 1024));
      assert.equal(await conn.call('BITCOUNT', 'big'), `:${set.size}\r\n`);
      // Reading it back decodes the bytes once per GET.
      assert.equal(bulkText(await conn.call('GET', 'big')).length, 1024 * 1024);
    } finally {
      conn.close();
    }
  });

  it('stay ByteStrings through reads, APPEND and SETRANGE, which write in place', async () => {
    const conn = await RawConnection.open({ port: d.nodis.port });
    try {
      const db = d.nodis.server.dbs[0];
      await conn.call('FLUSHALL');
      await conn.call('SETBIT', 'k', '9', '1');
      await conn.call('SETBIT', 'k', String(1024 * 8 - 1), '1');
      const v = db.dict.get('k');
      assert.ok(v instanceof ByteString);
      for (const cmd of [['GET', 'k'], ['STRLEN', 'k'], ['BITCOUNT', 'k'], ['GETRANGE', 'k', '0', '0'], ['DUMP', 'k'], ['BITFIELD_RO', 'k', 'GET', 'u8', '0']]) {
        await conn.call(...cmd);
        assert.equal(db.dict.get('k'), v, `${cmd[0]} keeps the value`);
      }
      await conn.call('APPEND', 'k', 'x');
      await conn.call('SETRANGE', 'k', '1028', 'yz');
      await conn.call('SETBIT', 'k', '0', '1');
      assert.equal(db.dict.get('k'), v);
      const expected = '\x80\x40' + '\x00'.repeat(1021) + '\x01x\x00\x00\x00yz';
      assert.equal(bulkText(await conn.call('GET', 'k')), expected);
      assert.equal(bulkText(await conn.call('GETRANGE', 'k', '1023', '-2')), '\x01x\x00\x00\x00y');
      assert.equal(await conn.call('STRLEN', 'k'), `:${expected.length}\r\n`);
      // Grown in place, it still owns its buffer (not a slice of Node's shared pool).
      assert.equal(v.bytes.buffer.byteLength, v.bytes.length);
    } finally {
      conn.close();
    }
  });

  it('shorter than 1 KB, go back to being strings after each write (a Buffer costs more memory)', async () => {
    const conn = await RawConnection.open({ port: d.nodis.port });
    try {
      const db = d.nodis.server.dbs[0];
      await conn.call('FLUSHALL');
      await conn.call('SETBIT', 'small', '100', '1');
      await conn.call('BITFIELD', 'small2', 'SET', 'u8', '0', '7');
      await conn.call('SET', 'a', 'abc');
      await conn.call('BITOP', 'OR', 'small3', 'a', 'a');
      for (const k of ['small', 'small2', 'small3']) {
        const v = db.dict.get(k);
        assert.ok(v instanceof RawString && !(v instanceof ByteString), `${k} is a RawString`);
        assert.equal(await conn.call('OBJECT', 'ENCODING', k), '$3\r\nraw\r\n');
      }
      await conn.call('SETBIT', 'small', String(1024 * 8), '1');
      assert.ok(db.dict.get('small') instanceof ByteString);
      // A kept value owns its buffer (not a slice of Node's shared pool).
      const b = db.dict.get('small') as ByteString;
      assert.equal(b.bytes.buffer.byteLength, b.bytes.length);
      // MEMORY USAGE counts its bytes and room.
      const usage = Number((await conn.call('MEMORY', 'USAGE', 'small'))!.slice(1));
      assert.ok(usage > b.bytes.length && usage < b.bytes.length + 400, `MEMORY USAGE ${usage} for ${b.bytes.length} bytes`);
    } finally {
      conn.close();
    }
  });

});
