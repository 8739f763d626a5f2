// WAIT on the primary, in process: the offset of the client's last write, the GETACK sent once
// per turn, and the acknowledgements that release it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localServer } from '../helpers/local.js';
import { encodeArgv } from '../../src/protocol/writer.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('WAIT', () => {
  it("waits for the offset of the client's own last write, and replies once a replica acknowledged it", async () => {
    const { server, run, c } = localServer();
    const replica = server.createFakeClient();
    server.replication.attachOnline(replica);
    assert.equal(run('SET', 'k', 'v'), '+OK\r\n');
    const offset = server.replication.offset;
    assert.equal(c.woff, offset);
    // A read does not move it.
    run('GET', 'k');
    assert.equal(c.woff, offset);
    assert.equal(run('WAIT', '1', '0'), '');
    assert.notEqual(c.blocked, null);
    replica.out = '';
    await turn();
    // Asked once for this turn, in the stream (the offset grows by it).
    assert.equal(replica.out, encodeArgv(['REPLCONF', 'GETACK', '*']));
    server.replication.acknowledged(replica, offset - 1);
    await turn();
    assert.notEqual(c.blocked, null);
    server.replication.acknowledged(replica, offset);
    await turn();
    assert.equal(c.blocked, null);
    assert.equal(c.takeReplies(), ':1\r\n');
  });

  it('replies the count acknowledged so far when the timeout passes, and counts the call', async () => {
    const { server, run, c, clock } = localServer();
    const replica = server.createFakeClient();
    server.replication.attachOnline(replica);
    run('SET', 'k', 'v');
    assert.equal(run('WAIT', '1', '100'), '');
    clock.advance(101);
    await turn();
    assert.equal(c.takeReplies(), ':0\r\n');
    assert.match(run('INFO', 'commandstats'), /cmdstat_wait:calls=1,/);
  });

  it('a replica that has not acknowledged is not counted, and a timed-out WAIT replies how many did', () => {
    const { server, run, c } = localServer();
    const replica = server.createFakeClient();
    server.replication.attachOnline(replica);
    run('SET', 'k', 'v');
    assert.equal(run('WAIT', '0', '0'), ':0\r\n');
    assert.equal(run('WAIT', '1', '0'), '');
    server.blocking.unblock(c, 'timeout');
    assert.equal(c.takeReplies(), ':0\r\n');
  });
});
