// The RDB module in process: CRC-64, LZF, the encoder and loader (every string encoding, TTLs,
// databases), corrupt and truncated input, DUMP payloads, SAVE and DEBUG RELOAD.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc64, Crc64 } from '../../src/util/crc64.js';
import { lzfCompress, lzfCompressedSize, lzfDecompress } from '../../src/util/lzf.js';
import {
  RdbError,
  RdbReader,
  RdbWriter,
  dumpPayload,
  encodeRdb,
  loadRdb,
  parseDumpPayload,
  parseRdb,
  rdbSerializedLength,
  type RdbEntry,
} from '../../src/persistence/rdb.js';
import { RawString, type Value } from '../../src/types/value.js';
import type { Server } from '../../src/server/server.js';
import { localServer } from '../helpers/local.js';
import { STRING_VALUES, noise } from './values.js';
import { tempDirs } from '../helpers/tempdir.js';

const tempDir = tempDirs('nodis-rdb-test-');

/** A server's keyspace as plain data: per database, key → [value, exact expiry or null]. */
function snapshot(server: Server): Map<number, Map<string, [string, bigint | null]>> {
  const out = new Map<number, Map<string, [string, bigint | null]>>();
  for (const db of server.dbs) {
    if (db.dict.size === 0) continue;
    const m = new Map<string, [string, bigint | null]>();
    for (const [k, v] of db.dict) {
      m.set(k, [typeof v === 'string' ? v : (v as RawString).s, db.getExpireExact(k) ?? null]);
    }
    out.set(db.id, m);
  }
  return out;
}

describe('CRC-64', () => {
  it('is the Jones variant Redis uses', () => {
    assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
    assert.equal(crc64(Buffer.alloc(0)), 0n);
  });

  it('gives the same result however the data is split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(200), (data, cut) => {
        const at = Math.min(cut, data.length);
        const whole = crc64(data);
        const parts = new Crc64().update(data, 0, at).update(data, at).value();
        assert.equal(parts, whole);
        // Byte at a time (the slow path) agrees with the 8-byte path.
        const slow = new Crc64();
        for (let i = 0; i < data.length; i++) slow.update(data, i, i + 1);
        assert.equal(slow.value(), whole);
      }),
    );
  });
});

describe('LZF', () => {
  it('round-trips any data that it compresses, and sizes agree', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.array(fc.constantFrom(97, 98, 99), { maxLength: 3000 }).map((a) => Uint8Array.from(a)),
        ),
        (data) => {
          const out = new Uint8Array(data.length + 64);
          const n = lzfCompress(data, data.length, out, data.length + 64);
          if (data.length === 0) return assert.equal(n, 0);
          assert.ok(n > 0);
          assert.equal(lzfCompressedSize(Buffer.from(data).toString('latin1'), data.length + 64), n);
          const back = new Uint8Array(data.length);
          assert.equal(lzfDecompress(out, 0, n, back, data.length), data.length);
          assert.deepEqual(back, data);
        },
      ),
    );
  });

  it('gives up when the output would not fit', () => {
    const data = Buffer.from(noise(100));
    assert.equal(lzfCompress(data, 100, new Uint8Array(96), 96), 0);
    const rep = Buffer.from('a'.repeat(100));
    assert.ok(lzfCompress(rep, 100, new Uint8Array(96), 96) > 0);
  });

  it('refuses malformed input without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(300), (data, outLen) => {
        const out = new Uint8Array(outLen);
        const n = lzfDecompress(data, 0, data.length, out, outLen);
        assert.ok(n >= 0 && n <= outLen);
      }),
    );
    // A back reference before the start of the output.
    assert.equal(lzfDecompress(Uint8Array.from([0x20, 0x05]), 0, 2, new Uint8Array(10), 10), 0);
  });
});

describe('RDB writer and reader', () => {
  it('writes lengths in 6, 14, 32 and 64 bits and reads them back', () => {
    for (const [n, size] of [
      [0, 1],
      [63, 1],
      [64, 2],
      [16383, 2],
      [16384, 5],
      [0xffffffff, 5],
      [0x100000000, 9],
      [2 ** 53 - 1, 9],
    ]) {
      const w = new RdbWriter(false);
      w.len(n);
      assert.equal(w.pos, size, `size of ${n}`);
      assert.equal(new RdbReader(w.finish()).len(), n);
    }
  });

  it('round-trips every string encoding, with and without compression', () => {
    for (const compress of [true, false]) {
      for (const s of STRING_VALUES) {
        const w = new RdbWriter(compress);
        w.string(s);
        const r = new RdbReader(w.finish());
        assert.equal(r.string(), s);
        assert.equal(r.pos, w.pos);
      }
    }
  });

  it('uses the integer encodings only for canonical 32-bit integers', () => {
    const size = (s: string): number => {
      const w = new RdbWriter(false);
      w.string(s);
      return w.pos;
    };
    assert.equal(size('-128'), 2);
    assert.equal(size('127'), 2);
    assert.equal(size('128'), 3);
    assert.equal(size('-32769'), 5);
    assert.equal(size('2147483647'), 5);
    assert.equal(size('2147483648'), 11);
    assert.equal(size('007'), 4);
    assert.equal(size('-0'), 3);
  });

  it('reports what is wrong and where', () => {
    assert.throws(
      () => new RdbReader(Buffer.from([0x82])).len(),
      (e: unknown) => e instanceof RdbError && e.kind === 'corrupt' && e.offset === 0 && /Unknown length encoding 2/.test(e.message),
    );
    assert.throws(
      () => new RdbReader(Buffer.from([0x05, 0x61])).string(),
      (e: unknown) => e instanceof RdbError && e.kind === 'eof' && e.offset === 1,
    );
    assert.throws(
      () => new RdbReader(Buffer.from([0xc4])).string(),
      (e: unknown) => e instanceof RdbError && /Unknown RDB string encoding type 4/.test(e.message),
    );
    // LZF claiming 1000 bytes from 3.
    assert.throws(
      () => new RdbReader(Buffer.from([0xc3, 0x03, 0x40, 0xff, 0x00, 0x61, 0x61])).string(),
      (e: unknown) => e instanceof RdbError && e.kind === 'corrupt' && /Invalid LZF/.test(e.message),
    );
  });
});

describe('RDB snapshots in process', () => {
  /** A server holding the test data set, at the fixed clock's time. */
  function populated(settings: Record<string, string> = {}) {
    const l = localServer(settings);
    const now = l.clock.t;
    const [db0, db3, db15] = [l.server.dbs[0], l.server.dbs[3], l.server.dbs[15]];
    STRING_VALUES.forEach((v, i) => db0.set(`k${i}`, v));
    STRING_VALUES.forEach((v, i) => db0.set(v === '' ? 'empty-value-key' : v, `value of ${i}`));
    db0.set('', 'the empty key');
    db0.set('raw', new RawString('built by APPEND'));
    db3.set('soon', 'x');
    db3.setExpire('soon', now + 1500);
    db3.set('later', 'y');
    db3.setExpire('later', now + 3600_000);
    db3.set('far', 'z');
    db3.setExpire('far', 2n ** 53n + 1n);
    db3.set('farthest', 'w');
    db3.setExpire('farthest', 2n ** 63n - 1n);
    db15.set('last', 'db');
    return l;
  }

  it('round-trips keys, values, databases and exact expiry times', () => {
    for (const compress of ['yes', 'no']) {
      for (const checksum of ['yes', 'no']) {
        const a = populated({ rdbcompression: compress, rdbchecksum: checksum });
        const buf = encodeRdb(a.server);
        const b = localServer({ rdbchecksum: checksum });
        const res = loadRdb(b.server, buf);
        assert.equal(res.expired, 0);
        assert.equal(res.keys, a.server.dbs.reduce((n, db) => n + db.size, 0));
        assert.deepEqual(snapshot(b.server), snapshot(a.server));
        assert.equal(res.version, 10);
        assert.equal(res.aux.get('redis-bits'), '64');
        assert.equal(res.aux.get('aof-base'), '0');
        assert.equal(b.server.rdbLastLoadKeysLoaded, res.keys);
        if (checksum === 'no') assert.deepEqual(buf.subarray(-8), Buffer.alloc(8));
        else assert.equal(buf.readBigUInt64LE(buf.length - 8), crc64(buf, 0, buf.length - 8));
      }
    }
  });

  it('writes the header, aux fields and databases as Redis 7.0 does', () => {
    const l = localServer();
    l.server.dbs[2].set('k', 'v');
    const buf = encodeRdb(l.server, { repl: { streamDb: 2, replId: 'a'.repeat(40), offset: 12345 } });
    assert.equal(buf.toString('latin1', 0, 9), 'REDIS0010');
    const aux: string[] = [];
    const entries: RdbEntry[] = [];
    parseRdb(buf, (e) => entries.push(e), { onAux: (k, v) => aux.push(`${k}=${v}`) });
    assert.deepEqual(
      aux.map((a) => a.split('=')[0]),
      ['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'repl-stream-db', 'repl-id', 'repl-offset', 'aof-base'],
    );
    assert.ok(aux.includes(`ctime=${Math.floor(l.clock.t / 1000)}`));
    assert.ok(aux.includes('repl-offset=12345'));
    assert.deepEqual(
      entries.map((e) => [e.db, e.key, e.value]),
      [[2, 'k', 'v']],
    );
    // Empty databases are left out: one SELECTDB (254) for db 2, then RESIZEDB 1 0.
    const sel = buf.indexOf(Buffer.from([254, 2, 251, 1, 0]));
    assert.ok(sel > 0);
    assert.equal(buf.subarray(sel + 1, buf.length - 9).indexOf(254), -1);
    assert.equal(buf[buf.length - 9], 255); // EOF, then the checksum
  });

  it('writes LRU idle times or LFU counters as the maxmemory policy asks', () => {
    for (const [policy, opcode] of [
      ['allkeys-lru', 248],
      ['volatile-lfu', 249],
      ['noeviction', -1],
    ] as const) {
      const l = localServer({ 'maxmemory-policy': policy });
      l.db.set('k', 'v');
      const buf = encodeRdb(l.server);
      const at = buf.indexOf(Buffer.from([0, 1, 0x6b, 1, 0x76])); // type 0, "k", "v"
      assert.ok(at > 0);
      if (opcode === -1) assert.equal(buf[at - 1], 0); // RESIZEDB's expires count
      else assert.equal(buf[at - 2], opcode);
    }
  });

  it('drops keys whose time passed, unless asked to keep them', () => {
    const a = populated();
    const buf = encodeRdb(a.server);
    const b = localServer();
    b.clock.t = a.clock.t + 2000; // 'soon' has expired
    const res = loadRdb(b.server, buf);
    assert.equal(res.expired, 1);
    assert.equal(b.server.rdbLastLoadKeysExpired, 1);
    assert.equal(b.server.dbs[3].dict.has('soon'), false);
    const c = localServer();
    c.clock.t = a.clock.t + 2000;
    assert.equal(loadRdb(c.server, buf, { keepExpired: true }).expired, 0);
    assert.equal(c.server.dbs[3].dict.has('soon'), true);
  });

  it('reads old EXPIRETIME (seconds) opcodes and older versions', () => {
    // Version 3 file: no checksum footer, EXPIRETIME in seconds (opcode 253, 4 bytes LE).
    const parts = [
      Buffer.from('REDIS0003', 'latin1'),
      Buffer.from([254, 0]),
      Buffer.from([253]),
      Buffer.from(Uint32Array.from([2000000000]).buffer),
      Buffer.from([0, 1, 0x6b, 1, 0x76]),
      Buffer.from([255]),
    ];
    const l = localServer();
    const res = loadRdb(l.server, Buffer.concat(parts));
    assert.equal(res.keys, 1);
    assert.equal(l.db.getExpire('k'), 2000000000 * 1000);
  });

  it('fails on a truncated or corrupted file, naming the offset, and changes nothing', () => {
    const a = populated();
    const buf = encodeRdb(a.server);
    const b = localServer();
    b.db.set('existing', 'stays');
    const before = snapshot(b.server);
    const fails = (data: Buffer, kinds: string[]): void => {
      assert.throws(
        () => loadRdb(b.server, data),
        (e: unknown) => e instanceof RdbError && kinds.includes(e.kind) && e.offset >= 0 && e.offset <= data.length,
      );
      assert.deepEqual(snapshot(b.server), before);
    };
    for (let n = 0; n < buf.length; n += n < 200 ? 1 : 97) fails(buf.subarray(0, n), ['eof', 'signature', 'corrupt']);
    fails(buf.subarray(0, buf.length - 1), ['eof']);
    // Any change to one byte after the header is caught (by the checksum at the latest). (In the
    // version digits it may make an old version without a checksum, as in Redis.)
    fc.assert(
      fc.property(fc.integer({ min: 9, max: buf.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const bad = Buffer.from(buf);
        bad[pos] ^= x;
        // Garbage read as data can end in any kind of error (a duplicated key, a huge string, an
        // opcode turned into a function library's …).
        fails(bad, ['eof', 'corrupt', 'checksum', 'signature', 'version', 'unsupported', 'dbindex', 'duplicate', 'function']);
      }),
      { numRuns: 300, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
    );
  });

  it('without a checksum, corrupt data loads or fails cleanly, never crashes', () => {
    const a = populated({ rdbchecksum: 'no' });
    const buf = encodeRdb(a.server);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(buf.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bad = Buffer.from(buf);
        for (const [pos, x] of flips) bad[pos] ^= x;
        const b = localServer({ rdbchecksum: 'no' });
        try {
          loadRdb(b.server, bad);
        } catch (e) {
          assert.ok(e instanceof RdbError, `not an RdbError: ${String(e)}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('checks the signature, the version and the checksum', () => {
    const l = localServer();
    l.db.set('k', 'v');
    const buf = encodeRdb(l.server);
    const load = (data: Buffer, settings: Record<string, string> = {}) => loadRdb(localServer(settings).server, data);
    const bad = Buffer.from(buf);
    bad.write('X', 0, 'latin1');
    assert.throws(() => load(bad), /Wrong signature trying to load DB from file at offset 0/);
    const v12 = Buffer.from(buf);
    v12.write('0012', 5, 'latin1');
    assert.throws(() => load(v12), /Can't handle RDB format version 12/);
    const v11 = Buffer.from(buf);
    v11.write('0011', 5, 'latin1');
    v11.writeBigUInt64LE(0n, v11.length - 8);
    assert.equal(load(v11).keys, 1);
    const sum = Buffer.from(buf);
    sum[sum.length - 1] ^= 1;
    assert.throws(() => load(sum), (e: unknown) => e instanceof RdbError && e.kind === 'checksum' && e.offset === buf.length - 8);
    // rdbchecksum no: the footer is not checked at all.
    assert.equal(load(sum, { rdbchecksum: 'no' }).keys, 1);
  });

  it('names types it cannot load yet, and refuses function libraries without the Lua engine', () => {
    const l = localServer();
    const file = (body: number[]): Buffer =>
      Buffer.concat([Buffer.from('REDIS0010', 'latin1'), Buffer.from(body), Buffer.from([255]), Buffer.alloc(8)]);
    assert.throws(
      () => loadRdb(l.server, file([254, 0, 7, 1, 0x6b, 1, 2])),
      (e: unknown) =>
        e instanceof RdbError && e.kind === 'unsupported' && e.offset === 11 && /RDB type 7 \(module, version 2\)/.test(e.message),
    );
    assert.throws(
      () => loadRdb(l.server, file([99, 1, 0x6b])),
      (e: unknown) => e instanceof RdbError && e.kind === 'corrupt' && /Unknown RDB encoding type 99/.test(e.message),
    );
    // (Libraries load where the engine is loaded: test/persistence/functions.test.ts.)
    assert.throws(
      () => loadRdb(l.server, file([245, 1, 0x61])),
      (e: unknown) => e instanceof RdbError && e.kind === 'function' && e.offset === 9 && /the Lua engine is not loaded/.test(e.message),
    );
    assert.throws(() => loadRdb(l.server, file([254, 16])), (e: unknown) => e instanceof RdbError && e.kind === 'dbindex');
  });

  it('refuses duplicated keys unless merging, where the file wins whole', () => {
    const a = localServer();
    a.db.set('k', 'from file');
    const buf = encodeRdb(a.server);
    const b = localServer();
    b.db.set('k', 'present');
    b.db.setExpire('k', b.clock.t + 10_000);
    assert.throws(() => loadRdb(b.server, buf), (e: unknown) => e instanceof RdbError && e.kind === 'duplicate');
    assert.equal(b.db.dict.get('k'), 'present');
    loadRdb(b.server, buf, { merge: true });
    assert.equal(b.db.dict.get('k'), 'from file');
    assert.equal(b.db.getExpire('k'), undefined);
  });

  it('saves the idle time of values that keep one, and reads IDLE and FREQ', () => {
    const l = localServer({ 'maxmemory-policy': 'allkeys-lru' });
    const t = new RawString('x');
    l.db.set('k', t);
    t.lru = l.clock.t - 50_000;
    l.db.set('plain', 'y');
    const idle = new Map<string, number>();
    parseRdb(encodeRdb(l.server), (e) => idle.set(e.key, e.idle));
    assert.deepEqual([...idle].sort(), [['k', 50], ['plain', 0]]);
    const lfu = localServer({ 'maxmemory-policy': 'allkeys-lfu' });
    lfu.db.set('k', 'v');
    const freq: number[] = [];
    parseRdb(encodeRdb(lfu.server), (e) => freq.push(e.freq, e.idle));
    assert.deepEqual(freq, [5, -1]);
  });
});

describe('DUMP payloads in process', () => {
  it('round-trip every string value', () => {
    for (const compress of [true, false]) {
      for (const s of STRING_VALUES) assert.equal(parseDumpPayload(dumpPayload(s, { compress })), s);
    }
  });

  it('are refused when short, of a newer version, or with a wrong (even zero) checksum', () => {
    const p = dumpPayload('hello');
    const kind = (buf: Buffer): string => {
      try {
        parseDumpPayload(buf);
        return 'ok';
      } catch (e) {
        assert.ok(e instanceof RdbError);
        return e.kind;
      }
    };
    assert.equal(kind(p), 'ok');
    assert.equal(kind(p.subarray(0, 9)), 'checksum');
    const v12 = Buffer.from(p);
    v12[p.length - 10] = 12;
    assert.equal(kind(v12), 'version');
    const withCrc = (buf: Buffer): Buffer => {
      buf.writeBigUInt64LE(crc64(buf, 0, buf.length - 8), buf.length - 8);
      return buf;
    };
    const v11 = Buffer.from(p);
    v11[p.length - 10] = 11;
    assert.equal(kind(withCrc(v11)), 'ok');
    const crc = Buffer.from(p);
    crc[p.length - 1] ^= 1;
    assert.equal(kind(crc), 'checksum');
    const zero = Buffer.from(p);
    zero.writeBigUInt64LE(0n, p.length - 8);
    assert.equal(kind(zero), 'checksum');
    const other = Buffer.from(p);
    other[0] = 99;
    assert.equal(kind(withCrc(other)), 'corrupt');
    other[0] = 7;
    assert.equal(kind(withCrc(other)), 'unsupported');
  });

  it('never throw anything but an RdbError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.boolean(), (data, valid) => {
        const buf = Buffer.from(data);
        if (valid && buf.length >= 10) {
          buf[buf.length - 10] = 10;
          buf[buf.length - 9] = 0;
          buf.writeBigUInt64LE(crc64(buf, 0, buf.length - 8), buf.length - 8);
        }
        try {
          parseDumpPayload(buf);
        } catch (e) {
          assert.ok(e instanceof RdbError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('give DEBUG OBJECT its serializedlength', () => {
    assert.equal(rdbSerializedLength('12', true), 2);
    assert.equal(rdbSerializedLength('hello', true), 6);
    assert.equal(rdbSerializedLength('a'.repeat(100), true), dumpPayload('a'.repeat(100)).length - 11);
    assert.equal(rdbSerializedLength('a'.repeat(100), false), 102);
    assert.equal(rdbSerializedLength(new RawString('abc') as Value, true), 4);
  });
});

describe('SAVE and DEBUG RELOAD in process', () => {
  it('SAVE writes dir/dbfilename atomically and updates LASTSAVE and INFO', () => {
    const dir = tempDir();
    const l = localServer({ dir, 'enable-protected-configs': 'yes' });
    l.run('SET', 'a', '1');
    l.run('SET', 'b', 'x'.repeat(100), 'PX', '100000');
    const info = (): string => l.run('INFO', 'persistence');
    assert.match(info(), /rdb_changes_since_last_save:2\r\n/);
    assert.match(info(), /rdb_saves:0\r\n/);
    l.clock.advance(5000);
    assert.equal(l.run('SAVE'), '+OK\r\n');
    assert.equal(l.run('LASTSAVE'), `:${Math.floor(l.clock.t / 1000)}\r\n`);
    assert.match(info(), /rdb_changes_since_last_save:0\r\n/);
    assert.match(info(), /rdb_saves:1\r\n/);
    assert.match(info(), new RegExp(`rdb_last_save_time:${Math.floor(l.clock.t / 1000)}\r\n`));
    assert.match(info(), /rdb_last_bgsave_status:ok\r\n/);
    assert.deepEqual(readdirSync(dir), ['dump.rdb']);
    const b = localServer();
    loadRdb(b.server, readFileSync(join(dir, 'dump.rdb')));
    assert.deepEqual(snapshot(b.server), snapshot(l.server));
    // A dbfilename in config decides the name.
    assert.equal(l.run('CONFIG', 'SET', 'dbfilename', 'other.rdb'), '+OK\r\n');
    assert.equal(l.run('SAVE'), '+OK\r\n');
    assert.deepEqual(readdirSync(dir).sort(), ['dump.rdb', 'other.rdb']);
  });

  it('SAVE into a directory that is gone fails with -ERR and changes nothing else', () => {
    const dir = tempDir();
    const l = localServer({ dir });
    l.run('SET', 'a', '1');
    rmSync(dir, { recursive: true });
    assert.equal(l.run('SAVE'), '-ERR\r\n');
    assert.match(l.run('INFO', 'persistence'), /rdb_changes_since_last_save:1\r\n/);
  });

  it('DEBUG RELOAD keeps data and exact TTLs, and accepts MERGE, NOFLUSH and NOSAVE', () => {
    const dir = tempDir();
    const l = localServer({ dir, 'enable-debug-command': 'yes' });
    l.run('SET', 'a', '1');
    l.run('SET', 'b', 'hello', 'PXAT', String(l.clock.t + 123_456));
    l.run('PEXPIREAT', 'a', '9007199254740993');
    l.run('SELECT', '5');
    l.run('SET', 'c', 'x'.repeat(1000));
    l.run('SELECT', '0');
    const before = snapshot(l.server);
    assert.equal(l.run('DEBUG', 'RELOAD'), '+OK\r\n');
    assert.deepEqual(snapshot(l.server), before);
    assert.equal(l.run('PEXPIRETIME', 'a'), ':9007199254740993\r\n');
    assert.match(l.run('INFO', 'persistence'), /rdb_last_load_keys_loaded:3\r\n/);
    assert.match(l.run('INFO', 'persistence'), /rdb_changes_since_last_save:0\r\n/);
    assert.match(l.run('INFO', 'persistence'), /rdb_saves:0\r\n/);

    // NOSAVE: the file on disk comes back, later changes are lost.
    l.run('SET', 'd', 'not saved');
    assert.equal(l.run('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
    assert.equal(l.run('EXISTS', 'd'), ':0\r\n');
    // NOFLUSH without MERGE: a key in both is refused (Redis crashes there), nothing changes.
    l.run('SET', 'd', 'kept');
    assert.equal(l.run('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'), '-ERR Error trying to load the RDB dump\r\n');
    assert.equal(l.run('GET', 'd'), '$4\r\nkept\r\n');
    // NOFLUSH MERGE: the file's keys are added to what is there.
    l.run('SET', 'b', 'changed');
    assert.equal(l.run('DEBUG', 'RELOAD', 'nosave', 'noflush', 'merge'), '+OK\r\n');
    assert.equal(l.run('GET', 'd'), '$4\r\nkept\r\n');
    assert.equal(l.run('GET', 'b'), '$5\r\nhello\r\n');
    assert.equal(l.run('PEXPIRETIME', 'b'), `:${l.clock.t + 123_456}\r\n`);

    assert.equal(
      l.run('DEBUG', 'RELOAD', 'NOW'),
      '-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n',
    );
    // A corrupt file: an error, no crash (the data set was flushed first, as in Redis).
    writeFileSync(join(dir, 'dump.rdb'), 'REDIS0010\xfa', 'latin1');
    assert.equal(l.run('DEBUG', 'RELOAD', 'NOSAVE'), '-ERR Error trying to load the RDB dump\r\n');
    assert.equal(l.run('DBSIZE'), ':0\r\n');
  });
});
