// node-redis's RESP3 client-side cache (`clientSideCache`) against nodis: reads are served from
// the cache until nodis's invalidation pushes (a write by another client, expiry, FLUSHALL) drop
// the entries.

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { startServer, type NodisServer } from '../../src/index.js';

/** Waits until check() holds (the invalidation push arrives asynchronously). */
async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('node-redis client-side cache', () => {
  let server: NodisServer;
  let cached: ReturnType<typeof createClient>;
  let writer: ReturnType<typeof createClient>;
  before(async () => {
    server = await startServer();
    cached = createClient({ url: server.url, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
    writer = createClient({ url: server.url });
    for (const c of [cached, writer]) {
      c.on('error', () => {});
      await c.connect();
    }
  });
  after(async () => {
    cached.destroy();
    writer.destroy();
    await server.close();
  });

  const cache = () => cached.clientSideCache!;
  // Each test starts from an empty cache (entries of earlier tests would change its size).
  beforeEach(() => cache().clear());

  it('turns tracking on for its connection', async () => {
    const info = await writer.info('clients');
    assert.match(info, /tracking_clients:1\r\n/);
  });

  it('serves repeated reads from the cache and reads again after another client writes', async () => {
    await writer.set('k', 'v1');
    const before = cache().stats();
    assert.equal(await cached.get('k'), 'v1');
    assert.equal(await cached.get('k'), 'v1');
    assert.equal(await cached.get('k'), 'v1');
    const mid = cache().stats().minus(before);
    assert.equal(mid.missCount, 1);
    assert.equal(mid.hitCount, 2);
    assert.equal(cache().size(), 1);

    await writer.set('k', 'v2');
    await until('the invalidation of k', () => cache().size() === 0);
    assert.equal(await cached.get('k'), 'v2');
    const after = cache().stats().minus(before);
    assert.equal(after.missCount, 2);
    assert.equal(after.hitCount, 2);
  });

  it('drops every entry that read a changed key (MGET, STRLEN), and keeps the others', async () => {
    await writer.mSet({ a: '1', b: '22', c: '333' });
    assert.deepEqual(await cached.mGet(['a', 'b']), ['1', '22']);
    assert.equal(await cached.strLen('b'), 2);
    assert.equal(await cached.get('c'), '333');
    assert.equal(cache().size(), 3);
    await writer.append('b', '2');
    await until('the invalidation of b', () => cache().size() === 1);
    assert.deepEqual(await cached.mGet(['a', 'b']), ['1', '222']);
    assert.equal(await cached.strLen('b'), 3);
    const hits = cache().stats().hitCount;
    assert.equal(await cached.get('c'), '333');
    assert.equal(cache().stats().hitCount, hits + 1);
  });

  it('its own writes invalidate too', async () => {
    await cached.set('own', 'x');
    assert.equal(await cached.get('own'), 'x');
    await cached.set('own', 'y');
    await until('the invalidation of own', () => ![...cacheKeys()].some((k) => k.includes('own')));
    assert.equal(await cached.get('own'), 'y');
  });

  it('an expired key is invalidated', async () => {
    await writer.set('short', 'lived', { expiration: { type: 'PX', value: 50 } });
    assert.equal(await cached.get('short'), 'lived');
    const size = cache().size();
    await until('the invalidation by expiry', () => cache().size() === size - 1);
    assert.equal(await cached.get('short'), null);
  });

  it('FLUSHALL empties the cache', async () => {
    await writer.mSet({ x: '1', y: '2' });
    await cached.get('x');
    await cached.get('y');
    assert.ok(cache().size() >= 2);
    await writer.flushAll();
    await until('the null invalidation', () => cache().size() === 0);
    assert.equal(await cached.get('x'), null);
  });

  /** The cache's keys (node-redis's internal listing, for checks by name). */
  function cacheKeys(): IterableIterator<string> {
    // entryEntries is marked internal in node-redis; it lists [cacheKey, entry] pairs.
    const c = cache() as unknown as { entryEntries(): IterableIterator<[string, unknown]> };
    return (function* () {
      for (const [k] of c.entryEntries()) yield k;
    })();
  }
});
