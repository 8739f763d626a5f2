// Real client libraries against nodis, in RESP2 and RESP3.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ioredisFixture, nodeRedisFixture } from '../helpers/clients.js';

for (const protocol of [2, 3] as const) {
  describe(`ioredis (RESP${protocol})`, () => {
    const t = ioredisFixture(protocol, ['client']);

    it('sets, gets and counts', async () => {
      assert.equal(await t.client.set('greeting', 'hello'), 'OK');
      assert.equal(await t.client.get('greeting'), 'hello');
      assert.equal(await t.client.get('nothing'), null);
      assert.equal(await t.client.incr('counter'), 1);
      assert.equal(await t.client.incrby('counter', 41), 42);
      assert.equal(await t.client.incrbyfloat('counter', '0.5'), '42.5');
      assert.deepEqual(await t.client.mget('greeting', 'nothing', 'counter'), ['hello', null, '42.5']);
      assert.equal(await t.client.append('greeting', ' world'), 11);
      assert.equal(await t.client.strlen('greeting'), 11);
    });

    it('keeps binary values intact', async () => {
      const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80]);
      await t.client.set(Buffer.from([0xc3, 0x28]), bytes);
      assert.deepEqual(await t.client.getBuffer(Buffer.from([0xc3, 0x28])), bytes);
    });

    it('expires keys when the clock moves', async () => {
      await t.client.set('session', 'x', 'EX', 10);
      assert.equal(await t.client.ttl('session'), 10);
      t.server.clock.advance(10_001);
      assert.equal(await t.client.get('session'), null);
      assert.equal(await t.client.exists('session'), 0);
    });

    it('reports wrong types and bad arguments as errors', async () => {
      await t.client.set('text', 'abc');
      await assert.rejects(t.client.incr('text'), /ERR value is not an integer or out of range/);
      await assert.rejects(t.client.call('nosuchcommand', 'a'), /ERR unknown command 'nosuchcommand'/);
    });

    it('uses bitmaps and HyperLogLog', async () => {
      assert.equal(await t.client.setbit('bits', 7, 1), 0);
      assert.equal(await t.client.getbit('bits', 7), 1);
      assert.equal(await t.client.bitcount('bits'), 1);
      assert.equal(await t.client.bitpos('bits', 1), 7);
      assert.deepEqual(await t.client.call('BITFIELD', 'bits', 'SET', 'u8', '8', '200', 'GET', 'u8', '8', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '8', '100'), [0, 200, null]);
      assert.equal(await t.client.pfadd('visitors', 'a', 'b', 'c'), 1);
      assert.equal(await t.client.pfcount('visitors'), 3);
      assert.equal(await t.client.pfmerge('all', 'visitors', 'nobody'), 'OK');
      assert.equal(await t.client.pfcount('all', 'visitors'), 3);
      assert.equal((await t.client.getBuffer('all'))?.subarray(0, 4).toString(), 'HYLL');
    });

    it('pipelines', async () => {
      const results = await t.client.pipeline().set('p1', '1').incr('p1').get('p1').exec();
      assert.deepEqual(results, [[null, 'OK'], [null, 2], [null, '2']]);
    });

    it('scans every key', async () => {
      await t.client.flushdb();
      const want = new Set<string>();
      for (let i = 0; i < 300; i++) want.add(`scan:${i}`);
      await t.client.mset(...[...want].flatMap((k) => [k, 'v']));
      const got = new Set<string>();
      for await (const keys of t.client.scanStream({ match: 'scan:*', count: 50 })) {
        for (const k of keys as string[]) got.add(k);
      }
      assert.deepEqual(got, want);
    });

    it('reads INFO and server metadata', async () => {
      const info = await t.client.info('server');
      assert.match(info, /redis_version:7\.2\.4/);
      assert.equal(await t.client.dbsize(), 300);
      const [secs] = await t.client.time();
      assert.ok(Number(secs) > 1_600_000_000);
    });
  });

  describe(`node-redis (RESP${protocol})`, () => {
    const t = nodeRedisFixture(protocol);

    it('sets, gets, expires and deletes', async () => {
      assert.equal(await t.client.set('k', 'v', { expiration: { type: 'PX', value: 5000 } }), 'OK');
      assert.equal(await t.client.get('k'), 'v');
      const pttl = await t.client.pTTL('k');
      assert.ok(pttl > 4000 && pttl <= 5000);
      assert.equal(await t.client.del('k'), 1);
      assert.equal(await t.client.get('k'), null);
    });

    it('uses counters and multi-key commands', async () => {
      assert.equal(await t.client.incrBy('n', 5), 5);
      assert.equal(await t.client.decr('n'), 4);
      assert.equal(await t.client.mSetNX({ a: '1', b: '2' }), 1);
      assert.deepEqual(await t.client.mGet(['a', 'b', 'zz']), ['1', '2', null]);
      assert.equal(await t.client.type('a'), 'string');
      assert.equal(await t.client.rename('a', 'c'), 'OK');
      assert.equal(await t.client.exists(['a', 'c']), 1);
    });

    it('uses bitmaps and HyperLogLog', async () => {
      assert.equal(await t.client.setBit('bits', 7, 1), 0);
      assert.equal(await t.client.getBit('bits', 7), 1);
      assert.equal(await t.client.bitCount('bits'), 1);
      assert.deepEqual(await t.client.sendCommand(['BITFIELD', 'bits', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9', 'GET', 'u8', '0']), [null, 1]);
      assert.equal(await t.client.pfAdd('visitors', ['a', 'b', 'c']), 1);
      assert.equal(await t.client.pfCount('visitors'), 3);
    });

    it('names its connection and lists it', async () => {
      await t.client.clientSetName('tester');
      assert.equal(await t.client.clientGetName(), 'tester');
      const list = await t.client.clientList();
      assert.ok(list.some((c) => c.name === 'tester'));
    });

    it('returns a HELLO map with the server version', async () => {
      const hello = (await t.client.sendCommand(['HELLO', String(protocol)])) as unknown;
      const text = JSON.stringify(hello);
      assert.match(text, /7\.2\.4/);
    });
  });
}
