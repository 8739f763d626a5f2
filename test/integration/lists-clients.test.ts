// ioredis and node-redis on lists, in RESP2 and RESP3: a job queue with blocking pops (ioredis's
// BLPOP/BLMOVE on a second connection, node-redis's isolated pool), LRANGE, LPOS and LMPOP shapes,
// and a blocking pop timed out by the server's clock.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type EmbeddedServer } from '../../src/embed.js';

for (const protocol of [2, 3] as const) {
  describe(`ioredis on lists (RESP${protocol})`, () => {
    let server: EmbeddedServer;
    let client: Redis;
    let worker: Redis;
    before(async () => {
      server = await startServer();
      client = new Redis({ port: server.port, protocol, lazyConnect: true, maxRetriesPerRequest: 0 });
      worker = new Redis({ port: server.port, protocol, lazyConnect: true, maxRetriesPerRequest: 0 });
      await client.connect();
      await worker.connect();
    });
    after(async () => {
      client.disconnect();
      worker.disconnect();
      await server.close();
    });

    it('runs a job queue: a worker blocked in BLPOP gets each job as it is pushed', async () => {
      const first = worker.blpop('jobs', 0);
      await waitBlocked(client, 1);
      assert.equal(await client.rpush('jobs', 'job:1', 'job:2'), 2);
      assert.deepEqual(await first, ['jobs', 'job:1']);
      assert.deepEqual(await worker.blpop('jobs', 0), ['jobs', 'job:2']);
      // A reliable queue: BLMOVE into a processing list, then LREM once done.
      const moved = worker.blmove('jobs', 'processing', 'LEFT', 'RIGHT', 0);
      await waitBlocked(client, 1);
      await client.lpush('jobs', 'job:3');
      assert.equal(await moved, 'job:3');
      assert.deepEqual(await client.lrange('processing', 0, -1), ['job:3']);
      assert.equal(await client.lrem('processing', 1, 'job:3'), 1);
      assert.equal(await client.exists('processing'), 0);
    });

    it('times out a blocking pop when the server clock moves', async () => {
      const pending = worker.brpop('empty', 30);
      await waitBlocked(client, 1);
      server.clock.advance(30_001);
      assert.equal(await pending, null);
    });

    it('reads ranges, positions and multi-pops', async () => {
      await client.rpush('l', 'a', 'b', 'c', 'b', '1', '2');
      assert.deepEqual(await client.lrange('l', 1, 3), ['b', 'c', 'b']);
      assert.equal(await client.lpos('l', 'b', 'RANK', -1), 3);
      assert.deepEqual(await client.lpos('l', 'b', 'COUNT', 0), [1, 3]);
      assert.deepEqual(await client.lmpop(2, 'none', 'l', 'RIGHT', 'COUNT', 2), ['l', ['2', '1']]);
      assert.deepEqual(await client.lpop('l', 2), ['a', 'b']);
      assert.equal(await client.lindex('l', -1), 'b');
      assert.equal(await client.llen('l'), 2);
    });
  });

  describe(`node-redis on lists (RESP${protocol})`, () => {
    let server: EmbeddedServer;
    let client: ReturnType<typeof createClient>;
    before(async () => {
      server = await startServer();
      client = createClient({ url: server.url, RESP: protocol });
      client.on('error', () => {});
      await client.connect();
    });
    after(async () => {
      client.destroy();
      await server.close();
    });

    it('blocks in an isolated connection while the main one pushes', async () => {
      const pool = client.createPool();
      pool.on('error', () => {});
      await pool.connect();
      try {
        const popped = pool.blPop('q', 0);
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(await client.rPush('q', ['x', 'y']), 2);
        const got = (await popped) as unknown as { key: string; element: string };
        assert.deepEqual({ key: got.key, element: got.element }, { key: 'q', element: 'x' });
        assert.deepEqual(await client.lRange('q', 0, -1), ['y']);
        const moved = await client.lMove('q', 'done', 'LEFT', 'RIGHT');
        assert.equal(moved, 'y');
        assert.equal(await client.lLen('done'), 1);
      } finally {
        pool.destroy();
      }
    });
  });
}

/** Waits until the server reports n blocked clients. */
async function waitBlocked(client: Redis, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const info = await client.info('clients');
    if (new RegExp(`blocked_clients:${n}\\r\\n`).test(info)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`blocked_clients never reached ${n}`);
}
