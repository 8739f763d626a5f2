// RDB files between nodis and real Redis: a file nodis writes loads in redis-server and passes
// redis-check-rdb; a file Redis writes loads in nodis; with rdbcompression and rdbchecksum on
// and off. And nodis-server loading its file at start-up, with Redis's log lines and exit codes.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type EmbeddedServer as NodisServer } from '../../src/embed.js';
import { startOracle, oracleAvailable, ORACLE_SKIP_MESSAGE, type Oracle } from '../helpers/oracle.js';
import { RawConnection, bulkText, intReply } from '../helpers/resp.js';
import { splitAggregate } from '../helpers/differential.js';
import { STRING_VALUES } from './values.js';
import { tempDirs } from '../helpers/tempdir.js';

const suite = oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };
const CLI = fileURLToPath(new URL('../../src/nodis-server.js', import.meta.url));

const tempDir = tempDirs('nodis-files-test-');

/** An hour from now, whole seconds (the same absolute time on both servers). */
const LATER = String(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);

/** Commands that build the test data set (the same on both servers). */
function populateCommands(): string[][] {
  const cmds: string[][] = [['SELECT', '0']];
  STRING_VALUES.forEach((v, i) => cmds.push(['SET', `k${i}`, v], ['SET', v === '' ? 'empty' : v, `value ${i}`]));
  cmds.push(['SET', '', 'the empty key'], ['SET', 'raw', '1'], ['APPEND', 'raw', '23']);
  cmds.push(['SELECT', '3']);
  cmds.push(['SET', 'ttl', 'a', 'PXAT', LATER]);
  cmds.push(['SET', 'far', 'b'], ['PEXPIREAT', 'far', '9007199254740993']);
  cmds.push(['SET', 'farthest', 'c'], ['PEXPIREAT', 'farthest', '9223372036854775807']);
  cmds.push(['SET', 'long', 'x'.repeat(5000), 'PXAT', LATER]);
  cmds.push(['SELECT', '15'], ['SET', 'last', 'db'], ['SELECT', '0']);
  return cmds;
}

async function populate(c: RawConnection): Promise<void> {
  for (const argv of populateCommands()) {
    const r = await c.call(...argv);
    assert.ok(r !== null && r[0] !== '-', `${JSON.stringify(argv)}: ${r}`);
  }
}

/** Every key of every database with its value and PEXPIRETIME, as raw replies. */
async function contents(c: RawConnection): Promise<string[]> {
  const out: string[] = [];
  for (let db = 0; db < 16; db++) {
    assert.equal(await c.call('SELECT', String(db)), '+OK\r\n');
    const keys = splitAggregate((await c.call('KEYS', '*'))!).items.map((k) => bulkText(k)).sort();
    for (const k of keys) out.push(`${db} ${JSON.stringify(k)} ${await c.call('GET', k)} ${await c.call('PEXPIRETIME', k)}`);
  }
  await c.call('SELECT', '0');
  return out;
}

function checkRdb(file: string): void {
  const r = spawnSync('redis-check-rdb', [file], { encoding: 'latin1' });
  assert.equal(r.status, 0, `redis-check-rdb failed:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /RDB looks OK/);
}

describe('RDB files between nodis and Redis', suite, () => {
  for (const compression of ['yes', 'no']) {
    for (const checksum of ['yes', 'no']) {
      const opts = `rdbcompression ${compression}, rdbchecksum ${checksum}`;

      it(`a file nodis saves loads in redis-server and passes redis-check-rdb (${opts})`, async () => {
        const dir = tempDir();
        const nodis = await startServer({ dir, rdbcompression: compression, rdbchecksum: checksum });
        let oracle: Oracle | null = null;
        const n = await RawConnection.open({ port: nodis.port });
        try {
          await populate(n);
          assert.equal(await n.call('SAVE'), '+OK\r\n');
          checkRdb(join(dir, 'dump.rdb'));
          oracle = await startOracle(['--dir', dir, '--dbfilename', 'dump.rdb', '--rdbchecksum', checksum]);
          const o = await oracle.connect();
          try {
            assert.deepEqual(await contents(o), await contents(n));
            const info = bulkText(await o.call('INFO', 'persistence'));
            assert.match(info, /rdb_last_load_keys_loaded:[1-9]/);
          } finally {
            o.close();
          }
        } finally {
          n.close();
          await nodis.close();
          await oracle?.close();
        }
      });

      it(`a file redis-server saves loads in nodis (${opts})`, async () => {
        const oracle = await startOracle(['--rdbcompression', compression, '--rdbchecksum', checksum]);
        let nodis: NodisServer | null = null;
        const o = await oracle.connect();
        try {
          await populate(o);
          assert.equal(await o.call('SAVE'), '+OK\r\n');
          const dir = tempDir();
          copyFileSync(join(oracle.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
          nodis = await startServer({
            dir,
            load: true,
            rdbcompression: compression,
            rdbchecksum: checksum,
            'enable-debug-command': 'yes',
          });
          const n = await RawConnection.open({ port: nodis.port });
          try {
            const expected = await contents(o);
            assert.deepEqual(await contents(n), expected);
            // DEBUG RELOAD NOSAVE reads the same file again.
            assert.equal(await n.call('FLUSHALL'), '+OK\r\n');
            assert.equal(await n.call('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
            assert.deepEqual(await contents(n), expected);
            // And what nodis saves from it is byte for byte what Redis saved, but for the aux
            // fields (keys keep the file's order).
            assert.equal(await n.call('SAVE'), '+OK\r\n');
            const mine = readFileSync(join(dir, 'dump.rdb'));
            const theirs = readFileSync(join(oracle.dir, 'dump.rdb'));
            const body = (b: Buffer): Buffer => b.subarray(b.indexOf(Buffer.from([0xfe, 0x00, 0xfb])), b.length - 8);
            assert.ok(body(mine).length > 1000);
            assert.ok(body(mine).equals(body(theirs)), 'the databases are written as Redis writes them');
          } finally {
            n.close();
          }
        } finally {
          o.close();
          await nodis?.close();
          await oracle.close();
        }
      });
    }
  }

  it('keys whose time passed are skipped on load, counted as Redis counts them', async () => {
    const oracle = await startOracle([]);
    const o = await oracle.connect();
    const dir = tempDir();
    let nodis: NodisServer | null = null;
    let second: Oracle | null = null;
    try {
      await o.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await o.call('SET', 'stays', '1');
      await o.call('SET', 'goes', '2', 'PX', '200');
      assert.equal(await o.call('SAVE'), '+OK\r\n');
      copyFileSync(join(oracle.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
      await new Promise((r) => setTimeout(r, 300));
      nodis = await startServer({ dir, load: true });
      second = await startOracle(['--dir', dir]);
      const s = await second.connect();
      const n = await RawConnection.open({ port: nodis.port });
      try {
        const fields = async (c: RawConnection): Promise<string> =>
          bulkText(await c.call('INFO', 'persistence'))
            .split('\r\n')
            .filter((l) => l.startsWith('rdb_last_load_keys'))
            .join(',');
        assert.equal(await fields(n), 'rdb_last_load_keys_expired:1,rdb_last_load_keys_loaded:1');
        assert.equal(await fields(n), await fields(s));
        assert.equal(intReply(await n.call('DBSIZE')), 1);
      } finally {
        s.close();
        n.close();
      }
    } finally {
      o.close();
      await nodis?.close();
      await second?.close();
      await oracle.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// nodis-server start-up

interface Started {
  code: Promise<number | null>;
  output: () => string;
  kill: () => void;
}

function startProcess(cmd: string, args: string[]): Started {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
  child.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
  const code = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
  void code.then(() => clearTimeout(timer));
  return { code, output: () => out, kill: () => child.kill('SIGKILL') };
}

async function waitFor(p: Started, text: string): Promise<void> {
  const deadline = Date.now() + 10000;
  let exited = false;
  void p.code.then(() => (exited = true));
  while (!p.output().includes(text)) {
    if (exited || Date.now() > deadline) throw new Error(`no ${JSON.stringify(text)} in: ${p.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function serverArgs(dir: string): string[] {
  return ['--port', '0', '--unixsocket', join(dir, 's.sock'), '--dir', dir, '--save', ''];
}

describe('nodis-server loads its snapshot at start-up', suite, () => {
  /** A file written by real Redis with two keys, one of which has expired by the time it loads. */
  async function redisFile(dir: string): Promise<void> {
    const oracle = await startOracle([]);
    const o = await oracle.connect();
    try {
      await o.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await o.call('SET', 'a', 'hello');
      await o.call('SET', 'b', 'bye', 'PX', '100');
      await o.call('SELECT', '2');
      await o.call('SET', 'c', 'x'.repeat(100), 'PXAT', LATER);
      assert.equal(await o.call('SAVE'), '+OK\r\n');
      copyFileSync(join(oracle.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
    } finally {
      o.close();
      await oracle.close();
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  it('logs as redis-server does and serves the data', async () => {
    const dir = tempDir();
    await redisFile(dir);
    const p = startProcess(process.execPath, [CLI, ...serverArgs(dir)]);
    try {
      await waitFor(p, 'Ready to accept connections');
      const out = p.output();
      for (const line of [
        '* Loading RDB produced by version 7.0.15',
        '* RDB age ',
        '* RDB memory usage when created ',
        '* Done loading RDB, keys loaded: 2, keys expired: 1.',
        '* DB loaded from disk: 0.',
      ]) {
        assert.ok(out.includes(line), `no ${JSON.stringify(line)} in:\n${out}`);
      }
      assert.ok(out.indexOf('Server initialized') < out.indexOf('Loading RDB'));
      assert.ok(out.indexOf('DB loaded from disk') < out.indexOf('Ready to accept'));
      const c = await RawConnection.open({ path: join(dir, 's.sock') });
      try {
        assert.equal(await c.call('GET', 'a'), '$5\r\nhello\r\n');
        assert.equal(await c.call('EXISTS', 'b'), ':0\r\n');
        await c.call('SELECT', '2');
        assert.equal(await c.call('PEXPIRETIME', 'c'), `:${LATER}\r\n`);
      } finally {
        c.close();
      }
    } finally {
      p.kill();
      await p.code;
    }
  });

  it('starts empty without a file', async () => {
    const dir = tempDir();
    const p = startProcess(process.execPath, [CLI, ...serverArgs(dir)]);
    try {
      await waitFor(p, 'Ready to accept connections');
      assert.ok(!p.output().includes('Loading RDB'));
    } finally {
      p.kill();
      await p.code;
    }
  });

  /** Runs nodis-server and redis-server on the same bad file: both must exit 1. */
  async function bothRefuse(contents: Buffer, lines: string[]): Promise<void> {
    for (const server of ['nodis', 'redis'] as const) {
      const dir = tempDir();
      writeFileSync(join(dir, 'dump.rdb'), contents);
      const p =
        server === 'nodis'
          ? startProcess(process.execPath, [CLI, ...serverArgs(dir)])
          : startProcess('redis-server', serverArgs(dir));
      const code = await p.code;
      assert.equal(code, 1, `${server} exit code; output:\n${p.output()}`);
      if (server === 'nodis') {
        for (const line of lines) assert.ok(p.output().includes(line), `no ${JSON.stringify(line)} in:\n${p.output()}`);
        assert.ok(!p.output().includes('Ready to accept'));
      }
    }
  }

  it('stops with exit code 1 on a truncated, corrupt or foreign file, as redis-server does', async () => {
    const dir = tempDir();
    await redisFile(dir);
    const good = readFileSync(join(dir, 'dump.rdb'));
    await bothRefuse(good.subarray(0, 100), [
      '# Short read or OOM loading DB. Unrecoverable error, aborting now.',
      '# Internal error in RDB reading offset ',
      ' -> Unexpected EOF (reading ',
      '# Terminating server after rdb file reading failure.',
    ]);
    const flipped = Buffer.from(good);
    flipped[good.length - 1] ^= 0x10;
    await bothRefuse(flipped, ['Wrong RDB checksum expected: (', 'Terminating server after rdb file reading failure.']);
    const foreign = Buffer.from(good);
    foreign.write('XEDIS', 0, 'latin1');
    await bothRefuse(foreign, [
      '# Wrong signature trying to load DB from file',
      '# Fatal error loading the DB: Invalid argument. Exiting.',
    ]);
    const future = Buffer.from(good);
    future.write('0012', 5, 'latin1');
    await bothRefuse(future, ["# Can't handle RDB format version 12", '# Fatal error loading the DB: Invalid argument. Exiting.']);
  });
});
