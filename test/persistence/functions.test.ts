// Function libraries in RDB and AOF files, between nodis and real Redis: a file nodis saves (SAVE
// or BGSAVE) with libraries loads in redis-server with the same FUNCTION LIST, and the other way
// round; 7.0-rc's FUNCTION records load as in Redis; DEBUG RELOAD's options treat libraries as
// Redis does; the AOF rewrite writes each library as FUNCTION LOAD (the same bytes as Redis's
// base file), and a restart from the AOF, with or without the RDB preamble, brings them back.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer } from '../../src/embed.js';
import { startOracle, oracleAvailable, ORACLE_SKIP_MESSAGE, withOracleLoading } from '../helpers/oracle.js';
import { RawConnection, splitAggregate } from '../helpers/resp.js';
import { tempDirs } from '../helpers/tempdir.js';
import { withNodisLoading } from '../helpers/loading.js';
import { Crc64 } from '../../src/util/crc64.js';
import { snapshotHasFunctions } from '../../src/persistence/rdb.js';
import { FRESH_LUA_MEMORY, scriptingIfUsed, scriptingOf } from '../../src/scripting/lua.js';

const suite = oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };
const tempDir = tempDirs('nodis-functions-files-test-');

const LIB_A = [
  '#!lua name=liba',
  "redis.register_function('hello', function(keys, args) return 'hello ' .. (args[1] or '') end)",
  "redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}",
].join('\n');
const LIB_B = "#!lua name=libb\nredis.register_function('bump', function(keys) return redis.call('incr', keys[1]) end)";

/** A library whose one function answers its own name. */
const namedLib = (lib: string, fn: string): string => `#!lua name=${lib}\nredis.register_function('${fn}', function() return '${fn}' end)`;

/**
 * FUNCTION LIST WITHCODE as sorted raw library entries, each library's functions sorted too
 * (Redis lists both in hash order).
 */
async function libraries(c: RawConnection): Promise<string[]> {
  return splitAggregate((await c.call('FUNCTION', 'LIST', 'WITHCODE'))!)
    .items.map((entry) => {
      const fields = splitAggregate(entry).items;
      const at = fields.indexOf('$9\r\nfunctions\r\n') + 1;
      fields[at] = splitAggregate(fields[at]).items.sort().join('');
      return fields.join('');
    })
    .sort();
}

async function ok(c: RawConnection, ...argv: string[]): Promise<void> {
  const r = await c.call(...argv);
  assert.ok(r !== null && r[0] !== '-', `${argv.join(' ')}: ${r}`);
}

async function waitNoBackgroundWork(c: RawConnection): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const info = (await c.call('INFO', 'persistence'))!;
    if (/rdb_bgsave_in_progress:0/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail('background save or rewrite never ended');
}

/** An RDB file of the given records (after the header), EOF and a real checksum. */
function rdbFile(records: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('REDIS0010', 'latin1'), records, Buffer.from([0xff])]);
  const sum = Buffer.alloc(8);
  new Crc64().update(body, 0, body.length).writeLE(sum, 0);
  return Buffer.concat([body, sum]);
}

/** An RDB string of up to 63 bytes (6-bit length). */
function shortString(s: string): Buffer {
  assert.ok(s.length < 64);
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
}

/** An aux field record of short strings. */
function auxRecord(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([250]), shortString(name), shortString(value)]);
}

/** A FUNCTION2 record of a library of under 16 KB (a 14-bit length). */
function functionRecord(code: string): Buffer {
  assert.ok(code.length < 0x4000);
  return Buffer.concat([Buffer.from([245, 0x40 | (code.length >> 8), code.length & 0xff]), Buffer.from(code, 'latin1')]);
}

/** A key record: database 0, a string key and value. */
const KEY_RECORD = Buffer.concat([Buffer.from([254, 0, 0]), shortString('k'), shortString('v')]);

/** Whether the server's Lua engine has loaded. */
const engineLoaded = (server: Parameters<typeof scriptingIfUsed>[0]): boolean => scriptingIfUsed(server)?.ready === true;

describe('the Lua engine at start-up: loaded first only for data that may need it', () => {
  it('snapshotHasFunctions reads the head of a file: a library before the first database', () => {
    const dir = tempDir();
    const file = (name: string, body: Buffer): string => {
      writeFileSync(join(dir, name), body);
      return join(dir, name);
    };
    const lib = "#!lua name=x\nredis.register_function('x', function() return 1 end)";
    assert.equal(snapshotHasFunctions(join(dir, 'missing.rdb')), false);
    assert.equal(snapshotHasFunctions(file('text.rdb', Buffer.from('not an RDB file at all'))), false);
    assert.equal(snapshotHasFunctions(file('empty.rdb', rdbFile(Buffer.alloc(0)))), false);
    assert.equal(snapshotHasFunctions(file('keys.rdb', rdbFile(Buffer.concat([auxRecord('redis-ver', '7.0.15'), KEY_RECORD])))), false);
    assert.equal(snapshotHasFunctions(file('lib.rdb', rdbFile(Buffer.concat([auxRecord('redis-ver', '7.0.15'), functionRecord(lib), KEY_RECORD])))), true);
    // 7.0-rc's FUNCTION record, and anything the head does not expect: the engine loads, to be safe.
    assert.equal(snapshotHasFunctions(file('rc.rdb', rdbFile(Buffer.from([246])))), true);
    assert.equal(snapshotHasFunctions(file('resize.rdb', rdbFile(Buffer.from([251, 1, 0])))), true);
    // A head cut inside the aux fields.
    assert.equal(snapshotHasFunctions(file('cut.rdb', Buffer.concat([Buffer.from('REDIS0010'), auxRecord('redis-ver', '7.0.15').subarray(0, 5)]))), true);
  });

  it("a snapshot of keys alone loads without the engine, and the first script loads it; INFO reports a new engine's heap until then", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'dump.rdb'), rdbFile(Buffer.concat([auxRecord('redis-ver', '7.0.15'), KEY_RECORD])));
    const nodis = await startServer({ dir, load: true });
    const n = await RawConnection.open({ port: nodis.port });
    try {
      assert.equal(engineLoaded(nodis.server), false);
      assert.equal(await n.call('GET', 'k'), '$1\r\nv\r\n');
      assert.match((await n.call('INFO', 'memory'))!, new RegExp(`used_memory_lua:${FRESH_LUA_MEMORY}\r\n`));
      assert.equal(await n.call('EVAL', "return redis.call('get', KEYS[1])", '1', 'k'), '$1\r\nv\r\n');
      assert.equal(engineLoaded(nodis.server), true);
    } finally {
      n.close();
      await nodis.close();
    }
  });

  it('a snapshot with a library loads the engine first', async () => {
    const dir = tempDir();
    const lib = "#!lua name=x\nredis.register_function('x', function() return 1 end)";
    writeFileSync(join(dir, 'dump.rdb'), rdbFile(Buffer.concat([auxRecord('redis-ver', '7.0.15'), functionRecord(lib), KEY_RECORD])));
    const nodis = await startServer({ dir, load: true });
    const n = await RawConnection.open({ port: nodis.port });
    try {
      assert.equal(engineLoaded(nodis.server), true);
      assert.equal(await n.call('FCALL', 'x', '0'), ':1\r\n');
    } finally {
      n.close();
      await nodis.close();
    }
  });

  it('an empty AOF starts without the engine; one with data loads it first', async () => {
    const dir = tempDir();
    const config = { dir, appendonly: 'yes' };
    let nodis = await startServer(config);
    let n = await RawConnection.open({ port: nodis.port });
    try {
      assert.equal(engineLoaded(nodis.server), false);
      await ok(n, 'SET', 'k', 'v');
    } finally {
      n.close();
      await nodis.close();
    }
    nodis = await startServer(config);
    try {
      assert.equal(engineLoaded(nodis.server), true);
    } finally {
      await nodis.close();
    }
  });

  it("FRESH_LUA_MEMORY is what a new engine's heap holds", async () => {
    const nodis = await startServer();
    try {
      const s = scriptingOf(nodis.server);
      assert.equal(s.vmMemory(), FRESH_LUA_MEMORY);
      await s.load();
      assert.equal(s.vmMemory(), FRESH_LUA_MEMORY);
    } finally {
      await nodis.close();
    }
  });
});

describe('function libraries in RDB files, between nodis and Redis', suite, () => {
  for (const how of ['SAVE', 'BGSAVE']) {
    it(`a file nodis writes with ${how} loads in redis-server with the same libraries`, async () => {
      const dir = tempDir();
      const nodis = await startServer({ dir });
      const n = await RawConnection.open({ port: nodis.port });
      try {
        assert.equal(await n.call('FUNCTION', 'LOAD', LIB_A), '$4\r\nliba\r\n');
        await ok(n, 'FUNCTION', 'LOAD', LIB_B);
        await ok(n, 'SET', 'counter', '41');
        await ok(n, how);
        await waitNoBackgroundWork(n);
        const r = spawnSync('redis-check-rdb', [join(dir, 'dump.rdb')], { encoding: 'latin1' });
        assert.equal(r.status, 0, r.stdout);
        await withOracleLoading(dir, 'dump.rdb', async (o) => {
          assert.deepEqual(await libraries(o), await libraries(n));
          assert.equal(await o.call('FCALL', 'bump', '1', 'counter'), ':42\r\n');
        });
      } finally {
        n.close();
        await nodis.close();
      }
    });
  }

  it('a file redis-server writes with libraries loads in nodis, whose SAVE keeps them', async () => {
    const oracle = await startOracle();
    const o = await oracle.connect();
    try {
      await ok(o, 'FUNCTION', 'LOAD', LIB_A);
      await ok(o, 'FUNCTION', 'LOAD', LIB_B);
      await ok(o, 'SET', 'k', 'v');
      await ok(o, 'SAVE');
      await withNodisLoading(oracle.dir, 'dump.rdb', async (n) => {
        const expected = await libraries(o);
        assert.deepEqual(await libraries(n), expected);
        assert.equal(await n.call('FCALL', 'peek', '1', 'k'), '$1\r\nv\r\n');
        assert.equal(await n.call('DEBUG', 'RELOAD'), '+OK\r\n');
        assert.deepEqual(await libraries(n), expected);
        assert.equal(await n.call('FUNCTION', 'STATS'), await o.call('FUNCTION', 'STATS'));
      });
    } finally {
      o.close();
      await oracle.close();
    }
  });

  it("7.0-rc's FUNCTION records (name, engine, description, code) load as in Redis", async () => {
    const record = (name: string, description: string | null, code: string): Buffer =>
      Buffer.concat([
        Buffer.from([246]),
        shortString(name),
        shortString('LUA'),
        Buffer.from([description === null ? 0 : 1]),
        description === null ? Buffer.alloc(0) : shortString(description),
        shortString(code),
      ]);
    const file = rdbFile(
      Buffer.concat([
        record('old', 'dropped on load', "redis.register_function('old', function() return 7 end)"),
        record('old2', null, "redis.register_function('old2', function() return 8 end)"),
      ]),
    );
    const dir = tempDir();
    writeFileSync(join(dir, 'dump.rdb'), file);
    const oracle = await startOracle(['--dir', dir, '--dbfilename', 'dump.rdb']);
    const nodis = await startServer({ dir, load: true });
    const o = await oracle.connect();
    const n = await RawConnection.open({ port: nodis.port });
    try {
      const expected = await libraries(o);
      assert.equal(expected.length, 2);
      assert.deepEqual(await libraries(n), expected);
      assert.equal(await n.call('FCALL', 'old', '0'), ':7\r\n');
    } finally {
      o.close();
      n.close();
      await nodis.close();
      await oracle.close();
    }
  });

  it("DEBUG RELOAD's options treat libraries as Redis does", async () => {
    const oracle = await startOracle();
    const nodis = await startServer({ dir: tempDir(), 'enable-debug-command': 'yes' });
    const o = await oracle.connect();
    const n = await RawConnection.open({ port: nodis.port });
    const steps: string[][] = [
      ['FUNCTION', 'LOAD', namedLib('test', 'test')],
      ['DEBUG', 'RELOAD'],
      ['FCALL', 'test', '0'],
      // Without a flush, the file's library is already there: the load fails.
      ['DEBUG', 'RELOAD', 'NOFLUSH'],
      ['DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE'],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'DELETE', 'test'],
      ['SET', 'x', '1'],
      ['FUNCTION', 'LOAD', namedLib('test1', 'test1')],
      ['DEBUG', 'RELOAD'],
      ['FUNCTION', 'LOAD', namedLib('test2', 'test2')],
      // The file's test1 joins the test2 loaded since.
      ['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'],
      ['FCALL', 'test1', '0'],
      ['FCALL', 'test2', '0'],
      ['GET', 'x'],
      // A flushing reload of the file drops test2 again.
      ['DEBUG', 'RELOAD', 'NOSAVE'],
      ['FCALL', 'test2', '0'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'test2'],
      // FLUSHALL leaves libraries alone; a reload after FUNCTION FLUSH has none.
      ['FLUSHALL'],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'FLUSH'],
      ['DEBUG', 'RELOAD'],
      ['FUNCTION', 'LIST'],
    ];
    try {
      for (const argv of steps) {
        assert.equal(await n.call(...argv), await o.call(...argv), argv.join(' '));
      }
    } finally {
      o.close();
      n.close();
      await nodis.close();
      await oracle.close();
    }
  });

  it('a file whose library cannot be created fails to load', async () => {
    // (redis-server answers the same error here, or stops as after any failed RDB load, running
    // redis-check-rdb first: not compared.)
    const record = Buffer.concat([Buffer.from([245]), shortString("#!lua name=bad\nreturn 'no functions'")]);
    const dir = tempDir();
    writeFileSync(join(dir, 'dump.rdb'), rdbFile(record));
    const nodis = await startServer({ dir, 'enable-debug-command': 'yes' });
    const n = await RawConnection.open({ port: nodis.port });
    try {
      await ok(n, 'FUNCTION', 'LOAD', namedLib('warm', 'warm'));
      assert.equal(await n.call('DEBUG', 'RELOAD', 'NOSAVE'), '-ERR Error trying to load the RDB dump\r\n');
      assert.equal(await n.call('PING'), '+PONG\r\n');
    } finally {
      n.close();
      await nodis.close();
    }
  });
});

describe('function libraries in the AOF', suite, () => {
  /** The base file the manifest in dir/appendonlydir names. */
  function baseFile(dir: string): Buffer {
    const aofDir = join(dir, 'appendonlydir');
    const manifest = readFileSync(join(aofDir, 'appendonly.aof.manifest'), 'latin1');
    const name = /^file (\S+) seq \d+ type b$/m.exec(manifest)![1];
    return readFileSync(join(aofDir, name));
  }

  it('the rewrite writes each library as FUNCTION LOAD before the keys, as Redis does', async () => {
    const dir = tempDir();
    const config = { appendonly: 'yes', 'aof-use-rdb-preamble': 'no', 'aof-timestamp-enabled': 'no' };
    const oracle = await startOracle(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
    const nodis = await startServer({ dir, ...config });
    const o = await oracle.connect();
    const n = await RawConnection.open({ port: nodis.port });
    try {
      for (const c of [o, n]) {
        await waitNoBackgroundWork(c);
        await ok(c, 'FUNCTION', 'LOAD', LIB_A);
        await ok(c, 'SET', 'k', 'v');
        await ok(c, 'BGREWRITEAOF');
        await waitNoBackgroundWork(c);
      }
      const mine = baseFile(dir);
      assert.ok(mine.toString('latin1').startsWith('*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n'));
      assert.ok(mine.equals(baseFile(oracle.dir)), `${mine.toString('latin1')}\n!==\n${baseFile(oracle.dir).toString('latin1')}`);
    } finally {
      o.close();
      n.close();
      await nodis.close();
      await oracle.close();
    }
  });

  for (const preamble of ['yes', 'no']) {
    it(`a restart from the AOF brings the libraries back (aof-use-rdb-preamble ${preamble})`, async () => {
      const dir = tempDir();
      const config = { dir, appendonly: 'yes', 'aof-use-rdb-preamble': preamble };
      let nodis = await startServer(config);
      let n = await RawConnection.open({ port: nodis.port });
      let before: string[];
      try {
        await ok(n, 'FUNCTION', 'LOAD', LIB_A);
        await ok(n, 'FUNCTION', 'LOAD', LIB_B);
        await ok(n, 'BGREWRITEAOF');
        await waitNoBackgroundWork(n);
        // And one more after the rewrite, in the incremental file.
        await ok(n, 'FUNCTION', 'LOAD', namedLib('later', 'later'));
        before = await libraries(n);
        assert.equal(before.length, 3);
      } finally {
        n.close();
        await nodis.close();
      }
      nodis = await startServer(config);
      n = await RawConnection.open({ port: nodis.port });
      try {
        assert.deepEqual(await libraries(n), before);
        assert.equal(await n.call('FCALL', 'later', '0'), '$5\r\nlater\r\n');
      } finally {
        n.close();
        await nodis.close();
      }
    });
  }
});
