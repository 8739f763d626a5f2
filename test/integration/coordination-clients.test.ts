// Transactions and pub/sub through the real client libraries: ioredis's and node-redis's
// multi() and pipelines, a WATCH conflict, subscribers (node-redis's duplicate(), RESP3 pushes on
// the connection that also runs commands), ioredis's resubscription after a reconnect, and a
// client held by CLIENT PAUSE that carries on once the pause is lifted.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { WatchError } from 'redis';
import { ioredisFixture, nodeRedisFixture } from '../helpers/clients.js';

/** Waits until check() holds (messages arrive asynchronously). */
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('ioredis: transactions and pub/sub', () => {
  const t = ioredisFixture(undefined, ['client', 'other']);

  it('multi() runs the queue and answers each command; a refused command aborts it', async () => {
    const results = await t.client.multi().set('a', '1').incr('a').get('a').exec();
    assert.deepEqual(results, [
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
    await assert.rejects(t.client.multi().set('b', '1').call('NOSUCHCOMMAND').exec(), /EXECABORT/);
    assert.equal(await t.client.exists('b'), 0);
  });

  it('a WATCHed key changed by another client makes exec() answer null', async () => {
    await t.client.set('balance', '10');
    await t.client.watch('balance');
    await t.other.set('balance', '20');
    assert.equal(await t.client.multi().set('balance', '11').exec(), null);
    assert.equal(await t.client.get('balance'), '20');
    // Unchanged this time: the transaction runs.
    await t.client.watch('balance');
    assert.deepEqual(await t.client.multi().incr('balance').exec(), [[null, 21]]);
  });

  it('pipelines, with a transaction inside', async () => {
    const results = await t.client.pipeline().set('p', '1').call('MULTI').incr('p').incr('p').call('EXEC').get('p').exec();
    assert.deepEqual(results?.map(([, r]: [Error | null, unknown]) => r), ['OK', 'OK', 'QUEUED', 'QUEUED', [2, 3], '3']);
  });

  it('subscribes to channels and patterns, and resubscribes after a reconnect', async () => {
    const sub = new Redis({ port: t.server.port, lazyConnect: true, autoResubscribe: true, retryStrategy: () => 20 });
    await sub.connect();
    const got: string[] = [];
    sub.on('message', (ch: string, m: string) => got.push(`${ch}:${m}`));
    sub.on('pmessage', (p: string, ch: string, m: string) => got.push(`${p}|${ch}:${m}`));
    try {
      await sub.subscribe('news');
      await sub.psubscribe('n*');
      assert.equal(await t.other.publish('news', 'one'), 2);
      await until('the first messages', () => got.length === 2);
      assert.deepEqual(got.sort(), ['n*|news:one', 'news:one']);
      // The server drops the subscriber; ioredis reconnects and subscribes again.
      const list = (await t.other.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
      const id = /id=(\d+)/.exec(list)![1];
      assert.equal(await t.other.call('CLIENT', 'KILL', 'ID', id), 1);
      // Subscribed again once NUMSUB and NUMPAT count it.
      let receivers = 0;
      const deadline = Date.now() + 5000;
      while (receivers < 2 && Date.now() < deadline) {
        await sleep(20);
        receivers = ((await t.other.call('PUBSUB', 'NUMSUB', 'news')) as [string, number])[1] + Number(await t.other.call('PUBSUB', 'NUMPAT'));
      }
      assert.equal(receivers, 2);
      assert.equal(await t.other.publish('news', 'two'), 2);
      await until('the messages after the reconnect', () => got.length === 4);
    } finally {
      sub.disconnect();
    }
  });

  it('a write held by CLIENT PAUSE WRITE is answered once the pause is lifted; reads go on meanwhile', async () => {
    await t.other.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    const held = t.client.set('held', 'yes');
    let answered = false;
    void held.then(() => (answered = true));
    assert.equal(await t.other.get('held'), null);
    await sleep(50);
    assert.equal(answered, false);
    await t.other.call('CLIENT', 'UNPAUSE');
    assert.equal(await held, 'OK');
    assert.equal(await t.other.get('held'), 'yes');
  });
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis (RESP${RESP}): transactions and pub/sub`, () => {
    const t = nodeRedisFixture(RESP);

    it('multi() and pipelines', async () => {
      assert.deepEqual(await t.client.multi().set('a', '1').incr('a').get('a').exec(), ['OK', 2, '2']);
      assert.deepEqual(await t.client.multi().set('b', '1').get('b').execAsPipeline(), ['OK', '1']);
    });

    it('a WATCH conflict makes exec() throw WatchError', async () => {
      const other = t.client.duplicate();
      other.on('error', () => {});
      await other.connect();
      try {
        await t.client.set('stock', '5');
        await t.client.watch('stock');
        await other.set('stock', '4');
        await assert.rejects(t.client.multi().decr('stock').exec(), WatchError);
        assert.equal(await t.client.get('stock'), '4');
      } finally {
        other.destroy();
      }
    });

    it('a subscriber made with duplicate() gets messages and pattern messages', async () => {
      const sub = t.client.duplicate();
      sub.on('error', () => {});
      await sub.connect();
      const got: string[] = [];
      try {
        await sub.subscribe('orders', (m, ch) => got.push(`${ch}:${m}`));
        await sub.pSubscribe('ord*', (m, ch) => got.push(`*${ch}:${m}`));
        assert.equal(await t.client.publish('orders', 'first'), 2);
        assert.equal(await t.client.publish('ordinary', 'second'), 1);
        await until('the messages', () => got.length === 3);
        assert.deepEqual(got.sort(), ['*orders:first', '*ordinary:second', 'orders:first']);
        await sub.unsubscribe('orders');
        assert.equal(await t.client.publish('orders', 'third'), 1);
      } finally {
        sub.destroy();
      }
    });

    if (RESP === 3) {
      it('subscribes on the connection that also runs commands (RESP3 pushes)', async () => {
        const got: string[] = [];
        await t.client.subscribe('inline', (m) => got.push(m));
        try {
          assert.equal(await t.client.set('x', '1'), 'OK');
          assert.equal(await t.client.publish('inline', 'to myself'), 1);
          assert.equal(await t.client.get('x'), '1');
          await until('the push', () => got.length === 1);
          assert.deepEqual(got, ['to myself']);
        } finally {
          await t.client.unsubscribe('inline');
        }
      });
    }
  });
}
