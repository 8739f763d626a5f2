// MONITOR against real Redis: which commands a monitor sees (not admin commands, not refused
// ones, each EXEC'd command and EXEC after them), in Redis's line format with arguments quoted as
// sdscatrepr quotes them and secrets redacted. Times and client addresses are normalised.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite } from '../helpers/differential.js';

/** A monitor's output with the time and the client's address replaced. */
function lines(out: string): string {
  return out.replace(/^\+\d+\.\d{6} \[(\d+) [^\]]+\]/gm, '+T [$1 C]');
}

describe('MONITOR', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('shows what other clients run, quoted, with the database after the command', async () => {
    const m = await d.pair();
    const p = await d.pair({ flush: false });
    try {
      await m.do('MONITOR');
      await p.run([
        ['SET', 'k', 'a\x00b\n"q\\\t\x07\x08\r\xff'],
        ['SELECT', '3'],
        ['GET', 'k'],
        ['AUTH', 'x'],
        ['AUTH', 'someone', 'pw'],
        ['CONFIG', 'GET', 'maxmemory'],
        ['MULTI'],
        ['SET', 'n', '12'],
        ['INCR', 'n'],
        ['EXEC'],
        ['NOSUCH'],
        ['GET'],
        ['DEBUG', 'SLEEP', '0'],
        { cmd: ['HELLO', '2', 'AUTH', 'default', 'pw'], setup: true },
        ['CLIENT', 'SETNAME', 'x'],
      ]);
      // The monitor sees its own commands too, after their reply.
      m.write('PING\r\n');
      const [a, b] = await Promise.all([m.nodis.readUntilClose(300), m.redis.readUntilClose(300)]);
      assert.equal(lines(a), lines(b));
      assert.match(lines(a), /^\+T \[0 C\] "SET" "k" "a\\x00b\\n\\"q\\\\\\t\\a\\b\\r\\xff"\r\n/);
      assert.match(lines(a), /\+PONG\r\n\+T \[0 C\] "PING"\r\n$/);
      // CLIENT LIST shows the O flag.
      const [ln, lr] = await p.both('CLIENT', 'LIST');
      assert.match(ln!, /flags=O /);
      assert.match(lr!, /flags=OU? /);
    } finally {
      m.close();
      p.close();
    }
  });

  it('MONITOR inside MULTI fails at EXEC; a second MONITOR answers nothing; a monitor cannot touch data', async () => {
    await d.check([['MULTI'], ['MONITOR'], ['EXEC']]);
    const m = await d.pair();
    try {
      await m.do('MONITOR');
      // PUBLISH and PFCOUNT are refused too: they may replicate (Redis's hidden may-replicate flag).
      m.write('MONITOR\r\nPING\r\nGET k\r\nSET k v\r\nPUBLISH ch m\r\nPFCOUNT h\r\n');
      const [a, b] = await Promise.all([m.nodis.readUntilClose(300), m.redis.readUntilClose(300)]);
      assert.equal(lines(a), lines(b));
      assert.match(a, /^\+PONG\r\n/);
      assert.match(a, /-ERR Replica can't interact with the keyspace\r\n/);
    } finally {
      m.close();
    }
  });
});
