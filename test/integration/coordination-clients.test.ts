// Transactions and pub/sub through real client libraries, as applications use them: ioredis's and
// node-redis's pipelines and multi(), WATCH conflicts, subscribers on their own connection
// (node-redis's duplicate()), RESP3 pub/sub on the connection that also runs commands, and
// ioredis's automatic resubscription after its connection is killed.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createClient, WatchError } from 'redis';
import { startServer, type NodisServer } from '../../src/index.js';

/** Waits until check() holds (messages arrive asynchronously). */
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

for (const protocol of [2, 3] as const) {
  describe(`ioredis transactions and pub/sub (RESP${protocol})`, () => {
    let server: NodisServer;
    let client: Redis;
    let other: Redis;
    before(async () => {
      server = await startServer();
      client = new Redis({ port: server.port, protocol, lazyConnect: true, maxRetriesPerRequest: 0 });
      other = new Redis({ port: server.port, protocol, lazyConnect: true, maxRetriesPerRequest: 0 });
      await client.connect();
      await other.connect();
    });
    after(async () => {
      client.disconnect();
      other.disconnect();
      await server.close();
    });

    it('runs a pipeline and returns every reply in order, errors in place', async () => {
      const results = await client.pipeline().set('p', '1').incr('p').lpush('p', 'x').get('p').exec();
      assert.ok(results);
      assert.deepEqual(results[0], [null, 'OK']);
      assert.deepEqual(results[1], [null, 2]);
      assert.match(String(results[2][0]), /^ReplyError: WRONGTYPE/);
      assert.deepEqual(results[3], [null, '2']);
    });

    it('runs multi() as one transaction', async () => {
      const results = await client.multi().set('m', 'a').append('m', 'b').get('m').exec();
      assert.deepEqual(results, [
        [null, 'OK'],
        [null, 2],
        [null, 'ab'],
      ]);
    });

    it('aborts a transaction when a watched key changes, and commits when it does not', async () => {
      await client.set('balance', '10');
      await client.watch('balance');
      await other.set('balance', '20');
      assert.equal(await client.multi().incrby('balance', 5).exec(), null);
      assert.equal(await client.get('balance'), '20');

      await client.watch('balance');
      assert.deepEqual(await client.multi().incrby('balance', 5).exec(), [[null, 25]]);
    });

    it('delivers channel and pattern messages to a subscriber', async () => {
      const sub = new Redis({ port: server.port, protocol, lazyConnect: true });
      await sub.connect();
      const got: string[] = [];
      sub.on('message', (channel: string, message: string) => got.push(`${channel}:${message}`));
      sub.on('pmessage', (pattern: string, channel: string, message: string) =>
        got.push(`${pattern}|${channel}:${message}`),
      );
      await sub.subscribe('news');
      await sub.psubscribe('n*');
      assert.equal(await other.publish('news', 'hello'), 2);
      assert.equal(await other.publish('nope', 'x'), 1);
      await until('three messages', () => got.length === 3);
      assert.deepEqual(got.sort(), ['n*|news:hello', 'n*|nope:x', 'news:hello']);
      sub.disconnect();
    });

    it('resubscribes after its connection is killed', async () => {
      const sub = new Redis({ port: server.port, protocol, lazyConnect: true, retryStrategy: () => 10 });
      await sub.connect();
      const got: string[] = [];
      sub.on('message', (_channel: string, message: string) => got.push(message));
      await sub.subscribe('jobs');
      let ready = 0;
      sub.on('ready', () => ready++);
      assert.equal(await other.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), 1);
      await until('the reconnection', () => ready === 1);
      // The resubscription follows the reconnection; publish until it is in place.
      await until('a message after the reconnection', () => {
        void other.publish('jobs', 'after');
        return got.length > 0;
      });
      assert.equal(got[0], 'after');
      assert.equal(await other.pubsub('NUMSUB', 'jobs').then((r) => (r as unknown[])[1]), 1);
      sub.disconnect();
    });
  });

  describe(`node-redis transactions and pub/sub (RESP${protocol})`, () => {
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

    it('runs multi() and a pipeline', async () => {
      assert.deepEqual(await client.multi().set('k', '1').incr('k').get('k').exec(), ['OK', 2, '2']);
      assert.deepEqual(await client.multi().set('q', 'a').append('q', 'b').execAsPipeline(), ['OK', 2]);
    });

    it('throws WatchError when a watched key changes before EXEC', async () => {
      const isolated = await client.duplicate().connect();
      try {
        await isolated.watch('stock');
        await client.set('stock', '3');
        await assert.rejects(isolated.multi().decr('stock').exec(), WatchError);
        await isolated.watch('stock');
        assert.deepEqual(await isolated.multi().decr('stock').exec(), [2]);
      } finally {
        isolated.destroy();
      }
    });

    it('delivers messages to a duplicate() subscriber', async () => {
      const sub = client.duplicate();
      sub.on('error', () => {});
      await sub.connect();
      const got: string[] = [];
      await sub.subscribe('chat', (message, channel) => got.push(`${channel}:${message}`));
      await sub.pSubscribe('ch*', (message, channel) => got.push(`p ${channel}:${message}`));
      assert.equal(await client.publish('chat', 'hi'), 2);
      await until('two messages', () => got.length === 2);
      assert.deepEqual(got.sort(), ['chat:hi', 'p chat:hi']);
      await sub.unsubscribe('chat');
      await sub.pUnsubscribe('ch*');
      assert.equal(await client.publish('chat', 'again'), 0);
      sub.destroy();
    });
  });
}

describe('node-redis RESP3 pub/sub on the connection that runs commands', () => {
  let server: NodisServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  it('receives messages as pushes while running ordinary commands', async () => {
    const client = createClient({ url: server.url, RESP: 3 });
    client.on('error', () => {});
    await client.connect();
    try {
      const got: string[] = [];
      await client.subscribe('events', (message) => got.push(message));
      // Still an ordinary connection: commands run between the pushes.
      assert.equal(await client.set('k', 'v'), 'OK');
      assert.equal(await client.publish('events', 'one'), 1);
      assert.equal(await client.get('k'), 'v');
      assert.equal(await client.publish('events', 'two'), 1);
      await until('two messages', () => got.length === 2);
      assert.deepEqual(got, ['one', 'two']);
    } finally {
      client.destroy();
    }
  });
});
