// Listeners and connection limits: maxclients, idle timeout, unix socket, SHUTDOWN.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/embed.js';
import { Differential, Pair, differentialSuite } from '../helpers/differential.js';
import { RawConnection, encodeCommand } from '../helpers/resp.js';
import { connect, type Socket } from 'node:net';

describe('maxclients', differentialSuite(), () => {
  it('refuses the connection over the limit with Redis\'s error, like Redis', async () => {
    const d = new Differential();
    await d.start({ maxclients: 2 });
    try {
      // startOracle's readiness probe may not be freed yet: lower Redis's limit only once this
      // connection is the only one.
      const first = await d.right.connect();
      while (!(await first.call('INFO', 'clients'))!.includes('connected_clients:1\r\n')) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(await first.call('CONFIG', 'SET', 'maxclients', '2'), '+OK\r\n');
      const keep = [await d.left.connect(), await d.left.connect(), first, await d.right.connect()];
      for (const [i, c] of keep.entries()) assert.equal(await c.call('PING'), '+PONG\r\n', i < 2 ? 'nodis' : 'redis');
      const extra = new Pair(await d.left.connect(), await d.right.connect());
      const [ours] = await extra.raw('', 2000);
      assert.equal(ours, '-ERR max number of clients reached\r\n');
      assert.ok(extra.nodis.closed);
      assert.equal(d.nodis.server.stats.rejectedConnections, 1);
      // The clients already in are unaffected.
      assert.equal(await keep[0].call('PING'), '+PONG\r\n');
      for (const c of keep) c.close();
      extra.close();
    } finally {
      await d.stop();
    }
  });
});

describe('idle timeout', () => {
  it('closes a client idle for longer than `timeout` seconds, and only that one', async () => {
    const nodis = await startServer({ timeout: 10 });
    try {
      const idle = await RawConnection.open({ port: nodis.port });
      assert.equal(await idle.call('PING'), '+PONG\r\n');
      nodis.clock.advance(10_500);
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

/** Sends requests without reading the replies for a while, then reads until the server closes. */
async function floodWithoutReading(target: { port?: number; path?: string }, request: string, pauseMs: number): Promise<{ bytes: number; closed: boolean }> {
  const socket: Socket = target.path ? connect(target.path) : connect(target.port!, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  // Listen for the close from the start: a server that drops the client while it is still
  // sending resets the connection, and the close comes during the pause.
  let wasClosed = false;
  socket.on('close', () => (wasClosed = true));
  socket.pause();
  socket.on('error', () => {});
  socket.write(request, 'latin1');
  await new Promise((r) => setTimeout(r, pauseMs));
  let bytes = 0;
  const closed = new Promise<boolean>((resolve) => {
    if (wasClosed) resolve(true);
    socket.on('close', () => resolve(true));
    setTimeout(() => resolve(false), 3000);
  });
  socket.on('data', (d: Buffer) => (bytes += d.length));
  socket.resume();
  const result = { bytes, closed: await closed };
  result.bytes = bytes;
  socket.destroy();
  return result;
}

describe('client-output-buffer-limit', differentialSuite(), () => {
  it('drops a normal client whose unread replies pass the hard limit, like Redis', async () => {
    const d = new Differential();
    await d.startWith({ 'client-output-buffer-limit': 'normal 1mb 0 0' });
    try {
      const value = 'x'.repeat(64 * 1024);
      const flood = encodeCommand(['SET', 'big', value]) + encodeCommand(['GET', 'big']).repeat(500);
      const full = 500 * (value.length + 12);
      const ours = await floodWithoutReading({ port: d.nodis.port }, flood, 300);
      const theirs = await floodWithoutReading({ path: d.oracle.socketPath }, flood, 300);
      assert.ok(theirs.closed && theirs.bytes < full, 'Redis drops the client');
      assert.ok(ours.closed && ours.bytes < full, `nodis drops the client (got ${ours.bytes} of ${full} bytes)`);
      // Other clients carry on.
      const c = await d.left.connect();
      assert.equal(await c.call('STRLEN', 'big'), ':65536\r\n');
      c.close();
    } finally {
      await d.stop();
    }
  });

  it('counts output past the static buffer in whole reply blocks, as Redis: a 112 KB KEYS reply passes a 100000-byte limit', async () => {
    const d = new Differential();
    await d.startWith({ 'client-output-buffer-limit': 'normal 100000 0 0' });
    try {
      const prefix = 'long-key-name-prefix-of-100-chars-'.padEnd(100, '-');
      const setup = await d.connect();
      for (const c of setup) {
        assert.equal(await c.call('DEBUG', 'POPULATE', '1000', prefix), '+OK\r\n');
        c.close();
      }
      // 95.5 KB past the static buffer: five blocks of 20464 bytes, over the limit.
      const [n, r] = await d.connect();
      for (const c of [n, r]) {
        c.write(encodeCommand(['KEYS', '*']));
        assert.equal(await c.readUntilClose(2000), '', 'the client is dropped without its reply');
      }
      // 555 of the keys (62 KB) fit.
      const [n2, r2] = await d.connect();
      for (const c of [n2, r2]) {
        const reply = await c.call('KEYS', `${prefix}:[1-5]*`);
        assert.match(reply!, /^\*555\r\n/);
        c.close();
      }
    } finally {
      await d.stop();
    }
  });

  it('lets a client that reads its replies receive them all', async () => {
    const nodis = await startServer({ 'client-output-buffer-limit': 'normal 1mb 0 0' });
    try {
      const c = await RawConnection.open({ port: nodis.port });
      assert.equal(await c.call('SET', 'big', 'y'.repeat(200 * 1024)), '+OK\r\n');
      for (let i = 0; i < 20; i++) assert.equal((await c.call('GET', 'big'))!.length, '$204800\r\n'.length + 200 * 1024 + 2);
      c.close();
    } finally {
      await nodis.close();
    }
  });
});

describe('idle timeout (nodis)', () => {
  it('closes an idle client, but not a subscriber, a blocked client or a MONITOR', async () => {
    const server = await startServer({ timeout: '1' });
    const conns: RawConnection[] = [];
    try {
      for (let i = 0; i < 4; i++) conns.push(await RawConnection.open({ port: server.port }));
      const [idle, sub, blocked, monitor] = conns;
      assert.equal(await idle.call('PING'), '+PONG\r\n');
      assert.match((await sub.call('SUBSCRIBE', 'ch'))!, /^\*3/);
      blocked.write(encodeCommand(['BLPOP', 'nothing', '0']));
      assert.equal(await monitor.call('MONITOR'), '+OK\r\n');
      server.clock.advance(5000);
      // The once-a-second client check closes the idle one.
      assert.equal(await idle.readUntilClose(3000), '');
      assert.ok(idle.closed);
      for (const c of [sub, blocked, monitor]) assert.ok(!c.closed);
    } finally {
      for (const c of conns) c.close();
      await server.close();
    }
  });
});
