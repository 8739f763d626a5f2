// Sorted sets in RDB, between nodis and real Redis: a file nodis saves (listpack and skiplist
// sets) loads in redis-server and passes redis-check-rdb; a file Redis saves loads in nodis, and
// nodis saves it back byte for byte; Redis's own old files (encodings.rdb, zset-ziplist.rdb) load
// in nodis as in Redis; RESTORE of every encoding Redis wrote (ZSET with text scores, ZSET_2,
// ziplist, listpack) and of corrupt payloads answers as Redis does.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../src/embed.js';
import { startOracle, oracleAvailable, ORACLE_SKIP_MESSAGE, withOracleLoading } from '../helpers/oracle.js';
import { RawConnection, bulkText } from '../helpers/resp.js';
import { Differential, differentialSuite, splitAggregate } from '../helpers/differential.js';
import { Crc64 } from '../../src/util/crc64.js';
import { encodeListpack } from '../../src/persistence/packed.js';
import { ALL_BYTES } from './values.js';
import { tempDirs } from '../helpers/tempdir.js';
import { withNodisLoading } from '../helpers/loading.js';

const suite = oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };
const ASSETS = '/work/shared/redis-tests/tests/assets';
const assets = existsSync(join(ASSETS, 'zset-ziplist.rdb')) ? ASSETS : null;

const tempDir = tempDirs('nodis-zsets-rdb-');

/** Commands building sorted sets of every shape (the same on both servers). */
function zsetCommands(): string[][] {
  const cmds: string[][] = [];
  cmds.push(['ZADD', 'small', '1', 'a', '-0', 'zero', '1.5', 'c', 'inf', 'top', '-inf', 'bottom', '1e17', 'big', '0.1', '12', '3', '']);
  const bytes: string[] = ['ZADD', 'bytes'];
  for (let i = 0; i < 256; i += 4) bytes.push(String(i), ALL_BYTES.slice(i, i + 4));
  cmds.push(bytes);
  for (let i = 0; i < 3000; i += 500) {
    const argv = ['ZADD', 'large'];
    for (let j = i; j < i + 500; j++) argv.push(j % 3 ? String(j / 7) : String(j * 1000), j % 2 ? `member:${j}` : String(j));
    cmds.push(argv);
  }
  cmds.push(['ZADD', 'longmember', '1', 'x'.repeat(100), '2', 'y']);
  cmds.push(['ZADD', 'negzero', '-0', 'a'], ['ZADD', 'negzero', '1', 'x'.repeat(70)]);
  cmds.push(['ZADD', 'volatile', '1', 'x'], ['PEXPIREAT', 'volatile', String(Date.now() + 3_600_000)]);
  cmds.push(['SELECT', '2'], ['ZADD', 'in2', '2', 'db', '3', 'two'], ['SELECT', '0']);
  return cmds;
}

async function run(c: RawConnection, cmds: string[][]): Promise<void> {
  for (const argv of cmds) {
    const r = await c.call(...argv);
    assert.ok(r !== null && r[0] !== '-', `${JSON.stringify(argv)}: ${r}`);
  }
}

/** Every sorted set of every database: its key, members with scores, TTL presence and encoding. */
async function zsets(c: RawConnection): Promise<string[]> {
  const out: string[] = [];
  for (let db = 0; db < 16; db++) {
    assert.equal(await c.call('SELECT', String(db)), '+OK\r\n');
    const keys = splitAggregate((await c.call('KEYS', '*'))!).items.map((k) => bulkText(k)).sort();
    for (const k of keys) {
      if ((await c.call('TYPE', k)) !== '+zset\r\n') continue;
      const ttl = await c.call('PTTL', k);
      out.push(
        `${db} ${JSON.stringify(k)} ${await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES')} ${ttl === ':-1\r\n' ? 'persistent' : 'volatile'} ` +
          `${await c.call('OBJECT', 'ENCODING', k)} ${await c.call('DEBUG', 'DIGEST-VALUE', k)}`,
      );
    }
  }
  await c.call('SELECT', '0');
  return out;
}

function checkRdb(file: string): void {
  const r = spawnSync('redis-check-rdb', [file], { encoding: 'latin1' });
  assert.equal(r.status, 0, `redis-check-rdb failed:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /RDB looks OK/);
}

/** The part of a file from the first database to before the checksum (no aux fields). */
function body(b: Buffer): Buffer {
  return b.subarray(b.indexOf(Buffer.from([0xfe, 0x00, 0xfb])), b.length - 8);
}

describe('sorted sets in RDB files, between nodis and Redis', suite, () => {
  for (const compression of ['yes', 'no']) {
    it(`a file nodis saves loads in redis-server and passes redis-check-rdb (rdbcompression ${compression})`, async () => {
      const dir = tempDir();
      const nodis = await startServer({ dir, rdbcompression: compression, 'enable-debug-command': 'yes' });
      const n = await RawConnection.open({ port: nodis.port });
      try {
        await run(n, zsetCommands());
        assert.equal(await n.call('SAVE'), '+OK\r\n');
        checkRdb(join(dir, 'dump.rdb'));
        await withOracleLoading(dir, 'dump.rdb', async (o) => {
          assert.deepEqual(await zsets(o), await zsets(n));
        }, ['--enable-debug-command', 'yes']);
      } finally {
        n.close();
        await nodis.close();
      }
    });

    it(`a file redis-server saves loads in nodis, and saves back the same (rdbcompression ${compression})`, async () => {
      const oracle = await startOracle(['--rdbcompression', compression, '--enable-debug-command', 'yes']);
      const o = await oracle.connect();
      try {
        await run(o, zsetCommands());
        assert.equal(await o.call('SAVE'), '+OK\r\n');
        await withNodisLoading(oracle.dir, 'dump.rdb', async (n, dir) => {
          const expected = await zsets(o);
          assert.deepEqual(await zsets(n), expected);
          assert.equal(await n.call('DEBUG', 'RELOAD'), '+OK\r\n');
          assert.deepEqual(await zsets(n), expected);
          assert.equal(await n.call('SAVE'), '+OK\r\n');
          assert.ok(body(readFileSync(join(dir, 'dump.rdb'))).equals(body(readFileSync(join(oracle.dir, 'dump.rdb')))), 'sorted sets are written as Redis writes them');
        }, { rdbcompression: compression });
      } finally {
        o.close();
        await oracle.close();
      }
    });
  }

  for (const [file, settings] of [
    ['zset-ziplist.rdb', []],
    ['zset-ziplist.rdb', ['--zset-max-ziplist-entries', '1']],
    ['encodings.rdb', []],
    ['encodings.rdb', ['--zset-max-listpack-entries', '0']],
  ] as Array<[string, string[]]>) {
    it(`loads ${file} ${settings.join(' ')} as Redis does`, { skip: assets ? false : 'no Redis test assets' }, async () => {
      const dir = tempDir();
      copyFileSync(join(assets!, file), join(dir, file));
      const oracle = await startOracle(['--dir', dir, '--dbfilename', file, '--enable-debug-command', 'yes', ...settings]);
      const o = await oracle.connect();
      const options: Record<string, string> = {};
      for (let i = 0; i < settings.length; i += 2) options[settings[i].slice(2)] = settings[i + 1];
      try {
        const expected = await zsets(o);
        assert.ok(expected.length > 0, `${file} holds sorted sets`);
        await withNodisLoading(dir, file, async (n) => assert.deepEqual(await zsets(n), expected), options);
      } finally {
        o.close();
        await oracle.close();
      }
    });
  }
});

// ---- RESTORE of every encoding, and of corrupt payloads ----

function rdbLen(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

function rdbString(s: string | Buffer): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return Buffer.concat([rdbLen(bytes.length), bytes]);
}

/** A ziplist of string entries (no integer encodings: Redis reads both). */
function ziplist(items: string[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let offset = 10;
  for (const item of items) {
    const data = Buffer.from(item, 'latin1');
    const head = data.length < 64 ? Buffer.from([data.length]) : Buffer.from([0x40 | (data.length >> 8), data.length & 0xff]);
    const entry = Buffer.concat([Buffer.from([prev]), head, data]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    entries.push(entry);
  }
  const b = Buffer.concat(entries);
  const h = Buffer.alloc(10);
  h.writeUInt32LE(10 + b.length + 1, 0);
  h.writeUInt32LE(items.length ? tail : 10, 4);
  h.writeUInt16LE(items.length, 8);
  return Buffer.concat([h, b, Buffer.from([0xff])]);
}

/** ZSET's text scores: a length byte and the text, or 253/254/255 for nan/+inf/-inf. */
function textDouble(s: string): Buffer {
  if (s === 'nan') return Buffer.from([253]);
  if (s === 'inf') return Buffer.from([254]);
  if (s === '-inf') return Buffer.from([255]);
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
}

function binaryDouble(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
}

/** A DUMP payload: type, value, RDB version 9, checksum. */
function payload(type: number, value: Buffer): string {
  const b = Buffer.concat([Buffer.from([type]), value, Buffer.from([9, 0]), Buffer.alloc(8)]);
  return withChecksum(b.toString('latin1'));
}

function withChecksum(p: string): string {
  const b = Buffer.from(p, 'latin1');
  new Crc64().update(b, 0, b.length - 8).writeLE(b, b.length - 8);
  return b.toString('latin1');
}

const PAIRS: Array<[string, string]> = [['a', '1'], ['b', '1.5'], ['c', '-3'], ['', '0'], ['\x00\xff', '2e3'], ['d', '100000000000']];
/**
 * The same in order, as a listpack or ziplist holds them (Redis keeps packed entries as they come,
 * so out of order they would be corrupt data, which nodis would sort).
 */
const SORTED_PAIRS = PAIRS.slice().sort((a, b) => Number(a[1]) - Number(b[1]));

describe('RESTORE of sorted sets in every encoding Redis wrote', differentialSuite(), () => {
  const d = new Differential();
  const sanitizing = new Differential();
  after(async () => {
    await d.stop();
    await sanitizing.stop();
  });

  it('ZSET, ZSET_2, ziplist and listpack load as in Redis, converted by the limits', async () => {
    await d.start();
    for (const entries of ['128', '2']) {
      await d.withConfig({ 'zset-max-listpack-entries': entries }, () =>
        d.withPair(async (p) => {
          const flat = SORTED_PAIRS.flat();
          const cases: Array<[string, string]> = [
            ['zset', payload(3, Buffer.concat([rdbLen(PAIRS.length + 2), ...PAIRS.map(([m, s]) => Buffer.concat([rdbString(m), textDouble(s)])), rdbString('pinf'), textDouble('inf'), rdbString('ninf'), textDouble('-inf')]))],
            ['zset text forms', payload(3, Buffer.concat([rdbLen(3), rdbString('x'), textDouble(' 1.25'), rdbString('y'), textDouble('0x10'), rdbString('z'), textDouble('7junk')]))],
            ['zset2', payload(5, Buffer.concat([rdbLen(PAIRS.length), ...PAIRS.map(([m, s]) => Buffer.concat([rdbString(m), binaryDouble(Number(s))]))]))],
            ['ziplist', payload(12, rdbString(ziplist(flat)))],
            ['listpack', payload(17, rdbString(encodeListpack(flat)))],
            ['listpack long member', payload(17, rdbString(encodeListpack(['x'.repeat(100), '1'])))],
            ['zset long member', payload(5, Buffer.concat([rdbLen(1), rdbString('x'.repeat(100)), binaryDouble(1)]))],
          ];
          for (const [name, pl] of cases) {
            const [rn, ro] = await p.both('RESTORE', name, '0', pl);
            assert.equal(rn, ro, name);
            await p.do('ZRANGE', name, '0', '-1', 'WITHSCORES');
            await p.do('OBJECT', 'ENCODING', name);
          }
        }),
      );
    }
  });

  it('refuses what Redis refuses: empty sets, repeated members, NaN scores, odd entries', async () => {
    await sanitizing.startWith({ 'sanitize-dump-payload': 'yes' });
    await sanitizing.withPair(async (p) => {
      const bad: Array<[string, string]> = [
        ['empty zset', payload(3, rdbLen(0))],
        ['empty zset2', payload(5, rdbLen(0))],
        ['empty listpack', payload(17, rdbString(encodeListpack([])))],
        ['empty ziplist', payload(12, rdbString(ziplist([])))],
        ['repeated zset2', payload(5, Buffer.concat([rdbLen(2), rdbString('a'), binaryDouble(1), rdbString('a'), binaryDouble(2)]))],
        ['repeated listpack', payload(17, rdbString(encodeListpack(['a', '1', 'a', '2'])))],
        ['repeated ziplist', payload(12, rdbString(ziplist(['a', '1', 'a', '2'])))],
        ['nan zset2', payload(5, Buffer.concat([rdbLen(1), rdbString('a'), binaryDouble(NaN)]))],
        ['nan zset', payload(3, Buffer.concat([rdbLen(1), rdbString('a'), textDouble('nan')]))],
        ['odd listpack', payload(17, rdbString(encodeListpack(['a', '1', 'b'])))],
        ['odd ziplist', payload(12, rdbString(ziplist(['a', '1', 'b'])))],
        ['short zset2', payload(5, Buffer.concat([rdbLen(2), rdbString('a'), binaryDouble(1)]))],
        // Redis's corrupt-dump.tcl sorted set payloads.
        ['fuzzer empty zset', '\x05\xC0\x01\x09\x00\xF6\x8A\xB6\x7A\x85\x87\x72\x4D'],
        ['fuzzer ziplist lensize 0', '\x0C\x3D\x3D\x00\x00\x00\x3A\x00\x00\x00\x14\x00\x00\xF1\x02\xF1\x02\x02\x5F\x31\x04\xF2\x02\xF3\x02\xF3\x02\x02\x5F\x33\x04\xF4\x02\xEE\x02\xF5\x02\x02\x5F\x35\x04\xF6\x02\xF7\x02\xF7\x02\x02\x5F\x37\x04\xF8\x02\xF9\x02\xF9\x02\x02\x5F\x39\x04\xFA\xFF\x09\x00\xAE\xF9\x77\x2A\x47\x24\x33\xF6'],
        ['fuzzer ziplist tail', '\x0C\x19\x19\x00\x00\x00\x02\x00\x00\x00\x06\x00\x00\xF1\x02\xF1\x02\x02\x5F\x31\x04\xF2\x02\xF3\x02\xF3\xFF\x09\x00\x4D\x72\x7B\x97\xCD\x9A\x70\xC1'],
        ['fuzzer nan', '\x05\x0A\x02\x5F\x39\x00\x00\x00\x00\x00\x00\x22\x40\xC0\x08\x00\x00\x00\x00\x00\x00\x20\x40\x02\x5F\x37\x00\x00\x00\x00\x00\x00\x1C\x40\xC0\x06\x00\x00\x00\x00\x00\x00\x18\x40\x02\x5F\x35\x00\x00\x00\x00\x00\x00\x14\x40\xC0\x04\x00\x00\x00\x00\x00\x00\x10\x40\x02\x5F\x33\x00\x00\x00\x00\x00\x00\x08\x40\xC0\x02\x00\x00\x00\x00\x00\x00\x00\x40\x02\x5F\x31\x00\x00\x00\x00\x00\x55\xF0\x7F\xC0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0A\x00\xEC\x94\x86\xD8\xFD\x5C\x5F\xD8'],
      ];
      for (const [name, raw] of bad) {
        const [rn, ro] = await p.both('RESTORE', name, '0', withChecksum(raw));
        assert.equal(rn, ro, name);
        assert.equal(rn![0], '-', `${name} is refused`);
      }
      await p.do('DBSIZE');
      await p.do('PING');
    });
  });
});
