// Transactions (MULTI EXEC DISCARD WATCH UNWATCH) against real Redis: replies, queue-time and
// run-time errors, WATCH broken by other clients, expiry and whole-database operations, what
// reaches the replication stream and the keyspace events, and the state CLIENT LIST shows.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Differential, differentialSuite, type Pair } from '../helpers/differential.js';
import { localServer } from '../helpers/local.js';
import { processCommand } from '../../src/server/dispatch.js';

/** A second pair of connections, on the same two servers, for what "another client" does. */
async function other(d: Differential): Promise<Pair> {
  return d.pair({ flush: false });
}

describe('transactions', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('MULTI queues, EXEC runs the queue in order and answers with one array', async () => {
    await d.check([
      ['MULTI'],
      ['SET', 'a', '1'],
      ['INCR', 'a'],
      ['GET', 'a'],
      ['MGET', 'a', 'missing'],
      ['EXEC'],
      ['GET', 'a'],
      ['MULTI'],
      ['EXEC'],
    ]);
  });

  it('a command that fails when run answers its error in place; the others still run', async () => {
    await d.check([
      ['SET', 's', 'text'],
      ['MULTI'],
      ['INCR', 's'],
      ['SET', 'b', '2'],
      ['SET', 'b', '3', 'EX', '-1'],
      ['INCRBY', 'b', 'notanumber'],
      ['GET', 'b'],
      ['EXEC'],
      ['GET', 'b'],
    ]);
  });

  it('a command refused while queueing (unknown, arity, no-multi) aborts EXEC with EXECABORT', async () => {
    for (const bad of [['NOSUCHCMD', 'x'], ['GET'], ['SAVE'], ['CONFIG', 'NOSUCHSUB'], ['SYNC']]) {
      await d.check([['MULTI'], ['SET', 'k', 'v'], bad, ['SET', 'k2', 'v'], ['EXEC'], ['EXISTS', 'k', 'k2'], ['EXEC']]);
    }
  });

  it('a command failing inside EXEC counts as failed itself; EXEC does not (commandstats, errorstats)', async () => {
    await d.withPair(async (p) => {
      const stat = (name: string) => (r: string): string =>
        (new RegExp(`${name}:calls=(\\d+),usec=[\\d.]+,usec_per_call=[\\d.]+,(rejected_calls=\\d+,failed_calls=\\d+)`).exec(r) ?? []).slice(1).join(' ');
      await p.do('CONFIG', 'RESETSTAT');
      await p.do('MULTI');
      await p.do('SET', 'a', 'b');
      await p.do('AUTH', 'a');
      await p.do('EXEC');
      for (const name of ['cmdstat_set', 'cmdstat_auth']) await p.norm(stat(name), 'INFO', 'commandstats');
      assert.equal(stat('cmdstat_exec')(await p.norm(stat('cmdstat_exec'), 'INFO', 'commandstats')), '1 rejected_calls=0,failed_calls=0');
      await p.norm((r) => (/errorstat_ERR:count=\d+/.exec(r) ?? [''])[0], 'INFO', 'errorstats');
      await p.error('EXEC');
      assert.equal(stat('cmdstat_exec')(await p.norm(stat('cmdstat_exec'), 'INFO', 'commandstats')), '2 rejected_calls=0,failed_calls=1');
    });
  });

  it('errors: nested MULTI and WATCH inside MULTI (the transaction goes on), EXEC and DISCARD without MULTI', async () => {
    await d.check([
      ['EXEC'],
      ['DISCARD'],
      ['MULTI'],
      ['MULTI'],
      ['WATCH', 'k'],
      ['SET', 'k', '1'],
      ['EXEC'],
      ['GET', 'k'],
      ['WATCH'],
      ['MULTI', 'extra'],
      ['EXEC', 'extra'],
    ]);
  });

  it('DISCARD drops the queue and the watched keys', async () => {
    await d.withPair(async (p) => {
      const q = await other(d);
      try {
        await p.run([['WATCH', 'w'], ['MULTI'], ['SET', 'k', '1'], ['DISCARD'], ['GET', 'k']]);
        await q.do('SET', 'w', 'changed');
        await p.run([['MULTI'], ['SET', 'k', '2'], ['EXEC'], ['GET', 'k']]);
      } finally {
        q.close();
      }
    });
  });

  it('WATCH: a write by another client makes EXEC fail (null array; RESP3 null) and runs nothing', async () => {
    for (const resp of ['2', '3']) {
      await d.withPair(async (p) => {
        const q = await other(d);
        try {
          await p.setup(['HELLO', resp]);
          await p.run([['SET', 'w', '1'], ['WATCH', 'w', 'missing'], ['GET', 'w']]);
          await q.do('INCR', 'w');
          await p.run([['MULTI'], ['SET', 'k', 'x'], ['EXEC'], ['EXISTS', 'k']]);
          // The watch ended with EXEC: the next transaction runs whatever others do.
          await p.run([['MULTI'], ['SET', 'k', 'y']]);
          await q.do('SET', 'w', '2');
          await p.run([['EXEC'], ['GET', 'k']]);
          // A missing key created by another client counts as a change too.
          await p.run([['WATCH', 'missing2'], ['MULTI']]);
          await q.do('SET', 'missing2', 'now');
          await p.run([['PING'], ['EXEC']]);
        } finally {
          q.close();
        }
      });
    }
  });

  it("WATCH: the client's own write before EXEC counts; writes that change nothing do not; UNWATCH clears", async () => {
    await d.check([
      ['SET', 'w', '1'],
      ['WATCH', 'w'],
      ['SET', 'w', '2'],
      ['MULTI'],
      ['GET', 'w'],
      ['EXEC'],
      ['WATCH', 'w'],
      ['DEL', 'nothing'],
      ['EXPIRE', 'nothing', '10'],
      ['MULTI'],
      ['GET', 'w'],
      ['EXEC'],
      ['WATCH', 'w'],
      ['SET', 'w', '3'],
      ['UNWATCH'],
      ['MULTI'],
      ['GET', 'w'],
      ['EXEC'],
    ]);
  });

  it('WATCH follows the database the key was watched in', async () => {
    await d.withPair(async (p) => {
      const q = await other(d);
      try {
        await p.run([['SELECT', '2'], ['WATCH', 'k'], ['SELECT', '0']]);
        await q.do('SET', 'k', 'db0');
        await p.run([['MULTI'], ['PING'], ['EXEC']]);
        await p.run([['SELECT', '2'], ['WATCH', 'k'], ['SELECT', '0']]);
        await q.run([['SELECT', '2'], ['SET', 'k', 'db2'], ['SELECT', '0']]);
        await p.run([['MULTI'], ['PING'], ['EXEC']]);
      } finally {
        q.close();
      }
    });
  });

  it('WATCH: a key that expires before EXEC fails it; one already expired when watched does not', async () => {
    await d.check([['SET', 'e', '1', 'PX', '100'], ['WATCH', 'e']]);
    await d.withPair(async (p) => {
      await p.run([['SET', 'e', '1', 'PX', '100'], ['WATCH', 'e']]);
      await sleep(250);
      await p.run([['MULTI'], ['PING'], ['EXEC']], ' (expired while watched)');
      // Already expired (not yet deleted) when watched: its deletion by expiry changes nothing.
      await p.run([['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'x', '1', 'PX', '50']]);
      await sleep(150);
      await p.run([['WATCH', 'x'], ['GET', 'x'], ['MULTI'], ['PING'], ['EXEC']], ' (expired when watched)');
      // … but a new value under that name does.
      await p.run([['SET', 'y', '1', 'PX', '50']]);
      await sleep(150);
      await p.run([['WATCH', 'y'], ['SET', 'y', 'new'], ['MULTI'], ['PING'], ['EXEC'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1']], ' (set again)');
    });
  });

  it('FLUSHALL, FLUSHDB and SWAPDB fail EXEC when a watched key existed on either side', async () => {
    const cases: string[][][] = [
      [['SET', 'k', '1'], ['FLUSHALL']],
      [['FLUSHALL']],
      [['SET', 'k', '1'], ['FLUSHDB']],
      [['SELECT', '1'], ['SET', 'k', '1'], ['SELECT', '0'], ['FLUSHDB']],
      [['SELECT', '1'], ['SET', 'k', '1'], ['SELECT', '0'], ['SWAPDB', '0', '1']],
      [['SELECT', '1'], ['SET', 'j', '1'], ['SELECT', '0'], ['SWAPDB', '0', '1']],
    ];
    for (const [i, before] of cases.entries()) {
      await d.withPair(async (p) => {
        const q = await other(d);
        try {
          const last = before[before.length - 1];
          await q.run(before.slice(0, -1));
          await p.run([['WATCH', 'k'], ['MULTI'], ['PING']]);
          await q.do(...last);
          await p.step(['EXEC'], ` (case ${i})`);
        } finally {
          q.close();
        }
      });
    }
  });

  it('propagates a transaction as one MULTI/EXEC block, a single write alone, a read-only one not at all', async () => {
    await d.check(
      [
        ['MULTI'],
        ['SET', 'a', '1'],
        ['INCR', 'a'],
        ['SET', 'b', '2', 'EX', '100'],
        ['EXEC'],
        ['MULTI'],
        ['GET', 'a'],
        ['INCR', 'a'],
        ['EXEC'],
        ['MULTI'],
        ['GET', 'a'],
        ['EXEC'],
        ['MULTI'],
        ['SELECT', '3'],
        ['SET', 'c', '3'],
        ['SELECT', '0'],
        ['DEL', 'a'],
        ['EXEC'],
      ],
      { replication: true },
    );
  });

  it('emits the keyspace events of the commands it runs', async () => {
    await d.check([['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['DEL', 'a'], ['EXEC']], { events: true });
  });

  it('CLIENT LIST shows flags=x, multi= and multi-mem= while queueing; flags=d once a watched key changed', async () => {
    // (The oracle is reached over a unix socket: its U flag is left out.)
    const fields = (reply: string) => {
      const m = /flags=(\S+) .*multi=(-?\d+) .*multi-mem=(\d+)/.exec(reply);
      assert.ok(m, reply);
      return [m[1].replace('U', '') || 'N', m[2], m[3]].join(' ');
    };
    await d.withPair(async (p) => {
      const [n0, r0] = await p.both('CLIENT', 'INFO');
      assert.equal(fields(n0!), fields(r0!));
      await p.run([['WATCH', 'w'], ['SET', 'w', '1']]);
      const [n1, r1] = await p.both('CLIENT', 'INFO');
      assert.equal(fields(n1!), 'd -1 0');
      assert.equal(fields(n1!), fields(r1!));
      // CLIENT INFO queued last: while EXEC runs it, the transaction is still in place.
      await p.run([['UNWATCH'], ['MULTI'], ['SET', 'key', 'value'], ['GET', 'key'], ['CLIENT', 'INFO']]);
      const [n2, r2] = await p.both('EXEC');
      assert.equal(n2!.split('\r\n')[0], '*3');
      assert.equal(fields(n2!), 'x 3 83');
      assert.equal(fields(n2!), fields(r2!));
    });
  });

  it('RESET ends the transaction and the watches; QUIT inside MULTI closes at once', async () => {
    await d.check([['WATCH', 'w'], ['MULTI'], ['SET', 'k', '1'], ['RESET'], ['EXEC'], ['GET', 'k']]);
    await d.checkRaw('MULTI\r\nSET k 1\r\nQUIT\r\nEXEC\r\n');
  });

  it('CLIENT REPLY around and inside a transaction: each reply obeys the mode in force when written', async () => {
    await d.checkRaw('CLIENT REPLY OFF\r\nMULTI\r\nCLIENT REPLY ON\r\nPING\r\nEXEC\r\nPING\r\n');
    await d.checkRaw('MULTI\r\nPING\r\nCLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\nEXEC\r\nPING\r\n');
    await d.checkRaw('MULTI\r\nCLIENT REPLY SKIP\r\nPING\r\nPING\r\nEXEC\r\nPING\r\n');
  });

  it('counts executed commands in total_commands_processed, not queued or refused ones', async () => {
    const processed = (info: string) => /total_commands_processed:(\d+)/.exec(info)![1];
    for (const seq of [['MULTI', 'SET a 1', 'GET a', 'EXEC'], ['MULTI', 'SET a 1', 'DISCARD'], ['NOSUCH'], ['GET']]) {
      const [n, r] = await d.checkRaw(`CONFIG RESETSTAT\r\n${seq.join('\r\n')}\r\nINFO stats\r\n`);
      assert.equal(processed(n), processed(r), seq.join(', '));
    }
  });
});

describe('transactions (nodis only)', () => {
  it('EXEC runs the queue in one execution unit: one "now" for every command', () => {
    const { run, server } = localServer();
    assert.equal(run('MULTI'), '+OK\r\n');
    run('SET', 'a', '1', 'PX', '1000');
    run('SET', 'b', '1', 'PX', '1000');
    assert.equal(run('EXEC'), '*2\r\n+OK\r\n+OK\r\n');
    assert.equal(server.dbs[0].getExpire('a'), server.dbs[0].getExpire('b'));
  });

  it("INFO counts watching clients and watched keys (Redis 7.2's fields)", () => {
    const { server, c, run } = localServer();
    const other = server.createFakeClient();
    server.clients.set(c.id, c);
    server.clients.set(other.id, other);
    run('WATCH', 'a', 'b');
    processCommand(other, ['WATCH', 'b', 'c']);
    assert.match(run('INFO', 'clients'), /watching_clients:2\r\n.*total_watched_keys:3\r\n/s);
    run('UNWATCH');
    assert.match(run('INFO', 'clients'), /watching_clients:1\r\n.*total_watched_keys:2\r\n/s);
  });

  it('a closed connection forgets its transaction and its watched keys', () => {
    const { server, c, run } = localServer();
    run('WATCH', 'a', 'b');
    run('MULTI');
    assert.equal(server.dbs[0].watched.size, 2);
    c.releaseFeatures();
    assert.equal(server.dbs[0].watched.size, 0);
    assert.equal(c.multi, null);
  });
});
