// The differential harness tested on its own: two real Redis servers side by side must always
// pass (whatever Redis does, the harness accepts of itself), and a difference must fail with a
// message naming the command and both replies. The side-effect captures (keyspace events, the
// replication stream) are checked here against Redis alone, since nodis does not provide them yet.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Differential, differentialSuite, approxEqual, collectScan, scanPage, sorted, typeOf, type Pair,
} from '../helpers/differential.js';
import { alignTimes, eventOf, isTimeArg, maskTimes } from '../helpers/capture.js';
import { RawConnection, encodeCommand } from '../helpers/resp.js';
import { startOracle } from '../helpers/oracle.js';

describe('harness: normalisers', () => {
  it('sorted sorts arrays and sets, maps by pairs, and leaves the rest', () => {
    assert.equal(sorted('*2\r\n$1\r\nb\r\n$1\r\na\r\n'), '*2\r\n$1\r\na\r\n$1\r\nb\r\n');
    assert.equal(sorted('~2\r\n:2\r\n:1\r\n'), '~2\r\n:1\r\n:2\r\n');
    assert.equal(sorted('%2\r\n$1\r\nz\r\n:1\r\n$1\r\na\r\n:2\r\n'), '%2\r\n$1\r\na\r\n:2\r\n$1\r\nz\r\n:1\r\n');
    assert.equal(sorted('*-1\r\n'), '*-1\r\n');
    assert.equal(sorted('$1\r\nx\r\n'), '$1\r\nx\r\n');
  });

  it('typeOf keeps errors whole; scanPage keeps the cursor and sorts the page', () => {
    assert.equal(typeOf('$3\r\nabc\r\n'), '$');
    assert.equal(typeOf('-ERR x\r\n'), '-ERR x\r\n');
    assert.equal(scanPage('*2\r\n$2\r\n17\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n'), '$2\r\n17\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n');
  });

  it('approxEqual: numbers within tolerance, negative integers exact, shapes exact', () => {
    assert.ok(approxEqual(':100\r\n', ':99\r\n', 1));
    assert.ok(!approxEqual(':100\r\n', ':98\r\n', 1));
    assert.ok(!approxEqual(':-1\r\n', ':-2\r\n', 5));
    assert.ok(!approxEqual(':-1\r\n', ':1\r\n', 5));
    assert.ok(approxEqual('$4\r\n1.25\r\n', '$4\r\n1.26\r\n', 0.02));
    assert.ok(approxEqual(',1.5\r\n', ',1.4\r\n', 0.2));
    assert.ok(!approxEqual('$3\r\nabc\r\n', '$3\r\nabd\r\n', 1));
    assert.ok(approxEqual('*2\r\n:1\r\n:5\r\n', '*2\r\n:2\r\n:5\r\n', 1));
    assert.ok(!approxEqual('*2\r\n:1\r\n:5\r\n', '*3\r\n:1\r\n:5\r\n:1\r\n', 1));
  });

  it('absolute times in replication streams: which arguments, alignment within tolerance, masking', () => {
    assert.ok(isTimeArg(['PEXPIREAT', 'k', '1700000000000'], 2));
    assert.ok(isTimeArg(['SET', 'k', 'v', 'PXAT', '1700000000000'], 4));
    assert.ok(!isTimeArg(['SET', 'k', '1700000000000'], 2));
    const a = [['SET', 'k', 'v', 'PXAT', '1700000000500'], ['PEXPIREAT', 'j', '1700000100000'], ['SET', 'n', '1700000000000']];
    const b = [['SET', 'k', 'v', 'PXAT', '1700000000503'], ['PEXPIREAT', 'j', '1700000109000'], ['SET', 'n', '1700000000001']];
    assert.deepEqual(alignTimes(a, b, 10), [a[0], b[1], b[2]]);
    assert.deepEqual(maskTimes(a, 1700000000000, 5000), [['SET', 'k', 'v', 'PXAT', '<now>'], a[1], ['SET', 'n', '<now>']]);
    assert.deepEqual(maskTimes([['EXPIREAT', 'k', '1700000003']], 1700000000000, 5000), [['EXPIREAT', 'k', '<now>']]);
  });
});

describe('harness: two Redis servers always agree', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.startOracles());
  after(() => d.stop());

  it('every Pair method, RESP2 and RESP3', async () => {
    for (const resp3 of [false, true]) {
      await d.withPair(async (p) => {
        await p.setup('SET', 'ignored', 'x');
        assert.equal(await p.do('SET', 'k', 'v'), '+OK\r\n');
        await p.do('GET', 'k');
        await p.setup('MSET', 'a', '1', 'b', '2', 'c', '3');
        await p.unordered('KEYS', '*');
        await p.typeOnly('RANDOMKEY');
        await p.setup('EXPIRE', 'k', '100');
        await p.approx(1, 'TTL', 'k');
        await p.approx(1000, 'PTTL', 'k');
        await p.norm((r) => r.replace(/\d+/g, 'N'), 'INCR', 'a');
        assert.match(await p.error('INCR', 'k'), /^-ERR value is not an integer/);
        assert.deepEqual(await p.scanAll('SCAN', '0', 'COUNT', '1'), ['a', 'b', 'c', 'ignored', 'k']);
        await p.setup('HSET', 'h', 'f1', 'v1', 'f2', 'v2');
        assert.deepEqual(await p.scanAll('HSCAN', 'h', '0', 'COUNT', '1'), ['f1', 'v1', 'f2', 'v2']);
        await p.run([['GET', 'a'], { cmd: ['SMEMBERS', 'nope'], unordered: true }, { cmd: ['GET'], error: true }, { cmd: ['TTL', 'k'], approx: 1 }]);
      }, { resp3 });
    }
  });

  it('step lists and raw exchanges', async () => {
    await d.check([['SET', 'k', 'v'], ['GET', 'k'], { cmd: ['SCAN', '0', 'COUNT', '100'], norm: scanPage }], { resp3: true });
    const [raw] = await d.checkRaw('PING\r\nQUIT\r\n');
    assert.equal(raw, '+PONG\r\n+OK\r\n');
  });

  it('collectScan follows the cursor to 0 and reports errors as they are', async () => {
    const c = await d.left.connect();
    try {
      await c.call('FLUSHALL');
      for (let i = 0; i < 30; i++) await c.call('SADD', 's', `m${i}`);
      const all = await collectScan(c, ['SSCAN', 's', '0', 'COUNT', '2']);
      assert.ok(Array.isArray(all));
      assert.equal(all.length, 30);
      assert.equal(await collectScan(c, ['SCAN', 'x']), '-ERR invalid cursor\r\n');
    } finally {
      c.close();
    }
  });

  it('withConfig sets and restores each server\'s own values', async () => {
    await d.withConfig({ hz: '42' }, async () => {
      await d.withPair((p) => p.do('CONFIG', 'GET', 'hz').then((r) => assert.match(r, /42/)));
    });
    await d.withPair(async (p) => assert.match(await p.do('CONFIG', 'GET', 'hz'), /\$2\r\n10\r\n$/));
  });
});

describe('harness: a difference fails with a clear message', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.startOracles());
  after(() => d.stop());

  /** A pair whose second server alone holds k: the replies to GET k differ. */
  async function skewed(): Promise<Pair> {
    return d.pair({ prepare: async (p) => void (await p.redis.call('SET', 'k', 'only on B')) });
  }

  it('do, unordered, approx, typeOnly, error and run name the command and show both replies', async () => {
    const p = await skewed();
    try {
      await assert.rejects(p.do('GET', 'k'), (e: Error) => {
        assert.match(e.message, /reply to \["GET","k"\] differs \(redis A first, redis B second\)/);
        assert.match(e.message, /\$-1/);
        assert.match(e.message, /only on B/);
        return true;
      });
      await assert.rejects(p.unordered('KEYS', '*'), /reply to \["KEYS","\*"\] differs/);
      await p.approx(9, 'STRLEN', 'k');
      await assert.rejects(p.approx(8, 'STRLEN', 'k'), /beyond ±8/);
      await p.typeOnly('GET', 'k');
      await assert.rejects(p.typeOnly('LPUSH', 'k', 'x'), /differs/);
      await assert.rejects(p.error('GET', 'k'), /differs/);
      await assert.rejects(p.error('PING'), /should fail on both/);
      await assert.rejects(p.run([['PING'], ['GET', 'k']], '\n(context)'), /\(context\)/);
      await assert.rejects(p.scanAll('SCAN', '0', 'TYPE', 'string'), /iterated to the end returns different sets/);
    } finally {
      p.close();
    }
  });

  it('a closed connection is a failure, not an equal null', async () => {
    const p = await d.pair();
    try {
      assert.equal(await p.do('QUIT'), '+OK\r\n');
      await assert.rejects(p.do('PING'), /both servers closed the connection instead of answering \["PING"\]/);
    } finally {
      p.close();
    }
  });
});

describe('harness: keyspace events, captured from Redis', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.startOracles());
  after(() => d.stop());

  it('both servers publish the same events, in order; the sentinel ends the capture', async () => {
    const events = await d.withEvents(async (p) => {
      await p.do('SET', 'k', 'v');
      await p.do('APPEND', 'k', 'w');
      await p.do('EXPIRE', 'k', '100');
      await p.do('SELECT', '3');
      await p.do('SET', 'other', '1');
      await p.do('DEL', 'other', 'missing');
      await p.do('GET', 'k');
    });
    assert.deepEqual(events.nodis.map(eventOf), [
      ['__keyspace@0__:k', 'set'], ['__keyevent@0__:set', 'k'],
      ['__keyspace@0__:k', 'append'], ['__keyevent@0__:append', 'k'],
      ['__keyspace@0__:k', 'expire'], ['__keyevent@0__:expire', 'k'],
      ['__keyspace@3__:other', 'set'], ['__keyevent@3__:set', 'other'],
      ['__keyspace@3__:other', 'del'], ['__keyevent@3__:del', 'other'],
    ]);
    assert.deepEqual(events.nodis, events.redis);
  });

  it('a class string, RESP3 listeners, and nothing at all', async () => {
    const events = await d.withEvents(
      async (p) => {
        await p.do('SET', 'k', 'v', 'PX', '1');
        await new Promise((r) => setTimeout(r, 20));
        await p.do('GET', 'k');
        await p.do('SET', 'j', 'v');
      },
      { events: 'Ex', eventsResp3: true },
    );
    assert.deepEqual(events.nodis.map(eventOf), [['__keyevent@0__:expired', 'k']]);
    assert.ok(events.nodis[0].startsWith('>4\r\n'));
    assert.deepEqual((await d.withEvents(async (p) => void (await p.do('GET', 'x')))).nodis, []);
  });

  it('check() takes events as an option, and config is restored afterwards', async () => {
    await d.check([['SET', 'a', '1'], ['INCR', 'a'], ['DEL', 'a']], { events: true });
    await d.withPair(async (p) => assert.equal(await p.do('CONFIG', 'GET', 'notify-keyspace-events'), '*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n'));
  });

  it('different events fail, showing both lists', async () => {
    await assert.rejects(
      d.withEvents(async (p) => {
        await p.do('SET', 'k', 'v');
        await p.redis.call('SET', 'extra', 'v');
      }),
      (e: Error) => {
        assert.match(e.message, /keyspace events differ \(redis A first, redis B second\)/);
        assert.match(e.message, /extra/);
        return true;
      },
    );
  });
});

describe('harness: the replication stream, captured from Redis', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.startOracles());
  after(() => d.stop());

  it('PSYNC ? -1: +FULLRESYNC, the RDB, then the commands as Redis rewrites them', async () => {
    const start = Date.now();
    const repl = await d.withReplication(async (p) => {
      await p.do('SET', 'k', 'v', 'EX', '100');
      await p.do('INCRBYFLOAT', 'f', '1.5');
      await p.do('GET', 'k');
      await p.do('SELECT', '2');
      await p.do('DEL', 'nothing');
      await p.do('SET', 'x', '1');
    });
    for (const h of repl.headers) {
      assert.equal(h.mode, 'psync');
      assert.match(h.replid!, /^[0-9a-f]{40}$/);
      assert.ok(h.rdb.startsWith('REDIS0010'));
    }
    const masked = maskTimes(repl.nodis, start + 100_000, 5000);
    assert.deepEqual(masked, [
      ['SELECT', '0'],
      ['SET', 'k', 'v', 'PXAT', '<now>'],
      ['SET', 'f', '1.5', 'KEEPTTL'],
      ['SELECT', '2'],
      ['SET', 'x', '1'],
    ]);
  });

  it('SYNC, a sentinel from another database, and an empty stream', async () => {
    const repl = await d.withReplication(async (p) => {
      await p.do('SELECT', '5');
      await p.do('SET', 'a', '1');
    }, { replication: 'sync' });
    assert.equal(repl.headers[0].mode, 'sync');
    assert.deepEqual(repl.nodis, [['SELECT', '5'], ['SET', 'a', '1']]);
    assert.deepEqual((await d.withReplication(async (p) => void (await p.do('GET', 'x')))).nodis, []);
  });

  it('expiry and relative times: PEXPIREAT within tolerance, DEL of a lazily expired key', async () => {
    const repl = await d.withReplication(async (p) => {
      await p.do('SET', 'a', '1');
      await p.do('EXPIRE', 'a', '1000');
      await p.do('SET', 'gone', 'v', 'PX', '1');
      await new Promise((r) => setTimeout(r, 20));
      await p.do('GET', 'gone');
    });
    assert.deepEqual(repl.nodis.map((argv) => argv[0]), ['SELECT', 'SET', 'PEXPIREAT', 'SET', 'DEL']);
  });

  it('check() takes replication and events together', async () => {
    await d.check([['SET', 'a', '1'], ['INCR', 'a'], ['EXPIRE', 'a', '50']], { events: true, replication: true });
  });

  it('different streams fail, showing both', async () => {
    await assert.rejects(
      d.withReplication(async (p) => {
        await p.do('SET', 'k', 'v');
        await p.nodis.call('SET', 'only-a', 'v');
      }),
      (e: Error) => {
        assert.match(e.message, /replication streams differ \(redis A first, redis B second\)/);
        assert.match(e.message, /only-a/);
        return true;
      },
    );
  });
});

describe('harness: oracles with config', differentialSuite(), () => {
  it('startOracle and startWith take a config object', async () => {
    const o = await startOracle({ 'notify-keyspace-events': 'KEA', hz: 20 });
    const c = await o.connect();
    try {
      assert.equal(await c.call('CONFIG', 'GET', 'notify-keyspace-events'), '*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n');
    } finally {
      c.close();
      await o.close();
    }
    const d = new Differential();
    try {
      await d.startWith({ requirepass: 'pw', hz: 15 });
      assert.equal(d.password, 'pw');
      await d.check([['PING']], { flush: false });
      await d.withPair(async (p) => assert.equal(await p.do('CONFIG', 'GET', 'hz'), '*2\r\n$2\r\nhz\r\n$2\r\n15\r\n'), { auth: true });
      const raw = await RawConnection.open({ port: d.nodis.port });
      raw.write(encodeCommand(['PING']));
      assert.match((await raw.read())!, /^-NOAUTH/);
      raw.close();
    } finally {
      await d.stop();
    }
  });
});

describe('harness: the README example, on nodis', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('replies', async () => {
    await d.check([['SET', 'k', 'v', 'EX', '100'], { cmd: ['TTL', 'k'], approx: 1 }, { cmd: ['KEYS', '*'], unordered: true }]);
    await d.withPair(async (p) => {
      await p.setup('MSET', 'a', '1', 'b', '2');
      await p.error('INCR', 'nosuchkey', 'extra');
      assert.deepEqual(await p.scanAll('SCAN', '0', 'COUNT', '1'), ['a', 'b']);
    }, { resp3: true });
  });

  it('side effects', async () => {
    await d.check([['SET', 'k', 'v'], ['EXPIRE', 'k', '10']], { events: true, replication: true });
  });
});
