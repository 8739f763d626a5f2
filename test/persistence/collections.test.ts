// RDB round trips of hashes and sets, per encoding, between nodis and real Redis: a file nodis
// saves passes redis-check-rdb and loads in redis-server with the same contents and encodings; a
// file Redis saves loads in nodis; the old encodings Redis wrote (zipmap, ziplist hashes, intsets
// of every width, Redis 7.2's listpack sets) load from Redis's own test assets and hand-built
// payloads; empty collections are skipped on load and refused by RESTORE.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startServer } from '../../src/embed.js';
import { startOracle, oracleAvailable, ORACLE_SKIP_MESSAGE, withOracleLoading } from '../helpers/oracle.js';
import { RawConnection, bulkText } from '../helpers/resp.js';
import { splitAggregate, bulkPayload } from '../helpers/differential.js';
import { RdbReader, dumpPayload, parseDumpPayload } from '../../src/persistence/rdb.js';
import { Crc64 } from '../../src/util/crc64.js';
import { decodeListpack, decodeZiplist, encodeListpack } from '../../src/persistence/packed.js';
import { HashValue } from '../../src/types/hash.js';
import { SetValue } from '../../src/types/set.js';
import { encodingOf } from '../../src/types/value.js';
import { tempDirs } from '../helpers/tempdir.js';
import { withNodisLoading } from '../helpers/loading.js';

const suite = oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };
/** Redis's test assets (../shared/redis-tests beside the repository), or '' when absent. */
const assetsDir = (): string => {
  const candidate = fileURLToPath(new URL('../../../../shared/redis-tests/tests/assets/', import.meta.url));
  return existsSync(join(candidate, 'encodings.rdb')) ? candidate : '';
};

const tempDir = tempDirs('nodis-collections-test-');

function range(n: number, prefix = ''): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

const BINARY = '\x00\x01\xff\r\n\x80 \xe9\x00';
/** An hour from now (the same absolute time on both servers). */
const LATER = String(Date.now() + 3_600_000);

/** Hashes and sets in every encoding Redis 7.0 writes (the same commands on both servers). */
function populateCommands(): string[][] {
  const bigHash: string[] = [];
  for (let i = 0; i < 700; i++) bigHash.push(`field:${i}`, i % 3 === 0 ? String(i * 1000) : `value ${i}`);
  return [
    ['HSET', 'h:listpack', 'a', '1', 'b', '-200', 'c', '70000', 'd', '-9000000', 'e', '3000000000', 'f', '-9223372036854775808', 'g', 'text', 'h', '', BINARY, BINARY, 'j', 'x'.repeat(60)],
    ['HSET', 'h:hashtable', ...bigHash],
    ['HSET', 'h:longvalue', 'f', 'y'.repeat(5000), 'g', 'z'.repeat(100)],
    ['SADD', 's:int16', '1', '-2', '300', '-32768', '32767'],
    ['SADD', 's:int32', '1', '70000', '-2147483648'],
    ['SADD', 's:int64', '1', '9223372036854775807', '-9223372036854775808'],
    ['SADD', 's:shrunk', '5', '5000000000'],
    ['SREM', 's:shrunk', '5000000000'],
    ['SADD', 's:hashtable', 'a', 'b', BINARY, '', '1'],
    ['SADD', 's:bigints', ...range(600)],
    ['SADD', 's:strings', ...range(600, 'member:')],
    ['SELECT', '5'],
    ['HSET', 'h:db5', 'a', '1'],
    ['SADD', 's:db5', 'x'],
    ['PEXPIREAT', 's:db5', LATER],
    ['SELECT', '0'],
  ];
}

async function populate(c: RawConnection): Promise<void> {
  for (const argv of populateCommands()) {
    const r = await c.call(...argv);
    assert.ok(r !== null && r[0] !== '-', `${JSON.stringify(argv)}: ${r}`);
  }
}

/** Every key of databases 0 and 5: type, encoding, sorted contents, PEXPIRETIME. */
async function contents(c: RawConnection): Promise<string[]> {
  const out: string[] = [];
  for (const db of ['0', '5']) {
    assert.equal(await c.call('SELECT', db), '+OK\r\n');
    const keys = splitAggregate((await c.call('KEYS', '*'))!).items.map((k) => bulkText(k)).sort();
    for (const k of keys) {
      const type = (await c.call('TYPE', k))!.slice(1, -2);
      const encoding = bulkText(await c.call('OBJECT', 'ENCODING', k));
      let items: string[];
      if (type === 'hash') {
        const flat = splitAggregate((await c.call('HGETALL', k))!).items.map(bulkPayload);
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(JSON.stringify([flat[i], flat[i + 1]]));
        items = pairs.sort();
      } else if (type === 'set') {
        items = splitAggregate((await c.call('SMEMBERS', k))!).items.map(bulkPayload).sort();
      } else if (type === 'string') {
        items = [bulkText(await c.call('GET', k))];
      } else {
        continue;
      }
      const ttl = (await c.call('PEXPIRETIME', k))!.slice(1, -2);
      out.push(`${db} ${JSON.stringify(k)} ${type} ${encoding} ttl=${ttl} ${JSON.stringify(items)}`);
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

/** A DUMP payload around a value's bytes (type, value, version 10, CRC-64). */
function payload(type: number, body: Buffer, version = 10): string {
  const head = Buffer.concat([Buffer.from([type]), body, Buffer.from([version & 0xff, version >> 8])]);
  const crc = Buffer.alloc(8);
  new Crc64().update(head, 0, head.length).writeLE(crc, 0);
  return Buffer.concat([head, crc]).toString('latin1');
}

/** An RDB string holding bytes: a 32-bit length and the bytes (no integer or LZF encoding). */
function rdbString(bytes: Buffer): Buffer {
  const len = Buffer.alloc(5);
  len[0] = 0x80;
  len.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([len, bytes]);
}

describe('hashes and sets in RDB files, between nodis and Redis', suite, () => {
  it('a file nodis saves passes redis-check-rdb and loads in redis-server as it was', async () => {
    const dir = tempDir();
    const nodis = await startServer({ dir });
    const oracle = await startOracle([]);
    const n = await RawConnection.open({ port: nodis.port });
    const o = await oracle.connect();
    try {
      await populate(n);
      await populate(o);
      // Built by the same commands, both servers hold the same contents in the same encodings.
      const expected = await contents(o);
      assert.deepEqual(await contents(n), expected);
      assert.equal(await n.call('SAVE'), '+OK\r\n');
      checkRdb(join(dir, 'dump.rdb'));
      await withOracleLoading(dir, 'dump.rdb', async (l) => {
        assert.deepEqual(await contents(l), expected);
      });
    } finally {
      n.close();
      o.close();
      await nodis.close();
      await oracle.close();
    }
  });

  it('a file redis-server saves loads in nodis, and DEBUG RELOAD keeps it', async () => {
    const oracle = await startOracle([]);
    const o = await oracle.connect();
    try {
      await populate(o);
      assert.equal(await o.call('SAVE'), '+OK\r\n');
      await withNodisLoading(oracle.dir, 'dump.rdb', async (n, dir) => {
        const expected = await contents(o);
        assert.deepEqual(await contents(n), expected);
        assert.equal(await n.call('DEBUG', 'RELOAD'), '+OK\r\n');
        assert.deepEqual(await contents(n), expected);
        checkRdb(join(dir, 'dump.rdb'));
      });
    } finally {
      o.close();
      await oracle.close();
    }
  });

  it('the old encodings in Redis\'s test assets load as Redis loads them', async () => {
    const assets = assetsDir();
    if (!assets) return;
    for (const file of ['hash-zipmap.rdb', 'hash-ziplist.rdb']) {
      const dir = tempDir();
      copyFileSync(join(assets, file), join(dir, 'dump.rdb'));
      const oracle = await startOracle(['--dir', dir, '--dbfilename', 'dump.rdb']);
      const nodis = await startServer({ dir, load: true });
      const o = await oracle.connect();
      const n = await RawConnection.open({ port: nodis.port });
      try {
        const expected = await contents(o);
        assert.ok(expected.length > 0, file);
        assert.deepEqual(await contents(n), expected, file);
      } finally {
        o.close();
        n.close();
        await oracle.close();
        await nodis.close();
      }
    }
  });

  it('the hashes and sets of encodings.rdb (Redis 2.x encodings) load as Redis loads them', async () => {
    const assets = assetsDir();
    if (!assets) return;
    // The file also holds lists and sorted sets: the hashes and sets are copied into a file of
    // their own, byte for byte.
    const original = readFileSync(join(assets, 'encodings.rdb'));
    const filtered = filterRdb(original, new Set([2, 4, 9, 11, 13]));
    const dir = tempDir();
    writeFileSync(join(dir, 'dump.rdb'), filtered);
    const oracleDir = tempDir();
    copyFileSync(join(assets, 'encodings.rdb'), join(oracleDir, 'dump.rdb'));
    const oracle = await startOracle(['--dir', oracleDir, '--dbfilename', 'dump.rdb']);
    const nodis = await startServer({ dir, load: true });
    const o = await oracle.connect();
    const n = await RawConnection.open({ port: nodis.port });
    try {
      const mine = await contents(n);
      const theirs = (await contents(o)).filter((line) => / (hash|set) /.test(line));
      assert.ok(mine.length >= 6, `hashes and sets found: ${mine.length}`);
      assert.deepEqual(mine, theirs);
    } finally {
      o.close();
      n.close();
      await oracle.close();
      await nodis.close();
    }
  });

  it('empty hashes and sets are skipped on load (corrupt_empty_keys.rdb), and refused by RESTORE', async () => {
    const assets = assetsDir();
    const nodis = await startServer({});
    const n = await RawConnection.open({ port: nodis.port });
    const oracle = await startOracle([]);
    const o = await oracle.connect();
    try {
      if (assets) {
        const filtered = filterRdb(readFileSync(join(assets, 'corrupt_empty_keys.rdb')), new Set([2, 4, 13, 16]));
        const warnings: string[] = [];
        const log = nodis.server.log;
        const original = log.warning.bind(log);
        log.warning = (m: string) => void (m.startsWith('rdbLoadObject') && warnings.push(m));
        try {
          const { loadRdb } = await import('../../src/persistence/rdb.js');
          const result = loadRdb(nodis.server, filtered);
          assert.equal(result.keys, 0);
        } finally {
          log.warning = original;
        }
        assert.deepEqual(warnings, ['rdbLoadObject skipping empty key: set', 'rdbLoadObject skipping empty key: hash', 'rdbLoadObject skipping empty key: hash_ziplist']);
      }
      const empties = [
        payload(2, Buffer.from([0])),
        payload(4, Buffer.from([0])),
        payload(16, rdbString(encodeListpack([]))),
        payload(20, rdbString(encodeListpack([]))),
      ];
      for (const p of empties.slice(0, 3)) {
        const [rn, ro] = [await n.call('RESTORE', 'k', '0', p), await o.call('RESTORE', 'k', '0', p)];
        assert.equal(rn, ro);
        assert.match(rn!, /^-ERR Bad data format/);
      }
      assert.match((await n.call('RESTORE', 'k', '0', empties[3]))!, /^-ERR Bad data format/);
    } finally {
      n.close();
      o.close();
      await nodis.close();
      await oracle.close();
    }
  });

  it('RESTORE refuses corrupt and duplicated collections as Redis does', async () => {
    const nodis = await startServer({});
    const n = await RawConnection.open({ port: nodis.port });
    const oracle = await startOracle([]);
    const o = await oracle.connect();
    const string = (s: string): Buffer => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
    try {
      const bad = [
        // A hashtable set with a repeated member; a hash with a repeated field.
        payload(2, Buffer.concat([Buffer.from([2]), string('a'), string('a')])),
        payload(4, Buffer.concat([Buffer.from([2]), string('a'), string('1'), string('a'), string('2')])),
        // Intsets: a bad width, a wrong length, members out of order.
        payload(11, rdbString(Buffer.from([3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]))),
        payload(11, rdbString(Buffer.from([2, 0, 0, 0, 2, 0, 0, 0, 1, 0]))),
        // A listpack whose declared size is wrong.
        payload(16, rdbString(Buffer.from([9, 0, 0, 0, 0, 0, 0xff]))),
        // A truncated hashtable hash.
        payload(4, Buffer.concat([Buffer.from([2]), string('a'), string('1')])),
      ];
      const redisSays: string[] = [];
      for (const p of bad) {
        const [rn, ro] = [await n.call('RESTORE', 'k', '0', p), await o.call('RESTORE', 'k', '0', p)];
        assert.match(rn!, /^-ERR Bad data format/, JSON.stringify(p));
        redisSays.push(ro!.trim());
        await o.call('DEL', 'k');
      }
      // Redis refuses them too, but for the small hash with a repeated field: without
      // sanitize-dump-payload it stores a listpack holding the field twice. nodis refuses it.
      assert.deepEqual(redisSays, ['-ERR Bad data format', '+OK', ...Array(4).fill('-ERR Bad data format')]);
      assert.equal(await n.call('EXISTS', 'k'), ':0\r\n');
    } finally {
      n.close();
      o.close();
      await nodis.close();
      await oracle.close();
    }
  });
});

describe('hash and set encodings in RDB (nodis alone)', () => {
  it('reads Redis 7.2\'s listpack sets as an intset or a hashtable', () => {
    const ints = parseDumpPayload(Buffer.from(payload(20, rdbString(encodeListpack(['3', '1', '2']))), 'latin1'));
    assert.ok(ints instanceof SetValue);
    assert.equal(ints.encoding(), 'intset');
    assert.deepEqual([...ints.members()], ['1', '2', '3']);
    const strs = parseDumpPayload(Buffer.from(payload(20, rdbString(encodeListpack(['a', '1']))), 'latin1'));
    assert.ok(strs instanceof SetValue);
    assert.equal(strs.encoding(), 'hashtable');
    assert.deepEqual([...strs.members()].sort(), ['1', 'a']);
  });

  it('a listpack round trips every entry encoding', () => {
    const entries = ['0', '127', '128', '-1', '4095', '-4096', '4096', '32767', '-32768', '32768', '8388607', '-8388608', '8388608', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '007', '-0', '+1', '', 'a', 'x'.repeat(63), 'x'.repeat(64), 'y'.repeat(4095), 'y'.repeat(4096), BINARY, 'z'.repeat(20000)];
    const fail = (reason: string): never => assert.fail(reason);
    assert.deepEqual(decodeListpack(encodeListpack(entries), fail), entries);
  });

  it('reads a ziplist of every entry encoding', () => {
    // A ziplist built by hand: int8 -5, imm 7, int16 1000, int24 -100000, int32 100000000,
    // int64 2^40, a 6-bit string, a 14-bit string.
    const entries: Buffer[] = [
      Buffer.from([0xfe, 0xfb]),
      Buffer.from([0xf8]),
      Buffer.from([0xc0, 0xe8, 0x03]),
      Buffer.concat([Buffer.from([0xf0]), (() => { const b = Buffer.alloc(3); b.writeIntLE(-100000, 0, 3); return b; })()]),
      Buffer.concat([Buffer.from([0xd0]), (() => { const b = Buffer.alloc(4); b.writeInt32LE(100000000, 0); return b; })()]),
      Buffer.concat([Buffer.from([0xe0]), (() => { const b = Buffer.alloc(8); b.writeBigInt64LE(2n ** 40n, 0); return b; })()]),
      Buffer.concat([Buffer.from([3]), Buffer.from('abc')]),
      Buffer.concat([Buffer.from([0x40 | 1, 44]), Buffer.from('q'.repeat(300))]),
    ];
    const parts: Buffer[] = [];
    let prev = 0;
    let tail = 10;
    let at = 10;
    for (const e of entries) {
      const entry = Buffer.concat([Buffer.from([prev]), e]);
      tail = at;
      parts.push(entry);
      prev = entry.length;
      at += entry.length;
    }
    const body = Buffer.concat(parts);
    const zl = Buffer.alloc(10 + body.length + 1);
    zl.writeUInt32LE(zl.length, 0);
    zl.writeUInt32LE(tail, 4);
    zl.writeUInt16LE(entries.length, 8);
    body.copy(zl, 10);
    zl[zl.length - 1] = 0xff;
    const fail = (reason: string): never => assert.fail(reason);
    assert.deepEqual(decodeZiplist(zl, fail), ['-5', '7', '1000', '-100000', '100000000', String(2 ** 40), 'abc', 'q'.repeat(300)]);
  });

  it('DUMP payloads of hashes and sets read back into the same value', () => {
    const values = [
      HashValue.fromPairs(['a', '1', 'b', 'two'], true),
      SetValue.fromIntset(['-3', '1', '70000'], 4),
      (() => { const s = SetValue.hashtable(); s.add('a', 512); s.add('', 512); return s; })(),
    ];
    for (const v of values) {
      const back = parseDumpPayload(dumpPayload(v));
      assert.equal(encodingOf(back), v.encoding());
      assert.deepEqual(back, v.dup());
    }
    // A small hashtable (one that had a long value once) is written as a hashtable, and loads
    // as what its size calls for: a listpack, as in Redis.
    const h = parseDumpPayload(dumpPayload(HashValue.fromPairs(['a', '1'], false)));
    assert.equal(encodingOf(h), 'listpack');
  });
});

/**
 * An RDB file with only the keys whose value type is in keep (other values skipped by reading
 * them): header, SELECTDB opcodes and kept entries (with their expire times) copied byte for byte,
 * then EOF and, from version 5, a zero checksum (not checked).
 */
function filterRdb(buf: Buffer, keep: Set<number>): Buffer {
  const r = new RdbReader(buf);
  r.pos = 9;
  const version = Number(buf.toString('latin1', 5, 9));
  const out: Buffer[] = [buf.subarray(0, 9)];
  let pendingStart = -1;
  for (;;) {
    const at = r.pos;
    const type = r.byte();
    if (type === 0xff) break;
    if (type === 0xfa) {
      r.string();
      r.string();
    } else if (type === 0xfe) {
      r.len();
      out.push(buf.subarray(at, r.pos));
    } else if (type === 0xfb) {
      r.len();
      r.len();
    } else if (type === 0xfc) {
      pendingStart = at;
      r.pos += 8;
    } else if (type === 0xfd) {
      pendingStart = at;
      r.pos += 4;
    } else {
      r.string();
      skipValue(r, type);
      if (keep.has(type)) out.push(buf.subarray(pendingStart >= 0 ? pendingStart : at, r.pos));
      pendingStart = -1;
    }
  }
  out.push(Buffer.from([0xff]));
  if (version >= 5) out.push(Buffer.alloc(8));
  return Buffer.concat(out);
}

/** Reads past one value of an RDB type (the types Redis 2.x-7.0 wrote). */
function skipValue(r: RdbReader, type: number): void {
  if (type === 0 || (type >= 9 && type <= 13) || type === 16 || type === 17 || type === 20) {
    r.string();
  } else if (type === 1 || type === 2) {
    for (let n = r.len(); n > 0; n--) r.string();
  } else if (type === 4) {
    for (let n = r.len(); n > 0; n--) {
      r.string();
      r.string();
    }
  } else if (type === 3) {
    for (let n = r.len(); n > 0; n--) {
      r.string();
      const l = r.byte();
      if (l < 253) r.pos += l;
    }
  } else if (type === 5) {
    for (let n = r.len(); n > 0; n--) {
      r.string();
      r.pos += 8;
    }
  } else if (type === 14 || type === 18) {
    for (let n = r.len(); n > 0; n--) {
      if (type === 18) r.len();
      r.string();
    }
  } else {
    throw new Error(`cannot skip RDB type ${type}`);
  }
}
