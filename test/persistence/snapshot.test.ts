// BGSAVE without fork (persistence/snapshot.ts): the file is exactly the dataset at the cut,
// whatever clients change while it is written: values replaced, deleted, expired, renamed,
// moved, swapped, flushed, and collections changed in place. Checked against a model: the
// dataset as it was when BGSAVE ran, compared key by key with what the file loads back.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { dumpPayload, loadRdb } from '../../src/persistence/rdb.js';
import { valueDigest } from '../../src/commands/digest.js';
import { StreamValue } from '../../src/types/stream.js';
import type { Server } from '../../src/server/server.js';
import { localServer } from '../helpers/local.js';
import { saveCron } from '../../src/persistence/snapshot.js';
import { Differential, differentialSuite, type Pair } from '../helpers/differential.js';
import { withOracleLoading } from '../helpers/oracle.js';
import { RawConnection } from '../helpers/resp.js';
import { startServer } from '../../src/embed.js';
import { tempDirs } from '../helpers/tempdir.js';
import { killHard, startCliServer } from '../helpers/cli.js';
import { prng } from '../helpers/prng.js';

const tempDir = tempDirs('nodis-snapshot-test-');

/**
 * The dataset as comparable data: "db key" → content digest, exact expiry, and for streams the
 * whole encoding (consumer groups are not in the digest). Keys whose time passed but that are
 * still stored count, as the file holds them.
 */
function model(server: Server): Map<string, string> {
  const out = new Map<string, string>();
  for (const db of server.dbs) {
    for (const [key, v] of db.dict) {
      const stream = v instanceof StreamValue ? dumpPayload(v).toString('hex') : '';
      out.set(`${db.id} ${key}`, `${valueDigest(db, key)} ${db.getExpireExact(key) ?? '-'} ${stream}`);
    }
  }
  return out;
}

/** What the file at path holds, loaded into a fresh server (expired keys kept). */
function fileModel(path: string): Map<string, string> {
  const fresh = localServer({ save: '' });
  loadRdb(fresh.server, readFileSync(path), { keepExpired: true });
  return model(fresh.server);
}

function assertSameModel(actual: Map<string, string>, expected: Map<string, string>): void {
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  const differ = [...expected.keys()].filter((k) => actual.has(k) && actual.get(k) !== expected.get(k));
  assert.deepEqual({ missing: missing.slice(0, 5), extra: extra.slice(0, 5), differ: differ.slice(0, 5) }, { missing: [], extra: [], differ: [] });
  assert.equal(actual.size, expected.size);
}


/** A dataset big enough that a save takes many slices, with every type, in databases 0, 1 and 2. */
function populate(l: ReturnType<typeof localServer>, keys: number): void {
  const { run } = l;
  for (let d = 0; d < 3; d++) {
    run('SELECT', String(d));
    for (let i = 0; i < keys; i++) run('SET', `s${i}`, `value-${d}-${i}-${'x'.repeat(i % 40)}`);
    for (let i = 0; i < keys / 10; i++) run('SET', `v${i}`, String(i), 'PX', String(1000 + (i % 5000)));
    for (let i = 0; i < 50; i++) {
      run('HSET', `h${i}`, 'a', '1', 'b', String(i), ...(i % 2 ? ['big', 'y'.repeat(100)] : []));
      run('SADD', `set${i}`, '1', '2', String(i), ...(i % 3 ? ['member'] : []));
      run('ZADD', `z${i}`, '1', 'a', String(i), 'b');
      run('RPUSH', `l${i}`, 'a', 'b', String(i));
      run('XADD', `x${i}`, `${i + 1}-1`, 'f', 'v');
    }
    run('XGROUP', 'CREATE', 'x1', 'g', '0');
    for (let i = 0; i < 300; i++) run('SADD', 'bigset', `m${i}`);
    for (let i = 0; i < 300; i++) run('HSET', 'bighash', `f${i}`, `v${i}`);
  }
  run('SELECT', '0');
}

/** Runs BGSAVE, lets `write` change the dataset on every turn until the save ends. */
async function bgsaveUnder(
  l: ReturnType<typeof localServer>,
  write: (turn: number) => void,
): Promise<{ cut: Map<string, string>; ok: boolean; turns: number }> {
  const { run, server } = l;
  assert.equal(run('BGSAVE'), '+Background saving started\r\n');
  const cut = model(server);
  const save = server.bgsave!;
  let ended = false;
  const done = save.done.then((ok) => {
    ended = true;
    return ok;
  });
  let turns = 0;
  while (!ended) {
    write(turns++);
    await nextTurn();
  }
  // The end's bookkeeping runs right after done settles.
  await nextTurn();
  return { cut, ok: await done, turns };
}

describe('BGSAVE', () => {
  for (const [seed, keys] of [[13, 20000], [7, 4000], [99, 4000]]) {
  it(`writes exactly the dataset at the cut while every kind of write goes on (seed ${seed})`, async () => {
    const dir = tempDir();
    const l = localServer({ dir, save: '' });
    const { run, clock } = l;
    populate(l, keys);
    for (let d = 0; d < 3; d++) {
      run('SELECT', String(d));
      for (let i = 0; i < 20; i++) run('PFADD', `hll${i}`, 'a', 'b', String(i));
      run('SETBIT', 'bits', '100', '1');
      run('SET', 'big', 'x'.repeat(5000));
    }
    run('SELECT', '0');
    const rnd = prng(seed);
    const pick = (n: number): number => Math.floor(rnd() * n);
    const { cut, ok, turns } = await bgsaveUnder(l, (turn) => {
      for (let j = 0; j < 40; j++) {
        run('SELECT', String(pick(3)));
        const i = pick(20000);
        switch (pick(34)) {
          case 0: run('SET', `s${i}`, `new ${turn}`); break;
          case 1: run('DEL', `s${i}`); break;
          case 2: run('APPEND', `s${i}`, 'tail'); break;
          case 3: run('SETRANGE', `s${i}`, '2', 'ZZ'); break;
          case 4: run('INCR', `n${pick(50)}`); break;
          case 5: run('HSET', `h${pick(50)}`, 'a', String(turn)); break;
          case 6: run('HDEL', 'bighash', `f${pick(300)}`); break;
          case 7: run('SADD', `set${pick(50)}`, `new${turn}`); break;
          case 8: run('SREM', 'bigset', `m${pick(300)}`); break;
          case 9: run('ZINCRBY', `z${pick(50)}`, '5', 'a'); break;
          case 10: run('LPUSH', `l${pick(50)}`, 'head'); break;
          case 11: run('LPOP', `l${pick(50)}`); break;
          case 12: run('XADD', `x${pick(50)}`, '*', 'f', String(turn)); break;
          case 13: run('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 'x1', '>'); break;
          case 14: run('EXPIRE', `s${i}`, '100'); break;
          case 15: run('PERSIST', `v${pick(2000)}`); break;
          case 16: run('RENAME', `s${i}`, `renamed${i}`); break;
          case 17: run('MOVE', `s${i}`, String(pick(3))); break;
          case 18: run('COPY', `h${pick(50)}`, `copy${i}`, 'REPLACE'); break;
          case 19: run('SET', `fresh${i}`, 'created after the cut'); break;
          case 20: run('GETDEL', `v${pick(2000)}`); break;
          case 21: run('SPOP', `set${pick(50)}`); break;
          case 22: run('RESTORE', `s${i}`, '0', run('DUMP', 'h1').split('\r\n')[1], 'REPLACE'); break;
          case 24: run('PFADD', `hll${pick(20)}`, `e${turn}`); break;
          case 25: run('PFCOUNT', `hll${pick(20)}`); break;
          case 26: run('SETBIT', 'bits', String(pick(1000)), '1'); break;
          case 27: run('SETRANGE', 'big', String(pick(5000)), 'Y'); break;
          case 28: run('XACK', 'x1', 'g', '2-1'); break;
          case 29: run('XCLAIM', 'x1', 'g', 'other', '0', '2-1'); break;
          case 30: run('LSET', `l${pick(50)}`, '0', 'set'); break;
          case 31: run('SINTERSTORE', `set${pick(50)}`, `set${pick(50)}`, 'bigset'); break;
          case 32: run('SORT', `l${pick(50)}`, 'ALPHA', 'STORE', `sorted${pick(5)}`); break;
          case 33: run('HINCRBYFLOAT', 'bighash', `f${pick(300)}`, '1.5'); break;
          case 23:
            // Time passes: volatile keys expire, lazily and in the active cycle.
            clock.advance(200);
            run('GET', `v${pick(2000)}`);
            l.server.activeExpireCycle(1);
            break;
        }
      }
      if (turn === 3) {
        run('SWAPDB', '1', '2');
        run('SELECT', '0');
        run('FLUSHDB');
      }
    });
    assert.ok(ok);
    assert.ok(turns > 2, `the save ended after ${turns} turns`);
    assertSameModel(fileModel(join(dir, 'dump.rdb')), cut);
    assert.deepEqual(readdirSync(dir), ['dump.rdb']);
  });
  }

  it('counts the kept bytes, the changes since the save and the time in INFO', async () => {
    const dir = tempDir();
    const l = localServer({ dir, save: '' });
    const { run, server } = l;
    populate(l, 5000);
    const before = server.dirty;
    let during = '';
    const { ok } = await bgsaveUnder(l, (turn) => {
      if (turn === 0) {
        during = run('INFO', 'persistence');
        assert.equal(run('BGSAVE'), '-ERR Background save already in progress\r\n');
        assert.equal(run('SAVE'), '-ERR Background save already in progress\r\n');
      }
      run('SET', `s${turn}`, 'changed');
      run('HSET', 'bighash', 'f1', String(turn));
    });
    assert.ok(ok);
    assert.match(during, /rdb_bgsave_in_progress:1\r\n/);
    assert.match(during, /current_save_keys_total:\d+\r\n/);
    const info = run('INFO', 'persistence');
    assert.match(info, /rdb_bgsave_in_progress:0\r\n/);
    assert.match(info, /rdb_last_bgsave_status:ok\r\n/);
    assert.match(info, /rdb_last_bgsave_time_sec:0\r\n/);
    assert.match(info, /rdb_current_bgsave_time_sec:-1\r\n/);
    assert.match(info, /rdb_saves:1\r\n/);
    const cow = Number(/rdb_last_cow_size:(\d+)/.exec(info)![1]);
    assert.ok(cow > 0, 'the changed keys were kept aside');
    // Changes made during the save are still unsaved.
    const changes = Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
    assert.ok(changes > 0 && changes < before, `${changes} of ${before}`);
    assert.equal(run('LASTSAVE'), `:${Math.floor(l.clock.now() / 1000)}\r\n`);
  });

  it('inside MULTI is scheduled, and started by the cron', () => {
    const dir = tempDir();
    const l = localServer({ dir, save: '' });
    const { run, server } = l;
    run('MULTI');
    run('BGSAVE');
    assert.equal(run('EXEC'), '*1\r\n+Background saving scheduled\r\n');
    assert.equal(server.bgsave, null);
    assert.equal(server.bgsaveScheduled, true);
  });

  it('answers SCHEDULE and refuses other arguments', () => {
    const l = localServer({ dir: tempDir(), save: '' });
    assert.equal(l.run('BGSAVE', 'now'), '-ERR syntax error\r\n');
    assert.equal(l.run('BGSAVE', 'SCHEDULE', 'x'), '-ERR syntax error\r\n');
    assert.equal(l.run('BGSAVE', 'schedule'), '+Background saving started\r\n');
  });

  it('is stopped by FLUSHALL, leaving the last good file and no temp file', async () => {
    const dir = tempDir();
    const l = localServer({ dir, save: '' });
    const { run, server } = l;
    populate(l, 2000);
    assert.equal(run('SAVE'), '+OK\r\n');
    const good = readFileSync(join(dir, 'dump.rdb'));
    run('SET', 'after', 'the save');
    const { ok } = await bgsaveUnder(l, (turn) => {
      if (turn === 0) run('FLUSHALL');
    });
    assert.equal(ok, false);
    assert.equal(server.bgsave, null);
    assert.deepEqual(readFileSync(join(dir, 'dump.rdb')), good);
    assert.deepEqual(readdirSync(dir), ['dump.rdb']);
    assert.match(run('INFO', 'persistence'), /rdb_last_bgsave_status:ok\r\n/);
  });

  it('fails into INFO and the log when the file cannot be written, and MISCONF refuses writes', async () => {
    const dir = tempDir();
    const gone = tempDir();
    const l = localServer({ dir: gone, save: '' });
    const { run, server } = l;
    rmSync(gone, { recursive: true });
    const lines: string[] = [];
    server.log.silent = false;
    server.log.sink = (line: string) => lines.push(line);
    run('SET', 'k', 'v');
    const { ok } = await bgsaveUnder(l, () => undefined);
    assert.equal(ok, false);
    assert.ok(lines.some((s) => s.includes('Failed opening the temp RDB file temp-')), lines.join('\n'));
    assert.ok(lines.some((s) => s.includes('Background saving error')));
    assert.match(run('INFO', 'persistence'), /rdb_last_bgsave_status:err\r\n/);
    // Without save points writes go on; with them (stop-writes-on-bgsave-error) they are refused.
    assert.equal(run('SET', 'k', 'v2'), '+OK\r\n');
    run('CONFIG', 'SET', 'save', '3600 1');
    assert.match(run('SET', 'k', 'v3'), /^-MISCONF Redis is configured to save RDB snapshots/);
    assert.match(run('PING'), /^-MISCONF/);
    assert.equal(run('GET', 'k'), '$2\r\nv2\r\n');
    run('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
    assert.equal(run('SET', 'k', 'v3'), '+OK\r\n');
    run('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
    // A save that works clears the error.
    // (dir is a protected config: set directly.)
    assert.equal(server.config.set('dir', dir), null);
    const again = await bgsaveUnder(l, () => undefined);
    assert.ok(again.ok, lines.join('\n'));
    assert.equal(run('SET', 'k', 'v4'), '+OK\r\n');
    assert.ok(existsSync(join(dir, 'dump.rdb')));
  });
});

describe('save points', () => {
  it('start a background save once enough changes are older than their seconds', async () => {
    const dir = tempDir();
    const l = localServer({ dir, save: '10 3' });
    const { run, server, clock } = l;
    run('SET', 'a', '1');
    run('SET', 'b', '2');
    clock.advance(11_000);
    saveCron(server);
    assert.equal(server.bgsave, null, 'two changes are not enough');
    run('SET', 'c', '3');
    saveCron(server);
    assert.notEqual(server.bgsave, null);
    assert.ok(await server.bgsave!.done);
    await nextTurn();
    assert.equal(server.dirty, 0);
    assert.equal(fileModel(join(dir, 'dump.rdb')).size, 3);
    writeFileSync(join(dir, 'unrelated'), '');
  });
});

describe('BGSAVE, SAVE, LASTSAVE and SHUTDOWN ABORT against redis-server', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  /** Polls INFO persistence on both until field has value on each. */
  async function waitField(p: Pair, field: string, value: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const [a, b] = await p.both('INFO', 'persistence');
      if (a!.includes(`${field}:${value}\r\n`) && b!.includes(`${field}:${value}\r\n`)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`${field} never became ${value} on both`);
  }

  /** The same field of INFO persistence on both servers. */
  async function sameField(p: Pair, field: string): Promise<string> {
    const [a, b] = await p.both('INFO', 'persistence');
    const re = new RegExp(`${field}:(.*)\r\n`);
    const va = re.exec(a!)?.[1];
    assert.equal(va, re.exec(b!)?.[1], field);
    return va!;
  }

  it('answers and refuses as Redis while a save runs', async () => {
    await d.withPair(async (p) => {
      await p.error('BGSAVE', 'x');
      await p.error('BGSAVE', 'SCHEDULE', 'x');
      for (let i = 0; i < 20; i++) await p.setup('SET', `k${i}`, String(i));
      await p.do('CONFIG', 'SET', 'rdb-key-save-delay', '100000');
      await p.do('BGSAVE');
      assert.equal(await sameField(p, 'rdb_bgsave_in_progress'), '1');
      await p.error('BGSAVE');
      await p.error('BGSAVE', 'SCHEDULE');
      await p.error('SAVE');
      await p.do('MULTI');
      await p.do('BGSAVE');
      await p.do('EXEC');
      // FLUSHALL stops the save; it counts as neither a success nor a failure.
      await p.do('FLUSHALL');
      await waitField(p, 'rdb_bgsave_in_progress', '0');
      assert.equal(await sameField(p, 'rdb_last_bgsave_status'), 'ok');
      await p.do('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      const saves = Number(await sameField(p, 'rdb_saves'));
      await p.do('MULTI');
      await p.do('BGSAVE', 'SCHEDULE');
      await p.do('EXEC');
      // The cron starts the scheduled save: let it end before going on.
      await waitField(p, 'rdb_saves', String(saves + 1));
      await waitField(p, 'rdb_bgsave_in_progress', '0');
      await p.do('SHUTDOWN', 'ABORT');
      await p.error('SHUTDOWN', 'ABORT', 'NOSAVE');
      await p.error('SHUTDOWN', 'SAVE', 'NOSAVE');
      await p.error('SHUTDOWN', 'LATER');
    });
  });

  it('refuses writes with MISCONF after a failed save while save points are set', async () => {
    await d.withPair(async (p) => {
      await p.setup('SET', 'x', 'x');
      // A directory in the way of dump.rdb: the rename at the end of the save fails.
      for (const dir of [d.dir, d.oracle.dir]) {
        rmSync(join(dir, 'dump.rdb'), { force: true });
        mkdirSync(join(dir, 'dump.rdb'));
      }
      try {
        await p.do('CONFIG', 'SET', 'save', '3600 1');
        await p.do('BGSAVE');
        await waitField(p, 'rdb_bgsave_in_progress', '0');
        assert.equal(await sameField(p, 'rdb_last_bgsave_status'), 'err');
        await p.error('SET', 'x', 'y');
        await p.error('PING');
        await p.do('GET', 'x');
        await p.do('MULTI');
        await p.do('GET', 'x');
        await p.do('EXEC');
        await p.do('MULTI');
        await p.error('SET', 'x', 'y');
        await p.error('EXEC');
        await p.do('CONFIG', 'SET', 'save', '');
        await p.do('SET', 'x', 'y');
        await p.do('CONFIG', 'SET', 'save', '3600 1');
        await p.error('SET', 'x', 'z');
      } finally {
        for (const dir of [d.dir, d.oracle.dir]) rmSync(join(dir, 'dump.rdb'), { recursive: true, force: true });
      }
      await p.do('BGSAVE');
      await waitField(p, 'rdb_bgsave_in_progress', '0');
      assert.equal(await sameField(p, 'rdb_last_bgsave_status'), 'ok');
      assert.equal(await sameField(p, 'rdb_changes_since_last_save'), '0');
      await p.do('SET', 'x', 'z');
      await p.do('CONFIG', 'SET', 'save', '');
    });
  });
});

describe('background save files', differentialSuite(), () => {
  it('pass redis-check-rdb and load in redis-server with the same digest', async () => {
    const dir = tempDir();
    const nodis = await startServer({ dir, save: '', 'enable-debug-command': 'yes' });
    const n = await RawConnection.open({ port: nodis.port });
    try {
      await n.call('DEBUG', 'POPULATE', '5000');
      for (let i = 0; i < 20; i++) {
        await n.call('HSET', `h${i}`, 'a', '1', 'b', 'x'.repeat(i * 10));
        await n.call('SADD', `set${i}`, ...Array.from({ length: i * 20 }, (_, j) => String(j)), 'm');
        await n.call('ZADD', `z${i}`, '1.5', 'a', String(i), 'b');
        await n.call('RPUSH', `l${i}`, 'a', 'b'.repeat(i * 100));
        await n.call('XADD', `x${i}`, '*', 'f', 'v');
        await n.call('SET', `t${i}`, 'v', 'PX', '3600000');
      }
      await n.call('XGROUP', 'CREATE', 'x1', 'g', '0');
      await n.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'x1', '>');
      await n.call('SELECT', '9');
      await n.call('SET', 'nine', '9');
      await n.call('SELECT', '0');
      const digest = await n.call('DEBUG', 'DIGEST');
      assert.equal(await n.call('BGSAVE'), '+Background saving started\r\n');
      // Changed while the save runs: the file keeps the dataset as it was.
      await n.call('HSET', 'h1', 'a', 'changed');
      await n.call('DEL', 'key:1');
      for (let i = 0; i < 500; i++) {
        if ((await n.call('INFO', 'persistence'))!.includes('rdb_bgsave_in_progress:0')) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.match((await n.call('INFO', 'persistence'))!, /rdb_last_bgsave_status:ok/);
      const check = spawnSync('redis-check-rdb', [join(dir, 'dump.rdb')], { encoding: 'latin1' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /RDB looks OK/);
      await withOracleLoading(dir, 'dump.rdb', async (o) => {
        assert.equal(await o.call('DEBUG', 'DIGEST'), digest);
      }, ['--enable-debug-command', 'yes']);
    } finally {
      n.close();
      await nodis.close();
    }
  });
});

describe('a server killed while saving', () => {
  it('leaves the last good file, whether SAVE or BGSAVE was running', async () => {
    const dir = tempDir();
    const path = join(dir, 'dump.rdb');
    const a = await startCliServer(dir);
    let c = await RawConnection.open({ path: a.socket });
    await c.call('DEBUG', 'POPULATE', '300000');
    assert.equal(await c.call('SAVE'), '+OK\r\n');
    const good = readFileSync(path);
    // A slow background save, killed half way.
    await c.call('SET', 'after', 'the good save');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10');
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    for (let i = 0; i < 500 && !existsSync(join(dir, `temp-${a.child.pid}.rdb`)); i++) await new Promise((r) => setTimeout(r, 5));
    assert.match((await c.call('INFO', 'persistence'))!, /rdb_bgsave_in_progress:1/);
    c.close();
    await killHard(a.child);
    assert.deepEqual(readFileSync(path), good);

    // A synchronous SAVE of a bigger dataset, killed while it may be writing: the file is the
    // last good one or the whole new one, never a part.
    const b = await startCliServer(dir);
    c = await RawConnection.open({ path: b.socket });
    assert.equal(await c.call('DBSIZE'), ':300000\r\n');
    await c.call('DEBUG', 'POPULATE', '1000000', 'big');
    void c.call('SAVE').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    await killHard(b.child);
    c.close();
    const after = readFileSync(path);
    if (!after.equals(good)) {
      const check = spawnSync('redis-check-rdb', [path], { encoding: 'latin1' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
    }
    const d = await startCliServer(dir);
    assert.match(d.out(), /Done loading RDB, keys loaded: (300000|1300000),/);
    await killHard(d.child);
  });
});
