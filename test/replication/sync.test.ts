// The primary's handshake against real Redis: REPLCONF's replies and errors, PSYNC's argument
// checks, SYNC refused with pending output; then what a replica sees on nodis (INFO, CLIENT
// LIST). The stream itself is compared in test/commands/side-effects.test.ts.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite } from '../helpers/differential.js';
import { RawConnection } from '../helpers/resp.js';

describe('replication handshake (differential)', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('REPLCONF answers like Redis', async () => {
    await d.withPair(async (p) => {
      await p.do('REPLCONF');
      await p.error('REPLCONF', 'listening-port');
      await p.error('REPLCONF', 'nosuch', 'x');
      await p.error('REPLCONF', 'listening-port', 'abc');
      await p.do('REPLCONF', 'listening-port', '6380');
      await p.do('REPLCONF', 'LISTENING-PORT', '99999999999999');
      await p.do('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
      await p.do('REPLCONF', 'ip-address', '10.0.0.1');
      await p.do('REPLCONF', 'rdb-only', '1');
      await p.error('REPLCONF', 'rdb-only', 'x');
      await p.error('REPLCONF', 'listening-port', '1', 'bad', '2');
      // ACK and GETACK from a client that is no replica get no reply at all.
      await p.raw('*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n5\r\n*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n', 200);
      await p.do('PING');
    });
  });

  it('PSYNC checks its offset; SYNC and PSYNC refuse a connection with pending replies', async () => {
    await d.withPair(async (p) => {
      await p.error('PSYNC', '?', 'x');
      await p.error('PSYNC', 'abc', '');
      await p.error('PSYNC', '?');
      // A pipelined command's reply is still pending when SYNC runs.
      await p.raw('PING\r\nSYNC\r\nPING\r\nPSYNC ? -1\r\n', 300);
    });
  });
});

describe('a replica attached to nodis', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('gets +FULLRESYNC, an RDB snapshot, then shows in INFO and CLIENT LIST', async () => {
    const replica = await RawConnection.open({ port: d.nodis.port });
    const admin = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(await admin.call('SET', 'before-sync', 'in-the-snapshot'), '+OK\r\n');
      assert.equal(await replica.call('REPLCONF', 'listening-port', '7777'), '+OK\r\n');
      replica.write('PSYNC ? -1\r\n');
      const line = (await replica.read())!;
      assert.match(line, /^\+FULLRESYNC [0-9a-f]{40} \d+\r\n$/);
      assert.equal(line.split(' ')[1], d.nodis.server.replication.replId);
      const rdb = await replica.readRdb();
      assert.ok(rdb.startsWith('REDIS0010'), 'an RDB of version 10');
      // The keyspace as it was, and the replication fields a replica continues from.
      assert.ok(rdb.includes('\x0bbefore-sync\x0fin-the-snapshot'), 'the key and its value');
      assert.ok(rdb.includes(`repl-id(${d.nodis.server.replication.replId}`), 'repl-id');
      assert.ok(rdb.includes('repl-stream-db\xc0\x00'), 'repl-stream-db');
      const info = (await admin.call('INFO', 'replication'))!;
      assert.match(info, /\r\nconnected_slaves:1\r\n/);
      assert.match(info, /\r\nslave0:ip=127\.0\.0\.1,port=7777,state=online,offset=0,lag=\d+\r\n/);
      const list = (await admin.call('CLIENT', 'LIST', 'TYPE', 'replica'))!;
      assert.match(list, /flags=S /);
      assert.match(list, /cmd=psync /);
      // A write reaches the replica, after a SELECT, and moves the offset by the bytes sent.
      const before = d.nodis.server.replication.offset;
      assert.equal(await admin.call('SET', 'k', 'v'), '+OK\r\n');
      const select = '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n';
      const set = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n';
      const expected = select + set;
      assert.equal(await replica.read(), select);
      assert.equal(await replica.read(), set);
      assert.equal(d.nodis.server.replication.offset - before, expected.length);
      assert.match((await admin.call('INFO', 'replication'))!, new RegExp(`master_repl_offset:${d.nodis.server.replication.offset}\\r\\n`));
      // An acknowledgement gets no reply and shows as the replica's offset.
      replica.write('*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$2\r\n42\r\n');
      await new Promise((r) => setTimeout(r, 50));
      assert.match((await admin.call('INFO', 'replication'))!, /slave0:ip=127\.0\.0\.1,port=7777,state=online,offset=42,/);
      // A command that makes a reply (RESET refuses a replica) is a rogue replica: disconnected,
      // without the reply, as Redis does.
      replica.write('RESET\r\n');
      assert.equal(await replica.readUntilClose(2000), '');
    } finally {
      replica.close();
    }
    // A replica that goes away is forgotten.
    for (let i = 0; i < 50 && d.nodis.server.replication.replicas.length !== 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.match((await admin.call('INFO', 'replication'))!, /\r\nconnected_slaves:0\r\n/);
    admin.close();
  });
});
