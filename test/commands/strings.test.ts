// String commands, checked against real Redis byte for byte, plus nodis-only checks of internal
// state (the raw string grown in place, the server clock, WATCH signals).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite, type Pair, type PairOptions } from '../helpers/differential.js';
import { RawConnection, bulkText, intReply } from '../helpers/resp.js';
import { RObject, RawString } from '../../src/types/value.js';
import { unwatchAll } from '../../src/keyspace/db.js';

/** Stands in for a list in nodis until the list type exists (the oracle gets a real list). */
class FakeList extends RObject {
  readonly type = 'list';
  encoding(): string {
    return 'listpack';
  }
}

type Cmd = string[];

/**
 * check() options that give key l (or others) a non-string value on both servers before the
 * steps run: a real list in Redis, a stand-in object in nodis (so the check does not depend on
 * other command families).
 */
function lists(d: Differential, ...keys: string[]): PairOptions {
  return {
    prepare: async (p: Pair) => {
      for (const k of keys) {
        assert.equal(await p.redis.call('RPUSH', k, 'x'), ':1\r\n');
        d.nodis.server.dbs[0].dict.set(k, new FakeList());
      }
    },
  };
}

/** PTTLs may differ by less than a second of clock skew between the servers; -1 and -2 exactly. */
const TTL_SKEW = 999;

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
const BINARY = '\x00\x01\xff\r\n\x80 \xe9\x00';

describe('string commands', differentialSuite(), () => {
  const d = new Differential();
  const withList = lists(d, 'l');
  before(() => d.start());
  after(() => d.stop());

  describe('GET and SET', () => {
    it('stores and returns values, binary and empty ones too', async () => {
      await d.check([
        ['GET', 'k'],
        ['SET', 'k', 'v'],
        ['GET', 'k'],
        ['SET', 'k', ''],
        ['GET', 'k'],
        ['SET', BINARY, BINARY],
        ['GET', BINARY],
        ['SET', '', 'empty key'],
        ['GET', ''],
        ['SET', 'k', 'x'.repeat(10000)],
        ['GET', 'k'],
        ['SET', 'k'],
        ['GET'],
        ['GET', 'a', 'b'],
      ]);
    });

    it('answers the null in RESP3', async () => {
      await d.check([['GET', 'nope'], ['SET', 'k', 'v'], ['GET', 'k'], ['SET', 'k', 'w', 'NX'], ['SET', 'j', 'w', 'XX']], {
        resp3: true,
      });
    });

    it('honours NX, XX and GET', async () => {
      await d.check([
        ['SET', 'k', 'a', 'NX'],
        ['SET', 'k', 'b', 'NX'],
        ['GET', 'k'],
        ['SET', 'k', 'c', 'XX'],
        ['SET', 'x', 'c', 'XX'],
        ['GET', 'x'],
        ['SET', 'k', 'd', 'GET'],
        ['SET', 'new', 'd', 'GET'],
        ['GET', 'new'],
        ['SET', 'k', 'e', 'NX', 'GET'],
        ['SET', 'k2', 'e', 'NX', 'GET'],
        ['SET', 'k', 'f', 'XX', 'GET'],
        ['SET', 'k3', 'f', 'XX', 'GET'],
        ['GET', 'k3'],
        ['SET', 'k', 'g', 'nx', 'get'],
        ['SET', 'k', 'g', 'Xx', 'gEt'],
        ['SET', 'k', 'h', 'NX', 'NX'],
        ['SET', 'k', 'h', 'GET', 'GET'],
        ['SET', 'k', 'h', 'XX', 'XX', 'KEEPTTL', 'KEEPTTL'],
        ['GET', 'k'],
      ]);
    });

    it('rejects conflicting and unknown options with a syntax error', async () => {
      const bad: Cmd[] = [
        ['NX', 'XX'],
        ['XX', 'NX'],
        ['EX', '10', 'PX', '100'],
        ['PX', '100', 'EX', '10'],
        ['EX', '10', 'EXAT', '100'],
        ['EXAT', '100', 'PXAT', '100'],
        ['PXAT', '100', 'EX', '1'],
        ['KEEPTTL', 'EX', '10'],
        ['EX', '10', 'KEEPTTL'],
        ['PXAT', '10', 'KEEPTTL'],
        ['EX'],
        ['PX'],
        ['EXAT'],
        ['PXAT'],
        ['PERSIST'],
        ['FOO'],
        ['NXX'],
        ['N'],
        ['EX', 'abc', 'NX', 'XX'],
        ['EX', '10', 'FOO'],
        ['GET', 'EX'],
      ];
      await d.check([['SET', 'k', 'old'], ...bad.map((o) => ['SET', 'k', 'v', ...o]), ['GET', 'k']]);
    });

    it('reads options only up to an embedded NUL, as strcasecmp does', async () => {
      await d.check([
        ['SET', 'k', 'a', 'NX\x00junk'],
        ['SET', 'k', 'b', 'nx\x00'],
        ['SET', 'k', 'c', 'GET\x00x'],
        ['SET', 'k', 'd', 'KEEPTTL\x00x'],
        ['SET', 'k', 'e', 'EX\x00', '10'],
        ['SET', 'k', 'f', '\x00NX'],
        ['GET', 'k'],
      ]);
    });

    it('validates expire times exactly', async () => {
      const steps: Cmd[] = [];
      for (const unit of ['EX', 'PX', 'EXAT', 'PXAT', 'ex', 'pXaT']) {
        for (const t of [
          '0',
          '-1',
          INT64_MIN,
          'abc',
          '1.5',
          ' 1',
          '+1',
          '01',
          '',
          INT64_MAX,
          '9223372036854775808',
          '9223372036854775',
          '9223372036854776',
          '9223372036854775000',
          '9223372036854774000',
          '9223370000000000000',
          '1000000000000',
          '100000000000000',
        ]) {
          steps.push(['SET', 'k', 'v', unit, t], ['GET', 'k']);
        }
      }
      await d.check(steps);
    });

    it('expires at times already past', async () => {
      await d.check([
        ['SET', 'k', 'v', 'EXAT', '1'],
        ['GET', 'k'],
        ['SET', 'k', 'v', 'PXAT', '1'],
        ['GET', 'k'],
        ['SET', 'k', 'v', 'PXAT', '1', 'GET'],
        ['SET', 'k', 'v2', 'EXAT', '100', 'NX', 'GET'],
        ['GET', 'k'],
        ['SET', 'k', 'v3', 'XX'],
        ['SET', 'k', 'v3'],
        ['GET', 'k'],
      ]);
    });

    it('sets, keeps and clears the time to live', async () => {
      await d.withPair(async (p) => {
        await p.setup(
          ['SET', 'ex', 'v', 'EX', '100'],
          ['SET', 'px', 'v', 'PX', '200000'],
          ['SET', 'exat', 'v', 'EXAT', '4000000000'],
          ['SET', 'pxat', 'v', 'PXAT', '4000000000000'],
          ['SET', 'keep', 'v', 'EX', '100'],
          ['SET', 'keep', 'w', 'KEEPTTL'],
          ['SET', 'clear', 'v', 'EX', '100'],
          ['SET', 'clear', 'w'],
          ['SET', 'nxfail', 'v', 'EX', '100'],
          ['SET', 'nxfail', 'w', 'NX', 'EX', '300'],
          ['SET', 'xx', 'v', 'EX', '100'],
          ['SET', 'xx', 'w', 'XX', 'PX', '5000'],
          ['SET', 'getttl', 'v', 'EX', '100'],
          ['SET', 'getttl', 'w', 'GET'],
        );
        for (const k of ['ex', 'px', 'exat', 'pxat', 'keep', 'clear', 'nxfail', 'xx', 'getttl']) await p.approx(TTL_SKEW, 'PTTL', k);
      });
    });

    it('replies WRONGTYPE for GET and SET ... GET on other types, and leaves them alone', async () => {
      await d.check(
        [
          ['GET', 'l'],
          ['SET', 'l', 'v', 'GET'],
          ['SET', 'l', 'v', 'NX', 'GET'],
          ['SET', 'l', 'v', 'EX', '0', 'GET'],
          ['SET', 'l', 'v', 'NX'],
          ['SET', 'l', 'v', 'XX', 'GET'],
          ['GET', 'l'],
        ],
        withList,
      );
      await d.check([['SET', 'l', 'v'], ['GET', 'l']], withList);
    });
  });

  describe('SETNX, SETEX, PSETEX', () => {
    it('SETNX sets only missing keys', async () => {
      await d.check([['SETNX', 'k', 'a'], ['SETNX', 'k', 'b'], ['GET', 'k'], ['SETNX', 'l', 'x'], ['SETNX', 'k']], withList);
      await d.check([['SETNX', 'k', 'a'], ['SETNX', 'k', 'b']], { resp3: true });
    });

    it('SETEX and PSETEX set with a time to live and check it', async () => {
      const steps: Cmd[] = [];
      for (const cmd of ['SETEX', 'PSETEX']) {
        for (const t of ['100', '0', '-5', 'x', '1.5', INT64_MAX, '9223372036854775', '9223372036854775808', '']) {
          steps.push([cmd, 'k', t, 'val'], ['GET', 'k']);
        }
        steps.push([cmd, 'l', '100', 'v'], ['GET', 'l'], [cmd, 'k', '100']);
      }
      await d.check(steps, withList);
      await d.withPair(async (p) => {
        await p.setup(['SETEX', 'a', '100', 'v'], ['PSETEX', 'b', '100000', 'v']);
        await p.approx(TTL_SKEW, 'PTTL', 'a');
        await p.approx(TTL_SKEW, 'PTTL', 'b');
      });
    });
  });

  describe('GETEX, GETDEL, GETSET', () => {
    it('GETEX returns the value and changes the time to live', async () => {
      await d.withPair(async (p) => {
        await p.setup(
          ['SET', 'a', '1'],
          ['SET', 'b', '2', 'EX', '100'],
          ['SET', 'c', '3'],
          ['SET', 'e', '5'],
          ['SET', 'f', '6', 'EX', '100'],
          ['SET', 'g', '7', 'EX', '100'],
        );
        await p.run([
          ['GETEX', 'a', 'EX', '100'],
          ['GETEX', 'b', 'PERSIST'],
          ['GETEX', 'c', 'PXAT', '4000000000000'],
          ['GETEX', 'e', 'EXAT', '4000000000'],
          ['GETEX', 'f'],
          ['GETEX', 'g', 'px', '50000'],
        ]);
        for (const k of ['a', 'b', 'c', 'e', 'f', 'g']) await p.approx(TTL_SKEW, 'PTTL', k);
      });
    });

    it('GETEX deletes keys given a time already past, and checks its options', async () => {
      await d.check(
        [
          ['SET', 'k', 'v'],
          ['GETEX', 'k', 'EXAT', '1'],
          ['GET', 'k'],
          ['SET', 'k', 'v'],
          ['GETEX', 'k', 'PXAT', '1'],
          ['GETEX', 'k'],
          ['GETEX', 'missing', 'EX', '0'],
          ['GETEX', 'missing', 'FOO'],
          ['GETEX', 'l', 'EX', '0'],
          ['GETEX', 'l'],
          ['SET', 'k', 'v'],
          ['GETEX', 'k', 'EX', '0'],
          ['GETEX', 'k', 'PX', '-1'],
          ['GETEX', 'k', 'EXAT', '0'],
          ['GETEX', 'k', 'EX', 'abc'],
          ['GETEX', 'k', 'EX', INT64_MAX],
          ['GETEX', 'k', 'PX', INT64_MAX],
          ['GETEX', 'k', 'PXAT', INT64_MAX],
          ['GETEX', 'k', 'EX', '9223372036854775'],
          ['GETEX', 'k', 'EX', '9223372036854776'],
          ['GETEX', 'k', 'PERSIST', 'EX', '10'],
          ['GETEX', 'k', 'EX', '10', 'PERSIST'],
          ['GETEX', 'k', 'PERSIST', 'PERSIST'],
          ['GETEX', 'k', 'KEEPTTL'],
          ['GETEX', 'k', 'NX'],
          ['GETEX', 'k', 'XX'],
          ['GETEX', 'k', 'GET'],
          ['GETEX', 'k', 'EX'],
          ['GETEX', 'k', 'EX', '10', 'EX', '20'],
          ['GETEX', 'k', 'EX', '10', 'PX', '20'],
          ['GETEX', 'k', 'persist\x00x'],
          ['GETEX'],
          ['GET', 'k'],
        ],
        withList,
      );
      await d.check([['GETEX', 'missing'], ['SET', 'k', 'v'], ['GETEX', 'k', 'PXAT', '1'], ['GETEX', 'k']], {
        resp3: true,
      });
    });

    it('GETDEL returns and removes', async () => {
      await d.check(
        [['SET', 'k', 'v'], ['GETDEL', 'k'], ['GETDEL', 'k'], ['GET', 'k'], ['GETDEL', 'l'], ['GETDEL', 'k', 'x']],
        withList,
      );
      await d.check([['GETDEL', 'k']], { resp3: true });
    });

    it('GETSET swaps and drops the time to live', async () => {
      await d.check(
        [['GETSET', 'k', 'a'], ['GETSET', 'k', 'b'], ['GET', 'k'], ['GETSET', 'l', 'x'], ['GETSET', 'k'], ['GETSET', 'k', BINARY], ['GET', 'k']],
        withList,
      );
      await d.withPair(async (p) => {
        await p.setup(['SET', 'k', 'v', 'EX', '100'], ['GETSET', 'k', 'w']);
        await p.approx(TTL_SKEW, 'PTTL', 'k');
      });
    });
  });

  describe('MGET, MSET, MSETNX', () => {
    it('MGET answers null for missing keys and other types', async () => {
      const steps: Cmd[] = [['MSET', 'a', '1', 'b', '', 'c', BINARY], ['MGET', 'a', 'b', 'c', 'd', 'l', 'a']];
      await d.check(steps, withList);
      await d.check(steps, { ...withList, resp3: true });
    });

    it('MSET sets all pairs and checks the argument count', async () => {
      await d.check(
        [
          ['MSET', 'a', '1', 'b', '2', 'a', '3'],
          ['MGET', 'a', 'b'],
          ['MSET', 'a', '1', 'b'],
          ['MSET', 'a'],
          ['MSET'],
          ['MSET', 'l', 'v'],
          ['GET', 'l'],
        ],
        withList,
      );
      await d.withPair(async (p) => {
        await p.setup(['SET', 'k', 'v', 'EX', '100'], ['MSET', 'k', 'w']);
        await p.approx(TTL_SKEW, 'PTTL', 'k');
      });
    });

    it('MSETNX sets nothing when any key exists', async () => {
      await d.check(
        [
          ['MSETNX', 'a', '1', 'b', '2'],
          ['MSETNX', 'b', '3', 'c', '4'],
          ['MGET', 'a', 'b', 'c'],
          ['MSETNX', 'c', '5', 'c', '6'],
          ['GET', 'c'],
          ['MSETNX', 'x', '1', 'y'],
          ['MSETNX', 'x'],
          ['MSETNX', 'l', 'v'],
          ['SET', 'gone', 'v', 'PXAT', '1'],
          ['MSETNX', 'gone', 'back'],
          ['GET', 'gone'],
        ],
        withList,
      );
    });
  });

  describe('INCR, DECR, INCRBY, DECRBY', () => {
    it('counts', async () => {
      await d.check([
        ['INCR', 'n'],
        ['INCR', 'n'],
        ['DECR', 'n'],
        ['DECR', 'm'],
        ['INCRBY', 'n', '100'],
        ['INCRBY', 'n', '-1000'],
        ['DECRBY', 'n', '-5'],
        ['DECRBY', 'n', '0'],
        ['INCRBY', 'n', '0'],
        ['GET', 'n'],
        ['SET', 'z', '0'],
        ['DECRBY', 'z', '0'],
        ['INCRBY', 'z', '-0'],
        ['GET', 'z'],
      ]);
    });

    it('rejects values that are not 64-bit integers', async () => {
      const steps: Cmd[] = [];
      for (const v of [
        '',
        ' 1',
        '1 ',
        '+1',
        '01',
        '-0',
        '1.0',
        '1e3',
        '0x10',
        'abc',
        '9223372036854775808',
        '-9223372036854775809',
        '99999999999999999999',
        '1\x00',
        BINARY,
        '00',
        '-',
      ]) {
        steps.push(['SET', 'k', v], ['INCR', 'k'], ['DECR', 'k'], ['INCRBY', 'k', '1'], ['DECRBY', 'k', '1'], ['GET', 'k']);
        steps.push(['SET', 'n', '5'], ['INCRBY', 'n', v], ['DECRBY', 'n', v], ['GET', 'n']);
      }
      await d.check(steps);
    });

    it('is exact to 64 bits and reports overflow', async () => {
      await d.check([
        ['SET', 'k', INT64_MAX],
        ['INCR', 'k'],
        ['DECR', 'k'],
        ['INCRBY', 'k', '2'],
        ['SET', 'k', INT64_MIN],
        ['DECR', 'k'],
        ['INCR', 'k'],
        ['DECRBY', 'k', '2'],
        ['SET', 'k', '9007199254740991'],
        ['INCR', 'k'],
        ['INCR', 'k'],
        ['INCRBY', 'k', '9007199254740993'],
        ['SET', 'k', '999999999999999'],
        ['INCRBY', 'k', '999999999999999'],
        ['INCRBY', 'k', '999999999999999'],
        ['SET', 'k', '-999999999999999'],
        ['DECRBY', 'k', '999999999999999'],
        ['SET', 'k', '0'],
        ['INCRBY', 'k', INT64_MAX],
        ['INCRBY', 'k', INT64_MIN],
        ['INCRBY', 'k', INT64_MIN],
        ['DECRBY', 'k', INT64_MIN],
        ['DECRBY', 'missing', INT64_MIN],
        ['DECRBY', 'k', INT64_MAX],
        ['DECRBY', 'k', '1'],
        ['DECRBY', 'k', '1'],
        ['SET', 'k', '-1'],
        ['INCRBY', 'k', INT64_MIN],
        ['DECRBY', 'k', INT64_MAX],
        ['SET', 'k', '1'],
        ['INCRBY', 'k', INT64_MAX],
        ['DECRBY', 'k', '-9223372036854775807'],
        ['SET', 'k', '12345678901234567'],
        ['INCRBY', 'k', '-12345678901234567'],
        ['INCRBY', 'k', '-12345678901234568'],
        ['SET', 'k', '-9223372036854775807'],
        ['DECR', 'k'],
        ['DECR', 'k'],
        ['GET', 'k'],
        ['SET', 'k', '10'],
        ['DECRBY', 'k', INT64_MIN],
        ['DECRBY', 'k', 'x'],
        ['INCRBY', 'k'],
        ['INCR', 'k', 'x'],
      ]);
    });

    it('replies WRONGTYPE on other types and keeps the time to live', async () => {
      await d.check([['INCR', 'l'], ['DECR', 'l'], ['INCRBY', 'l', '1'], ['DECRBY', 'l', '1'], ['INCRBY', 'l', 'x']], withList);
      await d.withPair(async (p) => {
        await p.setup(['SET', 'k', '1', 'EX', '100'], ['INCR', 'k'], ['SET', 'j', '1', 'EX', '100'], ['INCRBY', 'j', '123456789012345678']);
        await p.approx(TTL_SKEW, 'PTTL', 'k');
        await p.approx(TTL_SKEW, 'PTTL', 'j');
      });
    });
  });

  describe('INCRBYFLOAT', () => {
    it('adds in long double precision and prints like %.17Lf', async () => {
      await d.check([
        ['SET', 'k', '10.5'],
        ['INCRBYFLOAT', 'k', '0.1'],
        ['INCRBYFLOAT', 'k', '5.0e3'],
        ['INCRBYFLOAT', 'k', '1e-5'],
        ['INCRBYFLOAT', 'k', '-5010.60001'],
        ['INCRBYFLOAT', 'k', '-1e300'],
        ['INCRBYFLOAT', 'k', '1e300'],
        ['INCRBYFLOAT', 'new', '3.0e3'],
        ['INCRBYFLOAT', 'new', '-3000'],
        ['INCRBYFLOAT', 'z', '-0.000000000000000001'],
        ['INCRBYFLOAT', 'z', '-0.000000000000000005'],
        ['INCRBYFLOAT', 't', '0.000003814697265625'],
        ['INCRBYFLOAT', 't2', '0.000011444091796875'],
        ['SET', 'i', INT64_MAX],
        ['INCRBYFLOAT', 'i', '1'],
        ['INCRBYFLOAT', 'i', '-1'],
        ['SET', 'i', '18446744073709551617'],
        ['INCRBYFLOAT', 'i', '0'],
        ['SET', 'h', '0'],
        ['INCRBYFLOAT', 'h', '0x1.8p1'],
        ['INCRBYFLOAT', 'h', '0X10'],
        ['INCRBYFLOAT', 'h', '.5'],
        ['INCRBYFLOAT', 'h', '5.'],
        ['INCRBYFLOAT', 'h', '+1.25E+2'],
        ['INCRBYFLOAT', 'h', '0e99999999999999999999999'],
        ['INCRBYFLOAT', 'h', '-0'],
        ['INCRBYFLOAT', 'h', '000000000000000000001.5'],
        ['INCRBYFLOAT', 'h', '1' + '0'.repeat(400)],
        ['SET', 'tiny', '1e-4940'],
        ['INCRBYFLOAT', 'tiny', '0'],
        ['INCRBYFLOAT', 'tiny', '1e-4950'],
        ['INCRBYFLOAT', 'big', '1e4932'],
        ['INCRBYFLOAT', 'big', '1.1e4932'],
        ['INCRBYFLOAT', 'big', '-1e4932'],
        ['SET', 'max', '1.18973149535723176502e+4932'],
        ['INCRBYFLOAT', 'max', '0'],
        ['SET', 'max', '1.18973149535723176503e+4932'],
        ['INCRBYFLOAT', 'max', '0'],
      ]);
    });

    it('rejects what strtold or Redis reject', async () => {
      const steps: Cmd[] = [['SET', 'k', '1.5']];
      for (const v of [
        '',
        ' 1',
        '\t1',
        '1 ',
        'abc',
        '1e',
        '1e+',
        '0x',
        '0x.p1',
        '0x1p',
        '.',
        '-',
        '+',
        '--1',
        '+-1',
        '1..2',
        '1\x00',
        '\x00',
        '\x001',
        'nan',
        'NaN',
        '-nan',
        'nan(123)',
        'inf',
        '-inf',
        'INFINITY',
        '-Infinity',
        'infin',
        '1e5000',
        '-1e5000',
        '1e-5000',
        '1e-4960',
        '0x1p99999',
        '0x1p-99999',
        '1,5',
        '１',
        '1'.repeat(5119),
        '1'.repeat(5120),
        '0'.repeat(5119),
        '0'.repeat(5120),
        '0.' + '0'.repeat(5117),
      ]) {
        steps.push(['INCRBYFLOAT', 'k', v], ['SET', 'v', v], ['INCRBYFLOAT', 'v', '1']);
      }
      steps.push(['GET', 'k'], ['INCRBYFLOAT', 'l', '1'], ['INCRBYFLOAT', 'l', 'x'], ['INCRBYFLOAT', 'k'], ['INCRBYFLOAT', 'k', '1', '2']);
      await d.check(steps, withList);
    });

    it('keeps the time to live', async () => {
      await d.withPair(async (p) => {
        await p.setup(['SET', 'k', '1.5', 'EX', '100'], ['INCRBYFLOAT', 'k', '2']);
        await p.approx(TTL_SKEW, 'PTTL', 'k');
      });
    });

    it('matches Redis for random numbers', async () => {
      const digits = (min: number, max: number) =>
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));
      const sign = fc.constantFrom('', '-', '+');
      const num = fc.oneof(
        fc.tuple(sign, digits(1, 25)).map(([s, a]) => s + a),
        fc.tuple(sign, digits(1, 6), digits(0, 25)).map(([s, a, b]) => `${s}${a}.${b}`),
        fc.tuple(sign, digits(1, 3), fc.integer({ min: -4960, max: 4940 })).map(([s, a, e]) => `${s}${a}e${e}`),
        fc.tuple(sign, fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -16500, max: 16400 })).map(
          ([s, m, e]) => `${s}0x${m.toString(16)}p${e}`,
        ),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
        fc.tuple(sign, fc.integer({ min: 0, max: 30 }), digits(1, 20)).map(([s, z, a]) => `${s}0.${'0'.repeat(z)}${a}`),
        fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
        fc.integer({ min: 0, max: 70 }).map((k) => String(2n ** BigInt(k) + 1n)),
      );
      await fc.assert(
        fc.asyncProperty(num, fc.array(num, { minLength: 1, maxLength: 4 }), async (start, incrs) => {
          await d.check([['SET', 'k', start], ...incrs.map((x) => ['INCRBYFLOAT', 'k', x]), ['GET', 'k']]);
        }),
        { numRuns: 400 },
      );
    });
  });

  describe('APPEND, SETRANGE, STRLEN', () => {
    it('APPEND creates and grows', async () => {
      await d.check(
        [
          ['APPEND', 'k', 'hello'],
          ['APPEND', 'k', ' world'],
          ['APPEND', 'k', ''],
          ['GET', 'k'],
          ['APPEND', 'e', ''],
          ['GET', 'e'],
          ['STRLEN', 'e'],
          ['SET', 'n', '123'],
          ['APPEND', 'n', '4'],
          ['INCR', 'n'],
          ['APPEND', 'n', BINARY],
          ['GET', 'n'],
          ['APPEND', 'l', 'x'],
          ['APPEND', 'k'],
        ],
        withList,
      );
    });

    it('SETRANGE overwrites, pads with zero bytes and checks the offset', async () => {
      await d.check(
        [
          ['SETRANGE', 'k', '0', 'hello'],
          ['SETRANGE', 'k', '1', 'EL'],
          ['GET', 'k'],
          ['SETRANGE', 'k', '10', 'xy'],
          ['GET', 'k'],
          ['SETRANGE', 'k', '11', 'abcdef'],
          ['GET', 'k'],
          ['SETRANGE', 'k', '0', ''],
          ['SETRANGE', 'k', '100', ''],
          ['SETRANGE', 'new', '0', ''],
          ['GET', 'new'],
          ['SETRANGE', 'new', '3', 'ab'],
          ['GET', 'new'],
          ['SETRANGE', 'k', '-1', 'x'],
          ['SETRANGE', 'k', 'x', 'x'],
          ['SETRANGE', 'k', '1.5', 'x'],
          ['SETRANGE', 'k', '-1', ''],
          ['SETRANGE', 'k', '536870911', ''],
          ['SETRANGE', 'k', '536870912', 'x'],
          ['SETRANGE', 'k', '536870911', 'xx'],
          ['SETRANGE', 'missing', '536870912', 'x'],
          ['SETRANGE', 'k', INT64_MAX, 'x'],
          ['SETRANGE', 'k', '9223372036854775808', 'x'],
          ['SETRANGE', 'l', '0', 'x'],
          ['SETRANGE', 'l', '0', ''],
          ['SETRANGE', 'l', '-1', 'x'],
          ['SET', 'n', '12345'],
          ['SETRANGE', 'n', '2', BINARY],
          ['GET', 'n'],
          ['STRLEN', 'n'],
          ['SETRANGE', 'k', '1'],
        ],
        withList,
      );
    });

    it('STRLEN counts bytes', async () => {
      await d.check(
        [
          ['STRLEN', 'missing'],
          ['SET', 'k', BINARY],
          ['STRLEN', 'k'],
          ['SET', 'n', '-12345'],
          ['STRLEN', 'n'],
          ['STRLEN', 'l'],
          ['STRLEN', 'k', 'x'],
        ],
        withList,
      );
    });

    it('keeps the time to live when growing', async () => {
      await d.withPair(async (p) => {
        await p.setup(['SET', 'a', 'x', 'EX', '100'], ['APPEND', 'a', 'y'], ['SET', 'b', 'x', 'EX', '100'], ['SETRANGE', 'b', '5', 'y']);
        await p.approx(TTL_SKEW, 'PTTL', 'a');
        await p.approx(TTL_SKEW, 'PTTL', 'b');
      });
    });
  });

  describe('GETRANGE and SUBSTR', () => {
    it('slices with Redis index rules', async () => {
      const steps: Cmd[] = [['SET', 's', 'Hello World'], ['SET', 'n', '1234567'], ['SET', 'e', '']];
      const idx = ['0', '1', '3', '-1', '-2', '-5', '-11', '-12', '-100', '10', '11', '100', INT64_MAX, INT64_MIN];
      for (const cmd of ['GETRANGE', 'SUBSTR']) {
        for (const start of idx) for (const end of idx) steps.push([cmd, 's', start, end]);
        steps.push([cmd, 'n', '0', '-1'], [cmd, 'n', '-3', '-2'], [cmd, 'e', '0', '-1'], [cmd, 'e', '0', '0'], [cmd, 'e', '-1', '0']);
        steps.push([cmd, 'missing', '0', '-1'], [cmd, 'missing', 'x', '1'], [cmd, 's', 'x', '1'], [cmd, 's', '1', 'x']);
        steps.push([cmd, 's', '1.5', '1'], [cmd, 's', '9223372036854775808', '1'], [cmd, 'l', '0', '1'], [cmd, 'l', 'x', '1']);
        steps.push([cmd, 's', '0'], [cmd, 's', '0', '1', '2']);
      }
      await d.check(steps, withList);
      await d.check([['GETRANGE', 'missing', '0', '-1'], ['SET', 's', 'abc'], ['GETRANGE', 's', '5', '6']], { resp3: true });
    });
  });

  describe('LCS', () => {
    const docs: Cmd[] = [['MSET', 'key1', 'ohmytext', 'key2', 'mynewtext']];
    const variants: string[][] = [
      [],
      ['LEN'],
      ['IDX'],
      ['IDX', 'MINMATCHLEN', '4'],
      ['IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
      ['IDX', 'WITHMATCHLEN'],
      ['idx', 'minmatchlen', '-5', 'withmatchlen'],
      ['IDX', 'MINMATCHLEN', '100'],
      ['WITHMATCHLEN'],
      ['MINMATCHLEN', '2'],
      ['LEN', 'MINMATCHLEN', '2'],
      ['IDX', 'IDX', 'WITHMATCHLEN', 'WITHMATCHLEN'],
      ['LEN', 'IDX'],
      ['IDX', 'LEN'],
      ['MINMATCHLEN'],
      ['MINMATCHLEN', 'x'],
      ['MINMATCHLEN', 'x', 'FOO'],
      ['FOO'],
      ['LEN', 'FOO'],
      ['IDX\x00x'],
    ];

    it('finds the longest common subsequence, its length and its ranges', async () => {
      const steps: Cmd[] = [...docs];
      for (const v of variants) {
        steps.push(['LCS', 'key1', 'key2', ...v], ['LCS', 'key2', 'key1', ...v], ['LCS', 'key1', 'missing', ...v]);
        steps.push(['LCS', 'missing', 'missing2', ...v], ['LCS', 'key1', 'key1', ...v]);
      }
      await d.check(steps);
      await d.check([...docs, ...variants.map((v) => ['LCS', 'key1', 'key2', ...v])], { resp3: true });
    });

    it('handles binary and repetitive strings', async () => {
      const pairs: [string, string][] = [
        ['aaaa', 'aa'],
        ['abcabcabc', 'cbacbacba'],
        ['', 'abc'],
        [BINARY, 'x\x00\xffy\r\n'],
        ['abcdefghij', 'abcXdefYghij'],
        ['xxxabcyyyabczzz', 'abcabc'],
        ['a'.repeat(300) + 'b'.repeat(300), 'b'.repeat(200) + 'a'.repeat(200)],
      ];
      const steps: Cmd[] = [];
      for (const [a, b] of pairs) {
        steps.push(['MSET', 'a', a, 'b', b]);
        for (const v of [[], ['LEN'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', '2']]) steps.push(['LCS', 'a', 'b', ...v]);
      }
      await d.check(steps);
    });

    it('refuses other types before looking at options', async () => {
      await d.check(
        [
          ['SET', 's', 'abc'],
          ['LCS', 's', 'l'],
          ['LCS', 'l', 's', 'FOO'],
          ['LCS', 'l', 'missing', 'LEN', 'IDX'],
          ['LCS', 's'],
        ],
        withList,
      );
    });

    it('refuses tables larger than proto-max-bulk-len', async () => {
      await d.check([
        ['SET', 'a', 'x'.repeat(11600)],
        ['SET', 'b', 'y'.repeat(11600)],
        ['LCS', 'a', 'b', 'LEN'],
        ['LCS', 'a', 'b', 'LEN', 'IDX'],
        ['LCS', 'a', 'missing', 'LEN'],
      ]);
    });
  });

  describe('random command sequences', () => {
    it('match Redis', async () => {
      const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('a', 'b', 'c') }, { weight: 1, arbitrary: fc.constant('l') });
      const bytes = fc.uint8Array({ maxLength: 10 }).map((a) => Buffer.from(a).toString('latin1'));
      const intStr = fc.oneof(
        fc.integer({ min: -1000, max: 1000 }).map(String),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
        fc.constantFrom(INT64_MAX, INT64_MIN, '9223372036854775806', '9007199254740993', '-9007199254740993', '999999999999999'),
      );
      const floatStr = fc.oneof(
        fc.double({ noNaN: true, min: -1e20, max: 1e20 }).map(String),
        fc.constantFrom('10.5', '0.1', '-0.1', '1e3', '5.0e3', '3.0', '1e-5', 'inf', 'nan', '0x10'),
      );
      const value = fc.oneof(intStr, floatStr, bytes, fc.constantFrom('', 'abc', 'hello world', ' 1', '+1', '01'));
      const index = fc.oneof(fc.integer({ min: -15, max: 15 }).map(String), fc.constantFrom(INT64_MAX, INT64_MIN, 'x'));
      const setOpt = fc.constantFrom<string[]>(
        ['NX'],
        ['XX'],
        ['GET'],
        ['KEEPTTL'],
        ['EX', '1000'],
        ['PX', '1000000'],
        ['EXAT', '1'],
        ['PXAT', '1'],
        ['EXAT', '99999999999'],
        ['EX', '0'],
        ['PX', 'abc'],
        ['nx'],
        ['FOO'],
      );
      const getexOpt = fc.constantFrom<string[]>(['PERSIST'], ['EX', '1000'], ['PXAT', '1'], ['EXAT', '99999999999'], ['EX', '-1'], ['KEEPTTL'], ['NX']);
      const lcsOpt = fc.constantFrom<string[]>(['LEN'], ['IDX'], ['WITHMATCHLEN'], ['MINMATCHLEN', '2'], ['MINMATCHLEN', '0']);
      const flat = (a: string[][]) => a.flat();
      const command: fc.Arbitrary<Cmd> = fc.oneof(
        fc.tuple(key, value).map(([k, v]) => ['SET', k, v]),
        fc.tuple(key, value, fc.array(setOpt, { maxLength: 3 })).map(([k, v, o]) => ['SET', k, v, ...flat(o)]),
        key.map((k) => ['GET', k]),
        fc.tuple(key, value).map(([k, v]) => ['APPEND', k, v]),
        key.map((k) => ['INCR', k]),
        key.map((k) => ['DECR', k]),
        fc.tuple(key, intStr).map(([k, v]) => ['INCRBY', k, v]),
        fc.tuple(key, intStr).map(([k, v]) => ['DECRBY', k, v]),
        fc.tuple(key, fc.oneof(floatStr, intStr)).map(([k, v]) => ['INCRBYFLOAT', k, v]),
        fc.tuple(key, index, index).map(([k, a, b]) => ['GETRANGE', k, a, b]),
        fc.tuple(key, index, index).map(([k, a, b]) => ['SUBSTR', k, a, b]),
        fc.tuple(key, fc.oneof(fc.integer({ min: -2, max: 20 }).map(String), fc.constant('x')), value).map(([k, o, v]) => [
          'SETRANGE',
          k,
          o,
          v,
        ]),
        key.map((k) => ['STRLEN', k]),
        fc.array(key, { minLength: 1, maxLength: 4 }).map((ks) => ['MGET', ...ks]),
        fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((ps) => ['MSET', ...ps.flat()]),
        fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((ps) => ['MSETNX', ...ps.flat()]),
        fc.tuple(key, value).map(([k, v]) => ['GETSET', k, v]),
        key.map((k) => ['GETDEL', k]),
        fc.tuple(key, value).map(([k, v]) => ['SETNX', k, v]),
        fc.tuple(key, value).map(([k, v]) => ['SETEX', k, '1000', v]),
        fc.tuple(key, value).map(([k, v]) => ['PSETEX', k, '1000000', v]),
        fc.tuple(key, fc.array(getexOpt, { maxLength: 2 })).map(([k, o]) => ['GETEX', k, ...flat(o)]),
        fc.tuple(key, key, fc.array(lcsOpt, { maxLength: 3 })).map(([a, b, o]) => ['LCS', a, b, ...flat(o)]),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), fc.boolean(), async (steps, resp3) => {
          await d.check(steps, { ...withList, resp3 });
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('side effects', () => {
    /** Per command: [dirty, keyspace hits, keyspace misses, expired keys] deltas, as INFO shows them. */
    async function effects(conn: RawConnection, steps: Cmd[]): Promise<number[][]> {
      const snapshot = async (): Promise<number[]> => {
        const info = bulkText(await conn.call('INFO', 'everything'));
        const field = (name: string) => Number(new RegExp(`\\r\\n${name}:(\\d+)`).exec(info)![1]);
        return [field('rdb_changes_since_last_save'), field('keyspace_hits'), field('keyspace_misses'), field('expired_keys')];
      };
      const out: number[][] = [];
      // The cron's active expiry would otherwise remove an expired key between two steps, now and
      // then, and count it for neither command.
      await conn.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      for (const cmd of steps) {
        const before = await snapshot();
        await conn.call(...cmd);
        const after = await snapshot();
        out.push(after.map((v, i) => v - before[i]));
      }
      await conn.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      return out;
    }

    it('count changes, hits, misses and expirations as Redis does', async () => {
      const steps: Cmd[] = [
        ['SET', 'k', 'v'],
        ['SET', 'k', 'v', 'NX'],
        ['SET', 'k', 'w', 'XX', 'GET'],
        ['SET', 'm', 'w', 'XX', 'GET'],
        ['SET', 'k', 'v', 'EX', '0'],
        ['GET', 'k'],
        ['GET', 'missing'],
        ['SETNX', 'k', 'v'],
        ['SETNX', 'k2', 'v'],
        ['SETEX', 'k3', '100', 'v'],
        ['PSETEX', 'k3', '0', 'v'],
        ['MSET', 'a', '1', 'b', '2', 'c', '3'],
        ['MSETNX', 'a', '1', 'd', '2'],
        ['MSETNX', 'e', '1', 'f', '2'],
        ['MGET', 'a', 'x', 'b'],
        ['INCR', 'a'],
        ['INCRBY', 'a', 'x'],
        ['INCRBY', 'k', '1'],
        ['DECRBY', 'new', '5'],
        ['INCRBYFLOAT', 'a', '1.5'],
        ['INCRBYFLOAT', 'k', '1.5'],
        ['APPEND', 'a', 'x'],
        ['APPEND', 'z', 'x'],
        ['SETRANGE', 'a', '1', 'yy'],
        ['SETRANGE', 'a', '1', ''],
        ['SETRANGE', 'nope', '1', ''],
        ['STRLEN', 'a'],
        ['STRLEN', 'nope'],
        ['GETRANGE', 'a', '0', '1'],
        ['GETRANGE', 'nope', '0', '1'],
        ['GETRANGE', 'a', 'x', '1'],
        ['GETSET', 'a', 'q'],
        ['GETSET', 'fresh', 'q'],
        ['GETDEL', 'fresh'],
        ['GETDEL', 'fresh'],
        ['GETEX', 'a'],
        ['GETEX', 'a', 'PERSIST'],
        ['GETEX', 'a', 'EX', '100'],
        ['GETEX', 'a', 'PERSIST'],
        ['GETEX', 'a', 'EXAT', '1'],
        ['GETEX', 'nope', 'EX', '100'],
        ['LCS', 'b', 'c'],
        ['LCS', 'b', 'nope'],
        ['SET', 'gone', 'v', 'PXAT', '1'],
        ['GET', 'gone'],
        ['SET', 'gone', 'v', 'PXAT', '1'],
        ['SET', 'gone', 'w'],
        ['SET', 'gone', 'v', 'PXAT', '1'],
        ['INCR', 'gone'],
        ['SET', 'gone', 'v', 'PXAT', '1'],
        ['MSETNX', 'gone', 'x'],
      ];
      const [nodis, redis] = await d.withPair(async (p) => [await effects(p.nodis, steps), await effects(p.redis, steps)]);
      for (let i = 0; i < steps.length; i++) {
        assert.deepEqual(nodis[i], redis[i], `effects of ${JSON.stringify(steps[i])} [dirty, hits, misses, expired]`);
      }
    });
  });
});

describe('string commands under a small proto-max-bulk-len', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.startWith({ 'proto-max-bulk-len': '1048576' }));
  after(() => d.stop());

  it('refuse to grow strings past it', async () => {
    const big = 'x'.repeat(1024 * 1024 - 2);
    await d.check([
      ['SET', 'k', big],
      ['APPEND', 'k', 'ab'],
      ['APPEND', 'k', 'c'],
      ['STRLEN', 'k'],
      ['SETRANGE', 'k', '1048575', 'z'],
      ['SETRANGE', 'k', '1048576', 'z'],
      ['SETRANGE', 'k', '1048575', 'zz'],
      ['SETRANGE', 'n', '1048576', 'z'],
      ['SETRANGE', 'n', '1048575', 'z'],
      ['STRLEN', 'n'],
      ['APPEND', 'fresh', 'abc'],
    ]);
  });

  it('bound the LCS table by it', async () => {
    await d.check([
      ['SET', 'a', 'a'.repeat(511)],
      ['SET', 'b', 'a'.repeat(511)],
      ['LCS', 'a', 'b', 'LEN'],
      ['SET', 'b', 'a'.repeat(512)],
      ['LCS', 'a', 'b', 'LEN'],
      ['SET', 'a', 'a'.repeat(512)],
      ['LCS', 'a', 'b', 'LEN'],
    ]);
  });
});

describe('string values inside nodis', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  async function nodisCall(...cmd: string[]): Promise<string | null> {
    const n = await RawConnection.open({ port: d.nodis.port });
    try {
      return await n.call(...cmd);
    } finally {
      n.close();
    }
  }

  it('keep the encodings Redis reports', async () => {
    const keys = ['int', 'emb', 'app', 'app2', 'sr', 'sr2', 'f', 'f2', 'c', 'c2', 'i'];
    await d.check([
      ['SET', 'int', '123'],
      ['SET', 'emb', 'hello'],
      ['APPEND', 'app', '12'],
      ['SET', 'app2', '12'],
      ['APPEND', 'app2', '3'],
      ['SETRANGE', 'sr', '0', 'ab'],
      ['SET', 'sr2', 'abc'],
      ['SETRANGE', 'sr2', '0', ''],
      ['SET', 'f', '1.5'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['SET', 'f2', '1'],
      ['INCRBYFLOAT', 'f2', '0.25'],
      ['SET', 'c', 'abc'],
      ['APPEND', 'c', 'd'],
      ['INCRBYFLOAT', 'c2', '3'],
      ['APPEND', 'c2', '4'],
      ['SET', 'i', '5'],
      ['APPEND', 'i', '5'],
      ['INCR', 'i'],
      ...keys.map((k) => ['OBJECT', 'ENCODING', k]),
    ]);
    // What Redis 7.0 answers to OBJECT ENCODING for that sequence.
    const encodings: string[] = [];
    for (const k of keys) encodings.push(bulkText(await nodisCall('OBJECT', 'ENCODING', k)));
    assert.deepEqual(encodings, ['int', 'embstr', 'int', 'raw', 'raw', 'embstr', 'embstr', 'embstr', 'raw', 'raw', 'int']);
    assert.equal(await nodisCall('GET', 'c2'), '$2\r\n34\r\n');
  });

  it('grow a raw string in place', async () => {
    const db = d.nodis.server.dbs[0];
    assert.equal(await nodisCall('FLUSHALL'), '+OK\r\n');
    await nodisCall('APPEND', 'k', 'ab');
    await nodisCall('APPEND', 'k', 'cd');
    const v = db.dict.get('k');
    assert.ok(v instanceof RawString);
    await nodisCall('APPEND', 'k', 'ef');
    await nodisCall('SETRANGE', 'k', '8', 'gh');
    assert.equal(db.dict.get('k'), v);
    assert.equal((v as RawString).s, 'abcdef\0\0gh');
  });

  it('expire with the server clock', async () => {
    const db = d.nodis.server.dbs[0];
    assert.equal(await nodisCall('FLUSHALL'), '+OK\r\n');
    await nodisCall('SET', 'a', 'v', 'EX', '10');
    await nodisCall('PSETEX', 'b', '500', 'v');
    await nodisCall('SET', 'c', 'v');
    await nodisCall('GETEX', 'c', 'PX', '1500');
    await nodisCall('SET', 'd', 'v', 'PX', '100');
    await nodisCall('GETEX', 'd', 'PERSIST');
    d.nodis.clock.advance(1000);
    assert.equal(await nodisCall('GET', 'a'), '$1\r\nv\r\n');
    assert.equal(await nodisCall('GET', 'b'), '$-1\r\n');
    assert.equal(await nodisCall('GET', 'c'), '$1\r\nv\r\n');
    assert.equal(await nodisCall('GET', 'd'), '$1\r\nv\r\n');
    d.nodis.clock.advance(1000);
    assert.equal(await nodisCall('GET', 'c'), '$-1\r\n');
    assert.equal(await nodisCall('GETEX', 'a', 'EXAT', String(Math.floor(d.nodis.clock.now() / 1000) - 1)), '$1\r\nv\r\n');
    assert.equal(db.dict.has('a'), false);
    d.nodis.clock.advance(10000);
    assert.equal(await nodisCall('GET', 'a'), '$-1\r\n');
  });

  it('signal WATCH on every change', async () => {
    const db = d.nodis.server.dbs[0];
    assert.equal(await nodisCall('FLUSHALL'), '+OK\r\n');
    await nodisCall('SET', 'k', '1');
    for (const cmd of [
      ['APPEND', 'k', 'x'],
      ['SETRANGE', 'k', '0', 'y'],
      ['SET', 'k', '5'],
      ['INCR', 'k'],
      ['INCRBYFLOAT', 'k', '1'],
      ['GETSET', 'k', '1'],
      ['GETEX', 'k', 'EX', '100'],
      ['GETEX', 'k', 'PERSIST'],
      ['MSET', 'k', '2'],
      ['GETDEL', 'k'],
    ]) {
      const watcher = { casDirty: false, watching: null };
      db.watch(watcher, 'k');
      await nodisCall(...cmd);
      unwatchAll(watcher);
      assert.equal(watcher.casDirty, true, `${cmd.join(' ')} signals the key`);
    }
  });
});
