// Protected mode: without a password, only loopback (and unix socket) clients may connect.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { startServer, type NodisServer } from '../../src/index.js';
import { startOracle, type Oracle } from '../helpers/oracle.js';
import { differentialSuite } from '../helpers/differential.js';
import { RawConnection } from '../helpers/resp.js';

/** An address of this machine that is not loopback, so a connection to it is not "local". */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

const external = externalAddress();
const suite = differentialSuite();
const options = suite.skip ? suite : external ? {} : { skip: 'no non-loopback IPv4 address on this machine' };

async function exchange(host: string, port: number): Promise<string> {
  const c = await RawConnection.open({ host, port });
  c.write('PING\r\n');
  const r = await c.readUntilClose(1000);
  c.close();
  return r;
}

describe('protected mode', options, () => {
  let nodis: NodisServer;
  let oracle: Oracle;
  const oraclePort = 20000 + Math.floor(Math.random() * 20000);
  before(async () => {
    nodis = await startServer({ bind: '* -::*' });
    oracle = await startOracle(['--port', String(oraclePort), '--bind', '*']);
  });
  after(async () => {
    await nodis?.close();
    await oracle?.close();
  });

  it('refuses a non-loopback client with Redis\'s DENIED reply and counts it as rejected', async () => {
    const ours = await exchange(external!, nodis.port);
    const theirs = await exchange(external!, oraclePort);
    assert.match(ours, /^-DENIED Redis is running in protected mode/);
    assert.equal(ours, theirs);
    assert.equal(nodis.server.stats.rejectedConnections, 1);
  });

  it('serves loopback clients', async () => {
    const c = await RawConnection.open({ port: nodis.port });
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  });

  it('lets external clients in once a password is set or protected mode is off', async () => {
    const admin = await RawConnection.open({ port: nodis.port });
    try {
      assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', 'pw'), '+OK\r\n');
      const c = await RawConnection.open({ host: external!, port: nodis.port });
      assert.equal(await c.call('PING'), '-NOAUTH Authentication required.\r\n');
      c.close();
      assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', '', 'protected-mode', 'no'), '+OK\r\n');
      const d = await RawConnection.open({ host: external!, port: nodis.port });
      assert.equal(await d.call('PING'), '+PONG\r\n');
      d.close();
    } finally {
      admin.close();
    }
  });
});
