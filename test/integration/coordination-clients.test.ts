// Transactions and pub/sub through the real client libraries: ioredis's and node-redis's
// multi() and pipelines, a WATCH conflict, subscribers (node-redis's duplicate(), RESP3 pushes on
// the connection that also runs commands), ioredis's resubscription after a reconnect, and a
// client held by CLIENT PAUSE that carries on once the pause is lifted.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createClient, WatchError } from 'redis';
import { startServer, type EmbeddedServer as NodisServer } from '../../src/embed.js';

/** Waits until check() holds (messages arrive asynchronously). */
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('ioredis: transactions and pub/sub', () => {
  let server: NodisServer;
  let client: Redis;
  let other: Redis;
  before(async () => {
    server = await startServer();
    client = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    other = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    await other.connect();
  });
  after(async () => {
    client.disconnect();
    other.disconnect();
    await server.close();
  });

  it('multi() runs the queue and answers each command; a refused command aborts it', async () => {
    const results = await client.multi().set('a', '1').incr('a').get('a').exec();
    assert.deepEqual(results, [
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
    await assert.rejects(client.multi().set('b', '1').call('NOSUCHCOMMAND').exec(), /EXECABORT/);
    assert.equal(await client.exists('b'), 0);
  });

  it('a WATCHed key changed by another client makes exec() answer null', async () => {
    await client.set('balance', '10');
    await client.watch('balance');
    await other.set('balance', '20');
    assert.equal(await client.multi().set('balance', '11').exec(), null);
    assert.equal(await client.get('balance'), '20');
    // Unchanged this time: the transaction runs.
    await client.watch('balance');
    assert.deepEqual(await client.multi().incr('balance').exec(), [[null, 21]]);
  });

  it('pipelines, with a transaction inside', async () => {
    const results = await client.pipeline().set('p', '1').call('MULTI').incr('p').incr('p').call('EXEC').get('p').exec();
    assert.deepEqual(results?.map(([, r]: [Error | null, unknown]) => r), ['OK', 'OK', 'QUEUED', 'QUEUED', [2, 3], '3']);
  });

  it('subscribes to channels and patterns, and resubscribes after a reconnect', async () => {
    const sub = new Redis({ port: server.port, lazyConnect: true, autoResubscribe: true, retryStrategy: () => 20 });
    await sub.connect();
    const got: string[] = [];
    sub.on('message', (ch: string, m: string) => got.push(`${ch}:${m}`));
    sub.on('pmessage', (p: string, ch: string, m: string) => got.push(`${p}|${ch}:${m}`));
    try {
      await sub.subscribe('news');
      await sub.psubscribe('n*');
      assert.equal(await other.publish('news', 'one'), 2);
      await until('the first messages', () => got.length === 2);
      assert.deepEqual(got.sort(), ['n*|news:one', 'news:one']);
      // The server drops the subscriber; ioredis reconnects and subscribes again.
      const list = (await other.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
      const id = /id=(\d+)/.exec(list)![1];
      assert.equal(await other.call('CLIENT', 'KILL', 'ID', id), 1);
      // Subscribed again once NUMSUB and NUMPAT count it.
      let receivers = 0;
      const deadline = Date.now() + 5000;
      while (receivers < 2 && Date.now() < deadline) {
        await sleep(20);
        receivers = ((await other.call('PUBSUB', 'NUMSUB', 'news')) as [string, number])[1] + Number(await other.call('PUBSUB', 'NUMPAT'));
      }
      assert.equal(receivers, 2);
      assert.equal(await other.publish('news', 'two'), 2);
      await until('the messages after the reconnect', () => got.length === 4);
    } finally {
      sub.disconnect();
    }
  });

  it('a write held by CLIENT PAUSE WRITE is answered once the pause is lifted; reads go on meanwhile', async () => {
    await other.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    const held = client.set('held', 'yes');
    let answered = false;
    void held.then(() => (answered = true));
    assert.equal(await other.get('held'), null);
    await sleep(50);
    assert.equal(answered, false);
    await other.call('CLIENT', 'UNPAUSE');
    assert.equal(await held, 'OK');
    assert.equal(await other.get('held'), 'yes');
  });
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis (RESP${RESP}): transactions and pub/sub`, () => {
    let server: NodisServer;
    let client: ReturnType<typeof createClient<Record<string, never>, Record<string, never>, Record<string, never>, typeof RESP>>;
    before(async () => {
      server = await startServer();
      client = createClient({ url: server.url, RESP });
      client.on('error', () => {});
      await client.connect();
    });
    after(async () => {
      client.destroy();
      await server.close();
    });

    it('multi() and pipelines', async () => {
      assert.deepEqual(await client.multi().set('a', '1').incr('a').get('a').exec(), ['OK', 2, '2']);
      assert.deepEqual(await client.multi().set('b', '1').get('b').execAsPipeline(), ['OK', '1']);
    });

    it('a WATCH conflict makes exec() throw WatchError', async () => {
      const other = client.duplicate();
      other.on('error', () => {});
      await other.connect();
      try {
        await client.set('stock', '5');
        await client.watch('stock');
        await other.set('stock', '4');
        await assert.rejects(client.multi().decr('stock').exec(), WatchError);
        assert.equal(await client.get('stock'), '4');
      } finally {
        other.destroy();
      }
    });

    it('a subscriber made with duplicate() gets messages and pattern messages', async () => {
      const sub = client.duplicate();
      sub.on('error', () => {});
      await sub.connect();
      const got: string[] = [];
      try {
        await sub.subscribe('orders', (m, ch) => got.push(`${ch}:${m}`));
        await sub.pSubscribe('ord*', (m, ch) => got.push(`*${ch}:${m}`));
        assert.equal(await client.publish('orders', 'first'), 2);
        assert.equal(await client.publish('ordinary', 'second'), 1);
        await until('the messages', () => got.length === 3);
        assert.deepEqual(got.sort(), ['*orders:first', '*ordinary:second', 'orders:first']);
        await sub.unsubscribe('orders');
        assert.equal(await client.publish('orders', 'third'), 1);
      } finally {
        sub.destroy();
      }
    });

    if (RESP === 3) {
      it('subscribes on the connection that also runs commands (RESP3 pushes)', async () => {
        const got: string[] = [];
        await client.subscribe('inline', (m) => got.push(m));
        try {
          assert.equal(await client.set('x', '1'), 'OK');
          assert.equal(await client.publish('inline', 'to myself'), 1);
          assert.equal(await client.get('x'), '1');
          await until('the push', () => got.length === 1);
          assert.deepEqual(got, ['to myself']);
        } finally {
          await client.unsubscribe('inline');
        }
      });
    }
  });
}
