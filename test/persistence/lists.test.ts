// Lists in RDB, between nodis and real Redis: a file nodis saves (quicklist 2, packed and plain
// nodes) loads in redis-server and passes redis-check-rdb; a file Redis saves loads in nodis, and
// nodis saves it back byte for byte; Redis's own old files (ziplist, linked list, quicklist of
// ziplists) load in nodis as in Redis; DEBUG RELOAD keeps lists; RESTORE of Redis's corrupt list
// payloads fails as in Redis.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type NodisServer } from '../../src/embed.js';
import { startOracle, oracleAvailable, ORACLE_SKIP_MESSAGE, withOracleLoading } from '../helpers/oracle.js';
import { RawConnection, bulkText, encodeCommand } from '../helpers/resp.js';
import { Differential, differentialSuite, splitAggregate } from '../helpers/differential.js';
import { Crc64 } from '../../src/util/crc64.js';
import { ALL_BYTES, noise } from './values.js';
import { tempDirs } from '../helpers/tempdir.js';
import { withNodisLoading } from '../helpers/loading.js';


const suite = oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };
const ASSETS = '/work/shared/redis-tests/tests/assets';
const assets = existsSync(join(ASSETS, 'encodings.rdb')) ? join(ASSETS) : null;

const tempDir = tempDirs('nodis-lists-rdb-');

/** Commands building lists of every shape (the same on both servers). */
function listCommands(): string[][] {
  const cmds: string[][] = [];
  cmds.push(['RPUSH', 'small', 'a', '1', '-7', '']);
  cmds.push(['RPUSH', 'bytes', ...Array.from(ALL_BYTES)]);
  cmds.push(['RPUSH', 'ints', '0', '127', '128', '-4096', '4095', '32768', '-8388609', '2147483648', '9223372036854775807', '-9223372036854775808', '9223372036854775808']);
  for (let i = 0; i < 6000; i += 500) cmds.push(['RPUSH', 'long', ...Array.from({ length: 500 }, (_, j) => (j % 3 ? `item:${i + j}` : String(i + j)))]);
  for (let i = 0; i < 3000; i += 500) cmds.push(['LPUSH', 'lpushed', ...Array.from({ length: 500 }, (_, j) => `v${i + j}`)]);
  cmds.push(['RPUSH', 'compressible', ...Array.from({ length: 50 }, () => 'abcdefghij'.repeat(30))]);
  cmds.push(['RPUSH', 'noise', noise(3000, 7), noise(100, 3)]);
  cmds.push(['RPUSH', 'volatile', 'x', 'y'], ['PEXPIREAT', 'volatile', String(Date.now() + 3_600_000)]);
  cmds.push(['SELECT', '2'], ['RPUSH', 'in2', 'db', 'two'], ['SELECT', '0']);
  return cmds;
}

/** Lists that cannot be laid out exactly as Redis lays them out (long elements, edits). */
function otherListCommands(): string[][] {
  return [
    ['RPUSH', 'huge', 'a', 'y'.repeat(70000), 'b', 'z'.repeat(5000)],
    ['RPUSH', 'edited', ...Array.from({ length: 400 }, (_, i) => `e${i}`)],
    ['LINSERT', 'edited', 'BEFORE', 'e200', 'inserted'],
    ['LSET', 'edited', '10', 'x'.repeat(3000)],
    ['LREM', 'edited', '0', 'e300'],
    ['LTRIM', 'edited', '5', '-5'],
  ];
}

async function run(c: RawConnection, cmds: string[][]): Promise<void> {
  for (const argv of cmds) {
    const r = await c.call(...argv);
    assert.ok(r !== null && r[0] !== '-', `${JSON.stringify(argv)}: ${r}`);
  }
}

/** Every list of every database: its key, contents, TTL presence and encoding. */
async function lists(c: RawConnection): Promise<string[]> {
  const out: string[] = [];
  for (let db = 0; db < 16; db++) {
    assert.equal(await c.call('SELECT', String(db)), '+OK\r\n');
    const keys = splitAggregate((await c.call('KEYS', '*'))!).items.map((k) => bulkText(k)).sort();
    for (const k of keys) {
      if ((await c.call('TYPE', k)) !== '+list\r\n') continue;
      const ttl = await c.call('PTTL', k);
      out.push(`${db} ${JSON.stringify(k)} ${await c.call('LRANGE', k, '0', '-1')} ${ttl === ':-1\r\n' ? 'persistent' : 'volatile'} ${await c.call('OBJECT', 'ENCODING', k)}`);
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

describe('lists in RDB files, between nodis and Redis', suite, () => {
  for (const compression of ['yes', 'no']) {
    it(`a file nodis saves loads in redis-server and passes redis-check-rdb (rdbcompression ${compression})`, async () => {
      const dir = tempDir();
      const nodis = await startServer({ dir, rdbcompression: compression, 'enable-debug-command': 'yes' });
      const n = await RawConnection.open({ port: nodis.port });
      try {
        await run(n, listCommands());
        await run(n, otherListCommands());
        // Elements past the packed threshold are saved as plain nodes.
        assert.equal(await n.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100b'), '+OK\r\n');
        await run(n, [['RPUSH', 'plain', 'short', 'p'.repeat(150), 'x', 'q'.repeat(5000)]]);
        assert.equal(await n.call('SAVE'), '+OK\r\n');
        assert.equal(await n.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'), '+OK\r\n');
        checkRdb(join(dir, 'dump.rdb'));
        await withOracleLoading(dir, 'dump.rdb', async (o) => {
          assert.deepEqual(await lists(o), await lists(n));
        });
      } finally {
        n.close();
        await nodis.close();
      }
    });

    it(`a file redis-server saves loads in nodis, and saves back the same (rdbcompression ${compression})`, async () => {
      const oracle = await startOracle(['--rdbcompression', compression]);
      const o = await oracle.connect();
      try {
        await run(o, listCommands());
        assert.equal(await o.call('SAVE'), '+OK\r\n');
        await withNodisLoading(oracle.dir, 'dump.rdb', async (n, dir) => {
          const expected = await lists(o);
          assert.deepEqual(await lists(n), expected);
          assert.equal(await n.call('DEBUG', 'RELOAD'), '+OK\r\n');
          assert.deepEqual(await lists(n), expected);
          // The nodes are laid out as Redis lays them out, so the file is Redis's, byte for byte
          // (but for the aux fields).
          assert.equal(await n.call('SAVE'), '+OK\r\n');
          assert.ok(body(readFileSync(join(dir, 'dump.rdb'))).equals(body(readFileSync(join(oracle.dir, 'dump.rdb')))), 'lists are written as Redis writes them');
        }, { rdbcompression: compression });
      } finally {
        o.close();
        await oracle.close();
      }
    });
  }

  for (const file of ['list-quicklist.rdb', 'encodings.rdb']) {
    it(`loads ${file} (Redis's old list encodings) as Redis does`, { skip: assets ? false : 'no Redis test assets' }, async (t) => {
      const dir = tempDir();
      copyFileSync(join(assets!, file), join(dir, file));
      const oracle = await startOracle(['--dir', dir, '--dbfilename', file]);
      const o = await oracle.connect();
      let nodis: NodisServer | null = null;
      try {
        const expected = await lists(o);
        assert.ok(expected.length > 0, `${file} holds lists`);
        try {
          nodis = await startServer({ dir, dbfilename: file, load: true });
        } catch (e) {
          // The file holds types nodis cannot load yet (sets, hashes …): nothing to compare.
          if (e instanceof Error && /not supported by nodis/.test(e.message)) return t.skip(e.message);
          throw e;
        }
        const n = await RawConnection.open({ port: nodis.port });
        try {
          assert.deepEqual(await lists(n), expected);
        } finally {
          n.close();
        }
      } finally {
        o.close();
        await oracle.close();
      await nodis?.close();
      }
    });
  }
});

// ---- Old encodings, written here: ziplist (10), quicklist of ziplists (14), linked list (1) ----

/** An RDB length. */
function rdbLen(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

/** An RDB string of raw bytes. */
function rdbString(bytes: Buffer): Buffer {
  return Buffer.concat([rdbLen(bytes.length), bytes]);
}

/** A ziplist of these entries: numbers as Redis's integer encodings (when asInts), strings raw. */
function ziplist(items: string[], asInts = true): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let offset = 10;
  for (const item of items) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), Buffer.from(Uint32Array.of(prev).buffer)]);
    let enc: Buffer;
    const v = /^-?[1-9][0-9]{0,17}$|^0$/.test(item) && asInts ? BigInt(item) : null;
    if (v !== null && v >= 0n && v <= 12n) enc = Buffer.from([0xf1 + Number(v)]);
    else if (v !== null && v >= -128n && v <= 127n) enc = Buffer.from([0xfe, Number(v) & 0xff]);
    else if (v !== null && v >= -32768n && v <= 32767n) {
      enc = Buffer.alloc(3);
      enc[0] = 0xc0;
      enc.writeInt16LE(Number(v), 1);
    } else if (v !== null && v >= -8388608n && v <= 8388607n) {
      enc = Buffer.alloc(4);
      enc[0] = 0xf0;
      enc.writeIntLE(Number(v), 1, 3);
    } else if (v !== null && v >= -2147483648n && v <= 2147483647n) {
      enc = Buffer.alloc(5);
      enc[0] = 0xd0;
      enc.writeInt32LE(Number(v), 1);
    } else if (v !== null) {
      enc = Buffer.alloc(9);
      enc[0] = 0xe0;
      enc.writeBigInt64LE(v, 1);
    } else {
      const data = Buffer.from(item, 'latin1');
      const n = data.length;
      const head = n < 64 ? Buffer.from([n]) : n < 16384 ? Buffer.from([0x40 | (n >> 8), n & 0xff]) : Buffer.from([0x80, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
      enc = Buffer.concat([head, data]);
    }
    const entry = Buffer.concat([prevlen, enc]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    entries.push(entry);
  }
  const body = Buffer.concat(entries);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + body.length + 1, 0);
  head.writeUInt32LE(items.length ? tail : 10, 4);
  head.writeUInt16LE(Math.min(items.length, 65535), 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

/** A DUMP payload: type, value, RDB version 9, checksum. */
function payload(type: number, value: Buffer): string {
  const b = Buffer.concat([Buffer.from([type]), value, Buffer.from([9, 0]), Buffer.alloc(8)]);
  return withChecksum(b.toString('latin1'));
}

const OLD_ITEMS = ['a', '', '0', '12', '13', '-1', '127', '-128', '200', '-32768', '40000', '-8388608', '9000000', '2147483647', '-2147483649', '9223372036854775807', '007', 'x'.repeat(100), 'y'.repeat(20000), '\x00\xff'];

describe('RESTORE of lists in the encodings Redis used to write', differentialSuite(), () => {
  const d = new Differential();
  after(() => d.stop());

  it('ziplist, quicklist of ziplists and linked list load as in Redis', async () => {
    await d.start();
    await d.withPair(async (p) => {
      const cases: Array<[string, string]> = [
        ['ziplist', payload(10, rdbString(ziplist(OLD_ITEMS)))],
        ['ziplist of strings', payload(10, rdbString(ziplist(OLD_ITEMS, false)))],
        ['quicklist', payload(14, Buffer.concat([rdbLen(3), rdbString(ziplist(OLD_ITEMS.slice(0, 7))), rdbString(ziplist([])), rdbString(ziplist(OLD_ITEMS.slice(7)))]))],
        ['quicklist of empty ziplists', payload(14, Buffer.concat([rdbLen(2), rdbString(ziplist([])), rdbString(ziplist([]))]))],
        ['linked list', payload(1, Buffer.concat([rdbLen(OLD_ITEMS.length), ...OLD_ITEMS.map((s) => rdbString(Buffer.from(s, 'latin1')))]))],
        ['empty ziplist', payload(10, rdbString(ziplist([])))],
      ];
      for (const [name, pl] of cases) {
        const [rn, ro] = await p.both('RESTORE', name, '0', pl);
        assert.equal(rn, ro, name);
        await p.do('LRANGE', name, '0', '-1');
        await p.do('OBJECT', 'ENCODING', name);
      }
    });
  });
});

/** A DUMP payload with its checksum recomputed (the corrupt payloads below test the data). */
function withChecksum(payload: string): string {
  const b = Buffer.from(payload, 'latin1');
  const crc = new Crc64().update(b, 0, b.length - 8);
  crc.writeLE(b, b.length - 8);
  return b.toString('latin1');
}

/** Redis's corrupt-dump.tcl list payloads (escapes as there), plus a few of ours. */
const CORRUPT_PAYLOADS = [
  '\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x02\x00\x00\x02\x61\x00\x0E\x02\x62\x00\xFF\x09\x00\x49\x97\x30\xB2\x0D\xA1\xED\xAA',
  '\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x02\x00\x00\x02\x61\x00\x02\x02\x62\x00\xFF\x09\x00\xC7\x71\x03\x97\x07\x75\xB0\x63',
  '\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x03\x00\x00\x02\x61\x00\x04\x02\x62\x00\xFF\x09\x00\x4D\xE2\x0A\x2F\x08\x25\xDF\x91',
  '\x0E\x01\x80\x00\x00\x00\x10\x41\x41\x41\x41\x41\x41\x41\x41\x02\x00\x00\x80\x41\x41\x41\x41\x07\x00\x03\xC7\x1D\xEF\x54\x68\xCC\xF3',
  '\x0E\x01\x0B\x0B\x00\x00\x00\x0A\x00\x00\x00\x00\x00\xFF\x09\x00\xC2\x69\x37\x83\x3C\x7F\xFE\x6F',
  '\x12\x01\x01\x00\x0a\x00\x8f\xc6\xc0\x57\x1c\x0a\xb3\x3c',
  '\x12\x01\x02\x0b\x0b\x00\x00\x00\x01\x00\x81\x61\x02\xff\xff\x0a\x00\x7e\xd8\xde\x5b\x0d\xd7\x70\xb8',
  '\x0A\x80\x00\x00\x00\x10\x41\x41\x41\x41\x41\x41\x41\x41\x02\x00\x00\x80\x41\x41\x41\x41\x07\x00\x39\x5B\x49\xE0\xC1\xC6\xDD\x76',
  '\x0E\x01\x13\x13\x00\x00\x00\x10\x00\x00\x00\x03\x12\x00\xF3\x02\x02\x5F\x31\x04\xF1\xFF\x09\x00\xC9\x4B\x31\xFE\x61\xC0\x96\xFE',
  '\x0E\x02\x1B\x1B\x00\x00\x00\x16\x00\x00\x00\x05\x00\x00\x02\x5F\x39\x04\xF9\x02\x86\x5F\x37\x04\xF7\x02\x02\x5F\x35\xFF\x19\x19\x00\x00\x00\x16\x00\x00\x00\x05\x00\x00\xF5\x02\x02\x5F\x33\x04\xF3\x02\x02\x5F\x31\x04\xF1\xFF\x09\x00\x0C\xFC\x99\x2C\x23\x45\x15\x60',
  '\x0E\x02\x1B\x1B\x00\x00\x00\x16\x00\x00\x00\x05\x00\x00\x02\x5F\x39\x04\xF9\x02\x02\x5F\x37\x04\xF7\x02\x02\x5F\x35\xFF\x19\x19\x00\x00\x00\x16\x00\x00\x00\x05\x00\x00\xF5\x02\x02\x5F\x33\x04\xF3\x95\x02\x5F\x31\x04\xF1\xFF\x09\x00\x0C\xFC\x99\x2C\x23\x45\x15\x60',
  '\x0E\x01\x13\x13\x00\x00\x00\x10\x00\x00\x00\x03\x00\x00\xF3\x02\x02\x5F\x31\xC1\xF1\xFF\x09\x00\xC9\x4B\x31\xFE\x61\xC0\x96\xFE',
  '\x0A\x81\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x13\x00\x00\x00\x0E\x00\x00\x00\x02\x00\x00\x02\x61\x00\x04\x02\x62\x00\xFF\x09\x00\x57\x04\xE5\xCD\xD4\x37\x6C\x57',
  '\x0E\x01\x11\x11\x00\x00\x00\x0A\x00\x00\x00\x01\x00\x00\xF6\xFF\xB0\x6C\x9C\xFF\x09\x00\x9C\x37\x47\x49\x4D\xDE\x94\xF5',
  '\x0E\xC0\x2B\x15\x00\x00\x00\x0A\x00\x00\x00\x01\x00\x00\xE0\x62\x58\xEA\xDF\x22\x00\x00\x00\xFF\x09\x00\xDF\x35\xD2\x67\xDC\x0E\x89\xAB',
  '\x12\x01\x02\x13\x13\x00\x00\x00\x10\x00\x00\x00\x03\x00\x00\xF3\xFE\x02\x5F\x31\x04\xF1\xFF\x0A\x00\x19\x8D\x3D\x74\x85\x94\x29\xBD',
  '\x0e\x02\x1B\x1B\x00\x00\x00\x16\x00\x00\x00\x05\x00\x00\x02\x5F\x39\x04\xF9\x02\x02\x5F\x37\x04\xF7\x02\x02\x5F\x35\xFF\x19\x19\x00\x00\x00\x16\x00\x00\x00\x05\x00\x00\xF5\x02\x02\x5F\x33\x04\xF3\x02\x02\x5F\x31\xFE\xF1\xFF\x0A\x00\x6B\x43\x32\x2F\xBB\x29\x0a\xBE',
  // Ours: an empty linked list, an empty quicklist 2, a plain node, an unknown container.
  '\x01\x00\x0A\x00\x00\x00\x00\x00\x00\x00\x00\x00',
  '\x12\x00\x0A\x00\x00\x00\x00\x00\x00\x00\x00\x00',
  '\x12\x01\x01\x03abc\x0A\x00\x00\x00\x00\x00\x00\x00\x00\x00',
  '\x12\x01\x03\x03abc\x0A\x00\x00\x00\x00\x00\x00\x00\x00\x00',
];

describe('RESTORE of corrupt list payloads', differentialSuite(), () => {
  const d = new Differential();
  after(() => d.stop());

  it('fails where Redis fails and loads what Redis loads', async () => {
    await d.startWith({ 'sanitize-dump-payload': 'yes' });
    await d.withPair(async (p) => {
      for (const [i, raw] of CORRUPT_PAYLOADS.entries()) {
        const payload = withChecksum(raw);
        const [rn, ro] = await p.both('RESTORE', `k${i}`, '0', payload, 'REPLACE');
        assert.equal(rn, ro, `payload ${i} ${JSON.stringify(raw.slice(0, 24))}`);
        if (rn === '+OK\r\n') await p.do('LRANGE', `k${i}`, '0', '-1');
      }
      // Both are still alive.
      await p.do('PING');
    });
  });
});

describe('RESTORE and DEBUG RELOAD keep lists whole', differentialSuite(), () => {
  it('a list written over many commands reads back the same after DEBUG RELOAD', async () => {
    const nodis = await startServer({ dir: tempDir(), 'enable-debug-command': 'yes' });
    const n = await RawConnection.open({ port: nodis.port });
    try {
      await run(n, listCommands());
      await run(n, otherListCommands());
      const before = await lists(n);
      assert.equal(await n.call('DEBUG', 'RELOAD'), '+OK\r\n');
      assert.deepEqual(await lists(n), before);
      n.write(encodeCommand(['DUMP', 'long']));
      const dump = bulkText(await n.read());
      assert.equal(await n.call('RESTORE', 'copy', '0', dump), '+OK\r\n');
      assert.equal(await n.call('LRANGE', 'copy', '0', '-1'), await n.call('LRANGE', 'long', '0', '-1'));
    } finally {
      n.close();
      await nodis.close();
    }
  });
});
