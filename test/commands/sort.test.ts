// SORT and SORT_RO, checked against real Redis byte for byte: numeric and ALPHA sorts of lists,
// sets and sorted sets, BY patterns (keys, hash fields, constants), LIMIT, GET, ASC/DESC, STORE
// (with its keyspace events and what it propagates), the errors, COMMAND GETKEYS, and a random
// comparison of BY … LIMIT with ties, where Redis's partial quicksort decides the order.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite, type StepLike } from '../helpers/differential.js';
import { partialSort } from '../../src/util/pqsort.js';
import { strtodWhole } from '../../src/util/numbers.js';
import { localServer } from '../helpers/local.js';

const BINARY = 'a\x00b\xff\r\n';

describe('SORT and SORT_RO', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('sorts lists numerically, ALPHA, ASC and DESC', async () => {
    await d.check([
      ['RPUSH', 'l', '3', '1', '10', '2', '-5', '1.5', '1e2', ' 7', '0x10', 'inf', '-inf', '', '3'],
      ['SORT', 'l'],
      ['SORT', 'l', 'DESC'],
      ['SORT', 'l', 'ALPHA'],
      ['SORT', 'l', 'ALPHA', 'DESC'],
      ['SORT', 'l', 'desc', 'asc'],
      ['SORT_RO', 'l'],
      ['SORT_RO', 'l', 'ALPHA', 'DESC'],
      ['RPUSH', 'bin', BINARY, 'a\x00a', 'a', 'a\x00', 'b', '\xff', '\x80'],
      ['SORT', 'bin', 'ALPHA'],
      ['SORT', 'bin', 'ALPHA', 'DESC'],
      ['SORT', 'nokey'],
      ['SORT', 'nokey', 'ALPHA', 'LIMIT', '0', '10'],
    ]);
  });

  it('sorts sets, intsets and hashtables', async () => {
    await d.check([
      ['SADD', 'i', '5', '3', '-1', '100', '7'],
      ['SORT', 'i'],
      ['SORT', 'i', 'DESC', 'LIMIT', '1', '2'],
      ['SADD', 'h', 'b', 'a', 'c', 'aa', '10', '9'],
      ['SORT', 'h', 'ALPHA'],
      ['SORT', 'h', 'ALPHA', 'DESC', 'LIMIT', '2', '3'],
    ]);
  });

  it('sorts sorted sets; BY nosort keeps score order, with LIMIT from the ranks', async () => {
    const steps: StepLike[] = [
      ['ZADD', 'z', '1', 'a', '5', 'b', '2', 'c', '10', 'd', '3', 'e'],
      ['OBJECT', 'ENCODING', 'z'],
      ['SORT', 'z', 'ALPHA', 'DESC'],
      ['OBJECT', 'ENCODING', 'z'],
      ['SORT', 'z', 'BY', 'nosort', 'ASC'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC'],
      ['ZADD', 'n', '3', '10', '1', '2', '2', '1', '-inf', '7', '+inf', '-3'],
      ['SORT', 'n'],
      ['SORT', 'n', 'DESC', 'LIMIT', '1', '3'],
      ['SORT', 'n', 'BY', 'nosort', 'GET', '#', 'GET', 'w_*'],
      ['SET', 'w_1', '3'],
      ['SET', 'w_7', '-1'],
      ['SORT', 'n', 'BY', 'w_*'],
      ['SORT', 'n', 'BY', 'w_*', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'n', 'BY', 'nosort', 'DESC', 'LIMIT', '2', '2', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT_RO', 'n', 'BY', 'nosort', 'LIMIT', '4', '-1'],
    ];
    for (const [off, cnt] of [['0', '1'], ['0', '2'], ['5', '10'], ['-10', '100'], ['4', '1'], ['3', '0'], ['1', '3']]) {
      steps.push(['SORT', 'z', 'BY', 'nosort', 'ASC', 'LIMIT', off, cnt], ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', off, cnt]);
    }
    const big = ['ZADD', 'big'];
    for (let i = 0; i < 200; i++) big.push(String((i * 37) % 101), `m${i}`);
    steps.push(big, ['SORT', 'big', 'BY', 'nosort', 'LIMIT', '50', '20'], ['SORT', 'big', 'BY', 'nosort', 'DESC', 'LIMIT', '150', '70'], ['SORT', 'big', 'ALPHA', 'LIMIT', '10', '5']);
    await d.check(steps);
  });

  it('rejects weights that are not doubles', async () => {
    await d.check([
      ['SADD', 's', '1', '2', 'x'],
      { cmd: ['SORT', 's'], error: true },
      { cmd: ['SORT', 's', 'STORE', 'dst'], error: true },
      ['EXISTS', 'dst'],
      ['SORT', 's', 'ALPHA'],
    ]);
    for (const bad of ['nan', '5 ', '  ', '-', '1,5', '1e400', '1e-310', '4.9e-324', '1e-400', '0x', '0x1p', 'infinit']) {
      await d.check([['RPUSH', 'l', '1', '2'], ['SET', 'w_1', bad], ['SET', 'w_2', '1'], { cmd: ['SORT', 'l', 'BY', 'w_*'], error: true }]);
    }
    for (const good of ['', ' 5', '0x1p-1074', '2.5e-308', '0x10', 'inf', '-infinity', '5\x00junk', '+.5', '5.', '1e-300']) {
      await d.check([['RPUSH', 'l', '1', '2'], ['SET', 'w_1', good], ['SET', 'w_2', '1'], ['SORT', 'l', 'BY', 'w_*'], ['SORT', 'l', 'BY', 'w_*', 'DESC']]);
    }
  });

  it('BY keys and hash fields, GET patterns', async () => {
    await d.check([
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['MSET', 'w_a', '5', 'w_b', '1', 'w_c', '3', 'w_e', '-2'],
      ['HSET', 'h_a', 'f', '10', 'g', 'x'],
      ['HSET', 'h_b', 'f', '30'],
      ['HSET', 'h_c', 'f', '20'],
      ['SET', 'h_d', 'notahash'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SORT', 'l', 'BY', 'w_*', 'DESC'],
      ['SORT', 'l', 'BY', 'h_*->f'],
      ['SORT', 'l', 'BY', 'h_*->f', 'DESC', 'GET', '#', 'GET', 'h_*->f', 'GET', 'w_*', 'GET', 'h_*->g'],
      ['SORT', 'l', 'BY', 'w_*', 'GET', 'nostar', 'GET', '#'],
      ['SORT', 'l', 'BY', 'w_*', 'ALPHA'],
      ['SORT', 'l', 'BY', 'h_*->g', 'ALPHA'],
      ['SORT', 'l', 'BY', 'h_*->nofield'],
      ['SORT', 'l', 'GET', '#', 'GET', '#'],
      ['SORT', 'l', 'GET', 'w_*', 'BY', 'w_*', 'LIMIT', '1', '2'],
      ['SET', 'x:a->', '100'],
      ['SORT', 'l', 'BY', 'nosort', 'GET', 'x:*->'],
      ['SORT', 'l', 'BY', 'w_*', 'GET', '#\x00junk'],
      ['SET', 'p\x00a', 'nul'],
      ['SORT', 'l', 'BY', 'nosort', 'GET', 'p\x00*'],
      ['SORT', 'l', 'BY', 'nosort', 'GET', 'w_*->\x00f'],
      ['SORT', 'l', 'BY', 'w_*\x00', 'GET', '#'],
      ['SORT', 'l', 'BY', 'w\x00_*'],
      ['SORT_RO', 'l', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*'],
    ]);
  });

  it('BY with the same weights sub-sorts by the elements', async () => {
    const members = ['a', 'aa', 'aaa', 'azz', 'b', 'c', 'd', 'e', 'z'];
    await d.check([
      ['SADD', 's', ...members],
      ['SORT', 's', 'BY', 'score:*'],
      ['SORT', 's', 'BY', 'score:*', 'DESC'],
      ['RPUSH', 'l', 'z', 'b', 'a', 'b'],
      ['SORT', 'l', 'BY', 'nokey:*'],
      ['SORT', 'l', 'BY', 'nokey:*', 'ALPHA'],
      ['SORT', 'l', 'BY', 'nokey:*', 'ALPHA', 'DESC'],
      ['SORT', 'l', 'BY', 'nokey:*', 'ALPHA', 'LIMIT', '1', '2'],
    ]);
  });

  it('BY a constant keeps list order, with LIMIT taken from it', async () => {
    await d.check([
      ['LPUSH', 'l', '2', '1', '4', '3', '5'],
      ['SORT', 'l', 'BY', 'nosort'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '2'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '0', '0'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '10', '3'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '-10', '3'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '3', '-5'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '4', '100'],
      ['SORT', 'l', 'BY', 'nosort', 'BY', 'w_*'],
      ['SORT', 'l', 'BY', 'nosort', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '0', '3', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SADD', 's', 'c', 'a', 'b', 'aa'],
      ['SORT', 's', 'BY', 'nosort', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 's', 'BY', 'nosort', 'DESC', 'GET', '#', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SADD', 'i', '3', '1', '2'],
      ['SORT', 'i', 'BY', 'nosort'],
    ]);
  });

  it('LIMIT', async () => {
    const steps: StepLike[] = [['RPUSH', 'l', '5', '3', '9', '1', '7', '2']];
    for (const [off, cnt] of [['0', '2'], ['2', '2'], ['5', '10'], ['6', '1'], ['-1', '2'], ['0', '-1'], ['0', '0'], ['1', '-7'], ['9223372036854775807', '9223372036854775807'], ['-9223372036854775808', '2']]) {
      steps.push(['SORT', 'l', 'LIMIT', off, cnt], ['SORT', 'l', 'LIMIT', off, cnt, 'DESC'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', off, cnt]);
    }
    steps.push(
      { cmd: ['SORT', 'l', 'LIMIT', '1'], error: true },
      { cmd: ['SORT', 'l', 'LIMIT', 'x', '1'], error: true },
      { cmd: ['SORT', 'l', 'LIMIT', '1', 'x'], error: true },
      { cmd: ['SORT', 'l', 'LIMIT', '9223372036854775808', '1'], error: true },
    );
    await d.check(steps);
  });

  it('errors', async () => {
    await d.check([
      ['SET', 'str', 'x'],
      ['HSET', 'hash', 'f', 'v'],
      { cmd: ['SORT', 'str'], error: true },
      { cmd: ['SORT', 'hash'], error: true },
      { cmd: ['SORT_RO', 'str'], error: true },
      { cmd: ['SORT', 'str', 'BADOPT'], error: true },
      { cmd: ['SORT', 'nokey', 'BY'], error: true },
      { cmd: ['SORT', 'nokey', 'GET'], error: true },
      { cmd: ['SORT', 'nokey', 'STORE'], error: true },
      { cmd: ['SORT_RO', 'nokey', 'STORE', 'x'], error: true },
      ['SORT', 'nokey', 'ALPHA\x00x'],
      { cmd: ['SORT'], error: true },
      { cmd: ['SORT_RO'], error: true },
      ['SORT', 'str', 'STORE', 'str'],
    ]);
  });

  it('STORE: a list replacing the destination, or its deletion when empty', async () => {
    await d.check([
      ['RPUSH', 'l', 'b', 'a', 'c'],
      ['SET', 'dst', 'old', 'EX', '100'],
      ['SORT', 'l', 'ALPHA', 'STORE', 'dst'],
      ['TYPE', 'dst'],
      ['TTL', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['OBJECT', 'ENCODING', 'dst'],
      ['SORT', 'l', 'ALPHA', 'GET', '#', 'GET', 'missing_*', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'l', 'ALPHA', 'LIMIT', '10', '10', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
      ['SORT', 'nokey', 'STORE', 'dst'],
      ['SORT', 'l', 'ALPHA', 'STORE', 'l'],
      ['LRANGE', 'l', '0', '-1'],
      ['SORT', 'l', 'ALPHA', 'STORE', 'a', 'STORE', 'b'],
      ['EXISTS', 'a', 'b'],
      ['SORT', 'nokey', 'STORE', 'l'],
      ['EXISTS', 'l'],
    ]);
  });

  it('STORE: keyspace events and the replication stream', async () => {
    const steps: StepLike[] = [
      ['RPUSH', 'l', '3', '1', '2'],
      ['SORT', 'l', 'STORE', 'dst'],
      ['SORT', 'l', 'STORE', 'dst'],
      ['SORT', 'l'],
      ['SORT', 'l', 'BY', 'nokey_*', 'GET', 'nokey_*'],
      ['SORT', 'nokey', 'STORE', 'dst'],
      ['SORT', 'nokey', 'STORE', 'dst'],
      ['SADD', 's', 'b', 'a'],
      ['SORT', 's', 'BY', 'nosort', 'STORE', 'dst2'],
      ['SET', 'e', 'x'],
      ['PEXPIREAT', 'e', '1'],
      ['SORT', 'l', 'STORE', 'e'],
      ['SORT_RO', 'l'],
    ];
    await d.check(steps, { events: true, replication: true });
  });

  it('BY and GET look keys up as reads: keymiss events', async () => {
    await d.check(
      [
        ['RPUSH', 'l', '2', '1', '3'],
        ['SET', 'w_1', '5'],
        ['SORT', 'l', 'BY', 'w_*', 'GET', 'g_*', 'GET', '#', 'GET', 'h_*->f'],
        ['SORT', 'nokey', 'BY', 'w_*'],
        ['SORT', 'l', 'BY', 'nosort', 'GET', 'w_*'],
        ['SORT', 'l', 'BY', 'w_*', 'LIMIT', '0', '1', 'STORE', 'dst'],
      ],
      { events: 'KEAm' },
    );
  });

  it('a list past list-max-listpack-size, and a big set', async () => {
    const values = Array.from({ length: 300 }, (_, i) => String((i * 7919) % 1000));
    await d.check([
      ['RPUSH', 'l', ...values],
      ['SORT', 'l'],
      ['SORT', 'l', 'LIMIT', '100', '20'],
      ['SORT', 'l', 'ALPHA', 'DESC', 'LIMIT', '5', '50'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '150', '20'],
      ['SADD', 's', ...values.map((v) => `m${v}`)],
      ['SORT', 's', 'ALPHA'],
      ['SORT', 's', 'ALPHA', 'LIMIT', '10', '10', 'DESC'],
    ]);
  });

  it('RESP3: a missing GET is a null', async () => {
    await d.check([['RPUSH', 'l', '1', '2'], ['SET', 'w_1', 'x'], ['SORT', 'l', 'GET', 'w_*', 'GET', '#'], ['SORT', 'l', 'STORE', 'd']], { resp3: true });
  });

  it('COMMAND GETKEYS', async () => {
    await d.check([
      ['COMMAND', 'GETKEYS', 'SORT', 'abc', 'STORE', 'def'],
      ['COMMAND', 'GETKEYS', 'SORT', 'abc', 'STORE', 'invalid', 'STORE', 'stillbad', 'STORE', 'def'],
      ['COMMAND', 'GETKEYS', 'SORT', 'abc', 'LIMIT', 'store', 'x', 'STORE', 'def', 'GET', 'store'],
      ['COMMAND', 'GETKEYS', 'SORT_RO', 'abc'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'SORT', 'abc', 'STORE', 'def'],
      ['COMMAND', 'INFO', 'SORT', 'SORT_RO'],
    ]);
  });

  it('BY … LIMIT with ties comes out in Redis partial-quicksort order (random)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: -1, max: 80 }),
        fc.boolean(),
        async (weights, offset, count, desc) => {
          const steps: StepLike[] = [{ cmd: ['RPUSH', 'l', ...weights.map((_, i) => `e${i}`)], setup: true }];
          const mset: string[] = [];
          weights.forEach((w, i) => {
            if (w !== 0) mset.push(`w_e${i}`, `v${w}`);
          });
          if (mset.length) steps.push({ cmd: ['MSET', ...mset], setup: true });
          const tail = ['LIMIT', String(offset), String(count), ...(desc ? ['DESC'] : [])];
          steps.push(['SORT', 'l', 'BY', 'w_*', 'ALPHA', ...tail], ['SORT', 'l', 'BY', 'w_*', 'ALPHA', ...tail, 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1']);
          await d.check(steps);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('partialSort', () => {
  it('puts the right elements, sorted, in the range asked for', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), fc.nat(), fc.nat(), (xs, a, b) => {
        if (xs.length === 0) return;
        const left = a % xs.length;
        const right = left + (b % (xs.length - left));
        const got = xs.slice();
        partialSort(got, (x, y) => x - y, left, right);
        const want = xs.slice().sort((x, y) => x - y);
        assert.deepEqual(got.slice(left, right + 1), want.slice(left, right + 1));
      }),
    );
  });
});

describe('strtodWhole', () => {
  it('reads as glibc strtod with SORT checks', () => {
    assert.equal(strtodWhole(''), 0);
    assert.equal(strtodWhole(' 5'), 5);
    assert.equal(strtodWhole('5\x00x'), 5);
    assert.equal(strtodWhole('0x1p-1074'), 5e-324);
    assert.equal(strtodWhole('-inf'), -Infinity);
    for (const bad of ['nan', '5 ', ' ', '-', '1e400', '1e-310', '1e-400', '0x', 'x']) assert.equal(strtodWhole(bad), null, bad);
  });
});

describe('SORT with cluster-enabled', () => {
  it('refuses BY patterns and GET, as Redis in cluster mode', () => {
    const { run } = localServer({ 'cluster-enabled': 'yes' });
    run('RPUSH', 'l', '2', '1');
    assert.equal(run('SORT', 'l', 'BY', 'w_*'), '-ERR BY option of SORT denied in Cluster mode.\r\n');
    assert.equal(run('SORT', 'l', 'GET', '#'), '-ERR GET option of SORT denied in Cluster mode.\r\n');
    assert.equal(run('SORT_RO', 'l', 'BY', 'nosort'), '*2\r\n$1\r\n2\r\n$1\r\n1\r\n');
  });
});
