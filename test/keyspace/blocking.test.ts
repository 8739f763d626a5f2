// Blocking list commands against real Redis: several clients on one key (FIFO), several keys per
// client, timeouts, disconnects, CLIENT UNBLOCK both ways, BLMOVE chains, keys readied twice,
// what a served client's command propagates and notifies, statistics; and nodis-only checks of
// what the oracle (Redis 7.0) cannot show: timeouts driven by clock.advance(), Redis 7.2's
// timeout parsing, a client that may not block (inside MULTI or a script).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite, quiet, readBoth, send, infoField, waitBlocked, type Pair } from '../helpers/differential.js';
import { RawConnection, encodeCommand, hello3 } from '../helpers/resp.js';
import { localServer } from '../helpers/local.js';
import { processCommand } from '../../src/server/dispatch.js';
import { startServer } from '../../src/embed.js';

describe('blocking list commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  /** A flushed admin pair plus n client pairs, closed after fn. */
  async function clients(n: number, fn: (admin: Pair, cs: Pair[]) => Promise<void>, resp3 = false): Promise<void> {
    const admin = await d.pair();
    const cs: Pair[] = [];
    try {
      for (let i = 0; i < n; i++) cs.push(await d.pair({ flush: false, resp3 }));
      await fn(admin, cs);
    } finally {
      for (const p of cs) p.close();
      admin.close();
    }
    // Both servers forget the closed clients.
    const check = await d.pair({ flush: false });
    try {
      await waitBlocked(check, 0);
    } finally {
      check.close();
    }
  }

  it('serves several clients on one key first come, first served', async () => {
    await clients(3, async (admin, [c1, c2, c3]) => {
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      send(c2, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 2);
      send(c3, 'BRPOP', 'k', '0');
      await waitBlocked(admin, 3);
      await admin.norm(
        (r) => r.slice(r.indexOf('\r\n') + 2).replace(/\r\n(connected_clients|client_recent_max_(input|output)_buffer|maxclients|pubsub_clients|watching_clients|total_watched_keys|total_blocking_keys(_on_nokey)?):\d+/g, ''),
        'INFO',
        'clients',
      );
      await admin.do('RPUSH', 'k', 'a', 'b');
      await readBoth(c1, 'first client');
      await readBoth(c2, 'second client');
      await quiet(c3);
      await admin.do('LLEN', 'k');
      await admin.do('RPUSH', 'k', 'c', 'd');
      await readBoth(c3, 'third client');
      await admin.do('LRANGE', 'k', '0', '-1');
    });
  });

  it('a client blocked on several keys is served from the key that gets data', async () => {
    await clients(2, async (admin, [c1, c2]) => {
      send(c1, 'BLPOP', 'k1', 'k2', 'k3', '0');
      await waitBlocked(admin, 1);
      send(c2, 'BLMPOP', '0', '3', 'k3', 'k2', 'k1', 'RIGHT', 'COUNT', '2');
      await waitBlocked(admin, 2);
      await admin.do('RPUSH', 'k3', 'x', 'y', 'z');
      await readBoth(c1, 'BLPOP on three keys');
      await readBoth(c2, 'BLMPOP on three keys');
      await admin.do('EXISTS', 'k3');
      send(c1, 'BRPOP', 'k1', 'k1', 'k2', '0');
      await waitBlocked(admin, 1);
      await admin.do('LPUSH', 'k1', 'v');
      await readBoth(c1, 'a key named twice');
    });
  });

  it('times out, with decimals, and replies the null array (RESP2 and RESP3)', async () => {
    await clients(1, async (admin, [c1]) => {
      for (const cmd of [['BLPOP', 'k', '0.1'], ['BRPOP', 'k', 'k2', '0.05'], ['BLMPOP', '0.05', '1', 'k', 'LEFT'], ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0.05'], ['BRPOPLPUSH', 'k', 'd', '0.05']]) {
        send(c1, ...cmd);
        await readBoth(c1, cmd.join(' '));
      }
      await admin.do('EXISTS', 'd');
    });
    await clients(1, async (_admin, [c1]) => {
      send(c1, 'BLPOP', 'k', '0.05');
      await readBoth(c1, 'RESP3 timeout');
      send(c1, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0.05');
      await readBoth(c1, 'RESP3 BLMOVE timeout');
    }, true);
  });

  it('a served client gets RESP3 replies in RESP3', async () => {
    await clients(2, async (admin, [c1, c2]) => {
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      send(c2, 'BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '3');
      await waitBlocked(admin, 2);
      await admin.do('RPUSH', 'k', 'a', 'b', 'c');
      await readBoth(c1, 'RESP3 BLPOP');
      await readBoth(c2, 'RESP3 BLMPOP');
    }, true);
  });

  it('forgets a client that disconnects while blocked', async () => {
    await clients(2, async (admin, [c1, c2]) => {
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      send(c2, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 2);
      c1.close();
      await waitBlocked(admin, 1);
      await admin.do('RPUSH', 'k', 'a', 'b');
      await readBoth(c2, 'the client still connected');
      await admin.do('LRANGE', 'k', '0', '-1');
    });
  });

  it('CLIENT UNBLOCK: TIMEOUT replies the null array, ERROR the -UNBLOCKED error', async () => {
    await clients(2, async (admin, [c1, c2]) => {
      await admin.setup('CONFIG', 'RESETSTAT');
      const ids = await Promise.all([c1.nodis.call('CLIENT', 'ID'), c1.redis.call('CLIENT', 'ID')]);
      const id = (r: string | null): string => r!.slice(1, -2);
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      const unblock = async (how: string[]): Promise<void> => {
        const [a, b] = await Promise.all([
          admin.nodis.call('CLIENT', 'UNBLOCK', id(ids[0]), ...how),
          admin.redis.call('CLIENT', 'UNBLOCK', id(ids[1]), ...how),
        ]);
        assert.equal(a, b);
        assert.equal(a, ':1\r\n');
      };
      await unblock([]);
      await readBoth(c1, 'unblocked with TIMEOUT');
      send(c1, 'BRPOP', 'k', '0');
      await waitBlocked(admin, 1);
      await unblock(['TIMEOUT']);
      await readBoth(c1, 'unblocked with TIMEOUT');
      send(c1, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
      await waitBlocked(admin, 1);
      await unblock(['error']);
      await readBoth(c1, 'unblocked with ERROR');
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      await unblock(['ERROR']);
      await readBoth(c1, 'unblocked with ERROR');
      // A client that is not blocked, one that does not exist, and the errors.
      await admin.do('CLIENT', 'UNBLOCK', '999999');
      await admin.do('CLIENT', 'UNBLOCK', '999999', 'ERROR');
      await admin.do('CLIENT', 'UNBLOCK', 'x', 'ERROR');
      await admin.do('CLIENT', 'UNBLOCK', 'x', 'sometimes');
      await admin.do('CLIENT', 'UNBLOCK', '1', 'ERROR', 'x');
      await admin.do('CLIENT', 'UNBLOCK');
      // The error counts as Redis counts it.
      await admin.norm((r) => r.split('\r\n').filter((l) => l.startsWith('errorstat_') || l.startsWith('total_error')).join(','), 'INFO', 'everything');
      await admin.norm((r) => (/cmdstat_blmove:calls=(\d+),.*failed_calls=(\d+)/.exec(r) ?? []).slice(1).join(','), 'INFO', 'commandstats');
      await admin.norm((r) => (/cmdstat_blpop:calls=(\d+),/.exec(r) ?? []).slice(1).join(','), 'INFO', 'commandstats');
      // Redis 7.0 counts CLIENT UNBLOCK TIMEOUT as a failed call too, Redis 7.2 (nodis) does not.
      const stats = await admin.nodis.call('INFO', 'commandstats');
      assert.match(stats!, /cmdstat_brpop:calls=1,[^\r]*failed_calls=0/);
      assert.match(stats!, /cmdstat_blpop:calls=2,[^\r]*failed_calls=1/);
    });
  });

  it('BLMOVE chains: a client blocked on the destination is served in the same round', async () => {
    await clients(3, async (admin, [c1, c2, c3]) => {
      send(c1, 'BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0');
      await waitBlocked(admin, 1);
      send(c2, 'BRPOPLPUSH', 'b', 'c', '0');
      await waitBlocked(admin, 2);
      send(c3, 'BLPOP', 'c', '0');
      await waitBlocked(admin, 3);
      await admin.do('RPUSH', 'a', 'x');
      await readBoth(c1, 'a → b');
      await readBoth(c2, 'b → c');
      await readBoth(c3, 'c popped');
      await admin.do('KEYS', '*');
      // Circular: a → b → a.
      send(c1, 'BRPOPLPUSH', 'a', 'b', '0');
      await waitBlocked(admin, 1);
      send(c2, 'BRPOPLPUSH', 'b', 'a', '0');
      await waitBlocked(admin, 2);
      await admin.do('RPUSH', 'a', 'y');
      await readBoth(c1, 'a → b (circular)');
      await readBoth(c2, 'b → a (circular)');
      await admin.do('LRANGE', 'a', '0', '-1');
      await admin.do('LRANGE', 'b', '0', '-1');
    });
  });

  it('a key readied twice, or by a client served from it, is served once per element', async () => {
    await clients(3, async (admin, [c1, c2, c3]) => {
      // Self-referential: c1 moves the element back onto k, which c2 then pops.
      send(c1, 'BRPOPLPUSH', 'k', 'k', '0');
      await waitBlocked(admin, 1);
      send(c2, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 2);
      send(c3, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 3);
      await admin.do('RPUSH', 'k', 'x');
      await readBoth(c1, 'self-referential BRPOPLPUSH');
      await readBoth(c2, 'then BLPOP');
      await quiet(c3);
      // One command pushing several elements, then another: each waiting client once.
      await admin.do('LPUSH', 'k', 'a', 'b', 'c');
      await readBoth(c3, 'LPUSH of three');
      await admin.do('LRANGE', 'k', '0', '-1');
      send(c1, 'BLPOP', 'k2', '0');
      await waitBlocked(admin, 1);
      send(c2, 'BLPOP', 'k2', '0');
      await waitBlocked(admin, 2);
      await admin.do('RPUSH', 'src', '1', '2');
      await admin.do('LMOVE', 'src', 'k2', 'LEFT', 'LEFT');
      await readBoth(c1, 'LMOVE readies k2');
      await admin.do('RPOPLPUSH', 'src', 'k2');
      await readBoth(c2, 'RPOPLPUSH readies k2');
    });
  });

  it('re-checks the key for each client: wrong types and deleted keys do not serve', async () => {
    await clients(2, async (admin, [c1, c2]) => {
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      await admin.do('SET', 'k', 'string');
      await admin.do('DEL', 'k');
      await admin.do('RPUSH', 'k', 'a');
      await readBoth(c1, 'after SET and DEL');
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      await admin.do('SET', 'k', 'string');
      await quiet(c1);
      await admin.do('DEL', 'k');
      await admin.do('RPUSH', 'k', 'b');
      await readBoth(c1, 'a list again');
      // A destination of the wrong type: the served BLMOVE fails, the element stays.
      await admin.do('SET', 'dst', 'string');
      send(c2, 'BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0');
      await waitBlocked(admin, 1);
      await admin.do('RPUSH', 'src', 'v');
      await readBoth(c2, 'BLMOVE onto a string');
      await admin.do('LRANGE', 'src', '0', '-1');
    });
  });

  it('keys moved into place serve: RENAME, MOVE, COPY, SWAPDB, RESTORE', async () => {
    await clients(1, async (admin, [c1]) => {
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      await admin.do('RPUSH', 'other', 'a', 'b');
      await admin.do('RENAME', 'other', 'k');
      await readBoth(c1, 'RENAME');
      await admin.do('RENAME', 'k', 'k2');
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      await admin.do('COPY', 'k2', 'k');
      await readBoth(c1, 'COPY');
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      await admin.do('SELECT', '1');
      await admin.do('RPUSH', 'k', 'in db 1');
      await admin.do('MOVE', 'k', '0');
      await readBoth(c1, 'MOVE');
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      await admin.do('RPUSH', 'k', 'swapped');
      await admin.do('SWAPDB', '0', '1');
      await readBoth(c1, 'SWAPDB');
      // Database 1 now holds what 0 held: k2.
      const [dn, dr] = await Promise.all([admin.nodis.call('DUMP', 'k2'), admin.redis.call('DUMP', 'k2')]);
      await admin.do('SELECT', '0');
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      const payload = (r: string | null): string => r!.slice(r!.indexOf('\r\n') + 2, -2);
      const restored = await Promise.all([admin.nodis.call('RESTORE', 'k', '0', payload(dn)), admin.redis.call('RESTORE', 'k', '0', payload(dr))]);
      assert.deepEqual(restored, ['+OK\r\n', '+OK\r\n']);
      await readBoth(c1, 'RESTORE');
    });
  });

  it('inside MULTI a blocking command does not block; a transaction serves waiting clients once it ends', async () => {
    await clients(2, async (admin, [c1, c2]) => {
      await c1.do('MULTI');
      await c1.do('BLPOP', 'k', '0');
      await c1.do('BRPOP', 'k', 'j', '0');
      await c1.do('BLMPOP', '0', '1', 'k', 'LEFT');
      await c1.do('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
      await c1.do('BRPOPLPUSH', 'k', 'd', '0');
      await c1.do('RPUSH', 'k', 'a', 'b', 'c');
      await c1.do('BLPOP', 'k', '0');
      await c1.do('BLMOVE', 'k', 'd', 'RIGHT', 'LEFT', '0');
      await c1.do('EXEC');
      await admin.do('LRANGE', 'd', '0', '-1');
      // Isolated: the waiting client sees the state after EXEC, pushes and deletes included.
      send(c2, 'BLPOP', 'q', '0');
      await waitBlocked(admin, 1);
      await admin.do('MULTI');
      await admin.do('LPUSH', 'q', 'x');
      await admin.do('DEL', 'q');
      await admin.do('EXEC');
      await quiet(c2);
      await admin.do('MULTI');
      await admin.do('LPUSH', 'q', 'a');
      await admin.do('LPUSH', 'q', 'b');
      await admin.do('LPUSH', 'q', 'c');
      await admin.do('EXEC');
      await readBoth(c2, 'after EXEC');
      await admin.do('LRANGE', 'q', '0', '-1');
    });
  });

  it("a blocked client's pipelined commands wait until it is served", async () => {
    await clients(1, async (admin, [c1]) => {
      c1.write(encodeCommand(['BLPOP', 'k', '0']) + encodeCommand(['PING']) + encodeCommand(['LLEN', 'k']));
      await waitBlocked(admin, 1);
      await quiet(c1);
      c1.write(encodeCommand(['ECHO', 'sent while blocked']));
      await quiet(c1, 50);
      await admin.do('RPUSH', 'k', 'a', 'b');
      await readBoth(c1, 'the BLPOP');
      await readBoth(c1, 'PING after it');
      await readBoth(c1, 'LLEN after it');
      await readBoth(c1, 'ECHO sent while blocked');
    });
  });

  it('MONITOR shows a blocking command once, when it is sent', async () => {
    await clients(2, async (admin, [monitor, c1]) => {
      await monitor.do('MONITOR');
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      await admin.do('RPUSH', 'k', 'a');
      await readBoth(c1, 'served');
      await admin.do('PING');
      // Each monitor line without its time and client address.
      const line = (r: string): string => r.replace(/^\+\d+\.\d+ \[(\d+) [^\]]*\]/, '+[$1]');
      for (let i = 0; i < 3; i++) {
        const [a, b] = await Promise.all([monitor.nodis.read(), monitor.redis.read()]);
        assert.equal(line(a!), line(b!), `monitor line ${i}`);
      }
    });
  });

  it('CLIENT LIST shows the b flag and the blocked command', async () => {
    await clients(1, async (admin, [c1]) => {
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      const flags = (r: string): string =>
        r.split('\n').filter((l) => l.includes('cmd=blpop')).map((l) => /flags=(\S+)/.exec(l)![1].replace('U', '') + ' ' + /argv-mem=(\S+)/.exec(l)![1]).join(',');
      await admin.norm(flags, 'CLIENT', 'LIST');
      await admin.do('RPUSH', 'k', 'a');
      await readBoth(c1, 'served');
    });
  });

  it('a served client notifies and propagates as its non-blocking form', async () => {
    const scenario = async (p: Pair): Promise<void> => {
      const cs = [await d.pair({ flush: false }), await d.pair({ flush: false }), await d.pair({ flush: false }), await d.pair({ flush: false })];
      try {
        send(cs[0], 'BLPOP', 'a', '0');
        await waitBlocked(p, 1);
        send(cs[1], 'BLMPOP', '0', '2', 'x', 'a', 'RIGHT', 'COUNT', '5');
        await waitBlocked(p, 2);
        // (Lower case: Redis 7.0 propagates a served BLMOVE's ends as "left"/"right" whatever the
        // client sent, 7.2 as sent.)
        send(cs[2], 'BLMOVE', 'b', 'a', 'right', 'left', '0');
        await waitBlocked(p, 3);
        send(cs[3], 'BRPOPLPUSH', 'c', 'd', '0');
        await waitBlocked(p, 4);
        await p.do('RPUSH', 'a', '1', '2', '3', '4');
        await readBoth(cs[0], 'BLPOP');
        await readBoth(cs[1], 'BLMPOP');
        await p.do('RPUSH', 'b', 'x', 'y');
        await readBoth(cs[2], 'BLMOVE');
        await p.do('LPUSH', 'c', 'z');
        await readBoth(cs[3], 'BRPOPLPUSH');
        send(cs[0], 'BRPOP', 'e', '0');
        await waitBlocked(p, 1);
        await p.do('RENAME', 'a', 'e');
        await readBoth(cs[0], 'BRPOP after RENAME');
        // Pushed inside a transaction: the transaction goes out whole, then the served pop.
        send(cs[1], 'BLPOP', 'f', '0');
        await waitBlocked(p, 1);
        await p.do('MULTI');
        await p.do('RPUSH', 'f', '1');
        await p.do('RPUSH', 'g', '2');
        await p.do('EXEC');
        await readBoth(cs[1], 'BLPOP after EXEC');
      } finally {
        for (const c of cs) c.close();
      }
    };
    await d.capture(scenario, { events: true, replication: true });
  });

  it('counts the served command once in commandstats, as Redis does', async () => {
    await clients(2, async (admin, [c1, c2]) => {
      await admin.setup('CONFIG', 'RESETSTAT');
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(admin, 1);
      send(c2, 'BLMOVE', 'k2', 'k3', 'LEFT', 'LEFT', '0.05');
      await readBoth(c2, 'timed out');
      await admin.do('RPUSH', 'k', 'a', 'b');
      await readBoth(c1, 'served');
      const calls = (r: string): string =>
        r.split('\r\n').filter((l) => /^cmdstat_(blpop|blmove|rpush|lpop)/.test(l)).map((l) => l.replace(/usec=[^,]*,usec_per_call=[^,]*,/, '')).sort().join(' ');
      await admin.norm(calls, 'INFO', 'commandstats');
    });
  });
});

describe('blocking: nodis-only checks', () => {
  it('times out when the clock is advanced (no waiting)', async () => {
    const { server, clock } = localServer();
    server.log.silent = true;
    const c = server.createFakeClient();
    const run = (...argv: string[]): string => {
      processCommand(c, argv);
      return c.takeReplies();
    };
    assert.equal(run('BLPOP', 'k', '100'), '');
    assert.ok(c.blocked !== null);
    assert.equal(server.blocking.blockedClients, 1);
    assert.equal(server.blocking.timedClients, 1);
    clock.advance(99_000);
    assert.equal(c.takeReplies(), '');
    clock.advance(1_001);
    assert.equal(c.takeReplies(), '*-1\r\n');
    assert.equal(server.blocking.blockedClients, 0);
    assert.equal(server.blocking.waitedKeys, 0);
    // At the deadline itself it has not passed yet (Redis: strictly after).
    assert.equal(run('BRPOP', 'k', '1'), '');
    clock.advance(1000);
    assert.equal(c.takeReplies(), '');
    clock.advance(1);
    assert.equal(c.takeReplies(), '*-1\r\n');
    // Redis 7.2 rounds a timeout up to the next millisecond, so 0.0001 s is not forever.
    assert.equal(run('BLPOP', 'k', '0.0001'), '');
    clock.advance(2);
    assert.equal(c.takeReplies(), '*-1\r\n');
    // A timeout of 0 never ends.
    assert.equal(run('BLPOP', 'k', '0'), '');
    clock.advance(10 ** 12);
    assert.equal(c.takeReplies(), '');
    assert.equal(server.blocking.timedClients, 0);
    server.blocking.forget(c);
    await server.close();
  });

  it('checks timeouts as Redis 7.2 does', () => {
    const { run } = localServer();
    assert.equal(run('BLPOP', 'k', '1e16'), '-ERR timeout is out of range\r\n');
    assert.equal(run('BLPOP', 'k', '9223372036854775.807'), '-ERR timeout is out of range\r\n');
    assert.equal(run('BLPOP', 'k', 'inf'), '-ERR timeout is out of range\r\n');
    assert.equal(run('BLPOP', 'k', '-inf'), '-ERR timeout is negative\r\n');
    assert.equal(run('BLPOP', 'k', '-0.5'), '-ERR timeout is negative\r\n');
    assert.equal(run('BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '1e100'), '-ERR timeout is out of range\r\n');
    assert.equal(run('LPOS', 'l', 'a', 'RANK', '-9223372036854775808'), '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n');
  });

  it('a client that may not block (MULTI, scripts) answers as if timed out', () => {
    const { c, run } = localServer();
    c.denyBlocking = true;
    assert.equal(run('BLPOP', 'k', '0'), '*-1\r\n');
    assert.equal(run('BRPOP', 'k', 'j', '0'), '*-1\r\n');
    assert.equal(run('BLMPOP', '0', '1', 'k', 'LEFT'), '*-1\r\n');
    assert.equal(run('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'), '$-1\r\n');
    assert.equal(run('BRPOPLPUSH', 'k', 'd', '0'), '$-1\r\n');
    assert.equal(run('RPUSH', 'k', 'a'), ':1\r\n');
    assert.equal(run('BLPOP', 'k', '0'), '*2\r\n$1\r\nk\r\n$1\r\na\r\n');
  });

  it('serves in FIFO order and forgets clients that go away (fake clients)', () => {
    const { server, run } = localServer();
    const a = server.createFakeClient();
    const b = server.createFakeClient();
    processCommand(a, ['BLPOP', 'k', 'j', '0']);
    processCommand(b, ['BLPOP', 'j', '0']);
    assert.equal(server.blocking.waitedKeys, 2);
    assert.equal(run('RPUSH', 'j', '1', '2', '3'), ':3\r\n');
    assert.equal(a.takeReplies(), '*2\r\n$1\r\nj\r\n$1\r\n1\r\n');
    assert.equal(b.takeReplies(), '*2\r\n$1\r\nj\r\n$1\r\n2\r\n');
    assert.equal(run('LRANGE', 'j', '0', '-1'), '*1\r\n$1\r\n3\r\n');
    processCommand(a, ['BLPOP', 'k', '0']);
    a.releaseFeatures();
    assert.equal(server.blocking.blockedClients, 0);
    assert.equal(run('RPUSH', 'k', 'x'), ':1\r\n');
    assert.equal(a.takeReplies(), '');
    assert.equal(run('LLEN', 'k'), ':1\r\n');
  });

  it('the idle timeout leaves a blocked client alone, as Redis does', async () => {
    const nodis = await startServer({ timeout: 10 });
    try {
      const blocked = await RawConnection.open({ port: nodis.port });
      const admin = await RawConnection.open({ port: nodis.port });
      blocked.write(encodeCommand(['BLPOP', 'q', '0']));
      while ((await infoField(admin, 'blocked_clients')) !== '1') await new Promise((r) => setTimeout(r, 5));
      nodis.clock.advance(20_000);
      // The clients cron runs once a second.
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(!blocked.closed, 'the blocked client is still connected');
      const admin2 = await RawConnection.open({ port: nodis.port });
      assert.equal(await admin2.call('RPUSH', 'q', 'x'), ':1\r\n');
      assert.equal(await blocked.read(), '*2\r\n$1\r\nq\r\n$1\r\nx\r\n');
      blocked.close();
      admin2.close();
    } finally {
      await nodis.close();
    }
  });

  it('a blocked RESP3 connection is served over the socket', async () => {
    const nodis = await startServer();
    try {
      const conn = await RawConnection.open({ port: nodis.port });
      const admin = await RawConnection.open({ port: nodis.port });
      await hello3(conn);
      conn.write(encodeCommand(['BLMPOP', '100', '1', 'q', 'RIGHT', 'COUNT', '2']));
      while ((await infoField(admin, 'blocked_clients')) !== '1') await new Promise((r) => setTimeout(r, 5));
      assert.match(await infoField(admin, 'clients_in_timeout_table'), /^1$/);
      assert.match(await infoField(admin, 'total_blocking_keys'), /^1$/);
      nodis.clock.advance(100_001);
      assert.equal(await conn.read(), '_\r\n');
      conn.close();
      admin.close();
    } finally {
      await nodis.close();
    }
  });
});
