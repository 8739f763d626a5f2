// Side effects of the string and key commands against real Redis: the keyspace events they
// publish and what they propagate to replicas. The capture itself is tested against Redis alone
// in test/harness/differential.test.ts.

import { describe, it, before, after } from 'node:test';
import { Differential, differentialSuite, type StepLike } from '../helpers/differential.js';
import { bulkText } from '../helpers/resp.js';

/** String commands, each a write that both notifies and propagates (or deliberately does not). */
const STRINGS: StepLike[] = [
  ['SET', 'k', 'v'],
  ['SET', 'k', 'w', 'NX'],
  ['SET', 'k', 'x', 'XX', 'GET'],
  ['SET', 'k', 'y', 'GET', 'get', 'NX'],
  ['SET', 'k', 'z', 'GET', 'PXAT', '4102444800000'],
  ['PUBLISH', 'ch', 'hello'],
  ['SET', 't', 'v', 'EX', '100'],
  ['SET', 't', 'v', 'KEEPTTL'],
  ['SETNX', 'n', '1'],
  ['SETEX', 's', '100', 'v'],
  ['PSETEX', 'p', '100000', 'v'],
  ['MSET', 'a', '1', 'b', '2'],
  ['MSETNX', 'c', '3', 'a', '9'],
  ['INCR', 'a'],
  ['INCRBY', 'a', '5'],
  ['DECR', 'b'],
  ['DECRBY', 'b', '3'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['APPEND', 'k', 'more'],
  ['SETRANGE', 'k', '10', 'z'],
  ['GETSET', 'k', 'new'],
  ['GETEX', 'k', 'EX', '50'],
  ['GETEX', 'k', 'PERSIST'],
  ['GETDEL', 'k'],
  ['SET', 'gone', 'v', 'PXAT', '1'],
  ['GET', 'gone'],
];

/** Key commands: expiry, renames, copies, moves, flushes. */
const KEYS: StepLike[] = [
  ['SET', 'a', '1'],
  ['SET', 'b', '2'],
  ['EXPIRE', 'a', '100'],
  ['PEXPIRE', 'a', '200000'],
  ['EXPIREAT', 'a', '4102444800'],
  ['PERSIST', 'a'],
  ['RENAME', 'a', 'c'],
  ['RENAMENX', 'c', 'b'],
  ['COPY', 'c', 'd'],
  ['MOVE', 'd', '1'],
  ['DEL', 'b', 'missing'],
  ['UNLINK', 'c'],
  ['SET', 'e', 'v'],
  ['EXPIRE', 'e', '0'],
  ['SELECT', '1'],
  ['SET', 'x', '1'],
  ['SWAPDB', '0', '1'],
  ['FLUSHDB'],
  ['SET', 'y', '1'],
  ['FLUSHALL'],
];

describe('side effects of string and key commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('string commands publish the keyspace events Redis publishes', async () => {
    await d.check(STRINGS, { events: true });
  });

  it('key commands publish the keyspace events Redis publishes', async () => {
    await d.check(KEYS, { events: true });
  });

  it('string commands propagate what Redis propagates', async () => {
    await d.check(STRINGS, { replication: true });
  });

  it('key commands propagate what Redis propagates', async () => {
    await d.check(KEYS, { replication: true });
  });

  it('RESTORE notifies and propagates like Redis (relative TTLs as ABSTTL, a past TTL as DEL)', async () => {
    await d.capture(
      async (p) => {
        await p.do('SET', 'src', 'hello');
        const payload = bulkText(await p.do('DUMP', 'src'));
        await p.do('RESTORE', 'r', '0', payload);
        await p.do('RESTORE', 'r', '100000', payload, 'REPLACE');
        await p.do('RESTORE', 't', '4102444800000', payload, 'ABSTTL', 'IDLETIME', '5');
        await p.do('RESTORE', 'r', '1', payload, 'ABSTTL', 'REPLACE');
        await p.do('RESTORE', 'gone', '1', payload, 'ABSTTL');
      },
      { events: true, replication: true },
    );
  });

  it('the old SYNC gives the same stream', async () => {
    await d.check(STRINGS, { replication: 'sync' });
  });
});

describe('side effects of string and key commands, Redis against Redis', differentialSuite(), () => {
  // The sequences above are sound (deterministic, captured completely) when nodis is not involved.
  const d = new Differential();
  before(() => d.startOracles());
  after(() => d.stop());

  for (const [name, steps] of [['string', STRINGS], ['key', KEYS]] as const) {
    it(`${name} commands: events and the replication stream (PSYNC and SYNC)`, async () => {
      await d.check(steps, { events: true, replication: true });
      await d.check(steps, { replication: 'sync' });
    });
  }
});
