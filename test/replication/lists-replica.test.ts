// A real redis-server replicating lists from a nodis primary: the snapshot (SYNC's RDB) carries
// lists of every shape (small, many nodes, plain nodes), and the stream carries list writes as
// nodis propagates them, blocked clients served included (BLPOP as LPOP, BLMOVE as LMOVE,
// BLMPOP as LPOP/RPOP with a count): both end with the same data, DEBUG DIGEST agrees.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { differentialSuite } from '../helpers/differential.js';
import { startOracle, type Oracle } from '../helpers/oracle.js';
import { RawConnection, encodeCommand } from '../helpers/resp.js';
import { startServer, type EmbeddedServer } from '../../src/embed.js';
import { eventually } from '../helpers/eventually.js';

describe('a real Redis replica of nodis, with lists', differentialSuite(), () => {
  let nodis: EmbeddedServer;
  let replica: Oracle;
  let primary: RawConnection;
  let follower: RawConnection;

  const call = async (...argv: string[]): Promise<string> => {
    const r = await primary.call(...argv);
    assert.ok(r !== null && r[0] !== '-', `${JSON.stringify(argv)}: ${r}`);
    return r;
  };

  const sameData = (): Promise<void> =>
    eventually(async () => assert.equal(await follower.call('DEBUG', 'DIGEST'), await primary.call('DEBUG', 'DIGEST')));

  before(async () => {
    nodis = await startServer({ 'enable-debug-command': 'yes' });
    primary = await RawConnection.open({ port: nodis.port });
    await call('RPUSH', 'l:small', 'a', '1', '-7', '');
    for (let i = 0; i < 5000; i += 500) await call('RPUSH', 'l:long', ...Array.from({ length: 500 }, (_, j) => (j % 2 ? `e${i + j}` : String(i + j))));
    await call('RPUSH', 'l:plain', 'a', 'x'.repeat(9000), 'b');
    await call('SELECT', '3');
    await call('LPUSH', 'l:db3', 'x', 'y');
    await call('SELECT', '0');
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

  it('loads the snapshot with the same lists', async () => {
    await sameData();
    for (const k of ['l:small', 'l:long', 'l:plain']) {
      assert.equal(await follower.call('LRANGE', k, '0', '-1'), await primary.call('LRANGE', k, '0', '-1'), k);
    }
  });

  it('applies the stream: pushes, pops, moves, edits and served blocked clients', async () => {
    await call('LPUSH', 'l:small', 'z');
    await call('RPOP', 'l:long', '3');
    await call('LMOVE', 'l:long', 'l:small', 'LEFT', 'RIGHT');
    await call('RPOPLPUSH', 'l:small', 'l:new');
    await call('LMPOP', '2', 'none', 'l:long', 'RIGHT', 'COUNT', '10');
    await call('LINSERT', 'l:long', 'BEFORE', 'e101', 'inserted');
    await call('LSET', 'l:long', '7', 'set');
    await call('LREM', 'l:long', '0', '200');
    await call('LTRIM', 'l:long', '10', '-10');
    // Clients blocked on the primary, then served: the replica gets their pops and moves.
    const waiters = [await RawConnection.open({ port: nodis.port }), await RawConnection.open({ port: nodis.port }), await RawConnection.open({ port: nodis.port })];
    try {
      waiters[0].write(encodeCommand(['BLPOP', 'q', '0']));
      waiters[1].write(encodeCommand(['BLMOVE', 'q', 'moved', 'RIGHT', 'LEFT', '0']));
      waiters[2].write(encodeCommand(['BLMPOP', '0', '1', 'q', 'RIGHT', 'COUNT', '2']));
      await eventually(async () => assert.match((await primary.call('INFO', 'clients'))!, /blocked_clients:3/));
      await call('RPUSH', 'q', '1', '2', '3', '4', '5');
      for (const w of waiters) assert.ok((await w.read()) !== null);
    } finally {
      for (const w of waiters) w.close();
    }
    await sameData();
    assert.equal(await follower.call('LRANGE', 'q', '0', '-1'), await primary.call('LRANGE', 'q', '0', '-1'));
    assert.equal(await follower.call('LRANGE', 'moved', '0', '-1'), await primary.call('LRANGE', 'moved', '0', '-1'));
  });
});
