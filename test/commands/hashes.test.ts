// Hash commands, checked against real Redis byte for byte: every command's normal use, options
// and errors, missing keys, wrong types, binary fields, encodings and their conversions, the
// keyspace events and the replication stream; plus nodis-only checks of what is random
// (HRANDFIELD) and of WATCH signals.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite, splitAggregate, bulkPayload, sorted, type Normalizer, type StepLike } from '../helpers/differential.js';
import { lengthOnly, pairsSorted, scanPairs } from '../helpers/collections.js';
import { RawConnection, bulkText } from '../helpers/resp.js';
import { localServer } from '../helpers/local.js';
import { startServer } from '../../src/index.js';
import { HashValue } from '../../src/types/hash.js';
import { unwatchAll } from '../../src/keyspace/db.js';

const BINARY = '\x00\x01\xff\r\n\x80 \xe9\x00';
const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';

/** Every WRONGTYPE case: the hash commands against a string key. */
const AGAINST_STRING: string[][] = [
  ['HSET', 's', 'f', 'v'], ['HMSET', 's', 'f', 'v'], ['HSETNX', 's', 'f', 'v'], ['HGET', 's', 'f'], ['HMGET', 's', 'f', 'g'],
  ['HDEL', 's', 'f'], ['HLEN', 's'], ['HSTRLEN', 's', 'f'], ['HEXISTS', 's', 'f'], ['HKEYS', 's'], ['HVALS', 's'],
  ['HGETALL', 's'], ['HINCRBY', 's', 'f', '1'], ['HINCRBYFLOAT', 's', 'f', '1'], ['HRANDFIELD', 's'],
  ['HRANDFIELD', 's', '2'], ['HRANDFIELD', 's', '-2', 'WITHVALUES'], ['HSCAN', 's', '0'], ['HSCAN', 's', '0', 'COUNT', '0'],
];

describe('hash commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  describe('HSET HMSET HSETNX HGET HMGET', () => {
    it('set and read fields, binary and empty ones too', async () => {
      await d.check([
        ['HSET', 'h', 'a', '1'],
        ['HSET', 'h', 'a', '2', 'b', '3', 'c', '4'],
        ['HSET', 'h', 'a', '2', 'a', '5'],
        ['HGET', 'h', 'a'],
        ['HGET', 'h', 'nope'],
        ['HGET', 'nokey', 'a'],
        ['HSET', 'h', BINARY, BINARY, '', '', 'e', ''],
        ['HGET', 'h', BINARY],
        ['HGET', 'h', ''],
        ['HGET', 'h', 'e'],
        ['HMGET', 'h', 'a', 'b', 'nope', BINARY, ''],
        ['HMGET', 'nokey', 'a', 'b'],
        ['HMSET', 'h', 'x', 'y'],
        ['HMSET', 'h2', 'x', 'y', 'z', 'w'],
        ['HGETALL', 'h'],
        ['HGETALL', 'h2'],
        ['HSET', 'big', 'f', 'x'.repeat(20000)],
        ['HGET', 'big', 'f'],
      ]);
    });

    it('answer nulls and maps in RESP3', async () => {
      await d.check([['HGET', 'h', 'a'], ['HMGET', 'h', 'a'], ['HSET', 'h', 'a', '1', 'b', '2'], ['HGET', 'h', 'a'], ['HMGET', 'h', 'a', 'z'], ['HGETALL', 'h'], ['HGETALL', 'nope'], ['HKEYS', 'h'], ['HVALS', 'nope']], { resp3: true });
    });

    it('HSETNX sets only new fields', async () => {
      await d.check([
        ['HSETNX', 'h', 'a', '1'],
        ['HSETNX', 'h', 'a', '2'],
        ['HGET', 'h', 'a'],
        ['HSETNX', 'h', 'b', ''],
        ['HGETALL', 'h'],
      ]);
    });

    it('refuse wrong argument counts', async () => {
      await d.check([
        { cmd: ['HSET', 'h', 'a'], error: true },
        { cmd: ['HSET', 'h', 'a', '1', 'b'], error: true },
        { cmd: ['HMSET', 'h', 'a', '1', 'b'], error: true },
        { cmd: ['HMSET', 'h'], error: true },
        { cmd: ['HSETNX', 'h', 'a'], error: true },
        { cmd: ['HSETNX', 'h', 'a', 'b', 'c'], error: true },
        { cmd: ['HGET', 'h'], error: true },
        { cmd: ['HMGET', 'h'], error: true },
        ['EXISTS', 'h'],
      ]);
    });
  });

  describe('HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL', () => {
    it('delete fields, and the key with the last one', async () => {
      await d.check([
        ['HDEL', 'h', 'a'],
        ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
        ['HDEL', 'h', 'a', 'a', 'nope'],
        ['HLEN', 'h'],
        ['HDEL', 'h', 'b', 'c', 'b'],
        ['EXISTS', 'h'],
        ['HLEN', 'h'],
        { cmd: ['HDEL', 'h'], error: true },
      ]);
    });

    it('report lengths and existence', async () => {
      await d.check([
        ['HSET', 'h', 'a', 'hello', 'n', '123', 'neg', '-9223372036854775808', 'e', ''],
        ['HLEN', 'h'],
        ['HLEN', 'nope'],
        ['HSTRLEN', 'h', 'a'],
        ['HSTRLEN', 'h', 'n'],
        ['HSTRLEN', 'h', 'neg'],
        ['HSTRLEN', 'h', 'e'],
        ['HSTRLEN', 'h', 'nope'],
        ['HSTRLEN', 'nope', 'a'],
        ['HEXISTS', 'h', 'a'],
        ['HEXISTS', 'h', 'nope'],
        ['HEXISTS', 'nope', 'a'],
        { cmd: ['HLEN', 'h', 'x'], error: true },
        { cmd: ['HEXISTS', 'h'], error: true },
      ]);
    });

    it('list a small hash in insertion order, as a listpack does', async () => {
      await d.check([
        ['HSET', 'h', 'z', '1', 'a', '2', 'm', '3'],
        ['HSET', 'h', 'a', 'changed'],
        ['HDEL', 'h', 'z'],
        ['HSET', 'h', 'z', 'back'],
        ['HKEYS', 'h'],
        ['HVALS', 'h'],
        ['HGETALL', 'h'],
        ['HKEYS', 'nope'],
        ['HVALS', 'nope'],
        ['HGETALL', 'nope'],
      ]);
    });

    it('list a big hash as a set of pairs', async () => {
      const fields: string[] = [];
      for (let i = 0; i < 600; i++) fields.push(`f${i}`, `v${i}`);
      await d.check([
        ['HSET', 'h', ...fields],
        ['OBJECT', 'ENCODING', 'h'],
        { cmd: ['HKEYS', 'h'], unordered: true },
        { cmd: ['HVALS', 'h'], unordered: true },
        { cmd: ['HGETALL', 'h'], norm: pairsSorted },
        ['HDEL', 'h', 'f1', 'f500'],
        { cmd: ['HGETALL', 'h'], norm: pairsSorted },
        ['HLEN', 'h'],
      ]);
      await d.check([['HSET', 'h', ...fields], { cmd: ['HGETALL', 'h'], norm: pairsSorted }], { resp3: true });
    });
  });

  describe('HINCRBY HINCRBYFLOAT', () => {
    it('HINCRBY adds integers and detects overflow', async () => {
      await d.check([
        ['HINCRBY', 'h', 'n', '5'],
        ['HINCRBY', 'h', 'n', '-10'],
        ['HINCRBY', 'h', 'n', '0'],
        ['HGET', 'h', 'n'],
        ['HSET', 'h', 'max', INT64_MAX, 'min', INT64_MIN, 'str', 'abc', 'lead', '007', 'sp', ' 1', 'f', '1.5', 'e', ''],
        ['HINCRBY', 'h', 'max', '1'],
        ['HINCRBY', 'h', 'max', '-1'],
        ['HINCRBY', 'h', 'min', '-1'],
        ['HINCRBY', 'h', 'min', '1'],
        ['HINCRBY', 'h', 'big', INT64_MAX],
        ['HINCRBY', 'h', 'big', INT64_MIN],
        ['HINCRBY', 'h', 'big', '-1'],
        ['HINCRBY', 'h', 'big', '123456789012345678'],
        ['HINCRBY', 'h', 'str', '1'],
        ['HINCRBY', 'h', 'lead', '1'],
        ['HINCRBY', 'h', 'sp', '1'],
        ['HINCRBY', 'h', 'f', '1'],
        ['HINCRBY', 'h', 'e', '1'],
        ['HINCRBY', 'h', 'n', 'x'],
        ['HINCRBY', 'h', 'n', '1.0'],
        ['HINCRBY', 'h', 'n', '9223372036854775808'],
        ['HINCRBY', 'h', 'n', ''],
        ['HGETALL', 'h'],
        ['HINCRBY', 'new', 'f', '-3'],
        ['HGETALL', 'new'],
        { cmd: ['HINCRBY', 'h', 'n'], error: true },
      ]);
    });

    it('HINCRBYFLOAT adds as long doubles and prints as Redis', async () => {
      await d.check([
        ['HINCRBYFLOAT', 'h', 'f', '10.5'],
        ['HINCRBYFLOAT', 'h', 'f', '0.1'],
        ['HINCRBYFLOAT', 'h', 'f', '-5.6'],
        ['HINCRBYFLOAT', 'h', 'f', '5.0e3'],
        ['HINCRBYFLOAT', 'h', 'f', '-5000'],
        ['HINCRBYFLOAT', 'h', 'g', '3.0e-3'],
        ['HINCRBYFLOAT', 'h', 'g', '1e308'],
        ['HINCRBYFLOAT', 'h', 'g', '1e308'],
        ['HINCRBYFLOAT', 'h', 'i', '10'],
        ['HINCRBYFLOAT', 'h', 'i', '0x10'],
        ['HSET', 'h', 'int', '17179869184', 'str', 'abc', 'lead', '007', 'sp', ' 1', 'e', '', 'inf', 'inf', 'long', '1'.repeat(5200)],
        ['HINCRBYFLOAT', 'h', 'int', '1.5'],
        ['HINCRBYFLOAT', 'h', 'str', '1'],
        ['HINCRBYFLOAT', 'h', 'lead', '1'],
        ['HINCRBYFLOAT', 'h', 'sp', '1'],
        ['HINCRBYFLOAT', 'h', 'e', '1'],
        ['HINCRBYFLOAT', 'h', 'inf', '1'],
        ['HINCRBYFLOAT', 'h', 'long', '1'],
        ['HINCRBYFLOAT', 'h', 'f', 'inf'],
        ['HINCRBYFLOAT', 'h', 'f', '-inf'],
        ['HINCRBYFLOAT', 'h', 'f', 'nan'],
        ['HINCRBYFLOAT', 'h', 'f', 'abc'],
        ['HINCRBYFLOAT', 'h', 'f', ''],
        ['HINCRBYFLOAT', 'h', 'f', '1 '],
        // (The 5200-byte value made it a hashtable: no order to compare.)
        { cmd: ['HGETALL', 'h'], norm: pairsSorted },
        ['HINCRBYFLOAT', 'nokey', 'f', 'inf'],
        ['EXISTS', 'nokey'],
      ]);
    });
  });

  describe('HRANDFIELD', () => {
    it('answers missing keys, zero counts and errors as Redis', async () => {
      await d.check([
        ['HRANDFIELD', 'nope'],
        ['HRANDFIELD', 'nope', '5'],
        ['HRANDFIELD', 'nope', '-5', 'WITHVALUES'],
        ['HSET', 'h', 'a', '1'],
        ['HRANDFIELD', 'h', '0'],
        ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
        ['HRANDFIELD', 'h'],
        ['HRANDFIELD', 'h', '1'],
        ['HRANDFIELD', 'h', '-1', 'withvalues'],
        ['HRANDFIELD', 'h', '-3'],
        ['HRANDFIELD', 'h', 'x'],
        ['HRANDFIELD', 'h', '1.5'],
        ['HRANDFIELD', 'h', '1', 'WITHSCORES'],
        ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'],
        ['HRANDFIELD', 'h', INT64_MIN],
        ['HRANDFIELD', 'h', INT64_MIN, 'WITHVALUES'],
        ['HRANDFIELD', 'h', '-9223372036854770000', 'WITHVALUES'],
        ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'],
        ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
        ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
        ['HRANDFIELD', 'h', INT64_MAX],
        ['HRANDFIELD', 'nope', 'x'],
        ['HRANDFIELD', 'h', 'WITHVALUES\x00x', 'x'],
        ['HRANDFIELD', 'h', '5', 'WITHVALUES\x00x'],
      ]);
      await d.check([['HSET', 'h', 'a', '1'], ['HRANDFIELD', 'h', '-2', 'WITHVALUES'], ['HRANDFIELD', 'h', '3', 'WITHVALUES'], ['HRANDFIELD', 'nope', '3', 'WITHVALUES'], ['HRANDFIELD', 'nope']], { resp3: true });
    });

    it('returns the whole hash for a count at least its size', async () => {
      const big: string[] = [];
      for (let i = 0; i < 700; i++) big.push(`f${i}`, `${i}`);
      await d.check([
        ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
        ['HRANDFIELD', 'h', '3'],
        ['HRANDFIELD', 'h', '100', 'WITHVALUES'],
        ['HSET', 'big', ...big],
        { cmd: ['HRANDFIELD', 'big', '700'], unordered: true },
        { cmd: ['HRANDFIELD', 'big', '1000', 'WITHVALUES'], norm: pairsSorted },
      ]);
      await d.check([['HSET', 'h', 'a', '1', 'b', '2'], ['HRANDFIELD', 'h', '3', 'WITHVALUES']], { resp3: true });
    });

    it('answers random picks of the right size and shape', async () => {
      const big: string[] = [];
      for (let i = 0; i < 700; i++) big.push(`f${i}`, `${i}`);
      const steps: StepLike[] = [['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'], ['HSET', 'big', ...big]];
      for (const key of ['h', 'big']) {
        for (const count of ['2', '4', '-1', '-10', '-1000', '1']) {
          steps.push({ cmd: ['HRANDFIELD', key, count], norm: lengthOnly }, { cmd: ['HRANDFIELD', key, count, 'WITHVALUES'], norm: lengthOnly });
        }
        steps.push({ cmd: ['HRANDFIELD', key], typeOnly: true });
      }
      await d.check(steps);
      await d.check(steps, { resp3: true });
    });
  });

  describe('HSCAN', () => {
    it('iterates a listpack in one call and a hashtable with cursors', async () => {
      const big: string[] = [];
      for (let i = 0; i < 1000; i++) big.push(`f${i}`, `v${i}`);
      await d.withPair(async (p) => {
        await p.setup(['HSET', 'small', 'a', '1', 'b', '2', 'key:1', 'x', BINARY, BINARY]);
        await p.do('HSCAN', 'small', '0');
        await p.do('HSCAN', 'small', '0', 'COUNT', '1');
        await p.do('HSCAN', 'small', '0', 'MATCH', 'key:*');
        await p.do('HSCAN', 'small', '0', 'match', '*', 'count', '100');
        await p.do('HSCAN', 'small', '12345');
        await p.setup(['HSET', 'big', ...big]);
        assert.equal((await p.scanAll('HSCAN', 'big', '0')).length, 2000);
        assert.equal((await p.scanAll('HSCAN', 'big', '0', 'COUNT', '7')).length, 2000);
        assert.deepEqual(await p.scanAll('HSCAN', 'big', '0', 'MATCH', 'f99*', 'COUNT', '50'), ['f99', 'v99', 'f990', 'v990', 'f991', 'v991', 'f992', 'v992', 'f993', 'v993', 'f994', 'v994', 'f995', 'v995', 'f996', 'v996', 'f997', 'v997', 'f998', 'v998', 'f999', 'v999']);
      });
    });

    it('checks the cursor, then the key, then the options', async () => {
      await d.check([
        ['HSCAN', 'nope', '0'],
        ['HSCAN', 'nope', '0', 'COUNT', '0'],
        ['HSCAN', 'nope', 'x'],
        ['HSET', 'h', 'a', '1'],
        ['HSCAN', 'h', 'x'],
        ['HSCAN', 'h', '-1'],
        ['HSCAN', 'h', '18446744073709551616'],
        ['HSCAN', 'h', '0', 'COUNT', '0'],
        ['HSCAN', 'h', '0', 'COUNT', '-1'],
        ['HSCAN', 'h', '0', 'COUNT', 'x'],
        ['HSCAN', 'h', '0', 'COUNT'],
        ['HSCAN', 'h', '0', 'MATCH'],
        ['HSCAN', 'h', '0', 'TYPE', 'hash'],
        ['HSCAN', 'h', '0', 'NOVALUES'],
        ['HSCAN', 'h', '0', 'COUNT\x00x', '5'],
        { cmd: ['HSCAN', 'h'], error: true },
      ]);
    });
  });

  describe('encodings', () => {
    it('converts to a hashtable past hash-max-listpack-entries, and never back', async () => {
      await d.withConfig({ 'hash-max-listpack-entries': '4' }, () =>
        d.check([
          ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
          ['OBJECT', 'ENCODING', 'h'],
          ['HSETNX', 'h', 'e', '5'],
          ['OBJECT', 'ENCODING', 'h'],
          ['HDEL', 'h', 'a', 'b', 'c', 'd'],
          ['OBJECT', 'ENCODING', 'h'],
          ['HINCRBY', 'i', 'a', '1'], ['HINCRBY', 'i', 'b', '1'], ['HINCRBY', 'i', 'c', '1'], ['HINCRBY', 'i', 'd', '1'],
          ['OBJECT', 'ENCODING', 'i'],
          ['HINCRBYFLOAT', 'i', 'e', '1.5'],
          ['OBJECT', 'ENCODING', 'i'],
          ['HSET', 'j', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
          ['OBJECT', 'ENCODING', 'j'],
          ['HSET', 'zero', 'a', '1'],
          ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'],
          ['HSET', 'zero2', 'a', '1'],
          ['OBJECT', 'ENCODING', 'zero'],
          ['OBJECT', 'ENCODING', 'zero2'],
        ]),
      );
    });

    it('converts for a field or value longer than hash-max-listpack-value', async () => {
      await d.withConfig({ 'hash-max-listpack-value': '8' }, () =>
        d.check([
          ['HSET', 'a', 'f', '12345678'],
          ['OBJECT', 'ENCODING', 'a'],
          ['HSET', 'a', 'f', '123456789'],
          ['OBJECT', 'ENCODING', 'a'],
          ['HSET', 'b', '123456789', 'v'],
          ['OBJECT', 'ENCODING', 'b'],
          // Every argument counts, even when the field is set again with a short value later.
          ['HSET', 'c', 'f', '123456789', 'f', 'x'],
          ['OBJECT', 'ENCODING', 'c'],
          ['HSET', 'd', 'f', 'x'],
          ['HSETNX', 'd', 'f', '123456789'],
          ['OBJECT', 'ENCODING', 'd'],
          ['HSETNX', 'd', 'g', '123456789'],
          ['OBJECT', 'ENCODING', 'd'],
          ['HSET', 'e', 'n', '99999999'],
          ['HINCRBY', 'e', 'n', '1'],
          ['OBJECT', 'ENCODING', 'e'],
          ['HINCRBYFLOAT', 'f', 'x', '1.5'],
          ['HINCRBYFLOAT', 'f', 'x', '0.0001'],
          ['OBJECT', 'ENCODING', 'f'],
          ['HGETALL', 'f'],
          ['HINCRBY', 'g', 'longfieldname', '1'],
          ['OBJECT', 'ENCODING', 'g'],
        ]),
      );
    });

    it('keeps the encoding through COPY, DEBUG RELOAD and DUMP/RESTORE', async () => {
      const big: string[] = [];
      for (let i = 0; i < 600; i++) big.push(`f${i}`, `${i}`);
      await d.withPair(async (p) => {
        await p.setup(['HSET', 'small', 'a', '1', 'b', '-200', 'c', '70000', 'd', '-9000000', 'e', '3000000000', 'f', INT64_MIN, 'g', 'text', 'h', '', 'i', '007', 'j', 'x'.repeat(63)]);
        await p.setup(['HSET', 'big', ...big], ['HSET', 'long', 'f', 'x'.repeat(100)]);
        for (const k of ['small', 'big', 'long']) {
          await p.do('COPY', k, `${k}-copy`);
          await p.do('OBJECT', 'ENCODING', `${k}-copy`);
        }
        await p.do('HSET', 'small-copy', 'a', 'changed');
        await p.do('HGETALL', 'small');
        await p.do('HGETALL', 'small-copy');
        // A listpack's DUMP payload is byte for byte Redis's.
        const payload = bulkText(await p.do('DUMP', 'small'));
        await p.do('RESTORE', 'restored', '0', payload);
        await p.do('HGETALL', 'restored');
        await p.do('OBJECT', 'ENCODING', 'restored');
        for (const k of ['big', 'long']) {
          const [pn, pr] = await p.both('DUMP', k);
          await p.do('RESTORE', `${k}-n`, '0', bulkText(pn));
          await p.do('RESTORE', `${k}-r`, '0', bulkText(pr));
          for (const r of [`${k}-n`, `${k}-r`]) {
            await p.do('OBJECT', 'ENCODING', r);
            await p.norm(pairsSorted, 'HGETALL', r);
          }
        }
        await p.do('DEBUG', 'RELOAD');
        for (const k of ['small', 'big', 'long', 'restored']) {
          await p.do('OBJECT', 'ENCODING', k);
          await p.norm(pairsSorted, 'HGETALL', k);
        }
      });
    });

    it('a RESTOREd listpack past the limits converts as Redis converts it', async () => {
      await d.withPair(async (p) => {
        await p.setup(['HSET', 'h', 'a', '1', 'b', '2', 'c', 'x'.repeat(30)]);
        const payload = bulkText(await p.do('DUMP', 'h'));
        await d.withConfig({ 'hash-max-listpack-entries': '2', 'hash-max-listpack-value': '10' }, async () => {
          await p.do('RESTORE', 'r', '0', payload);
          await p.do('OBJECT', 'ENCODING', 'r');
          await p.norm(pairsSorted, 'HGETALL', 'r');
        });
        await d.withConfig({ 'hash-max-listpack-value': '10' }, async () => {
          await p.do('RESTORE', 'r2', '0', payload);
          // Only the number of entries is checked on load.
          await p.do('OBJECT', 'ENCODING', 'r2');
        });
      });
    });
  });

  describe('keys holding hashes', () => {
    it('answers WRONGTYPE to every hash command on a string, and string commands on a hash', async () => {
      await d.check([['SET', 's', 'x'], ...AGAINST_STRING.map((cmd) => ({ cmd, error: true })), ['HSET', 'h', 'a', '1'], { cmd: ['GET', 'h'], error: true }, { cmd: ['INCR', 'h'], error: true }, { cmd: ['APPEND', 'h', 'x'], error: true }, ['GET', 's']]);
    });

    it('TYPE, SCAN TYPE, RENAME, MOVE, COPY and DEL', async () => {
      await d.check([
        ['HSET', 'h', 'a', '1'],
        ['SET', 's', 'x'],
        ['TYPE', 'h'],
        { cmd: ['SCAN', '0', 'TYPE', 'hash'], unordered: true },
        { cmd: ['SCAN', '0', 'TYPE', 'HASH'], unordered: true },
        ['RENAME', 'h', 'h2'],
        ['HGETALL', 'h2'],
        ['MOVE', 'h2', '1'],
        ['SELECT', '1'],
        ['HGETALL', 'h2'],
        ['COPY', 'h2', 'h3', 'DB', '0'],
        ['SELECT', '0'],
        ['HGETALL', 'h3'],
        ['COPY', 'h3', 's'],
        ['COPY', 'h3', 's', 'REPLACE'],
        ['TYPE', 's'],
        ['DEL', 'h3', 's'],
        ['EXISTS', 'h3', 's'],
      ]);
    });

    it('expire like any key', async () => {
      await d.check([
        ['HSET', 'h', 'a', '1'],
        ['PEXPIREAT', 'h', '1'],
        ['HGET', 'h', 'a'],
        ['HSET', 'h', 'b', '1'],
        ['TTL', 'h'],
        ['HGETALL', 'h'],
      ]);
    });
  });

  describe('side effects', () => {
    const steps: StepLike[] = [
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HSET', 'h', 'a', '1'],
      ['HMSET', 'h', 'c', '3'],
      ['HSETNX', 'h', 'd', '4'],
      ['HSETNX', 'h', 'd', '5'],
      ['HINCRBY', 'h', 'n', '10'],
      ['HINCRBY', 'h', 'a', 'x'],
      ['HINCRBYFLOAT', 'h', 'f', '1.5'],
      ['HINCRBYFLOAT', 'h', 'f', '0.1'],
      ['HINCRBYFLOAT', 'h', 'f', '1e3'],
      ['HDEL', 'h', 'a', 'nope'],
      ['HDEL', 'h', 'nope'],
      ['HDEL', 'nokey', 'a'],
      ['HGET', 'h', 'b'],
      ['HGET', 'missing', 'b'],
      ['HDEL', 'h', 'b', 'c', 'd', 'n', 'f'],
      ['HSET', 'h2', 'a', '1'],
      ['PEXPIREAT', 'h2', '1'],
      ['HSET', 'h2', 'b', '1'],
      ['HINCRBYFLOAT', 'new', 'f', '3.0'],
    ];

    it('publishes the keyspace events Redis publishes', async () => {
      await d.check(steps, { events: true });
    });

    it('propagates what Redis propagates (HINCRBYFLOAT as HSET)', async () => {
      await d.check(steps, { replication: true });
    });
  });
});

describe('hash commands, random sequences', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  const key = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('h', 'g') }, { weight: 1, arbitrary: fc.constantFrom('s', 'nope') });
  const field = fc.oneof(fc.constantFrom('a', 'b', 'c', 'd', 'e', '1', '', BINARY), fc.integer({ min: 0, max: 30 }).map((i) => `f${i}`));
  const intStr = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    fc.constantFrom(INT64_MAX, INT64_MIN, '9223372036854775808', '1.5', 'x', '01'),
  );
  const floatStr = fc.oneof(fc.double({ noNaN: true, min: -1e20, max: 1e20 }).map(String), fc.constantFrom('10.5', '0.1', '-0.1', '1e3', 'inf', 'nan', '0x10', '1e308'));
  const value = fc.oneof(intStr, floatStr, fc.constantFrom('', 'abc', 'v', BINARY, ' 1', 'x'.repeat(40)));
  const count = fc.oneof(fc.integer({ min: -40, max: 40 }).map(String), fc.constantFrom('x', INT64_MIN));

  /** Steps compared exactly while every hash is a listpack (insertion order), else as sets. */
  function commands(ordered: boolean): fc.Arbitrary<StepLike> {
    const listing = (cmd: string[], norm: Normalizer): StepLike => (ordered ? cmd : { cmd, norm });
    return fc.oneof(
      fc.tuple(key, fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 4 })).map(([k, ps]) => ['HSET', k, ...ps.flat()]),
      fc.tuple(key, fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 2 })).map(([k, ps]) => ['HMSET', k, ...ps.flat()]),
      fc.tuple(key, field, value).map(([k, f, v]) => ['HSETNX', k, f, v]),
      fc.tuple(key, field).map(([k, f]) => ['HGET', k, f]),
      fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 4 })).map(([k, fs]) => ['HMGET', k, ...fs]),
      fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 4 })).map(([k, fs]) => ['HDEL', k, ...fs]),
      key.map((k) => ['HLEN', k]),
      fc.tuple(key, field).map(([k, f]) => ['HSTRLEN', k, f]),
      fc.tuple(key, field).map(([k, f]) => ['HEXISTS', k, f]),
      key.map((k) => listing(['HKEYS', k], sorted)),
      key.map((k) => listing(['HVALS', k], sorted)),
      key.map((k) => listing(['HGETALL', k], pairsSorted)),
      fc.tuple(key, field, intStr).map(([k, f, n]) => ['HINCRBY', k, f, n]),
      // 1e308 prints as a 309-byte number, past the listpack value limit: only when order is not compared.
      fc.tuple(key, field, fc.oneof(ordered ? floatStr.filter((x) => x !== '1e308') : floatStr, intStr)).map(([k, f, n]) => ['HINCRBYFLOAT', k, f, n]),
      fc.tuple(key, count, fc.boolean()).map(([k, n, wv]): StepLike => ({ cmd: ['HRANDFIELD', k, n, ...(wv ? ['WITHVALUES'] : [])], norm: lengthOnly })),
      key.map((k): StepLike => ({ cmd: ['HRANDFIELD', k], typeOnly: true })),
      key.map((k) => listing(['HSCAN', k, '0', 'COUNT', '1000'], scanPairs)),
      key.map((k) => ['OBJECT', 'ENCODING', k]),
      fc.tuple(key, key).map(([a, b]) => ['COPY', a, b, 'REPLACE']),
      key.map((k) => ['DEL', k]),
      key.map((k) => ['TYPE', k]),
    );
  }

  /** Every key's encoding and contents, once the sequence is over. */
  const finalState: StepLike[] = ['h', 'g', 's'].flatMap((k): StepLike[] => [['TYPE', k], ['OBJECT', 'ENCODING', k], { cmd: ['HGETALL', k], norm: pairsSorted }]);

  it('match Redis (hashes that stay listpacks: replies in order)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commands(true), { minLength: 1, maxLength: 30 }), fc.boolean(), async (steps, resp3) => {
        await d.check([['SET', 's', 'string'], ...steps, ...finalState], { resp3 });
      }),
      { numRuns: 150 },
    );
  });

  it('match Redis with small listpack limits (conversions)', async () => {
    await d.withConfig({ 'hash-max-listpack-entries': '4', 'hash-max-listpack-value': '8' }, () =>
      fc.assert(
        fc.asyncProperty(fc.array(commands(false), { minLength: 1, maxLength: 30 }), fc.boolean(), async (steps, resp3) => {
          await d.check([['SET', 's', 'string'], ...steps, ...finalState], { resp3 });
        }),
        { numRuns: 150 },
      ),
    );
  });
});

describe('hashes inside nodis', () => {
  it('HRANDFIELD picks distinct fields for a positive count and any for a negative one', () => {
    const { run } = localServer();
    const fields: string[] = [];
    for (let i = 0; i < 1000; i++) fields.push(`f${i}`, `v${i}`);
    run('HSET', 'small', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5');
    run('HSET', 'big', ...fields);
    for (const [key, size] of [['small', 5], ['big', 1000]] as const) {
      for (const count of [1, 2, 3, 4, 10, 200, 333, 999]) {
        if (count >= size) continue;
        const items = splitAggregate(run('HRANDFIELD', key, String(count))).items.map(bulkPayload);
        assert.equal(items.length, count);
        assert.equal(new Set(items).size, count, `HRANDFIELD ${key} ${count} repeats a field`);
        const pairs = splitAggregate(run('HRANDFIELD', key, String(count), 'WITHVALUES')).items.map(bulkPayload);
        for (let i = 0; i < pairs.length; i += 2) assert.equal(run('HGET', key, pairs[i]), `$${pairs[i + 1].length}\r\n${pairs[i + 1]}\r\n`);
      }
      const many = splitAggregate(run('HRANDFIELD', key, '-30000')).items.map(bulkPayload);
      assert.equal(many.length, 30000);
      // 30000 picks out of at most 1000 fields: each field shows up (1000·e^-30 odds against).
      assert.equal(new Set(many).size, size);
    }
  });

  it('HRANDFIELD is uniform enough', () => {
    const { run } = localServer();
    run('HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
    const seen = new Map<string, number>();
    for (const f of splitAggregate(run('HRANDFIELD', 'h', '-40000')).items.map(bulkPayload)) seen.set(f, (seen.get(f) ?? 0) + 1);
    for (const n of seen.values()) assert.ok(n > 9000 && n < 11000, `a field picked ${n} times out of 40000`);
  });

  it('a hashtable hash keeps its fields through removals (the dense array and its index agree)', () => {
    const h = HashValue.fromPairs([], false);
    const model = new Map<string, string>();
    let x = 7;
    for (let i = 0; i < 20000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const f = `f${x % 300}`;
      if (x % 3 === 0) {
        assert.equal(h.delete(f), model.delete(f));
      } else {
        assert.equal(h.set(f, String(i)), !model.has(f));
        model.set(f, String(i));
      }
    }
    assert.equal(h.size, model.size);
    for (const [f, v] of model) assert.equal(h.get(f), v);
    const seen = new Map<string, string>();
    for (let i = 0; i < h.size; i++) seen.set(h.fieldAt(i), h.valueAt(i));
    assert.deepEqual(seen, model);
  });

  it('HSCAN and SSCAN return every element present for the whole iteration, whatever changes between calls', () => {
    const { run } = localServer();
    const stay: string[] = [];
    for (let i = 0; i < 3000; i++) stay.push(`stay${i}`);
    for (const [type, add, del, scan] of [['hash', 'HSET', 'HDEL', 'HSCAN'], ['set', 'SADD', 'SREM', 'SSCAN']] as const) {
      run('DEL', 'k');
      for (const f of stay) run(...(type === 'hash' ? [add, 'k', f, 'v'] : [add, 'k', f]));
      for (let i = 0; i < 500; i++) run(...(type === 'hash' ? [add, 'k', `gone${i}`, 'v'] : [add, 'k', `gone${i}`]));
      const seen = new Set<string>();
      let cursor = '0';
      let calls = 0;
      do {
        const [cur, page] = splitAggregate(run(scan, 'k', cursor, 'COUNT', '17')).items;
        cursor = bulkPayload(cur);
        const items = splitAggregate(page).items.map(bulkPayload);
        for (let i = 0; i < items.length; i += type === 'hash' ? 2 : 1) seen.add(items[i]);
        // Between calls: elements come and go (the dense arrays move their last element around).
        run(del, 'k', `gone${calls % 500}`, `new${calls - 3}`);
        run(...(type === 'hash' ? [add, 'k', `new${calls}`, 'v'] : [add, 'k', `new${calls}`]));
        calls++;
      } while (cursor !== '0' && calls < 10000);
      assert.equal(cursor, '0', `${scan} ended`);
      for (const f of stay) assert.ok(seen.has(f), `${scan} missed ${f}`);
      assert.ok(calls < 400, `${scan} took ${calls} calls`);
    }
  });

  it('signals WATCH on every change', async () => {
    const { run, db } = localServer();
    run('HSET', 'h', 'a', '1');
    for (const cmd of [
      ['HSET', 'h', 'a', '2'],
      ['HMSET', 'h', 'b', '2'],
      ['HSETNX', 'h', 'c', '1'],
      ['HINCRBY', 'h', 'n', '1'],
      ['HINCRBYFLOAT', 'h', 'n', '1'],
      ['HDEL', 'h', 'a'],
    ]) {
      const watcher = { casDirty: false, watching: null };
      db.watch(watcher, 'h');
      run(...cmd);
      unwatchAll(watcher);
      assert.equal(watcher.casDirty, true, `${cmd.join(' ')} signals the key`);
    }
  });

  it('answers HRANDFIELD with a negative count until an output limit drops the client', async () => {
    // Redis would build the whole reply; the loop stops once the client is gone.
    const server = await startServer({ 'client-output-buffer-limit': 'normal 1mb 0 0' });
    const c = await RawConnection.open({ port: server.port });
    try {
      await c.call('HSET', 'h', 'a', '1');
      c.write('*3\r\n$10\r\nHRANDFIELD\r\n$1\r\nh\r\n$19\r\n-999999999999999999\r\n');
      await c.readUntilClose(5000);
      assert.equal(c.closed, true, 'the client was dropped');
      const other = await RawConnection.open({ port: server.port });
      assert.equal(await other.call('PING'), '+PONG\r\n');
      other.close();
    } finally {
      c.close();
      await server.close();
    }
  });
});
