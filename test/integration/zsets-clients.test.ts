// ioredis and node-redis on sorted sets, in RESP2 and RESP3: a leaderboard (ZINCRBY, ZREVRANGE
// WITHSCORES, ZRANK, ZSCORE; ioredis hands RESP3 doubles and pairs back as RESP2's strings, as it
// does against Redis, node-redis as numbers), a delayed-job queue (ZADD with due times,
// ZRANGEBYSCORE … LIMIT, ZREM, BZPOPMIN waiting on a second connection), a rate limiter
// (ZREMRANGEBYSCORE and ZCARD in MULTI), and a blocking pop timed out by the server's clock.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type EmbeddedServer } from '../../src/embed.js';

for (const protocol of [2, 3] as const) {
  describe(`ioredis on sorted sets (RESP${protocol})`, () => {
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

    it('keeps a leaderboard', async () => {
      await client.zadd('board', 10, 'ann', 20, 'bob', 15, 'cat');
      assert.equal(await client.zincrby('board', 7.5, 'ann'), '17.5');
      assert.deepEqual(await client.zrevrange('board', 0, 1, 'WITHSCORES'), ['bob', '20', 'ann', '17.5']);
      assert.equal(await client.zrevrank('board', 'cat'), 2);
      assert.equal(await client.zscore('board', 'ann'), '17.5');
      assert.equal(await client.zscore('board', 'nobody'), null);
      assert.deepEqual(await client.zmscore('board', 'bob', 'nobody'), ['20', null]);
      assert.equal(await client.zcard('board'), 3);
    });

    it('runs a delayed-job queue: due jobs by score, a worker blocked in BZPOPMIN', async () => {
      await client.zadd('delayed', 1000, 'job:a', 2000, 'job:b', 3000, 'job:c');
      assert.deepEqual(await client.zrangebyscore('delayed', '-inf', 2500, 'LIMIT', 0, 10), ['job:a', 'job:b']);
      assert.equal(await client.zrem('delayed', 'job:a', 'job:b'), 2);
      const popped = worker.bzpopmin('ready', 0);
      await waitBlocked(client, 1);
      await client.zadd('ready', 5, 'job:x', 1, 'job:y');
      assert.deepEqual(await popped, ['ready', 'job:y', '1']);
      assert.deepEqual(await client.zpopmax('ready'), ['job:x', '5']);
      assert.equal(await client.exists('ready'), 0);
    });

    it('limits a rate with a sliding window in MULTI', async () => {
      const now = 1_700_000_000_000;
      for (let i = 0; i < 5; i++) await client.zadd('rate', now - i * 1000, `req:${i}`);
      const r = await client.multi().zremrangebyscore('rate', 0, now - 2500).zadd('rate', now, 'req:new').zcard('rate').exec();
      assert.deepEqual(r, [[null, 2], [null, 1], [null, 4]]);
    });

    it('times out a blocking pop when the server clock moves', async () => {
      const pending = worker.bzpopmax('empty', 30);
      await waitBlocked(client, 1);
      server.clock.advance(30_001);
      assert.equal(await pending, null);
    });
  });

  describe(`node-redis on sorted sets (RESP${protocol})`, () => {
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

    it('reads scores, ranges with scores and unions', async () => {
      assert.equal(await client.zAdd('z', [{ score: 1, value: 'a' }, { score: 2.5, value: 'b' }, { score: -Infinity, value: 'c' }]), 3);
      assert.equal(await client.zScore('z', 'b'), 2.5);
      assert.deepEqual(await client.zRangeWithScores('z', 0, -1), [
        { value: 'c', score: -Infinity },
        { value: 'a', score: 1 },
        { value: 'b', score: 2.5 },
      ]);
      await client.zAdd('y', [{ score: 10, value: 'a' }]);
      assert.equal(await client.zUnionStore('u', ['z', 'y']), 3);
      assert.deepEqual(await client.zRange('u', 0, -1), ['c', 'b', 'a']);
      assert.deepEqual(await client.zRange('z', '(1', '+inf', { BY: 'SCORE' }), ['b']);
    });

    it('blocks in an isolated connection while the main one adds', async () => {
      const pool = client.createPool();
      pool.on('error', () => {});
      await pool.connect();
      try {
        const popped = pool.bzPopMin('q', 0);
        await new Promise((r) => setTimeout(r, 50));
        await client.zAdd('q', [{ score: 3, value: 'x' }, { score: 1, value: 'y' }]);
        const got = (await popped) as unknown as { key: string; value: string; score: number };
        assert.deepEqual({ key: got.key, value: got.value, score: Number(got.score) }, { key: 'q', value: 'y', score: 1 });
        assert.deepEqual(await client.zRange('q', 0, -1), ['x']);
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
