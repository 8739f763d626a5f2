// redlock, unchanged, against nodis and (when installed) redis-server: a lock acquired, extended
// and released; a second contender that waits for the lock or gives up, per its retry settings;
// and its EVALSHA → EVAL fallback when the script cache was flushed (NOSCRIPT).

import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
// @ts-expect-error -- redlock 5's package.json "exports" hides its types from NodeNext resolution
import * as redlockModule from 'redlock';
import type * as RedlockTypes from '../../node_modules/redlock/dist/index.js';

const { default: Redlock, ExecutionError } = redlockModule as typeof RedlockTypes;
import { serverTarget, targetNames } from '../helpers/targets.js';

for (const serverName of targetNames()) {
  describe(`redlock on ${serverName}`, () => {
    const target = serverTarget(serverName);
    let client: Redis;
    let other: Redis;
    before(async () => {
      client = new Redis({ ...target.connection, lazyConnect: true });
      other = new Redis({ ...target.connection, lazyConnect: true });
      await client.connect();
      await other.connect();
    });
    after(() => {
      client.disconnect();
      other.disconnect();
    });

    it('acquires, extends and releases a lock', async () => {
      const redlock = new Redlock([client], { retryCount: 0 });
      const lock = await redlock.acquire(['res:a'], 2000);
      assert.equal(await client.get('res:a'), lock.value);
      const ttl = await client.pttl('res:a');
      assert.ok(ttl > 0 && ttl <= 2000, String(ttl));
      const extended = await lock.extend(10_000);
      assert.ok((await client.pttl('res:a')) > 2000);
      assert.equal(extended.value, lock.value);
      await extended.release();
      assert.equal(await client.exists('res:a'), 0);
    });

    it('locks several resources at once, or none of them', async () => {
      const redlock = new Redlock([client], { retryCount: 0 });
      await client.set('res:c', 'someone else');
      await assert.rejects(redlock.acquire(['res:b', 'res:c'], 2000), ExecutionError);
      assert.equal(await client.exists('res:b'), 0);
      await client.del('res:c');
      const lock = await redlock.acquire(['res:b', 'res:c'], 2000);
      assert.deepEqual(await client.mget('res:b', 'res:c'), [lock.value, lock.value]);
      await lock.release();
      assert.equal(await client.exists('res:b', 'res:c'), 0);
    });

    it('a second contender gives up without retries, and waits with them', async () => {
      const first = new Redlock([client], { retryCount: 0 });
      const impatient = new Redlock([other], { retryCount: 0 });
      const patient = new Redlock([other], { retryCount: 100, retryDelay: 10, retryJitter: 0 });
      const lock = await first.acquire(['res:d'], 5000);
      await assert.rejects(impatient.acquire(['res:d'], 1000), (err: Error) => {
        assert.ok(err instanceof ExecutionError);
        assert.match(err.message, /unable to achieve a quorum/);
        return true;
      });
      const waiting = patient.acquire(['res:d'], 1000);
      setTimeout(() => void lock.release(), 50);
      const second = await waiting;
      assert.notEqual(second.value, lock.value);
      assert.equal(await client.get('res:d'), second.value);
      // The first holder's lock is no longer theirs: releasing or extending it fails.
      await assert.rejects(lock.extend(1000), ExecutionError);
      await second.release();
    });

    it('using() runs a routine under the lock', async () => {
      const redlock = new Redlock([client], { retryCount: 0 });
      const seen = await redlock.using(['res:e'], 1000, async (signal: RedlockTypes.RedlockAbortSignal) => {
        assert.equal(signal.aborted, false);
        return client.get('res:e');
      });
      assert.ok(seen);
      assert.equal(await client.exists('res:e'), 0);
    });

    it('falls back from EVALSHA to EVAL after SCRIPT FLUSH (NOSCRIPT)', async () => {
      const redlock = new Redlock([client], { retryCount: 0 });
      const errors: Error[] = [];
      redlock.on('error', (e: Error) => errors.push(e));
      await client.script('FLUSH');
      const lock = await redlock.acquire(['res:f'], 2000);
      // EVAL cached the script again (the hash redlock computed is the server's): EVALSHA finds it.
      const { acquireScript, extendScript } = redlock.scripts;
      assert.deepEqual(await client.script('EXISTS', acquireScript.hash, extendScript.hash), [1, 0]);
      await client.script('FLUSH');
      await lock.extend(3000);
      await client.script('FLUSH');
      await lock.release();
      assert.equal(await client.exists('res:f'), 0);
      assert.deepEqual(errors, []);
    });
  });
}
