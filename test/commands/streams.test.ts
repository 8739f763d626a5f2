// Stream commands, checked against real Redis byte for byte: XADD (explicit, partial and automatic
// IDs, the ID errors, NOMKSTREAM, MAXLEN/MINID exact and `~`, LIMIT), XRANGE/XREVRANGE (exclusive
// bounds, COUNT), XDEL, XTRIM, XLEN, XSETID, XREAD, consumer groups (XGROUP, XREADGROUP, XACK,
// XPENDING, XCLAIM, XAUTOCLAIM, XINFO), RESP3 shapes, keyspace events, the replication stream
// (the rewrites), DUMP payloads byte for byte, blocking reads with several clients, and a
// fast-check random sequence with explicit IDs; plus nodis-only checks of what the clock decides.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite, readBoth, send, waitBlocked, scanPage, type Pair, type StepLike } from '../helpers/differential.js';
import { RawConnection, encodeCommand } from '../helpers/resp.js';
import { localServer } from '../helpers/local.js';
import { withoutActiveTimes } from '../helpers/collections.js';
import { startServer } from '../../src/embed.js';
import { idText, makeBigId, makeId, parseId, idIncr, idDecr, raxNodeCount, ID_MAX } from '../../src/types/stream.js';

const MAX = '18446744073709551615';
/** Tolerance for idle and delivery times (ms) that differ by when each server ran the command. */
const TIMES = 2000;

describe('stream IDs', () => {
  it('order as their bytes, and print and parse exactly up to 2^64-1', () => {
    assert.equal(idText(makeId(1526919030474, 55)), '1526919030474-55');
    assert.equal(idText(ID_MAX), `${MAX}-${MAX}`);
    assert.equal(idText(makeBigId(2n ** 63n, 2n ** 53n + 1n)), `${2n ** 63n}-${2n ** 53n + 1n}`);
    assert.ok(makeId(1, 2) < makeId(1, 3) && makeId(1, 2 ** 40) < makeId(2, 0) && makeId(2 ** 52, 0) < makeBigId(2n ** 60n, 0n));
    assert.equal(parseId(`${MAX}-${MAX}`, false, true), ID_MAX);
    assert.equal(parseId('18446744073709551616', false, true), null);
    assert.equal(idText(parseId('5', true, false)!), `5-${MAX}`);
    assert.equal(parseId('+', false, true), null);
    assert.equal(idText(idIncr(makeBigId(1n, 2n ** 64n - 1n))!), '2-0');
    assert.equal(idText(idDecr(makeId(2, 0))!), `1-${MAX}`);
    assert.equal(idIncr(ID_MAX), null);
    assert.equal(idDecr(makeId(0, 0)), null);
  });

  it('count radix tree nodes as Redis does', () => {
    assert.equal(raxNodeCount([]), 1);
    assert.equal(raxNodeCount([makeId(1, 0)]), 2);
    assert.equal(raxNodeCount([makeId(1, 0), makeId(2, 0)]), 6);
    assert.equal(raxNodeCount([makeId(1, 0), makeId(1, 1)]), 4);
    assert.equal(raxNodeCount([makeId(1, 0), makeBigId(2n ** 63n, 0n)]), 5);
  });
});

describe('stream commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  describe('XADD XLEN XRANGE XREVRANGE', () => {
    it('explicit, partial and maximal IDs, and their errors', async () => {
      await d.check([
        ['XADD', 's', '1-1', 'a', '1', 'b', '2'],
        ['XADD', 's', '1-*', 'a', '1'],
        ['XADD', 's', '1', 'c', '3'],
        ['XADD', 's', '2', 'c', '3'],
        ['XADD', 's', '2-*', '\x00\xff', ''],
        ['XADD', 's', '0-1', 'x', 'y'],
        ['XADD', 's', '2-1', 'x', 'y'],
        ['XADD', 's', '0-0', 'x', 'y'],
        ['XADD', 'e', '0-*', 'x', 'y'],
        ['XADD', 's', '3', 'x'],
        ['XADD', 's', '3'],
        ['XADD', 's', '-', 'x', 'y'],
        ['XADD', 's', '+', 'x', 'y'],
        ['XADD', 's', '1-x', 'x', 'y'],
        ['XADD', 's', 'foo', 'x', 'y'],
        ['XADD', 's', `${MAX}1`, 'x', 'y'],
        ['XADD', 's', '-1', 'x', 'y'],
        ['XADD', 's', '01-2', 'x', 'y'],
        ['XADD', 'm', `${MAX}-${Number(MAX) - 0}`, 'a', 'b'],
        ['XADD', 'm2', `${MAX}-18446744073709551614`, 'a', 'b'],
        ['XADD', 'm2', `${MAX}-*`, 'a', 'b'],
        ['XADD', 'm2', '*', 'a', 'b'],
        ['XADD', 'm2', `${MAX}-*`, 'a', 'b'],
        ['XADD', 'o', `5-${MAX}`, 'a', 'b'],
        ['XADD', 'o', '5-*', 'a', 'b'],
        ['XADD', 'o', '6-*', 'a', 'b'],
        ['XLEN', 's'],
        ['XLEN', 'nokey'],
        ['XRANGE', 's', '-', '+'],
        ['XRANGE', 'm2', '-', '+'],
        ['XRANGE', 's', '1', '1'],
        ['XRANGE', 's', '(1-1', '+'],
        ['XRANGE', 's', '-', '(2-0'],
        ['XRANGE', 's', '(-', '+'],
        ['XRANGE', 's', `(${MAX}-${MAX}`, '+'],
        ['XRANGE', 's', '-', '(0-0'],
        ['XRANGE', 's', '-', '(0'],
        ['XRANGE', 's', '2', '1'],
        ['XRANGE', 's', '-', '+', 'COUNT', '2'],
        ['XRANGE', 's', '-', '+', 'COUNT', '0'],
        ['XRANGE', 's', '-', '+', 'COUNT', '-5'],
        ['XRANGE', 's', '-', '+', 'COUNT'],
        ['XRANGE', 's', '-', '+', 'COUNT', 'x'],
        ['XRANGE', 's', '-', '+', 'LIMIT', '1'],
        ['XRANGE', 's', 'x', '+'],
        ['XRANGE', 'nokey', '-', '+'],
        ['XREVRANGE', 's', '+', '-'],
        ['XREVRANGE', 's', '+', '-', 'COUNT', '3'],
        ['XREVRANGE', 's', '(2-1', '(1-1'],
        ['XREVRANGE', 's', '1', '2'],
        ['XREVRANGE', 'nokey', '+', '-'],
        ['XADD', 'nokey', 'NOMKSTREAM', '*', 'a', 'b'],
        ['EXISTS', 'nokey'],
        ['XADD', 's', 'NOMKSTREAM', '10', 'a', 'b'],
        ['SET', 'str', 'x'],
        ['XADD', 'str', '*', 'a', 'b'],
        ['XLEN', 'str'],
        ['XRANGE', 'str', '-', '+'],
        ['TYPE', 's'],
        ['OBJECT', 'ENCODING', 's'],
        { cmd: ['SCAN', '0', 'TYPE', 'stream'], norm: scanPage },
      ]);
    });

    it('IDs whose 32-bit words pass 2^31 and 2^32, over several nodes: ranges, deletes, trims and DUMP', async () => {
      // Entries' IDs are compared word by word as unsigned numbers: words at and past 2^31, and
      // halves past 2^32 and 2^53, between and at the bounds.
      const ids = [
        '5-1',
        '2147483647-4294967295',
        '2147483648-0',
        '2147483648-2147483648',
        '4294967295-4294967295',
        '4294967296-0',
        '9007199254740993-7',
        '9223372036854775808-1',
        `${MAX}-2147483648`,
        `${MAX}-18446744073709551614`,
      ];
      const steps: StepLike[] = [{ cmd: ['CONFIG', 'SET', 'stream-node-max-entries', '3'], setup: true }];
      for (const [i, id] of ids.entries()) steps.push(['XADD', 's', id, 'f', `v${i}`]);
      steps.push(
        ['XADD', 's', `${MAX}-*`, 'g', 'last'],
        ['XRANGE', 's', '-', '+'],
        ['XRANGE', 's', '2147483648', '4294967296'],
        ['XRANGE', 's', '(2147483648-0', '(4294967296-0'],
        ['XRANGE', 's', '2147483647-4294967296', '2147483648-2147483648', 'COUNT', '1'],
        ['XREVRANGE', 's', '+', '-'],
        ['XREVRANGE', 's', '9007199254740993', '2147483648-1'],
        ['XREVRANGE', 's', `(${MAX}-2147483648`, '(4294967295-4294967295', 'COUNT', '2'],
        ['XDEL', 's', '2147483648-2147483648', '4294967296-0', '4294967296-1'],
        ['XRANGE', 's', '2147483648', '9007199254740993'],
        ['XREVRANGE', 's', '9007199254740993', '2147483648'],
        ['XREAD', 'COUNT', '3', 'STREAMS', 's', '2147483648-0'],
        ['XINFO', 'STREAM', 's'],
        ['DUMP', 's'],
        ['XTRIM', 's', 'MINID', '4294967295-4294967296'],
        ['XRANGE', 's', '-', '+'],
        ['XINFO', 'STREAM', 's'],
        ['DUMP', 's'],
        { cmd: ['CONFIG', 'SET', 'stream-node-max-entries', '100'], setup: true },
      );
      await d.check(steps);
    });

    it('automatic IDs grow from the last ID', async () => {
      const p = await d.pair();
      try {
        const norm = (r: string): string => r.replace(/\d{13}-\d+/g, 'ID');
        await p.norm(norm, 'XADD', 's', '*', 'a', '1');
        await p.norm(norm, 'XADD', 's', 'MAXLEN', '5', '*', 'a', '2');
        await p.do('XLEN', 's');
        // A last ID in the future: the next automatic one follows it.
        await p.do('XADD', 'f', '99999999999999-5', 'a', 'b');
        await p.do('XADD', 'f', '*', 'a', 'b');
        await p.do('XADD', 'f', '*', 'a', 'b');
      } finally {
        p.close();
      }
    });
  });

  describe('trimming', () => {
    it('exact and approximate trimming follow Redis node boundaries', async () => {
      const steps: StepLike[] = [{ cmd: ['CONFIG', 'SET', 'stream-node-max-entries', '5'], setup: true }];
      for (let i = 1; i <= 23; i++) steps.push({ cmd: ['XADD', 's', `${i}`, 'f', String(i), ...(i % 3 ? [] : ['g', 'x'])], setup: true });
      steps.push(
        ['XTRIM', 's', 'MAXLEN', '~', '20'],
        ['XLEN', 's'],
        ['XINFO', 'STREAM', 's'],
        ['XTRIM', 's', 'MAXLEN', '~', '11'],
        ['XLEN', 's'],
        ['XTRIM', 's', 'MAXLEN', '=', '9'],
        ['XLEN', 's'],
        ['XINFO', 'STREAM', 's'],
        ['XTRIM', 's', 'MINID', '~', '16'],
        ['XTRIM', 's', 'MINID', '18'],
        ['XRANGE', 's', '-', '+'],
        ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '3'],
        ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '5'],
        ['XINFO', 'STREAM', 's'],
        ['XADD', 's', 'MAXLEN', '2', '30', 'a', 'b'],
        ['XADD', 's', 'MINID', '~', '0', '31', 'a', 'b'],
        ['XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', '100', '32', 'a', 'b'],
        ['XRANGE', 's', '-', '+'],
        ['XTRIM', 'nokey', 'MAXLEN', '0'],
        ['XTRIM', 's'],
        ['XTRIM', 's', 'MAXLEN'],
        ['XTRIM', 's', 'MAXLEN', '-1'],
        ['XTRIM', 's', 'MAXLEN', 'x'],
        ['XTRIM', 's', 'MINID', '+'],
        ['XTRIM', 's', 'MAXLEN', '1', 'MINID', '1'],
        ['XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '10'],
        ['XTRIM', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1'],
        ['XTRIM', 's', 'LIMIT', '1'],
        ['XTRIM', 's', 'FOO'],
        ['XADD', 's', 'LIMIT', '5', '*', 'a', 'b'],
        ['XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', '5'],
        { cmd: ['CONFIG', 'SET', 'stream-node-max-entries', '100'], setup: true },
      );
      await d.check(steps);
    });

    it('stream-node-max-bytes closes nodes by listpack size', async () => {
      const steps: StepLike[] = [{ cmd: ['CONFIG', 'SET', 'stream-node-max-bytes', '120'], setup: true }];
      for (let i = 1; i <= 30; i++) steps.push({ cmd: ['XADD', 's', `${i}-${i * 7}`, 'field', 'v'.repeat(i % 7), 'n', String(i * 1000)], setup: true });
      steps.push(['XINFO', 'STREAM', 's'], ['XTRIM', 's', 'MAXLEN', '~', '20'], ['XLEN', 's'], ['XINFO', 'STREAM', 's']);
      steps.push({ cmd: ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'], setup: true });
      await d.check(steps);
    });
  });

  describe('XDEL XSETID XINFO STREAM', () => {
    it('tombstones, first and max-deleted IDs, XSETID checks', async () => {
      await d.check([
        ['XADD', 's', '1', 'a', '1'],
        ['XADD', 's', '2', 'b', '2'],
        ['XADD', 's', '3', 'c', '3'],
        ['XDEL', 's', '1', '2-0', '9', '2'],
        ['XDEL', 's', 'x'],
        ['XDEL', 'nokey', '1'],
        ['XINFO', 'STREAM', 's'],
        ['XINFO', 'STREAM', 's', 'FULL'],
        ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1'],
        ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '-1'],
        ['XINFO', 'STREAM', 's', 'FULL', 'COUNT'],
        ['XINFO', 'STREAM', 's', 'FOO'],
        ['XINFO', 'STREAM', 'nokey'],
        ['XINFO', 'FOO', 's'],
        ['XINFO', 'HELP'],
        ['XINFO', 'HELP', 'x'],
        ['XSETID', 's', '2'],
        ['XSETID', 's', '5-1'],
        ['XSETID', 's', '5-1', 'ENTRIESADDED', '0'],
        ['XSETID', 's', '5-1', 'ENTRIESADDED', '-1'],
        ['XSETID', 's', '6', 'ENTRIESADDED', '10', 'MAXDELETEDID', '4'],
        ['XSETID', 's', '6', 'MAXDELETEDID', '7'],
        ['XSETID', 's', '6', 'FOO'],
        ['XSETID', 'nokey', '1'],
        ['XSETID', 's', '+'],
        ['XINFO', 'STREAM', 's'],
        ['XDEL', 's', '3'],
        ['EXISTS', 's'],
        ['XINFO', 'STREAM', 's'],
        ['XADD', 's', '6', 'a', 'b'],
        ['XADD', 's', '6-1', 'a', 'b'],
      ]);
    });
  });

  describe('XREAD', () => {
    it('reads after IDs, with COUNT, $ and its errors, in RESP2 and RESP3', async () => {
      const steps: StepLike[] = [
        ['XADD', 'a', '1', 'f', 'v'],
        ['XADD', 'a', '2', 'f', 'v'],
        ['XADD', 'b', '5', 'g', 'w'],
        ['XREAD', 'STREAMS', 'a', 'b', '0', '0'],
        ['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '1', '0'],
        ['XREAD', 'STREAMS', 'a', 'b', '$', '$'],
        ['XREAD', 'STREAMS', 'a', 'nokey', '2', '0'],
        ['XREAD', 'STREAMS', 'a', 'b'],
        ['XREAD', 'STREAMS', 'a'],
        ['XREAD', 'COUNT', '1', 'a'],
        ['XREAD', 'STREAMS', 'a', '>'],
        ['XREAD', 'STREAMS', 'a', 'x'],
        ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'],
        ['XREAD', 'NOACK', 'STREAMS', 'a', '0'],
        ['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'],
        ['XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'],
        ['XREAD', 'BLOCK', '10', 'STREAMS', 'a', '2'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '0'],
        ['SET', 'str', 'x'],
        ['XREAD', 'STREAMS', 'str', '0'],
      ];
      await d.check(steps);
      await d.check(steps, { resp3: true });
    });
  });

  describe('consumer groups', () => {
    it('XGROUP subcommands and their errors', async () => {
      await d.check([
        ['XADD', 's', '1', 'a', '1'],
        ['XGROUP', 'CREATE', 's', 'g', '$'],
        ['XGROUP', 'CREATE', 's', 'g', '0'],
        ['XGROUP', 'CREATE', 's', 'h', '0', 'ENTRIESREAD', '0'],
        ['XGROUP', 'CREATE', 's', 'i', '0', 'ENTRIESREAD', '-2'],
        ['XGROUP', 'CREATE', 's', 'i', '0', 'ENTRIESREAD', 'x'],
        ['XGROUP', 'CREATE', 's', 'i', '0', 'FOO'],
        ['XGROUP', 'CREATE', 's', 'i', '+'],
        ['XGROUP', 'CREATE', 'nokey', 'g', '$'],
        ['XGROUP', 'CREATE', 'nokey', 'g', '$', 'MKSTREAM'],
        ['XGROUP', 'CREATE', 'nokey2', 'g', 'x', 'MKSTREAM'],
        ['EXISTS', 'nokey2'],
        ['XGROUP', 'SETID', 's', 'g', '0'],
        ['XGROUP', 'SETID', 's', 'g', '-', 'ENTRIESREAD', '3'],
        ['XGROUP', 'SETID', 's', 'nog', '0'],
        ['XGROUP', 'SETID', 'nokey3', 'g', '0'],
        ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD'],
        ['XGROUP', 'SETID', 's', 'g', '0', 'MKSTREAM'],
        ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'],
        ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'],
        ['XGROUP', 'CREATECONSUMER', 's', 'nog', 'alice'],
        ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice'],
        ['XGROUP', 'DELCONSUMER', 's', 'g', 'bob'],
        ['XGROUP', 'DESTROY', 's', 'h'],
        ['XGROUP', 'DESTROY', 's', 'h'],
        ['XGROUP', 'DESTROY', 'nokey3', 'h'],
        ['XGROUP', 'FOO', 's', 'g'],
        ['XGROUP', 'HELP'],
        ['XINFO', 'GROUPS', 's'],
        ['SET', 'str', 'x'],
        ['XGROUP', 'CREATE', 'str', 'g', '$'],
      ]);
    });

    it('XREADGROUP XACK XPENDING XCLAIM XAUTOCLAIM', async () => {
      const steps: StepLike[] = [
        ['XADD', 's', '1', 'a', '1'],
        ['XADD', 's', '2', 'b', '2'],
        ['XADD', 's', '3', 'c', '3'],
        ['XADD', 's', '4', 'd', '4'],
        ['XGROUP', 'CREATE', 's', 'g', '0'],
        ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '1', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
        ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '1'],
        ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '$'],
        ['XREADGROUP', 'GROUP', 'g', 'zed', 'COUNT', '1', 'STREAMS', 's', `${MAX}-${MAX}`],
        ['XREADGROUP', 'GROUP', 'nog', 'alice', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'nokey', '>'],
        ['XREADGROUP', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'g', 'STREAMS', 's', '>'],
        ['XPENDING', 's', 'g'],
        { cmd: ['XPENDING', 's', 'g', '-', '+', '10'], approx: TIMES },
        { cmd: ['XPENDING', 's', 'g', '-', '+', '10', 'alice'], approx: TIMES },
        { cmd: ['XPENDING', 's', 'g', '(1', '+', '1'], approx: TIMES },
        ['XPENDING', 's', 'g', '-', '+', '10', 'nobody'],
        ['XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10'],
        ['XPENDING', 's', 'g', 'IDLE', '100', '-', '+'],
        ['XPENDING', 's', 'g', '-', '+'],
        ['XPENDING', 's', 'g', '-', '+', 'x'],
        ['XPENDING', 's', 'nog'],
        ['XPENDING', 'nokey', 'g'],
        ['XACK', 's', 'g', '1', '9', '1'],
        ['XACK', 's', 'g', 'x'],
        ['XACK', 's', 'nog', '1'],
        ['XACK', 'nokey', 'g', '1'],
        ['XPENDING', 's', 'g'],
        ['XCLAIM', 's', 'g', 'carol', '0', '2', 'JUSTID'],
        { cmd: ['XPENDING', 's', 'g', '-', '+', '10'], approx: TIMES },
        ['XCLAIM', 's', 'g', 'carol', '1000000', '3'],
        ['XCLAIM', 's', 'g', 'carol', '0', '3', '4', 'FORCE', 'RETRYCOUNT', '7'],
        { cmd: ['XPENDING', 's', 'g', '-', '+', '10'], approx: TIMES },
        ['XCLAIM', 's', 'g', 'carol', '0', '3', 'IDLE', 'x'],
        ['XCLAIM', 's', 'g', 'carol', '0', '3', 'TIME', 'x'],
        ['XCLAIM', 's', 'g', 'carol', '0', '3', 'RETRYCOUNT', 'x'],
        ['XCLAIM', 's', 'g', 'carol', '0', '3', 'FOO'],
        ['XCLAIM', 's', 'g', 'carol', 'x', '3'],
        ['XCLAIM', 's', 'nog', 'carol', '0', '3'],
        ['XCLAIM', 's', 'g', 'carol', '0', '3', 'LASTID', '9', 'JUSTID'],
        ['XINFO', 'GROUPS', 's'],
        ['XDEL', 's', '3'],
        ['XAUTOCLAIM', 's', 'g', 'dave', '0', '0', 'COUNT', '1'],
        ['XAUTOCLAIM', 's', 'g', 'dave', '0', '0', 'COUNT', '10'],
        ['XAUTOCLAIM', 's', 'g', 'dave', '0', '0', 'JUSTID'],
        ['XAUTOCLAIM', 's', 'g', 'dave', '0', '(0', 'COUNT', '0'],
        ['XAUTOCLAIM', 's', 'g', 'dave', '0', '0', 'FOO'],
        ['XAUTOCLAIM', 's', 'g', 'dave', 'x', '0'],
        ['XAUTOCLAIM', 's', 'nog', 'dave', '0', '0'],
        ['XAUTOCLAIM', 's', 'g', 'dave', '100000', '0'],
        ['XPENDING', 's', 'g'],
        { cmd: ['XINFO', 'CONSUMERS', 's', 'g'], approx: TIMES, norm: withoutActiveTimes },
        ['XINFO', 'CONSUMERS', 's', 'nog'],
        ['XINFO', 'GROUPS', 's'],
        { cmd: ['XINFO', 'STREAM', 's', 'FULL'], approx: TIMES, norm: withoutActiveTimes },
        ['XREADGROUP', 'GROUP', 'g', 'erin', 'NOACK', 'STREAMS', 's', '>'],
        ['XADD', 's', '5', 'e', '5'],
        ['XREADGROUP', 'GROUP', 'g', 'erin', 'NOACK', 'STREAMS', 's', '>'],
        ['XINFO', 'GROUPS', 's'],
        ['XGROUP', 'DELCONSUMER', 's', 'g', 'dave'],
        ['XPENDING', 's', 'g'],
      ];
      await d.check(steps);
      await d.check(steps, { resp3: true });
    });

    it('entries-read and lag as Redis 7.0 reports them', async () => {
      await d.check([
        ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
        ['XINFO', 'GROUPS', 's'],
        ['XADD', 's', '1', 'a', '1'],
        ['XADD', 's', '2', 'a', '2'],
        ['XADD', 's', '3', 'a', '3'],
        ['XGROUP', 'CREATE', 's', 'h', '0'],
        ['XGROUP', 'CREATE', 's', 'i', '1'],
        ['XINFO', 'GROUPS', 's'],
        ['XREADGROUP', 'GROUP', 'h', 'c', 'COUNT', '1', 'STREAMS', 's', '>'],
        ['XINFO', 'GROUPS', 's'],
        ['XDEL', 's', '2'],
        ['XINFO', 'GROUPS', 's'],
        ['XREADGROUP', 'GROUP', 'h', 'c', 'STREAMS', 's', '>'],
        ['XINFO', 'GROUPS', 's'],
        ['XTRIM', 's', 'MAXLEN', '0'],
        ['XINFO', 'GROUPS', 's'],
        ['XGROUP', 'SETID', 's', 'h', '0', 'ENTRIESREAD', '0'],
        ['XINFO', 'GROUPS', 's'],
      ]);
    });
  });

  describe('side effects', () => {
    const steps: StepLike[] = [
      ['XADD', 's', '1', 'a', '1'],
      ['XADD', 's', '2', 'a', '2'],
      ['XADD', 's', 'MAXLEN', '~', '0', '3', 'a', '3'],
      ['XADD', 's', 'MAXLEN', '1', '4', 'a', '4'],
      ['XADD', 's', '5-*', 'a', '5'],
      ['XTRIM', 's', 'MINID', '5'],
      ['XTRIM', 's', 'MINID', '5'],
      ['XDEL', 's', '4'],
      ['XDEL', 's', '4'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 'm', 'g', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'd', 'NOACK', 'STREAMS', 's', '0'],
      ['XADD', 's', '6', 'a', '6'],
      ['XREADGROUP', 'GROUP', 'g', 'e', 'NOACK', 'STREAMS', 's', '>'],
      ['XACK', 's', 'g', '5'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'f', '0', '5-0', '6', 'TIME', '1000', 'RETRYCOUNT', '3'],
      ['XCLAIM', 's', 'g', 'f', '0', '99', 'LASTID', '99'],
      ['XDEL', 's', '5'],
      ['XAUTOCLAIM', 's', 'g', 'h', '0', '0'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'c'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XSETID', 's', '100'],
      ['DEL', 's'],
    ];

    it('publishes the keyspace events Redis publishes', async () => {
      await d.check(steps, { events: true });
    });

    it('propagates what Redis propagates', async () => {
      await d.check(steps, { replication: true });
    });
  });

  describe('DUMP and RESTORE', () => {
    it('DUMP payloads are byte for byte Redis', async () => {
      const steps: StepLike[] = [{ cmd: ['CONFIG', 'SET', 'stream-node-max-entries', '4'], setup: true }];
      for (let i = 1; i <= 13; i++) steps.push({ cmd: ['XADD', 's', `${i * 1000}-${i}`, ...(i % 4 ? ['f', `v${i}`, 'n', String(i * 99999)] : ['other', 'x'.repeat(100)])], setup: true });
      steps.push(
        ['XDEL', 's', '2000-2', '5000-5'],
        ['DUMP', 's'],
        ['XTRIM', 's', 'MAXLEN', '7'],
        ['DUMP', 's'],
        ['XADD', 'big', `${MAX}-1`, 'a', 'b'],
        ['DUMP', 'big'],
        ['XGROUP', 'CREATE', 'g', 'grp', '$', 'MKSTREAM'],
        ['XGROUP', 'CREATE', 'g', 'grp2', '5', 'ENTRIESREAD', '3'],
        ['DUMP', 'g'],
        { cmd: ['CONFIG', 'SET', 'stream-node-max-entries', '100'], setup: true },
      );
      await d.check(steps);
    });

    it('RESTORE takes Redis payloads, groups and PELs included', async () => {
      const p = await d.pair();
      try {
        await p.setup(['XADD', 's', '1', 'a', '1'], ['XADD', 's', '2', 'b', '2'], ['XGROUP', 'CREATE', 's', 'g', '0']);
        await p.setup(['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob']);
        const payload = await p.redis.call('DUMP', 's');
        const raw = payload!.slice(payload!.indexOf('\r\n') + 2, -2);
        assert.equal(await p.nodis.call('RESTORE', 'copy', '0', raw), '+OK\r\n');
        assert.equal(await p.redis.call('RESTORE', 'copy', '0', raw), '+OK\r\n');
        await p.do('XRANGE', 'copy', '-', '+');
        await p.do('XPENDING', 'copy', 'g');
        await p.do('XINFO', 'GROUPS', 'copy');
        await p.approxNorm(withoutActiveTimes, TIMES, 'XINFO', 'STREAM', 'copy', 'FULL');
        // And back: nodis's payload restores on Redis.
        const mine = await p.nodis.call('DUMP', 'copy');
        const mineRaw = mine!.slice(mine!.indexOf('\r\n') + 2, -2);
        assert.equal(await p.redis.call('RESTORE', 'back', '0', mineRaw), '+OK\r\n');
        assert.equal(await p.nodis.call('RESTORE', 'back', '0', mineRaw), '+OK\r\n');
        await p.approxNorm(withoutActiveTimes, TIMES, 'XINFO', 'STREAM', 'back', 'FULL');
        await p.do('COPY', 'back', 'c2');
        await p.approxNorm(withoutActiveTimes, TIMES, 'XINFO', 'STREAM', 'c2', 'FULL');
        await p.do('RENAME', 'c2', 'c3');
        await p.do('XPENDING', 'c3', 'g');
      } finally {
        p.close();
      }
    });
  });

  describe('blocking reads', () => {
    async function clients(n: number, fn: (admin: Pair, cs: Pair[]) => Promise<void>, resp3 = false): Promise<void> {
      const admin = await d.pair();
      const cs: Pair[] = [];
      try {
        for (let i = 0; i < n; i++) cs.push(await d.pair({ flush: false, resp3 }));
        await fn(admin, cs);
      } finally {
        for (const c of cs) c.close();
        admin.close();
      }
    }

    it('XREAD BLOCK with $ is served by the next XADD, first come first served', async () => {
      await clients(2, async (admin, [a, b]) => {
        await admin.setup(['XADD', 's', '1', 'f', 'v']);
        send(a, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
        send(b, 'XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', 'nokey', 's', '0', '$');
        await waitBlocked(admin, 2);
        await admin.do('XADD', 's', '2', 'g', 'w');
        await readBoth(a, 'first reader');
        await readBoth(b, 'second reader');
        await waitBlocked(admin, 0);
      });
    });

    it('XREAD BLOCK times out, and is served from MULTI/EXEC', async () => {
      await clients(1, async (admin, [a]) => {
        send(a, 'XREAD', 'BLOCK', '50', 'STREAMS', 's', '$');
        await readBoth(a, 'timeout');
        send(a, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
        await waitBlocked(admin, 1);
        await admin.do('MULTI');
        await admin.do('XADD', 's', '1', 'a', 'b');
        await admin.do('XADD', 's', '2', 'c', 'd');
        await admin.do('EXEC');
        await readBoth(a, 'served after EXEC');
      });
    });

    it('a reader served without COUNT gets at most 1000 entries, as Redis 7.0 serves it', async () => {
      await clients(1, async (admin, [a]) => {
        send(a, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '0');
        await waitBlocked(admin, 1);
        await admin.do('MULTI');
        for (let i = 1; i <= 1100; i++) await admin.do('XADD', 's', `${i}`, 'f', 'v');
        await admin.do('EXEC');
        const reply = await readBoth(a, 'served');
        assert.match(reply, /^\*1\r\n\*2\r\n\$1\r\ns\r\n\*1000\r\n/);
      });
    });

    it('XREADGROUP BLOCK: served by XADD, woken with errors by DEL, SET and XGROUP DESTROY', async () => {
      await clients(1, async (admin, [a]) => {
        await admin.setup(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
        send(a, 'XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
        await waitBlocked(admin, 1);
        await admin.do('XADD', 's', '1', 'a', 'b');
        await readBoth(a, 'served');
        await admin.do('XPENDING', 's', 'g');
        send(a, 'XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
        await waitBlocked(admin, 1);
        await admin.do('DEL', 's');
        await readBoth(a, 'key deleted');
        await admin.setup(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
        send(a, 'XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
        await waitBlocked(admin, 1);
        await admin.do('SET', 's', 'x');
        await readBoth(a, 'key overwritten');
        await admin.setup(['DEL', 's'], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
        send(a, 'XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
        await waitBlocked(admin, 1);
        await admin.do('XGROUP', 'DESTROY', 's', 'g');
        await readBoth(a, 'group destroyed');
      });
    });

    it('a served XREADGROUP replies in RESP3 as a map', async () => {
      await clients(
        1,
        async (admin, [a]) => {
          await admin.setup(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
          send(a, 'XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
          await waitBlocked(admin, 1);
          await admin.do('XADD', 's', '7', 'a', 'b');
          await readBoth(a, 'served');
        },
        true,
      );
    });
  });

  describe('blocked readers served: what propagates and notifies', () => {
    it('a served XREADGROUP propagates as XCLAIM (NOACK: XGROUP CREATECONSUMER and SETID), with its events', async () => {
      await d.capture(
        async (p) => {
          await p.setup(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
          const reader = await d.pair({ flush: false });
          try {
            send(reader, 'XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
            await waitBlocked(p, 1);
            await p.do('XADD', 's', '1', 'a', 'b');
            await readBoth(reader, 'served');
            send(reader, 'XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>');
            await waitBlocked(p, 1);
            await p.do('MULTI');
            await p.do('XADD', 's', '2', 'c', 'd');
            await p.do('XADD', 's', '3', 'e', 'f');
            await p.do('EXEC');
            await readBoth(reader, 'served after EXEC');
            send(reader, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
            await waitBlocked(p, 1);
            await p.do('XADD', 's', '4', 'g', 'h');
            await readBoth(reader, 'XREAD served');
          } finally {
            reader.close();
          }
        },
        { events: true, replication: true },
      );
    });
  });

  describe('random sequences', () => {
    it('XADD XDEL XTRIM XREADGROUP XACK XCLAIM with explicit IDs match Redis', async () => {
      const key = fc.constantFrom('s', 't');
      const idArb = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 })).map(([ms, seq]) => `${ms}-${seq}`);
      const field = fc.constantFrom('a', 'b', 'c', '1', '');
      const cmd = fc.oneof(
        fc.tuple(key, idArb, field, field).map(([k, id, f, v]) => ['XADD', k, id, f, v]),
        fc.tuple(key, fc.integer({ min: 0, max: 40 }), field).map(([k, ms, v]) => ['XADD', k, `${ms}-*`, 'f', v]),
        fc.tuple(key, fc.integer({ min: 0, max: 10 }), fc.boolean()).map(([k, n, approx]) => ['XADD', k, 'MAXLEN', approx ? '~' : '=', String(n), '99-*', 'x', 'y']),
        fc.tuple(key, idArb, idArb).map(([k, a, b]) => ['XDEL', k, a, b]),
        fc.tuple(key, fc.integer({ min: 0, max: 10 }), fc.boolean()).map(([k, n, approx]) => ['XTRIM', k, 'MAXLEN', approx ? '~' : '=', String(n)]),
        fc.tuple(key, idArb, fc.boolean()).map(([k, id, approx]) => ['XTRIM', k, 'MINID', approx ? '~' : '=', id]),
        fc.tuple(key, idArb).map(([k, id]) => ['XGROUP', 'CREATE', k, 'g', id, 'MKSTREAM']),
        fc.tuple(key, idArb).map(([k, id]) => ['XGROUP', 'SETID', k, 'g', id]),
        fc.tuple(key, fc.constantFrom('c1', 'c2'), fc.integer({ min: 1, max: 3 })).map(([k, c, n]) => ['XREADGROUP', 'GROUP', 'g', c, 'COUNT', String(n), 'STREAMS', k, '>']),
        fc.tuple(key, fc.constantFrom('c1', 'c2')).map(([k, c]) => ['XREADGROUP', 'GROUP', 'g', c, 'STREAMS', k, '0']),
        fc.tuple(key, idArb, idArb).map(([k, a, b]) => ['XACK', k, 'g', a, b]),
        fc.tuple(key, fc.constantFrom('c1', 'c2'), idArb).map(([k, c, id]) => ['XCLAIM', k, 'g', c, '0', id, 'JUSTID']),
        fc.tuple(key, fc.constantFrom('c1', 'c2'), idArb).map(([k, c, id]) => ['XAUTOCLAIM', k, 'g', c, '0', id, 'COUNT', '2', 'JUSTID']),
        key.map((k) => ['XRANGE', k, '-', '+']),
        fc.tuple(key, idArb, fc.integer({ min: 1, max: 4 })).map(([k, id, n]) => ['XREVRANGE', k, id, '-', 'COUNT', String(n)]),
        fc.tuple(key, idArb).map(([k, id]) => ['XREAD', 'COUNT', '2', 'STREAMS', k, id]),
        fc.tuple(key, fc.constantFrom('c1', 'c2')).map(([k, c]) => ['XGROUP', 'DELCONSUMER', k, 'g', c]),
        fc.tuple(key, fc.constantFrom('c1', 'c2'), idArb).map(([k, c, id]) => ['XCLAIM', k, 'g', c, '0', id, 'FORCE', 'RETRYCOUNT', '2']),
        fc.tuple(key, idArb).map(([k, id]) => ['XPENDING', k, 'g', '-', id, '5']),
        key.map((k) => ['XINFO', 'CONSUMERS', k, 'g']),
        key.map((k) => ['XPENDING', k, 'g']),
        key.map((k) => ['XINFO', 'STREAM', k]),
        key.map((k) => ['XINFO', 'GROUPS', k]),
        // (Not DUMP: a PEL's delivery times and a consumer's seen time are in it, and the two
        // servers' clocks may read a different millisecond.)
        key.map((k) => ['XINFO', 'STREAM', k, 'FULL']),
      );
      const p = await d.pair();
      try {
        await p.setup(['CONFIG', 'SET', 'stream-node-max-entries', '3']);
        await fc.assert(
          fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 40 }), async (cmds) => {
            await p.setup(['FLUSHALL']);
            for (const c of cmds) {
              // Idle and delivery times may differ by a few ms between the servers.
              if (c[3] === 'FULL' || c[1] === 'CONSUMERS' || (c[0] === 'XPENDING' && c.length > 3)) await p.approxNorm(withoutActiveTimes, TIMES, ...c);
              else await p.do(...c);
            }
          }),
          { numRuns: Number(process.env.FUZZ_RUNS ?? 40) },
        );
      } finally {
        await p.setup(['CONFIG', 'SET', 'stream-node-max-entries', '100']);
        p.close();
      }
    });
  });
});

describe('streams on the one clock', () => {
  it('automatic IDs come from the clock and stay monotonic when it goes back', () => {
    const { clock, run } = localServer();
    const first = run('XADD', 's', '*', 'a', '1');
    const ms = Number(/\$\d+\r\n(\d+)-0/.exec(first)![1]);
    assert.equal(ms, Math.floor(clock.now()));
    clock.advance(-10_000);
    assert.equal(run('XADD', 's', '*', 'a', '2'), `$${`${ms}-1`.length}\r\n${ms}-1\r\n`);
    clock.advance(20_000);
    assert.match(run('XADD', 's', '*', 'a', '3'), new RegExp(`\\r\\n${Math.floor(clock.now())}-0\\r\\n`));
  });

  it('XPENDING idle times and XINFO CONSUMERS idle follow the clock', () => {
    const { clock, run } = localServer();
    run('XADD', 's', '1', 'a', '1');
    run('XGROUP', 'CREATE', 's', 'g', '0');
    run('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>');
    clock.advance(5000);
    assert.match(run('XPENDING', 's', 'g', '-', '+', '10'), /\$1\r\nc\r\n:500\d\r\n:1\r\n/);
    assert.equal(run('XPENDING', 's', 'g', 'IDLE', '6000', '-', '+', '10'), '*0\r\n');
    assert.match(run('XINFO', 'CONSUMERS', 's', 'g'), /idle\r\n:500\d\r\n/);
    assert.match(run('XAUTOCLAIM', 's', 'g', 'd', '4000', '0', 'JUSTID'), /^\*3\r\n\$3\r\n0-0\r\n\*1\r\n\$3\r\n1-0\r\n\*0\r\n$/);
  });

  it("consumers' inactive and active-time (Redis 7.2's fields) move only when entries are delivered or claimed", () => {
    const { clock, run } = localServer();
    const consumer = (name: string): string => {
      const all = run('XINFO', 'CONSUMERS', 's', 'g');
      const at = all.indexOf(`$${name.length}\r\n${name}\r\n`);
      assert.ok(at > 0, all);
      return all.slice(at);
    };
    const fields = (name: string): [string, string] => {
      const m = /idle\r\n:(-?\d+)\r\n\$8\r\ninactive\r\n:(-?\d+)\r\n/.exec(consumer(name))!;
      return [m[1], m[2]];
    };
    run('XADD', 's', '1', 'a', '1');
    run('XGROUP', 'CREATE', 's', 'g', '0');
    run('XGROUP', 'CREATECONSUMER', 's', 'g', 'idle');
    clock.advance(100);
    assert.deepEqual(fields('idle'), ['100', '-1']);
    run('XREADGROUP', 'GROUP', 'g', 'reader', 'STREAMS', 's', '>');
    const delivered = Math.floor(clock.now());
    clock.advance(200);
    // Asking again with nothing new serves nothing, so (as in 7.0) the consumer is not even seen.
    run('XREADGROUP', 'GROUP', 'g', 'reader', 'STREAMS', 's', '>');
    clock.advance(50);
    assert.deepEqual(fields('reader'), ['250', '250']);
    // History and NOACK deliveries do not count as activity.
    run('XREADGROUP', 'GROUP', 'g', 'reader', 'STREAMS', 's', '0');
    run('XADD', 's', '2', 'a', '2');
    run('XREADGROUP', 'GROUP', 'g', 'reader', 'NOACK', 'STREAMS', 's', '>');
    clock.advance(10);
    assert.deepEqual(fields('reader'), ['10', '260']);
    const full = run('XINFO', 'STREAM', 's', 'FULL');
    assert.match(full, new RegExp(`reader\\r\\n\\$9\\r\\nseen-time\\r\\n:\\d+\\r\\n\\$11\\r\\nactive-time\\r\\n:${delivered}\\r\\n`));
    assert.match(full, /idle\r\n\$9\r\nseen-time\r\n:\d+\r\n\$11\r\nactive-time\r\n:-1\r\n/);
    // Claims count: XCLAIM and XAUTOCLAIM make the claiming consumer active.
    run('XCLAIM', 's', 'g', 'idle', '0', '1');
    assert.deepEqual(fields('idle'), ['0', '0']);
    clock.advance(30);
    run('XAUTOCLAIM', 's', 'g', 'other', '0', '0');
    clock.advance(5);
    assert.deepEqual(fields('other'), ['5', '5']);
    assert.deepEqual(fields('idle'), ['35', '35']);
    // A 7.0 file (no active time) gives each consumer its seen time as the active time.
    run('DEBUG', 'RELOAD');
    assert.deepEqual(fields('idle'), ['35', '35']);
  });

  it('INFO counts the keys XREADGROUP readers wait on as total_blocking_keys_on_nokey', async () => {
    const server = await startServer();
    const [a, b, admin] = await Promise.all([0, 1, 2].map(() => RawConnection.open({ port: server.port })));
    try {
      await admin.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      a.write(encodeCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>']));
      b.write(encodeCommand(['XREAD', 'BLOCK', '0', 'STREAMS', 's', 't', '$', '$']));
      const field = async (name: string): Promise<string> => new RegExp(`\\r\\n${name}:(\\d+)`).exec((await admin.call('INFO', 'clients'))!)?.[1] ?? '';
      for (let i = 0; i < 200 && (await field('blocked_clients')) !== '2'; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(await field('total_blocking_keys'), '2');
      assert.equal(await field('total_blocking_keys_on_nokey'), '1');
      await admin.call('DEL', 's');
      assert.match((await a.read())!, /^-UNBLOCKED the stream key no longer exists/);
      assert.equal(await field('total_blocking_keys_on_nokey'), '0');
    } finally {
      for (const c of [a, b, admin]) c.close();
      await server.close();
    }
  });

  it('XREAD BLOCK inside MULTI answers as a timeout', () => {
    const { run } = localServer();
    run('MULTI');
    run('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    assert.equal(run('EXEC'), '*1\r\n*-1\r\n');
  });
});
