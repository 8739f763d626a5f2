// FAILOVER: a primary hands its role to a replica. Its errors compared with redis-server; the
// switch between nodis servers and with real Redis in either role (the target promotes itself on
// PSYNC … FAILOVER and the old primary continues from it); waiting, ABORT and TIMEOUT with a
// replica that never acknowledges.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite } from '../helpers/differential.js';
import { RawConnection } from '../helpers/resp.js';
import { eventually } from '../helpers/eventually.js';
import { infoField, linkUp, tcpOracle } from '../helpers/replication.js';
import { startServer, type EmbeddedServer } from '../../src/embed.js';

describe('FAILOVER errors (differential)', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('checks its arguments, then that there is a replica to fail over to', async () => {
    await d.withPair(async (p) => {
      await p.error('FAILOVER', 'ABORT');
      await p.error('FAILOVER');
      await p.error('FAILOVER', 'TIMEOUT', '0');
      await p.error('FAILOVER', 'TIMEOUT', '-5');
      await p.error('FAILOVER', 'TIMEOUT', 'abc');
      await p.error('FAILOVER', 'TIMEOUT', '10', 'TIMEOUT', '10');
      await p.error('FAILOVER', 'TO', '127.0.0.1');
      await p.error('FAILOVER', 'TO', '127.0.0.1', 'x');
      await p.error('FAILOVER', 'FORCE', 'FORCE');
      await p.error('FAILOVER', 'bogus');
      await p.error('FAILOVER', 'FORCE');
      await p.error('FAILOVER', 'TO', '127.0.0.1', '1', 'FORCE');
      await p.error('PSYNC', '?', '-1', 'FAILOVER');
    });
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(infoField(await c.call('INFO', 'replication'), 'master_failover_state'), 'no-failover');
    } finally {
      c.close();
    }
  });
});

async function role(c: RawConnection): Promise<string> {
  return /^\*\d+\r\n\$\d+\r\n(\w+)\r\n/.exec((await c.call('ROLE'))!)![1];
}

describe('FAILOVER between nodis servers', () => {
  it('TO a replica: roles swap without a full sync; the other replica follows through the old primary', async () => {
    const p = await startServer({ 'enable-debug-command': 'yes' });
    const a = await startServer({ 'enable-debug-command': 'yes' });
    const b = await startServer({ 'enable-debug-command': 'yes' });
    const [pc, ac, bc] = await Promise.all([p, a, b].map((s) => RawConnection.open({ port: s.port })));
    try {
      await pc.call('SET', 'k', 'v');
      for (const c of [ac, bc]) await c.call('REPLICAOF', '127.0.0.1', String(p.port));
      await linkUp(ac);
      await linkUp(bc);
      const fullBefore = infoField(await ac.call('INFO', 'stats'), 'sync_full');
      assert.equal(await pc.call('FAILOVER', 'TO', '127.0.0.1', String(a.port)), '+OK\r\n');
      await eventually(async () => {
        assert.equal(await role(ac), 'master');
        assert.equal(await role(pc), 'slave');
        assert.equal(infoField(await pc.call('INFO', 'replication'), 'master_failover_state'), 'no-failover');
      });
      await linkUp(pc);
      assert.equal(infoField(await pc.call('INFO', 'replication'), 'master_port'), String(a.port));
      // The old primary continued from the new one's backlog.
      const stats = await ac.call('INFO', 'stats');
      assert.equal(infoField(stats, 'sync_full'), fullBefore);
      assert.equal(infoField(stats, 'sync_partial_ok'), '1');
      assert.equal(await pc.call('SET', 'x', 'y'), "-READONLY You can't write against a read only replica.\r\n");
      assert.equal(await ac.call('SET', 'after', 'failover'), '+OK\r\n');
      await eventually(async () => {
        assert.equal(await pc.call('GET', 'after'), '$8\r\nfailover\r\n');
        assert.equal(await bc.call('GET', 'after'), '$8\r\nfailover\r\n');
      });
      assert.equal(await bc.call('GET', 'k'), '$1\r\nv\r\n');
    } finally {
      for (const c of [pc, ac, bc]) c.close();
      for (const s of [b, a, p]) await s.close();
    }
  });
});

describe('FAILOVER with redis-server', differentialSuite(), () => {
  it('a nodis primary fails over to a real Redis replica', async () => {
    const p = await startServer({ 'enable-debug-command': 'yes' });
    const pc = await RawConnection.open({ port: p.port });
    const r = await tcpOracle();
    try {
      await pc.call('SET', 'k', 'v');
      await r.conn.call('REPLICAOF', '127.0.0.1', String(p.port));
      await linkUp(r.conn);
      assert.equal(await pc.call('FAILOVER'), '+OK\r\n');
      await eventually(async () => {
        assert.equal(await role(r.conn), 'master');
        assert.equal(await role(pc), 'slave');
      });
      await linkUp(pc);
      assert.equal(infoField(await r.conn.call('INFO', 'stats'), 'sync_partial_ok'), '1');
      await r.conn.call('SET', 'from', 'redis');
      await eventually(async () => assert.equal(await pc.call('GET', 'from'), '$5\r\nredis\r\n'));
    } finally {
      pc.close();
      await r.oracle.close();
      await p.close();
    }
  });

  it('a real Redis primary fails over to a nodis replica, which promotes itself', async () => {
    const r = await tcpOracle();
    const a = await startServer({ 'enable-debug-command': 'yes' });
    const ac = await RawConnection.open({ port: a.port });
    try {
      await r.conn.call('SET', 'k', 'v');
      await ac.call('REPLICAOF', '127.0.0.1', String(r.port));
      await linkUp(ac);
      // Redis counts a replica online once it acknowledged its snapshot.
      await eventually(async () => assert.match(infoField(await r.conn.call('INFO', 'replication'), 'slave0') ?? '', /state=online/));
      assert.equal(await r.conn.call('FAILOVER', 'TO', '127.0.0.1', String(a.port)), '+OK\r\n');
      await eventually(async () => {
        assert.equal(await role(ac), 'master');
        assert.equal(await role(r.conn), 'slave');
      });
      await linkUp(r.conn);
      assert.equal(infoField(await ac.call('INFO', 'stats'), 'sync_partial_ok'), '1');
      assert.equal(await ac.call('SET', 'from', 'nodis'), '+OK\r\n');
      await eventually(async () => assert.equal(await r.conn.call('GET', 'from'), '$5\r\nnodis\r\n'));
    } finally {
      ac.close();
      await a.close();
      await r.oracle.close();
    }
  });
});

describe('FAILOVER waiting for a replica that never acknowledges', () => {
  let p: EmbeddedServer;
  let pc: RawConnection;
  let fake: RawConnection;

  before(async () => {
    p = await startServer({});
    pc = await RawConnection.open({ port: p.port });
    // A replica that takes the snapshot and the stream but never sends REPLCONF ACK.
    fake = await RawConnection.open({ port: p.port });
    assert.equal(await fake.call('REPLCONF', 'listening-port', '7001'), '+OK\r\n');
    fake.write('SYNC\r\n');
    await fake.readRdb();
    await pc.call('SET', 'k', 'v');
  });

  after(async () => {
    fake.close();
    pc.close();
    await p.close();
  });

  it('holds writes while waiting; refuses REPLICAOF and a second FAILOVER; ABORT lets the writes go', async () => {
    assert.equal(await pc.call('FAILOVER', 'TO', '127.0.0.1', '7002'), '-ERR FAILOVER target HOST and PORT is not a replica.\r\n');
    assert.equal(await pc.call('FAILOVER', 'TO', '127.0.0.1', '7001'), '+OK\r\n');
    assert.equal(infoField(await pc.call('INFO', 'replication'), 'master_failover_state'), 'waiting-for-sync');
    assert.equal(await pc.call('FAILOVER'), '-ERR FAILOVER already in progress.\r\n');
    assert.equal(await pc.call('REPLICAOF', '127.0.0.1', '7001'), '-ERR REPLICAOF not allowed while failing over.\r\n');
    const writer = await RawConnection.open({ port: p.port });
    try {
      writer.write('SET held 1\r\n');
      assert.equal(await writer.read(200).catch(() => null), null);
      // Reads go on.
      assert.equal(await pc.call('GET', 'k'), '$1\r\nv\r\n');
      assert.equal(await pc.call('FAILOVER', 'ABORT'), '+OK\r\n');
      assert.equal(await writer.read(), '+OK\r\n');
      assert.equal(infoField(await pc.call('INFO', 'replication'), 'master_failover_state'), 'no-failover');
      assert.equal(await pc.call('FAILOVER', 'ABORT'), '-ERR No failover in progress.\r\n');
    } finally {
      writer.close();
    }
  });

  it('TIMEOUT without FORCE gives up and stays the primary', async () => {
    assert.equal(await pc.call('FAILOVER', 'TIMEOUT', '100'), '+OK\r\n');
    await eventually(async () => assert.equal(infoField(await pc.call('INFO', 'replication'), 'master_failover_state'), 'no-failover'));
    assert.equal(await role(pc), 'master');
    assert.equal(await pc.call('SET', 'after', 'timeout'), '+OK\r\n');
  });
});
