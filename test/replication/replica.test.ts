// The replica side: nodis follows a real redis-server 7.0.15 (and another nodis) with REPLICAOF.
// Full synchronisation of every type (disk and diskless, swapdb), a write load during the sync,
// partial resynchronisation after the link is killed, AUTH to the primary, the read-only and
// stale-data gates, expiry as a replica sees it, ROLE and INFO compared with a real replica,
// and promotion with REPLICAOF NO ONE keeping the history.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { differentialSuite } from '../helpers/differential.js';
import { freePort, startOracle, type Oracle } from '../helpers/oracle.js';
import { RawConnection } from '../helpers/resp.js';
import { startServer, type EmbeddedServer } from '../../src/embed.js';
import { tempDirs } from '../helpers/tempdir.js';
import { eventually } from '../helpers/eventually.js';
import { infoField, linkUp, tcpOracle } from '../helpers/replication.js';

const makeTempDir = tempDirs('nodis-replica-');

/** The names of INFO replication's fields, in order. */
function infoNames(info: string | null): string[] {
  return (info ?? '')
    .split('\r\n')
    .filter((l) => l.includes(':') && !l.startsWith('$'))
    .map((l) => l.slice(0, l.indexOf(':')));
}

/** Fills a server with every type (and a function library, expiring keys, two databases). */
async function fillEveryType(c: RawConnection): Promise<void> {
  const cmds: string[][] = [
    ['SET', 'str', 'value'],
    ['SET', 'int', '12345'],
    ['SET', 'ttl', 'v', 'EX', '1000'],
    ['RPUSH', 'list', 'a', 'b', 'c'],
    ['SADD', 'set', 'x', 'y', 'z'],
    ['SADD', 'intset', '1', '2', '3'],
    ['ZADD', 'zset', '1', 'one', '2.5', 'two'],
    ['HSET', 'hash', 'f1', 'v1', 'f2', 'v2'],
    ['XADD', 'stream', '1-1', 'f', 'v'],
    ['XADD', 'stream', '2-1', 'g', 'w'],
    ['XGROUP', 'CREATE', 'stream', 'grp', '0'],
    ['XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '1', 'STREAMS', 'stream', '>'],
    ['PFADD', 'hll', 'a', 'b', 'c', 'd'],
    ['SETBIT', 'bits', '100', '1'],
    ['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)"],
    ['SELECT', '3'],
    ['SET', 'other', 'db'],
    ['SELECT', '0'],
  ];
  for (const cmd of cmds) assert.doesNotMatch((await c.call(...cmd))!, /^-/, cmd.join(' '));
  // A big list and hash, past the listpack limits.
  const big: string[] = [];
  for (let i = 0; i < 300; i++) big.push(`element-${i}`);
  await c.call('RPUSH', 'biglist', ...big);
  await c.call('SADD', 'bigset', ...big);
  const pairs: string[] = [];
  for (let i = 0; i < 300; i++) pairs.push(String(i), `member-${i}`);
  await c.call('ZADD', 'bigzset', ...pairs);
  await c.call('HSET', 'bighash', ...pairs);
}

async function assertSameData(a: RawConnection, b: RawConnection): Promise<void> {
  assert.equal(await b.call('DEBUG', 'DIGEST'), await a.call('DEBUG', 'DIGEST'));
  assert.equal(await b.call('FUNCTION', 'DUMP'), await a.call('FUNCTION', 'DUMP'));
}

describe('nodis as a replica of redis-server', differentialSuite(), () => {
  let primary: { oracle: Oracle; port: number; conn: RawConnection };
  let nodis: EmbeddedServer;
  let replica: RawConnection;
  let lines: string[];

  before(async () => {
    primary = await tcpOracle();
    await fillEveryType(primary.conn);
    lines = [];
    nodis = await startServer({ log: (l) => lines.push(l), 'enable-debug-command': 'yes' });
    replica = await RawConnection.open({ port: nodis.port });
  });

  after(async () => {
    replica?.close();
    primary?.conn.close();
    await nodis?.close();
    await primary?.oracle.close();
  });

  it('synchronises every type (diskless primary) and follows the stream', async () => {
    assert.equal(await replica.call('REPLICAOF', '127.0.0.1', String(primary.port)), '+OK\r\n');
    await linkUp(replica);
    await assertSameData(primary.conn, replica);
    // The stream: writes, a transaction, other databases, expiry rewrites.
    await primary.conn.call('INCR', 'int');
    await primary.conn.call('MULTI');
    await primary.conn.call('LPUSH', 'list', 'new');
    await primary.conn.call('HDEL', 'hash', 'f1');
    await primary.conn.call('EXEC');
    await primary.conn.call('SELECT', '5');
    await primary.conn.call('SET', 'in5', 'x', 'PX', '100000');
    await primary.conn.call('SELECT', '0');
    await primary.conn.call('XACK', 'stream', 'grp', '1-1');
    await eventually(async () => assertSameData(primary.conn, replica));
    // The offsets agree once the primary has the replica's ACK.
    await eventually(async () => {
      const p = await primary.conn.call('INFO', 'replication');
      const r = await replica.call('INFO', 'replication');
      assert.equal(infoField(r, 'master_repl_offset'), infoField(p, 'master_repl_offset'));
      assert.equal(infoField(r, 'slave_repl_offset'), infoField(p, 'master_repl_offset'));
      assert.equal(infoField(r, 'master_replid'), infoField(p, 'master_replid'));
      assert.match(infoField(p, 'slave0') ?? '', new RegExp(`offset=${infoField(p, 'master_repl_offset')},`));
    });
    // WAIT on the primary: REPLCONF GETACK is answered at once.
    await primary.conn.call('SET', 'acked', '1');
    assert.equal(await primary.conn.call('WAIT', '1', '5000'), ':1\r\n');
    assert.ok(lines.some((l) => l.includes('MASTER <-> REPLICA sync: Finished with success')));
    assert.ok(lines.some((l) => /\d+:S /.test(l)), 'log lines carry the replica role letter');
  });

  it('refuses writes as a read-only replica, scripts included', async () => {
    const ro = "-READONLY You can't write against a read only replica.\r\n";
    assert.equal(await replica.call('SET', 'k', 'v'), ro);
    assert.equal(await replica.call('EVAL', "#!lua\nreturn redis.call('set','k','v')", '0'), ro);
    assert.equal(await replica.call('EVAL', "#!lua flags=no-writes\nreturn redis.call('get','str')", '0'), '$5\r\nvalue\r\n');
    assert.equal(await replica.call('MULTI'), '+OK\r\n');
    assert.equal(await replica.call('SET', 'k', 'v'), ro);
    assert.match((await replica.call('EXEC'))!, /^-EXECABORT/);
    assert.equal(await replica.call('CONFIG', 'SET', 'replica-read-only', 'no'), '+OK\r\n');
    assert.equal(await replica.call('SET', 'local', 'v'), '+OK\r\n');
    assert.equal(await replica.call('DEL', 'local'), ':1\r\n');
    assert.equal(await replica.call('CONFIG', 'SET', 'replica-read-only', 'yes'), '+OK\r\n');
  });

  it('shows the master client in CLIENT LIST (flags=M) and reports ROLE', async () => {
    const list = (await replica.call('CLIENT', 'LIST', 'TYPE', 'master'))!;
    assert.match(list, /flags=M /);
    const role = (await replica.call('ROLE'))!;
    assert.match(role, new RegExp(`^\\*5\\r\\n\\$5\\r\\nslave\\r\\n\\$9\\r\\n127\\.0\\.0\\.1\\r\\n:${primary.port}\\r\\n\\$9\\r\\nconnected\\r\\n:\\d+\\r\\n$`));
    const prole = (await primary.conn.call('ROLE'))!;
    assert.match(prole, /^\*3\r\n\$6\r\nmaster\r\n:\d+\r\n\*1\r\n\*3\r\n\$9\r\n127\.0\.0\.1\r\n/);
  });

  it('lists the INFO replication fields a real replica lists, in its order', async () => {
    const real = await startOracle({ replicaof: `127.0.0.1 ${primary.port}` });
    const rc = await real.connect();
    try {
      await linkUp(rc);
      const theirs = await rc.call('INFO', 'replication');
      const ours = await replica.call('INFO', 'replication');
      assert.deepEqual(infoNames(ours), infoNames(theirs));
      assert.equal(infoField(ours, 'slave_read_only'), infoField(theirs, 'slave_read_only'));
      assert.equal(infoField(ours, 'master_link_status'), 'up');
      // ROLE's shape is the same apart from the offset.
      const norm = (r: string | null): string => (r ?? '').replace(/:\d+\r\n$/, ':N\r\n');
      assert.equal(norm(await replica.call('ROLE')), norm(await rc.call('ROLE')));
      assert.equal(await replica.call('REPLICAOF', '127.0.0.1', 'x'), await rc.call('REPLICAOF', '127.0.0.1', 'x'));
      assert.equal(await replica.call('REPLICAOF', '127.0.0.1', '70000'), await rc.call('REPLICAOF', '127.0.0.1', '70000'));
      assert.equal(
        await replica.call('REPLICAOF', '127.0.0.1', String(primary.port)),
        await rc.call('REPLICAOF', '127.0.0.1', String(primary.port)),
      );
      assert.equal(await replica.call('SET', 'x', 'y'), await rc.call('SET', 'x', 'y'));
      // replicaof is immutable for CONFIG SET, and CONFIG GET shows the primary followed now.
      assert.equal(await replica.call('CONFIG', 'SET', 'replicaof', 'no one'), await rc.call('CONFIG', 'SET', 'replicaof', 'no one'));
      assert.equal(await replica.call('CONFIG', 'GET', 'replicaof'), await rc.call('CONFIG', 'GET', 'replicaof'));
    } finally {
      rc.close();
      await real.close();
    }
  });

  it('hides expired keys without deleting them; the primary’s DEL removes them', async () => {
    await primary.conn.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    try {
      await primary.conn.call('SET', 'short', 'v', 'PX', '50');
      await eventually(async () => assert.equal(await replica.call('EXISTS', 'short'), ':0\r\n'));
      // Still held: only the primary removes keys.
      const dbsize = Number((await replica.call('DBSIZE'))!.slice(1));
      assert.equal(dbsize, Number((await primary.conn.call('DBSIZE'))!.slice(1)));
      assert.equal(await replica.call('GET', 'short'), '$-1\r\n');
      // A read on the primary expires it there, and its DEL reaches the replica.
      assert.equal(await primary.conn.call('GET', 'short'), '$-1\r\n');
      await eventually(async () => assert.equal(await replica.call('DBSIZE'), await primary.conn.call('DBSIZE')));
    } finally {
      await primary.conn.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
  });

  it('continues with a partial resynchronisation after the link is killed', async () => {
    const before = Number(infoField(await primary.conn.call('INFO', 'stats'), 'sync_partial_ok'));
    assert.equal(await replica.call('CLIENT', 'KILL', 'TYPE', 'master'), ':1\r\n');
    // Writes while the link is down come from the backlog.
    await primary.conn.call('SET', 'during', 'down');
    await primary.conn.call('RPUSH', 'list', 'more');
    await linkUp(replica);
    await eventually(async () => assertSameData(primary.conn, replica));
    assert.equal(Number(infoField(await primary.conn.call('INFO', 'stats'), 'sync_partial_ok')), before + 1);
    assert.ok(lines.some((l) => l.includes('Successful partial resynchronization with master.')));
    // And from the primary's side.
    await primary.conn.call('CLIENT', 'KILL', 'TYPE', 'replica');
    await primary.conn.call('SET', 'during2', 'down');
    await linkUp(replica);
    await eventually(async () => assertSameData(primary.conn, replica));
    assert.equal(Number(infoField(await primary.conn.call('INFO', 'stats'), 'sync_partial_ok')), before + 2);
  });

  it('is promoted by REPLICAOF NO ONE keeping its history as the secondary id', async () => {
    const info = await replica.call('INFO', 'replication');
    const id = infoField(info, 'master_replid')!;
    const offset = Number(infoField(info, 'master_repl_offset'));
    assert.equal(await replica.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
    const after = await replica.call('INFO', 'replication');
    assert.equal(infoField(after, 'role'), 'master');
    assert.equal(infoField(after, 'master_replid2'), id);
    assert.equal(infoField(after, 'second_repl_offset'), String(offset + 1));
    assert.notEqual(infoField(after, 'master_replid'), id);
    assert.equal(await replica.call('SET', 'writable', 'now'), '+OK\r\n');
    assert.equal(await replica.call('CONFIG', 'GET', 'replicaof'), '*2\r\n$9\r\nreplicaof\r\n$0\r\n\r\n');
    assert.ok(lines.some((l) => l.includes('MASTER MODE enabled (user request from')));
  });
});

describe('nodis replica: loading modes, AUTH, write load, stale data', differentialSuite(), () => {
  it('loads through a file (disk-based primary, repl-diskless-load disabled) and keeps it as dbfilename', async () => {
    const primary = await tcpOracle({ 'repl-diskless-sync': 'no' });
    const dir = makeTempDir();
    const nodis = await startServer({ dir, 'enable-debug-command': 'yes' });
    const r = await RawConnection.open({ port: nodis.port });
    try {
      await fillEveryType(primary.conn);
      await r.call('REPLICAOF', '127.0.0.1', String(primary.port));
      await linkUp(r);
      await assertSameData(primary.conn, r);
      const { existsSync } = await import('node:fs');
      assert.ok(existsSync(`${dir}/dump.rdb`));
    } finally {
      r.close();
      primary.conn.close();
      await nodis.close();
      await primary.oracle.close();
    }
  });

  it('swapdb: the old data stays until the new has loaded, and is replaced whole', async () => {
    const primary = await tcpOracle({ 'repl-diskless-sync': 'yes' });
    const nodis = await startServer({ 'repl-diskless-load': 'swapdb', 'enable-debug-command': 'yes' });
    const r = await RawConnection.open({ port: nodis.port });
    try {
      await r.call('SET', 'old', 'data');
      await r.call('FUNCTION', 'LOAD', "#!lua name=oldlib\nredis.register_function('g', function() return 2 end)");
      await fillEveryType(primary.conn);
      await r.call('REPLICAOF', '127.0.0.1', String(primary.port));
      await linkUp(r);
      await assertSameData(primary.conn, r);
      assert.equal(await r.call('EXISTS', 'old'), ':0\r\n');
    } finally {
      r.close();
      primary.conn.close();
      await nodis.close();
      await primary.oracle.close();
    }
  });

  it('authenticates with masterauth / masteruser, and logs a refused AUTH', async () => {
    const primary = await tcpOracle({ requirepass: 'sekret' });
    await primary.conn.call('AUTH', 'sekret');
    await primary.conn.call('ACL', 'SETUSER', 'repl', 'on', '>replpass', '+@all', '~*');
    await primary.conn.call('SET', 'secret', 'data');
    const lines: string[] = [];
    const nodis = await startServer({ masterauth: 'wrong', log: (l) => lines.push(l) });
    const r = await RawConnection.open({ port: nodis.port });
    try {
      await r.call('REPLICAOF', '127.0.0.1', String(primary.port));
      await eventually(async () => assert.ok(lines.some((l) => l.includes('Unable to AUTH to MASTER'))));
      assert.equal(infoField(await r.call('INFO', 'replication'), 'master_link_status'), 'down');
      await r.call('CONFIG', 'SET', 'masteruser', 'repl');
      await r.call('CONFIG', 'SET', 'masterauth', 'replpass');
      await linkUp(r);
      assert.equal(await r.call('GET', 'secret'), '$4\r\ndata\r\n');
    } finally {
      r.close();
      primary.conn.close();
      await nodis.close();
      await primary.oracle.close();
    }
  });

  it('restarted from its own snapshot, asks to continue where it was', async () => {
    const primary = await tcpOracle();
    const dir = makeTempDir();
    const replicaof = `127.0.0.1 ${primary.port}`;
    let nodis = await startServer({ dir, load: true, replicaof });
    let r = await RawConnection.open({ port: nodis.port });
    try {
      await primary.conn.call('SET', 'a', '1');
      await linkUp(r);
      await primary.conn.call('SET', 'b', '2');
      await eventually(async () => assert.equal(await r.call('GET', 'b'), '$1\r\n2\r\n'));
      assert.equal(await r.call('SAVE'), '+OK\r\n');
      r.close();
      await nodis.close();
      await primary.conn.call('SET', 'c', '3');
      nodis = await startServer({ dir, load: true, replicaof });
      r = await RawConnection.open({ port: nodis.port });
      await linkUp(r);
      await eventually(async () => assert.equal(await r.call('GET', 'c'), '$1\r\n3\r\n'));
      assert.equal(infoField(await primary.conn.call('INFO', 'stats'), 'sync_partial_ok'), '1');
    } finally {
      r.close();
      primary.conn.close();
      await nodis.close();
      await primary.oracle.close();
    }
  });

  it('ends with the same data after writes during the synchronisation', async () => {
    const primary = await tcpOracle({ 'repl-diskless-sync': 'no' });
    const nodis = await startServer({ 'enable-debug-command': 'yes' });
    const r = await RawConnection.open({ port: nodis.port });
    const writer = await primary.oracle.connect();
    try {
      const values: string[] = [];
      for (let i = 0; i < 2000; i++) values.push(`k${i}`, 'x'.repeat(100));
      await primary.conn.call('MSET', ...values);
      let stop = false;
      const load = (async () => {
        let i = 0;
        while (!stop) {
          await writer.call('INCR', `counter${i % 50}`);
          await writer.call('RPUSH', 'log', String(i));
          if (i % 7 === 0) await writer.call('DEL', `k${i % 2000}`);
          i++;
        }
      })();
      await r.call('REPLICAOF', '127.0.0.1', String(primary.port));
      await linkUp(r);
      await new Promise((res) => setTimeout(res, 300));
      stop = true;
      await load;
      await eventually(async () => assert.equal(await r.call('DEBUG', 'DIGEST'), await primary.conn.call('DEBUG', 'DIGEST')));
    } finally {
      writer.close();
      r.close();
      primary.conn.close();
      await nodis.close();
      await primary.oracle.close();
    }
  });

  it('replica-serve-stale-data no: MASTERDOWN while the link is down, stale commands still run', async () => {
    const port = await freePort();
    const nodis = await startServer({ 'replica-serve-stale-data': 'no' });
    const r = await RawConnection.open({ port: nodis.port });
    const real = await startOracle({ 'replica-serve-stale-data': 'no', replicaof: `127.0.0.1 ${port}` });
    const rc = await real.connect();
    try {
      assert.equal(await r.call('REPLICAOF', '127.0.0.1', String(port)), '+OK\r\n');
      for (const cmd of [['GET', 'k'], ['PING'], ['INFO', 'server'], ['DBSIZE'], ['CONFIG', 'GET', 'port'], ['SET', 'k', 'v']]) {
        const ours = (await r.call(...cmd))!;
        const theirs = (await rc.call(...cmd))!;
        if (theirs.startsWith('-')) assert.equal(ours, theirs, cmd.join(' '));
        else assert.doesNotMatch(ours, /^-/, cmd.join(' '));
      }
      assert.equal(infoField(await r.call('INFO', 'replication'), 'master_link_status'), 'down');
      assert.equal(await r.call('SYNC'), await rc.call('SYNC'));
    } finally {
      rc.close();
      r.close();
      await real.close();
      await nodis.close();
    }
  });
});

describe('failover by hand: a promoted replica lets the other continue', differentialSuite(), () => {
  it('REPLICAOF NO ONE on one replica, REPLICAOF to it on the other: a partial resynchronisation', async () => {
    const primary = await tcpOracle();
    const lines: string[] = [];
    const a = await startServer({ 'enable-debug-command': 'yes' });
    const b = await startServer({ 'enable-debug-command': 'yes', log: (l) => lines.push(l) });
    const ac = await RawConnection.open({ port: a.port });
    const bc = await RawConnection.open({ port: b.port });
    try {
      await fillEveryType(primary.conn);
      for (const c of [ac, bc]) await c.call('REPLICAOF', '127.0.0.1', String(primary.port));
      await linkUp(ac);
      await linkUp(bc);
      await primary.conn.call('SET', 'last', 'write');
      await eventually(async () => {
        assert.equal(await ac.call('GET', 'last'), '$5\r\nwrite\r\n');
        assert.equal(await bc.call('GET', 'last'), '$5\r\nwrite\r\n');
      });
      // The primary goes away; a is promoted, b follows a.
      primary.conn.close();
      await primary.oracle.close();
      assert.equal(await ac.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
      await ac.call('SET', 'after', 'promotion');
      assert.equal(await bc.call('REPLICAOF', '127.0.0.1', String(a.port)), '+OK\r\n');
      await linkUp(bc);
      await eventually(async () => assert.equal(await bc.call('GET', 'after'), '$9\r\npromotion\r\n'));
      assert.equal(await bc.call('DEBUG', 'DIGEST'), await ac.call('DEBUG', 'DIGEST'));
      const stats = await ac.call('INFO', 'stats');
      assert.equal(infoField(stats, 'sync_partial_ok'), '1');
      assert.equal(infoField(stats, 'sync_full'), '0');
      assert.ok(lines.some((l) => l.includes('Successful partial resynchronization with master.')));
      assert.ok(lines.some((l) => l.includes('Master replication ID changed to')));
    } finally {
      ac.close();
      bc.close();
      await a.close();
      await b.close();
    }
  });
});

describe('nodis replica of a nodis primary', () => {
  it('synchronises, follows, and hands the stream on to its own replica', async () => {
    const p = await startServer({ 'enable-debug-command': 'yes' });
    const a = await startServer({ 'enable-debug-command': 'yes' });
    const b = await startServer({ 'enable-debug-command': 'yes' });
    const pc = await RawConnection.open({ port: p.port });
    const ac = await RawConnection.open({ port: a.port });
    const bc = await RawConnection.open({ port: b.port });
    try {
      await pc.call('SET', 'before', '1');
      await pc.call('HSET', 'h', 'a', '1');
      assert.equal(await ac.call('REPLICAOF', '127.0.0.1', String(p.port)), '+OK\r\n');
      await linkUp(ac);
      // A chained replica: a's stream is p's, byte for byte.
      assert.equal(await bc.call('REPLICAOF', '127.0.0.1', String(a.port)), '+OK\r\n');
      await linkUp(bc);
      await pc.call('SET', 'after', '2');
      await pc.call('SELECT', '4');
      await pc.call('SADD', 's', 'm');
      await eventually(async () => {
        assert.equal(await ac.call('DEBUG', 'DIGEST'), await pc.call('DEBUG', 'DIGEST'));
        assert.equal(await bc.call('DEBUG', 'DIGEST'), await pc.call('DEBUG', 'DIGEST'));
      });
      await eventually(async () => {
        const offsets = await Promise.all([pc, ac, bc].map(async (c) => infoField(await c.call('INFO', 'replication'), 'master_repl_offset')));
        assert.equal(offsets[1], offsets[0]);
        assert.equal(offsets[2], offsets[0]);
      });
    } finally {
      for (const c of [pc, ac, bc]) c.close();
      await b.close();
      await a.close();
      await p.close();
    }
  });
});
