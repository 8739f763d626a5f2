// Protected commands (DEBUG) against real Redis: refused right after the arity check, before
// authentication, and counted as rejected calls, not as failed ones.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite } from '../helpers/differential.js';
import { localServer } from '../helpers/local.js';
import { errProtectedCommand } from '../../src/server/protected.js';

const NOT_ALLOWED = `-${errProtectedCommand('DEBUG', 'enable-debug-command')}\r\n`;

/** The cmdstat_debug line without its timings. */
function debugStats(info: string | null): string {
  const line = /cmdstat_debug:[^\r]*/.exec(info ?? '')?.[0] ?? 'none';
  return line.replace(/usec=\d+,usec_per_call=[\d.]+,/, '');
}

describe('DEBUG refused by enable-debug-command', differentialSuite(), () => {
  const d = new Differential();
  before(() =>
    d.start(
      { 'enable-debug-command': 'no', requirepass: 'pw' },
      ['--enable-debug-command', 'no', '--requirepass', 'pw'],
    ),
  );
  after(() => d.stop());

  it('before authentication, after the arity check, as a rejected call', async () => {
    const [n, o] = await d.connect();
    try {
      for (const argv of [['DEBUG', 'HELP'], ['debug', 'sleep', '0'], ['DEBUG'], ['AUTH', 'pw'], ['DEBUG', 'HELP']]) {
        const [rn, ro] = await Promise.all([n.call(...argv), o.call(...argv)]);
        assert.equal(rn, ro, JSON.stringify(argv));
      }
      const [sn, so] = await Promise.all([n.call('INFO', 'commandstats'), o.call('INFO', 'commandstats')]);
      assert.equal(debugStats(sn), debugStats(so));
      assert.match(debugStats(sn), /calls=0,rejected_calls=4,failed_calls=0/);
    } finally {
      n.close();
      o.close();
    }
  });
});

describe('DEBUG allowed where its option says', () => {
  it('refuses with "no" even a local client, allows with "local" and "yes"', () => {
    assert.equal(localServer({ 'enable-debug-command': 'no' }).run('DEBUG', 'SLEEP', '0'), NOT_ALLOWED);
    // The in-process client has no connection: it counts as local, like Redis's internal clients.
    assert.equal(localServer({ 'enable-debug-command': 'local' }).run('DEBUG', 'SLEEP', '0'), '+OK\r\n');
    assert.equal(localServer({ 'enable-debug-command': 'yes' }).run('DEBUG', 'SLEEP', '0'), '+OK\r\n');
  });

  it('other commands are not protected', () => {
    const { run } = localServer({ 'enable-debug-command': 'no' });
    assert.equal(run('PING'), '+PONG\r\n');
  });
});
