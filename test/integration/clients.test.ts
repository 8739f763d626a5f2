// Real client libraries against nodis, in RESP2 and RESP3.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type EmbeddedServer as NodisServer } from '../../src/embed.js';

for (const protocol of [2, 3] as const) {
  describe(`ioredis (RESP${protocol})`, () => {
    let server: NodisServer;
    let client: Redis;
    before(async () => {
      server = await startServer();
      client = new Redis({ port: server.port, protocol, lazyConnect: true, maxRetriesPerRequest: 0 });
      await client.connect();
    });
    after(async () => {
      client.disconnect();
      await server.close();
    });

    it('sets, gets and counts', async () => {
      assert.equal(await client.set('greeting', 'hello'), 'OK');
      assert.equal(await client.get('greeting'), 'hello');
      assert.equal(await client.get('nothing'), null);
      assert.equal(await client.incr('counter'), 1);
      assert.equal(await client.incrby('counter', 41), 42);
      assert.equal(await client.incrbyfloat('counter', '0.5'), '42.5');
      assert.deepEqual(await client.mget('greeting', 'nothing', 'counter'), ['hello', null, '42.5']);
      assert.equal(await client.append('greeting', ' world'), 11);
      assert.equal(await client.strlen('greeting'), 11);
    });

    it('keeps binary values intact', async () => {
      const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80]);
      await client.set(Buffer.from([0xc3, 0x28]), bytes);
      assert.deepEqual(await client.getBuffer(Buffer.from([0xc3, 0x28])), bytes);
    });

    it('expires keys when the clock moves', async () => {
      await client.set('session', 'x', 'EX', 10);
      assert.equal(await client.ttl('session'), 10);
      server.clock.advance(10_001);
      assert.equal(await client.get('session'), null);
      assert.equal(await client.exists('session'), 0);
    });

    it('reports wrong types and bad arguments as errors', async () => {
      await client.set('text', 'abc');
      await assert.rejects(client.incr('text'), /ERR value is not an integer or out of range/);
      await assert.rejects(client.call('nosuchcommand', 'a'), /ERR unknown command 'nosuchcommand'/);
    });

    it('pipelines', async () => {
      const results = await client.pipeline().set('p1', '1').incr('p1').get('p1').exec();
      assert.deepEqual(results, [[null, 'OK'], [null, 2], [null, '2']]);
    });

    it('scans every key', async () => {
      await client.flushdb();
      const want = new Set<string>();
      for (let i = 0; i < 300; i++) want.add(`scan:${i}`);
      await client.mset(...[...want].flatMap((k) => [k, 'v']));
      const got = new Set<string>();
      for await (const keys of client.scanStream({ match: 'scan:*', count: 50 })) {
        for (const k of keys as string[]) got.add(k);
      }
      assert.deepEqual(got, want);
    });

    it('reads INFO and server metadata', async () => {
      const info = await client.info('server');
      assert.match(info, /redis_version:7\.2\.4/);
      assert.equal(await client.dbsize(), 300);
      const [secs] = await client.time();
      assert.ok(Number(secs) > 1_600_000_000);
    });
  });

  describe(`node-redis (RESP${protocol})`, () => {
    let server: NodisServer;
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

    it('sets, gets, expires and deletes', async () => {
      assert.equal(await client.set('k', 'v', { expiration: { type: 'PX', value: 5000 } }), 'OK');
      assert.equal(await client.get('k'), 'v');
      const pttl = await client.pTTL('k');
      assert.ok(pttl > 4000 && pttl <= 5000);
      assert.equal(await client.del('k'), 1);
      assert.equal(await client.get('k'), null);
    });

    it('uses counters and multi-key commands', async () => {
      assert.equal(await client.incrBy('n', 5), 5);
      assert.equal(await client.decr('n'), 4);
      assert.equal(await client.mSetNX({ a: '1', b: '2' }), 1);
      assert.deepEqual(await client.mGet(['a', 'b', 'zz']), ['1', '2', null]);
      assert.equal(await client.type('a'), 'string');
      assert.equal(await client.rename('a', 'c'), 'OK');
      assert.equal(await client.exists(['a', 'c']), 1);
    });

    it('names its connection and lists it', async () => {
      await client.clientSetName('tester');
      assert.equal(await client.clientGetName(), 'tester');
      const list = await client.clientList();
      assert.ok(list.some((c) => c.name === 'tester'));
    });

    it('returns a HELLO map with the server version', async () => {
      const hello = (await client.sendCommand(['HELLO', String(protocol)])) as unknown;
      const text = JSON.stringify(hello);
      assert.match(text, /7\.2\.4/);
    });
  });
}
