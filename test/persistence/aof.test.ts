// The append-only file: the manifest and the command reader on their own; then nodis writing an
// AOF directory, loading it after a restart (and after BGREWRITEAOF, with and without an RDB
// preamble), real Redis loading nodis's directory and nodis loading Redis's, redis-check-aof
// accepting nodis's files, truncated files under aof-load-truncated, CONFIG SET appendonly at run
// time, DEBUG LOADAOF, and an old single-file AOF moved into the directory.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pbkdf2 } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type EmbeddedServer } from '../../src/embed.js';
import { AofManifest, AofManifestError, AofWriter, readAofCommands } from '../../src/persistence/aof.js';
import { startOracle, oracleAvailable, ORACLE_SKIP_MESSAGE } from '../helpers/oracle.js';
import { RawConnection, encodeCommand } from '../helpers/resp.js';
import { tempDirs } from '../helpers/tempdir.js';
import { killHard, startCliServer } from '../helpers/cli.js';

const suite = oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };

const tempDir = tempDirs('nodis-aof-test-');

/** Commands that touch every type, expiry, several databases and a transaction. */
const WRITES: string[][] = [
  ['SET', 'str', 'hello'],
  ['APPEND', 'str', ' world'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['RPUSH', 'list', 'a', 'b', 'c'],
  ['LPOP', 'list'],
  ['SADD', 'set', 'x', 'y', '1'],
  ['SADD', 'ints', '1', '2', '3'],
  ['HSET', 'hash', 'f1', 'v1', 'f2', 'v2'],
  ['ZADD', 'zset', '1.5', 'm1', '-inf', 'low', '2', 'm2'],
  ['XADD', 'stream', '1-1', 'k', 'v'],
  ['XADD', 'stream', '2-1', 'k', 'w'],
  ['XGROUP', 'CREATE', 'stream', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 'stream', '>'],
  ['XGROUP', 'CREATECONSUMER', 'stream', 'g', 'bob'],
  ['SET', 'ttl', 'v', 'EX', '10000'],
  ['SET', 'bin\x00\xff', '\x00\x01\xfe'],
  ['SELECT', '3'],
  ['SET', 'other', 'db'],
  ['MULTI'],
  ['INCR', 'counter'],
  ['INCR', 'counter'],
  ['EXEC'],
  ['SELECT', '0'],
  ['DEL', 'f'],
];

async function runAll(c: RawConnection, cmds: string[][]): Promise<void> {
  for (const argv of cmds) {
    const r = await c.call(...argv);
    assert.ok(r !== null && r[0] !== '-', `${JSON.stringify(argv)}: ${r}`);
  }
}

/** Waits until no AOF rewrite runs or is scheduled (the base is written in the background). */
async function rewriteDone(c: RawConnection): Promise<string> {
  for (;;) {
    const info = (await c.call('INFO', 'persistence'))!;
    if (info.includes('aof_rewrite_in_progress:0\r\n') && info.includes('aof_rewrite_scheduled:0\r\n')) return info;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** DEBUG DIGEST, and the keys of the two databases used, as a comparable summary. */
async function summary(c: RawConnection): Promise<string[]> {
  const out = [(await c.call('DEBUG', 'DIGEST'))!];
  for (const db of ['0', '3']) {
    await c.call('SELECT', db);
    out.push(`${db}: ${await c.call('DBSIZE')}`);
  }
  await c.call('SELECT', '0');
  return out;
}

async function withServer<T>(options: Record<string, string | ((line: string) => void)>, fn: (c: RawConnection, s: EmbeddedServer) => Promise<T>): Promise<T> {
  const s = await startServer({ 'enable-debug-command': 'yes', log: () => {}, ...options });
  const c = await RawConnection.open({ port: s.port });
  try {
    return await fn(c, s);
  } finally {
    c.close();
    await s.close();
  }
}

describe('AOF manifest', () => {
  it("reads and writes Redis's format, quoting names that need it", () => {
    const m = AofManifest.parse(
      '# a comment\nfile appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\n' +
        'file appendonly.aof.3.incr.aof seq 3 type i\nfile "odd name\\n.aof" seq 4 type i extra field\n',
    );
    assert.equal(m.base?.name, 'appendonly.aof.2.base.rdb');
    assert.deepEqual(m.history.map((f) => f.name), ['appendonly.aof.1.incr.aof']);
    assert.deepEqual(m.incr.map((f) => f.seq), [3, 4]);
    assert.equal(m.toString().split('\n')[3], 'file "odd name\\n.aof" seq 4 type i');
    assert.equal(AofManifest.parse(m.toString()).toString(), m.toString());
  });

  it('names new files as Redis does and turns the old ones into history', () => {
    const m = new AofManifest();
    assert.equal(m.newBase('appendonly.aof', true), 'appendonly.aof.1.base.rdb');
    assert.equal(m.lastIncr('appendonly.aof'), 'appendonly.aof.1.incr.aof');
    assert.equal(m.newIncr('appendonly.aof'), 'appendonly.aof.2.incr.aof');
    assert.equal(m.newBase('appendonly.aof', false), 'appendonly.aof.2.base.aof');
    m.incrsToHistory(true);
    assert.equal(m.toString(), [
      'file appendonly.aof.2.base.aof seq 2 type b',
      'file appendonly.aof.1.incr.aof seq 1 type h',
      'file appendonly.aof.1.base.rdb seq 1 type h',
      'file appendonly.aof.2.incr.aof seq 2 type i',
      '',
    ].join('\n'));
    // With the AOF off, no incr file is kept.
    m.incrsToHistory(false);
    assert.deepEqual(m.incr, []);
    assert.equal(m.history[0].name, 'appendonly.aof.2.incr.aof');
  });

  it("refuses what Redis refuses, with Redis's reasons", () => {
    const cases: Array<[string, string]> = [
      ['', 'Found an empty AOF manifest'],
      ['file a seq 1 type b', 'The AOF manifest file contains too long line'],
      ['\n', 'Invalid AOF manifest file format'],
      ['file a seq 1\n', 'Invalid AOF manifest file format'],
      ['file a seq 0 type i\n', 'Invalid AOF manifest file format'],
      ['file dir/a seq 1 type i\n', "File can't be a path, just a filename"],
      ['file a seq 1 type b\nfile b seq 2 type b\n', 'Found duplicate base file information'],
      ['file a seq 2 type i\nfile b seq 2 type i\n', 'Found a non-monotonic sequence number'],
      ['file a seq 1 type x\n', 'Unknown AOF file type'],
      [`file ${'a'.repeat(1100)} seq 1 type i\n`, 'The AOF manifest file contains too long line'],
    ];
    for (const [text, reason] of cases) {
      assert.throws(() => AofManifest.parse(text), (e: unknown) => e instanceof AofManifestError && e.reason === reason, JSON.stringify(text));
    }
  });
});

describe('AOF command reader', () => {
  const read = (text: string): [string[][], ReturnType<typeof readAofCommands>] => {
    const got: string[][] = [];
    const r = readAofCommands(Buffer.from(text, 'latin1'), 0, (argv) => got.push(argv));
    return [got, r];
  };
  const set = encodeCommand(['SET', 'a', '1']);
  const multi = encodeCommand(['MULTI']) + encodeCommand(['INCR', 'n']) + encodeCommand(['EXEC']);

  it('reads commands and skips annotations', () => {
    const [got, r] = read(`#TS:1700000000\r\n${set}${multi}`);
    assert.deepEqual(got, [['SET', 'a', '1'], ['MULTI'], ['INCR', 'n'], ['EXEC']]);
    assert.deepEqual(r, { status: 'ok', validUpTo: 16 + set.length + multi.length });
  });

  it('stops at a short read, at the last whole command', () => {
    const [got, r] = read(set + set.slice(0, 9));
    assert.deepEqual(got, [['SET', 'a', '1']]);
    assert.deepEqual(r, { status: 'eof', validUpTo: set.length });
  });

  it('drops a transaction without its EXEC', () => {
    const [got, r] = read(set + encodeCommand(['MULTI']) + encodeCommand(['INCR', 'n']));
    assert.deepEqual(got, [['SET', 'a', '1']]);
    assert.deepEqual(r, { status: 'eof', validUpTo: set.length, insideMulti: true });
  });

  it('refuses what is not RESP', () => {
    assert.equal(read(`${set}GET a\r\n`)[1].status, 'format');
    assert.equal(read('*2\r\n+OK\r\n')[1].status, 'format');
    assert.equal(read('*0\r\n')[1].status, 'format');
  });
});

describe('AOF writer', () => {
  it('switching or closing the file while a background fsync runs leaves no fsync error (no EBADF)', async () => {
    const dir = tempDir();
    let now = 1_000_000;
    const warnings: string[] = [];
    const host = {
      dir: () => dir,
      dirname: () => dir,
      filename: () => 'w.aof',
      fsyncPolicy: () => 'everysec' as const,
      timestamps: () => false,
      skipFsync: () => false,
      nowMs: () => now,
      log: { notice: () => {}, warning: (m: string) => void warnings.push(m), verbose: () => {} },
    };
    const w = new AofWriter(host);
    w.openFile(join(dir, 'f0'));
    // Each round starts a background fsync (a new second), then switches files at once, as a
    // rewrite's end does; the old descriptor must outlive its fsync. The thread pool is kept busy
    // first, so the fsync runs only after the switch has happened.
    for (let i = 1; i <= 5; i++) {
      const busy = Array.from({ length: 8 }, () => new Promise((r) => pbkdf2('x', 'y', 20_000, 32, 'sha256', r)));
      now += 1000;
      w.feed(0, ['SET', 'k', String(i)]);
      w.flush();
      // A switch (a rewrite's end), or a close (appendonly no) and a later open.
      if (i % 2 === 0) w.switchTo(join(dir, `f${i % 4}`));
      else w.closeFile();
      await Promise.all(busy);
      await new Promise((r) => setTimeout(r, 20));
      if (i % 2 === 1) w.openFile(join(dir, `f${i % 4}`));
    }
    assert.equal(w.fsyncError, undefined);
    assert.deepEqual(warnings, []);
    w.closeFile();
  });
});

describe('AOF files', suite, () => {
  it('a restart loads what was written, before and after BGREWRITEAOF, with and without an RDB preamble', async () => {
    for (const preamble of ['yes', 'no']) {
      const dir = tempDir();
      const options = { dir, appendonly: 'yes', 'aof-use-rdb-preamble': preamble };
      const before = await withServer(options, async (c) => {
        await runAll(c, WRITES);
        return summary(c);
      });
      const names = readdirSync(join(dir, 'appendonlydir')).sort();
      assert.deepEqual(names, ['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest'].map((n) => (preamble === 'no' ? n.replace('base.rdb', 'base.aof') : n)).sort());
      const rewritten = await withServer(options, async (c) => {
        assert.deepEqual(await summary(c), before, `restart (preamble ${preamble})`);
        assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
        await runAll(c, [['SET', 'after', 'rewrite']]);
        assert.match(await rewriteDone(c), /aof_last_bgrewrite_status:ok\r\n/);
        return summary(c);
      });
      const base = preamble === 'yes' ? 'appendonly.aof.2.base.rdb' : 'appendonly.aof.2.base.aof';
      assert.equal(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'), `file ${base} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
      assert.deepEqual(readdirSync(join(dir, 'appendonlydir')).sort(), [base, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
      await withServer(options, async (c) => {
        assert.deepEqual(await summary(c), rewritten, `restart after the rewrite (preamble ${preamble})`);
        assert.equal(await c.call('GET', 'after'), '$7\r\nrewrite\r\n');
      });
      const check = spawnSync('redis-check-aof', [join(dir, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /All AOF files and manifest are valid/);
    }
  });

  it("real Redis loads nodis's AOF directory, and nodis loads Redis's", async () => {
    const dir = tempDir();
    const ours = await withServer({ dir, appendonly: 'yes' }, async (c) => {
      await runAll(c, WRITES);
      return summary(c);
    });
    const redis = await startOracle(['--dir', dir, '--appendonly', 'yes']);
    let theirs: string[];
    try {
      const c = await redis.connect();
      // Redis answers while it loads: wait until it is done.
      while (/loading:1/.test((await c.call('INFO', 'persistence'))!)) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(await summary(c), ours, 'Redis reads what nodis wrote');
      await runAll(c, [['SET', 'from', 'redis'], ['ZADD', 'zset', '3', 'm3'], ['SELECT', '0']]);
      theirs = await summary(c);
      c.close();
    } finally {
      await redis.close();
    }
    await withServer({ dir, appendonly: 'yes' }, async (n) => {
      assert.deepEqual(await summary(n), theirs, 'nodis reads what Redis wrote after it');
    });
  });

  it('a truncated incr file loads up to its last whole command under aof-load-truncated, and stops start-up without it', async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: 'yes' }, (c) => runAll(c, [['SET', 'a', '1'], ['SET', 'b', '2']]));
    const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const size = statSync(incr).size;
    appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$');
    await assert.rejects(startServer({ dir, appendonly: 'yes', 'aof-load-truncated': 'no', log: () => {} }), /append-only file/);
    const lines: string[] = [];
    const s = await startServer({ dir, appendonly: 'yes', log: (l) => lines.push(l) });
    try {
      const c = await RawConnection.open({ port: s.port });
      assert.equal(await c.call('MGET', 'a', 'b', 'c'), '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n');
      c.close();
    } finally {
      await s.close();
    }
    assert.equal(statSync(incr).size, size);
    assert.ok(lines.some((l) => l.includes(`!!! Truncating the AOF appendonly.aof.1.incr.aof at offset ${size} !!!`)), lines.join(''));
    assert.ok(lines.some((l) => l.includes('AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled')), lines.join(''));
  });

  it('refuses a file with an unknown command or bad format, and a manifest naming a missing file', async () => {
    for (const [tail, message] of [
      [encodeCommand(['NOSUCHCOMMAND', 'x']), "Unknown command 'NOSUCHCOMMAND' reading the append only file appendonly.aof.1.incr.aof"],
      ['garbage\r\n', 'Bad file format reading the append only file appendonly.aof.1.incr.aof'],
    ]) {
      const dir = tempDir();
      await withServer({ dir, appendonly: 'yes' }, (c) => runAll(c, [['SET', 'a', '1']]));
      appendFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), tail);
      const lines: string[] = [];
      await assert.rejects(startServer({ dir, appendonly: 'yes', log: (l) => lines.push(l) }));
      assert.ok(lines.some((l) => l.includes(message)), lines.join(''));
    }
    const dir = tempDir();
    await withServer({ dir, appendonly: 'yes' }, async () => {});
    rmSync(join(dir, 'appendonlydir', 'appendonly.aof.1.base.rdb'));
    const lines: string[] = [];
    await assert.rejects(startServer({ dir, appendonly: 'yes', log: (l) => lines.push(l) }));
    assert.ok(lines.some((l) => l.includes("The append log file appendonly.aof.1.base.rdb doesn't exist")), lines.join(''));
  });

  it('CONFIG SET appendonly yes writes a base of the dataset; no stops writing; INFO follows', async () => {
    const dir = tempDir();
    await withServer({ dir }, async (c) => {
      await runAll(c, [['SET', 'before', '1']]);
      assert.match((await c.call('INFO', 'persistence'))!, /aof_enabled:0\r\n/);
      assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
      const info = await rewriteDone(c);
      assert.match(info, /aof_enabled:1\r\n[^]*aof_rewrites:1\r\n[^]*module_fork_last_cow_size:0\r\naof_current_size:\d+\r\naof_base_size:\d+\r\n/);
      await runAll(c, [['SET', 'during', '2']]);
      assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
      await runAll(c, [['SET', 'after', '3']]);
      assert.doesNotMatch((await c.call('INFO', 'persistence'))!, /aof_current_size/);
    });
    await withServer({ dir, appendonly: 'yes' }, async (c) => {
      assert.equal(await c.call('MGET', 'before', 'during', 'after'), '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n');
    });
  });

  it('BGREWRITEAOF writes its base in the background while clients change keys; the files hold the final dataset', async () => {
    for (const preamble of ['yes', 'no']) {
      const dir = tempDir();
      const options = { dir, appendonly: 'yes', 'aof-use-rdb-preamble': preamble };
      const suffix = preamble === 'yes' ? 'rdb' : 'aof';
      const manifest = () => readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
      const final = await withServer(options, async (c) => {
        // 1 ms per key written (rdb-key-save-delay): the rewrite spans many event-loop turns.
        await runAll(c, [['DEBUG', 'POPULATE', '300', 'key'], ['RPUSH', 'list', 'a', 'b'], ['CONFIG', 'SET', 'rdb-key-save-delay', '1000']]);
        assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
        assert.match((await c.call('INFO', 'persistence'))!, /aof_rewrite_in_progress:1\r\n[^]*aof_current_rewrite_time_sec:0\r\n/);
        assert.equal(await c.call('BGREWRITEAOF'), '-ERR Background append only file rewriting already in progress\r\n');
        assert.equal(
          await c.call('BGSAVE'),
          "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n",
        );
        // Writes go to a new incr file, named in the manifest from the start of the rewrite.
        assert.equal(manifest(), `file appendonly.aof.1.base.${suffix} seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
        await runAll(c, [['SET', 'key:299', 'changed'], ['DEL', 'key:298'], ['RPUSH', 'list', 'c'], ['SET', 'new', 'key'], ['FLUSHDB'], ['SET', 'after', 'flush']]);
        assert.equal(await c.call('BGSAVE', 'SCHEDULE'), '+Background saving scheduled\r\n');
        await runAll(c, [['CONFIG', 'SET', 'rdb-key-save-delay', '0']]);
        const info = await rewriteDone(c);
        assert.match(info, /aof_last_bgrewrite_status:ok\r\n/);
        assert.match(info, /aof_rewrites_consecutive_failures:0\r\n/);
        return summary(c);
      });
      assert.equal(manifest(), `file appendonly.aof.2.base.${suffix} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
      assert.deepEqual(readdirSync(join(dir, 'appendonlydir')).sort(), [`appendonly.aof.2.base.${suffix}`, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
      await withServer(options, async (c) => {
        assert.deepEqual(await summary(c), final);
        assert.equal(await c.call('DBSIZE'), ':1\r\n');
      });
      // The base alone is the dataset as the rewrite began (the 300 keys and the list).
      const base = readFileSync(join(dir, 'appendonlydir', `appendonly.aof.2.base.${suffix}`));
      assert.ok(base.includes('key:299') && base.includes('value:299') && !base.includes('changed'), `preamble ${preamble}`);
    }
  });

  it('CONFIG SET appendonly no stops a rewrite in progress and removes its temp file', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    await withServer({ dir, appendonly: 'yes', log: (l) => lines.push(l) }, async (c) => {
      await runAll(c, [['DEBUG', 'POPULATE', '100'], ['CONFIG', 'SET', 'rdb-key-save-delay', '100000']]);
      assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(readdirSync(join(dir, 'appendonlydir')).some((n) => n.startsWith('temp-rewriteaof-')));
      assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
      assert.match((await c.call('INFO', 'persistence'))!, /aof_enabled:0\r\naof_rewrite_in_progress:0\r\n/);
    });
    assert.ok(lines.some((l) => l.includes('Killing running AOF rewrite child')), lines.join(''));
    assert.ok(!readdirSync(join(dir, 'appendonlydir')).some((n) => n.startsWith('temp-')));
  });

  it('CONFIG SET appendonly yes gathers the writes made during its rewrite in a temp incr file', async () => {
    const dir = tempDir();
    const final = await withServer({ dir }, async (c) => {
      await runAll(c, [['DEBUG', 'POPULATE', '200'], ['CONFIG', 'SET', 'rdb-key-save-delay', '1000']]);
      assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
      await runAll(c, [['SET', 'during', 'rewrite'], ['DEL', 'key:0']]);
      assert.ok(existsSync(join(dir, 'appendonlydir', 'temp-appendonly.aof.incr')));
      await runAll(c, [['CONFIG', 'SET', 'rdb-key-save-delay', '0']]);
      assert.match(await rewriteDone(c), /aof_enabled:1\r\n[^]*aof_last_bgrewrite_status:ok\r\n/);
      await runAll(c, [['SET', 'after', 'rewrite']]);
      return summary(c);
    });
    assert.equal(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    await withServer({ dir, appendonly: 'yes' }, async (c) => {
      assert.deepEqual(await summary(c), final);
      assert.equal(await c.call('GET', 'during'), '$7\r\nrewrite\r\n');
    });
  });

  it('auto-aof-rewrite-percentage starts a rewrite once the AOF has grown past its base', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const options = { dir, appendonly: 'yes', 'auto-aof-rewrite-min-size': '4096', 'auto-aof-rewrite-percentage': '100', log: (l: string) => lines.push(l) };
    await withServer(options, async (c) => {
      for (let i = 0; i < 50; i++) await runAll(c, [['SET', `k${i}`, 'x'.repeat(100)]]);
      for (;;) {
        const info = (await c.call('INFO', 'persistence'))!;
        if (/aof_rewrites:[1-9]/.test(info) && info.includes('aof_rewrite_in_progress:0')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(lines.some((l) => /Starting automatic rewriting of AOF on \d+% growth/.test(l)), lines.join(''));
      // The rewrite reset the base: the same size again does not start another.
      const info = (await c.call('INFO', 'persistence'))!;
      const size = Number(/aof_current_size:(\d+)/.exec(info)![1]);
      assert.equal(Number(/aof_base_size:(\d+)/.exec(info)![1]), size);
    });
  });

  it('answers -LOADING while the dataset loads, but to commands flagged loading', async () => {
    await withServer({}, async (c, s) => {
      s.server.loading = true;
      try {
        assert.equal(await c.call('GET', 'x'), '-LOADING Redis is loading the dataset in memory\r\n');
        assert.equal(await c.call('PING'), '-LOADING Redis is loading the dataset in memory\r\n');
        assert.match((await c.call('INFO', 'persistence'))!, /\r\nloading:1\r\n/);
      } finally {
        s.server.loading = false;
      }
      assert.equal(await c.call('PING'), '+PONG\r\n');
    });
  });

  it('a failed AOF write refuses writes with -MISCONF until the file can be written again', async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: 'yes' }, async (c, s) => {
      const writer = s.server.aof.writer;
      const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
      // The file becomes a full disk: every write fails with ENOSPC.
      writer.closeFile();
      writer.openFile('/dev/full');
      assert.equal(await c.call('SET', 'lost', 'maybe'), '+OK\r\n');
      assert.equal(await c.call('SET', 'k', 'v'), '-MISCONF Errors writing to the AOF file: No space left on device\r\n');
      assert.equal(await c.call('PING'), '-MISCONF Errors writing to the AOF file: No space left on device\r\n');
      assert.equal(await c.call('GET', 'lost'), '$5\r\nmaybe\r\n');
      assert.match((await c.call('INFO', 'persistence'))!, /aof_last_write_status:err\r\n/);
      // The disk has room again: the cron writes what was kept, and writes are accepted.
      writer.closeFile();
      writer.openFile(incr);
      for (;;) {
        if ((await c.call('INFO', 'persistence'))!.includes('aof_last_write_status:ok')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    });
    await withServer({ dir, appendonly: 'yes' }, async (c) => {
      assert.equal(await c.call('MGET', 'lost', 'k'), '*2\r\n$5\r\nmaybe\r\n$1\r\nv\r\n');
    });
  });

  it("loads XADD's exact trim with LIMIT, as it was rewritten, without judging it again", async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: 'yes', 'stream-node-max-entries': '10' }, async (c) => {
      for (let i = 0; i < 100; i++) await runAll(c, [['XADD', 's', '*', 'f', 'v']]);
      await runAll(c, [['XADD', 's', 'MAXLEN', '~', '55', 'LIMIT', '30', '*', 'f', 'v']]);
      assert.equal(await c.call('XLEN', 's'), ':71\r\n');
      await runAll(c, [['CONFIG', 'SET', 'stream-node-max-entries', '1']]);
      assert.equal(await c.call('DEBUG', 'LOADAOF'), '+OK\r\n');
      assert.equal(await c.call('XLEN', 's'), ':71\r\n');
      // A client's own exact trim with LIMIT is still refused.
      assert.equal(await c.call('XADD', 's', 'MAXLEN', '=', '5', 'LIMIT', '30', '*', 'f', 'v'), '-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n');
    });
  });

  it("XADD's made IDs and exact trims reach the AOF, also after XADDs run while nothing read the stream", async () => {
    const dir = tempDir();
    // (always: everysec may hold a write back while its background fsync runs.)
    await withServer({ dir, appendfsync: 'always' }, async (c) => {
      // With no AOF and no replica, XADD builds no rewritten form: these reach the AOF in its base.
      await runAll(c, [['XADD', 's', '*', 'f', 'x'], ['XADD', 's', 'MAXLEN', '~', '100', '*', 'f', 'y']]);
      await runAll(c, [['CONFIG', 'SET', 'appendonly', 'yes']]);
      await rewriteDone(c);
      const replies = [
        await c.call('XADD', 's', '*', 'f', 'a'),
        await c.call('XADD', 's', 'MAXLEN', '~', '100', '*', 'f', 'b'),
        await c.call('XADD', 's', '99999999999999-*', 'f', 'c'),
        await c.call('XADD', 's', '99999999999999-*', 'f', 'd'),
      ];
      const ids = replies.map((r) => r!.split('\r\n')[1]);
      assert.deepEqual(ids.slice(2), ['99999999999999-0', '99999999999999-1']);
      const aofDir = join(dir, 'appendonlydir');
      const incr = readdirSync(aofDir).filter((f) => f.endsWith('.incr.aof'));
      assert.equal(incr.length, 1);
      const written: string[][] = [];
      readAofCommands(readFileSync(join(aofDir, incr[0])), 0, (argv) => written.push(argv));
      assert.deepEqual(
        written.filter((argv) => argv[0] === 'XADD'),
        [
          ['XADD', 's', ids[0], 'f', 'a'],
          ['XADD', 's', 'MAXLEN', '=', '4', ids[1], 'f', 'b'],
          ['XADD', 's', ids[2], 'f', 'c'],
          ['XADD', 's', ids[3], 'f', 'd'],
        ],
      );
      const before = await c.call('XRANGE', 's', '-', '+');
      assert.equal(await c.call('DEBUG', 'LOADAOF'), '+OK\r\n');
      assert.equal(await c.call('XRANGE', 's', '-', '+'), before);
      assert.equal(await c.call('XLEN', 's'), ':6\r\n');
    });
  });

  it('SCAN and RANDOMKEY propagate the keys they find expired one by one, not as a transaction', async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: 'yes' }, async (c) => {
      await runAll(c, [['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['PEXPIRE', 'a', '1'], ['PEXPIRE', 'b', '1'], ['PEXPIRE', 'c', '1']]);
      await new Promise((r) => setTimeout(r, 10));
      const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
      const before = statSync(incr).size;
      assert.equal(await c.call('SCAN', '0'), '*2\r\n$1\r\n0\r\n*0\r\n');
      const dels = readFileSync(incr, 'latin1').slice(before);
      assert.doesNotMatch(dels, /MULTI/i);
      assert.equal(dels.match(/\$3\r\nDEL\r\n/gi)?.length, 3, dels);
      // The same deletions inside a transaction stay in its MULTI/EXEC.
      await runAll(c, [['MSET', 'd', '1', 'e', '2'], ['PEXPIRE', 'd', '1'], ['PEXPIRE', 'e', '1']]);
      await new Promise((r) => setTimeout(r, 10));
      const mark = statSync(incr).size;
      await runAll(c, [['MULTI'], ['SCAN', '0'], ['EXEC']]);
      assert.match(readFileSync(incr, 'latin1').slice(mark), /^\*1\r\n\$5\r\nMULTI\r\n(\*2\r\n\$3\r\nDEL\r\n\$1\r\n[de]\r\n){2}\*1\r\n\$4\r\nEXEC\r\n$/i);
    });
  });

  it('DEBUG LOADAOF reloads the dataset from the files', async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: 'yes' }, async (c, s) => {
      await runAll(c, WRITES);
      const before = await summary(c);
      // A change the file does not have: LOADAOF gives the file's dataset back.
      s.server.dbs[0].dict.set('sneaked', 'in');
      assert.equal(await c.call('DEBUG', 'LOADAOF'), '+OK\r\n');
      assert.deepEqual(await summary(c), before);
      assert.equal(await c.call('EXISTS', 'sneaked'), ':0\r\n');
    });
  });

  it('an old single-file AOF in dir moves into the directory as its base', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'appendonly.aof'), encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'old', 'style']));
    const lines: string[] = [];
    const s = await startServer({ dir, appendonly: 'yes', log: (l) => lines.push(l) });
    try {
      const c = await RawConnection.open({ port: s.port });
      assert.equal(await c.call('GET', 'old'), '$5\r\nstyle\r\n');
      c.close();
    } finally {
      await s.close();
    }
    assert.ok(!existsSync(join(dir, 'appendonly.aof')));
    assert.equal(
      readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'),
      'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    );
    assert.ok(lines.some((l) => l.includes('Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).')), lines.join(''));
  });

  it('a file holding EVAL and FUNCTION LOAD runs them as it loads', async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: 'yes' }, async (c) => {
      assert.equal(await c.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('double', function(keys) return redis.call('INCRBY', keys[1], redis.call('GET', keys[1])) end)"), '$3\r\nlib\r\n');
    });
    // EVAL as an old Redis (or a hand-written file) stored it, not its effects.
    appendFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), encodeCommand(['EVAL', "redis.call('SET', KEYS[1], '21')", '1', 'n']));
    await withServer({ dir, appendonly: 'yes' }, async (c) => {
      assert.equal(await c.call('GET', 'n'), '$2\r\n21\r\n');
      assert.equal(await c.call('FCALL', 'double', '1', 'n'), ':42\r\n');
    });
  });

  it('appendfsync always writes each acknowledged write before the reply', async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: 'yes', appendfsync: 'always' }, async (c) => {
      const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
      for (let i = 0; i < 20; i++) {
        const before = statSync(incr).size;
        await runAll(c, [['SET', `k${i}`, 'v']]);
        assert.ok(statSync(incr).size > before, `write ${i} reached the file before its reply`);
      }
    });
  });
});

describe('a server killed with SIGKILL under appendfsync always', suite, () => {
  it('keeps every acknowledged write, also with a rewrite in progress when it dies', async () => {
    const dir = tempDir();
    const a = await startCliServer(dir, ['--appendonly', 'yes', '--appendfsync', 'always']);
    const setup = await RawConnection.open({ path: a.socket });
    // (Written by commands: DEBUG POPULATE's keys reach the AOF only through a rewrite, as in Redis.)
    for (let i = 0; i < 2000; i += 100) {
      await runAll(setup, [['MSET', ...Array.from({ length: 100 }, (_, j) => [`key:${i + j}`, 'v']).flat()]]);
    }
    await runAll(setup, [['CONFIG', 'SET', 'rdb-key-save-delay', '1000']]);
    // Four writers, each incrementing its own counter and noting the last value acknowledged.
    const acked = [0, 0, 0, 0];
    let stop = false;
    const writers = acked.map(async (_, i) => {
      const c = await RawConnection.open({ path: a.socket });
      try {
        while (!stop) {
          const r = await c.call('INCR', `counter:${i}`);
          acked[i] = Number(r!.slice(1, -2));
        }
      } catch {
        // The connection died with the server.
      }
    });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(await setup.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
    await new Promise((r) => setTimeout(r, 150));
    assert.match((await setup.call('INFO', 'persistence'))!, /aof_rewrite_in_progress:1/);
    await killHard(a.child);
    stop = true;
    await Promise.all(writers);
    setup.close();
    assert.ok(acked.every((n) => n > 0), String(acked));

    const b = await startCliServer(dir, ['--appendonly', 'yes']);
    const c = await RawConnection.open({ path: b.socket });
    try {
      for (let i = 0; i < acked.length; i++) {
        const value = Number((await c.call('GET', `counter:${i}`))!.split('\r\n')[1]);
        // Every acknowledged increment is there; at most the one in flight at the kill is more.
        assert.ok(value === acked[i] || value === acked[i] + 1, `counter:${i}: ${value} after ${acked[i]} acknowledged`);
      }
      assert.equal(await c.call('DBSIZE'), ':2004\r\n');
    } finally {
      c.close();
      await killHard(b.child);
    }
  });
});
