// A primary's shutdown and restart as its replicas see them. SHUTDOWN on a primary waits (shutdown-timeout) for replicas to acknowledge the whole stream:
// writes held, the SHUTDOWN client blocked, INFO's shutdown_in_milliseconds; then it ends when
// they caught up or time ran out (logging the lagging ones), or SHUTDOWN ABORT lets writes go
// and answers the waiting SHUTDOWNs with an error. The replica here is a bare connection that
// acknowledges only when the test says so. A restarted primary takes its replication history
// back from its snapshot, so a replica continues without a full synchronisation.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawConnection } from '../helpers/resp.js';
import { eventually } from '../helpers/eventually.js';
import { infoField, linkUp } from '../helpers/replication.js';
import { startServer, type EmbeddedServer } from '../../src/embed.js';

/** A nodis primary with one replica (a raw connection after SYNC) and a write it has not acknowledged. */
async function primaryWithLaggingReplica(timeout: number): Promise<{ p: EmbeddedServer; pc: RawConnection; replica: RawConnection; log: string[] }> {
  const log: string[] = [];
  const p = await startServer({ 'shutdown-timeout': timeout, hz: 100, log: (l) => log.push(l) });
  const pc = await RawConnection.open({ port: p.port });
  const replica = await RawConnection.open({ port: p.port });
  assert.equal(await replica.call('REPLCONF', 'listening-port', '7100'), '+OK\r\n');
  replica.write('SYNC\r\n');
  await replica.readRdb();
  assert.equal(await pc.call('SET', 'k', 'v'), '+OK\r\n');
  return { p, pc, replica, log };
}

function shutdownSeen(p: EmbeddedServer): Promise<void> {
  return new Promise((r) => p.server.once('shutdown', () => r()));
}

describe('SHUTDOWN waiting for replicas', () => {
  it('holds writes and blocks SHUTDOWN until ABORT, which answers every waiting SHUTDOWN with an error', async () => {
    const { p, pc, replica } = await primaryWithLaggingReplica(300);
    const s1 = await RawConnection.open({ port: p.port });
    const s2 = await RawConnection.open({ port: p.port });
    const writer = await RawConnection.open({ port: p.port });
    try {
      s1.write('SHUTDOWN\r\n');
      await eventually(async () => assert.ok(Number(infoField(await pc.call('INFO', 'server'), 'shutdown_in_milliseconds')) > 0));
      s2.write('SHUTDOWN\r\n');
      await eventually(async () => assert.equal(infoField(await pc.call('INFO', 'clients'), 'blocked_clients'), '2'));
      // Replicas are not counted as clients.
      assert.equal(infoField(await pc.call('INFO', 'clients'), 'connected_clients'), '4');
      writer.write('SET held 1\r\n');
      assert.equal(await writer.read(200).catch(() => null), null);
      assert.equal(await pc.call('GET', 'k'), '$1\r\nv\r\n');
      assert.equal(await pc.call('SHUTDOWN', 'ABORT'), '+OK\r\n');
      assert.equal(await s1.read(), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
      assert.equal(await s2.read(), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
      assert.equal(await writer.read(), '+OK\r\n');
      assert.equal(infoField(await pc.call('INFO', 'server'), 'shutdown_in_milliseconds'), undefined);
      assert.equal(await pc.call('SHUTDOWN', 'ABORT'), '-ERR No shutdown in progress.\r\n');
    } finally {
      for (const c of [s1, s2, writer, pc, replica]) c.close();
      await p.close();
    }
  });

  it('ends once the replica acknowledges the whole stream', async () => {
    const { p, pc, replica, log } = await primaryWithLaggingReplica(300);
    const ended = shutdownSeen(p);
    try {
      pc.write('SHUTDOWN\r\n');
      await eventually(async () => assert.ok(log.some((l) => l.includes('Waiting for replicas before shutting down.'))));
      const admin = await RawConnection.open({ port: p.port });
      const offset = infoField(await admin.call('INFO', 'replication'), 'master_repl_offset')!;
      admin.close();
      replica.write(`*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$${offset.length}\r\n${offset}\r\n`);
      await ended;
      assert.ok(log.some((l) => l.includes('1 of 1 replicas are in sync when shutting down.')), log.join('\n'));
      assert.ok(!log.some((l) => l.includes('Lagging replica')));
    } finally {
      pc.close();
      replica.close();
      await p.close();
    }
  });

  it('ends after shutdown-timeout with the lagging replica logged; NOW does not wait', async () => {
    const { p, pc, replica, log } = await primaryWithLaggingReplica(1);
    const ended = shutdownSeen(p);
    try {
      pc.write('SHUTDOWN\r\n');
      await ended;
      assert.ok(log.some((l) => /Lagging replica 127\.0\.0\.1:7100 reported offset \d+ behind master, lag=\d+, state=online\./.test(l)), log.join('\n'));
      assert.ok(log.some((l) => l.includes('0 of 1 replicas are in sync when shutting down.')));
    } finally {
      pc.close();
      replica.close();
      await p.close();
    }
    const second = await primaryWithLaggingReplica(300);
    const endedNow = shutdownSeen(second.p);
    try {
      second.pc.write('SHUTDOWN NOW\r\n');
      await endedNow;
      assert.ok(!second.log.some((l) => l.includes('Waiting for replicas')));
    } finally {
      second.pc.close();
      second.replica.close();
      await second.p.close();
    }
  });
});

describe('a restarted primary lets its replicas continue', () => {
  it('takes its history back from its snapshot: the replica continues with PSYNC (+CONTINUE)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodis-restart-'));
    // No PING may follow the SAVE into the replica's offset.
    let p = await startServer({ dir, 'repl-ping-replica-period': 3600 });
    const port = p.port;
    const rlog: string[] = [];
    const r = await startServer({ log: (l) => rlog.push(l) });
    const rc = await RawConnection.open({ port: r.port });
    try {
      let pc = await RawConnection.open({ port });
      await pc.call('SET', 'before', 'restart');
      await rc.call('REPLICAOF', '127.0.0.1', String(port));
      await linkUp(rc);
      await pc.call('SET', 'k', 'v');
      await eventually(async () => assert.equal(await rc.call('GET', 'k'), '$1\r\nv\r\n'));
      const offset = infoField(await pc.call('INFO', 'replication'), 'master_repl_offset');
      await eventually(async () => assert.equal(infoField(await rc.call('INFO', 'replication'), 'slave_repl_offset'), offset));
      const replId = infoField(await pc.call('INFO', 'replication'), 'master_replid');
      assert.equal(await pc.call('SAVE'), '+OK\r\n');
      pc.close();
      await p.close();
      const plog: string[] = [];
    p = await startServer({ dir, load: true, port, log: (l) => plog.push(l) });
      pc = await RawConnection.open({ port });
      const info = await pc.call('INFO', 'replication');
      assert.equal(infoField(info, 'master_replid2'), replId);
      assert.equal(infoField(info, 'second_repl_offset'), String(Number(offset) + 1));
      assert.equal(infoField(info, 'master_repl_offset'), offset);
      await linkUp(rc, 20000);
      await eventually(async () => assert.equal(infoField(await pc.call('INFO', 'stats'), 'sync_partial_ok'), '1', [...plog, ...rlog].join('\n')), 20000);
      assert.equal(infoField(await pc.call('INFO', 'stats'), 'sync_full'), '0');
      await pc.call('SET', 'after', 'restart');
      await eventually(async () => assert.equal(await rc.call('GET', 'after'), '$7\r\nrestart\r\n'));
      pc.close();
    } finally {
      rc.close();
      await r.close();
      await p.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
