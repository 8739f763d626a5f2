// Protected mode: without a password, only loopback (and unix socket) clients may connect.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { Differential, Pair, differentialSuite } from '../helpers/differential.js';
import { RawConnection } from '../helpers/resp.js';
import { freePort } from '../helpers/oracle.js';

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

describe('protected mode', options, () => {
  const d = new Differential();
  let oraclePort = 0;
  before(async () => {
    // A port the kernel hands out, not a random guess that may be in use.
    oraclePort = await freePort('0.0.0.0');
    await d.start({ bind: '* -::*' }, ['--port', String(oraclePort), '--bind', '*']);
  });
  after(() => d.stop());

  it('refuses a non-loopback client with Redis\'s DENIED reply and counts it as rejected', async () => {
    // Both connect from an address of this machine that is not loopback.
    const p = new Pair(
      await RawConnection.open({ host: external!, port: d.nodis.port }),
      await RawConnection.open({ host: external!, port: oraclePort }),
    );
    try {
      const [ours] = await p.raw('PING\r\n', 1000);
      assert.match(ours, /^-DENIED Redis is running in protected mode/);
    } finally {
      p.close();
    }
    assert.equal(d.nodis.server.stats.rejectedConnections, 1);
  });

  it('serves loopback clients', async () => {
    const c = await RawConnection.open({ port: d.nodis.port });
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  });

  it('lets external clients in once a password is set or protected mode is off', async () => {
    const admin = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', 'pw'), '+OK\r\n');
      const c = await RawConnection.open({ host: external!, port: d.nodis.port });
      assert.equal(await c.call('PING'), '-NOAUTH Authentication required.\r\n');
      c.close();
      assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', '', 'protected-mode', 'no'), '+OK\r\n');
      const e = await RawConnection.open({ host: external!, port: d.nodis.port });
      assert.equal(await e.call('PING'), '+PONG\r\n');
      e.close();
    } finally {
      admin.close();
    }
  });
});
