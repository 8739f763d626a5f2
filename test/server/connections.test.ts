// Listeners and connection limits: maxclients, idle timeout, unix socket, SHUTDOWN.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { startOracle } from '../helpers/oracle.js';
import { differentialSuite } from '../helpers/differential.js';
import { RawConnection } from '../helpers/resp.js';

describe('maxclients', differentialSuite(), () => {
  it('refuses the connection over the limit with Redis\'s error, like Redis', async () => {
    const nodis = await startServer({ maxclients: 2 });
    const oracle = await startOracle(['--maxclients', '2']);
    try {
      const keep = [
        await RawConnection.open({ port: nodis.port }),
        await RawConnection.open({ port: nodis.port }),
        await oracle.connect(),
        await oracle.connect(),
      ];
      for (const c of keep) assert.equal(await c.call('PING'), '+PONG\r\n');
      const extraNodis = await RawConnection.open({ port: nodis.port });
      const extraRedis = await oracle.connect();
      const [ours, theirs] = await Promise.all([extraNodis.readUntilClose(), extraRedis.readUntilClose()]);
      assert.equal(ours, '-ERR max number of clients reached\r\n');
      assert.equal(ours, theirs);
      assert.ok(extraNodis.closed);
      assert.equal(nodis.server.stats.rejectedConnections, 1);
      // The clients already in are unaffected.
      assert.equal(await keep[0].call('PING'), '+PONG\r\n');
      for (const c of keep) c.close();
    } finally {
      await nodis.close();
      await oracle.close();
    }
  });
});

describe('idle timeout', () => {
  it('closes a client idle for longer than `timeout` seconds, and only that one', async () => {
    const nodis = await startServer({ timeout: 1 });
    try {
      const idle = await RawConnection.open({ port: nodis.port });
      assert.equal(await idle.call('PING'), '+PONG\r\n');
      nodis.clock.advance(1500);
      const fresh = await RawConnection.open({ port: nodis.port });
      // The clients cron runs once a second.
      await idle.readUntilClose(3000);
      assert.ok(idle.closed, 'the idle client was closed');
      assert.equal(await fresh.call('PING'), '+PONG\r\n');
      fresh.close();
    } finally {
      await nodis.close();
    }
  });
});

describe('unix socket', () => {
  it('listens on unixsocket with unixsocketperm and removes the file on close', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nodis-')), 'nodis.sock');
    const nodis = await startServer({ unixsocket: path, unixsocketperm: '700' });
    try {
      assert.equal(statSync(path).mode & 0o777, 0o700);
      const c = await RawConnection.open({ path });
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
      assert.equal(await c.call('GET', 'k'), '$1\r\nv\r\n');
      c.close();
    } finally {
      await nodis.close();
    }
    assert.equal(existsSync(path), false);
  });
});

describe('SHUTDOWN', () => {
  it('stops an embedded server: its clients are closed and the port is released', async () => {
    const nodis = await startServer();
    const closed = new Promise<void>((resolve) => nodis.server.once('closed', () => resolve()));
    const c = await RawConnection.open({ port: nodis.port });
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    assert.equal(await c.readUntilClose(), '');
    await closed;
    await assert.rejects(RawConnection.open({ port: nodis.port }));
  });
});
