// The primary side against real redis-server 7.0.15 replicas: full synchronisation in the
// background (disk and diskless), a write load during it, replicas joining one snapshot, WAIT,
// min-replicas-to-write, the replica output limit, and INFO's replica lines.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { differentialSuite } from '../helpers/differential.js';
import { freePort, startOracle, type Oracle } from '../helpers/oracle.js';
import { RawConnection } from '../helpers/resp.js';
import { eventually } from '../helpers/eventually.js';
import { infoField, linkUp } from '../helpers/replication.js';
import { startServer, type EmbeddedServer } from '../../src/embed.js';

/** A nodis primary in its own directory, with its log lines kept. */
async function primary(config: Record<string, string | number>): Promise<{ server: EmbeddedServer; c: RawConnection; log: string[]; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'nodis-primary-'));
  const log: string[] = [];
  const server = await startServer({ dir, 'enable-debug-command': 'yes', log: (line: string) => log.push(line), ...config });
  const c = await RawConnection.open({ port: server.port });
  return {
    server,
    c,
    log,
    close: async () => {
      c.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function replicaOf(port: number, extra: string[] = []): Promise<{ oracle: Oracle; c: RawConnection }> {
  const oracle = await startOracle(['--replicaof', '127.0.0.1', String(port), ...extra]);
  return { oracle, c: await oracle.connect() };
}

async function replicaOfRedis(port: number): Promise<{ oracle: Oracle; c: RawConnection }> {
  return replicaOf(port);
}

/** The replica has applied everything the primary wrote (offsets equal), then both datasets agree. */
async function sameDataset(p: RawConnection, r: RawConnection): Promise<void> {
  await eventually(async () => {
    const offset = infoField((await p.call('INFO', 'replication'))!, 'master_repl_offset');
    assert.equal(infoField((await r.call('INFO', 'replication'))!, 'slave_repl_offset'), offset);
  });
  assert.equal(await r.call('DEBUG', 'DIGEST'), await p.call('DEBUG', 'DIGEST'));
  // Key by key, in every database that has keys.
  const keyspace = (await p.call('INFO', 'keyspace'))!;
  for (const m of keyspace.matchAll(/db(\d+):keys=/g)) {
    await p.call('SELECT', m[1]);
    await r.call('SELECT', m[1]);
    let cursor = '0';
    do {
      const reply = (await p.call('SCAN', cursor, 'COUNT', '1000'))!;
      const parts = reply.split('\r\n');
      cursor = parts[2];
      for (let i = 4; i < parts.length - 1; i += 2) {
        const key = parts[i];
        assert.equal(await r.call('DEBUG', 'DIGEST-VALUE', key), await p.call('DEBUG', 'DIGEST-VALUE', key), `db${m[1]} ${key}`);
      }
    } while (cursor !== '0');
  }
  await p.call('SELECT', '0');
  await r.call('SELECT', '0');
}

/** One value of every type, times to live, other databases, a library. */
async function fillEveryType(c: RawConnection): Promise<void> {
  const writes: string[][] = [
    ['SET', 's', 'string'],
    ['SET', 'n', '12345'],
    ['SET', 'ttl', 'v', 'PX', '900000'],
    ['RPUSH', 'list', 'a', 'b', 'c'],
    ['RPUSH', 'biglist', ...Array.from({ length: 300 }, (_, i) => `element-${i}`)],
    ['HSET', 'hash', 'f1', 'v1', 'f2', '2'],
    ['HSET', 'bighash', ...Array.from({ length: 300 }, (_, i) => [`f${i}`, 'x'.repeat(i % 90)]).flat()],
    ['SADD', 'intset', '1', '2', '3'],
    ['SADD', 'set', 'a', 'b', 'c'],
    ['ZADD', 'zset', '1', 'a', '2.5', 'b'],
    ['ZADD', 'bigzset', ...Array.from({ length: 200 }, (_, i) => [String(i / 3), `m${i}`]).flat()],
    ['XADD', 'stream', '1-1', 'f', 'v'],
    ['XGROUP', 'CREATE', 'stream', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'consumer', 'COUNT', '1', 'STREAMS', 'stream', '>'],
    ['PFADD', 'hll', 'a', 'b', 'c'],
    ['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)"],
    ['SELECT', '3'],
    ['SET', 'in3', 'x'],
    ['DEBUG', 'POPULATE', '500', 'db3key'],
    ['SELECT', '0'],
    ['DEBUG', 'POPULATE', '2000', 'key'],
  ];
  for (const w of writes) assert.doesNotMatch((await c.call(...w))!, /^-/, JSON.stringify(w));
}

describe('nodis primary, real Redis replicas: full synchronisation', differentialSuite(), () => {
  for (const diskless of [false, true]) {
    it(`${diskless ? 'diskless' : 'disk-based'}: every type, then the stream; INFO and CLIENT LIST show the replica`, async () => {
      const p = await primary({ 'repl-diskless-sync': diskless ? 'yes' : 'no', 'repl-diskless-sync-delay': 0 });
      let r: Awaited<ReturnType<typeof replicaOf>> | undefined;
      try {
        await fillEveryType(p.c);
        r = await replicaOf(p.server.port);
        await linkUp(r.c);
        assert.equal(await r.c.call('FUNCTION', 'LIST'), await p.c.call('FUNCTION', 'LIST'));
        await p.c.call('INCR', 'n');
        await p.c.call('SELECT', '3');
        await p.c.call('LPUSH', 'list3', 'x');
        await p.c.call('SELECT', '0');
        await sameDataset(p.c, r.c);
        const target = diskless ? 'replicas sockets' : 'disk';
        assert.ok(p.log.some((l) => l.includes(`Starting BGSAVE for SYNC with target: ${target}`)), p.log.join('\n'));
        assert.ok(p.log.some((l) => /Synchronization with replica 127\.0\.0\.1:(\d+|<unknown-replica-port>) succeeded/.test(l)), p.log.join('\n'));
        if (diskless) {
          assert.ok(p.log.some((l) => l.includes('succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming')));
        }
        const info = (await p.c.call('INFO', 'replication'))!;
        assert.match(info, /\r\nconnected_slaves:1\r\nslave0:ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+\r\n/);
        const list = (await p.c.call('CLIENT', 'LIST', 'TYPE', 'replica'))!;
        assert.match(list, /flags=S /);
        assert.match(list, / cmd=(psync|replconf) /);
        const stats = (await p.c.call('INFO', 'stats'))!;
        assert.equal(infoField(stats, 'sync_full'), '1');
        assert.equal(infoField(stats, 'total_forks'), '1');
        // A disk-based sync wrote dir/dbfilename, and counted as a save.
        const persistence = (await p.c.call('INFO', 'persistence'))!;
        assert.equal(infoField(persistence, 'rdb_bgsave_in_progress'), '0');
      } finally {
        r?.c.close();
        await r?.oracle.close();
        await p.close();
      }
    });
  }

  for (const diskless of [false, true]) {
    it(`${diskless ? 'diskless' : 'disk-based'}: writes from several clients during the sync are neither lost nor repeated`, async () => {
      const p = await primary({
        'repl-diskless-sync': diskless ? 'yes' : 'no',
        'repl-diskless-sync-delay': 0,
        // About a second of snapshot for the writers to overlap.
        'rdb-key-save-delay': 300,
      });
      let r: Awaited<ReturnType<typeof replicaOf>> | undefined;
      const writers: RawConnection[] = [];
      try {
        await p.c.call('DEBUG', 'POPULATE', '3000', 'key');
        for (let i = 0; i < 4; i++) writers.push(await RawConnection.open({ port: p.server.port }));
        let stop = false;
        const load = writers.map(async (w, i) => {
          let n = 0;
          while (!stop) {
            n++;
            await w.call('INCR', `counter:${i}`);
            await w.call('SET', `key:${(n * 7 + i) % 3000}`, `w${i}-${n}`);
            await w.call('RPUSH', `list:${i}`, String(n));
            await w.call('HSET', `hash:${n % 10}`, `f${i}`, String(n));
            if (n % 5 === 0) await w.call('DEL', `key:${(n * 13) % 3000}`);
            if (n % 7 === 0) await w.call('EXPIRE', `key:${(n * 11) % 3000}`, '1000');
          }
        });
        r = await replicaOf(p.server.port);
        await eventually(async () => assert.match((await p.c.call('INFO', 'replication'))!, /state=wait_bgsave|state=send_bulk/), 10000);
        await linkUp(r.c);
        // Writes go on a little after the replica is online.
        await new Promise((res) => setTimeout(res, 200));
        stop = true;
        await Promise.all(load);
        await sameDataset(p.c, r.c);
        assert.notEqual(await r.c.call('GET', 'counter:0'), '$-1\r\n');
      } finally {
        for (const w of writers) w.close();
        r?.c.close();
        await r?.oracle.close();
        await p.close();
      }
    });
  }

  it('diskless: two replicas arriving within the delay share one snapshot', async () => {
    const p = await primary({ 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 2, 'repl-diskless-sync-max-replicas': 2 });
    const rs: Array<Awaited<ReturnType<typeof replicaOf>>> = [];
    try {
      await p.c.call('DEBUG', 'POPULATE', '1000');
      rs.push(await replicaOf(p.server.port));
      rs.push(await replicaOf(p.server.port));
      for (const r of rs) await linkUp(r.c);
      assert.equal(p.log.filter((l) => l.includes('Starting BGSAVE for SYNC')).length, 1, p.log.join('\n'));
      assert.equal(infoField((await p.c.call('INFO', 'stats'))!, 'total_forks'), '1');
      await p.c.call('SET', 'after', 'both');
      for (const r of rs) await sameDataset(p.c, r.c);
      const info = (await p.c.call('INFO', 'replication'))!;
      assert.match(info, /connected_slaves:2\r\nslave0:.*state=online.*\r\nslave1:.*state=online/);
    } finally {
      for (const r of rs) {
        r.c.close();
        await r.oracle.close();
      }
      await p.close();
    }
  });

  it('disk-based: a replica arriving during another one\'s snapshot joins it', async () => {
    const p = await primary({ 'repl-diskless-sync': 'no', 'rdb-key-save-delay': 1000 });
    const rs: Array<Awaited<ReturnType<typeof replicaOf>>> = [];
    try {
      await p.c.call('DEBUG', 'POPULATE', '1500');
      rs.push(await replicaOf(p.server.port));
      await eventually(async () => assert.match((await p.c.call('INFO', 'replication'))!, /slave0:.*state=wait_bgsave/));
      await p.c.call('SET', 'between', '1');
      rs.push(await replicaOf(p.server.port));
      await eventually(async () => assert.ok(p.log.some((l) => l.includes('Waiting for end of BGSAVE for SYNC'))));
      await p.c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      for (const r of rs) await linkUp(r.c);
      assert.equal(p.log.filter((l) => l.includes('Starting BGSAVE for SYNC')).length, 1, p.log.join('\n'));
      for (const r of rs) await sameDataset(p.c, r.c);
    } finally {
      for (const r of rs) {
        r.c.close();
        await r.oracle.close();
      }
      await p.close();
    }
  });
});

describe('nodis primary, a real Redis replica: WAIT, min-replicas, limits', differentialSuite(), () => {
  let p: Awaited<ReturnType<typeof primary>>;
  let r: Awaited<ReturnType<typeof replicaOf>>;

  before(async () => {
    p = await primary({ 'repl-diskless-sync-delay': 0 });
    r = await replicaOf(p.server.port);
    await linkUp(r.c);
  });

  after(async () => {
    r?.c.close();
    await r?.oracle.close();
    await p?.close();
  });

  it('WAIT: at once when enough replicas acknowledged, 1 once acknowledged, the count on timeout, at once in MULTI', async () => {
    // Replicas that acknowledged the client's last write, even when none were asked for.
    assert.equal(await p.c.call('WAIT', '0', '0'), ':1\r\n');
    assert.equal(await p.c.call('SET', 'w', '1'), '+OK\r\n');
    assert.equal(await p.c.call('WAIT', '1', '0'), ':1\r\n');
    assert.equal(await p.c.call('WAIT', '2', '300'), ':1\r\n');
    assert.equal(await p.c.call('MULTI'), '+OK\r\n');
    assert.equal(await p.c.call('WAIT', '5', '0'), '+QUEUED\r\n');
    assert.equal(await p.c.call('EXEC'), '*1\r\n:1\r\n');
    assert.equal(await p.c.call('WAIT', 'x', '0'), '-ERR value is not an integer or out of range\r\n');
    assert.equal(await p.c.call('WAIT', '1', '-1'), '-ERR timeout is negative\r\n');
    // The replica was asked to acknowledge: GETACK went into the stream.
    assert.equal(await r.c.call('GET', 'w'), '$1\r\n1\r\n');
  });

  it('min-replicas-to-write: writes pass with a good replica, -NOREPLICAS without', async () => {
    assert.equal(await p.c.call('CONFIG', 'SET', 'min-replicas-to-write', '1'), '+OK\r\n');
    assert.equal(infoField((await p.c.call('INFO', 'replication'))!, 'min_slaves_good_slaves'), '1');
    assert.equal(await p.c.call('SET', 'm', '1'), '+OK\r\n');
    assert.equal(await p.c.call('CONFIG', 'SET', 'min-replicas-to-write', '2'), '+OK\r\n');
    assert.equal(await p.c.call('SET', 'm', '2'), '-NOREPLICAS Not enough good replicas to write.\r\n');
    assert.equal(await p.c.call('GET', 'm'), '$1\r\n1\r\n');
    assert.equal(await p.c.call('CONFIG', 'SET', 'min-replicas-to-write', '0'), '+OK\r\n');
  });

  it('INFO replication has the fields and order of a real Redis primary with one replica', async () => {
    const port = await freePort();
    const redisPrimary = await startOracle(['--port', String(port)]);
    const redisReplica = await replicaOfRedis(port);
    const rc = await redisPrimary.connect();
    try {
      await linkUp(redisReplica.c);
      await eventually(async () => assert.match((await rc.call('INFO', 'replication'))!, /state=online/));
      const shape = (info: string): string[] =>
        info
          .split('\r\n')
          .filter((l) => l.includes(':'))
          .map((l) => {
            const [name, value] = [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)];
            // A replica line: its field names, not their values.
            return name.startsWith('slave') ? `${name}:${value.replace(/=[^,]*/g, '=')}` : name;
          });
      assert.deepEqual(shape((await p.c.call('INFO', 'replication'))!), shape((await rc.call('INFO', 'replication'))!));
    } finally {
      rc.close();
      redisReplica.c.close();
      await redisReplica.oracle.close();
      await redisPrimary.close();
    }
  });

  it('the replica output limit: a replica whose stream piles up past the hard limit is dropped', async () => {
    const q = await primary({ 'repl-diskless-sync': 'no', 'rdb-key-save-delay': 2000, 'client-output-buffer-limit': 'replica 256kb 0 0' });
    let rr: Awaited<ReturnType<typeof replicaOf>> | undefined;
    try {
      await q.c.call('DEBUG', 'POPULATE', '2000');
      rr = await replicaOf(q.server.port);
      await eventually(async () => assert.match((await q.c.call('INFO', 'replication'))!, /slave0:.*state=wait_bgsave/));
      // The stream after the cut is held for the replica during its snapshot: it counts.
      for (let i = 0; i < 40; i++) await q.c.call('SET', `big${i}`, 'x'.repeat(10000));
      await eventually(async () => assert.ok(q.log.some((l) => l.includes('for overcoming of output buffer limits')), q.log.join('\n')));
    } finally {
      rr?.c.close();
      await rr?.oracle.close();
      await q.close();
    }
  });

  it('redis-cli --rdb gets a snapshot and nothing after it; --functions-rdb only the functions', async () => {
    const q = await primary({ 'repl-diskless-sync-delay': 0 });
    const dir = mkdtempSync(join(tmpdir(), 'nodis-rdb-only-'));
    try {
      await q.c.call('SET', 'a', 'b');
      await q.c.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)");
      for (const [flag, file] of [['--rdb', 'all.rdb'], ['--functions-rdb', 'fn.rdb']]) {
        // Asynchronously: the primary runs in this process.
        await promisify(execFile)('redis-cli', ['-p', String(q.server.port), flag, join(dir, file)]);
      }
      // redis-check-rdb reads both: one key in the snapshot, none in the functions-only one.
      const check = async (file: string): Promise<string> => (await promisify(execFile)('redis-check-rdb', [join(dir, file)])).stdout;
      assert.match(await check('all.rdb'), /1 keys read/);
      assert.match(await check('fn.rdb'), /0 keys read/);
      assert.ok(q.log.some((l) => l.includes('RDB transfer completed, rdb only replica')), q.log.join('\n'));
      // Neither stays a replica.
      await eventually(async () => assert.equal(infoField((await q.c.call('INFO', 'replication'))!, 'connected_slaves'), '0'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await q.close();
    }
  });
});
