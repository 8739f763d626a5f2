// rate-limiter-flexible's RateLimiterRedis, unchanged, on ioredis and node-redis against nodis
// and (when installed) redis-server: points consumed until the limiter refuses with the time to
// wait, penalty and reward, get, delete, and block. Its Lua script (SET NX EX, INCRBY, PTTL) runs
// through ioredis's defineCommand (EVALSHA, then EVAL on NOSCRIPT) or node-redis's EVAL.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { serverTarget, targetNames } from '../helpers/targets.js';

for (const serverName of targetNames()) {
  for (const library of ['ioredis', 'node-redis'] as const) {
    describe(`rate-limiter-flexible with ${library} on ${serverName}`, () => {
      const target = serverTarget(serverName);
      let storeClient: Redis;
      let raw: Redis;
      let limiterNumber = 0;
      before(async () => {
        raw = new Redis({ ...target.connection, lazyConnect: true });
        await raw.connect();
        if (library === 'ioredis') {
          storeClient = new Redis({ ...target.connection, lazyConnect: true });
          await storeClient.connect();
        } else {
          const { port, host, path } = target.connection;
          const client = createClient({ socket: path ? { path, tls: false } : { port, host } });
          client.on('error', () => {});
          await client.connect();
          // rate-limiter-flexible's types name an older node-redis client type; the object is the same.
          storeClient = client as unknown as Redis;
        }
      });
      after(() => {
        raw.disconnect();
        if (storeClient instanceof Redis) storeClient.disconnect();
        else (storeClient as unknown as ReturnType<typeof createClient>).destroy();
      });
      const limiter = (points: number, duration: number, extra = {}): RateLimiterRedis =>
        new RateLimiterRedis({
          storeClient,
          useRedisPackage: library === 'node-redis',
          keyPrefix: `rl${++limiterNumber}`,
          points,
          duration,
          ...extra,
        });

      it('consumes points until it refuses, with the time before the next point', async () => {
        const rl = limiter(3, 10);
        const first = await rl.consume('user');
        assert.equal(first.remainingPoints, 2);
        assert.equal(first.consumedPoints, 1);
        assert.ok(first.msBeforeNext > 9000 && first.msBeforeNext <= 10_000, String(first.msBeforeNext));
        assert.equal((await rl.consume('user', 2)).remainingPoints, 0);
        const refusal = await rl.consume('user').then(
          () => assert.fail('the fourth point was granted'),
          (r: unknown) => r,
        );
        assert.ok(refusal instanceof RateLimiterRes);
        assert.equal(refusal.remainingPoints, 0);
        assert.equal(refusal.consumedPoints, 4);
        assert.ok(refusal.msBeforeNext > 0 && refusal.msBeforeNext <= 10_000);
        // The key the limiter keeps, with its expiry.
        assert.equal(await raw.get(`rl${limiterNumber}:user`), '4');
        assert.ok((await raw.pttl(`rl${limiterNumber}:user`)) > 0);
      });

      it('penalty, reward, get and delete', async () => {
        const rl = limiter(5, 10);
        assert.equal(await rl.get('u'), null);
        await rl.consume('u', 2);
        assert.equal((await rl.penalty('u', 2)).consumedPoints, 4);
        assert.equal((await rl.reward('u', 3)).consumedPoints, 1);
        const state = await rl.get('u');
        assert.equal(state?.consumedPoints, 1);
        assert.equal(state?.remainingPoints, 4);
        assert.equal(await rl.delete('u'), true);
        assert.equal(await rl.delete('u'), false);
        assert.equal(await rl.get('u'), null);
      });

      it('blocks a key for a while, and blocks on overuse with blockDuration', async () => {
        const rl = limiter(2, 10, { blockDuration: 60 });
        const blocked = await rl.block('spammer', 30);
        assert.ok(blocked.msBeforeNext > 29_000);
        await assert.rejects(rl.consume('spammer'), (r: unknown) => r instanceof RateLimiterRes && r.msBeforeNext > 29_000);
        await rl.consume('busy', 2);
        await assert.rejects(rl.consume('busy'));
        // Overuse blocked the key for blockDuration.
        const ttl = await raw.pttl(`rl${limiterNumber}:busy`);
        assert.ok(ttl > 59_000, String(ttl));
      });

      it('starts again once the duration has passed', async () => {
        const rl = limiter(1, 1);
        await rl.consume('short');
        const refusal = (await rl.consume('short').catch((r: unknown) => r)) as RateLimiterRes;
        await new Promise((r) => setTimeout(r, refusal.msBeforeNext + 20));
        assert.equal((await rl.consume('short')).remainingPoints, 0);
      });
    });
  }
}
