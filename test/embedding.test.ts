// The embedding API: startServer(), url, clock control, and isolation between servers.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../src/index.js';
import { RawConnection } from './helpers/resp.js';

it('starts on a free port and reports its url', async () => {
  const server = await startServer();
  try {
    assert.ok(server.port > 0);
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    const c = await RawConnection.open({ port: server.port });
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  } finally {
    await server.close();
  }
});

it('rejects unknown directives and bad values with a clear error', async () => {
  await assert.rejects(startServer({ 'no-such-directive': 'x' }), /no-such-directive/);
  await assert.rejects(startServer({ maxmemory: 'lots' }), /maxmemory/);
});

it('moves time with clock.advance(), so keys expire without waiting', async () => {
  const server = await startServer();
  try {
    const c = await RawConnection.open({ port: server.port });
    assert.equal(await c.call('SET', 'session', 'x', 'EX', '3600'), '+OK\r\n');
    server.clock.advance(3599_000);
    assert.equal(await c.call('TTL', 'session'), ':1\r\n');
    server.clock.advance(1_001);
    assert.equal(await c.call('GET', 'session'), '$-1\r\n');
    c.close();
  } finally {
    await server.close();
  }
});

it('keeps two servers in one process apart: keys, clocks, configuration, statistics', async () => {
  const a = await startServer({ requirepass: 'a-secret' });
  const b = await startServer();
  try {
    const ca = await RawConnection.open({ port: a.port });
    const cb = await RawConnection.open({ port: b.port });
    assert.equal(await ca.call('AUTH', 'a-secret'), '+OK\r\n');
    assert.equal(await ca.call('SET', 'k', 'from-a', 'EX', '10'), '+OK\r\n');
    assert.equal(await cb.call('GET', 'k'), '$-1\r\n');
    assert.equal(await cb.call('SET', 'k', 'from-b', 'EX', '10'), '+OK\r\n');
    a.clock.advance(11_000);
    assert.equal(await ca.call('GET', 'k'), '$-1\r\n');
    assert.equal(await cb.call('GET', 'k'), '$6\r\nfrom-b\r\n');
    assert.equal(await cb.call('CONFIG', 'GET', 'requirepass'), '*2\r\n$11\r\nrequirepass\r\n$0\r\n\r\n');
    assert.equal(await cb.call('CONFIG', 'SET', 'maxclients', '7'), '+OK\r\n');
    assert.equal(a.server.config.num('maxclients'), 10000);
    assert.notEqual(a.server.runId, b.server.runId);
    assert.equal(b.server.stats.expiredKeys, 0);
    ca.close();
    cb.close();
  } finally {
    await a.close();
    await b.close();
  }
});
