// SLOWLOG against real Redis: what an entry keeps of a command (trimmed arguments, redacted
// secrets, the client's name), the length limit, RESET and the errors. Times, ids and addresses
// differ between the servers and are left out of the comparison.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite, splitAggregate, bulkPayload } from '../helpers/differential.js';
import { localServer } from '../helpers/local.js';

/** SLOWLOG GET's reply without ids, times, durations and addresses: argv and client name per entry. */
function entries(reply: string): string {
  if (reply[0] !== '*') return reply;
  const out: string[] = [];
  for (const entry of splitAggregate(reply).items) {
    const [, , , args, , name] = splitAggregate(entry).items;
    out.push(JSON.stringify([splitAggregate(args).items.map(bulkPayload), bulkPayload(name)]));
  }
  return out.join('\n');
}

describe('SLOWLOG', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('logs every command at threshold 0, newest first, arguments trimmed as Redis trims them', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `a${i}`);
    await d.withConfig({ 'slowlog-log-slower-than': '0' }, async () => {
      await d.check([
        { cmd: ['SLOWLOG', 'RESET'], setup: true },
        ['SET', 'k', 'x'.repeat(200)],
        ['CLIENT', 'SETNAME', 'me'],
        ['MGET', ...many],
        ['GET', 'k'],
        { cmd: ['SLOWLOG', 'GET'], norm: entries },
        { cmd: ['SLOWLOG', 'GET', '-1'], norm: entries },
        { cmd: ['SLOWLOG', 'GET', '2'], norm: entries },
        ['SLOWLOG', 'GET', '0'],
        ['SLOWLOG', 'LEN'],
      ]);
    });
  });

  it('hides passwords (AUTH, HELLO AUTH, CONFIG SET requirepass) and leaves EXEC out', async () => {
    await d.withConfig({ 'slowlog-log-slower-than': '0' }, async () => {
      await d.check([
        { cmd: ['SLOWLOG', 'RESET'], setup: true },
        ['AUTH', 'secret'],
        ['AUTH', 'user', 'secret'],
        { cmd: ['HELLO', '2', 'AUTH', 'default', 'any'], setup: true },
        ['CONFIG', 'SET', 'requirepass', ''],
        ['MULTI'],
        ['SET', 'a', '1'],
        ['EXEC'],
        { cmd: ['SLOWLOG', 'GET', '-1'], norm: entries },
      ]);
    });
  });

  it('keeps at most slowlog-max-len entries; RESET empties it; a negative threshold logs nothing', async () => {
    await d.withConfig({ 'slowlog-log-slower-than': '0', 'slowlog-max-len': '3' }, async () => {
      await d.check([
        { cmd: ['SLOWLOG', 'RESET'], setup: true },
        ['SET', 'a', '1'],
        ['SET', 'b', '2'],
        ['SET', 'c', '3'],
        ['SET', 'd', '4'],
        ['SLOWLOG', 'LEN'],
        { cmd: ['SLOWLOG', 'GET'], norm: entries },
        ['SLOWLOG', 'RESET'],
        ['SLOWLOG', 'LEN'],
        ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
        ['SET', 'e', '5'],
        ['SLOWLOG', 'LEN'],
      ]);
    });
  });

  it('errors and HELP', async () => {
    await d.check([
      ['SLOWLOG', 'GET', '-2'],
      ['SLOWLOG', 'GET', 'x'],
      ['SLOWLOG', 'GET', '1', '2'],
      ['SLOWLOG', 'LEN', 'x'],
      ['SLOWLOG', 'NOPE'],
      ['SLOWLOG', 'HELP'],
      ['SLOWLOG'],
    ]);
  });
});

describe('SLOWLOG (nodis only)', () => {
  it('entries carry an id that RESET does not restart, the time in seconds and the duration', () => {
    const { run, server, clock } = localServer({ 'slowlog-log-slower-than': '0' });
    run('SET', 'a', '1');
    run('SET', 'b', '1');
    run('SLOWLOG', 'RESET');
    run('GET', 'a');
    // A fast command's time is settled with its read's (here: at once).
    server.settleCommandTimes();
    const [e] = server.slowlog.entries;
    assert.equal(e.id, 3, 'ids go on after RESET (SET, SET, SLOWLOG RESET, then GET)');
    assert.equal(e.time, Math.floor(clock.now() / 1000));
    assert.ok(e.durationUs >= 0);
    assert.deepEqual(e.argv, ['GET', 'a']);
  });
});
