// A real redis-server replicating hashes and sets from a nodis primary: the snapshot carries
// every encoding, and the stream carries the rewritten commands (HINCRBYFLOAT as HSET, SPOP as
// SREMs or a DEL), so both end with the same data: DEBUG DIGEST agrees.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { differentialSuite } from '../helpers/differential.js';
import { startOracle, type Oracle } from '../helpers/oracle.js';
import { RawConnection } from '../helpers/resp.js';
import { startServer, type NodisServer } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';

describe('a real Redis replica of nodis, with hashes and sets', differentialSuite(), () => {
  let nodis: NodisServer;
  let replica: Oracle;
  let primary: RawConnection;
  let follower: RawConnection;

  const call = async (...argv: string[]): Promise<string> => {
    const r = await primary.call(...argv);
    assert.ok(r !== null && r[0] !== '-', `${JSON.stringify(argv)}: ${r}`);
    return r;
  };

  before(async () => {
    nodis = await startServer({ 'enable-debug-command': 'yes' });
    primary = await RawConnection.open({ port: nodis.port });
    const big: string[] = [];
    for (let i = 0; i < 600; i++) big.push(`f${i}`, String(i));
    await call('HSET', 'h:small', 'a', '1', 'b', 'two');
    await call('HSET', 'h:big', ...big);
    await call('SADD', 's:ints', '1', '2', '70000');
    await call('SADD', 's:strs', 'a', 'b', '');
    await call('SELECT', '4');
    await call('SADD', 's:db4', ...big);
    await call('SELECT', '0');
    replica = await startOracle(['--replicaof', '127.0.0.1', String(nodis.port)]);
    follower = await replica.connect();
    await eventually(async () => assert.match((await follower.call('INFO', 'replication'))!, /master_link_status:up/));
  });

  after(async () => {
    follower?.close();
    primary?.close();
    await replica?.close();
    await nodis?.close();
  });

  it('loads the snapshot with the same data and encodings', async () => {
    await eventually(async () => assert.equal(await follower.call('DEBUG', 'DIGEST'), await primary.call('DEBUG', 'DIGEST')));
    for (const k of ['h:small', 'h:big', 's:ints', 's:strs']) {
      assert.equal(await follower.call('OBJECT', 'ENCODING', k), await primary.call('OBJECT', 'ENCODING', k), k);
    }
  });

  it('applies the stream: random pops, float increments, stores, deletions', async () => {
    await call('HINCRBYFLOAT', 'h:small', 'f', '0.1');
    await call('HINCRBYFLOAT', 'h:small', 'f', '1e-20');
    await call('HINCRBY', 'h:small', 'n', '5');
    await call('HDEL', 'h:big', 'f1', 'f2');
    await call('SPOP', 's:ints');
    await call('SELECT', '4');
    await call('SPOP', 's:db4', '7');
    await call('SPOP', 's:db4', '590');
    await call('SELECT', '0');
    await call('SPOP', 's:strs', '10');
    await call('SADD', 'x', '1', '2', '3', 'z');
    await call('SINTERSTORE', 'dst', 'x', 's:ints');
    await call('SMOVE', 'x', 'y', 'z');
    await call('SRANDMEMBER', 'x', '-5');
    await call('HSETNX', 'h:new', 'k', 'v');
    await eventually(async () => assert.equal(await follower.call('DEBUG', 'DIGEST'), await primary.call('DEBUG', 'DIGEST')));
    assert.equal(await follower.call('HGET', 'h:small', 'f'), await primary.call('HGET', 'h:small', 'f'));
    assert.equal(await follower.call('EXISTS', 's:strs'), ':0\r\n');
  });
});
