import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite, infoField, scanPage, splitAggregate, type Step, type StepLike } from '../helpers/differential.js';
import { RawConnection } from '../helpers/resp.js';
import { startServer, type EmbeddedServer as NodisServer } from '../../src/embed.js';
import { localServer } from '../helpers/local.js';
import { RObject, RawString } from '../../src/types/value.js';
import { parseScanCursor } from '../../src/commands/keys.js';
import { unwatchAll, type WatchedKey } from '../../src/keyspace/db.js';

/** A stand-in for a collection type, to test type-agnostic commands on non-string values. */
class FakeList extends RObject {
  readonly type = 'list';
  encoding(): string {
    return 'quicklist';
  }
}

/** Every key a full SCAN iteration returns, driving it with the given step between calls. */
function scanLocal(run: (...a: string[]) => string, extra: string[] = [], between?: (i: number) => void): string[] {
  const seen: string[] = [];
  let cursor = '0';
  for (let i = 0; i < 100000; i++) {
    const reply = run('SCAN', cursor, ...extra);
    const [cur, arr] = splitAggregate(reply).items;
    cursor = cur.split('\r\n')[1];
    for (const item of splitAggregate(arr).items) seen.push(item.split('\r\n')[1]);
    if (cursor === '0') return seen;
    between?.(i);
  }
  throw new Error('SCAN did not finish');
}

const FAR = '4102444800'; // 2100-01-01 in seconds
const FAR_MS = '4102444800000';

// ---------------------------------------------------------------------------------------------
// Differential tests

describe('keyspace commands (differential)', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('DEL and UNLINK count deleted keys, including binary and empty names', async () => {
    await d.check([
      ['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', '', 'empty'], ['SET', 'bin\x00\xff', 'x'],
      ['DEL', 'a', 'b', 'c'], ['DEL', 'a'], ['DEL', '', 'bin\x00\xff'], ['DBSIZE'],
      ['SET', 'a', '1'], ['UNLINK', 'a', 'a', 'zz'], ['UNLINK', 'a'],
      ['DEL'], ['UNLINK'],
    ]);
  });

  it('UNLINK, lazy DEL and asynchronous flushes count lazily freed values as Redis does', async () => {
    const p = await d.pair();
    try {
      // Both count a value once it is freed (Redis's background thread, nodis's next collection).
      const freed = async (conn: RawConnection, expected: number): Promise<string> => {
        let n = '';
        for (let i = 0; i < 500 && n !== String(expected); i++) {
          if (i) await new Promise((r) => setTimeout(r, 2));
          n = await infoField(conn, 'lazyfreed_objects');
        }
        assert.equal(await infoField(conn, 'lazyfree_pending_objects'), '0');
        return n;
      };
      const counted = async (expected: number): Promise<void> => {
        const [a, b] = await Promise.all([freed(p.nodis, expected), freed(p.redis, expected)]);
        assert.equal(b, String(expected), 'lazyfreed_objects on Redis');
        assert.equal(a, b, 'lazyfreed_objects on nodis');
      };
      const many = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
      await p.setup(['CONFIG', 'RESETSTAT'], ['CONFIG', 'SET', 'list-max-listpack-size', '2']);
      // Over the threshold of 64: a list of 65 nodes, hashtable set and hash, skiplist zset, a stream
      // of many nodes with a group; under it: strings, intsets, listpacks, a list of one node.
      await p.setup(
        ['RPUSH', 'list', ...many('e', 130)], ['RPUSH', 'short', 'a', 'b'],
        ['SADD', 'set', ...many('m', 65)], ['SADD', 'intset', ...many('', 100)],
        ['HSET', 'hash', ...many('f', 1100)], ['HSET', 'smallhash', 'f', 'v'],
        ['ZADD', 'zset', ...many('', 130).flatMap((m) => [m.length ? m : '0', `m${m}`])], ['SET', 'str', 'x'],
      );
      await p.do('CONFIG', 'SET', 'stream-node-max-entries', '2');
      for (let i = 0; i < 140; i++) await p.setup('XADD', 'stream', `1-${i + 1}`, 'f', 'v');
      await p.setup('XGROUP', 'CREATE', 'stream', 'g', '0');
      await p.do('UNLINK', 'short', 'intset', 'smallhash', 'str', 'missing');
      await counted(0);
      await p.do('UNLINK', 'list', 'set');
      await counted(2);
      await p.do('UNLINK', 'hash', 'zset', 'stream');
      await counted(5);
      // DEL frees synchronously unless lazyfree-lazy-user-del is on.
      await p.setup(['SADD', 'set', ...many('m', 100)], ['SADD', 'set2', ...many('m', 100)]);
      await p.do('DEL', 'set');
      await counted(5);
      await p.do('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes');
      await p.do('DEL', 'set2');
      await counted(6);
      // An asynchronous flush counts every key; a synchronous one none.
      await p.setup(['MSET', 'a', '1', 'b', '2', 'c', '3'], ['SELECT', '1'], ['SET', 'd', '4']);
      await p.do('FLUSHALL', 'ASYNC');
      await counted(10);
      await p.setup('MSET', 'a', '1', 'b', '2');
      await p.do('FLUSHDB', 'SYNC');
      await p.setup('MSET', 'a', '1', 'b', '2');
      await p.do('FLUSHDB');
      await counted(10);
      await p.do('CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'yes');
      await p.setup('MSET', 'a', '1', 'b', '2');
      await p.do('FLUSHDB');
      await counted(12);
      await p.do('CONFIG', 'RESETSTAT');
      await counted(0);
    } finally {
      await p.setup(
        ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no'], ['CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'no'],
        ['CONFIG', 'SET', 'list-max-listpack-size', '-2'], ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
      );
      p.close();
    }
  });

  it('EXISTS counts repeats, TOUCH counts existing keys', async () => {
    await d.check([
      ['EXISTS', 'a'], ['SET', 'a', '1'], ['SET', '\x00', '2'], ['EXISTS', 'a', 'a', 'a', 'b', '\x00'],
      ['TOUCH', 'a', 'b', 'a'], ['TOUCH', 'nothing'], ['EXISTS'], ['TOUCH'],
    ]);
  });

  it('TYPE and DBSIZE', async () => {
    await d.check([
      ['TYPE', 'a'], ['SET', 'a', '1'], ['TYPE', 'a'], ['DBSIZE'], ['SET', 'b', ''], ['DBSIZE'],
      ['SELECT', '1'], ['DBSIZE'], ['TYPE', 'a'], ['TYPE'], ['TYPE', 'a', 'b'], ['DBSIZE', 'x'],
    ]);
  });

  it('RANDOMKEY', async () => {
    await d.check([['RANDOMKEY'], ['SET', 'only', '1'], ['RANDOMKEY'], ['RANDOMKEY', 'x']]);
    await d.check([
      ['SET', 'a', '1'], ['SET', 'b', '1'], ['SET', 'c', '1'],
      { cmd: ['RANDOMKEY'], typeOnly: true },
      ['PEXPIREAT', 'a', '1'], ['PEXPIREAT', 'b', '1'], ['RANDOMKEY'],
    ]);
  });

  it('EXPIRE family: relative and absolute times, TTL and PTTL', async () => {
    await d.check([
      ['SET', 'k', 'v'], ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'],
      ['EXPIRE', 'k', '100'], ['TTL', 'k'], { cmd: ['PTTL', 'k'], approx: 1000 },
      ['PEXPIRE', 'k', '200000'], ['TTL', 'k'],
      ['EXPIREAT', 'k', FAR], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'], { cmd: ['TTL', 'k'], approx: 1 },
      ['PEXPIREAT', 'k', '4102444800123'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '4102444800500'], ['EXPIRETIME', 'k'],
      ['TTL', 'missing'], ['PTTL', 'missing'], ['EXPIRETIME', 'missing'], ['PEXPIRETIME', 'missing'],
      ['EXPIRE', 'missing', '100'], ['PEXPIRE', 'missing', '100'], ['EXPIREAT', 'missing', FAR],
      ['PEXPIREAT', 'missing', FAR_MS], ['EXISTS', 'missing'],
    ]);
  });

  it('a time in the past deletes the key', async () => {
    await d.check([
      ['SET', 'a', '1'], ['EXPIRE', 'a', '0'], ['EXISTS', 'a'],
      ['SET', 'a', '1'], ['EXPIRE', 'a', '-10'], ['EXISTS', 'a'],
      ['SET', 'a', '1'], ['PEXPIRE', 'a', '-1'], ['EXISTS', 'a'],
      ['SET', 'a', '1'], ['EXPIREAT', 'a', '1'], ['TTL', 'a'],
      ['SET', 'a', '1'], ['PEXPIREAT', 'a', '0'], ['TYPE', 'a'],
      ['SET', 'a', '1'], ['PEXPIREAT', 'a', '-9223372036854775808'], ['DBSIZE'],
      ['SET', 'a', '1'], ['EXPIREAT', 'a', '1700000000'], ['GET', 'a'],
    ]);
  });

  it('NX XX GT LT', async () => {
    await d.check([
      ['SET', 'k', 'v'],
      ['EXPIREAT', 'k', FAR, 'XX'], ['TTL', 'k'],
      ['EXPIREAT', 'k', FAR, 'GT'], ['TTL', 'k'],
      ['EXPIREAT', 'k', FAR, 'LT'], ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '4102444900', 'NX'], ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '4102444900', 'XX'], ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '4102444800', 'GT'], ['EXPIREAT', 'k', '4102444900', 'GT'],
      ['EXPIREAT', 'k', '4102445000', 'GT'], ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '4102445000', 'LT'], ['EXPIREAT', 'k', '4102446000', 'LT'],
      ['EXPIREAT', 'k', '4102444000', 'lt'], ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '4102444000001', 'gt'], ['PEXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '4102444000', 'XX', 'LT'], ['EXPIREAT', 'k', '4102443000', 'XX', 'LT'], ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '4102449000', 'GT', 'XX'], ['EXPIRETIME', 'k'],
      ['PERSIST', 'k'], ['EXPIREAT', 'k', FAR, 'GT'], ['TTL', 'k'],
      ['EXPIREAT', 'k', FAR, 'XX', 'GT'], ['TTL', 'k'],
      ['EXPIREAT', 'k', '1', 'GT'], ['EXISTS', 'k'],
      ['EXPIREAT', 'k', '1', 'LT'], ['EXISTS', 'k'],
      ['SET', 'k', 'v'], ['EXPIRE', 'k', '100', 'NX'], ['TTL', 'k'], ['EXPIRE', 'k', '50', 'NX'], ['TTL', 'k'],
      ['EXPIRE', 'k', '-1', 'NX'], ['EXPIRE', 'k', '-1', 'XX'], ['EXISTS', 'k'],
      ['SET', 'k', 'v'], ['EXPIRE', 'k', '10', 'nx', 'NX'], ['TTL', 'k'],
      ['EXPIRE', 'missing', '10', 'NX'], ['EXPIRE', 'missing', '10', 'XX'],
    ]);
  });

  it('EXPIRE errors, in Redis order', async () => {
    const errs: string[][] = [];
    for (const cmd of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) {
      errs.push(
        [cmd, 'k', '10', 'NX', 'XX'], [cmd, 'k', '10', 'NX', 'GT'], [cmd, 'k', '10', 'LT', 'NX'],
        [cmd, 'k', '10', 'GT', 'LT'], [cmd, 'k', '10', 'XX', 'GT', 'LT'], [cmd, 'k', '10', 'FOO'],
        [cmd, 'k', 'abc', 'FOO'], [cmd, 'k', 'abc', 'NX', 'XX'], [cmd, 'k', 'abc'], [cmd, 'k', '1.5'],
        [cmd, 'k', ' 10'], [cmd, 'k', '10 '], [cmd, 'k', '+10'], [cmd, 'k', '010'], [cmd, 'k', ''],
        [cmd, 'k', '10', 'NX\x00junk'], [cmd, 'k', '10', 'bad\r\noption'],
        [cmd, 'missing', '10', 'NX', 'XX'], [cmd, 'missing', 'x'],
        [cmd, 'k', '9223372036854775807'], [cmd, 'k', '9223372036854775808'],
        [cmd, 'k', '-9223372036854775808'], [cmd, 'k', '-9223372036854775809'],
        [cmd, 'k', '9223372036854775'], [cmd, 'k', '9223372036854776'],
        [cmd, 'k', '-9223372036854775'], [cmd, 'k', '-9223372036854776'],
        [cmd], [cmd, 'k'],
      );
    }
    const steps: StepLike[] = [];
    for (const e of errs) steps.push(['SET', 'k', 'v'], e, ['EXISTS', 'k'], { cmd: ['TTL', 'k'], approx: 1 });
    await d.check(steps);
  });

  it('expire times beyond 2^53 ms stay exact', async () => {
    await d.check([
      ['SET', 'k', 'v'], ['PEXPIREAT', 'k', '9223372036854775807'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
      { cmd: ['TTL', 'k'], approx: 1 },
      ['EXPIREAT', 'k', '9223372036854775'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9007199254740993'], ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9007199254740995', 'GT'], ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9007199254740994', 'LT'], ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9007199254740994', 'LT'], ['PEXPIREAT', 'k', '9007199254740994', 'GT'],
      ['RENAME', 'k', 'k2'], ['PEXPIRETIME', 'k2'],
      ['COPY', 'k2', 'k3'], ['PEXPIRETIME', 'k3'],
      ['MOVE', 'k3', '1'], ['SELECT', '1'], ['PEXPIRETIME', 'k3'], ['SWAPDB', '0', '1'], ['PEXPIRETIME', 'k2'],
      ['PERSIST', 'k2'], ['PEXPIRETIME', 'k2'],
      ['EXPIRE', 'k2', '9223372036854'], { cmd: ['EXPIRETIME', 'k2'], approx: 1 },
      ['SET', 'k', 'v'], ['PEXPIRE', 'k', '9223370000000000000'], { cmd: ['TTL', 'k'], approx: 1 },
    ]);
  });

  it('PERSIST', async () => {
    await d.check([
      ['PERSIST', 'missing'], ['SET', 'k', 'v'], ['PERSIST', 'k'], ['EXPIRE', 'k', '100'],
      ['PERSIST', 'k'], ['TTL', 'k'], ['PERSIST', 'k'], ['PERSIST'], ['PERSIST', 'a', 'b'],
    ]);
  });

  it('SET drops the time to live', async () => {
    await d.check([['SET', 'k', 'v'], ['EXPIRE', 'k', '100'], ['SET', 'k', 'w'], ['TTL', 'k']]);
  });

  it('KEYS with patterns', async () => {
    const keys = ['hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'h\x00llo', 'a*b', 'a?b', 'a[b', 'a\\b', '', 'Hello', 'x\xffy'];
    const steps: StepLike[] = keys.map((k) => ['SET', k, '1']);
    for (const p of ['*', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'hello', 'nope', '', 'a\\*b', 'a\\?b', 'a\\[b',
      'a\\\\b', 'a[*]b', '*\\*', '[', 'x[\x80-\xff]y', 'x?y', 'h\x00*', '?', '??*', 'H*', '*llo', '*l*l*o*']) {
      steps.push({ cmd: ['KEYS', p], unordered: true });
    }
    steps.push(['KEYS'], ['KEYS', 'a', 'b']);
    await d.check(steps);
  });

  it('SCAN returns everything with cursor 0 when COUNT covers the keyspace', async () => {
    const steps: StepLike[] = [];
    for (let i = 0; i < 30; i++) steps.push(['SET', `key:${i}`, 'v']);
    steps.push(['SET', 'other', 'v'], ['SET', 'bin\x00\xff', 'v']);
    for (const extra of [
      [], ['MATCH', 'key:*'], ['MATCH', 'key:1?'], ['MATCH', '*'], ['MATCH', 'bin\x00*'], ['TYPE', 'string'],
      ['TYPE', 'STRING'], ['TYPE', 'list'], ['TYPE', 'none'], ['TYPE', 'nosuchtype'], ['MATCH', 'key:2*', 'TYPE', 'string'],
      ['count', '1000', 'match', 'other'], ['COUNT', '5', 'COUNT', '1000'],
    ]) {
      const countless = !extra.some((x) => x.toLowerCase() === 'count');
      steps.push({ cmd: ['SCAN', '0', ...(countless ? ['COUNT', '100'] : []), ...extra], norm: scanPage });
    }
    await d.check(steps);
  });

  it('SCAN cursor and option errors', async () => {
    await d.check([
      ['SET', 'k', 'v'],
      ['SCAN', 'abc'], ['SCAN', ' 1'], ['SCAN', '\t1'], ['SCAN', '1 '], ['SCAN', '1x'], ['SCAN', '-'], ['SCAN', '+'],
      ['SCAN', '18446744073709551616'], ['SCAN', '-18446744073709551616'], ['SCAN', '99999999999999999999999'],
      ['SCAN', '0x10'], ['SCAN', '1.0'],
      ['SCAN', '', 'COUNT', '100'], ['SCAN', '+0', 'COUNT', '100'], ['SCAN', '-0', 'COUNT', '100'], ['SCAN', '\x00abc'],
      ['SCAN', '0', 'COUNT', '0'], ['SCAN', '0', 'COUNT', '-1'], ['SCAN', '0', 'COUNT', 'abc'], ['SCAN', '0', 'COUNT', '1.5'],
      ['SCAN', '0', 'COUNT', '99999999999999999999'], ['SCAN', '0', 'COUNT', '9223372036854775807'],
      ['SCAN', '0', 'COUNT'], ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'TYPE'], ['SCAN', '0', 'FOO', 'bar'],
      ['SCAN', '0', 'MATCH', 'k', 'COUNT'], ['SCAN', '0', 'COUNT', '0', 'FOO'], ['SCAN', '0', 'FOO', 'x', 'COUNT', '0'],
      ['SCAN', 'abc', 'COUNT', '0'], ['SCAN'],
      // Options compare as C strings: up to the first NUL byte.
      ['SCAN', '0', 'COUNT\x00x', '100'], ['SCAN', '0', 'COUNT', '100', 'TYPE', 'string\x00x'],
      ['SCAN', '0', 'COUNT', '100', 'TYPE', 'str'], ['SCAN', '0', 'COUNT', '100', 'MATCH', 'k\x00'],
    ]);
  });

  it('SCAN applies MATCH after fetching COUNT keys', async () => {
    await d.withPair(async (p) => {
      for (let i = 0; i < 200; i++) await p.setup('SET', `k${i}`, 'v');
      for (const conn of [p.nodis, p.redis]) {
        const reply = (await conn.call('SCAN', '0', 'COUNT', '10', 'MATCH', 'nomatch'))!;
        const [cursor, arr] = splitAggregate(reply).items;
        assert.notEqual(cursor, '$1\r\n0\r\n', 'one step of 10 does not finish 200 keys');
        assert.equal(arr, '*0\r\n');
      }
    });
  });

  it('a full SCAN iteration with small COUNT returns the same key set', async () => {
    await d.withPair(async (p) => {
      for (let i = 0; i < 60; i++) await p.setup('SET', `k${i}`, 'v');
      assert.equal((await p.scanAll('SCAN', '0', 'COUNT', '3')).length, 60);
    });
  });

  it('RENAME and RENAMENX', async () => {
    await d.check([
      ['RENAME', 'missing', 'x'], ['RENAME', 'missing', 'missing'], ['RENAMENX', 'missing', 'x'], ['RENAMENX', 'missing', 'missing'],
      ['SET', 'a', '1'], ['RENAME', 'a', 'a'], ['RENAMENX', 'a', 'a'], ['GET', 'a'],
      ['RENAME', 'a', 'b'], ['GET', 'a'], ['GET', 'b'],
      ['SET', 'c', '3'], ['RENAMENX', 'b', 'c'], ['GET', 'b'], ['GET', 'c'],
      ['RENAMENX', 'b', 'd'], ['GET', 'd'], ['EXISTS', 'b'],
      // The source's time to live moves along; the destination's old one is dropped.
      ['EXPIREAT', 'd', FAR], ['RENAME', 'd', 'e'], ['EXPIRETIME', 'e'], ['EXISTS', 'd'],
      ['EXPIREAT', 'c', '4102444900'], ['RENAME', 'e', 'c'], ['EXPIRETIME', 'c'],
      ['SET', 'f', 'v'], ['RENAME', 'f', 'c'], ['TTL', 'c'],
      ['SET', 'bin\x00', 'v'], ['RENAME', 'bin\x00', ''], ['GET', ''], { cmd: ['KEYS', '*'], unordered: true },
      ['PEXPIREAT', 'c', '1'], ['RENAME', 'c', 'z'],
      ['RENAME', 'a'], ['RENAMENX', 'a', 'b', 'c'],
    ]);
  });

  it('COPY', async () => {
    await d.check([
      ['SET', 'k', 'hello'], ['COPY', 'k', 'k'], ['COPY', 'k', 'k', 'DB', '0'], ['COPY', 'missing', 'missing'],
      ['COPY', 'missing', 'x'], ['COPY', 'k', 'k2'], ['GET', 'k2'], ['COPY', 'k', 'k2'], ['COPY', 'k', 'k2', 'REPLACE'],
      ['SET', 'k', 'new'], ['COPY', 'k', 'k2', 'replace'], ['GET', 'k2'],
      ['COPY', 'k', 'k', 'DB', '1'], ['SELECT', '1'], ['GET', 'k'], ['SELECT', '0'],
      ['COPY', 'k', 'k', 'DB', '1'], ['COPY', 'k', 'k', 'DB', '1', 'REPLACE'], ['COPY', 'k', 'k', 'REPLACE', 'db', '1'],
      ['EXPIREAT', 'k', FAR], ['COPY', 'k', 'k3'], ['EXPIRETIME', 'k3'], ['COPY', 'k2', 'k3', 'REPLACE'], ['TTL', 'k3'],
      ['SET', 'n', '123'], ['COPY', 'n', 'n2'], ['OBJECT', 'ENCODING', 'n2'],
      ['SET', 'long', 'x'.repeat(50)], ['COPY', 'long', 'long2'], ['OBJECT', 'ENCODING', 'long2'],
      ['COPY', 'k', 'x', 'DB'], ['COPY', 'k', 'x', 'DB', 'abc'], ['COPY', 'k', 'x', 'DB', '99999999999'],
      ['COPY', 'k', 'x', 'DB', '16'], ['COPY', 'k', 'x', 'DB', '-1'], ['COPY', 'k', 'x', 'FOO'], ['COPY', 'k', 'x', 'REPLACE', 'FOO'],
      ['COPY', 'missing', 'k', 'DB', 'abc'], ['COPY', 'k', 'x', 'DB', '1', 'DB', '0'], ['GET', 'x'],
      ['COPY', 'k', 'x2', 'REPLACE\x00junk'], ['GET', 'x2'], ['COPY', 'k', 'x3', 'db\x00', '1'],
      ['COPY', 'k'],
    ]);
  });

  it('MOVE', async () => {
    await d.check([
      ['SET', 'k', 'v'], ['MOVE', 'k', 'abc'], ['MOVE', 'k', '9999999999'], ['MOVE', 'k', '99'], ['MOVE', 'k', '-1'],
      ['MOVE', 'k', '0'], ['MOVE', 'missing', '0'], ['MOVE', 'missing', '1'],
      ['EXPIREAT', 'k', FAR], ['MOVE', 'k', '1'], ['EXISTS', 'k'], ['SELECT', '1'], ['GET', 'k'], ['EXPIRETIME', 'k'],
      ['SET', 'j', 'one'], ['SELECT', '0'], ['SET', 'j', 'zero'], ['MOVE', 'j', '1'], ['GET', 'j'],
      ['SELECT', '1'], ['GET', 'j'], ['MOVE', 'k', '15'], ['DBSIZE'],
      ['MOVE', 'k'], ['MOVE', 'k', '1', '2'],
    ]);
  });

  it('SWAPDB', async () => {
    await d.check([
      ['SET', 'a', 'zero'], ['SELECT', '1'], ['SET', 'b', 'one'], ['EXPIREAT', 'b', FAR],
      ['SWAPDB', '0', '1'], ['GET', 'a'], ['GET', 'b'], ['SELECT', '0'], ['GET', 'b'], ['EXPIRETIME', 'b'],
      ['SWAPDB', '1', '1'], ['DBSIZE'], ['SWAPDB', '0', '15'], ['DBSIZE'],
      ['SWAPDB', 'a', 'b'], ['SWAPDB', '0', 'b'], ['SWAPDB', 'a', '0'], ['SWAPDB', '0', '99999999999'], ['SWAPDB', '99999999999', 'x'],
      ['SWAPDB', '0', '16'], ['SWAPDB', '-1', '0'], ['SWAPDB', '0'], ['SWAPDB', '0', '1', '2'],
    ]);
  });

  it('FLUSHDB and FLUSHALL', async () => {
    await d.check([
      ['SET', 'a', '1'], ['SELECT', '1'], ['SET', 'b', '2'], ['FLUSHDB'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'],
      ['FLUSHDB', 'ASYNC'], ['DBSIZE'], ['FLUSHDB', 'sync'], ['FLUSHDB', 'x'], ['FLUSHDB', 'ASYNC', 'SYNC'],
      ['SET', 'a', '1'], ['SELECT', '1'], ['SET', 'b', '2'], ['FLUSHALL', 'async'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'],
      ['FLUSHALL', 'SYNC'], ['FLUSHALL', 'foo'], ['FLUSHALL', 'ASYNC', 'SYNC'], ['FLUSHALL', 'ASYNC\x00x'],
      ['FLUSHDB', 'syncx'],
    ]);
  });

  it('OBJECT', async () => {
    await d.check([
      ['SET', 'n', '100'], ['SET', 'zero', '0'], ['SET', 'big', '10000'], ['SET', 'max', '9999'], ['SET', 'neg', '-1'],
      ['SET', 's', 'hello'], ['SET', 'long', 'x'.repeat(45)], ['SET', 'edge', 'x'.repeat(44)], ['SET', 'i64', '9223372036854775807'],
      ['SET', 'o', '0100'],
      ...['n', 'zero', 'big', 'max', 'neg', 's', 'long', 'edge', 'i64', 'o', 'missing'].flatMap((k) => [
        ['OBJECT', 'ENCODING', k], ['OBJECT', 'REFCOUNT', k], ['OBJECT', 'FREQ', k],
      ]),
      ['OBJECT', 'IDLETIME', 's'], ['OBJECT', 'IDLETIME', 'missing'],
      ['OBJECT', 'HELP'], ['OBJECT', 'help'], ['OBJECT', 'HELP', 'x'], ['OBJECT', 'ENCODING'], ['OBJECT', 'ENCODING', 'a', 'b'],
      ['OBJECT'], ['OBJECT', 'foo'], ['OBJECT', 'foo', 'bar'], ['object', 'Encoding', 's'],
    ]);
  });

  it('TYPE and DBSIZE (RESP3)', async () => {
    await d.check([['SET', 'a', '1'], ['TYPE', 'a'], ['TYPE', 'nope']], { resp3: true });
  });

  it('RANDOMKEY (RESP3)', async () => {
    await d.check([['RANDOMKEY'], ['SET', 'only\x00', '1'], ['RANDOMKEY']], { resp3: true });
  });

  it('KEYS with patterns (RESP3)', async () => {
    await d.check([['SET', 'a', '1'], { cmd: ['KEYS', '*'], unordered: true }, ['KEYS', 'zz']], { resp3: true });
  });

  it('SCAN returns everything with cursor 0 when COUNT covers the keyspace (RESP3)', async () => {
    await d.check([['SCAN', '0'], ['SET', 'a', '1'], { cmd: ['SCAN', '0'], norm: scanPage }], { resp3: true });
  });

  it('OBJECT (RESP3)', async () => {
    await d.check([
      ['SET', 's', 'hello'], ['OBJECT', 'ENCODING', 'missing'], ['OBJECT', 'REFCOUNT', 'missing'], ['OBJECT', 'FREQ', 'missing'],
      ['OBJECT', 'IDLETIME', 'missing'], ['OBJECT', 'ENCODING', 's'], ['OBJECT', 'HELP'],
    ], { resp3: true });
  });

  it('changes the dirty counter like Redis', async () => {
    await d.withPair(async (p) => {
      const oracleDirty = async (): Promise<number> => {
        const info = (await p.redis.call('INFO', 'persistence'))!;
        return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
      };
      const cmds: string[][] = [
        ['FLUSHALL'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3'],
        ['DEL', 'a', 'b', 'zz'], ['DEL', 'zz'], ['UNLINK', 'c'], ['SET', 'a', '1'], ['SET', 'b', '1'],
        ['EXPIRE', 'a', '100'], ['EXPIRE', 'a', '100', 'NX'], ['EXPIRE', 'zz', '100'], ['PEXPIREAT', 'a', '1'],
        ['SET', 'a', '1'], ['EXPIRE', 'a', '100'], ['PERSIST', 'a'], ['PERSIST', 'a'], ['TTL', 'a'], ['EXISTS', 'a'],
        ['RENAME', 'a', 'c'], ['RENAME', 'c', 'c'], ['RENAMENX', 'c', 'b'], ['RENAMENX', 'c', 'd'],
        ['COPY', 'd', 'e'], ['COPY', 'd', 'e'], ['MOVE', 'e', '1'], ['MOVE', 'e', '1'],
        ['SWAPDB', '0', '1'], ['SWAPDB', '0', '0'], ['SWAPDB', '0', '99'],
        ['FLUSHDB'], ['FLUSHALL'], ['FLUSHALL'], ['KEYS', '*'], ['SCAN', '0'], ['TOUCH', 'x'], ['RANDOMKEY'],
      ];
      for (const cmd of cmds) {
        const beforeN = d.nodis.server.dirty;
        const beforeO = await oracleDirty();
        await p.do(...cmd);
        assert.equal(d.nodis.server.dirty - beforeN, (await oracleDirty()) - beforeO, `dirty after ${JSON.stringify(cmd)}`);
      }
    }, { flush: false });
  });

  it('random sequences of key commands reply like Redis', async () => {
    const key = fc.constantFrom('a', 'b', 'c');
    const value = fc.constantFrom('v', '1', '12345', '', 'x'.repeat(50));
    const rel = fc.constantFrom('-1', '0', '100', '200', '3000');
    const abs = fc.constantFrom('1', FAR, '4102444900', '4133980800');
    const absMs = fc.constantFrom('1', FAR_MS, '4102444800500', '4133980800000');
    const flagNxXx = fc.constantFrom([], ['NX'], ['XX']);
    const flagAny = fc.constantFrom([], ['NX'], ['XX'], ['GT'], ['LT'], ['XX', 'GT'], ['XX', 'LT']);
    const db = fc.constantFrom('0', '1');
    const pattern = fc.constantFrom('*', 'a', '[ab]', '?', '*c*', 'z*');
    const set = fc.tuple(key, value).map(([k, v]): Step => ({ cmd: ['SET', k, v] }));
    // Most sequences start from a few keys in both databases, some with a time to live.
    const setup = fc
      .array(fc.tuple(db, key, value, fc.constantFrom(null, '100', FAR)), { minLength: 2, maxLength: 6 })
      .map((items) =>
        items.flatMap(([n, k, v, ttl]): Step[] => [
          { cmd: ['SELECT', n] },
          { cmd: ['SET', k, v] },
          ...(ttl === null ? [] : [{ cmd: [ttl === FAR ? 'EXPIREAT' : 'EXPIRE', k, ttl] }]),
        ]).concat([{ cmd: ['SELECT', '0'] }]),
      );
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: set },
      key.map((k) => ({ cmd: ['GET', k] })),
      fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ({ cmd: ['DEL', ...ks] })),
      key.map((k) => ({ cmd: ['UNLINK', k] })),
      fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ({ cmd: ['EXISTS', ...ks] })),
      fc.tuple(key, rel, flagNxXx).map(([k, t, f]) => ({ cmd: ['EXPIRE', k, t, ...f] })),
      fc.tuple(key, rel, flagNxXx).map(([k, t, f]) => ({ cmd: ['PEXPIRE', k, t === '0' ? '0' : t + '000', ...f] })),
      fc.tuple(key, abs, flagAny).map(([k, t, f]) => ({ cmd: ['EXPIREAT', k, t, ...f] })),
      fc.tuple(key, absMs, flagAny).map(([k, t, f]) => ({ cmd: ['PEXPIREAT', k, t, ...f] })),
      key.map((k) => ({ cmd: ['PERSIST', k] })),
      key.map((k) => ({ cmd: ['TTL', k], approx: 1 })),
      key.map((k) => ({ cmd: ['PTTL', k], approx: 2000 })),
      key.map((k) => ({ cmd: ['EXPIRETIME', k], approx: 1 })),
      key.map((k) => ({ cmd: ['PEXPIRETIME', k], approx: 2000 })),
      key.map((k) => ({ cmd: ['TYPE', k] })),
      key.map((k) => ({ cmd: ['OBJECT', 'ENCODING', k] })),
      key.map((k) => ({ cmd: ['TOUCH', k] })),
      pattern.map((p) => ({ cmd: ['KEYS', p], unordered: true })),
      pattern.map((p) => ({ cmd: ['SCAN', '0', 'COUNT', '100', 'MATCH', p], norm: scanPage })),
      fc.constant<Step>({ cmd: ['RANDOMKEY'], typeOnly: true }),
      fc.constant<Step>({ cmd: ['DBSIZE'] }),
      fc.tuple(key, key).map(([a, b]) => ({ cmd: ['RENAME', a, b] })),
      fc.tuple(key, key).map(([a, b]) => ({ cmd: ['RENAMENX', a, b] })),
      fc.tuple(key, key, db, fc.boolean()).map(([a, b, n, r]) => ({ cmd: ['COPY', a, b, 'DB', n, ...(r ? ['REPLACE'] : [])] })),
      fc.tuple(key, db).map(([k, n]) => ({ cmd: ['MOVE', k, n] })),
      db.map((n) => ({ cmd: ['SELECT', n] })),
      fc.constant<Step>({ cmd: ['SWAPDB', '0', '1'] }),
      fc.constant<Step>({ cmd: ['FLUSHDB'] }),
    );
    await d.withPair(async (p) => {
      await fc.assert(
        fc.asyncProperty(setup, fc.array(step, { minLength: 1, maxLength: 30 }), async (prefix, body) => {
          const steps = [...prefix, ...body];
          await p.setup(['FLUSHALL'], ['SELECT', '0']);
          const context = `\nsequence: ${JSON.stringify(steps.map((s) => s.cmd))}`;
          await p.run(steps, context);
          // Then the whole state: value, encoding and expiry time of every key in both databases.
          const snapshot: StepLike[] = [];
          for (const db of ['0', '1']) {
            snapshot.push(['SELECT', db], { cmd: ['KEYS', '*'], unordered: true });
            for (const k of ['a', 'b', 'c']) {
              snapshot.push(['GET', k], ['OBJECT', 'ENCODING', k], { cmd: ['PEXPIRETIME', k], approx: 2000 });
            }
          }
          await p.run(snapshot, `${context}\n(in the final state)`);
        }),
        { numRuns: 150 },
      );
    }, { flush: false });
  });
});

// ---------------------------------------------------------------------------------------------
// nodis-only: expiry on a clock that stands still

describe('expiry on a controlled clock (nodis only)', () => {
  it('a key expires once the clock is past its time, not at it', () => {
    const { clock, run, db, server } = localServer();
    run('SET', 'k', 'v');
    assert.equal(run('PEXPIREAT', 'k', String(clock.t + 10)), ':1\r\n');
    clock.advance(10);
    assert.equal(run('PTTL', 'k'), ':0\r\n');
    assert.equal(run('TTL', 'k'), ':0\r\n');
    assert.equal(run('GET', 'k'), '$1\r\nv\r\n');
    const expiredBefore = server.stats.expiredKeys;
    clock.advance(1);
    assert.equal(db.dict.size, 1, 'still stored until touched');
    assert.equal(run('GET', 'k'), '$-1\r\n');
    assert.equal(db.dict.size, 0);
    assert.equal(server.stats.expiredKeys, expiredBefore + 1);
  });

  it('an absolute time equal to now deletes at once; one ms later sets a TTL', () => {
    const { clock, run, db } = localServer();
    run('SET', 'k', 'v');
    assert.equal(run('PEXPIREAT', 'k', String(clock.t + 1)), ':1\r\n');
    assert.equal(run('PTTL', 'k'), ':1\r\n');
    assert.equal(run('PEXPIREAT', 'k', String(clock.t)), ':1\r\n');
    assert.equal(db.dict.size, 0);
    assert.equal(run('EXISTS', 'k'), ':0\r\n');
  });

  it('TTL rounds to the nearest second, PTTL and the absolute forms are exact', () => {
    const { clock, run } = localServer();
    run('SET', 'k', 'v');
    for (const [ms, secs] of [[499, 0], [500, 1], [1499, 1], [1500, 2], [100000, 100]] as const) {
      run('PEXPIRE', 'k', String(ms));
      assert.equal(run('TTL', 'k'), `:${secs}\r\n`, `TTL after PEXPIRE ${ms}`);
      assert.equal(run('PTTL', 'k'), `:${ms}\r\n`);
      assert.equal(run('PEXPIRETIME', 'k'), `:${clock.t + ms}\r\n`);
      assert.equal(run('EXPIRETIME', 'k'), `:${Math.floor((clock.t + ms + 500) / 1000)}\r\n`);
    }
    run('EXPIRE', 'k', '100');
    clock.advance(30_250);
    assert.equal(run('TTL', 'k'), ':70\r\n');
    assert.equal(run('PTTL', 'k'), ':69750\r\n');
  });

  it('lazy expiry on every kind of access', () => {
    const { clock, run, db, server } = localServer();
    const access: string[][] = [
      ['GET', 'k'], ['EXISTS', 'k'], ['TYPE', 'k'], ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['PERSIST', 'k'],
      ['EXPIRE', 'k', '100'], ['TOUCH', 'k'], ['OBJECT', 'ENCODING', 'k'], ['DEL', 'k'], ['RENAME', 'k', 'j'], ['COPY', 'k', 'j'],
      ['MOVE', 'k', '1'], ['RANDOMKEY'],
    ];
    const expect = [
      '$-1\r\n', ':0\r\n', '+none\r\n', ':-2\r\n', ':-2\r\n', ':-2\r\n', ':0\r\n', ':0\r\n', ':0\r\n', '$-1\r\n', ':0\r\n',
      '-ERR no such key\r\n', ':0\r\n', ':0\r\n', '$-1\r\n',
    ];
    access.forEach((cmd, i) => {
      run('SET', 'k', 'v');
      run('PEXPIRE', 'k', '100');
      clock.advance(101);
      assert.equal(db.dict.size, 1);
      assert.equal(run(...cmd), expect[i], JSON.stringify(cmd));
      assert.equal(db.dict.size, 0, `${JSON.stringify(cmd)} removed the expired key`);
      assert.equal(server.dbs[1].dict.size, 0);
    });
  });

  it('KEYS skips expired keys without removing them; DBSIZE still counts them', () => {
    const { clock, run, db } = localServer();
    run('SET', 'live', '1');
    run('SET', 'dead', '1');
    run('PEXPIRE', 'dead', '10');
    clock.advance(11);
    assert.equal(run('KEYS', '*'), '*1\r\n$4\r\nlive\r\n');
    assert.equal(run('KEYS', 'dead'), '*0\r\n');
    assert.equal(run('KEYS', 'd*'), '*0\r\n');
    assert.equal(db.dict.size, 2);
    assert.equal(run('DBSIZE'), ':2\r\n');
  });

  it('SCAN removes expired keys it visits; TYPE none returns them, as in Redis', () => {
    const { clock, run, db } = localServer();
    for (const k of ['a', 'b', 'c']) run('SET', k, '1');
    run('PEXPIRE', 'a', '10');
    run('PEXPIRE', 'b', '10');
    clock.advance(11);
    // A pattern that does not match leaves them alone.
    assert.equal(run('SCAN', '0', 'MATCH', 'zz'), '*2\r\n$1\r\n0\r\n*0\r\n');
    assert.equal(db.dict.size, 3);
    const reply = run('SCAN', '0', 'TYPE', 'none');
    assert.deepEqual(splitAggregate(splitAggregate(reply).items[1]).items.sort(), ['$1\r\na\r\n', '$1\r\nb\r\n']);
    assert.equal(db.dict.size, 1);
    run('SET', 'a', '1');
    run('PEXPIRE', 'a', '10');
    clock.advance(11);
    assert.equal(run('SCAN', '0', 'TYPE', 'string'), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\nc\r\n');
    assert.equal(db.dict.size, 1);
    run('SET', 'a', '1');
    run('PEXPIRE', 'a', '10');
    clock.advance(11);
    assert.equal(run('SCAN', '0'), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\nc\r\n');
    assert.equal(db.dict.size, 1);
  });

  it('RANDOMKEY removes expired keys it picks and never returns one', () => {
    const { clock, run, db } = localServer();
    for (let i = 0; i < 300; i++) {
      run('SET', `k${i}`, 'v');
      run('PEXPIRE', `k${i}`, '10');
    }
    run('SET', 'live', 'v');
    clock.advance(11);
    assert.equal(run('RANDOMKEY'), '$4\r\nlive\r\n');
    run('DEL', 'live');
    assert.equal(run('RANDOMKEY'), '$-1\r\n');
    assert.equal(db.dict.size, 0);
  });

  it('the active expire cycle removes expired keys nobody touches', () => {
    const { clock, server, run } = localServer();
    for (let i = 0; i < 1000; i++) {
      run('SET', `k${i}`, 'v');
      if (i % 4 !== 0) run('PEXPIRE', `k${i}`, String(1000 + i));
    }
    run('SELECT', '3');
    for (let i = 0; i < 100; i++) {
      run('SET', `x${i}`, 'v');
      run('PEXPIRE', `x${i}`, '500');
    }
    assert.equal(server.dbs[0].dict.size, 1000);
    server.activeExpireCycle(100);
    assert.equal(server.dbs[0].dict.size, 1000, 'nothing is due yet');
    assert.equal(server.dbs[3].dict.size, 100);
    clock.advance(3000);
    for (let i = 0; i < 50 && server.dbs[0].dict.size + server.dbs[3].dict.size > 250; i++) server.activeExpireCycle(100);
    assert.equal(server.dbs[0].dict.size, 250, 'only the keys without a TTL remain');
    assert.equal(server.dbs[0].expires.size, 0);
    assert.equal(server.dbs[3].dict.size, 0);
  });

  it('the active cycle leaves keys that are due but not yet past', () => {
    const { clock, server, run } = localServer();
    run('SET', 'k', 'v');
    run('PEXPIRE', 'k', '100');
    clock.advance(100);
    server.activeExpireCycle(100);
    assert.equal(server.dbs[0].dict.size, 1);
    clock.advance(1);
    server.activeExpireCycle(100);
    assert.equal(server.dbs[0].dict.size, 0);
  });

  it('expired keys read as missing for RENAME, COPY and MOVE destinations', () => {
    const { clock, run } = localServer();
    run('SET', 'src', 'v');
    run('SET', 'dst', 'old');
    run('PEXPIRE', 'dst', '10');
    clock.advance(11);
    assert.equal(run('RENAMENX', 'src', 'dst'), ':1\r\n');
    run('SET', 'dst2', 'old');
    run('PEXPIRE', 'dst2', '10');
    clock.advance(11);
    assert.equal(run('COPY', 'dst', 'dst2'), ':1\r\n');
    assert.equal(run('TTL', 'dst2'), ':-1\r\n');
  });
});

describe('expiry through the embedding API clock (nodis only)', () => {
  let nodis: NodisServer;
  let conn: RawConnection;
  before(async () => {
    nodis = await startServer();
    conn = await RawConnection.open({ port: nodis.port });
  });
  after(async () => {
    conn?.close();
    await nodis?.close();
  });

  it('clock.advance() expires keys lazily on access', async () => {
    nodis.server.activeExpireEnabled = false;
    try {
      await conn.call('FLUSHALL');
      await conn.call('SET', 'k', 'v');
      assert.equal(await conn.call('PEXPIRE', 'k', '1000'), ':1\r\n');
      nodis.clock.advance(1001);
      assert.equal(nodis.server.dbs[0].dict.size, 1);
      assert.equal(await conn.call('GET', 'k'), '$-1\r\n');
      assert.equal(nodis.server.dbs[0].dict.size, 0);
    } finally {
      nodis.server.activeExpireEnabled = true;
    }
  });

  it('the active expire cycle removes keys without any access', async () => {
    nodis.server.activeExpireEnabled = false;
    try {
      await conn.call('FLUSHALL');
      for (let i = 0; i < 200; i++) {
        await conn.call('SET', `k${i}`, 'v');
        await conn.call('EXPIRE', `k${i}`, '60');
      }
      await conn.call('SET', 'forever', 'v');
      nodis.clock.advance(61_000);
      assert.equal(nodis.server.dbs[0].dict.size, 201);
      for (let i = 0; i < 20 && nodis.server.dbs[0].dict.size > 1; i++) nodis.server.activeExpireCycle(100);
      assert.equal(nodis.server.dbs[0].dict.size, 1);
      assert.equal(await conn.call('DBSIZE'), ':1\r\n');
    } finally {
      nodis.server.activeExpireEnabled = true;
    }
  });

  it("the server's own cron expires keys too", async () => {
    await conn.call('FLUSHALL');
    for (let i = 0; i < 50; i++) {
      await conn.call('SET', `k${i}`, 'v');
      await conn.call('EXPIRE', `k${i}`, '60');
    }
    nodis.clock.advance(61_000);
    // Poll (not a fixed sleep): the cron runs hz times a second.
    const deadline = Date.now() + 5000;
    while (nodis.server.dbs[0].dict.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(nodis.server.dbs[0].dict.size, 0);
  });
});

// ---------------------------------------------------------------------------------------------
// nodis-only: SCAN's guarantee

describe('SCAN guarantee (nodis only)', () => {
  it('returns every key present for the whole iteration, whatever changes in between', () => {
    const { run } = localServer();
    const stable: string[] = [];
    for (let i = 0; i < 500; i++) {
      stable.push(`s:${i}`);
      run('SET', `s:${i}`, 'v');
      run('SET', `tmp:${i}`, 'v');
    }
    let added = 0;
    const seen = scanLocal(run, ['COUNT', '7'], (step) => {
      // Churn: remove temporary keys, add new ones, overwrite and give TTLs to stable ones,
      // rename keys around, delete and re-create some.
      for (let j = 0; j < 5; j++) run('DEL', `tmp:${(step * 5 + j) % 500}`);
      for (let j = 0; j < 8; j++) run('SET', `new:${added++}`, 'v');
      run('SET', `s:${(step * 13) % 500}`, 'changed');
      run('EXPIRE', `s:${(step * 17) % 500}`, '1000');
      run('RENAME', `new:${added - 1}`, `renamed:${step}`);
      run('SET', `tmp:${(step * 3) % 500}`, 'back');
    });
    const got = new Set(seen);
    for (const k of stable) assert.ok(got.has(k), `${k} was present throughout but not returned`);
    // Nothing is returned twice unless it was deleted and re-added.
    const counts = new Map<string, number>();
    for (const k of seen) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const k of stable) assert.equal(counts.get(k), 1, `${k} returned ${counts.get(k)} times`);
  });

  it('ends even while keys are added faster than it reads them', () => {
    const { run } = localServer();
    for (let i = 0; i < 100; i++) run('SET', `s:${i}`, 'v');
    let added = 0;
    let steps = 0;
    const seen = new Set(
      scanLocal(run, ['COUNT', '5'], () => {
        steps++;
        for (let j = 0; j < 20; j++) run('SET', `new:${added++}`, 'v');
      }),
    );
    assert.ok(steps <= 21, `took ${steps} steps`);
    for (let i = 0; i < 100; i++) assert.ok(seen.has(`s:${i}`));
  });

  it('interleaved scans do not disturb each other', () => {
    const { run } = localServer();
    for (let i = 0; i < 200; i++) run('SET', `k${i}`, 'v');
    const cursors = ['0', '0', '0'];
    const seen = [new Set<string>(), new Set<string>(), new Set<string>()];
    const done = [false, false, false];
    while (done.includes(false)) {
      for (let s = 0; s < 3; s++) {
        if (done[s]) continue;
        const [cur, arr] = splitAggregate(run('SCAN', cursors[s], 'COUNT', String(3 + s))).items;
        cursors[s] = cur.split('\r\n')[1];
        for (const item of splitAggregate(arr).items) seen[s].add(item);
        if (cursors[s] === '0') done[s] = true;
      }
    }
    for (const set of seen) assert.equal(set.size, 200);
  });

  it('the last step already answers cursor 0, even when it is exactly full', () => {
    const { run } = localServer();
    for (let i = 0; i < 20; i++) run('SET', `k${i}`, 'v');
    const [cur, arr] = splitAggregate(run('SCAN', '0', 'COUNT', '20')).items;
    assert.equal(cur, '$1\r\n0\r\n');
    assert.equal(splitAggregate(arr).items.length, 20);
    const first = splitAggregate(run('SCAN', '0', 'COUNT', '10')).items[0];
    const second = splitAggregate(run('SCAN', first.split('\r\n')[1], 'COUNT', '10')).items;
    assert.equal(second[0], '$1\r\n0\r\n');
    assert.equal(splitAggregate(second[1]).items.length, 10);
  });

  it('unknown, reused and huge cursors still make progress and end', () => {
    const { run } = localServer();
    for (let i = 0; i < 50; i++) run('SET', `k${i}`, 'v');
    for (const cursor of ['12345', '18446744073709551615', '-1', '7', '4294967301']) {
      const seen = scanLocal(
        (...a: string[]) => run(...(a[1] === '0' ? ['SCAN', cursor, ...a.slice(2)] : a)),
        ['COUNT', '5'],
      );
      assert.ok(seen.length <= 50);
    }
    // A cursor used twice: the second use resumes by position.
    const first = splitAggregate(run('SCAN', '0', 'COUNT', '10')).items[0].split('\r\n')[1];
    const a = splitAggregate(splitAggregate(run('SCAN', first, 'COUNT', '10')).items[1]).items;
    const b = splitAggregate(splitAggregate(run('SCAN', first, 'COUNT', '10')).items[1]).items;
    assert.deepEqual(a, b);
  });

  it('more concurrent scans than are kept: the oldest resumes by position', () => {
    const { run } = localServer();
    for (let i = 0; i < 30; i++) run('SET', `k${i}`, 'v');
    const oldest = splitAggregate(run('SCAN', '0', 'COUNT', '10')).items[0].split('\r\n')[1];
    for (let i = 0; i < 300; i++) run('SCAN', '0', 'COUNT', '1');
    const rest = scanLocal((...a: string[]) => run(...(a[1] === '0' ? ['SCAN', oldest, ...a.slice(2)] : a)), ['COUNT', '10']);
    assert.equal(rest.length, 20);
  });

  it('FLUSHDB and SWAPDB during a scan end it cleanly', () => {
    const { run } = localServer();
    for (let i = 0; i < 30; i++) run('SET', `k${i}`, 'v');
    const c1 = splitAggregate(run('SCAN', '0', 'COUNT', '10')).items[0].split('\r\n')[1];
    run('SWAPDB', '0', '1');
    assert.equal(splitAggregate(run('SCAN', c1)).items[1], '*0\r\n');
    run('SWAPDB', '0', '1');
    const c2 = splitAggregate(run('SCAN', '0', 'COUNT', '10')).items[0].split('\r\n')[1];
    run('FLUSHDB');
    assert.equal(run('SCAN', c2), '*2\r\n$1\r\n0\r\n*0\r\n');
  });

  it('parses cursors the way strtoul does', () => {
    assert.equal(parseScanCursor(''), 0n);
    assert.equal(parseScanCursor('0'), 0n);
    assert.equal(parseScanCursor('+5'), 5n);
    assert.equal(parseScanCursor('-1'), 2n ** 64n - 1n);
    assert.equal(parseScanCursor('-0'), 0n);
    assert.equal(parseScanCursor('-18446744073709551615'), 1n);
    assert.equal(parseScanCursor('18446744073709551615'), 2n ** 64n - 1n);
    assert.equal(parseScanCursor('18446744073709551616'), null);
    assert.equal(parseScanCursor('12\x00junk'), 12n);
    for (const bad of [' 1', '\t1', '1 ', '-', '+', 'x', '1x', '0x1', '+-1', '1.0']) {
      assert.equal(parseScanCursor(bad), null, JSON.stringify(bad));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// nodis-only: WATCH signals, dirty, objects, and values Redis-7.0 strings cannot show

describe('keyspace commands (nodis only)', () => {
  it('signals modified keys for WATCH exactly when something changed', () => {
    const { run, server } = localServer();
    const db0 = server.dbs[0];
    const db1 = server.dbs[1];
    // One watcher per database and key, watching afresh before each command (a marked watcher
    // stops watching).
    type Watcher = { casDirty: boolean; watching: WatchedKey[] | null };
    const watched: Array<[typeof db0, string]> = [];
    const watchers = new Map<string, Watcher>();
    const watch = (db: typeof db0, ...keys: string[]) => keys.forEach((k) => watched.push([db, k]));
    const bumps = (cmd: string[], expected: Array<[typeof db0, string, boolean]>) => {
      for (const w of watchers.values()) unwatchAll(w);
      for (const [db, k] of watched) {
        const w: Watcher = { casDirty: false, watching: null };
        watchers.set(`${db.id}/${k}`, w);
        db.watch(w, k);
      }
      run(...cmd);
      expected.forEach(([db, k, changed]) => {
        assert.equal(watchers.get(`${db.id}/${k}`)!.casDirty, changed, `${JSON.stringify(cmd)} on ${k}@${db.id}`);
      });
    };
    watch(db0, 'a', 'b', 'c');
    watch(db1, 'a', 'b', 'c');
    run('SET', 'a', '1');
    bumps(['EXPIRE', 'a', '100'], [[db0, 'a', true]]);
    bumps(['EXPIRE', 'a', '100', 'NX'], [[db0, 'a', false]]);
    bumps(['PERSIST', 'a'], [[db0, 'a', true]]);
    bumps(['PERSIST', 'a'], [[db0, 'a', false]]);
    bumps(['EXPIRE', 'zz', '100'], [[db0, 'a', false]]);
    bumps(['RENAME', 'a', 'b'], [[db0, 'a', true], [db0, 'b', true]]);
    bumps(['RENAMENX', 'b', 'b'], [[db0, 'b', false]]);
    bumps(['COPY', 'b', 'c'], [[db0, 'b', false], [db0, 'c', true]]);
    bumps(['MOVE', 'c', '1'], [[db0, 'c', true], [db1, 'c', true]]);
    bumps(['EXPIRE', 'b', '-1'], [[db0, 'b', true]]);
    bumps(['DEL', 'b'], [[db0, 'b', false]]);
    run('SET', 'a', '1');
    bumps(['SWAPDB', '0', '1'], [[db0, 'a', true], [db0, 'c', true], [db1, 'a', true], [db1, 'c', true], [db0, 'b', false], [db1, 'b', false]]);
    bumps(['FLUSHDB'], [[db0, 'c', true], [db0, 'a', false], [db1, 'a', false]]);
    bumps(['FLUSHALL'], [[db1, 'a', true], [db1, 'c', false]]);
    bumps(['DEL', 'a'], [[db0, 'a', false]]);
  });

  it('TYPE, SCAN TYPE, OBJECT and RENAME work on other value types', () => {
    const { run, db } = localServer();
    db.set('l', new FakeList());
    run('SET', 's', 'v');
    assert.equal(run('TYPE', 'l'), '+list\r\n');
    assert.equal(run('OBJECT', 'ENCODING', 'l'), '$9\r\nquicklist\r\n');
    assert.equal(run('OBJECT', 'REFCOUNT', 'l'), ':1\r\n');
    assert.equal(run('SCAN', '0', 'TYPE', 'list'), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\nl\r\n');
    assert.equal(run('SCAN', '0', 'TYPE', 'LIST'), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\nl\r\n');
    assert.equal(run('SCAN', '0', 'TYPE', 'string'), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\ns\r\n');
    assert.equal(run('GET', 'l'), '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    assert.equal(run('RENAME', 'l', 'l2'), '+OK\r\n');
    assert.equal(run('TYPE', 'l2'), '+list\r\n');
    assert.equal(run('MOVE', 'l2', '2'), ':1\r\n');
    // A type that cannot copy itself yet fails loudly instead of sharing one mutable value.
    run('SELECT', '2');
    assert.match(run('COPY', 'l2', 'l3'), /^-ERR internal error in 'copy'/);
    assert.equal(run('EXISTS', 'l3'), ':0\r\n');
  });

  it('COPY of a raw string is an independent value', () => {
    const { run, db } = localServer();
    const raw = new RawString('abc');
    db.set('r', raw);
    assert.equal(run('COPY', 'r', 'r2'), ':1\r\n');
    const copy = db.dict.get('r2');
    assert.ok(copy instanceof RawString && copy !== raw && copy.s === 'abc');
    assert.equal(run('OBJECT', 'ENCODING', 'r2'), '$3\r\nraw\r\n');
  });

  it('OBJECT IDLETIME follows access to object values; TTL, TYPE and OBJECT do not touch', () => {
    const { run, db, clock } = localServer();
    db.set('l', new FakeList());
    run('SET', 's', 'v');
    clock.advance(5_500);
    assert.equal(run('OBJECT', 'IDLETIME', 'l'), ':5\r\n');
    run('TYPE', 'l');
    run('TTL', 'l');
    run('EXISTS', 'l');
    assert.equal(run('OBJECT', 'IDLETIME', 'l'), ':5\r\n');
    run('TOUCH', 'l');
    assert.equal(run('OBJECT', 'IDLETIME', 'l'), ':0\r\n');
    clock.advance(2_000);
    run('EXPIRE', 'l', '100');
    assert.equal(run('OBJECT', 'IDLETIME', 'l'), ':0\r\n');
    // Plain strings carry no access time.
    assert.equal(run('OBJECT', 'IDLETIME', 's'), ':0\r\n');
  });

  it('OBJECT FREQ and IDLETIME under an LFU policy; REFCOUNT under LRU with a limit', () => {
    const lfu = localServer({ 'maxmemory-policy': 'allkeys-lfu' });
    lfu.run('SET', 's', 'v');
    assert.equal(lfu.run('OBJECT', 'FREQ', 's'), ':5\r\n');
    assert.match(lfu.run('OBJECT', 'IDLETIME', 's'), /^-ERR An LFU maxmemory policy is selected, idle time not tracked/);
    assert.equal(lfu.run('OBJECT', 'FREQ', 'missing'), '$-1\r\n');
    const lru = localServer({ 'maxmemory-policy': 'allkeys-lru', maxmemory: '100mb' });
    lru.run('SET', 'n', '5');
    assert.equal(lru.run('OBJECT', 'REFCOUNT', 'n'), ':1\r\n');
    const plain = localServer();
    plain.run('SET', 'n', '5');
    assert.equal(plain.run('OBJECT', 'REFCOUNT', 'n'), ':2147483647\r\n');
  });

  it('answers RESP3 nulls where a key is missing', () => {
    const { run, c } = localServer();
    c.resp = 3;
    assert.equal(run('RANDOMKEY'), '_\r\n');
    for (const sub of ['ENCODING', 'REFCOUNT', 'IDLETIME', 'FREQ']) assert.equal(run('OBJECT', sub, 'missing'), '_\r\n');
    c.resp = 2;
    assert.equal(run('RANDOMKEY'), '$-1\r\n');
    assert.equal(run('OBJECT', 'ENCODING', 'missing'), '$-1\r\n');
  });

  it('counts keyspace hits and misses like Redis lookups', () => {
    const { run, server } = localServer();
    run('SET', 'a', '1');
    const s = server.stats;
    const counts = () => [s.keyspaceHits, s.keyspaceMisses];
    const delta = (cmd: string[], hits: number, misses: number) => {
      const [h, m] = counts();
      run(...cmd);
      assert.deepEqual([s.keyspaceHits - h, s.keyspaceMisses - m], [hits, misses], JSON.stringify(cmd));
    };
    delta(['EXISTS', 'a', 'b', 'a'], 2, 1);
    delta(['TYPE', 'a'], 1, 0);
    delta(['TTL', 'b'], 0, 1);
    delta(['TOUCH', 'a', 'b'], 1, 1);
    delta(['OBJECT', 'ENCODING', 'a'], 1, 0);
    delta(['COPY', 'a', 'c'], 1, 0);
    delta(['DEL', 'a'], 0, 0);
    delta(['RENAME', 'c', 'd'], 0, 0);
    delta(['EXPIRE', 'd', '10'], 0, 0);
    delta(['KEYS', '*'], 0, 0);
    delta(['SCAN', '0', 'TYPE', 'string'], 1, 0);
  });
});
