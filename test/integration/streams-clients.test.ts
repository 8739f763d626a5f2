// ioredis and node-redis on streams, in RESP2 and RESP3: an event log (XADD, XRANGE, XREAD with
// BLOCK from a second connection), and a job queue on a consumer group (XREADGROUP, XACK,
// XPENDING, XAUTOCLAIM, XINFO), as BullMQ-style code drives them.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ioredisFixture, nodeRedisFixture } from '../helpers/clients.js';

for (const protocol of [2, 3] as const) {
  describe(`ioredis on streams (RESP${protocol})`, () => {
    const t = ioredisFixture(protocol, ['client', 'reader']);

    it('appends events, trims them, and reads them in ranges', async () => {
      const id1 = await t.client.xadd('events', '*', 'type', 'created', 'job', '1');
      const id2 = await t.client.xadd('events', 'MAXLEN', '~', '1000', '*', 'type', 'done', 'job', '1');
      assert.match(id1!, /^\d+-\d+$/);
      assert.ok(id2! > id1! || id2!.length > id1!.length);
      assert.equal(await t.client.xlen('events'), 2);
      assert.deepEqual(await t.client.xrange('events', '-', '+'), [
        [id1, ['type', 'created', 'job', '1']],
        [id2, ['type', 'done', 'job', '1']],
      ]);
      assert.deepEqual(await t.client.xrevrange('events', '+', '-', 'COUNT', 1), [[id2, ['type', 'done', 'job', '1']]]);
      assert.equal(await t.client.xtrim('events', 'MAXLEN', 1), 1);
      assert.equal(await t.client.xdel('events', id2!), 1);
      assert.equal(await t.client.xlen('events'), 0);
    });

    it('XREAD BLOCK waits for the next XADD from another connection', async () => {
      const pending = t.reader.xread('BLOCK', 5000, 'STREAMS', 'feed', '$');
      await new Promise((r) => setTimeout(r, 50));
      await t.client.xadd('feed', '5-1', 'msg', 'hello');
      const got = await pending;
      // RESP3 sends a map; ioredis gives it back as a flat array or pairs as it parses maps.
      const flat = JSON.stringify(got);
      assert.ok(flat.includes('"feed"') && flat.includes('"5-1"') && flat.includes('"hello"'), flat);
      assert.equal(await t.reader.xread('BLOCK', 10, 'STREAMS', 'feed', '$'), null);
    });

    it('runs a job queue on a consumer group', async () => {
      assert.equal(await t.client.xgroup('CREATE', 'jobs', 'workers', '$', 'MKSTREAM'), 'OK');
      await t.client.xadd('jobs', '1-0', 'task', 'a');
      await t.client.xadd('jobs', '2-0', 'task', 'b');
      const batch = await t.client.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 10, 'STREAMS', 'jobs', '>');
      assert.ok(JSON.stringify(batch).includes('"1-0"'));
      assert.equal(await t.client.xack('jobs', 'workers', '1-0'), 1);
      const summary = (await t.client.xpending('jobs', 'workers')) as unknown[];
      assert.deepEqual(summary, [1, '2-0', '2-0', [['w1', '1']]]);
      const claimed = (await t.client.xautoclaim('jobs', 'workers', 'w2', 0, '0', 'COUNT', 10)) as unknown[];
      assert.deepEqual(claimed, ['0-0', [['2-0', ['task', 'b']]], []]);
      const groups = JSON.stringify(await t.client.xinfo('GROUPS', 'jobs'));
      assert.ok(groups.includes('"workers"') && groups.includes('"lag"'), groups);
      assert.equal(await t.client.xgroup('DESTROY', 'jobs', 'workers'), 1);
    });
  });

  describe(`node-redis on streams (RESP${protocol})`, () => {
    const t = nodeRedisFixture(protocol);

    it('adds, reads and acknowledges with its typed helpers', async () => {
      assert.equal(await t.client.xAdd('s', '1-1', { a: '1' }), '1-1');
      assert.equal(await t.client.xAdd('s', '*', { b: '2' }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: 100 } }).then((id) => /^\d+-0$/.test(id)), true);
      const range = await t.client.xRange('s', '-', '+');
      assert.deepEqual(JSON.parse(JSON.stringify(range?.[0])), { id: '1-1', message: { a: '1' } });
      assert.equal(await t.client.xLen('s'), 2);
      assert.equal(await t.client.xGroupCreate('s', 'g', '0'), 'OK');
      const read = JSON.stringify(await t.client.xReadGroup('g', 'c', { key: 's', id: '>' }, { COUNT: 1 }));
      assert.ok(read.includes('"1-1"'), read);
      assert.equal(await t.client.xAck('s', 'g', '1-1'), 1);
      const blocked = t.client.duplicate();
      blocked.on('error', () => {});
      await blocked.connect();
      try {
        const waiting = blocked.xRead({ key: 's', id: '$' }, { BLOCK: 5000 });
        await new Promise((r) => setTimeout(r, 50));
        await t.client.xAdd('s', '99999999999999-0', { c: '3' });
        const got = JSON.stringify(await waiting);
        assert.ok(got.includes('"99999999999999-0"'), got);
      } finally {
        blocked.destroy();
      }
      const info = (await t.client.xInfoStream('s')) as unknown as Record<string, unknown>;
      assert.equal(info.length, 3);
    });
  });
}
