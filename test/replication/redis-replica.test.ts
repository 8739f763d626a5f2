// Interoperation: a real redis-server follows a nodis primary (REPLICAOF): it loads nodis's
// snapshot, then applies the stream, across databases, expiry and the rewritten commands.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { differentialSuite } from '../helpers/differential.js';
import { startOracle, type Oracle } from '../helpers/oracle.js';
import { RawConnection } from '../helpers/resp.js';
import { startServer, type EmbeddedServer as NodisServer } from '../../src/embed.js';
import { eventually } from '../helpers/eventually.js';

describe('a real Redis replica of nodis', differentialSuite(), () => {
  let nodis: NodisServer;
  let replica: Oracle;
  let primary: RawConnection;
  let follower: RawConnection;

  before(async () => {
    nodis = await startServer({});
    primary = await RawConnection.open({ port: nodis.port });
    // Data from before the replica attaches travels in the snapshot.
    assert.equal(await primary.call('SET', 'snap', 'shot'), '+OK\r\n');
    assert.equal(await primary.call('SET', 'ttl', 'v', 'EX', '1000'), '+OK\r\n');
    assert.equal(await primary.call('SELECT', '2'), '+OK\r\n');
    assert.equal(await primary.call('SET', 'in2', 'x'), '+OK\r\n');
    assert.equal(await primary.call('SELECT', '0'), '+OK\r\n');
    replica = await startOracle(['--replicaof', '127.0.0.1', String(nodis.port)]);
    follower = await replica.connect();
    await eventually(async () => assert.match((await follower.call('INFO', 'replication'))!, /master_link_status:up/));
  });

  after(async () => {
    follower?.close();
    primary?.close();
    await replica?.close();
    await nodis?.close();
  });

  it('loads the snapshot: keys, databases and times to live', async () => {
    assert.equal(await follower.call('GET', 'snap'), '$4\r\nshot\r\n');
    const ttl = Number((await follower.call('TTL', 'ttl'))!.slice(1));
    assert.ok(ttl > 990 && ttl <= 1000, `TTL ${ttl}`);
    assert.equal(await follower.call('SELECT', '2'), '+OK\r\n');
    assert.equal(await follower.call('GET', 'in2'), '$1\r\nx\r\n');
    assert.equal(await follower.call('SELECT', '0'), '+OK\r\n');
  });

  it('applies the stream: writes, rewrites, deletions, other databases', async () => {
    const writes: string[][] = [
      ['SET', 'a', '1'],
      ['INCRBYFLOAT', 'f', '0.1'],
      ['INCRBYFLOAT', 'f', '0.2'],
      ['APPEND', 'a', 'xyz'],
      ['SET', 'e', 'v', 'PX', '600000'],
      ['GETEX', 'a', 'EX', '500'],
      ['RENAME', 'snap', 'moved'],
      ['SELECT', '5'],
      ['MSET', 'm1', '1', 'm2', '2'],
      ['SELECT', '0'],
      ['DEL', 'ttl'],
      ['SET', 'gone', 'v', 'PXAT', '1'],
    ];
    for (const w of writes) assert.doesNotMatch((await primary.call(...w))!, /^-/, JSON.stringify(w));
    await eventually(async () => {
      assert.equal(await follower.call('GET', 'a'), '$4\r\n1xyz\r\n');
      assert.equal(await follower.call('GET', 'f'), await primary.call('GET', 'f'));
      assert.equal(await follower.call('GET', 'moved'), '$4\r\nshot\r\n');
      assert.equal(await follower.call('EXISTS', 'snap', 'ttl', 'gone'), ':0\r\n');
      const ttl = Number((await follower.call('TTL', 'a'))!.slice(1));
      assert.ok(ttl > 490 && ttl <= 500, `TTL ${ttl}`);
      assert.equal(await follower.call('PEXPIRETIME', 'e'), await primary.call('PEXPIRETIME', 'e'));
      assert.equal(await follower.call('SELECT', '5'), '+OK\r\n');
      try {
        assert.equal(await follower.call('MGET', 'm1', 'm2'), '*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
      } finally {
        await follower.call('SELECT', '0');
      }
    });
  });

  it('acknowledges the stream: nodis sees the replica online at its offset', async () => {
    await eventually(async () => {
      const info = (await primary.call('INFO', 'replication'))!;
      assert.match(info, /connected_slaves:1\r\n/);
      const offset = /master_repl_offset:(\d+)/.exec(info)![1];
      assert.match(info, new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=\\d+,state=online,offset=${offset},lag=\\d+`));
      assert.match((await follower.call('INFO', 'replication'))!, new RegExp(`slave_repl_offset:${offset}\\r\\n`));
    });
  });

  it('continues from the backlog after its link is killed (PSYNC +CONTINUE)', async () => {
    const before = (await primary.call('INFO', 'stats'))!;
    const partialBefore = Number(/sync_partial_ok:(\d+)/.exec(before)![1]);
    const fullBefore = Number(/sync_full:(\d+)/.exec(before)![1]);
    assert.equal(await primary.call('CLIENT', 'KILL', 'TYPE', 'replica'), ':1\r\n');
    // Written while the replica reconnects: it must come from the backlog.
    assert.equal(await primary.call('SET', 'after-kill', 'from-backlog'), '+OK\r\n');
    await eventually(async () => {
      assert.equal(await follower.call('GET', 'after-kill'), '$12\r\nfrom-backlog\r\n');
      const stats = (await primary.call('INFO', 'stats'))!;
      assert.equal(Number(/sync_partial_ok:(\d+)/.exec(stats)![1]), partialBefore + 1);
      assert.equal(Number(/sync_full:(\d+)/.exec(stats)![1]), fullBefore);
    });
    const info = (await primary.call('INFO', 'replication'))!;
    assert.match(info, /repl_backlog_active:1\r\n/);
    assert.match(info, /repl_backlog_first_byte_offset:1\r\n/);
    const offset = Number(/master_repl_offset:(\d+)/.exec(info)![1]);
    assert.equal(Number(/repl_backlog_histlen:(\d+)/.exec(info)![1]), offset);
  });
});
