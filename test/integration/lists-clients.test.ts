// ioredis and node-redis on lists, in RESP2 and RESP3: a job queue with blocking pops (ioredis's
// BLPOP/BLMOVE on a second connection, node-redis's isolated pool), LRANGE, LPOS and LMPOP shapes,
// and a blocking pop timed out by the server's clock.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ioredisFixture, nodeRedisFixture, waitBlockedClients } from '../helpers/clients.js';

for (const protocol of [2, 3] as const) {
  describe(`ioredis on lists (RESP${protocol})`, () => {
    const t = ioredisFixture(protocol, ['client', 'worker']);

    it('runs a job queue: a worker blocked in BLPOP gets each job as it is pushed', async () => {
      const first = t.worker.blpop('jobs', 0);
      await waitBlockedClients(t.client, 1);
      assert.equal(await t.client.rpush('jobs', 'job:1', 'job:2'), 2);
      assert.deepEqual(await first, ['jobs', 'job:1']);
      assert.deepEqual(await t.worker.blpop('jobs', 0), ['jobs', 'job:2']);
      // A reliable queue: BLMOVE into a processing list, then LREM once done.
      const moved = t.worker.blmove('jobs', 'processing', 'LEFT', 'RIGHT', 0);
      await waitBlockedClients(t.client, 1);
      await t.client.lpush('jobs', 'job:3');
      assert.equal(await moved, 'job:3');
      assert.deepEqual(await t.client.lrange('processing', 0, -1), ['job:3']);
      assert.equal(await t.client.lrem('processing', 1, 'job:3'), 1);
      assert.equal(await t.client.exists('processing'), 0);
    });

    it('times out a blocking pop when the server clock moves', async () => {
      const pending = t.worker.brpop('empty', 30);
      await waitBlockedClients(t.client, 1);
      t.server.clock.advance(30_001);
      assert.equal(await pending, null);
    });

    it('reads ranges, positions and multi-pops', async () => {
      await t.client.rpush('l', 'a', 'b', 'c', 'b', '1', '2');
      assert.deepEqual(await t.client.lrange('l', 1, 3), ['b', 'c', 'b']);
      assert.equal(await t.client.lpos('l', 'b', 'RANK', -1), 3);
      assert.deepEqual(await t.client.lpos('l', 'b', 'COUNT', 0), [1, 3]);
      assert.deepEqual(await t.client.lmpop(2, 'none', 'l', 'RIGHT', 'COUNT', 2), ['l', ['2', '1']]);
      assert.deepEqual(await t.client.lpop('l', 2), ['a', 'b']);
      assert.equal(await t.client.lindex('l', -1), 'b');
      assert.equal(await t.client.llen('l'), 2);
    });
  });

  describe(`node-redis on lists (RESP${protocol})`, () => {
    const t = nodeRedisFixture(protocol);

    it('blocks in an isolated connection while the main one pushes', async () => {
      const pool = t.client.createPool();
      pool.on('error', () => {});
      await pool.connect();
      try {
        const popped = pool.blPop('q', 0);
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(await t.client.rPush('q', ['x', 'y']), 2);
        const got = (await popped) as unknown as { key: string; element: string };
        assert.deepEqual({ key: got.key, element: got.element }, { key: 'q', element: 'x' });
        assert.deepEqual(await t.client.lRange('q', 0, -1), ['y']);
        const moved = await t.client.lMove('q', 'done', 'LEFT', 'RIGHT');
        assert.equal(moved, 'y');
        assert.equal(await t.client.lLen('done'), 1);
      } finally {
        pool.destroy();
      }
    });
  });
}

