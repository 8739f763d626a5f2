// CLIENT PAUSE and CLIENT UNPAUSE against real Redis: which commands wait under WRITE and ALL,
// their replies once the pause is lifted (in the order they came), transactions, expiry held
// back while paused, CLIENT LIST and INFO for a postponed client, CLIENT UNBLOCK and CLIENT KILL
// of one, MONITOR clients never paused; and nodis-only checks on a fixed clock (a pause ending
// by its time, RANDOMKEY when every key is logically expired).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Differential, differentialSuite, waitBlocked, infoField, quiet, readBoth, send, type Pair } from '../helpers/differential.js';
import { RawConnection, encodeCommand } from '../helpers/resp.js';
import { localServer } from '../helpers/local.js';
import { processCommand } from '../../src/server/dispatch.js';

/** One field of a CLIENT LIST line. */
function field(line: string, name: string): string {
  const m = new RegExp(`(?:^| )${name}=(\\S*)`).exec(line);
  return m ? m[1] : '';
}

/** The CLIENT LIST line of the client with this id, on one server. */
async function clientLine(conn: RawConnection, id: string): Promise<string> {
  const r = (await conn.call('CLIENT', 'LIST', 'ID', id)) ?? '';
  return r.slice(r.indexOf('\r\n') + 2).split('\n')[0];
}

describe('CLIENT PAUSE', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  /** A flushed admin pair plus n client pairs, all closed (and both servers unpaused) after fn. */
  async function clients(n: number, fn: (admin: Pair, cs: Pair[]) => Promise<void>): Promise<void> {
    const admin = await d.pair();
    const cs: Pair[] = [];
    try {
      for (let i = 0; i < n; i++) cs.push(await d.pair({ flush: false }));
      await fn(admin, cs);
    } finally {
      await admin.do('CLIENT', 'UNPAUSE');
      for (const p of cs) p.close();
      admin.close();
    }
    const check = await d.pair({ flush: false });
    try {
      await waitBlocked(check, 0);
    } finally {
      check.close();
    }
  }

  it('errors: the mode is checked before the timeout; bad, negative and out-of-range timeouts; arity', async () => {
    await d.check([
      { cmd: ['CLIENT', 'PAUSE', '10', 'READ'], error: true },
      { cmd: ['CLIENT', 'PAUSE', 'abc', 'READ'], error: true },
      { cmd: ['CLIENT', 'PAUSE', 'abc'], error: true },
      { cmd: ['CLIENT', 'PAUSE', '1.5', 'WRITE'], error: true },
      { cmd: ['CLIENT', 'PAUSE', '-1'], error: true },
      { cmd: ['CLIENT', 'PAUSE', '-1', 'ALL'], error: true },
      { cmd: ['CLIENT', 'PAUSE', '10', 'WRITE', 'extra'], error: true },
      { cmd: ['CLIENT', 'PAUSE'], error: true },
      { cmd: ['CLIENT', 'UNPAUSE', 'extra'], error: true },
      ['CLIENT', 'UNPAUSE'],
      // A pause of 0 ms is over at once.
      ['CLIENT', 'PAUSE', '0', 'write'],
      ['SET', 'k', 'v'],
      ['CLIENT', 'PAUSE', '0'],
      ['GET', 'k'],
    ]);
  });

  it('WRITE: reads, admin commands and read-only transactions run; writes wait and then run in order', async () => {
    await clients(3, async (admin, [c1, c2, reader]) => {
      await admin.do('SET', 'k', '0');
      await admin.do('CLIENT', 'PAUSE', '100000', 'WRITE');
      await reader.do('GET', 'k');
      await reader.do('PING');
      await reader.do('EXISTS', 'k');
      await reader.do('MULTI');
      await reader.do('GET', 'k');
      await reader.do('PING');
      await reader.do('EXEC');
      send(c1, 'INCR', 'k');
      await waitBlocked(admin, 1);
      send(c2, 'INCRBY', 'k', '10');
      await waitBlocked(admin, 2);
      // Still served while the others wait.
      await reader.do('GET', 'k');
      await quiet(c1);
      await admin.do('CLIENT', 'UNPAUSE');
      assert.equal(await readBoth(c1, 'INCR'), ':1\r\n');
      assert.equal(await readBoth(c2, 'INCRBY'), ':11\r\n');
      await waitBlocked(admin, 0);
    });
  });

  it('WRITE also holds PUBLISH, SPUBLISH and PFCOUNT (they may replicate)', async () => {
    await clients(3, async (admin, [c1, c2, c3]) => {
      await admin.do('PFADD', 'hll', 'a', 'b');
      await admin.do('CLIENT', 'PAUSE', '100000', 'WRITE');
      send(c1, 'PFCOUNT', 'hll');
      await waitBlocked(admin, 1);
      send(c2, 'PUBLISH', 'ch', 'msg');
      await waitBlocked(admin, 2);
      send(c3, 'SPUBLISH', 'ch', 'msg');
      await waitBlocked(admin, 3);
      await admin.do('PUBSUB', 'NUMSUB', 'ch');
      await admin.do('CLIENT', 'UNPAUSE');
      assert.equal(await readBoth(c1, 'PFCOUNT'), ':2\r\n');
      assert.equal(await readBoth(c2, 'PUBLISH'), ':0\r\n');
      assert.equal(await readBoth(c3, 'SPUBLISH'), ':0\r\n');
    });
  });

  it("a postponed client's pipelined commands wait behind it; a command with an arity error answers at once", async () => {
    await clients(1, async (admin, [c1]) => {
      await admin.do('CLIENT', 'PAUSE', '100000', 'WRITE');
      await admin.error('SET', 'k');
      c1.write(encodeCommand(['SET', 'k', '1']) + encodeCommand(['GET', 'k']) + encodeCommand(['APPEND', 'k', '2']));
      await waitBlocked(admin, 1);
      await quiet(c1);
      await admin.do('GET', 'k');
      await admin.do('CLIENT', 'UNPAUSE');
      assert.equal(await readBoth(c1, 'SET'), '+OK\r\n');
      assert.equal(await readBoth(c1, 'GET'), '$1\r\n1\r\n');
      assert.equal(await readBoth(c1, 'APPEND'), ':2\r\n');
    });
  });

  it('transactions: EXEC of a queue with writes waits; queueing a write while paused waits too', async () => {
    await clients(2, async (admin, [c1, c2]) => {
      await c1.do('MULTI');
      await c1.do('SET', 'a', '1');
      await c1.do('GET', 'a');
      await admin.do('CLIENT', 'PAUSE', '100000', 'WRITE');
      send(c1, 'EXEC');
      await waitBlocked(admin, 1);
      // In MULTI, a write is held back before it is even queued.
      await c2.do('MULTI');
      await c2.do('GET', 'a');
      send(c2, 'SET', 'b', '2');
      await waitBlocked(admin, 2);
      await admin.do('CLIENT', 'UNPAUSE');
      assert.equal(await readBoth(c1, 'EXEC'), '*2\r\n+OK\r\n$1\r\n1\r\n');
      assert.equal(await readBoth(c2, 'queued SET'), '+QUEUED\r\n');
      await c2.do('EXEC');
    });
  });

  it('CLIENT PAUSE inside a transaction takes effect after EXEC: the writes after it in the queue run', async () => {
    await clients(1, async (admin, [c1]) => {
      await admin.run([['MULTI'], ['SET', 'x1', 'a'], ['CLIENT', 'PAUSE', '100000', 'WRITE'], ['SET', 'x2', 'b'], ['EXEC']]);
      send(c1, 'SET', 'x3', 'c');
      await waitBlocked(admin, 1);
      await admin.do('MGET', 'x1', 'x2', 'x3');
      await admin.do('CLIENT', 'UNPAUSE');
      assert.equal(await readBoth(c1, 'SET'), '+OK\r\n');
      await admin.do('MGET', 'x1', 'x2', 'x3');
    });
  });

  it('CLIENT LIST shows a postponed client blocked (flags=b) with its command; INFO counts it', async () => {
    await clients(1, async (admin, [c1]) => {
      const ids = await Promise.all([c1.nodis.call('CLIENT', 'ID'), c1.redis.call('CLIENT', 'ID')]);
      await admin.do('CLIENT', 'PAUSE', '100000', 'WRITE');
      send(c1, 'LPUSH', 'list', 'a', 'b');
      await waitBlocked(admin, 1);
      const lines = await Promise.all([
        clientLine(admin.nodis, ids[0]!.slice(1, -2)),
        clientLine(admin.redis, ids[1]!.slice(1, -2)),
      ]);
      // (The oracle's connections are unix sockets: its flags add U.)
      assert.equal(field(lines[1], 'flags').replace('U', ''), 'b');
      assert.equal(field(lines[0], 'flags'), 'b');
      for (const f of ['cmd', 'multi', 'argv-mem']) assert.equal(field(lines[0], f), field(lines[1], f), f);
      assert.equal(field(lines[0], 'cmd'), 'lpush');
      assert.equal(await infoField(admin.nodis, 'clients_in_timeout_table'), await infoField(admin.redis, 'clients_in_timeout_table'));
      await admin.do('CLIENT', 'UNPAUSE');
      await readBoth(c1, 'LPUSH');
    });
  });

  it('CLIENT UNBLOCK ERROR drops the postponed command with -UNBLOCKED; CLIENT KILL frees a postponed client', async () => {
    await clients(2, async (admin, [c1, c2]) => {
      const id1 = await Promise.all([c1.nodis.call('CLIENT', 'ID'), c1.redis.call('CLIENT', 'ID')]);
      const id2 = await Promise.all([c2.nodis.call('CLIENT', 'ID'), c2.redis.call('CLIENT', 'ID')]);
      await admin.do('CLIENT', 'PAUSE', '100000', 'WRITE');
      send(c1, 'SET', 'k', '1');
      send(c2, 'SET', 'k', '2');
      await waitBlocked(admin, 2);
      const [u1, u2] = await Promise.all([
        admin.nodis.call('CLIENT', 'UNBLOCK', id1[0]!.slice(1, -2), 'ERROR'),
        admin.redis.call('CLIENT', 'UNBLOCK', id1[1]!.slice(1, -2), 'ERROR'),
      ]);
      assert.equal(u1, u2);
      assert.equal(await readBoth(c1, 'unblocked SET'), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
      // Its next command is paused again.
      send(c1, 'SET', 'k', '3');
      await waitBlocked(admin, 2);
      const [k1, k2] = await Promise.all([
        admin.nodis.call('CLIENT', 'KILL', 'ID', id2[0]!.slice(1, -2)),
        admin.redis.call('CLIENT', 'KILL', 'ID', id2[1]!.slice(1, -2)),
      ]);
      assert.equal(k1, k2);
      await waitBlocked(admin, 1);
      await admin.do('CLIENT', 'UNPAUSE');
      assert.equal(await readBoth(c1, 'SET'), '+OK\r\n');
      await admin.do('GET', 'k');
    });
  });

  it('keys whose time passes during a pause read as missing but are not removed until it ends', async () => {
    await clients(0, async (admin) => {
      await admin.do('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      await admin.do('SET', 'gone', 'v', 'PX', '30');
      await admin.do('SET', 'kept', 'v');
      const before = await Promise.all([infoField(admin.nodis, 'expired_keys'), infoField(admin.redis, 'expired_keys')]);
      await admin.do('CLIENT', 'PAUSE', '100000', 'WRITE');
      await sleep(300);
      await admin.do('GET', 'gone');
      await admin.do('EXISTS', 'gone', 'kept');
      await admin.do('TTL', 'gone');
      // Still in the dictionary (active expiry did not run either).
      await admin.do('DBSIZE');
      const during = await Promise.all([infoField(admin.nodis, 'expired_keys'), infoField(admin.redis, 'expired_keys')]);
      assert.deepEqual(during, before);
      await admin.do('CLIENT', 'UNPAUSE');
      await admin.do('GET', 'gone');
      await admin.do('DBSIZE');
      const afterwards = await Promise.all([infoField(admin.nodis, 'expired_keys'), infoField(admin.redis, 'expired_keys')]);
      assert.deepEqual(afterwards.map(Number), before.map((n) => Number(n) + 1));
    });
  });

  it('ALL holds every command, reads and CLIENT UNPAUSE too, until its time passes; MONITOR clients are not paused', async () => {
    await clients(2, async (admin, [c1, monitor]) => {
      await admin.do('SET', 'k', 'v');
      await monitor.do('MONITOR');
      await admin.do('CLIENT', 'PAUSE', '400', 'ALL');
      send(c1, 'GET', 'k');
      send(admin, 'CLIENT', 'UNPAUSE');
      send(monitor, 'PING');
      // A MONITOR connection is a replica to Redis: never paused (it may see its own PING first).
      for (const conn of [monitor.nodis, monitor.redis]) {
        let r = await conn.read();
        if (r !== '+PONG\r\n') r = await conn.read();
        assert.equal(r, '+PONG\r\n');
      }
      await quiet(c1);
      assert.equal(await readBoth(c1, 'GET'), '$1\r\nv\r\n');
      assert.equal(await readBoth(admin, 'CLIENT UNPAUSE'), '+OK\r\n');
    });
  });
});

describe('CLIENT PAUSE (nodis only)', () => {
  it('ends when its time has passed (seen by the cron or a lazy check), and the held commands run in order', async () => {
    const { server, clock, c, run } = localServer();
    const other = server.createFakeClient();
    assert.equal(run('CLIENT', 'PAUSE', '1000', 'WRITE'), '+OK\r\n');
    processCommand(other, ['SET', 'k', '1']);
    assert.equal(other.takeReplies(), '');
    assert.equal(server.blocking.blockedClients, 1);
    clock.advance(1000);
    assert.equal(server.pause.check(), true, 'the pause lasts until the clock is past its end');
    clock.advance(1);
    assert.equal(server.pause.check(), false);
    await new Promise((r) => setImmediate(r));
    assert.equal(other.takeReplies(), '+OK\r\n');
    assert.equal(server.blocking.blockedClients, 0);
    assert.equal(run('GET', 'k'), '$1\r\n1\r\n');
    void c;
  });

  it('a purpose keeps the more restrictive type and the later end; CLIENT UNBLOCK TIMEOUT leaves a held client waiting', async () => {
    const { server, clock, run } = localServer();
    const other = server.createFakeClient();
    run('CLIENT', 'PAUSE', '5000', 'ALL');
    // (Under ALL the pausing client is held too: the second pause comes from elsewhere.)
    server.pause.pause('client-command', clock.now() + 100, 1);
    assert.equal(server.pause.type, 2);
    assert.equal(server.pause.end, clock.now() + 5000);
    processCommand(other, ['GET', 'k']);
    assert.equal(server.blocking.blockedClients, 1);
    // Redis 7.0 crashes on this (a postponed client has no timeout reply).
    const admin = server.createFakeClient();
    admin.monitor = true; // (never paused, like a replica)
    processCommand(admin, ['CLIENT', 'UNBLOCK', String(other.id), 'TIMEOUT']);
    assert.equal(admin.takeReplies(), ':0\r\n');
    assert.equal(server.blocking.blockedClients, 1);
    server.pause.unpause('client-command');
    await new Promise((r) => setImmediate(r));
    assert.equal(other.takeReplies(), '$-1\r\n');
  });

  it('RANDOMKEY answers when every key is volatile and logically expired during a pause (Redis loops)', () => {
    const { clock, run } = localServer();
    run('SET', 'a', '1', 'PX', '10');
    run('SET', 'b', '1', 'PX', '10');
    run('CLIENT', 'PAUSE', '100000', 'WRITE');
    clock.advance(20);
    const r = run('RANDOMKEY');
    assert.ok(r === '$1\r\na\r\n' || r === '$1\r\nb\r\n', r);
    assert.equal(run('DBSIZE'), ':2\r\n');
    run('CLIENT', 'UNPAUSE');
    assert.equal(run('RANDOMKEY'), '$-1\r\n');
  });

  it('the active expire cycle does nothing while paused', () => {
    const { server, clock, run } = localServer();
    run('SET', 'a', '1', 'PX', '10');
    run('CLIENT', 'PAUSE', '100000', 'WRITE');
    clock.advance(20);
    server.activeExpireCycle(100);
    assert.equal(run('DBSIZE'), ':1\r\n');
    run('CLIENT', 'UNPAUSE');
    server.activeExpireCycle(100);
    assert.equal(run('DBSIZE'), ':0\r\n');
  });
});
