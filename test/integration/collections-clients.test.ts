// ioredis and node-redis on hashes and sets, in RESP2 and RESP3: the shapes each library turns
// into JavaScript values (ioredis's HGETALL object, node-redis's maps and sets).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ioredisFixture, nodeRedisFixture } from '../helpers/clients.js';

for (const protocol of [2, 3] as const) {
  describe(`ioredis on hashes and sets (RESP${protocol})`, () => {
    const t = ioredisFixture(protocol, ['client']);

    it('stores a session hash and reads it back as an object', async () => {
      assert.equal(await t.client.hset('session:1', { user: 'alice', visits: '1' }), 2);
      assert.equal(await t.client.hincrby('session:1', 'visits', 2), 3);
      assert.equal(await t.client.hincrbyfloat('session:1', 'score', '1.5'), '1.5');
      assert.deepEqual(await t.client.hgetall('session:1'), { user: 'alice', visits: '3', score: '1.5' });
      assert.deepEqual(await t.client.hgetall('nothing'), {});
      assert.deepEqual(await t.client.hmget('session:1', 'user', 'nope'), ['alice', null]);
      assert.deepEqual(await t.client.hkeys('session:1'), ['user', 'visits', 'score']);
      assert.equal(await t.client.hdel('session:1', 'user', 'visits', 'score'), 3);
      assert.equal(await t.client.exists('session:1'), 0);
      const [cursor, items] = await t.client.hscan('nothing', 0);
      assert.deepEqual([cursor, items], ['0', []]);
    });

    it('keeps a set of tags and combines sets', async () => {
      assert.equal(await t.client.sadd('tags:a', 'x', 'y', 'z'), 3);
      assert.equal(await t.client.sadd('tags:b', 'y', 'z', 'w'), 3);
      assert.deepEqual((await t.client.smembers('tags:a')).sort(), ['x', 'y', 'z']);
      assert.deepEqual((await t.client.sinter('tags:a', 'tags:b')).sort(), ['y', 'z']);
      assert.deepEqual((await t.client.sunion('tags:a', 'tags:b')).sort(), ['w', 'x', 'y', 'z']);
      assert.equal(await t.client.sismember('tags:a', 'x'), 1);
      assert.deepEqual(await t.client.smismember('tags:a', 'x', 'w'), [1, 0]);
      const popped = await t.client.spop('tags:a', 3);
      assert.deepEqual(popped.sort(), ['x', 'y', 'z']);
      assert.equal(await t.client.exists('tags:a'), 0);
      assert.ok(['w', 'y', 'z'].includes((await t.client.srandmember('tags:b'))!));
    });

    it('gets HRANDFIELD pairs', async () => {
      await t.client.hset('h', 'a', '1');
      // (In RESP3 the reply is an array of pairs; ioredis flattens it as in RESP2.)
      const pairs = (await t.client.hrandfield('h', -2, 'WITHVALUES')) as unknown;
      assert.deepEqual(pairs, ['a', '1', 'a', '1']);
    });
  });

  describe(`node-redis on hashes and sets (RESP${protocol})`, () => {
    const t = nodeRedisFixture(protocol);

    it('works with hashes', async () => {
      assert.equal(await t.client.hSet('user:1', { name: 'bob', age: '42' }), 2);
      const all = (await t.client.hGetAll('user:1')) as unknown as Record<string, string>;
      assert.deepEqual({ ...all }, { name: 'bob', age: '42' });
      assert.equal(await t.client.hGet('user:1', 'name'), 'bob');
      assert.equal(await t.client.hLen('user:1'), 2);
      assert.ok(await t.client.hExists('user:1', 'age'));
      assert.equal(await t.client.hIncrBy('user:1', 'age', 1), 43);
    });

    it('works with sets', async () => {
      assert.equal(await t.client.sAdd('s', ['1', '2', '3']), 3);
      const members = (await t.client.sMembers('s')) as unknown;
      const list = members instanceof Set ? [...members] : (members as string[]);
      assert.deepEqual(list.map(String).sort(), ['1', '2', '3']);
      assert.equal(await t.client.sCard('s'), 3);
      assert.equal(await t.client.sRem('s', ['1', '9']), 1);
      assert.equal(await t.client.sInterCard(['s'], { LIMIT: 1 }), 1);
    });
  });
}
