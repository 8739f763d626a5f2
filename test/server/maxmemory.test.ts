// maxmemory with the noeviction policy against real Redis: past the limit, commands that may grow
// memory are refused with -OOM (and counted as rejected), reads run, and inside MULTI every
// command but EXEC, DISCARD, QUIT and RESET is refused; an EXEC whose queue holds a write is
// refused when the limit is passed after queueing. nodis-only: other policies refuse nothing.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite } from '../helpers/differential.js';
import { localServer } from '../helpers/local.js';

describe('maxmemory (noeviction): OOM', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('refuses denyoom commands past maxmemory; reads, deletes and admin commands still run', async () => {
    await d.withPair(async (p) => {
      await p.setup('SET', 'k', 'v');
      await p.do('CONFIG', 'RESETSTAT');
      await p.do('CONFIG', 'SET', 'maxmemory', '1');
      try {
        await p.error('SET', 'a', 'b');
        await p.error('LPUSH', 'l', 'x');
        await p.error('APPEND', 'k', 'more');
        await p.do('GET', 'k');
        await p.error('INCR', 'counter');
        await p.do('EXPIRE', 'k', '100');
        await p.do('DEL', 'k');
        await p.do('PING');
        // (Redis lists them in hash order, with durations of other lengths.)
        const stats = (r: string): string =>
          r.split('\r\n').filter((l) => l.startsWith('cmdstat_')).map((l) => l.replace(/usec=[\d.]+,usec_per_call=[\d.]+/, 'usec')).sort().join('\n');
        await p.norm(stats, 'INFO', 'commandstats');
        await p.norm((r) => (/errorstat_OOM:count=\d+/.exec(r) ?? [''])[0], 'INFO', 'errorstats');
      } finally {
        await p.do('CONFIG', 'SET', 'maxmemory', '0');
      }
      await p.do('SET', 'a', 'b');
    });
  });

  it('MULTI: every queued command is refused (the transaction aborts), DISCARD and EXEC still answer', async () => {
    await d.withPair(async (p) => {
      await p.do('CONFIG', 'SET', 'maxmemory', '1');
      try {
        await p.do('MULTI');
        await p.error('SET', 'x', '1');
        await p.error('GET', 'x');
        await p.do('DISCARD');
        await p.do('MULTI');
        await p.error('PING');
        await p.error('EXEC');
        await p.do('MULTI');
        await p.do('CONFIG', 'SET', 'maxmemory', '0');
        await p.do('SET', 'x', '1');
        await p.do('GET', 'x');
        // Past the limit again before EXEC: a queue with a write is refused, one of reads is not.
        await p.do('CONFIG', 'SET', 'maxmemory', '1');
      } finally {
        await p.do('CONFIG', 'SET', 'maxmemory', '0');
      }
    });
  });

  it('EXEC of a queue with a write fails past the limit; of reads only, it runs', async () => {
    const conns = await d.connect();
    try {
      await d.withPair(async (p) => {
        await p.setup('SET', 'x', 'old');
        await p.do('MULTI');
        await p.do('SET', 'x', 'new');
        await p.do('GET', 'x');
        for (const c of conns) assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '1'), '+OK\r\n');
        await p.error('EXEC');
        await p.do('GET', 'x');
        for (const c of conns) assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n');
      });
      await d.withPair(async (p) => {
        await p.setup('SET', 'x', 'v');
        await p.do('MULTI');
        await p.do('GET', 'x');
        await p.do('EXISTS', 'x');
        for (const c of conns) assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '1'), '+OK\r\n');
        await p.do('EXEC');
      });
    } finally {
      for (const c of conns) {
        await c.call('CONFIG', 'SET', 'maxmemory', '0');
        c.close();
      }
    }
  });
});

describe('maxmemory (nodis only)', () => {
  it('under a policy other than noeviction (eviction is not built) nothing is refused', () => {
    const { run } = localServer({ maxmemory: '1', 'maxmemory-policy': 'allkeys-lru' });
    assert.equal(run('SET', 'a', 'b'), '+OK\r\n');
    assert.equal(run('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'), '+OK\r\n');
    assert.equal(run('SET', 'a', 'b'), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    assert.equal(run('CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n');
    assert.equal(run('SET', 'a', 'b'), '+OK\r\n');
  });
});
