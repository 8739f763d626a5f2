// The command core, in process: the execution unit (one frozen time, propagation gathered and
// wrapped), the one side-effect call, gates, and CLIENT NO-TOUCH seen by lookups.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localServer } from '../helpers/local.js';
import { addGate, removeGate, call, checkCommand, type Gate } from '../../src/server/dispatch.js';
import { encodeArgv } from '../../src/protocol/writer.js';

/** A server with a fake replica attached: stream() returns what the replica got since last asked. */
function withReplica() {
  const local = localServer({ 'enable-debug-command': 'yes' });
  const replica = local.server.createFakeClient();
  local.server.replication.attachOnline(replica);
  replica.out = '';
  const stream = (): string => {
    const s = replica.out;
    replica.out = '';
    return s;
  };
  return { ...local, stream };
}

const enc = (...argv: string[]): string => encodeArgv(argv);

describe('the execution unit', () => {
  it('propagates a write as received, or as the handler restated it, after a SELECT', () => {
    const { run, stream, clock } = withReplica();
    assert.equal(run('SET', 'k', 'v'), '+OK\r\n');
    assert.equal(stream(), enc('SELECT', '0') + enc('SET', 'k', 'v'));
    run('SET', 'k', 'v', 'EX', '10');
    assert.equal(stream(), enc('SET', 'k', 'v', 'PXAT', String(clock.t + 10_000)));
    run('SELECT', '2');
    assert.equal(stream(), '', 'SELECT itself is not propagated');
    run('INCRBYFLOAT', 'f', '1.5');
    assert.equal(stream(), enc('SELECT', '2') + enc('SET', 'f', '1.5', 'KEEPTTL'));
  });

  it('propagates nothing for a read or a write that changed nothing', () => {
    const { run, stream } = withReplica();
    run('GET', 'k');
    run('DEL', 'missing');
    run('SET', 'k', 'v', 'XX');
    assert.equal(stream(), '');
  });

  it('wraps a lazy expiry and the write that caused it in MULTI/EXEC', () => {
    const { run, stream, clock } = withReplica();
    run('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    run('SET', 'k', 'v', 'PX', '10');
    stream();
    clock.advance(11);
    run('SET', 'k', 'w');
    assert.equal(stream(), enc('MULTI') + enc('DEL', 'k') + enc('SET', 'k', 'w') + enc('EXEC'));
    run('SET', 'j', 'v', 'PX', '10');
    stream();
    clock.advance(11);
    assert.equal(run('GET', 'j'), '$-1\r\n');
    assert.equal(stream(), enc('DEL', 'j'), 'a read propagates only the expiry, unwrapped');
  });

  it('freezes the time for the whole unit', () => {
    const { server, c, clock } = localServer();
    const seen: number[] = [];
    const table = server.table;
    const get = table.lookup('get')!;
    // Move the clock while the unit runs: lookups inside it still see the time it started at.
    const orig = get.handler!;
    (get as { handler: typeof orig }).handler = (cl, argv) => {
      seen.push(server.now());
      clock.advance(500);
      seen.push(server.now());
      orig(cl, argv);
    };
    try {
      call(c, get, ['GET', 'x']);
    } finally {
      (get as { handler: typeof orig }).handler = orig;
    }
    assert.equal(seen[0], seen[1]);
    assert.equal(server.now(), clock.now(), 'outside a unit the clock is read');
  });

  it('counts dirty changes and marks WATCHers through changed()', () => {
    const { run, server, db } = localServer();
    const watcher = { casDirty: false, watching: null };
    const other = { casDirty: false, watching: null };
    db.watch(watcher, 'k');
    db.watch(other, 'unrelated');
    const before = server.dirty;
    run('SET', 'k', 'v');
    run('APPEND', 'k', 'w');
    run('MSET', 'k', '1', 'j', '2');
    assert.equal(server.dirty - before, 4);
    assert.equal(watcher.casDirty, true);
    assert.equal(other.casDirty, false);
  });

  it('DEBUG REPLICATE puts its arguments into the stream as they are, in the selected database', () => {
    const { run, stream } = withReplica();
    run('SET', 'k', 'v');
    stream();
    assert.equal(run('DEBUG', 'REPLICATE', 'fake-command-1', 'a'), '+OK\r\n');
    assert.equal(stream(), enc('fake-command-1', 'a'));
    assert.match(run('DEBUG', 'REPLICATE'), /^-ERR unknown subcommand/);
  });
});

describe('gates', () => {
  it('reject with the first failing gate and count rejected_calls', () => {
    const { server, c, run } = localServer();
    const gate: Gate = (_c, cmd) => (cmd.fullName === 'echo' ? 'ERR echo refused' : null);
    addGate(gate);
    try {
      assert.equal(run('ECHO', 'x'), '-ERR echo refused\r\n');
      assert.equal(server.table.lookup('echo')!.stats.rejectedCalls, 1);
      assert.equal(server.table.lookup('echo')!.stats.calls, 0);
      const r = checkCommand(c, ['PING']);
      assert.ok(!('error' in r));
    } finally {
      // Gates are process-wide: leave none behind for other tests.
      removeGate(gate);
    }
  });
});

describe('CLIENT NO-TOUCH', () => {
  it('keeps lookups from updating the access time, except TOUCH', () => {
    const { run, clock } = localServer();
    run('SET', 'k', 'a');
    run('APPEND', 'k', 'raw'); // grown in place: a raw string, which carries an access time
    clock.advance(5000);
    run('CLIENT', 'NO-TOUCH', 'ON');
    run('GET', 'k');
    assert.equal(run('OBJECT', 'IDLETIME', 'k'), ':5\r\n');
    run('TOUCH', 'k');
    assert.equal(run('OBJECT', 'IDLETIME', 'k'), ':0\r\n');
    clock.advance(3000);
    run('CLIENT', 'NO-TOUCH', 'OFF');
    run('GET', 'k');
    assert.equal(run('OBJECT', 'IDLETIME', 'k'), ':0\r\n');
  });
});
