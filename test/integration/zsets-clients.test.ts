// ioredis and node-redis on sorted sets, in RESP2 and RESP3: a leaderboard (ZINCRBY, ZREVRANGE
// WITHSCORES, ZRANK, ZSCORE; ioredis hands RESP3 doubles and pairs back as RESP2's strings, as it
// does against Redis, node-redis as numbers), a delayed-job queue (ZADD with due times,
// ZRANGEBYSCORE … LIMIT, ZREM, BZPOPMIN waiting on a second connection), a rate limiter
// (ZREMRANGEBYSCORE and ZCARD in MULTI), and a blocking pop timed out by the server's clock.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ioredisFixture, nodeRedisFixture, waitBlockedClients } from '../helpers/clients.js';

for (const protocol of [2, 3] as const) {
  describe(`ioredis on sorted sets (RESP${protocol})`, () => {
    const t = ioredisFixture(protocol, ['client', 'worker']);

    it('keeps a leaderboard', async () => {
      await t.client.zadd('board', 10, 'ann', 20, 'bob', 15, 'cat');
      assert.equal(await t.client.zincrby('board', 7.5, 'ann'), '17.5');
      assert.deepEqual(await t.client.zrevrange('board', 0, 1, 'WITHSCORES'), ['bob', '20', 'ann', '17.5']);
      assert.equal(await t.client.zrevrank('board', 'cat'), 2);
      assert.equal(await t.client.zscore('board', 'ann'), '17.5');
      assert.equal(await t.client.zscore('board', 'nobody'), null);
      assert.deepEqual(await t.client.zmscore('board', 'bob', 'nobody'), ['20', null]);
      assert.equal(await t.client.zcard('board'), 3);
    });

    it('runs a delayed-job queue: due jobs by score, a worker blocked in BZPOPMIN', async () => {
      await t.client.zadd('delayed', 1000, 'job:a', 2000, 'job:b', 3000, 'job:c');
      assert.deepEqual(await t.client.zrangebyscore('delayed', '-inf', 2500, 'LIMIT', 0, 10), ['job:a', 'job:b']);
      assert.equal(await t.client.zrem('delayed', 'job:a', 'job:b'), 2);
      const popped = t.worker.bzpopmin('ready', 0);
      await waitBlockedClients(t.client, 1);
      await t.client.zadd('ready', 5, 'job:x', 1, 'job:y');
      assert.deepEqual(await popped, ['ready', 'job:y', '1']);
      assert.deepEqual(await t.client.zpopmax('ready'), ['job:x', '5']);
      assert.equal(await t.client.exists('ready'), 0);
    });

    it('limits a rate with a sliding window in MULTI', async () => {
      const now = 1_700_000_000_000;
      for (let i = 0; i < 5; i++) await t.client.zadd('rate', now - i * 1000, `req:${i}`);
      const r = await t.client.multi().zremrangebyscore('rate', 0, now - 2500).zadd('rate', now, 'req:new').zcard('rate').exec();
      assert.deepEqual(r, [[null, 2], [null, 1], [null, 4]]);
    });

    it('times out a blocking pop when the server clock moves', async () => {
      const pending = t.worker.bzpopmax('empty', 30);
      await waitBlockedClients(t.client, 1);
      t.server.clock.advance(30_001);
      assert.equal(await pending, null);
    });
  });

  describe(`node-redis on sorted sets (RESP${protocol})`, () => {
    const t = nodeRedisFixture(protocol);

    it('reads scores, ranges with scores and unions', async () => {
      assert.equal(await t.client.zAdd('z', [{ score: 1, value: 'a' }, { score: 2.5, value: 'b' }, { score: -Infinity, value: 'c' }]), 3);
      assert.equal(await t.client.zScore('z', 'b'), 2.5);
      assert.deepEqual(await t.client.zRangeWithScores('z', 0, -1), [
        { value: 'c', score: -Infinity },
        { value: 'a', score: 1 },
        { value: 'b', score: 2.5 },
      ]);
      await t.client.zAdd('y', [{ score: 10, value: 'a' }]);
      assert.equal(await t.client.zUnionStore('u', ['z', 'y']), 3);
      assert.deepEqual(await t.client.zRange('u', 0, -1), ['c', 'b', 'a']);
      assert.deepEqual(await t.client.zRange('z', '(1', '+inf', { BY: 'SCORE' }), ['b']);
    });

    it('blocks in an isolated connection while the main one adds', async () => {
      const pool = t.client.createPool();
      pool.on('error', () => {});
      await pool.connect();
      try {
        const popped = pool.bzPopMin('q', 0);
        await new Promise((r) => setTimeout(r, 50));
        await t.client.zAdd('q', [{ score: 3, value: 'x' }, { score: 1, value: 'y' }]);
        const got = (await popped) as unknown as { key: string; value: string; score: number };
        assert.deepEqual({ key: got.key, value: got.value, score: Number(got.score) }, { key: 'q', value: 'y', score: 1 });
        assert.deepEqual(await t.client.zRange('q', 0, -1), ['x']);
      } finally {
        pool.destroy();
      }
    });
  });
}

