// Set commands, checked against real Redis byte for byte: every command's normal use, options
// and errors, missing keys, wrong types, binary members, Redis 7.0's encodings (intset and
// hashtable) and their conversions, the keyspace events and the replication stream (SPOP's
// rewrites included); plus nodis-only checks of what is random (SPOP, SRANDMEMBER).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite, splitAggregate, bulkPayload, isError, scanPage, sorted, type Pair, type Step, type StepLike } from '../helpers/differential.js';
import { RawConnection, bulkText } from '../helpers/resp.js';
import { startServer } from '../../src/embed.js';
import { localServer } from '../helpers/local.js';
import { SetValue, compareIntStrings } from '../../src/types/set.js';
import { lengthOnly } from '../helpers/collections.js';
import { unwatchAll } from '../../src/keyspace/db.js';

const BINARY = '\x00\x01\xff\r\n\x80 \xe9\x00';
const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';

function range(n: number, prefix = ''): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

const AGAINST_STRING: string[][] = [
  ['SADD', 's', 'a'], ['SREM', 's', 'a'], ['SCARD', 's'], ['SISMEMBER', 's', 'a'], ['SMISMEMBER', 's', 'a', 'b'],
  ['SMEMBERS', 's'], ['SRANDMEMBER', 's'], ['SRANDMEMBER', 's', '3'], ['SRANDMEMBER', 's', '-3'], ['SPOP', 's'], ['SPOP', 's', '2'],
  ['SPOP', 's', '0'], ['SMOVE', 's', 'set', 'a'], ['SMOVE', 'set', 's', 'a'], ['SINTER', 'set', 's'], ['SINTER', 'nokey', 's'],
  ['SINTERCARD', '2', 'set', 's'], ['SINTERSTORE', 'd', 'set', 's'], ['SUNION', 'set', 's'], ['SUNIONSTORE', 'd', 's'],
  ['SDIFF', 's', 'set'], ['SDIFF', 'set', 's'], ['SDIFFSTORE', 'd', 'nokey', 's'], ['SSCAN', 's', '0'], ['SSCAN', 's', '0', 'COUNT', '0'],
];

describe('set commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  describe('SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS', () => {
    it('add, test and remove members, binary and empty ones too', async () => {
      await d.check([
        ['SADD', 's', 'a', 'b', 'a', 'c'],
        ['SADD', 's', 'a'],
        ['SADD', 's', BINARY, '', 'd'],
        ['SCARD', 's'],
        ['SCARD', 'nope'],
        ['SISMEMBER', 's', 'a'],
        ['SISMEMBER', 's', BINARY],
        ['SISMEMBER', 's', ''],
        ['SISMEMBER', 's', 'z'],
        ['SISMEMBER', 'nope', 'a'],
        ['SMISMEMBER', 's', 'a', 'z', '', BINARY, 'a'],
        ['SMISMEMBER', 'nope', 'a', 'b'],
        { cmd: ['SMEMBERS', 's'], unordered: true },
        ['SMEMBERS', 'nope'],
        ['SREM', 's', 'a', 'z', 'a'],
        ['SREM', 'nope', 'a'],
        ['SREM', 's', 'b', 'c', BINARY, '', 'd', 'more'],
        ['EXISTS', 's'],
        { cmd: ['SADD', 's'], error: true },
        { cmd: ['SREM', 's'], error: true },
        { cmd: ['SISMEMBER', 's'], error: true },
        { cmd: ['SMISMEMBER', 's'], error: true },
        { cmd: ['SCARD', 's', 'x'], error: true },
        { cmd: ['SMEMBERS', 's', 'x'], error: true },
      ]);
    });

    it('answer sets in RESP3', async () => {
      await d.check([['SMEMBERS', 'nope'], ['SADD', 's', '3', '1', '2'], ['SMEMBERS', 's'], ['SADD', 't', 'x'], ['SMEMBERS', 't'], ['SMISMEMBER', 's', '1', '5']], { resp3: true });
    });

    it('list an intset in numeric order', async () => {
      await d.check([
        ['SADD', 's', '10', '-3', '7', INT64_MAX, INT64_MIN, '0', '100000', '-100000', '5000000000'],
        ['SMEMBERS', 's'],
        ['SREM', 's', '7', '07', '+10', '10.0'],
        ['SMEMBERS', 's'],
        ['SISMEMBER', 's', '-3'],
        ['SISMEMBER', 's', '-03'],
        ['SISMEMBER', 's', '9223372036854775808'],
        ['SMISMEMBER', 's', '0', '-0', ' 0', INT64_MIN],
      ]);
    });
  });

  describe('encodings', () => {
    it('an intset while every member is an integer, a hashtable after', async () => {
      await d.check([
        ['SADD', 'i', '1', '2', '3'],
        ['OBJECT', 'ENCODING', 'i'],
        ['SADD', 'i', '9223372036854775808'],
        ['OBJECT', 'ENCODING', 'i'],
        ['SREM', 'i', '9223372036854775808'],
        ['OBJECT', 'ENCODING', 'i'],
        ['SADD', 'lead', '01'],
        ['OBJECT', 'ENCODING', 'lead'],
        ['SADD', 'neg0', '-0'],
        ['OBJECT', 'ENCODING', 'neg0'],
        ['SADD', 'plus', '+1'],
        ['OBJECT', 'ENCODING', 'plus'],
        ['SADD', 'mixed', '1', 'a'],
        ['OBJECT', 'ENCODING', 'mixed'],
        ['SADD', 'first', 'a', '1'],
        ['OBJECT', 'ENCODING', 'first'],
        ['SADD', 'empty', ''],
        ['OBJECT', 'ENCODING', 'empty'],
      ]);
    });

    it('converts past set-max-intset-entries, and never back', async () => {
      await d.withConfig({ 'set-max-intset-entries': '4' }, () =>
        d.check([
          ['SADD', 's', '1', '2', '3', '4'],
          ['OBJECT', 'ENCODING', 's'],
          ['SADD', 's', '5'],
          ['OBJECT', 'ENCODING', 's'],
          ['SREM', 's', '1', '2', '3'],
          ['OBJECT', 'ENCODING', 's'],
          ['SADD', 't', '1', '2', '3', '4', '5'],
          ['OBJECT', 'ENCODING', 't'],
          ['CONFIG', 'SET', 'set-max-intset-entries', '0'],
          ['SADD', 'z', '1'],
          ['OBJECT', 'ENCODING', 'z'],
        ]),
      );
    });

    it('results of SINTERSTORE SUNIONSTORE SDIFFSTORE and SPOP get the encoding Redis gives them', async () => {
      await d.withConfig({ 'set-max-intset-entries': '20' }, () =>
        d.check([
          ['SADD', 'ints', ...range(30)],
          ['SADD', 'mixed', ...range(10), 'a', 'b'],
          ['SADD', 'few', '1', '2', 'x'],
          ['SINTERSTORE', 'd1', 'ints', 'mixed'],
          ['OBJECT', 'ENCODING', 'd1'],
          ['SUNIONSTORE', 'd2', 'few', 'mixed'],
          ['OBJECT', 'ENCODING', 'd2'],
          ['SUNIONSTORE', 'd3', 'ints'],
          ['OBJECT', 'ENCODING', 'd3'],
          // SDIFF's first algorithm adds only what is left (an intset); its second adds the whole
          // first set and removes the rest (a hashtable if the first set needed one).
          ['SDIFFSTORE', 'd4', 'mixed', 'few'],
          ['OBJECT', 'ENCODING', 'd4'],
          ['SDIFFSTORE', 'd5', 'mixed', 'ints', 'few'],
          ['OBJECT', 'ENCODING', 'd5'],
          { cmd: ['SMEMBERS', 'd5'], unordered: true },
          ['SADD', 'big', ...range(5), ...range(50, 'x')],
          ['SADD', 'sub', ...range(50, 'x')],
          ['SDIFFSTORE', 'd6', 'big', 'sub'],
          ['OBJECT', 'ENCODING', 'd6'],
          ['SDIFFSTORE', 'd7', 'big', 'sub', 'sub'],
          ['OBJECT', 'ENCODING', 'd7'],
          { cmd: ['SMEMBERS', 'd7'], unordered: true },
          ['SMOVE', 'mixed', 'moved', '5'],
          ['OBJECT', 'ENCODING', 'moved'],
          ['SMOVE', 'mixed', 'moved2', 'a'],
          ['OBJECT', 'ENCODING', 'moved2'],
          // SPOP of nearly everything builds a new set of what stays: here an intset.
          ['SADD', 'pop', 'a', ...range(5)],
          ['SREM', 'pop', 'a'],
          { cmd: ['SPOP', 'pop', '4'], norm: lengthOnly },
          ['OBJECT', 'ENCODING', 'pop'],
          // Popping a few keeps the set as it is.
          ['SADD', 'pop2', 'a', ...range(20)],
          ['SREM', 'pop2', 'a'],
          { cmd: ['SPOP', 'pop2', '2'], norm: lengthOnly },
          ['OBJECT', 'ENCODING', 'pop2'],
        ]),
      );
    });

    it('keeps the encoding through COPY, DEBUG RELOAD and DUMP/RESTORE (intset payloads are Redis\'s)', async () => {
      await d.withPair(async (p) => {
        await p.setup(['SADD', 'i16', '1', '-2', '300'], ['SADD', 'i32', '1', '70000'], ['SADD', 'i64', '1', INT64_MAX, INT64_MIN]);
        // An intset keeps its widest encoding after the wide member goes.
        await p.setup(['SADD', 'shrunk', '5', '5000000000'], ['SREM', 'shrunk', '5000000000']);
        await p.setup(['SADD', 'ht', 'a', 'b', '1'], ['SADD', 'bigint', ...range(600)], ['SADD', 'onlyints', 'x', '1', '2'], ['SREM', 'onlyints', 'x']);
        for (const k of ['i16', 'i32', 'i64', 'shrunk', 'ht', 'bigint', 'onlyints']) {
          await p.do('COPY', k, `${k}-copy`);
          await p.do('OBJECT', 'ENCODING', `${k}-copy`);
        }
        await p.do('SADD', 'i16-copy', 'new');
        await p.do('SMEMBERS', 'i16');
        for (const k of ['i16', 'i32', 'i64', 'shrunk']) {
          const payload = bulkText(await p.do('DUMP', k));
          await p.do('RESTORE', `${k}-r`, '0', payload);
          await p.do('OBJECT', 'ENCODING', `${k}-r`);
          await p.do('SMEMBERS', `${k}-r`);
        }
        for (const k of ['ht', 'bigint', 'onlyints']) {
          const [pn, pr] = await p.both('DUMP', k);
          await p.do('RESTORE', `${k}-n`, '0', bulkText(pn));
          await p.do('RESTORE', `${k}-r`, '0', bulkText(pr));
          for (const r of [`${k}-n`, `${k}-r`]) {
            // A hashtable of integers comes back as an intset when small enough.
            await p.do('OBJECT', 'ENCODING', r);
            await p.unordered('SMEMBERS', r);
          }
        }
        await p.do('DEBUG', 'RELOAD');
        for (const k of ['i16', 'i32', 'i64', 'shrunk', 'ht', 'bigint', 'onlyints', 'shrunk-r']) {
          await p.do('OBJECT', 'ENCODING', k);
          await p.unordered('SMEMBERS', k);
        }
        // The widths survive the reload too.
        await p.do('DUMP', 'shrunk');
      });
    });

    it('an intset RESTOREd past set-max-intset-entries becomes a hashtable', async () => {
      await d.withPair(async (p) => {
        await p.setup(['SADD', 's', '1', '2', '3']);
        const payload = bulkText(await p.do('DUMP', 's'));
        await d.withConfig({ 'set-max-intset-entries': '2' }, async () => {
          await p.do('RESTORE', 'r', '0', payload);
          await p.do('OBJECT', 'ENCODING', 'r');
        });
      });
    });
  });

  describe('SMOVE', () => {
    it('moves members between sets', async () => {
      await d.check([
        ['SADD', 'a', '1', '2', 'x'],
        ['SADD', 'b', '3'],
        ['SMOVE', 'a', 'b', '1'],
        ['SMOVE', 'a', 'b', 'nope'],
        ['SMOVE', 'a', 'b', '3'],
        ['SMOVE', 'nokey', 'b', '3'],
        ['SMOVE', 'a', 'a', '2'],
        ['SMOVE', 'a', 'a', 'nope'],
        ['SMOVE', 'a', 'new', 'x'],
        ['SMOVE', 'a', 'new', '2'],
        ['EXISTS', 'a'],
        { cmd: ['SMEMBERS', 'b'], unordered: true },
        { cmd: ['SMEMBERS', 'new'], unordered: true },
        ['SET', 'str', 'v'],
        ['SADD', 'c', '1'],
        ['SMOVE', 'c', 'str', '1'],
        ['SMOVE', 'str', 'c', '1'],
        ['SMOVE', 'nokey', 'str', '1'],
        ['SMOVE', 'c', 'str', 'nope'],
        { cmd: ['SMOVE', 'c', 'b'], error: true },
      ]);
    });
  });

  describe('SRANDMEMBER and SPOP', () => {
    it('answer missing keys, zero counts and errors as Redis', async () => {
      await d.check([
        ['SRANDMEMBER', 'nope'],
        ['SRANDMEMBER', 'nope', '5'],
        ['SRANDMEMBER', 'nope', '-5'],
        ['SPOP', 'nope'],
        ['SPOP', 'nope', '5'],
        ['SPOP', 'nope', '0'],
        ['SADD', 's', 'a'],
        ['SRANDMEMBER', 's'],
        ['SRANDMEMBER', 's', '0'],
        ['SRANDMEMBER', 's', '1'],
        ['SRANDMEMBER', 's', '-3'],
        ['SRANDMEMBER', 's', '5'],
        ['SRANDMEMBER', 's', 'x'],
        ['SRANDMEMBER', 's', INT64_MIN],
        ['SRANDMEMBER', 's', INT64_MAX],
        ['SRANDMEMBER', 's', '1', '2'],
        ['SPOP', 's', '0'],
        ['SPOP', 's', '-1'],
        ['SPOP', 's', 'x'],
        ['SPOP', 's', '1', '2'],
        ['SPOP', 's', '9223372036854775808'],
        ['SPOP', 's', INT64_MAX],
        ['EXISTS', 's'],
        ['SPOP', 'nope', 'x'],
        ['SRANDMEMBER', 'nope', 'x'],
        ['SADD', 't', 'b'],
        ['SPOP', 't'],
        ['EXISTS', 't'],
      ]);
      await d.check([['SPOP', 'nope'], ['SPOP', 'nope', '3'], ['SRANDMEMBER', 'nope'], ['SRANDMEMBER', 'nope', '3'], ['SADD', 's', 'a'], ['SPOP', 's', '0'], ['SPOP', 's', '5'], ['SADD', 's', '1'], ['SRANDMEMBER', 's', '-2']], { resp3: true });
    });

    it('answer the whole set for a count at least its size', async () => {
      await d.check([
        ['SADD', 's', '3', '1', '2'],
        ['SRANDMEMBER', 's', '3'],
        ['SRANDMEMBER', 's', '10'],
        ['SPOP', 's', '3'],
        ['EXISTS', 's'],
        ['SADD', 'big', ...range(700, 'm')],
        { cmd: ['SRANDMEMBER', 'big', '1000'], unordered: true },
        { cmd: ['SPOP', 'big', '1000'], unordered: true },
        ['EXISTS', 'big'],
      ]);
    });

    it('answer random picks of the right size', async () => {
      const steps: StepLike[] = [['SADD', 'small', ...range(5)], ['SADD', 'strs', ...range(5, 'x')], ['SADD', 'big', ...range(700, 'm')]];
      for (const key of ['small', 'strs', 'big']) {
        for (const count of ['1', '2', '4', '-1', '-10', '-1000']) steps.push({ cmd: ['SRANDMEMBER', key, count], norm: lengthOnly });
        steps.push({ cmd: ['SRANDMEMBER', key], typeOnly: true });
      }
      steps.push({ cmd: ['SPOP', 'big', '10'], norm: lengthOnly }, ['SCARD', 'big'], { cmd: ['SPOP', 'big', '600'], norm: lengthOnly }, ['SCARD', 'big']);
      steps.push({ cmd: ['SPOP', 'small'], typeOnly: true }, ['SCARD', 'small'], { cmd: ['SPOP', 'strs', '4'], norm: lengthOnly }, ['SCARD', 'strs']);
      await d.check(steps);
      await d.check(steps, { resp3: true });
    });
  });

  describe('SINTER SINTERCARD SINTERSTORE', () => {
    const sets: StepLike[] = [
      ['SADD', 'a', '1', '2', '3', '4', 'x', 'y'],
      ['SADD', 'b', '2', '3', '4', '5', 'y'],
      ['SADD', 'c', '3', '4', '5', 'y', 'z'],
      ['SADD', 'ia', '1', '2', '3', '4'],
      ['SADD', 'ib', '3', '4', '5'],
      ['SET', 'str', 'v'],
    ];

    it('intersect', async () => {
      await d.check([
        ...sets,
        { cmd: ['SINTER', 'a', 'b', 'c'], unordered: true },
        { cmd: ['SINTER', 'a', 'b'], unordered: true },
        ['SINTER', 'ia', 'ib'],
        { cmd: ['SINTER', 'ia', 'c'], unordered: true },
        { cmd: ['SINTER', 'a'], unordered: true },
        { cmd: ['SINTER', 'a', 'a'], unordered: true },
        ['SINTER', 'a', 'nokey'],
        ['SINTER', 'nokey', 'a'],
        ['SINTER', 'nokey', 'str'],
        ['SINTER', 'a', 'str'],
        ['SINTERCARD', '3', 'a', 'b', 'c'],
        ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '2'],
        ['SINTERCARD', '2', 'a', 'b', 'limit', '0'],
        ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '100'],
        ['SINTERCARD', '1', 'a'],
        ['SINTERCARD', '1', 'nokey'],
        ['SINTERCARD', '2', 'a', 'nokey'],
        ['SINTERCARD', '2', 'nokey', 'str'],
        ['SINTERCARD', '0', 'a'],
        ['SINTERCARD', '-1', 'a'],
        ['SINTERCARD', 'x', 'a'],
        ['SINTERCARD', '3', 'a', 'b'],
        ['SINTERCARD', '1', 'a', 'LIMIT'],
        ['SINTERCARD', '1', 'a', 'LIMIT', '-1'],
        ['SINTERCARD', '1', 'a', 'LIMIT', 'x'],
        ['SINTERCARD', '1', 'a', 'LIMIT', '1', 'LIMIT', '2'],
        ['SINTERCARD', '1', 'a', 'FOO'],
        ['SINTERCARD', '2', 'a', 'LIMIT', '1'],
        { cmd: ['SINTERCARD', '1'], error: true },
        { cmd: ['SINTER'], error: true },
      ]);
      await d.check([...sets, ['SINTER', 'ia', 'ib'], ['SINTER', 'a', 'nokey']], { resp3: true });
    });

    it('SINTERSTORE stores, replaces and deletes', async () => {
      await d.check([
        ...sets,
        ['SINTERSTORE', 'd', 'a', 'b'],
        { cmd: ['SMEMBERS', 'd'], unordered: true },
        ['SINTERSTORE', 'str', 'ia', 'ib'],
        ['TYPE', 'str'],
        ['SMEMBERS', 'str'],
        ['SET', 'v', 'x', 'EX', '100'],
        ['SINTERSTORE', 'v', 'ia', 'ib'],
        ['TTL', 'v'],
        ['SINTERSTORE', 'd', 'a', 'nokey'],
        ['EXISTS', 'd'],
        ['SINTERSTORE', 'd', 'ia', 'x'],
        ['SINTERSTORE', 'v', 'ia', 'c', 'b'],
        ['SINTERSTORE', 'v', 'x', 'y'],
        ['EXISTS', 'v'],
        ['SADD', 's2', 'q'],
        ['SINTERSTORE', 's2', 's2', 'a'],
        ['EXISTS', 's2'],
        ['SINTERSTORE', 'd', 'a', 'str'],
        { cmd: ['SINTERSTORE', 'd'], error: true },
      ]);
    });
  });

  describe('SUNION SDIFF and their STORE forms', () => {
    const sets: StepLike[] = [
      ['SADD', 'a', '1', '2', '3', 'x'],
      ['SADD', 'b', '2', '3', '4', 'y'],
      ['SADD', 'ia', '5', '1', '3'],
      ['SADD', 'ib', '3', '-1'],
      ['SET', 'str', 'v'],
    ];

    it('union and difference', async () => {
      await d.check([
        ...sets,
        { cmd: ['SUNION', 'a', 'b'], unordered: true },
        ['SUNION', 'ia', 'ib'],
        ['SUNION', 'ia', 'nokey'],
        ['SUNION', 'nokey'],
        ['SUNION', 'nokey', 'str'],
        ['SUNION', 'a', 'str'],
        { cmd: ['SDIFF', 'a', 'b'], unordered: true },
        { cmd: ['SDIFF', 'b', 'a'], unordered: true },
        ['SDIFF', 'ia', 'ib'],
        ['SDIFF', 'ia', 'nokey', 'ib'],
        ['SDIFF', 'nokey', 'a'],
        ['SDIFF', 'a', 'a'],
        ['SDIFF', 'a', 'b', 'a'],
        ['SDIFF', 'nokey', 'nokey'],
        { cmd: ['SDIFF', 'a'], unordered: true },
        ['SDIFF', 'a', 'str'],
        ['SDIFF', 'str', 'a'],
        ['SDIFF', 'nokey', 'str'],
        { cmd: ['SUNION'], error: true },
        { cmd: ['SDIFF'], error: true },
      ]);
      await d.check([...sets, ['SUNION', 'ia', 'ib'], ['SDIFF', 'ia', 'ib'], ['SUNION', 'nokey'], ['SDIFF', 'nokey']], { resp3: true });
    });

    it('store, replace and delete the destination', async () => {
      await d.check([
        ...sets,
        ['SUNIONSTORE', 'd', 'a', 'b'],
        { cmd: ['SMEMBERS', 'd'], unordered: true },
        ['SUNIONSTORE', 'd', 'nokey'],
        ['EXISTS', 'd'],
        ['SDIFFSTORE', 'd', 'ia', 'ib'],
        ['SMEMBERS', 'd'],
        ['SDIFFSTORE', 'd', 'a', 'a'],
        ['EXISTS', 'd'],
        ['SUNIONSTORE', 'str', 'ia'],
        ['TYPE', 'str'],
        ['SDIFFSTORE', 'ia', 'ia', 'ib'],
        ['SMEMBERS', 'ia'],
        ['SUNIONSTORE', 'x', 'a', 'str2'],
        ['SET', 'str2', 'x'],
        ['SUNIONSTORE', 'x', 'a', 'str2'],
        ['SDIFFSTORE', 'x', 'str2', 'a'],
        { cmd: ['SUNIONSTORE', 'x'], error: true },
        { cmd: ['SDIFFSTORE', 'x'], error: true },
      ]);
    });
  });

  describe('SSCAN', () => {
    it('iterates an intset in one call and a hashtable with cursors', async () => {
      await d.withPair(async (p) => {
        await p.setup(['SADD', 'ints', '3', '1', '2', '100', '-5']);
        await p.do('SSCAN', 'ints', '0');
        await p.do('SSCAN', 'ints', '0', 'COUNT', '1');
        await p.do('SSCAN', 'ints', '0', 'MATCH', '1*');
        await p.do('SSCAN', 'ints', '0', 'MATCH', '-*');
        await p.setup(['SADD', 'big', ...range(1000, 'm')]);
        assert.equal((await p.scanAll('SSCAN', 'big', '0')).length, 1000);
        assert.equal((await p.scanAll('SSCAN', 'big', '0', 'COUNT', '3')).length, 1000);
        assert.deepEqual(await p.scanAll('SSCAN', 'big', '0', 'MATCH', 'm99*', 'COUNT', '100'), ['m99', 'm990', 'm991', 'm992', 'm993', 'm994', 'm995', 'm996', 'm997', 'm998', 'm999']);
        await p.setup(['SADD', 'bin', BINARY, '', 'x']);
        assert.deepEqual(await p.scanAll('SSCAN', 'bin', '0'), ['', BINARY, 'x'].sort());
      });
    });

    it('checks the cursor, then the key, then the options', async () => {
      await d.check([
        ['SSCAN', 'nope', '0'],
        ['SSCAN', 'nope', '0', 'COUNT', '0'],
        ['SSCAN', 'nope', 'x'],
        ['SADD', 's', 'a'],
        ['SSCAN', 's', 'x'],
        ['SSCAN', 's', '0', 'COUNT', '0'],
        ['SSCAN', 's', '0', 'COUNT', 'x'],
        ['SSCAN', 's', '0', 'MATCH'],
        ['SSCAN', 's', '0', 'TYPE', 'set'],
        ['SSCAN', 's', '0', 'match', 'a', 'count', '5'],
        { cmd: ['SSCAN', 's'], error: true },
      ]);
    });
  });

  describe('keys holding sets', () => {
    it('answers WRONGTYPE to every set command on a string, and string commands on a set', async () => {
      await d.check([['SET', 's', 'x'], ['SADD', 'set', 'a'], ...AGAINST_STRING.map((cmd) => ({ cmd, error: true })), { cmd: ['GET', 'set'], error: true }, { cmd: ['HGET', 'set', 'a'], error: true }, ['GET', 's'], ['SMEMBERS', 'set'], ['EXISTS', 'd']]);
    });

    it('TYPE, SCAN TYPE, RENAME, MOVE, COPY', async () => {
      await d.check([
        ['SADD', 's', 'a'],
        ['HSET', 'h', 'a', '1'],
        ['TYPE', 's'],
        ['SCAN', '0', 'TYPE', 'set'],
        ['SCAN', '0', 'TYPE', 'hash'],
        ['RENAME', 's', 's2'],
        ['SMEMBERS', 's2'],
        ['MOVE', 's2', '2'],
        ['SELECT', '2'],
        ['SMEMBERS', 's2'],
        ['COPY', 's2', 's3', 'DB', '0'],
        ['SELECT', '0'],
        ['SMEMBERS', 's3'],
      ]);
    });
  });

  describe('side effects', () => {
    const steps: StepLike[] = [
      ['SADD', 's', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
      ['SADD', 's', '1'],
      ['SREM', 's', '1', 'nope'],
      ['SREM', 's', 'nope'],
      ['SADD', 'one', 'x'],
      ['SPOP', 'one'],
      ['SADD', 'two', 'x', 'y'],
      { cmd: ['SPOP', 'two', '5'], unordered: true },
      ['SPOP', 'nokey'],
      ['SPOP', 'nokey', '2'],
      ['SADD', 'm', 'a', 'b'],
      ['SMOVE', 'm', 'n', 'a'],
      ['SMOVE', 'm', 'n', 'b'],
      ['SMOVE', 'n', 'n', 'a'],
      ['SMOVE', 'n', 'o', 'nope'],
      ['SADD', 'p', 'a', 'c'],
      ['SINTERSTORE', 'd', 'n', 'p'],
      ['SINTERSTORE', 'd', 'n', 'nokey'],
      ['SINTERSTORE', 'd', 'n', 'nokey'],
      ['SUNIONSTORE', 'd', 'n', 'p'],
      ['SUNIONSTORE', 'd', 'nokey'],
      ['SDIFFSTORE', 'd', 'p', 'n'],
      ['SDIFFSTORE', 'd', 'p', 'p'],
      ['SADD', 'e', 'a'],
      ['PEXPIREAT', 'e', '1'],
      ['SUNIONSTORE', 'e', 'p'],
      ['SINTER', 'missing', 'p'],
      ['SREM', 'p', 'a', 'c'],
    ];

    it('publishes the keyspace events Redis publishes', async () => {
      await d.check(steps, { events: true });
    });

    it('propagates what Redis propagates', async () => {
      await d.check(steps, { replication: true });
    });

    it('SPOP propagates the members it popped as SREMs (in MULTI/EXEC), or a DEL', async () => {
      // Which members SPOP takes is random: a set of one member, or a count that takes all,
      // gives the same stream on both servers.
      await d.capture(
        async (p) => {
          await p.setup(['SADD', 's', 'only']);
          await p.do('SPOP', 's');
          await p.setup(['SADD', 's', 'a']);
          await p.do('SPOP', 's', '1');
          await p.setup(['SADD', 's', 'a', 'b', 'c']);
          await p.unordered('SPOP', 's', '3');
        },
        { events: true, replication: true },
      );
    });
  });
});

describe('set commands, random sequences', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  const key = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c') }, { weight: 1, arbitrary: fc.constantFrom('str', 'nope') });
  const member = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -5, max: 12 }).map(String) },
    { weight: 2, arbitrary: fc.constantFrom('x', 'y', 'z', '', BINARY, '01', '-0', '+1') },
    { weight: 1, arbitrary: fc.constantFrom(INT64_MAX, INT64_MIN, '70000', '-3000000000', '9223372036854775808') },
  );
  const members = fc.array(member, { minLength: 1, maxLength: 5 });
  const keys = fc.array(key, { minLength: 1, maxLength: 3 });
  const count = fc.oneof(fc.integer({ min: -20, max: 20 }).map(String), fc.constantFrom('x', INT64_MIN));
  const unordered = (cmd: string[]): Step => ({ cmd, norm: sorted });
  const command: fc.Arbitrary<StepLike> = fc.oneof(
    fc.tuple(key, members).map(([k, ms]) => ['SADD', k, ...ms]),
    fc.tuple(key, members).map(([k, ms]) => ['SREM', k, ...ms]),
    fc.tuple(key, key, member).map(([a, b, m]) => ['SMOVE', a, b, m]),
    fc.tuple(key, member).map(([k, m]) => ['SISMEMBER', k, m]),
    fc.tuple(key, members).map(([k, ms]) => ['SMISMEMBER', k, ...ms]),
    key.map((k) => ['SCARD', k]),
    key.map((k) => unordered(['SMEMBERS', k])),
    keys.map((ks) => unordered(['SINTER', ...ks])),
    keys.map((ks) => unordered(['SUNION', ...ks])),
    keys.map((ks) => unordered(['SDIFF', ...ks])),
    fc.tuple(key, keys).map(([dst, ks]) => ['SINTERSTORE', dst, ...ks]),
    fc.tuple(key, keys).map(([dst, ks]) => ['SUNIONSTORE', dst, ...ks]),
    fc.tuple(key, keys).map(([dst, ks]) => ['SDIFFSTORE', dst, ...ks]),
    fc.tuple(keys, fc.option(count)).map(([ks, l]) => ['SINTERCARD', String(ks.length), ...ks, ...(l === null ? [] : ['LIMIT', l])]),
    fc.tuple(key, count).map(([k, n]): Step => ({ cmd: ['SRANDMEMBER', k, n], norm: lengthOnly })),
    key.map((k): Step => ({ cmd: ['SRANDMEMBER', k], typeOnly: true })),
    key.map((k) => ['SPOP', k]),
    fc.tuple(key, count).map(([k, n]) => ['SPOP', k, n]),
    key.map((k): Step => ({ cmd: ['SSCAN', k, '0', 'COUNT', '1000'], norm: scanPage })),
    key.map((k) => ['OBJECT', 'ENCODING', k]),
    fc.tuple(key, key).map(([a, b]) => ['COPY', a, b, 'REPLACE']),
    key.map((k) => ['DEL', k]),
  );

  /**
   * Runs the steps; SPOP takes random members, so after one both servers are given nodis's set
   * (deleted and built again on both, so their encodings agree too).
   */
  async function run(p: Pair, steps: StepLike[]): Promise<void> {
    for (const s of steps) {
      const cmd = Array.isArray(s) ? s : s.cmd;
      if (cmd[0] !== 'SPOP') {
        await p.step(s);
        continue;
      }
      const reply = await p.norm(lengthOnly, ...cmd);
      if (isError(reply)) continue;
      const left = splitAggregate((await p.nodis.call('SMEMBERS', cmd[1]))!).items.map(bulkPayload);
      await p.setup(['DEL', cmd[1]]);
      if (left.length) await p.setup(['SADD', cmd[1], ...left]);
    }
    for (const k of ['a', 'b', 'c']) await p.run([['TYPE', k], ['OBJECT', 'ENCODING', k], { cmd: ['SMEMBERS', k], norm: sorted }]);
  }

  for (const [title, limit] of [['default limits', '512'], ['a small set-max-intset-entries (conversions)', '4']]) {
    it(`match Redis (${title})`, async () => {
      await d.withConfig({ 'set-max-intset-entries': limit }, () =>
        fc.assert(
          fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), fc.boolean(), async (steps, resp3) => {
            await d.withPair((p) => run(p, [['SET', 'str', 'v'], ...steps]), { resp3 });
          }),
          { numRuns: 150 },
        ),
      );
    });
  }
});

describe('sets inside nodis', () => {
  it('SPOP with a count propagates one SREM per member in MULTI/EXEC', async () => {
    // (Which members are popped is random, so this is checked on nodis alone.)
    const server = await startServer({});
    const fed: string[][] = [];
    const feed = server.server.replication;
    const original = feed.feed.bind(feed);
    // Watch what the server hands to the stream.
    feed.createBacklog();
    feed.feed = (_dbid: number, argv: readonly string[]): void => {
      fed.push([...argv]);
    };
    const c = await RawConnection.open({ port: server.port });
    try {
      await c.call('SADD', 's', ...range(10, 'm'));
      fed.length = 0;
      const reply = await c.call('SPOP', 's', '3');
      const popped = splitAggregate(reply!).items.map(bulkPayload);
      assert.deepEqual(fed, [['MULTI'], ...popped.map((m) => ['SREM', 's', m]), ['EXEC']]);
      fed.length = 0;
      const last = bulkText(await c.call('SPOP', 's'));
      assert.deepEqual(fed, [['SREM', 's', last]]);
      fed.length = 0;
      await c.call('SPOP', 's', '100');
      assert.deepEqual(fed, [['DEL', 's']]);
    } finally {
      feed.feed = original;
      c.close();
      await server.close();
    }
  });

  it('SRANDMEMBER and SPOP pick distinct members for a positive count', () => {
    const { run } = localServer();
    run('SADD', 'ints', ...range(500));
    run('SADD', 'strs', ...range(1000, 'm'));
    for (const key of ['ints', 'strs']) {
      for (const count of [1, 2, 10, 100, 170, 400, 499]) {
        const items = splitAggregate(run('SRANDMEMBER', key, String(count))).items.map(bulkPayload);
        assert.equal(new Set(items).size, count, `SRANDMEMBER ${key} ${count}`);
        for (const m of items) assert.equal(run('SISMEMBER', key, m), ':1\r\n');
      }
    }
    const before = Number(run('SCARD', 'strs').slice(1, -2));
    const popped = splitAggregate(run('SPOP', 'strs', '900')).items.map(bulkPayload);
    assert.equal(new Set(popped).size, 900);
    for (const m of popped) assert.equal(run('SISMEMBER', 'strs', m), ':0\r\n');
    assert.equal(Number(run('SCARD', 'strs').slice(1, -2)), before - 900);
  });

  it('SRANDMEMBER and SPOP are uniform enough', () => {
    const { run } = localServer();
    for (const members of [['1', '2', '3', '4'], ['a', 'b', 'c', 'd']]) {
      run('DEL', 's');
      run('SADD', 's', ...members);
      const seen = new Map<string, number>();
      for (const m of splitAggregate(run('SRANDMEMBER', 's', '-40000')).items.map(bulkPayload)) seen.set(m, (seen.get(m) ?? 0) + 1);
      for (const n of seen.values()) assert.ok(n > 9000 && n < 11000, `a member picked ${n} times out of 40000`);
      const first = new Map<string, number>();
      for (let i = 0; i < 4000; i++) {
        run('DEL', 't');
        run('SADD', 't', ...members);
        const m = bulkText(run('SPOP', 't'));
        first.set(m, (first.get(m) ?? 0) + 1);
      }
      for (const n of first.values()) assert.ok(n > 800 && n < 1200, `SPOP took a member ${n} times out of 4000`);
    }
  });

  it('a set keeps its members through adds, removals and conversion', () => {
    let x = 11;
    for (const maxIntset of [512, 3]) {
      const s = SetValue.intset();
      const model = new Set<string>();
      for (let i = 0; i < 20000; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const m = x % 17 === 0 ? `s${x % 50}` : String((x % 400) - 200);
        if (x % 3 === 0) assert.equal(s.remove(m), model.delete(m));
        else {
          assert.equal(s.add(m, maxIntset), !model.has(m));
          model.add(m);
        }
        if (i % 500 === 0) {
          for (const v of model) assert.ok(s.has(v));
        }
      }
      assert.equal(s.size, model.size);
      assert.deepEqual(new Set(s.members()), model);
    }
  });

  it('orders integers by value, whatever their size', () => {
    const values = ['0', '-1', '1', '9', '10', '-10', '-9', INT64_MAX, INT64_MIN, '9223372036854775806', '-9223372036854775807', '12345678901234567'];
    const sorted = values.slice().sort(compareIntStrings);
    const expected = values.slice().sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    assert.deepEqual(sorted, expected);
  });

  it('signals WATCH on every change', () => {
    const { run, db } = localServer();
    run('SADD', 's', 'a', 'b', 'c', 'd', 'e');
    run('SADD', 'o', 'z');
    for (const cmd of [
      ['SADD', 's', 'f'],
      ['SREM', 's', 'f'],
      ['SPOP', 's'],
      ['SPOP', 's', '1'],
      ['SMOVE', 'o', 's', 'z'],
      ['SMOVE', 's', 'o', 'z'],
      ['SINTERSTORE', 's', 's', 'o'],
    ]) {
      const watcher = { casDirty: false, watching: null };
      db.watch(watcher, 's');
      run(...cmd);
      unwatchAll(watcher);
      assert.equal(watcher.casDirty, true, `${cmd.join(' ')} signals the key`);
    }
  });
});
