// Streams in RDB files between nodis and real Redis: a file nodis saves passes redis-check-rdb and
// loads in redis-server with the same entries, groups, PELs, consumers and counters (XINFO STREAM
// FULL and DEBUG DIGEST-VALUE equal); a file Redis saves loads in nodis and survives DEBUG RELOAD;
// Redis 6's RDB_TYPE_STREAM_LISTPACKS loads as Redis 7.0 loads it (entries-added and entries-read
// derived), and Redis 7.2's _3 (consumers with an active time) loads in nodis.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer } from '../../src/embed.js';
import { startOracle, oracleAvailable, ORACLE_SKIP_MESSAGE, withOracleLoading } from '../helpers/oracle.js';
import { RawConnection } from '../helpers/resp.js';
import { withoutActiveTimes } from '../helpers/collections.js';
import { RdbWriter } from '../../src/persistence/rdb.js';
import { Crc64 } from '../../src/util/crc64.js';
import { StreamValue, makeId } from '../../src/types/stream.js';
import { tempDirs } from '../helpers/tempdir.js';
import { withNodisLoading } from '../helpers/loading.js';

const suite = oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };

const tempDir = tempDirs('nodis-streams-test-');

/** Streams with tombstones, several nodes, big IDs, groups with PELs and an idle consumer. */
const POPULATE: string[][] = [
  ['CONFIG', 'SET', 'stream-node-max-entries', '4'],
  ...Array.from({ length: 15 }, (_, i) => ['XADD', 's', `${1000 + i}-${i % 3}`, 'f', `v${i}`, 'n', String(i * 77777)]),
  ['XDEL', 's', '1003-0', '1000-0'],
  ['XGROUP', 'CREATE', 's', 'g1', '0'],
  ['XGROUP', 'CREATE', 's', 'g2', '1005', 'ENTRIESREAD', '4'],
  ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '3', 'STREAMS', 's', '>'],
  ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '2', 'STREAMS', 's', '>'],
  ['XGROUP', 'CREATECONSUMER', 's', 'g2', 'idle'],
  ['XCLAIM', 's', 'g1', 'carol', '0', '1004-1', 'TIME', '1700000000000', 'RETRYCOUNT', '9'],
  ['XADD', 'huge', '18446744073709551615-18446744073709551614', 'a', 'b'],
  ['XGROUP', 'CREATE', 'empty', 'g', '$', 'MKSTREAM'],
  ['XSETID', 'empty', '77-7', 'ENTRIESADDED', '5', 'MAXDELETEDID', '70'],
  ['SELECT', '3'],
  ['XADD', 'other', '1', 'x', 'y'],
  ['SELECT', '0'],
];

async function populate(c: RawConnection): Promise<void> {
  for (const argv of POPULATE) {
    const r = await c.call(...argv);
    assert.ok(r !== null && r[0] !== '-', `${JSON.stringify(argv)}: ${r}`);
  }
}

/** What each stream holds, as XINFO STREAM FULL and the value digest report it. */
async function contents(c: RawConnection): Promise<string[]> {
  const out: string[] = [];
  for (const [db, keys] of [['0', ['s', 'huge', 'empty']], ['3', ['other']]] as const) {
    await c.call('SELECT', db);
    for (const k of keys) {
      out.push(`${db} ${k} ${await c.call('TYPE', k)} ${withoutActiveTimes((await c.call('XINFO', 'STREAM', k, 'FULL', 'COUNT', '0')) ?? '')}`);
      out.push(String(await c.call('DEBUG', 'DIGEST-VALUE', k)));
    }
  }
  await c.call('SELECT', '0');
  return out;
}

function checkRdb(file: string): void {
  const r = spawnSync('redis-check-rdb', [file], { encoding: 'latin1' });
  assert.equal(r.status, 0, `redis-check-rdb failed:\n${r.stdout}${r.stderr}`);
}

/** A DUMP payload of a value body (type byte first), RDB version `version`. */
function payload(body: Buffer, version = 10): string {
  const head = Buffer.concat([body, Buffer.from([version & 0xff, version >> 8])]);
  const crc = Buffer.alloc(8);
  new Crc64().update(head, 0, head.length).writeLE(crc, 0);
  return Buffer.concat([head, crc]).toString('latin1');
}

describe('streams in RDB files, between nodis and Redis', suite, () => {
  it('a file nodis saves passes redis-check-rdb and loads in redis-server as it was', async () => {
    const dir = tempDir();
    const nodis = await startServer({ dir, 'enable-debug-command': 'yes' });
    const n = await RawConnection.open({ port: nodis.port });
    try {
      await populate(n);
      const mine = await contents(n);
      assert.equal(await n.call('SAVE'), '+OK\r\n');
      checkRdb(join(dir, 'dump.rdb'));
      await withOracleLoading(dir, 'dump.rdb', async (l) => {
        assert.deepEqual(await contents(l), mine);
      }, ['--enable-debug-command', 'yes']);
    } finally {
      n.close();
      await nodis.close();
    }
  });

  it('a file redis-server saves loads in nodis, and DEBUG RELOAD keeps it', async () => {
    const oracle = await startOracle(['--enable-debug-command', 'yes']);
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

  /** A stream value body in the RDB_TYPE_STREAM_LISTPACKS (15) or _3 (21) layout. */
  function oldLayout(type: 15 | 21): Buffer {
    const s = new StreamValue();
    for (let i = 1; i <= 5; i++) s.append(makeId(i, 0), ['f', String(i)], 4096, 3);
    const w = new RdbWriter(false);
    w.byte(type);
    w.len(s.nodes.length);
    for (const node of s.nodes) {
      w.string(node.masterId);
      w.string(node.encode().toString('latin1'));
    }
    w.len(s.length);
    w.len(5);
    w.len(0);
    if (type === 21) {
      w.len(1); // first ID
      w.len(0);
      w.len(0); // max deleted ID
      w.len(0);
      w.len(5); // entries added
    }
    w.len(1);
    w.string('grp');
    w.len(2);
    w.len(0);
    if (type === 21) w.len(2); // entries read
    w.len(1);
    w.latin1(makeId(2, 0));
    w.int64LE(1700000000000);
    w.len(3);
    w.len(1);
    w.string('worker');
    w.int64LE(1700000000500);
    if (type === 21) w.int64LE(1700000000400); // active time
    w.len(1);
    w.latin1(makeId(2, 0));
    return w.finish();
  }

  it("Redis 6's stream layout loads as Redis 7.0 loads it", async () => {
    const oracle = await startOracle([]);
    const o = await oracle.connect();
    const nodis = await startServer();
    const n = await RawConnection.open({ port: nodis.port });
    try {
      const p = payload(oldLayout(15), 9);
      for (const c of [n, o]) assert.equal(await c.call('RESTORE', 'old', '0', p), '+OK\r\n');
      for (const cmd of [['XINFO', 'STREAM', 'old', 'FULL'], ['XINFO', 'GROUPS', 'old'], ['XRANGE', 'old', '-', '+']]) {
        assert.equal(withoutActiveTimes((await n.call(...cmd)) ?? ''), await o.call(...cmd), cmd.join(' '));
      }
    } finally {
      n.close();
      o.close();
      await nodis.close();
      await oracle.close();
    }
  });

  it("Redis 7.2's layout (consumers with an active time) loads in nodis", async () => {
    const nodis = await startServer();
    const n = await RawConnection.open({ port: nodis.port });
    try {
      assert.equal(await n.call('RESTORE', 'new', '0', payload(oldLayout(21), 11)), '+OK\r\n');
      const full = (await n.call('XINFO', 'STREAM', 'new', 'FULL'))!;
      assert.match(full, /seen-time\r\n:1700000000500\r\n\$11\r\nactive-time\r\n:1700000000400\r\n/);
      assert.match(full, /entries-read\r\n:2\r\n/);
      assert.equal(await n.call('XPENDING', 'new', 'grp'), '*4\r\n:1\r\n$3\r\n2-0\r\n$3\r\n2-0\r\n*1\r\n*2\r\n$6\r\nworker\r\n$1\r\n1\r\n');
    } finally {
      n.close();
      await nodis.close();
    }
  });
});
